"""The text editor: plain text, blanks highlighted as they are typed, Tab between blanks.

Other modes use the same editor (``MainWindow.editor``): :meth:`ClozeEditor.text`,
:meth:`ClozeEditor.set_underlines` (extra selections under a key, so modes never erase each
other's marks), :meth:`ClozeEditor.replace_span` (one undoable edit) and the usual QTextCursor.

Every position the editor's methods take or return is a text offset: a code point index into
:meth:`ClozeEditor.text`, as the core counts. Qt's own positions (UTF-16 units, where an emoji
counts two) stay inside QTextCursors; :meth:`ClozeEditor.cursor_for`, :meth:`ClozeEditor.span_of`
and :meth:`ClozeEditor.cursor_position` convert, through :mod:`cloze_app.gui.offsets`.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from cloze_app.core.text import BLANK_PATTERN, blank_regex
from cloze_app.gui.offsets import TextOffsets


def blank_format(palette: QPalette, active: bool = False) -> QTextCharFormat:
    """How a blank looks: a tint of the highlight colour that reads in light and dark themes."""
    fmt = QTextCharFormat()
    color = QColor(palette.color(QPalette.ColorRole.Highlight))
    color.setAlpha(170 if active else 85)
    fmt.setBackground(color)
    if active:
        fmt.setFontWeight(QFont.Weight.Bold)
    return fmt


class BlankHighlighter(QSyntaxHighlighter):
    """Tints every blank; works block by block, so a 1 MB document stays fast."""

    def __init__(self, document: QTextDocument, palette: QPalette) -> None:
        super().__init__(document)
        self._regex = blank_regex()
        self._format = blank_format(palette)

    def set_mask_token(self, mask_token: str) -> None:
        """Also highlight the model's literal mask token (e.g. ``[MASK]``)."""
        regex = blank_regex(mask_token)
        if regex.pattern != self._regex.pattern:
            self._regex = regex
            self.rehighlight()

    def set_palette(self, palette: QPalette) -> None:
        """Follow a theme change (light/dark)."""
        self._format = blank_format(palette)
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        for match in self._regex.finditer(text):
            self.setFormat(match.start(), match.end() - match.start(), self._format)


