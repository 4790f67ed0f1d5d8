"""Check mode: flag likely errors of the document, underlined; hover for the fixes, click to apply one.

``CheckPanel(service, editor)`` plugs into the main window with ``window.add_mode(panel,
"&Check")``. Its text view shows the Write tab's own document (one text, one undo history), so
the text stays editable while a check runs; flags computed on an older text are moved with the
edits made meanwhile, and a flag whose word was edited disappears. The check runs on the worker
(channel ``"check"``, ``EngineService.run_job``) in chunks, with a progress bar and a Cancel
button that keeps the flags found so far. A new check clears the old flags first. Each flag says
its kind (spelling, grammar, word choice, missing word, extra word); applying a fix is one undo
step, and "Ignore" drops a flag and never flags that word again in this document.

The Sensitivity box beside the button picks a preset (``checker_presets()``: Careful, Balanced,
Eager, nested: what Careful flags the others flag too); changing it re-judges the last check's
scores (at once, or on the worker for a long text) or re-checks an edited text, and emits
``sensitivity_changed``, which the window saves (``Settings.check_sensitivity``, wired in
``exercise_modes``).

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
    rejudge,
    warm_up,
)
from cloze_app.gui.check_marks import Edit, Mark, shift_span, sync_text
from cloze_app.gui.editor import ClozeEditor
from cloze_app.gui.offsets import TextOffsets

UNDERLINE_KEY = "check"
FLAG_COLOUR = "#d93025"  # the red of a spelling/grammar underline
# Scored words a change of sensitivity re-judges on the UI thread (~60 ms); more go to the worker.
REJUDGE_AT_ONCE = 1000


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
        self._stop = threading.Event()
        self._warming: threading.Thread | None = None  # loads the word lists on first show
        self.report: CheckReport | None = None  # the last finished check (its scores re-judge)
        self.ignored: set[str] = set()  # words the user chose to ignore in this document
        self._words_note = ""

        self.check_button = QPushButton("Check text")
        self.check_button.setObjectName("checkText")
        self.check_button.setToolTip(
            "Flag spelling, grammar and word-choice errors and missing or extra words, with fixes"
        )
        self.check_button.clicked.connect(self.start_check)
        self.sensitivity = QComboBox()
        self.sensitivity.setObjectName("checkSensitivity")
        self.sensitivity.setAccessibleName("Sensitivity")
        lines = ["How eager the checker is (measured on held-out text with made errors):"]
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
        side_layout.addWidget(QLabel("Flags (click one to see it, double-click to apply the best fix):"))
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
        if self.editor is not None and self.editor.document().isEmpty():
            self.ignored.clear()  # a new document: nothing is ignored in it yet
        if self.isVisible() or self.running:
            self._pull()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        if self._warming is None:
            # The first check would spend about a second loading word lists: do it now, in the
            # background (no model work, no Qt), while the user reads the text.
            self._warming = threading.Thread(target=warm_up, name="cloze-check-warm-up", daemon=True)
            self._warming.start()
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

    def _thresholds(self) -> CheckerThresholds:
        return self.thresholds or CheckerThresholds.preset(self.sensitivity_name)

    @Slot(int)
    def _sensitivity_chosen(self, _index: int) -> None:
        name = self.sensitivity_name
        self.sensitivity_changed.emit(name)
        if self.running:
            self._stop.set()  # its result would be dropped anyway: free the worker
        self._pull()
        report = self.report
        if report is not None and not report.cancelled and report.text == self.view.toPlainText():
            self._rejudge(report)  # same scores, no model run
        elif self.view.toPlainText().strip():
            self.start_check()

    def _rejudge(self, report: CheckReport) -> None:
        """Show the last check's flags under the chosen sensitivity. Judging takes ~60 µs a word:
        at once for a text of up to ``REJUDGE_AT_ONCE`` scored words, else on the worker (a long
        text's would freeze the window for seconds), the text editable meanwhile, edits followed."""
        thresholds, ignored = self._thresholds(), frozenset(self.ignored)
        if len(report.scores) <= REJUDGE_AT_ONCE:
            self._show(rejudge(report, thresholds, ignored), [])
            return
        self._stop.set()
        self._edits = []
        self.check_button.setEnabled(False)
        self.summary.setText("Applying the sensitivity…")

        def job(_engine: Any, _control: Any) -> CheckReport:
            return rejudge(report, thresholds, ignored)

        self.service.run_job("check", job, on_result=self._rejudged, on_error=self._failed)

    def _rejudged(self, report: CheckReport) -> None:
        edits = self._end_run()
        self.report = report
        self._show(report, edits)

    # ----- running a check
    @Slot()
    def start_check(self) -> None:
        """Check the whole text on the worker with the chosen sensitivity; the old flags go at
        once, and the text stays editable meanwhile."""
        self._pull()
        text = self.view.toPlainText()
        self.marks = []
        self.report = None
        self.refresh()
        if not text.strip():
            self.summary.setText("Nothing to check: the text is empty.")
            return
        self._stop.set()  # a check still running stops at its next chunk
        stop = self._stop = threading.Event()
        self._edits = []
        self.check_button.setEnabled(False)
        self.cancel_button.setVisible(True)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.summary.setText("Checking…")
        thresholds, ignored = self._thresholds(), frozenset(self.ignored)

        def job(engine: Any, control: Any) -> CheckReport:
            return check_text(
                engine,
                text,
                thresholds,
                progress=lambda done, total: control.progress(done, total),
                should_stop=lambda: stop.is_set() or control.cancelled,
                ignored=ignored,
            )

        self.service.run_job(
            "check", job, on_result=self._finished, on_progress=self._advanced, on_error=self._failed
        )

    @Slot()
    def cancel_check(self) -> None:
        """Stop the running check after the current chunk; flags found so far are shown."""
        self._stop.set()
        self.summary.setText("Stopping…")

    def _advanced(self, done: int, total: int, _message: str = "") -> None:
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
        self.report = report
        self._show(report, edits)
        self.check_finished.emit(report)

    def _show(self, report: CheckReport, edits: list[Edit]) -> None:
        """Mark ``report``'s flags (moved past ``edits`` made meanwhile) and say how many."""
        self.marks = []
        document = self.view.document()
        offsets = TextOffsets(report.text)  # flags count code points of the text checked; Qt, UTF-16
        for flag in report.flags:
            if flag.word.casefold() in self.ignored:
                continue
            span = shift_span(*offsets.span_to_qt(flag.start, flag.end), edits)
            if span is None:
                continue
            cursor = QTextCursor(document)
            cursor.setPosition(span[0])
            cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
            mark = Mark(cursor, flag)
            if mark.valid:
                self.marks.append(mark)
        self._words_note = (
            f"Stopped after {report.words_checked} of {report.words_total} words"
            if report.cancelled
            else f"{report.words_checked} words checked"
        )
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        self._end_run()
        self._words_note = ""
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
        """Drop flags whose word was edited; redraw the underlines, the list and the count."""
        self.marks = [m for m in self.marks if m.valid]
        spans = self.view.spans_of(m.cursor for m in self.marks)
        self.view.set_underlines(UNDERLINE_KEY, spans, self._underline)
        self.flag_list.clear()
        for mark in self.marks:
            item = QListWidgetItem(self.list_text(mark.flag))
            item.setToolTip(mark.flag.message())
            self.flag_list.addItem(item)
        if self._words_note and not self.running:
            count = len(self.marks)
            self.summary.setText(
                f"{self._words_note}, {count or 'nothing'} flagged."
                if count
                else f"{self._words_note}, nothing flagged."
            )

    @staticmethod
    def list_text(flag: Flag) -> str:
        """A flag's line in the list, e.g. ``grammar: go → goes (71%), went (20%)``."""
        fixes = ", ".join(f"{s.word} ({s.percent})" for s in flag.suggestions) or "not in the dictionary"
        return f"{flag.kind}: {flag.word} → {fixes}"

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
            action = menu.addAction(f"{suggestion.word}  ({suggestion.percent})")
            action.triggered.connect(lambda _checked=False, w=suggestion.word: self.apply(mark, w))
        menu.addSeparator()
        ignore = menu.addAction(f"Ignore “{mark.flag.word}”")
        ignore.triggered.connect(lambda _checked=False: self.ignore(mark))
        return menu

    def ignore(self, mark: Mark) -> None:
        """Drop a flag and never flag its word again in this document."""
        self.ignored.add(mark.flag.word.casefold())
        self.marks = [m for m in self.marks if m.flag.word.casefold() not in self.ignored]
        self.refresh()

    @staticmethod
    def tooltip_html(flag: Flag) -> str:
        """What hovering a flagged word shows: its kind and the fixes, best first."""
        word = html.escape(flag.word)
        if not flag.suggestions:
            return f"<b>{word}</b>: {html.escape(flag.kind)} (not in the dictionary)"
        items = "".join(
            f"<li>{html.escape(s.word)} ({s.percent}, {html.escape(s.kind)})</li>" for s in flag.suggestions
        )
        return f"<b>{word}</b>: {html.escape(flag.kind)}. Click to replace it with:<ol>{items}</ol>"

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
