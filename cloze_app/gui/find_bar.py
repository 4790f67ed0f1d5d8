"""Find and replace in the Write editor: a bar under the text, like a browser's or an IDE's.

Ctrl+F opens it to find, Ctrl+H to replace; Enter or F3 finds the next match, Shift+Enter or
Shift+F3 the previous one (wrapping at the ends); Esc closes it and returns to the text.
"Replace all" is one undo step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QPalette, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

Flags = QTextDocument.FindFlag


class FindBar(QFrame):
    """Find (and replace) in one plain-text editor.

    Signals:
        closed(): the bar was hidden (Esc or its close button); the editor has the focus again.
    """

    closed = Signal()

    def __init__(self, editor: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.editor = editor
        self.find_edit = QLineEdit()
        self.find_edit.setObjectName("findText")
        self.find_edit.setAccessibleName("Find")
        self.find_edit.setPlaceholderText("Find")
        self.find_edit.setClearButtonEnabled(True)
        self.replace_edit = QLineEdit()
        self.replace_edit.setObjectName("replaceText")
        self.replace_edit.setAccessibleName("Replace with")
        self.replace_edit.setPlaceholderText("Replace with")
        self.match_case = QCheckBox("Match &case")
        self.match_case.setObjectName("matchCase")
        self.count = QLabel()
        self.count.setObjectName("findCount")
        self.count.setMinimumWidth(self.fontMetrics().horizontalAdvance("No matches") + 8)
        self.count.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        previous = self._button(
            "Previous", lambda: self.find_next(backward=True), "Previous match (Shift+F3)"
        )
        following = self._button("Next", self.find_next, "Next match (F3)")
        self.replace_button = self._button("&Replace", self.replace_one, "Replace this match")
        self.replace_all_button = self._button("Replace &all", self.replace_all, "Replace every match")
        close = self._button("Close", self.close_bar, "Close (Esc)")
        close.setObjectName("findClose")
        self.replace_label = QLabel("Replace:")
        layout = QGridLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(QLabel("Find:"), 0, 0)
        layout.addWidget(self.find_edit, 0, 1)
        layout.addWidget(previous, 0, 2)
        layout.addWidget(following, 0, 3)
        layout.addWidget(self.match_case, 0, 4)
        layout.addWidget(self.count, 0, 5)
        layout.addWidget(close, 0, 6)
        layout.addWidget(self.replace_label, 1, 0)
        layout.addWidget(self.replace_edit, 1, 1)
        layout.addWidget(self.replace_button, 1, 2)
        layout.addWidget(self.replace_all_button, 1, 3)
        layout.setColumnStretch(1, 1)
        self._replace_row = (
            self.replace_label,
            self.replace_edit,
            self.replace_button,
            self.replace_all_button,
        )
        self.find_edit.textEdited.connect(self._search_as_typed)
        self.find_edit.returnPressed.connect(self.find_next)
        self.replace_edit.returnPressed.connect(self.replace_one)
        self.match_case.toggled.connect(lambda _on: self._update_count())
        self.hide()

    def _button(self, text: str, slot: object, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())  # type: ignore[operator]
        return button

    # ----- opening and closing
    def open_find(self, replace: bool = False) -> None:
        """Show the bar (with the replace row when ``replace``), seeded with the selected text."""
        selected = self.editor.textCursor().selectedText()
        if selected and "\u2029" not in selected:  # one line of selection: search for it
            self.find_edit.setText(selected)
        for widget in self._replace_row:
            widget.setVisible(replace)
        self.show()
        target = self.replace_edit if replace and self.find_edit.text() else self.find_edit
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        target.selectAll()
        self._update_count()

    @Slot()
    def close_bar(self) -> None:
        self.hide()
        self.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.closed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self.close_bar()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.find_next(backward=True)
            return
        if event.matches(QKeySequence.StandardKey.FindPrevious):
            self.find_next(backward=True)
            return
        super().keyPressEvent(event)

    # ----- finding
    def _flags(self, backward: bool = False) -> Flags:
        flags = Flags(0)
        if self.match_case.isChecked():
            flags |= Flags.FindCaseSensitively
        if backward:
            flags |= Flags.FindBackward
        return flags

    def _find_from(self, position: int, backward: bool = False) -> QTextCursor:
        document = self.editor.document()
        return document.find(self.find_edit.text(), position, self._flags(backward))

    @Slot()
    def find_next(self, backward: bool = False) -> bool:
        """Select the next (or previous) match, wrapping at the end; False when there is none."""
        if not self.find_edit.text():
            return False
        current = self.editor.textCursor()
        start = current.selectionStart() if backward else current.selectionEnd()
        found = self._find_from(start, backward)
        if found.isNull():  # wrap around
            end = self.editor.document().characterCount() - 1
            found = self._find_from(end if backward else 0, backward)
        if not found.isNull():
            self.editor.setTextCursor(found)
            self.editor.ensureCursorVisible()
        self._update_count()
        return not found.isNull()

    @Slot(str)
    def _search_as_typed(self, _text: str) -> None:
        cursor = self.editor.textCursor()
        cursor.setPosition(cursor.selectionStart())
        self.editor.setTextCursor(cursor)  # search again from where the last match began
        self.find_next()

    def _matches(self) -> list[QTextCursor]:
        found: list[QTextCursor] = []
        if not self.find_edit.text():
            return found
        cursor = self._find_from(0)
        while not cursor.isNull():
            found.append(cursor)
            cursor = self._find_from(cursor.selectionEnd())
        return found

    def _update_count(self) -> None:
        if not self.find_edit.text():
            self.count.setText("")
            return
        matches = self._matches()
        selection = self.editor.textCursor()
        here = (selection.selectionStart(), selection.selectionEnd())
        index = next(
            (i for i, m in enumerate(matches) if (m.selectionStart(), m.selectionEnd()) == here), None
        )
        if not matches:
            self.count.setText("No matches")
        elif index is None:
            self.count.setText(f"{len(matches)} found")
        else:
            self.count.setText(f"{index + 1} of {len(matches)}")

    # ----- replacing
    def _selection_matches(self) -> bool:
        selected = self.editor.textCursor().selectedText()
        wanted = self.find_edit.text()
        if self.match_case.isChecked():
            return bool(wanted) and selected == wanted
        return bool(wanted) and selected.casefold() == wanted.casefold()

    @Slot()
    def replace_one(self) -> bool:
        """Replace the selected match and select the next one; False when nothing was replaced."""
        if not self._selection_matches() and not self.find_next():
            return False
        cursor = self.editor.textCursor()
        cursor.insertText(self.replace_edit.text())
        self.editor.setTextCursor(cursor)
        self.find_next()
        return True

    @Slot()
    def replace_all(self) -> int:
        """Replace every match as one undo step; returns how many were replaced."""
        matches = self._matches()
        if not matches:
            self._update_count()
            return 0
        edit = QTextCursor(self.editor.document())
        edit.beginEditBlock()
        for match in reversed(matches):  # from the end, so earlier positions stay valid
            edit.setPosition(match.selectionStart())
            edit.setPosition(match.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
            edit.insertText(self.replace_edit.text())
        edit.endEditBlock()
        self.count.setText(f"Replaced {len(matches)}")
        return len(matches)