class ClozeEditor(QPlainTextEdit):
    """Plain-text editor that knows about blanks.

    Signals:
        blanks_navigated(int, int): Tab/Shift+Tab selected the blank ``(start, end)`` (text offsets).
    """

    blanks_navigated = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("editor")
        self.setAccessibleName("Your text")
        self.setAccessibleDescription(
            "Type text and mark missing words with three underscores. Tab jumps to the next blank."
        )
        self.setPlaceholderText("Type a sentence and put ___ where a word is missing…")
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setTabChangesFocus(False)
        self._mask_token = ""
        self._regex = QRegularExpression(BLANK_PATTERN)
        self._selections: dict[str, list[QTextEdit.ExtraSelection]] = {}
        self._offsets: TextOffsets | None = None
        self.highlighter = BlankHighlighter(self.document(), self.palette())

    # ----- what other modes use
    def text(self) -> str:
        """The whole text."""
        return self.offsets().text

    def offsets(self) -> TextOffsets:
        """Code point <-> Qt position conversion for the text as it is now.

        Read from the document on every call (an edit block may be half done, so no revision
        counter can be trusted); the scan for wide characters is reused while the text is equal.
        """
        text = self.toPlainText()
        if self._offsets is None or self._offsets.text != text:
            self._offsets = TextOffsets(text)
        return self._offsets

    def cursor_for(
        self, start: int, end: int | None = None, offsets: TextOffsets | None = None
    ) -> QTextCursor:
        """A cursor on text offsets ``start:end`` (at ``start`` when ``end`` is None); pass
        ``offsets`` when making many cursors for one text."""
        offsets = offsets or self.offsets()
        cursor = QTextCursor(self.document())
        cursor.setPosition(offsets.to_qt(start))
        if end is not None:
            cursor.setPosition(offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def span_of(self, cursor: QTextCursor) -> tuple[int, int]:
        """The text offsets ``(start, end)`` of a cursor's selection."""
        return self.spans_of([cursor])[0]

    def spans_of(self, cursors: Iterable[QTextCursor]) -> list[tuple[int, int]]:
        """The text offsets of many cursors' selections (the text is read once)."""
        offsets = self.offsets()
        return [offsets.span_from_qt(c.selectionStart(), c.selectionEnd()) for c in cursors]

    def cursor_position(self) -> int:
        """The text offset of the editor's cursor."""
        return self.offsets().from_qt(self.textCursor().position())

    def set_mask_token(self, mask_token: str) -> None:
        """Treat the model's mask token as a blank too."""
        self._mask_token = mask_token
        pattern = blank_regex(mask_token).pattern
        self._regex = QRegularExpression(pattern)
        self.highlighter.set_mask_token(mask_token)

    @property
    def mask_token(self) -> str:
        """The loaded model's mask token ("" before one is loaded)."""
        return self._mask_token

    def set_underlines(
        self, key: str, spans: Iterable[tuple[int, int]], fmt: QTextCharFormat | None = None
    ) -> None:
        """Mark text-offset ``(start, end)`` spans with ``fmt`` (default: a wavy underline), under
        ``key``.

        Each key replaces only its own marks; pass no spans to clear them.
        """
        if fmt is None:
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(self.palette().color(QPalette.ColorRole.Highlight))
        selections = []
        offsets = self.offsets()
        for start, end in spans:
            selection = QTextEdit.ExtraSelection()
            cursor = self.cursor_for(start, end, offsets)
            selection.cursor = cursor  # type: ignore[attr-defined]
            selection.format = QTextCharFormat(fmt)  # type: ignore[attr-defined]
            selections.append(selection)
        if selections:
            self._selections[key] = selections
        else:
            self._selections.pop(key, None)
        self.setExtraSelections([s for group in self._selections.values() for s in group])

    def replace_span(self, start: int, end: int, text: str) -> None:
        """Replace characters ``start:end`` with ``text`` as one undoable edit; cursor after it."""
        cursor = self.cursor_for(start, end)
        cursor.insertText(text)
        self.setTextCursor(cursor)

    def span_text(self, start: int, end: int) -> str:
        """The text between two text offsets (paragraph breaks as ``\\n``)."""
        text = self.offsets().text
        return text[max(0, min(start, len(text))) : max(0, min(end, len(text)))]

    def text_around(self, position: int, radius: int) -> tuple[int, str]:
        """``(offset, text)``: about ``radius`` characters either side of ``position``.

        Used to look for blanks near the cursor without copying a 1 MB document.
        """
        start = max(0, position - radius)
        return start, self.span_text(start, position + radius)

    # ----- blanks
    def find_blank(self, position: int, backward: bool = False, wrap: bool = True) -> tuple[int, int] | None:
        """The next blank starting at/after ``position`` (or the previous one ending before it)."""
        doc = self.document()
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        found = doc.find(self._regex, self.offsets().to_qt(position), flags)
        if found.isNull() and wrap:
            found = doc.find(self._regex, doc.characterCount() if backward else 0, flags)
        if found.isNull():
            return None
        return self.span_of(found)

    def select_span(self, start: int, end: int) -> None:
        """Select text offsets ``start:end`` and scroll it into view."""
        self.setTextCursor(self.cursor_for(start, end))
        self.ensureCursorVisible()

    def go_to_blank(self, backward: bool = False) -> bool:
        """Select the next (or previous) blank; False when the text has none."""
        cursor = self.textCursor()
        start, end = self.span_of(cursor)
        if backward:
            found = self.find_blank(max(start - 1, 0), backward=True)
            if found and found[0] >= start and cursor.hasSelection():
                found = self.find_blank(len(self.text()), backward=True)
        else:
            found = self.find_blank(end if cursor.hasSelection() else self.cursor_position())
        if found is None:
            return False
        self.select_span(*found)
        self.blanks_navigated.emit(*found)
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key, mods = event.key(), event.modifiers()
        plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and plain:
            backward = key == Qt.Key.Key_Backtab or bool(mods & Qt.KeyboardModifier.ShiftModifier)
            if self.go_to_blank(backward):
                return
        super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.PaletteChange:
            self.highlighter.set_palette(self.palette())
        super().changeEvent(event)
