"""Check mode: flag unlikely words of the document, underlined; hover for suggestions, click to apply.

``CheckPanel(service, editor)`` plugs into the main window with ``window.add_mode(panel,
"&Check")``. Its text view shows the Write tab's own document (one text, one undo history), so
the text stays editable while a check runs; flags computed on an older text are moved with the
edits made meanwhile, and a flag whose word was edited disappears. The check runs on the worker
(channel ``"check"``) in chunks, with a progress bar and a Cancel button.

The Sensitivity box beside the button picks a preset tuned on BLiMP (``checker_presets()``:
Careful, Balanced, Eager); changing it re-checks the text and emits ``sensitivity_changed``, which
the window saves (``Settings.check_sensitivity``, wired in ``exercise_modes``).

Signals:
    check_finished(CheckReport): a check ended (``report.cancelled`` when stopped early).
    suggestion_applied(str, str): a flagged word was replaced (old word, new word).
    sensitivity_changed(str): the user chose another preset (its name).
"""

from __future__ import annotations

import html
import threading
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QColor, QHelpEvent, QMouseEvent, QShowEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from cloze_app.core.errors import ClozeError
from cloze_app.core.learn.checker import (
    CheckerThresholds,
    CheckReport,
    Flag,
    check_text,
    checker_presets,
    default_preset_name,
    find_preset,
)
from cloze_app.gui.check_marks import Edit, Mark, shift_span, sync_text
from cloze_app.gui.editor import ClozeEditor
from cloze_app.gui.offsets import TextOffsets

UNDERLINE_KEY = "check"
FLAG_COLOUR = "#d93025"  # the red of a spelling/grammar underline


class _Progress(QObject):
    """Carries progress from the worker thread to the UI thread (queued by Qt)."""

    advanced = Signal(int, int)


def _run_check(
    engine: Any, text: str, thresholds: CheckerThresholds | None, progress: _Progress, stop: threading.Event
) -> CheckReport:
    return check_text(engine, text, thresholds, progress=progress.advanced.emit, should_stop=stop.is_set)


