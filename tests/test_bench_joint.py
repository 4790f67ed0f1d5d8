"""``python -m bench.joint`` and ``python -m bench.beams``: what they measure, on a tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import joint


def test_the_held_out_word_and_the_longest_words_apart_from_it_are_blanked() -> None:
    made = joint.blanked("The quick brown fox ___ over the sleeping elephant today.", "jumped", 3)
    # sleeping and elephant are equally long: the first wins, and its neighbour cannot be blanked.
    assert made == ("The ___ brown fox ___ over the ___ elephant today.", ["quick", "jumped", "sleeping"])
    # The longest word first; a word next to a blank is passed over for the next longest.
    made = joint.blanked("The quick brown fox ___ over the sleeping elephantine dog.", "jumped", 3)
    assert made is not None
    text, words = made
    assert words == ["quick", "jumped", "elephantine"]
    assert text == "The ___ brown fox ___ over the sleeping ___ dog."


def test_a_sentence_too_short_for_the_blanks_is_skipped() -> None:
    assert joint.blanked("Go ___ now.", "home", 3) is None


def test_it_runs_on_a_model_and_prints_accuracy_and_work(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert joint.main(["--limit", "3", "--blanks", "2", "--model", str(tiny_model_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 sentences x 2 blanks")
    assert "top-1 " in out and "per request: runs " in out


def test_beams_compares_each_setting_with_the_wide_search(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench import beams

    assert beams.main(["--limit", "3", "--model", str(tiny_model_dir)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert rows[2].startswith("| wide |") and rows[2].endswith("| 3/3 | 3/3 | 3/3 |")  # itself
    assert {row.split(" | ")[0] for row in rows[2:]} == {f"| {name}" for name in beams.settings()}
