"""Keeps the suggestions panel in step with the editor: debounce, request, show, insert."""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QTextCharFormat, QTextCursor

from cloze_app.core.errors import InputError
from cloze_app.core.text import BlankWindow, blank_regex, blank_window, nearest_blank, sentence_bounds
from cloze_app.core.types import FillResult, OptionScore
from cloze_app.gui.editor import ClozeEditor, blank_format
from cloze_app.gui.jobs import JobControl
from cloze_app.gui.ranked_list import RankedWord
from cloze_app.gui.suggestions_panel import SuggestionsPanel
from cloze_app.gui.worker import EngineService

SUGGEST = "suggest"
OPTIONS = "options"
FILL_ALL = "fill-all"
ACTIVE_BLANK = "active-blank"
PREVIEW_CHARS = 140
# How far from the cursor the window looks for the nearest blank.
SEARCH_CHARS = 2000


def fill_job(engine: Any, text: str, top_k: int) -> FillResult:
    """Runs on the worker thread."""
    return engine.fill(text, top_k=top_k, n_fillings=3)  # type: ignore[no-any-return]


def options_job(engine: Any, text: str, options: list[str], blank: int) -> list[OptionScore]:
    """Runs on the worker thread."""
    return list(engine.score_options(text, options, blank=blank))


def fill_windows(text: str, spans: list[tuple[int, int]], mask_token: str = "") -> list[BlankWindow]:
    """Windows (the same rule as suggestions) that together hold every blank of ``spans``:
    one per batch of nearby blanks, in text order."""
    windows: list[BlankWindow] = []
    covered: set[tuple[int, int]] = set()
    for span in spans:
        if span not in covered:
            window = blank_window(text, span, mask_token)
            covered.update(window.spans)
            windows.append(window)
    return windows


def fill_all_job(engine: Any, windows: list[BlankWindow], control: JobControl) -> dict[tuple[int, int], str]:
    """Runs on the worker thread: the best joint filling of each window, by document span."""
    words: dict[tuple[int, int], str] = {}
    for k, window in enumerate(windows):
        control.check()
        control.progress(k, len(windows), "")
        result = engine.fill(window.text, top_k=1, n_fillings=1)
        if result.fillings:
            words.update(zip(window.spans, result.fillings[0].words, strict=False))
    return words


@dataclass
class Target:
    """The blank the panel is about, and the blanks sent with it (cursors follow edits)."""

    window: BlankWindow
    cursors: list[QTextCursor]
    request_id: int = 0
    result: FillResult | None = None
    options: list[OptionScore] = field(default_factory=list)

    @property
    def focus_cursor(self) -> QTextCursor:
        return self.cursors[self.window.focus]

    @property
    def answered(self) -> bool:
        """True when the words shown were computed for exactly this text."""
        return self.result is not None and self.result.text == self.window.text


def sentence_html(text: str, start: int, end: int, word: str | None) -> str:
    """The sentence around ``text[start:end]`` as rich text, the blank (or ``word``) marked."""
    lo, hi = sentence_bounds(text, start, end)
    clipped_lo, clipped_hi = max(lo, start - PREVIEW_CHARS), min(hi, end + PREVIEW_CHARS)
    before = ("…" if clipped_lo > lo else "") + text[clipped_lo:start]
    after = text[end:clipped_hi] + ("…" if clipped_hi < hi else "")
    middle = f"<b><u>{html.escape(word)}</u></b>" if word else "<b>___</b>"
    return f"{html.escape(before)}{middle}{html.escape(after.rstrip())}"


