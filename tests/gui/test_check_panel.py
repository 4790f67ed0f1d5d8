"""Check mode in the window (offscreen): each kind of flag underlined and listed, hover, click to
apply (one undo step), Ignore remembered for the document, old flags cleared when a re-check
starts, the count kept current, progress, cancel, the text staying editable while a check runs,
and the nested Sensitivity presets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import QToolTip

from cloze_app.core.app.settings import Settings, load_settings
from cloze_app.core.learn.checker import CheckerThresholds, check_text, checker_presets, default_preset_name
from cloze_app.gui import check_panel
from cloze_app.gui.check_marks import Edit, shift_span, sync_text
from cloze_app.gui.check_panel import UNDERLINE_KEY, CheckPanel
from cloze_app.gui.exercise_modes import add_exercise_and_check_modes
from tests.checker_models import CLEAN, ERRORS, learner_model
from tests.gui.conftest import LOAD_TIMEOUT_MS

TEXT = " ".join(ERRORS)  # one error of each kind per sentence (two of grammar)
BAD = "she go to school every day ."
RULES = CheckerThresholds(
    spelling=4.0, inflection=4.0, confusable=4.0, closed=4.0, missing=4.0, extra=4.0, unknown=4.0
)


def _panel(qtbot, make_window, folder: Path):  # type: ignore[no-untyped-def]
    window = make_window(Settings(model=str(folder), debounce_ms=20))
    _, panel = add_exercise_and_check_modes(window)  # as the app does
    assert window.modes.tabText(window.modes.indexOf(panel)) == "&Check"
    panel.thresholds = RULES
    window.modes.setCurrentWidget(panel)
    return window, panel


@pytest.fixture
def learner_window(qtbot, make_window, tmp_path: Path):  # type: ignore[no-untyped-def]
    return _panel(qtbot, make_window, learner_model(tmp_path / "learner"))


def _check(qtbot, panel: CheckPanel):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.check_finished, timeout=LOAD_TIMEOUT_MS) as blocker:
        panel.check_button.click()
    return blocker.args[0]


def _word_center(panel: CheckPanel, start: int, end: int) -> QPoint:
    cursor = panel.view.textCursor()
    cursor.setPosition(start)
    left = panel.view.cursorRect(cursor)
    cursor.setPosition(end)
    right = panel.view.cursorRect(cursor)
    return QPoint((left.left() + right.left()) // 2, left.center().y())


def test_each_kind_of_flag_is_underlined_and_listed_with_its_fixes(qtbot, learner_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = learner_window
    window.editor.setPlainText(TEXT)
    assert panel.view.toPlainText() == TEXT  # the Write text, mirrored
    report = _check(qtbot, panel)
    want = [(span, kind, fix) for span, kind, fix in ERRORS.values()]
    assert [(f.word, f.kind, f.best) for f in report.flags] == want
    underlined = [s.cursor.selectedText() for s in panel.view.extraSelections()]
    assert underlined == [span for span, _, _ in want] and UNDERLINE_KEY in panel.view._selections
    lines = [panel.flag_list.item(i).text() for i in range(panel.flag_list.count())]
    assert lines[0] == "grammar: go → goes (100%)"
    assert [line.split(":")[0] for line in lines] == [kind for _, kind, _ in want]
    assert lines[3].startswith("spelling: recieve → receive (100%), ")
    assert panel.summary.text() == "28 words checked, 6 flagged."


def test_hovering_shows_the_kind_and_fixes_and_a_click_applies_one_as_one_undo_step(
    qtbot, learner_window
) -> None:  # type: ignore[no-untyped-def]
    window, panel = learner_window
    window.editor.setPlainText(BAD)
    _check(qtbot, panel)
    where = _word_center(panel, 4, 6)
    event = QHelpEvent(QEvent.Type.ToolTip, where, panel.view.viewport().mapToGlobal(where))
    assert panel.eventFilter(panel.view.viewport(), event)
    assert "<b>go</b>: grammar" in QToolTip.text() and "goes (100%, grammar)" in QToolTip.text()
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert panel.menu is not None
    assert [a.text() for a in panel.menu.actions() if a.text()] == ["goes  (100%)", "Ignore “go”"]
    with qtbot.waitSignal(panel.suggestion_applied) as blocker:
        panel.menu.actions()[0].trigger()
    assert blocker.args == ["go", "goes"]
    assert window.editor.text() == "she goes to school every day ."
    assert panel.marks == [] and panel.view.extraSelections() == []
    assert panel.summary.text() == "6 words checked, nothing flagged."  # the count follows the fix
    window.editor.undo()  # one step takes the fix back
    assert window.editor.text() == BAD


def test_a_missing_word_fix_inserts_it_and_an_extra_word_fix_removes_it(qtbot, learner_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = learner_window
    window.editor.setPlainText("she is in house . she is a the cat .")
    _check(qtbot, panel)
    assert [m.flag.kind for m in panel.marks] == ["missing word", "extra word"]
    panel.apply(panel.marks[0], panel.marks[0].flag.best)
    assert window.editor.text() == "she is in the house . she is a the cat ."
    assert panel.summary.text().endswith("1 flagged.")
    panel._list_activated(panel.flag_list.item(0))  # double-click applies the best fix
    assert window.editor.text() == "she is in the house . she is a cat ."
    window.editor.undo()
    assert window.editor.text() == "she is in the house . she is a the cat ."


def test_ignore_drops_the_flag_and_the_word_stays_ignored_in_this_document(qtbot, learner_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = learner_window
    window.editor.setPlainText(TEXT)
    _check(qtbot, panel)
    mark = next(m for m in panel.marks if m.flag.word == "recieve")
    menu = panel.suggestion_menu(mark)
    next(a for a in menu.actions() if a.text().startswith("Ignore")).trigger()
    assert "recieve" not in [m.flag.word for m in panel.marks] and panel.summary.text().endswith("5 flagged.")
    report = _check(qtbot, panel)  # checked again: still ignored
    assert "recieve" not in [f.word for f in report.flags] and len(panel.marks) == 5
    window.editor.setPlainText("")  # a new document forgets what was ignored
    window.editor.setPlainText("i recieve letters .")
    _check(qtbot, panel)
    assert [m.flag.word for m in panel.marks] == ["recieve"]


def test_a_new_check_clears_the_old_flags_when_it_starts(qtbot, learner_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = learner_window
    window.editor.setPlainText(TEXT)
    _check(qtbot, panel)
    assert len(panel.marks) == 6
    with qtbot.waitSignal(panel.check_finished, timeout=LOAD_TIMEOUT_MS):
        panel.start_check()
        assert panel.marks == [] and panel.flag_list.count() == 0 and panel.view.extraSelections() == []
        assert panel.summary.text() == "Checking…"
    assert len(panel.marks) == 6


def test_a_click_outside_a_flag_opens_nothing(qtbot, learner_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = learner_window
    window.editor.setPlainText(BAD)
    _check(qtbot, panel)
    assert panel.open_menu_at(_word_center(panel, 7, 9)) is None  # "to"


def test_the_text_stays_editable_and_flags_follow_the_edits(qtbot, learner_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = learner_window
    window.editor.setPlainText(BAD)
    with qtbot.waitSignal(panel.check_finished, timeout=LOAD_TIMEOUT_MS):
        panel.start_check()
        assert panel.running and panel.progress.isVisible() and panel.cancel_button.isVisible()
        assert not panel.view.isReadOnly()
        cursor = panel.view.textCursor()
        cursor.setPosition(0)
        cursor.insertText("Look: ")  # typed while the check runs
    assert [m.span for m in panel.marks] == [(10, 12)]
    assert panel.view.extraSelections()[0].cursor.selectedText() == "go"
    # editing the flagged word removes its flag, and the count says so
    cursor = panel.view.textCursor()
    cursor.setPosition(11)
    cursor.insertText("o")
    assert panel.marks == [] and panel.flag_list.count() == 0
    assert panel.summary.text().endswith("nothing flagged.")


def test_a_long_check_shows_progress_and_can_be_cancelled(qtbot, learner_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = learner_window
    window.editor.setPlainText(" ".join([CLEAN] * 20))
    seen: list[int] = []
    panel.progress.valueChanged.connect(seen.append)
    report = _check(qtbot, panel)
    assert not report.cancelled and report.words_checked == report.words_total == 300
    assert seen[-1] == 300 and report.calls >= 3
    with qtbot.waitSignal(panel.check_finished, timeout=LOAD_TIMEOUT_MS) as blocker:
        panel.start_check()
        panel.cancel_button.click()
    cancelled = blocker.args[0]
    assert cancelled.cancelled and cancelled.words_checked < cancelled.words_total
    assert "Stopped after" in panel.summary.text()
    assert panel.check_button.isEnabled() and not panel.progress.isVisible()


def test_shift_span_moves_past_earlier_edits_and_drops_touched_words() -> None:
    assert shift_span(10, 13, [Edit(0, 0, 6)]) == (16, 19)
    assert shift_span(10, 13, [Edit(20, 2, 0)]) == (10, 13)
    assert shift_span(10, 13, [Edit(11, 1, 1)]) is None
    assert shift_span(10, 13, [Edit(10, 0, 2)]) is None  # typed right at the word's start


def test_the_check_view_and_the_write_editor_show_the_same_text(qtbot, learner_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = learner_window
    window.editor.setPlainText(BAD)
    assert panel.view.toPlainText() == BAD
    cursor = panel.view.textCursor()
    cursor.setPosition(0)
    cursor.insertText("Look: ")
    assert window.editor.text() == "Look: " + BAD
    window.modes.setCurrentIndex(0)  # back to Write, edit there, then Check again
    window.editor.setPlainText("she goes .")
    window.modes.setCurrentWidget(panel)
    assert panel.view.toPlainText() == "she goes ."


def test_sync_text_replaces_only_what_differs(qtbot) -> None:  # type: ignore[no-untyped-def]
    source, target = QTextDocument("one two three\nfour"), QTextDocument("one too three\nfour")
    marker = QTextCursor(target)
    marker.setPosition(len("one too three\nf"))
    assert sync_text(source, target)
    assert target.toPlainText() == "one two three\nfour"
    assert marker.position() == len("one two three\nf")  # a cursor after the edit stays on its letter
    assert not sync_text(source, target)


def test_a_stricter_preset_flags_a_subset_and_a_new_choice_rejudges_without_the_model(  # type: ignore[no-untyped-def]
    qtbot, make_window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[CheckerThresholds | None] = []

    def spy(engine, text, thresholds=None, **kwargs):  # type: ignore[no-untyped-def]
        used.append(thresholds)
        return check_text(engine, text, thresholds, **kwargs)

    monkeypatch.setattr(check_panel, "check_text", spy)
    window, panel = _panel(qtbot, make_window, learner_model(tmp_path / "learner"))
    panel.thresholds = None  # the Sensitivity preset decides
    assert panel.sensitivity_name == default_preset_name() == "Balanced"
    tip = panel.sensitivity.toolTip()
    for preset in checker_presets():
        assert f"{preset.name}: {preset.describe()}" in tip
    window.editor.setPlainText(TEXT)
    _check(qtbot, panel)
    assert used == [CheckerThresholds.preset("Balanced")]
    flagged = {}
    for name in ("Careful", "Balanced", "Eager"):
        panel.sensitivity.setCurrentIndex(panel.sensitivity.findText(name))  # as the user would
        assert not panel.running and len(used) == 1  # same text: the scores are re-judged, no model run
        flagged[name] = [panel.view.span_of(m.cursor) for m in panel.marks]
    for quieter, eager in (("Careful", "Balanced"), ("Balanced", "Eager")):
        assert all(any(a <= s and t <= b for a, b in flagged[eager]) for s, t in flagged[quieter])
    assert window.settings.check_sensitivity == "Eager"
    assert load_settings()[0].check_sensitivity == "Eager"  # saved at once

    restarted = make_window(load_settings()[0])
    _, again = add_exercise_and_check_modes(restarted)
    restarted.modes.setCurrentWidget(again)
    assert again.sensitivity_name == "Eager" and not again.running  # shown, not re-checked
    restarted.editor.setPlainText(BAD)
    _check(qtbot, again)
    assert used[-1] == CheckerThresholds.preset("Eager")


def test_a_long_text_is_rejudged_on_the_worker_and_edits_made_meanwhile_are_followed(  # type: ignore[no-untyped-def]
    qtbot, learner_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``REJUDGE_AT_ONCE`` scored words a new sensitivity is applied on the worker (judging a
    long text takes seconds): the text stays editable, and the flags come out as at once, moved past
    an edit made meanwhile."""
    window, panel = learner_window
    panel.thresholds = None
    window.editor.setPlainText(TEXT)
    _check(qtbot, panel)
    panel.set_sensitivity("eager")
    at_once = [m.span for m in panel.marks]
    assert at_once and not panel.running
    panel.set_sensitivity("careful")
    monkeypatch.setattr(check_panel, "REJUDGE_AT_ONCE", 0)
    panel.set_sensitivity("eager")
    assert panel.running and not panel.check_button.isEnabled()  # on the worker
    assert not panel.view.isReadOnly()
    cursor = panel.view.textCursor()
    cursor.setPosition(0)
    cursor.insertText("Look: ")  # typed while it is judged
    qtbot.waitUntil(lambda: not panel.running, timeout=LOAD_TIMEOUT_MS)
    assert [m.span for m in panel.marks] == [(a + 6, b + 6) for a, b in at_once]
    assert panel.check_button.isEnabled()


