"""A re-check after an edit runs only the edited sentence's rows, and flags what a first check
of the edited text flags."""

from __future__ import annotations

from pathlib import Path

from cloze_app.core.engine.decoding import RowReads
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.engine.session import Row
from cloze_app.core.learn.checker import CheckerThresholds, check_text
from tests.checker_models import CLEAN, learner_model

RULES = CheckerThresholds(
    spelling=4.0, inflection=4.0, confusable=4.0, closed=4.0, missing=4.0, extra=4.0, unknown=4.0
)


def _flags(engine: ClozeEngine, text: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    return [
        (f.start, f.end, f.kind, tuple(s.word for s in f.suggestions))
        for f in check_text(engine, text, RULES).flags
    ]


def test_a_recheck_runs_only_the_edited_sentence_and_flags_as_a_first_check_would(tmp_path: Path) -> None:
    engine = ClozeEngine.load(learner_model(tmp_path / "m"))
    runner = engine.decoder.runner
    before = runner.rows_run
    assert _flags(engine, CLEAN) == []
    first_rows = runner.rows_run - before
    edited = CLEAN.replace("she is in the house", "she is in house")  # the third sentence only
    before = runner.rows_run
    again = _flags(engine, edited)
    rerun = runner.rows_run - before
    assert again == _flags(ClozeEngine.load(learner_model(tmp_path / "fresh")), edited)
    assert [(edited[s:e], kind, fixes[0]) for s, e, kind, fixes in again] == [
        ("house", "missing word", "the house")
    ]
    assert 0 < rerun < first_rows / 2
    before = runner.rows_run
    assert _flags(engine, CLEAN) == []  # every row of the text as first checked is remembered
    assert runner.rows_run == before


def test_remembered_rows_are_bounded_and_the_least_recently_used_go_first() -> None:
    reads = RowReads(limit=2)
    rows = [Row((101, k, 102), (1,)) for k in range(3)]
    reads.put(rows[0], {5: -1.0})
    reads.put(rows[1], {5: -2.0})
    assert reads.get(rows[0], [5]) == {5: -1.0}  # now the most recently used
    assert reads.get(rows[0], [5, 6]) is None  # a token never read from it
    reads.put(rows[2], {5: -3.0})
    assert len(reads) == 2 and reads.get(rows[1], [5]) is None
    assert reads.get(rows[0], [5]) == {5: -1.0} and reads.get(rows[2], [5]) == {5: -3.0}