class CheckPanel(QWidget):
    """The Check tab: the document with flagged words underlined, and a list of the flags."""

    check_finished = Signal(object)
    suggestion_applied = Signal(str, str)
    sensitivity_changed = Signal(str)

    def __init__(
        self, service: Any, editor: ClozeEditor | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("checkPanel")
        self.service = service
        self.view = ClozeEditor()
        self.view.setObjectName("checkView")
        self.view.setAccessibleName("Text to check")
        self.view.setPlaceholderText("Type or paste a text, then press Check text.")
        self.editor = editor
        self._syncing = False
        self.thresholds: CheckerThresholds | None = None  # None: the chosen Sensitivity preset
        self._underline = QTextCharFormat()
        self._underline.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        self._underline.setUnderlineColor(QColor(FLAG_COLOUR))
        self.marks: list[Mark] = []
        self.menu: QMenu | None = None
        self._edits: list[Edit] | None = None  # edits made while a check runs
        self._sent = TextOffsets("")
        self._stop = threading.Event()
        self._progress = _Progress(self)
        self._progress.advanced.connect(self._advanced)

        self.check_button = QPushButton("Check text")
        self.check_button.setObjectName("checkText")
        self.check_button.setToolTip("Flag words the model finds much less likely than another word")
        self.check_button.clicked.connect(self.start_check)
        self.sensitivity = QComboBox()
        self.sensitivity.setObjectName("checkSensitivity")
        self.sensitivity.setAccessibleName("Sensitivity")
        lines = ["How eager the checker is (measured on BLiMP minimal pairs):"]
        for preset in checker_presets():
            self.sensitivity.addItem(preset.name, preset.name)
            self.sensitivity.setItemData(
                self.sensitivity.count() - 1, preset.describe(), Qt.ItemDataRole.ToolTipRole
            )
            lines.append(f"{preset.name}: {preset.describe()}")
        self.sensitivity.setToolTip("\n".join(lines))
        self.set_sensitivity(default_preset_name(), quiet=True)
        self.sensitivity.currentIndexChanged.connect(self._sensitivity_chosen)
        sensitivity_label = QLabel("Sensitivity:")
        sensitivity_label.setBuddy(self.sensitivity)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_check)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setFormat("%v of %m words")
        self.summary = QLabel("")
        self.summary.setObjectName("checkSummary")
        self.flag_list = QListWidget()
        self.flag_list.setObjectName("flagList")
        self.flag_list.setAccessibleName("Flagged words")
        self.flag_list.itemClicked.connect(self._list_clicked)
        self.flag_list.itemActivated.connect(self._list_activated)

        bar = QHBoxLayout()
        bar.addWidget(self.check_button)
        bar.addWidget(sensitivity_label)
        bar.addWidget(self.sensitivity)
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.summary, 1)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("Flagged words (click one to see it, double-click to apply the best):"))
        side_layout.addWidget(self.flag_list, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.view)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

        self.view.viewport().installEventFilter(self)
        self.view.viewport().setMouseTracking(True)
        self._connect_document()

    # ----- the Write text, mirrored: the view keeps its own document (a QPlainTextEdit lays a
    # document out for one width only), and every edit on either side is copied to the other as
    # one replacement of the part that differs, so marks and both undo histories follow.
    def _pull(self) -> None:
        self._sync(to_view=True)

    def _push(self) -> None:
        self._sync(to_view=False)

    def _sync(self, to_view: bool) -> None:
        """Copy the Write text into the view (``to_view``) or back; never re-entered by the copy."""
        if self.editor is not None and not self._syncing:
            source, target = self.editor.document(), self.view.document()
            if not to_view:
                source, target = target, source
            self._syncing = True
            try:
                sync_text(source, target)
            finally:
                self._syncing = False

    def _editor_changed(self) -> None:
        if self.isVisible() or self.running:
            self._pull()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self._pull()
        if self.editor is not None:
            self.view.setFont(self.editor.font())  # the size chosen in the settings
        super().showEvent(event)

    def _connect_document(self) -> None:
        self.view.document().contentsChange.connect(self._contents_change)
        self.view.document().contentsChanged.connect(self._push)
        if self.editor is not None:
            self.editor.document().contentsChanged.connect(self._editor_changed)
            self._pull()

    # ----- sensitivity: a preset; the window keeps the choice in its settings
    @property
    def sensitivity_name(self) -> str:
        """The chosen preset's name."""
        return str(self.sensitivity.currentData())

    def set_sensitivity(self, name: str, quiet: bool = False) -> None:
        """Choose a preset by name (any case; unknown: the default) as the user would: saved, and
        the text re-checked. ``quiet``: only show it (a choice read back from the settings)."""
        blocked = self.sensitivity.blockSignals(quiet or self.sensitivity.signalsBlocked())
        try:
            self.sensitivity.setCurrentIndex(self.sensitivity.findData(find_preset(name).name))
        finally:
            self.sensitivity.blockSignals(blocked)

    @Slot(int)
    def _sensitivity_chosen(self, _index: int) -> None:
        name = self.sensitivity_name
        self.sensitivity_changed.emit(name)
        if self.running:
            self._stop.set()  # its result would be dropped anyway: free the worker
        self._pull()
        if self.view.toPlainText().strip():
            self.start_check()

    # ----- running a check
    @Slot()
    def start_check(self) -> None:
        """Check the whole text on the worker with the chosen sensitivity; the text stays editable
        meanwhile."""
        self._pull()
        text = self.view.toPlainText()
        if not text.strip():
            self.summary.setText("Nothing to check: the text is empty.")
            return
        self._stop = threading.Event()
        self._edits = []
        self._sent = TextOffsets(text)  # the flags' code point spans, as Qt positions of this text
        self.check_button.setEnabled(False)
        self.cancel_button.setVisible(True)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.summary.setText("Checking…")
        self.service.submit(
            "check",
            _run_check,
            text,
            self.thresholds or CheckerThresholds.preset(self.sensitivity_name),
            self._progress,
            self._stop,
            on_result=self._finished,
            on_error=self._failed,
        )

    @Slot()
    def cancel_check(self) -> None:
        """Stop the running check after the current chunk; flags found so far are shown."""
        self._stop.set()
        self.summary.setText("Stopping…")

    @Slot(int, int)
    def _advanced(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    @property
    def running(self) -> bool:
        """True while a check runs."""
        return self._edits is not None

    def _end_run(self) -> list[Edit]:
        edits, self._edits = self._edits or [], None
        self.check_button.setEnabled(True)
        self.cancel_button.setVisible(False)
        self.progress.setVisible(False)
        return edits

    def _finished(self, report: CheckReport) -> None:
        edits = self._end_run()
        self.marks = []
        document = self.view.document()
        for flag in report.flags:
            span = shift_span(*self._sent.span_to_qt(flag.start, flag.end), edits)
            if span is None:
                continue
            cursor = QTextCursor(document)
            cursor.setPosition(span[0])
            cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
            mark = Mark(cursor, flag)
            if mark.valid:
                self.marks.append(mark)
        done = (
            f"{report.words_checked} of {report.words_total} words"
            if report.cancelled
            else f"{report.words_checked} words"
        )
        count = len(self.marks)
        self.summary.setText(
            f"Stopped after {done}: {count} flagged."
            if report.cancelled
            else f"{done} checked, {count} flagged."
        )
        self.refresh()
        self.check_finished.emit(report)

    def _failed(self, error: BaseException) -> None:
        self._end_run()
        self.summary.setText(
            str(error) if isinstance(error, ClozeError) else f"{type(error).__name__}: {error}"
        )

    # ----- flags in the text
    @Slot(int, int, int)
    def _contents_change(self, position: int, removed: int, added: int) -> None:
        if self._edits is not None:
            self._edits.append(Edit(position, removed, added))
        if self.marks:
            self.refresh()

    def refresh(self) -> None:
        """Drop flags whose word was edited; redraw the underlines and the list."""
        self.marks = [m for m in self.marks if m.valid]
        spans = [self.view.span_of(m.cursor) for m in self.marks]
        self.view.set_underlines(UNDERLINE_KEY, spans, self._underline)
        self.flag_list.clear()
        for mark in self.marks:
            item = QListWidgetItem(f"{mark.flag.word} → {', '.join(s.word for s in mark.flag.suggestions)}")
            item.setToolTip(mark.flag.message())
            self.flag_list.addItem(item)

    def mark_at(self, position: int) -> Mark | None:
        """The flag under a text position, if any."""
        return next((m for m in self.marks if m.span[0] <= position < m.span[1]), None)

    def apply(self, mark: Mark, word: str) -> None:
        """Replace a flagged word by a suggestion (one undo step) and drop the flag."""
        old = mark.flag.word
        start, end = self.view.span_of(mark.cursor)
        self.marks = [m for m in self.marks if m is not mark]
        self.view.replace_span(start, end, word)
        self.refresh()
        self.suggestion_applied.emit(old, word)

    def suggestion_menu(self, mark: Mark) -> QMenu:
        """A menu of the flag's suggestions (choosing one applies it) and Ignore."""
        menu = QMenu(self)
        menu.setObjectName("suggestionMenu")
        for suggestion in mark.flag.suggestions:
            action = menu.addAction(suggestion.word)
            action.triggered.connect(lambda _checked=False, w=suggestion.word: self.apply(mark, w))
        menu.addSeparator()
        ignore = menu.addAction("Ignore")
        ignore.triggered.connect(lambda _checked=False: self._ignore(mark))
        return menu

    def _ignore(self, mark: Mark) -> None:
        self.marks = [m for m in self.marks if m is not mark]
        self.refresh()

    @staticmethod
    def tooltip_html(flag: Flag) -> str:
        """What hovering a flagged word shows."""
        rank = f"ranked #{flag.rank}" if flag.rank else "not among the model's top words"
        items = "".join(f"<li>{html.escape(s.word)}</li>" for s in flag.suggestions)
        word = html.escape(flag.word)
        return f"<b>{word}</b> is unlikely here ({rank}). Click to replace it with:<ol>{items}</ol>"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.view.viewport() and self.marks:
            if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
                mark = self.mark_at(self.view.cursorForPosition(event.pos()).position())
                if mark is not None:
                    QToolTip.showText(event.globalPos(), self.tooltip_html(mark.flag), self.view)
                    return True
                QToolTip.hideText()
            elif (
                event.type() == QEvent.Type.MouseButtonRelease
                and isinstance(event, QMouseEvent)
                and event.button() == Qt.MouseButton.LeftButton
                and not self.view.textCursor().hasSelection()
            ):
                self.open_menu_at(event.position().toPoint())
        return super().eventFilter(watched, event)

    def open_menu_at(self, pos: QPoint) -> QMenu | None:
        """Pop up the suggestions of the flag at viewport position ``pos`` (None: no flag there)."""
        mark = self.mark_at(self.view.cursorForPosition(pos).position())
        if mark is None:
            return None
        self.menu = self.suggestion_menu(mark)
        self.menu.popup(self.view.viewport().mapToGlobal(pos))
        return self.menu

    # ----- the list
    def _list_clicked(self, item: QListWidgetItem) -> None:
        row = self.flag_list.row(item)
        if 0 <= row < len(self.marks):
            self.view.select_span(*self.view.span_of(self.marks[row].cursor))

    def _list_activated(self, item: QListWidgetItem) -> None:
        row = self.flag_list.row(item)
        if 0 <= row < len(self.marks):
            mark = self.marks[row]
            self.apply(mark, mark.flag.best)