def test_an_edited_text_is_checked_again_when_the_sensitivity_changes(qtbot, learner_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = learner_window
    panel.thresholds = None
    window.editor.setPlainText(BAD)
    _check(qtbot, panel)
    window.editor.setPlainText(TEXT)
    with qtbot.waitSignal(panel.check_finished, timeout=LOAD_TIMEOUT_MS):
        panel.set_sensitivity("eager")
    assert len(panel.marks) >= 1 and panel.report is not None and panel.report.text == TEXT


def test_a_saved_unknown_sensitivity_shows_the_default(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        model=str(learner_model(tmp_path / "l")), debounce_ms=20, check_sensitivity="Paranoid"
    )
    window = make_window(settings)
    _, panel = add_exercise_and_check_modes(window)
    assert panel.sensitivity_name == default_preset_name()


def test_changing_the_sensitivity_during_a_check_restarts_it(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window, panel = _panel(qtbot, make_window, learner_model(tmp_path / "learner"))
    panel.thresholds = None
    window.editor.setPlainText(" ".join([CLEAN] * 20))
    reports: list[object] = []
    panel.check_finished.connect(reports.append)
    panel.start_check()
    first_stop = panel._stop
    panel.set_sensitivity("eager")
    assert first_stop.is_set() and panel.running  # the old run is told to stop, a new one runs
    qtbot.waitUntil(lambda: bool(reports) and not panel.running, timeout=LOAD_TIMEOUT_MS)
    (report,) = reports  # only the new run's result arrives
    assert not report.cancelled and report.words_checked == report.words_total  # type: ignore[attr-defined]
    assert panel.sensitivity_name == "Eager" and window.settings.check_sensitivity == "Eager"


def test_settings_applied_elsewhere_show_their_sensitivity_without_a_check(qtbot, learner_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = learner_window
    window.editor.setPlainText(BAD)
    window.apply_settings(replace(window.settings, check_sensitivity="Careful"))
    assert panel.sensitivity_name == "Careful" and not panel.running


def test_showing_the_check_tab_loads_the_word_lists_in_the_background_once(
    qtbot, make_window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The first check would otherwise spend about a second loading word lists."""
    import threading

    calls: list[str] = []
    monkeypatch.setattr(check_panel, "warm_up", lambda: calls.append(threading.current_thread().name))
    window, panel = _panel(qtbot, make_window, learner_model(tmp_path / "learner"))
    window.show()
    qtbot.waitUntil(lambda: calls == ["cloze-check-warm-up"], timeout=LOAD_TIMEOUT_MS)
    window.modes.setCurrentIndex(0)
    window.modes.setCurrentWidget(panel)  # shown again: not loaded again
    qtbot.wait(50)
    assert calls == ["cloze-check-warm-up"] and threading.main_thread().name != calls[0]


def test_a_flag_over_two_words_is_fixed_whole_in_one_undo_step(qtbot, learner_window) -> None:  # type: ignore[no-untyped-def]
    """ "every days": a determiner and its noun of different numbers are one flag over both
    words; its fix replaces the phrase, and one undo takes it back."""
    window, panel = learner_window
    text = "she goes to school every days ."
    window.editor.setPlainText(text)
    _check(qtbot, panel)
    (mark,) = panel.marks
    assert (mark.flag.word, mark.flag.best) == ("every days", "every day")
    assert [s.cursor.selectedText() for s in panel.view.extraSelections()] == ["every days"]
    panel.apply(mark, mark.flag.best)
    assert window.editor.text() == "she goes to school every day ."
    window.editor.undo()
    assert window.editor.text() == text
