"""Check my text: each kind of error flagged with its fix first, nothing flagged in correct text,
only the candidates' rows run, presets nested, re-judging without the model, ignored words; the
bundled model on a learner's sentences."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.errors import EmptyTextError
from cloze_app.core.learn.checker import (
    MARGIN_FIELDS,
    CheckerThresholds,
    check_text,
    checker_presets,
    default_preset_name,
    find_preset,
    rejudge,
)
from tests.checker_models import CLEAN, ERRORS, learner_model
from tests.conftest import BUNDLED_MODEL, bundled_model_available

# Margins well below the tiny model's certainty (12 nats), so each error is flagged.
RULES = CheckerThresholds(
    spelling=4.0, inflection=4.0, confusable=4.0, closed=4.0, missing=4.0, extra=4.0, unknown=4.0
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> ClozeEngine:
    return ClozeEngine.load(learner_model(tmp_path_factory.mktemp("learner")))


@pytest.mark.parametrize("text", list(ERRORS))
def test_each_kind_of_error_is_flagged_with_its_kind_and_the_fix_first(
    engine: ClozeEngine, text: str
) -> None:
    span, kind, fix = ERRORS[text]
    report = check_text(engine, text, RULES)
    (flag,) = report.flags
    assert (flag.word, flag.kind, flag.best) == (span, kind, fix)
    assert text[flag.start : flag.end] == span
    assert flag.suggestions[0].probability > 0.9  # the model is sure
    assert [s.probability for s in flag.suggestions] == sorted(
        (s.probability for s in flag.suggestions), reverse=True
    )
    assert report.apply(flag, flag.best) == text.replace(span, fix, 1)
    assert flag.message().startswith(f"{kind}: “{span}”: try {fix} (")


def test_correct_text_gets_no_flag(engine: ClozeEngine) -> None:
    report = check_text(engine, CLEAN, RULES)
    assert report.flags == () and report.words_checked == report.words_total == 15


def test_a_misspelling_is_flagged_even_when_no_candidate_beats_it(engine: ClozeEngine) -> None:
    """ "recieve" is not an English word: with every margin switched off it is still spelling."""
    off = replace(RULES, **{name: 99.0 for name in MARGIN_FIELDS})
    (flag,) = check_text(engine, "i recieve letters .", off).flags
    assert (flag.word, flag.kind) == ("recieve", "spelling")
    assert flag.best == "receive"  # the suggestions are still ranked by the model
    assert check_text(engine, "i recieve letters .", replace(off, rare_zipf=0.0)).flags == ()


def test_names_and_numbers_are_not_checked(engine: ClozeEngine) -> None:
    report = check_text(engine, "Tom go to school every 12 days .", RULES)
    assert {f.word for f in report.flags}.isdisjoint({"Tom", "12"})
    assert report.words_total == 5  # go, to, school, every, days


def test_empty_text_is_refused(engine: ClozeEngine) -> None:
    with pytest.raises(EmptyTextError):
        check_text(engine, " \n ", RULES)


def test_only_the_candidates_rows_run_in_few_batches_with_progress(engine: ClozeEngine) -> None:
    text = " ".join([CLEAN] * 20)  # 300 words
    runs, rows = engine.session_runs, engine.decoder.runner.rows_run
    seen: list[tuple[int, int]] = []
    report = check_text(engine, text, RULES, progress=lambda done, total: seen.append((done, total)))
    assert report.words_checked == 300 and not report.cancelled
    # One-piece candidates of a word share its one masked row: a row per word, per gap and per
    # deletion tried, never a row per candidate.
    candidates = sum(len(s.alternatives) + len(s.insertions) for s in report.scores)
    assert engine.decoder.runner.rows_run - rows < min(2.5 * 300, candidates / 2)
    assert seen[-1] == (300, 300) and len(seen) == report.calls >= 3
    assert engine.session_runs - runs <= 4 * len(seen)  # two batched passes per chunk, few runs each


def test_a_check_can_stop_early_with_what_it_found(engine: ClozeEngine) -> None:
    text = " ".join(ERRORS)
    calls = iter([False, True])
    report = check_text(engine, text, RULES, should_stop=lambda: next(calls), chunk_words=8)
    assert report.cancelled and 0 < report.words_checked < report.words_total
    assert all(f.end <= len(" ".join(list(ERRORS)[:2])) for f in report.flags)


def test_rejudging_gives_what_a_fresh_check_gives_without_running_the_model(engine: ClozeEngine) -> None:
    text = " ".join(ERRORS)
    report = check_text(engine, text, RULES)
    quiet = replace(RULES, inflection=99.0, missing=99.0)
    runs = engine.session_runs
    again = rejudge(report, quiet)
    assert engine.session_runs == runs
    assert again.flags == check_text(engine, text, quiet).flags
    assert {f.kind for f in again.flags} == {"word choice", "spelling", "extra word"}


def test_ignored_words_are_never_flagged(engine: ClozeEngine) -> None:
    text = " ".join(ERRORS)
    report = check_text(engine, text, RULES, ignored=["GO", "recieve"])
    assert {f.word for f in report.flags}.isdisjoint({"go", "recieve"}) and len(report.flags) == 4
    assert rejudge(report, RULES).flags != report.flags  # ignoring is per call, not stored


def test_the_presets_are_nested_and_balanced_is_the_default() -> None:
    presets = checker_presets()
    assert [p.name for p in presets] == ["Careful", "Balanced", "Eager"]
    assert default_preset_name() == "Balanced" and CheckerThresholds.tuned() == presets[1].thresholds
    for quieter, eager in zip(presets, presets[1:], strict=False):
        for name in MARGIN_FIELDS:
            assert getattr(quieter.thresholds, name) >= getattr(eager.thresholds, name), name
        assert quieter.thresholds.rare_zipf <= eager.thresholds.rare_zipf
        assert quieter.thresholds.bare_zipf <= eager.thresholds.bare_zipf
        assert quieter.thresholds.per_piece == eager.thresholds.per_piece
    assert find_preset("eager").name == "Eager" and find_preset("nonsense").name == "Balanced"
    assert {f.name for f in fields(CheckerThresholds)} >= set(MARGIN_FIELDS)


def test_what_careful_flags_balanced_and_eager_flag_too(engine: ClozeEngine) -> None:
    text = " ".join([*ERRORS, CLEAN])
    report = check_text(engine, text, CheckerThresholds.preset("Eager"))
    flags = [rejudge(report, p.thresholds).flags for p in checker_presets()]
    for quieter, eager in zip(flags, flags[1:], strict=False):
        # every flag is inside one of the more eager preset's (which may join it with a neighbour)
        assert all(any(e.start <= f.start and f.end <= e.end for e in eager) for f in quieter)
    assert len(flags[0]) <= len(flags[1]) <= len(flags[2])


@pytest.mark.bundled
@pytest.mark.skipif(not bundled_model_available(), reason="the bundled model is not in models/ yet")
def test_the_learner_sentences_are_flagged_with_the_right_fixes_by_the_bundled_model() -> None:
    engine = ClozeEngine.load(BUNDLED_MODEL)
    text = "She go to school every days. The informations are wrong. I have went there yesterday."
    flags = {f.word: f for f in check_text(engine, text).flags}
    assert {"go", "days", "informations"} <= set(flags)
    assert "goes" in [s.word for s in flags["go"].suggestions]
    assert flags["days"].best == "day" and flags["days"].kind == "grammar"
    assert flags["informations"].best == "information"
    have_went = [f for f in flags.values() if f.start <= text.index("have went") < f.end or f.word == "went"]
    assert have_went, f"'have went' not flagged: {list(flags)}"
    assert {s.word for s in have_went[0].suggestions} & {"went", "have gone", "gone"}
