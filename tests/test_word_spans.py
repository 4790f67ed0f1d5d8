"""Words, names, numbers and sentences as exercises and the checker see them."""

from __future__ import annotations

from cloze_app.core.text import context_window, match_case, sentence_bounds, word_spans


def test_words_carry_spans_and_know_names_and_numbers() -> None:
    text = (
        "Yesterday Anna paid 12.50 euros. The shop's owner said: thanks! Thanks again.\n"
        "New line here, I think. Anna left yesterday, new and happy. Paris is far."
    )
    words = {}
    for w in word_spans(text):
        words.setdefault(w.word, w)
    assert all(text[w.start : w.end] == w.word for w in word_spans(text))
    assert words["Anna"].is_name and words["I"].is_name  # capitalised mid-sentence
    assert all(w.is_name for w in word_spans(text) if w.word == "Anna")  # also where it opens a sentence
    assert not words["Yesterday"].is_name and not words["New"].is_name  # written in lower case elsewhere
    assert not words["The"].is_name and not words["Thanks"].is_name
    assert words["Paris"].is_name  # opens a sentence, never in lower case: leave it alone
    assert words["New"].sentence_start  # a new line opens a sentence
    assert words["12.50"].is_number and not words["euros"].is_number
    assert word_spans("at seven o'clock")[1].is_number  # a number written out
    assert words["shop's"].word == "shop's"
    assert words["owner"].is_content_word and not words["the" if "the" in words else "The"].is_content_word


def test_match_case_follows_the_model_word() -> None:
    assert match_case("the", "Cat") == "The"
    assert match_case("dog", "cat") == "dog"
    assert match_case("dog", "NASA") == "DOG"


def test_sentence_bounds_and_context_window() -> None:
    text = "First one. The cat sat here! Last."
    lo, hi = sentence_bounds(text, text.index("cat"), text.index("cat") + 3)
    assert text[lo:hi] == "The cat sat here!"
    long_text = " ".join(f"w{i}" for i in range(1000))
    start = long_text.index("w500 ")
    window, offset = context_window(long_text, start, start + 4, max_chars=100)
    assert len(window) <= 100 and window == long_text[offset : offset + len(window)]
    assert "w500" in window and not window.startswith(" ") and not window.endswith(" ")
