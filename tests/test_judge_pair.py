"""The judge's second reading of what a word means: the sentence pair (the answer in a first copy
of the text, the slot free in a second), against the answer read in place."""

from __future__ import annotations

import pytest

from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.learn.answers import ALSO_FITS, WRONG, JudgeSettings, check_answer
from cloze_app.core.learn.exercises import Exercise, ExerciseItem
from cloze_app.core.learn.items import PlaceQuery, score_in_place
from tests.tinymodels import WORDPIECE, wordpiece_tokenizer, write_model_folder

WORDS = ["she", "walked", "to", "the", "bakery", "shop", "ocean", "and", "bought", "bread"]
TEXT = "she walked to the bakery and bought bread ."
START = TEXT.index("bakery")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> ClozeEngine:
    # Masked, bakery, shop and ocean are equally likely after "the". "bakery" anywhere in the
    # text makes "shop" likelier everywhere (what it means); where "bakery" itself stands, its
    # own position also proposes "ocean" (the pull of the visible word, not its meaning).
    folder = write_model_folder(
        tmp_path_factory.mktemp("pair"),
        wordpiece_tokenizer(WORDS),
        WORDPIECE,
        model_id="tiny-pair",
        max_length=64,
        prior={"bakery": {"ocean": 9.0}},
        after={"the": {"bakery": 3.0, "shop": 3.0, "ocean": 3.0}},
        context={"bakery": {"shop": 6.0}},
    )
    return ClozeEngine.load(folder)


def test_the_pair_reads_a_free_slot_with_the_word_in_view_elsewhere(engine: ClozeEngine) -> None:
    words = ("shop", "ocean")
    in_place, pair = score_in_place(
        engine,
        TEXT,
        [PlaceQuery(START, START + 6, words, aware=True), PlaceQuery(START, START + 6, words, paired=True)],
    )
    assert in_place is not None and pair is not None
    # In place, the visible word's own position proposes ocean (9 + 3) over shop (3 + 6).
    assert in_place.log_probs["ocean"] - in_place.best_other == pytest.approx(0.0, abs=1e-4)
    assert in_place.log_probs["shop"] - in_place.best_other == pytest.approx(-3.0, abs=1e-4)
    # At the free slot of the pair only what "bakery" means carries over: shop (3 + 6), ocean (3).
    assert pair.log_probs["shop"] - pair.best_other == pytest.approx(0.0, abs=1e-4)
    assert pair.log_probs["ocean"] - pair.best_other == pytest.approx(-6.0, abs=1e-4)


def test_the_judge_weighs_the_pair_as_its_settings_say(engine: ClozeEngine) -> None:
    exercise = Exercise(TEXT, (ExerciseItem(1, START, START + 6, "bakery"),))

    def verdicts(weight: float) -> tuple[str, str]:
        settings = JudgeSettings(5, 14.0, 10.0, 3.0, aware_margin=2.0, paired_weight=weight)
        return (
            check_answer(engine, exercise, 1, "shop", settings).status,
            check_answer(engine, exercise, 1, "ocean", settings).status,
        )

    # In place alone, ocean (0) fits and shop (-3) does not; in the pair, the other way round;
    # half and half: shop -1.5, ocean -3 against a margin of 2.
    assert verdicts(0.0) == (WRONG, ALSO_FITS)
    assert verdicts(1.0) == (ALSO_FITS, WRONG)
    assert verdicts(0.5) == (ALSO_FITS, WRONG)
