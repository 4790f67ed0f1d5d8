"""Writing with suggestions: type a blank, see words, insert, undo, move between blanks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from cloze_app.core.app.settings import Settings
from cloze_app.gui.document import EXAMPLE_TEXT
from cloze_app.gui.suggest import ACTIVE_BLANK
from tests.gui.conftest import type_text, wait_for_words


def _put_cursor(window, position: int) -> None:  # type: ignore[no-untyped-def]
    cursor = window.editor.textCursor()
    cursor.setPosition(position)
    window.editor.setTextCursor(cursor)


def test_typing_a_blank_shows_ranked_words_with_probabilities(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "the ___ sat on the mat")
    words = wait_for_words(qtbot, window)
    assert words[:4] == ["cat", "foot", "football", "dog"]
    rows = window.panel.candidates.words.rows()
    assert all(0.0 <= row.score <= 1.0 for row in rows)
    assert rows[0].score > rows[1].score
    assert window.status.timing.text().endswith("ms")
    assert "Tiny wordpiece model" in window.status.model.text()
    assert "CPU" in window.status.provider.text()


def test_alt_1_inserts_the_top_word_and_ctrl_z_undoes_it(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "the ___ sat on the mat")
    wait_for_words(qtbot, window)
    window.activateWindow()
    qtbot.keyClick(window.editor, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert window.editor.text() == "the cat sat on the mat"
    qtbot.keyClick(window.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.text() == "the ___ sat on the mat"


def test_clicking_a_word_inserts_it(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "a ___ barked")
    words = wait_for_words(qtbot, window)
    assert words[0] == "dog"  # 'barked' in the context favours dog
    view = window.panel.candidates
    rect = view.visualRect(view.words.index(1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.editor.text() == f"a {words[1]} barked"


def test_enter_in_the_list_inserts_the_current_word(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "the ___ sat")
    wait_for_words(qtbot, window)
    window.panel.focus_candidates()
    qtbot.keyClick(window.panel.candidates, Qt.Key.Key_Down)
    qtbot.keyClick(window.panel.candidates, Qt.Key.Key_Return)
    assert window.editor.text() == "the foot sat"


def test_tab_and_shift_tab_move_between_blanks(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    text = "the ___ sat on the ___ . i went ____ home"
    type_text(qtbot, window, "")
    window.editor.setPlainText(text)
    _put_cursor(window, 0)
    spans = [(4, 7), (19, 22), (32, 36)]
    for expected in spans + spans[:1]:  # wraps around at the end
        qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
        cursor = window.editor.textCursor()
        assert (cursor.selectionStart(), cursor.selectionEnd()) == expected
    qtbot.keyClick(window.editor, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    cursor = window.editor.textCursor()
    assert (cursor.selectionStart(), cursor.selectionEnd()) == spans[-1]
    assert window.editor.text() == text  # Tab never typed a tab character


def test_tab_inserts_a_tab_when_there_is_no_blank(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "no blank")
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.editor.text() == "no blank\t"


def test_the_panel_follows_the_blank_at_the_cursor(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    text = "i drink ___ every morning . the ___ barked"
    type_text(qtbot, window, text)
    window.editor.go_to_blank(backward=False)  # wraps to the first blank
    qtbot.waitUntil(lambda: window.panel.title.text() == "Words for blank 1 of 2", timeout=10_000)
    window.editor.go_to_blank(backward=False)
    qtbot.waitUntil(lambda: window.panel.title.text() == "Words for blank 2 of 2", timeout=10_000)
    qtbot.waitUntil(lambda: wait_for_words(qtbot, window)[0] == "dog", timeout=10_000)
    marked = window.editor.extraSelections()
    second = text.rindex("___")
    assert [(s.cursor.selectionStart(), s.cursor.selectionEnd()) for s in marked] == [(second, second + 3)]
    assert ACTIVE_BLANK in window.editor._selections


def test_several_blanks_show_the_joint_fill_and_fill_all_is_one_undo(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "the ___ sat on the ___")
    wait_for_words(qtbot, window)
    qtbot.waitUntil(lambda: window.panel.joint_label.isVisible(), timeout=10_000)
    assert "Best together" in window.panel.joint_label.text()
    qtbot.mouseClick(window.panel.fill_all_button, Qt.MouseButton.LeftButton)
    assert "___" not in window.editor.text()
    window.editor.undo()
    assert window.editor.text() == "the ___ sat on the ___"


def test_hovering_a_word_previews_the_sentence(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "the ___ sat on the mat")
    wait_for_words(qtbot, window)
    view = window.panel.candidates
    view.entered.emit(view.words.index(3))  # what the view emits when the mouse enters a row
    assert "<u>dog</u>" in window.panel.preview.text()
    assert "sat on the mat" in window.panel.preview.text()
    view.word_previewed.emit("")
    assert "dog" not in window.panel.preview.text()


def test_choose_among_my_words_ranks_them(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "the ___ sat on the mat")
    wait_for_words(qtbot, window)
    qtbot.keyClicks(window.panel.options_edit, "mat / dog, cat")
    qtbot.keyClick(window.panel.options_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.panel.option_scores.words.rowCount() == 3, timeout=10_000)
    ranked = [row.word for row in window.panel.option_scores.words.rows()]
    assert ranked == ["cat", "dog", "mat"]
    window.panel.option_scores.word_chosen.emit("dog")
    assert window.editor.text() == "the dog sat on the mat"


def test_no_blank_explains_how_to_make_one(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "no blank here")
    qtbot.waitUntil(lambda: window.suggestions.settled and window.suggestions.target is None, timeout=10_000)
    assert window.panel.candidates.words.rowCount() == 0
    assert "underscores" in window.panel.hint.text()


def test_first_start_shows_an_example_with_blanks_and_suggestions(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    assert window.editor.text() == EXAMPLE_TEXT
    assert window.editor.text().count("___") >= 2
    assert window.editor.textCursor().position() == EXAMPLE_TEXT.index("___")
    assert wait_for_words(qtbot, window)


def test_a_large_document_sends_only_the_text_around_the_blank(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    filler = "the cat sat on the mat . " * 40 + "\n\n"
    text = filler * 1000 + "i drink ___ every morning .\n\n" + filler * 1000
    assert len(text) > 1_000_000
    window.editor.setPlainText(text)
    _put_cursor(window, text.index("___") + 1)
    words = wait_for_words(qtbot, window)
    assert words
    target = window.suggestions.target
    assert target is not None and len(target.window.text) < 4000
    assert window.suggestions.insert(words[0])
    assert f"i drink {words[0]} every morning" in window.editor.text()


def test_settings_apply_without_restart(qtbot, make_window, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "the ___ sat")
    assert len(wait_for_words(qtbot, window)) == 10
    window.apply_settings(Settings(model=str(tiny_model_dir), top_k=3, font_size=20, debounce_ms=20))
    qtbot.waitUntil(lambda: window.panel.candidates.words.rowCount() == 3, timeout=10_000)
    assert window.editor.font().pointSize() == 20


def test_keyboard_only_f6_to_the_list_enter_to_insert_esc_back(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "the ___ sat")
    wait_for_words(qtbot, window)
    window.activateWindow()
    qtbot.keyClick(window.editor, Qt.Key.Key_F6)
    assert window.panel.candidates.hasFocus()
    qtbot.keyClick(window.panel.candidates, Qt.Key.Key_Escape)
    assert window.editor.hasFocus()
    qtbot.keyClick(window.editor, Qt.Key.Key_F6)
    qtbot.keyClick(window.panel.candidates, Qt.Key.Key_Return)
    assert window.editor.text() == "the cat sat"
    assert window.editor.hasFocus()


def test_widgets_have_accessible_names(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    for widget in (
        window.editor,
        window.panel.candidates,
        window.panel.options_edit,
        window.panel.rank_button,
        window.panel.fill_all_button,
        window.status.provider,
        window.status.model,
    ):
        assert widget.accessibleName()


def test_ctrl_enter_asks_at_once_without_waiting_for_the_pause(
    qtbot, make_window, tiny_model_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(Settings(model=str(tiny_model_dir), debounce_ms=5000))
    wait_for_words(qtbot, window)  # the example text
    type_text(qtbot, window, "a ___ barked")
    assert window.suggestions._timer.isActive()  # still waiting for the user to pause
    window.activateWindow()
    qtbot.keyClick(window.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not window.suggestions._timer.isActive()
    assert window.editor.text() == "a ___ barked"  # Ctrl+Enter typed no line break
    assert wait_for_words(qtbot, window)[0] == "dog"


def test_reapplying_the_same_model_does_not_reload_it(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    loads: list[str] = []
    window.service.model_loading.connect(loads.append)
    window.apply_settings(Settings(model=window.settings.model, font_size=13, debounce_ms=20))
    assert loads == []
    window.apply_settings(Settings(model=window.settings.model, threads=1, debounce_ms=20))
    assert len(loads) == 1


def test_blanks_are_highlighted_as_they_are_typed(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "a _")
    block = window.editor.document().firstBlock()
    assert block.layout().formats() == []  # one underscore is not a blank yet
    qtbot.keyClicks(window.editor, "__ here")
    ranges = block.layout().formats()
    assert [(r.start, r.length) for r in ranges] == [(2, 3)]
    assert ranges[0].format.background().style() != Qt.BrushStyle.NoBrush


def test_the_panel_says_when_newer_words_are_on_their_way(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "the ___ sat")
    window.suggestions.refresh(force=True)
    assert window.panel.working.isVisible()
    wait_for_words(qtbot, window)
    assert not window.panel.working.isVisible()
