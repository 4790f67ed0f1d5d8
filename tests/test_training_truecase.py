"""The truecase lexicon keeps names and drops words capitalised only at sentence starts."""

from __future__ import annotations

from pathlib import Path

from cloze_app.training.truecase import count_case, main, truecase_words


def test_names_are_kept_and_sentence_starts_ignored(tmp_path: Path) -> None:
    lines = [
        "We flew to Paris on Monday. The trip was long.",
        "In the spring we saw Paris again, and Monday came too soon.",
        "They said Paris was lovely; then the rain came. The end.",
        "NASA sent the probe to NASA headquarters in Paris.",
    ]
    capital, lower = count_case(lines)
    words = truecase_words(capital, lower, min_count=2)
    assert "paris" in words and "monday" in words
    assert "the" not in words  # "The" only ever starts a sentence
    assert "nasa" not in words  # acronyms are not names to capitalise
    source = tmp_path / "corpus.txt"
    source.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "truecase.txt"
    assert main([str(source), str(out), "--min-count", "2"]) == 0
    assert out.read_text(encoding="utf-8").splitlines() == words
