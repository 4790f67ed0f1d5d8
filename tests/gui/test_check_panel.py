"""Check mode in the window (offscreen): underlines, hover, click to apply, progress, cancel,
the text staying editable while a check runs, and the Sensitivity presets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import QToolTip

from cloze_app.core.app.settings import Settings, load_settings
from cloze_app.core.learn.checker import CheckerThresholds, check_text, checker_presets
from cloze_app.gui import check_panel
from cloze_app.gui.check_marks import Edit, shift_span, sync_text
from cloze_app.gui.check_panel import UNDERLINE_KEY, CheckPanel
from cloze_app.gui.exercise_modes import add_exercise_and_check_modes
from tests.gui.conftest import LOAD_TIMEOUT_MS
from tests.learner_models import PASSAGE, dog_model, passage_model

BAD = "the cat barked at home ."
STRICT = CheckerThresholds(keep_rank=2, margin=3.0, min_alternative_log_prob=-6.0)


def _panel(qtbot, make_window, folder: Path):  # type: ignore[no-untyped-def]
    window = make_window(Settings(model=str(folder), debounce_ms=20))
    _, panel = add_exercise_and_check_modes(window)  # as the app does
    assert window.modes.tabText(window.modes.indexOf(panel)) == "&Check"
    panel.thresholds = STRICT
    window.modes.setCurrentWidget(panel)
    return window, panel


@pytest.fixture
def dog_window(qtbot, make_window, tmp_path: Path):  # type: ignore[no-untyped-def]
    return _panel(qtbot, make_window, dog_model(tmp_path / "dog"))


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


def test_the_flagged_word_is_underlined_in_the_shared_document(qtbot, dog_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = dog_window
    window.editor.setPlainText(BAD)
    assert panel.view.toPlainText() == BAD  # the Write text, mirrored
    report = _check(qtbot, panel)
    assert [f.word for f in report.flags] == ["cat"]
    assert [m.span for m in panel.marks] == [(4, 7)]
    underlined = [s.cursor.selectedText() for s in panel.view.extraSelections()]
    assert underlined == ["cat"] and UNDERLINE_KEY in panel.view._selections
    assert panel.flag_list.count() == 1 and panel.flag_list.item(0).text() == "cat → puppy, dog"
    assert "1 flagged" in panel.summary.text()


def test_hovering_shows_suggestions_and_a_click_applies_one(qtbot, dog_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = dog_window
    window.editor.setPlainText(BAD)
    _check(qtbot, panel)
    where = _word_center(panel, 4, 7)
    event = QHelpEvent(QEvent.Type.ToolTip, where, panel.view.viewport().mapToGlobal(where))
    assert panel.eventFilter(panel.view.viewport(), event)
    assert "puppy" in QToolTip.text() and "<b>cat</b>" in QToolTip.text()
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert panel.menu is not None
    assert [a.text() for a in panel.menu.actions() if a.text()] == ["puppy", "dog", "Ignore"]
    with qtbot.waitSignal(panel.suggestion_applied) as blocker:
        panel.menu.actions()[1].trigger()
    assert blocker.args == ["cat", "dog"]
    assert window.editor.text() == "the dog barked at home ."
    assert panel.marks == [] and panel.view.extraSelections() == []
    window.editor.undo()
    assert window.editor.text() == BAD


def test_a_click_outside_a_flag_opens_nothing(qtbot, dog_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = dog_window
    window.editor.setPlainText(BAD)
    _check(qtbot, panel)
    assert panel.open_menu_at(_word_center(panel, 15, 17)) is None  # "at"


def test_the_text_stays_editable_and_flags_follow_the_edits(qtbot, dog_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = dog_window
    window.editor.setPlainText(BAD)
    with qtbot.waitSignal(panel.check_finished, timeout=LOAD_TIMEOUT_MS):
        panel.start_check()
        assert panel.running and panel.progress.isVisible() and panel.cancel_button.isVisible()
        assert not panel.view.isReadOnly()
        cursor = panel.view.textCursor()
        cursor.setPosition(0)
        cursor.insertText("Look: ")  # typed while the check runs
    assert [m.span for m in panel.marks] == [(10, 13)]
    assert panel.view.extraSelections()[0].cursor.selectedText() == "cat"
    # editing the flagged word removes its flag
    cursor = panel.view.textCursor()
    cursor.setPosition(11)
    cursor.insertText("o")
    assert panel.marks == [] and panel.flag_list.count() == 0


def test_a_long_check_shows_progress_and_can_be_cancelled(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window, panel = _panel(qtbot, make_window, passage_model(tmp_path / "passage"))
    window.editor.setPlainText(" ".join([PASSAGE] * 7))
    seen: list[tuple[int, int]] = []
    panel._progress.advanced.connect(lambda done, total: seen.append((done, total)))
    report = _check(qtbot, panel)
    assert not report.cancelled and report.words_checked == report.words_total > 300
    assert seen[-1] == (report.words_total, report.words_total) and len(seen) == report.calls
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


def test_the_check_view_and_the_write_editor_show_the_same_text(qtbot, dog_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = dog_window
    window.editor.setPlainText(BAD)
    assert panel.view.toPlainText() == BAD
    cursor = panel.view.textCursor()
    cursor.setPosition(0)
    cursor.insertText("Look: ")
    assert window.editor.text() == "Look: " + BAD
    window.modes.setCurrentIndex(0)  # back to Write, edit there, then Check again
    window.editor.setPlainText("the dog barked .")
    window.modes.setCurrentWidget(panel)
    assert panel.view.toPlainText() == "the dog barked ."


def test_sync_text_replaces_only_what_differs(qtbot) -> None:  # type: ignore[no-untyped-def]
    source, target = QTextDocument("one two three\nfour"), QTextDocument("one too three\nfour")
    marker = QTextCursor(target)
    marker.setPosition(len("one too three\nf"))
    assert sync_text(source, target)
    assert target.toPlainText() == "one two three\nfour"
    assert marker.position() == len("one two three\nf")  # a cursor after the edit stays on its letter
    assert not sync_text(source, target)


def test_choosing_eager_rechecks_with_its_thresholds_and_survives_a_settings_reload(  # type: ignore[no-untyped-def]
    qtbot, make_window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[CheckerThresholds | None] = []

    def spy(engine, text, thresholds=None, **kwargs):  # type: ignore[no-untyped-def]
        used.append(thresholds)
        return check_text(engine, text, thresholds, **kwargs)

    monkeypatch.setattr(check_panel, "check_text", spy)
    folder = dog_model(tmp_path / "dog")
    window, panel = _panel(qtbot, make_window, folder)
    panel.thresholds = None  # the Sensitivity preset decides
    assert panel.sensitivity_name == "Careful" and panel.sensitivity.currentText() == "Careful"
    tip = panel.sensitivity.toolTip()
    for preset in checker_presets():
        assert f"{preset.name}: flags about {preset.hit_rate:.0%} of errors" in tip
    window.editor.setPlainText(BAD)
    _check(qtbot, panel)
    assert used == [CheckerThresholds.preset("Careful")]

    with qtbot.waitSignal(panel.check_finished, timeout=LOAD_TIMEOUT_MS):
        panel.sensitivity.setCurrentIndex(panel.sensitivity.findText("Eager"))  # as the user would
    assert used[-1] == CheckerThresholds.preset("Eager") != used[0]
    assert window.settings.check_sensitivity == "Eager"
    assert load_settings()[0].check_sensitivity == "Eager"  # saved at once

    restarted = make_window(load_settings()[0])
    _, again = add_exercise_and_check_modes(restarted)
    restarted.modes.setCurrentWidget(again)
    assert again.sensitivity_name == "Eager" and not again.running  # shown, not re-checked
    restarted.editor.setPlainText(BAD)
    _check(qtbot, again)
    assert used[-1] == CheckerThresholds.preset("Eager")


def test_a_saved_unknown_sensitivity_shows_careful(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(model=str(dog_model(tmp_path / "dog")), debounce_ms=20, check_sensitivity="Paranoid")
    window = make_window(settings)
    _, panel = add_exercise_and_check_modes(window)
    assert panel.sensitivity_name == "Careful"


def test_changing_the_sensitivity_during_a_check_restarts_it(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window, panel = _panel(qtbot, make_window, passage_model(tmp_path / "passage"))
    panel.thresholds = None
    window.editor.setPlainText(" ".join([PASSAGE] * 7))
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


def test_settings_applied_elsewhere_show_their_sensitivity_without_a_check(qtbot, dog_window) -> None:  # type: ignore[no-untyped-def]
    window, panel = dog_window
    window.editor.setPlainText(BAD)
    window.apply_settings(replace(window.settings, check_sensitivity="Balanced"))
    assert panel.sensitivity_name == "Balanced" and not panel.running
