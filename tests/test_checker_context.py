"""A candidate is judged with its neighbours: the PLL of the words around it with the candidate in
place, less theirs as written (``proofread.CONTEXT_*``), added to its slot's gain."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cloze_app.core.engine.candidates import AfterEdit, SlotQuery, score_candidates
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.learn import proofread
from cloze_app.core.learn.checker import CheckerThresholds, checkable, judge
from cloze_app.core.learn.proofread import CONTEXT_CAP, CONTEXT_FLOOR, AltScore, WordScores, score_words
from cloze_app.core.text import word_spans
from tests.checker_models import CLEAN, SURE, learner_model

RULES = CheckerThresholds(inflection=4.0, agreement=4.0, per_piece=0.0)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> ClozeEngine:
    return ClozeEngine.load(learner_model(tmp_path_factory.mktemp("learner")))


def _go(context: float, slot_gain: float) -> WordScores:
    alt = AltScore("goes", "inflection", 0.0, -9.0 + slot_gain, 1, context)
    return WordScores(4, 6, "go", -9.0, 1, True, 0.0, (alt,))


def _flagged(context: float, slot_gain: float, t: CheckerThresholds = RULES) -> list[tuple[str, float]]:
    flags = judge("she go to school .", [_go(context, slot_gain)], t)
    return [(f.best, round(f.suggestions[0].gain, 3)) for f in flags]


def test_what_a_candidate_does_to_its_neighbours_counts_toward_its_margin() -> None:
    assert _flagged(0.0, 3.0) == []  # the slot alone: 3 nats, under the 4-nat margin
    assert _flagged(1.5, 3.0) == [("goes", 4.5)]  # its neighbours fit it better: flagged
    assert _flagged(-2.0, 5.0) == []  # they fit it worse: not flagged though the slot wants it
    # at most CONTEXT_CAP: a neighbour that changes a lot does not decide alone
    assert _flagged(50.0, 0.5) == [("goes", 0.5 + CONTEXT_CAP)]
    assert _flagged(3.0, 1.5, replace(RULES, inflection=1.5 + CONTEXT_CAP + 0.1)) == []
    # a candidate the slot finds much less likely than the written word has no context
    assert _flagged(50.0, CONTEXT_FLOOR - 0.5, replace(RULES, inflection=-10.0)) == [
        ("goes", CONTEXT_FLOOR - 0.5)
    ]


def test_the_context_is_the_neighbours_pll_with_the_candidate_less_as_written(
    engine: ClozeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tiny model predicts a word from the one before it: "to" follows "go" and "goes" but
    not "went", so "went" for "go" costs its next word, and "goes" costs nothing. (After "she"
    the tiny model finds go and went alike: a floor under 0 lets went's neighbours be asked.)"""
    monkeypatch.setattr(proofread, "CONTEXT_FLOOR", -1.0)
    text = "she go to school every day ."
    words = [w for w in word_spans(text) if checkable(w)]
    (she, go, *_rest) = score_words(engine, text, words)
    alts = {a.word: a for a in go.alternatives}
    assert alts["goes"].log_prob - go.log_prob > SURE - 1  # "she" wants goes
    assert alts["goes"].context == pytest.approx(0.0, abs=0.01)
    # the same number from the engine: "to" after "went", less "to" after "go"
    (to,), (to_after_went,) = score_candidates(
        engine, text, [SlotQuery(7, 9, ())], [AfterEdit(4, 6, "went", 7, 9)]
    )
    assert to_after_went < to.written - 3.0  # no more than any word of the tiny vocabulary
    assert alts["went"].context == pytest.approx(to_after_went - to.written, abs=0.05)
    assert not judge(text, [she, go], RULES)[0].suggestions[1:]  # "went" is no runner-up
    # where the written word is what the model wants, its candidates' neighbours are not scored
    clean = [w for w in word_spans(CLEAN) if checkable(w)]
    goes = score_words(engine, CLEAN, clean)[1]
    assert goes.word == "goes" and all(a.context == 0.0 for a in goes.alternatives)


def test_a_wrong_word_does_not_vouch_for_its_neighbour() -> None:
    """ "began too cry": "too" -> "to" needs no context; "cry" -> "crying" clears its margin only
    because "too crying" reads better than "too cry", so it is not flagged beside it."""
    text = "she began too cry ."
    too = WordScores(10, 13, "too", -9.0, 1, True, 0.0, (AltScore("to", "confusable", 0.0, -1.0, 1),))
    crying = AltScore("crying", "inflection", 0.0, -6.0, 1, 3.0)  # slot 2, with its neighbours 5
    cry = WordScores(14, 17, "cry", -8.0, 1, True, 0.0, (crying,))
    t = replace(RULES, confusable=4.0)
    assert [(f.word, f.best) for f in judge(text, [too, cry], t)] == [("too", "to")]
    assert [(f.word, f.best) for f in judge(text, [cry], t)] == [("cry", "crying")]  # alone: flagged
    # a fix that clears its margin in its slot alone stays
    sure = replace(cry, alternatives=(replace(crying, log_prob=-3.0),))
    assert [f.word for f in judge(text, [too, sure], t)] == ["too", "cry"]


def test_a_reflexives_neighbours_do_not_decide_what_it_refers_to() -> None:
    """ "hurt herself" -> himself: the subject it refers to decides, often beyond the neighbours,
    so a ``reference`` candidate is judged by its slot alone while an ``agreement`` one (a
    closed-class form: herself -> she) counts its neighbours too."""
    text = "she hurt herself ."
    t = replace(RULES, reference=4.0)

    def flagged(kind: str) -> list[str]:
        alt = AltScore("himself", kind, 0.0, -7.0, 1, 3.0)  # slot 2, with its neighbours 5
        return [f.best for f in judge(text, [WordScores(9, 16, "herself", -9.0, 1, True, 0.0, (alt,))], t)]

    assert flagged("reference") == []
    assert flagged("agreement") == ["himself"]


def test_two_forms_of_one_agreement_slip_vouch_for_each_other() -> None:
    """ "those child": that (leaning on "child") and children (sure in its slot) fix the same slip,
    so the leaning fix is not dropped beside the sure one ("began too cry" is two slips): one
    flag with both fixes."""
    text = "she met those child ."
    that = AltScore("that", "agreement", 0.0, -7.0, 1, 3.0)  # slot 2, with its neighbours 5
    children = AltScore("children", "number", 0.0, -3.0, 1, 0.0)  # slot 5
    those = WordScores(8, 13, "those", -9.0, 1, True, 0.0, (that,))
    child = WordScores(14, 19, "child", -8.0, 1, True, 0.0, (children,))
    (flag,) = judge(text, [those, child], replace(RULES, number=4.0))
    assert flag.word == "those child"
    assert {s.word for s in flag.suggestions} == {"that child", "those children"}