class SuggestionController(QObject):
    """Drives the panel from the editor and the engine service.

    Signals:
        timing(float): milliseconds the engine took for the last request.
        error(str): something the user should see in the message bar.
    """

    timing = Signal(float)
    error = Signal(str)

    def __init__(
        self,
        editor: ClozeEditor,
        panel: SuggestionsPanel,
        service: EngineService,
        top_k: int = 10,
        debounce_ms: int = 250,
    ) -> None:
        super().__init__(editor)
        self.editor, self.panel, self.service = editor, panel, service
        self.top_k = top_k
        self.target: Target | None = None
        self._cache: dict[tuple[str, int], FillResult] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.refresh)
        editor.textChanged.connect(self.schedule)
        editor.cursorPositionChanged.connect(self._cursor_moved)
        panel.word_chosen.connect(self.insert)
        panel.word_previewed.connect(self.preview)
        panel.fill_all_requested.connect(self.fill_all)
        panel.options_requested.connect(self.rank_options)

    @property
    def settled(self) -> bool:
        """No refresh is waiting and the panel shows the answer for the text as it is now."""
        return not self._timer.isActive() and (self.target is None or self.target.answered)

    def set_debounce(self, ms: int) -> None:
        self._timer.setInterval(ms)

    def set_top_k(self, top_k: int) -> None:
        if top_k != self.top_k:
            self.top_k = top_k
            self._cache.clear()
            self.refresh(force=True)

    @Slot()
    def schedule(self) -> None:
        """Refresh after the user pauses typing (the debounce)."""
        self._timer.start()

    @Slot()
    def _cursor_moved(self) -> None:
        target = self.target
        if target is not None:  # Qt positions on both sides: no conversion needed
            cursor, position = target.focus_cursor, self.editor.textCursor().position()
            if cursor.selectionStart() <= position <= cursor.selectionEnd():
                return
        self.schedule()

    # ----- requests
    @Slot()
    def refresh(self, force: bool = False) -> None:
        """Find the blank at/nearest the cursor and ask for suggestions (now, no debounce)."""
        self._timer.stop()
        mask = self.editor.mask_token
        offsets = self.editor.offsets()  # text offsets from here on, as the core counts
        position = offsets.from_qt(self.editor.textCursor().position())
        offset = max(0, position - SEARCH_CHARS)
        around = offsets.text[offset : position + SEARCH_CHARS]
        blank = nearest_blank(around, position - offset, mask)
        if blank is None:
            self._clear()
            return
        local = blank_window(around, blank, mask)
        window = BlankWindow(
            offset=offset + local.offset,
            text=local.text,
            focus=local.focus,
            spans=tuple((s + offset, e + offset) for s, e in local.spans),
        )
        cursors = [self.editor.cursor_for(start, end, offsets) for start, end in window.spans]
        previous = self.target
        focus_span = window.spans[window.focus]
        same_blank = previous is not None and (
            offsets.span_from_qt(previous.focus_cursor.selectionStart(), previous.focus_cursor.selectionEnd())
            == focus_span
        )
        same_text = same_blank and previous is not None and previous.window.text == window.text
        self.target = target = Target(
            window, cursors, options=previous.options if previous and same_blank else []
        )
        self._mark_active()
        key = (window.text, self.top_k)
        if not force and key in self._cache:
            target.result = self._cache[key]
            self._show()
            return
        if previous is not None and same_text and previous.result is None and not force:
            target.request_id = previous.request_id  # the same question is already on its way
            return
        if previous is not None and same_blank and previous.result is not None:
            target.result = previous.result  # keep showing the last words until the new ones arrive
        else:
            self.panel.show_waiting(self._title(), loading=self.service.status is None)
        self.panel.set_working(True)
        target.request_id = self.service.submit(
            SUGGEST,
            fill_job,
            window.text,
            self.top_k,
            on_result=functools.partial(self._on_result, self.top_k),
            on_error=self._on_error,
        )

    def _clear(self) -> None:
        self.target = None
        self.panel.set_working(False)
        self.service.cancel(SUGGEST)
        self.editor.set_underlines(ACTIVE_BLANK, [])
        self.panel.show_idle()

    def _title(self) -> str:
        if self.target is None:
            return "Suggestions"
        count = len(self.target.window.spans)
        if count == 1:
            return "Words for this blank"
        return f"Words for blank {self.target.window.focus + 1} of {count}"

    def _mark_active(self) -> None:
        if self.target is None:
            return
        self.editor.set_underlines(
            ACTIVE_BLANK,
            [self.editor.span_of(self.target.focus_cursor)],
            blank_format(self.editor.palette(), active=True),
        )

    def _on_result(self, top_k: int, result: FillResult) -> None:
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[(result.text, top_k)] = result
        self.timing.emit(result.elapsed_ms)
        if top_k != self.top_k:
            return
        self.panel.set_working(False)
        if self.target is not None and self.target.window.text == result.text:
            self.target.result = result
            self._show()

    def _on_error(self, error: BaseException) -> None:
        self.panel.set_working(False)
        if isinstance(error, InputError):
            self.panel.show_idle(html.escape(str(error)))
        else:
            self.panel.show_idle("No suggestions: the model failed on this text.")
            self.error.emit(f"The model could not fill this text: {error}")

    def _show(self) -> None:
        target = self.target
        if target is None or target.result is None:
            return
        result = target.result
        focus = target.window.focus
        blank = result.blanks[focus] if focus < len(result.blanks) else None
        rows = [RankedWord(c.word, c.score) for c in blank.candidates] if blank else []
        self.panel.show_candidates(self._title(), rows, self._context_html(None))
        words = list(result.fillings[0].words) if result.fillings else []
        self.panel.show_joint(words, len(result.blanks))
        self.panel.show_options([RankedWord(o.option, o.score) for o in target.options])

    def _context_html(self, word: str | None) -> str:
        target = self.target
        if target is None:
            return ""
        start, end = target.window.spans[target.window.focus]
        local_start, local_end = start - target.window.offset, end - target.window.offset
        return sentence_html(target.window.text, local_start, local_end, word)

    # ----- what the user does
    def _live_blank(self, cursor: QTextCursor) -> tuple[int, int] | None:
        """The cursor's span (text offsets) if it still holds a blank (the text may have changed)."""
        text = cursor.selectedText()
        if cursor.hasSelection() and blank_regex(self.editor.mask_token).fullmatch(text):
            return self.editor.span_of(cursor)
        return None

    @Slot(str)
    def insert(self, word: str) -> bool:
        """Put ``word`` into the blank the panel shows; one undo step. False if it is gone."""
        if self.target is None or not word:
            return False
        span = self._live_blank(self.target.focus_cursor)
        if span is None:
            self.refresh()
            return False
        self.editor.replace_span(span[0], span[1], word)
        self.editor.setFocus()
        return True

    def insert_rank(self, rank: int) -> bool:
        """Alt+``rank``: insert the ``rank``-th suggestion (1-based)."""
        word = self.panel.candidates.word_at(rank - 1)
        return self.insert(word) if word else False

    @Slot()
    def fill_all(self) -> bool:
        """Put the best filling into every blank of the document, as one undo step.

        Blanks the panel has already answered take the joint filling it shows; the others are
        filled window by window on the worker (with progress), then all go in at once.
        """
        text, mask = self.editor.text(), self.editor.mask_token
        spans = [m.span() for m in blank_regex(mask).finditer(text)]
        if not spans:
            return False
        known: dict[tuple[int, int], str] = {}
        target = self.target
        if target is not None and target.answered and target.result is not None and target.result.fillings:
            known = dict(zip(target.window.spans, target.result.fillings[0].words, strict=False))
        cursors = {span: self.editor.cursor_for(*span) for span in spans}
        missing = [span for span in spans if span not in known]
        if not missing:
            self._apply_fill(cursors, known)
            return True
        windows = fill_windows(text, missing, mask)
        self.panel.set_working(True)

        def done(words: dict[tuple[int, int], str]) -> None:
            self.panel.set_working(False)
            self.panel.working.setText("updating…")
            self._apply_fill(cursors, {**words, **known})

        def progress(step: int, total: int, _message: str) -> None:
            self.panel.working.setText(f"filling blanks… {step}/{total}")

        self.service.run_job(
            FILL_ALL,
            lambda engine, control: fill_all_job(engine, windows, control),
            on_result=done,
            on_progress=progress,
            on_error=self._on_error,
        )
        return True

    def _apply_fill(
        self, cursors: dict[tuple[int, int], QTextCursor], words: dict[tuple[int, int], str]
    ) -> None:
        """Replace each blank still there with its word; one undo step (cursors follow edits)."""
        edit = QTextCursor(self.editor.document())
        edit.beginEditBlock()
        for span, cursor in sorted(cursors.items(), key=lambda pair: -pair[1].selectionStart()):
            word = words.get(span)
            if word and self._live_blank(cursor) is not None:  # the cursor's own Qt positions
                edit.setPosition(cursor.selectionStart())
                edit.setPosition(cursor.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
                edit.insertText(word)
        edit.endEditBlock()
        self.editor.setFocus()

    @Slot(str)
    def preview(self, word: str) -> None:
        """Show the sentence with ``word`` in the blank ("" goes back to the blank)."""
        if self.target is not None:
            self.panel.set_preview(self._context_html(word or None))

    @Slot(list)
    def rank_options(self, options: list[str]) -> None:
        """Rank the user's own words for the current blank."""
        target = self.target
        if target is None:
            self.panel.show_idle("Put the cursor on a blank (___) first, then type your words.")
            return

        def shown(scores: list[OptionScore]) -> None:
            if self.target is target:
                target.options = scores
                self.panel.show_options([RankedWord(o.option, o.score) for o in scores])

        self.service.submit(
            OPTIONS,
            options_job,
            target.window.text,
            options,
            target.window.focus,
            on_result=shown,
            on_error=self._on_error,
        )

    def active_format(self) -> QTextCharFormat:
        """The look of the blank the panel is about."""
        return blank_format(self.editor.palette(), active=True)
