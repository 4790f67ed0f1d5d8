"""Finding blanks near the cursor, cutting the context for a long text, and the ranked list model."""

from __future__ import annotations

from cloze_app.core.text import blank_spans, blank_window, nearest_blank
from cloze_app.gui.ranked_list import BarRole, RankedWord, RankedWordsModel, percent
from cloze_app.gui.suggestions_panel import split_options


def test_blanks_are_two_or_more_underscores_or_the_mask_token() -> None:
    text = "a _ b __ c _____ d [MASK] e"
    two, five, mask = text.index("__"), text.index("_____"), text.index("[MASK]")
    assert blank_spans(text) == [(two, two + 2), (five, five + 5)]
    assert blank_spans(text, "[MASK]") == [(two, two + 2), (five, five + 5), (mask, mask + 6)]


def test_the_blank_at_or_nearest_the_cursor() -> None:
    text = "one ___ two three four ___ five"
    assert text.index("___") == 4 and text.rindex("___") == 23
    assert nearest_blank(text, 5) == (4, 7)  # inside
    assert nearest_blank(text, 7) == (4, 7)  # right after
    assert nearest_blank(text, 12) == (4, 7)  # closer to the first
    assert nearest_blank(text, 20) == (23, 26)  # closer to the second
    assert nearest_blank("no blank", 3) is None


def test_the_context_is_the_text_around_the_blank_cut_at_a_boundary() -> None:
    sentence = "The cat sat on the mat. "
    text = sentence * 200 + "I drink ___ every morning. " + sentence * 200
    start = text.index("___")
    window = blank_window(text, (start, start + 3), max_chars=600)
    assert len(window.text) <= 700
    assert window.text.startswith("The cat") and window.text.rstrip().endswith(".")
    assert window.spans == ((start, start + 3),) and window.focus == 0
    assert text[window.offset : window.offset + len(window.text)] == window.text


def test_a_window_with_many_blanks_keeps_the_nearest_ones() -> None:
    text = " ".join(f"w{i} ___" for i in range(30))
    spans = blank_spans(text)
    window = blank_window(text, spans[15], max_blanks=8)
    assert len(window.spans) == 8
    assert window.spans[window.focus] == spans[15]
    assert all(text[s:e] == "___" for s, e in window.spans)
    local = [(s - window.offset, e - window.offset) for s, e in window.spans]
    assert blank_spans(window.text) == local


def test_options_split_on_slashes_commas_and_semicolons() -> None:
    assert split_options(" their / there, they're ;their ") == ["their", "there", "they're"]
    assert split_options(" / ") == []


def test_percentages_read_well() -> None:
    assert [percent(p) for p in (0.423, 0.031, 0.0004)] == ["42 %", "3.1 %", "<0.1 %"]


def test_the_ranked_words_model_is_a_well_behaved_qt_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RankedWordsModel()
    model.set_rows([RankedWord("cat", 0.5), RankedWord("dog", 0.25)])
    qtmodeltester.check(model)
    assert model.data(model.index(1, 0)) == "dog"
    assert "Alt+2" in model.data(model.index(1, 0), 3)  # ToolTipRole
    assert [model.data(model.index(r, 0), BarRole) for r in (0, 1)] == [1.0, 0.5]  # relative to the top


def test_the_context_stays_inside_the_paragraph_of_the_blank() -> None:
    text = (
        "An opening paragraph about something else.\n\nThe cat sat on the ___ today.\nIt purred.\n\nThe end."
    )
    start = text.index("___")
    window = blank_window(text, (start, start + 3))
    assert window.text == "The cat sat on the ___ today.\nIt purred."
