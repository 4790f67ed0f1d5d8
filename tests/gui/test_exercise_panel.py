"""Exercise mode in the window (offscreen): make an exercise, answer, hints, check, score, export."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from cloze_app.core.app.settings import Settings
from cloze_app.core.learn.exercises import Exercise, ExerciseItem
from cloze_app.gui.exercise_modes import add_exercise_and_check_modes
from cloze_app.gui.exercise_panel import ExercisePanel
from tests.gui.conftest import LOAD_TIMEOUT_MS
from tests.learner_models import DOG_TEXT, PASSAGE, dog_model, passage_model


@pytest.fixture
def panel(qtbot, make_window, tmp_path: Path) -> ExercisePanel:  # type: ignore[no-untyped-def]
    window = make_window(Settings(model=str(passage_model(tmp_path / "passage")), debounce_ms=20))
    panel, _ = add_exercise_and_check_modes(window)  # as the app does
    assert window.modes.tabText(window.modes.indexOf(panel)) == "E&xercise"
    window.modes.setCurrentWidget(panel)
    window.editor.setPlainText(PASSAGE)
    return panel


def _make(qtbot, panel: ExercisePanel) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.exercise_ready, timeout=LOAD_TIMEOUT_MS):
        panel.make_button.click()


def test_making_an_exercise_from_the_write_text_shows_numbered_blanks(qtbot, panel: ExercisePanel) -> None:  # type: ignore[no-untyped-def]
    panel.take_editor_text()
    panel.difficulty.setCurrentIndex(panel.difficulty.findData("easy"))
    _make(qtbot, panel)
    exercise = panel.exercise
    assert exercise is not None and exercise.difficulty == "easy" and exercise.text == PASSAGE
    assert panel.pages.currentIndex() == 1
    passage = panel.practice.passage.toPlainText()
    for item in exercise.items:
        assert f"{item.number}" in passage
    assert sorted(panel.practice.rows) == [item.number for item in exercise.items]
    assert panel.practice.rows[1].edit is not None  # open answers by default


def test_answers_are_checked_by_the_model_with_a_score_at_the_end(qtbot, panel: ExercisePanel) -> None:  # type: ignore[no-untyped-def]
    panel.source.setPlainText(PASSAGE)
    _make(qtbot, panel)
    exercise = panel.exercise
    assert exercise is not None
    rows = panel.practice.rows
    first, second = exercise.items[0], exercise.items[1]
    qtbot.mouseClick(rows[first.number].hint_button, Qt.MouseButton.LeftButton)
    assert rows[first.number].verdict.text() == f"Hint: starts with “{first.answer[0]}”"
    rows[first.number].set_given(first.answer.upper())
    rows[second.number].set_given("banana")
    assert rows[second.number].edit is not None
    with qtbot.waitSignal(panel.answers_checked, timeout=LOAD_TIMEOUT_MS) as blocker:
        qtbot.keyClick(rows[second.number].edit, Qt.Key.Key_Return)  # Enter checks
    verdicts = {v.number: v for v in blocker.args[0]}
    assert verdicts[first.number].status == "correct"
    assert verdicts[second.number].status == "wrong"
    assert "Not quite" in rows[second.number].verdict.text() or "banana" in rows[second.number].verdict.text()
    total = len(exercise.items)
    assert panel.practice.score.text().startswith(f"Score 0.5/{total}: 1 right, 0 also fit, 1 wrong")
    assert "banana" in panel.practice.passage.toPlainText()


def test_multiple_choice_every_nth_word_and_export(qtbot, panel: ExercisePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel.source.setPlainText(PASSAGE)
    panel.answer_format.setCurrentIndex(panel.answer_format.findData(3))
    panel.selection.setCurrentIndex(1)
    panel.every.setValue(6)
    _make(qtbot, panel)
    exercise = panel.exercise
    assert exercise is not None and exercise.mode == "every-n"
    row = panel.practice.rows[1]
    assert row.combo is not None and row.combo.count() == 4  # "—" and three choices
    assert panel.export(tmp_path / "out.apkg")
    assert "Anki cloze note" in panel.status.text()
    assert zipfile.is_zipfile(tmp_path / "out.apkg")
    assert panel.export(tmp_path / "out.html") and (tmp_path / "out.html").read_text().count("<li") >= 2
    assert not panel.export(tmp_path / "out.doc")
    assert ".apkg, .csv or .html" in panel.status.text()


def test_an_also_fits_answer_is_shown_as_such(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(Settings(model=str(dog_model(tmp_path / "dog")), debounce_ms=20))
    panel, _ = add_exercise_and_check_modes(window)

    panel.show_exercise(Exercise(DOG_TEXT, (ExerciseItem(1, 4, 7, "dog"),)))
    panel.practice.rows[1].set_given("puppy")
    with qtbot.waitSignal(panel.answers_checked, timeout=LOAD_TIMEOUT_MS):
        panel.practice.check_button.click()
    assert "Also fits: puppy" in panel.practice.rows[1].verdict.text()
    assert panel.practice.score.text().startswith("Score 1/1: 0 right, 1 also fit")


def test_an_empty_text_says_why(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(Settings(model=str(dog_model(tmp_path / "dog")), debounce_ms=20))
    window.editor.setPlainText("")
    panel, _ = add_exercise_and_check_modes(window)
    with qtbot.waitSignal(panel.failed, timeout=LOAD_TIMEOUT_MS) as blocker:
        panel.make()
    assert "empty" in blocker.args[0]
    assert panel.make_button.isEnabled()


def test_the_three_verdicts_are_told_apart_in_words_and_colours(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(Settings(model=str(dog_model(tmp_path / "dog")), debounce_ms=20))
    panel, _ = add_exercise_and_check_modes(window)
    text = " ".join([DOG_TEXT] * 3)  # "the dog barked at home ." three times
    starts = [k * (len(DOG_TEXT) + 1) + 4 for k in range(3)]
    panel.show_exercise(
        Exercise(text, tuple(ExerciseItem(n + 1, s, s + 3, "dog") for n, s in enumerate(starts)))
    )
    rows = panel.practice.rows
    rows[1].set_given("puppy")  # the model finds it as good: also fits
    rows[2].set_given("dogs")  # the right word in another form
    rows[3].set_given("mat")  # wrong here: the dog barked
    with qtbot.waitSignal(panel.answers_checked, timeout=LOAD_TIMEOUT_MS) as blocker:
        panel.practice.check_button.click()
    assert [v.status for v in blocker.args[0]] == ["also_fits", "wrong_form", "wrong"]
    texts = [rows[n].verdict.text() for n in (1, 2, 3)]
    assert "Also fits: puppy works here too" in texts[0]
    assert "Right word, wrong form: &#x27;dogs&#x27; should be &#x27;dog&#x27;" in texts[1]
    assert "Not quite" in texts[2] and "it prefers puppy" in texts[2]
    colours = {t.split("color:")[1].split('"')[0] for t in texts}
    assert len(colours) == 3
    assert panel.practice.score.text() == "Score 1.5/3: 0 right, 1 also fit, 1 wrong form, 1 wrong"


def test_no_point_for_a_wrong_form_when_the_learner_chooses_so(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(Settings(model=str(dog_model(tmp_path / "dog")), debounce_ms=20))
    panel, _ = add_exercise_and_check_modes(window)
    panel.form_credit.setCurrentIndex(panel.form_credit.findData(0.0))
    panel.show_exercise(Exercise(DOG_TEXT, (ExerciseItem(1, 4, 7, "dog"),)))
    panel.practice.rows[1].set_given("dogs")
    with qtbot.waitSignal(panel.answers_checked, timeout=LOAD_TIMEOUT_MS):
        panel.practice.check_button.click()
    assert panel.practice.score.text().startswith("Score 0/1: 0 right, 0 also fit, 1 wrong form")


@pytest.mark.parametrize("dark", [False, True])
def test_blank_lines_and_verdicts_take_readable_colours_from_the_palette(
    qtbot, panel: ExercisePanel, dark: bool
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QPalette

    from cloze_app.gui.exercise_practice import contrast, verdict_colours

    palette = QPalette()
    base, text = (QColor("#2b2b2b"), QColor("#e6e6e6")) if dark else (QColor("#ffffff"), QColor("#1a1a1a"))
    for role, colour in ((QPalette.ColorRole.Base, base), (QPalette.ColorRole.Text, text)):
        palette.setColor(role, colour)
    panel.practice.passage.setPalette(palette)
    colours = verdict_colours(palette)
    assert colours["empty"] == text.name()  # blank lines in the text colour, never a fixed black
    for status, colour in colours.items():
        assert contrast(QColor(colour), base) >= 4.5, status
    panel.show_exercise(Exercise(DOG_TEXT, (ExerciseItem(1, 4, 7, "dog"),)))
    assert f"color:{text.name()}" in panel.practice.passage.toHtml()


def test_the_exercise_text_follows_the_font_size_and_answer_boxes_fit_their_placeholder(
    qtbot, make_window, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(Settings(model=str(dog_model(tmp_path / "dog")), debounce_ms=20))
    panel, _ = add_exercise_and_check_modes(window)
    window.update_settings(font_size=19)
    assert panel.source.font().pointSize() == 19
    panel.show_exercise(Exercise(DOG_TEXT, (ExerciseItem(1, 4, 7, "dog"),)))
    assert "font-size: 19pt" in panel.practice.passage.toHtml() or panel.practice.font_size == 19
    edit = panel.practice.rows[1].edit
    assert edit is not None
    assert edit.minimumWidth() >= edit.fontMetrics().horizontalAdvance(edit.placeholderText())


def test_making_an_exercise_can_be_cancelled(qtbot, panel: ExercisePanel) -> None:  # type: ignore[no-untyped-def]
    panel.source.setPlainText(PASSAGE)
    panel.make()
    assert panel.progress_box.isVisibleTo(panel) and not panel.make_button.isEnabled()
    panel.cancel_button.click()
    assert panel.status.text() == "Cancelled." and panel.make_button.isEnabled()
    assert not panel.progress_box.isVisibleTo(panel)
    qtbot.wait(300)
    assert panel.exercise is None  # a result that arrives after Cancel is dropped
