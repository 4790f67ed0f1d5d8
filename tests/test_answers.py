"""Checking answers: the exact word, a word that also fits, a wrong word with the model's view;
hints on request and the score at the end."""

from __future__ import annotations

import pytest

from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.errors import InputError
from cloze_app.core.learn.answers import (
    ALSO_FITS,
    CORRECT,
    EMPTY,
    JUDGE,
    WRONG,
    WRONG_FORM,
    ExerciseSession,
    JudgeSettings,
    check_answer,
    hint,
    slot_view,
    validate_choice,
)
from cloze_app.core.learn.exercises import Exercise, ExerciseItem
from tests.learner_models import DOG_TEXT, SHOP_TEXT, dog_model, shop_model

TEXT = DOG_TEXT + " " + DOG_TEXT  # "the dog barked at home . the dog barked at home ."
DOG = ExerciseItem(1, 4, 7, "dog")
HOME = ExerciseItem(2, TEXT.rindex("home"), TEXT.rindex("home") + 4, "home")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> ClozeEngine:
    return ClozeEngine.load(dog_model(tmp_path_factory.mktemp("dog")))


@pytest.fixture
def exercise() -> Exercise:
    return Exercise(TEXT, (DOG, HOME))


def test_the_exact_answer_is_right_whatever_the_case_and_spaces(
    engine: ClozeEngine, exercise: Exercise
) -> None:
    for given in ("dog", " DOG ", "Dog"):
        verdict = check_answer(engine, exercise, 1, given)
        assert verdict.status == CORRECT and verdict.accepted
    assert check_answer(engine, exercise, 1, "  ").status == EMPTY


def test_a_word_the_model_finds_as_good_also_fits(engine: ClozeEngine, exercise: Exercise) -> None:
    verdict = check_answer(engine, exercise, 1, "puppy")
    assert verdict.status == ALSO_FITS and verdict.accepted
    assert verdict.given_log_prob is not None and verdict.answer_log_prob is not None
    assert verdict.given_log_prob >= verdict.answer_log_prob - 1.4
    assert "Also fits: puppy works here too (the text has dog)" in verdict.message()


def test_a_wrong_word_shows_its_rank_and_the_better_words(engine: ClozeEngine, exercise: Exercise) -> None:
    # This model knows 14 words: its top few are not a sign of a good word, so tighter margins.
    tight = JudgeSettings(top_rank=2, best_margin=2.0, answer_margin=2.0)
    verdict = check_answer(engine, exercise, 1, "cat", tight)
    assert verdict.status == WRONG and not verdict.accepted
    assert verdict.rank == 3  # behind puppy and dog: "barked" is in the text
    assert verdict.better == ("puppy", "dog")
    assert "the model ranks 'cat' #3 here (<0.1%); it prefers puppy (73%), dog (27%)" in verdict.message()
    far = check_answer(engine, exercise, 2, "mat")
    assert far.status == WRONG and far.rank is not None and far.rank > 3
    assert "home" in far.better


def test_multiple_choice_accepts_only_the_answer_among_its_choices(engine: ClozeEngine) -> None:
    item = ExerciseItem(1, 4, 7, "dog", choices=("cat", "dog", "puppy"))  # even a choice that fits
    exercise = Exercise(DOG_TEXT, (item,))
    assert check_answer(engine, exercise, 1, "dog").status == CORRECT
    assert check_answer(engine, exercise, 1, "puppy").status == WRONG
    with pytest.raises(InputError, match="one of: cat, dog, puppy"):
        validate_choice(exercise, 1, "hat")
    validate_choice(exercise, 1, "Cat")


def test_hints_give_the_first_letter_then_the_length() -> None:
    assert hint("barked", 1) == "starts with “b”"
    assert hint("barked", 2) == "starts with “b”, 6 letters: b _ _ _ _ _"
    assert hint("barked", 0) == ""


def test_session_scores_right_answers_half_when_a_hint_was_used(
    engine: ClozeEngine, exercise: Exercise
) -> None:
    session = ExerciseSession(exercise)
    assert session.hint(1) == "starts with “d”"
    assert session.hint(1).endswith("3 letters: d _ _")
    assert session.hint(1).endswith("3 letters: d _ _")  # no third level: the last hint again
    session.answer(engine, 1, "dog")
    score = session.score()
    assert (score.correct, score.wrong, score.unanswered, score.hints_used, score.points) == (1, 0, 1, 1, 0.5)
    session.answer(engine, 2, "mat")
    session.answer(engine, 2, "home")  # a second try replaces the first
    score = session.score()
    assert (score.correct, score.wrong, score.unanswered, score.points, score.total) == (2, 0, 0, 1.5, 2)
    assert score.summary() == "Score 1.5/2: 2 right, 0 also fit, 0 wrong (1 hint)"


def test_a_word_as_unlikely_as_an_unlikely_answer_does_not_fit(engine: ClozeEngine) -> None:
    # "hat" is the text's word, but after "barked" the model wants dog or puppy: "bat" scores
    # about as low as "hat" (the old judge said "also fits"), yet it is no good here at all.
    # (This model knows 14 words, so "among its best words" means its best two.)
    text = "the hat barked at home ."
    exercise = Exercise(text, (ExerciseItem(1, 4, 7, "hat"),))
    # Masked scores only, 6 nats from the best word: the masked-context half of the judge alone.
    settings = JudgeSettings(top_rank=2, best_margin=6.0, answer_margin=6.0)
    verdict = check_answer(engine, exercise, 1, "bat", settings)
    assert verdict.status == WRONG
    assert verdict.given_log_prob is not None and verdict.answer_log_prob is not None
    assert abs(verdict.given_log_prob - verdict.answer_log_prob) < 1.0
    assert verdict.better[:2] == ("puppy", "dog")


def test_another_form_of_the_answer_is_right_word_wrong_form_with_partial_credit(
    engine: ClozeEngine, exercise: Exercise
) -> None:
    verdict = check_answer(engine, exercise, 1, "dogs")
    assert verdict.status == WRONG_FORM and not verdict.accepted
    assert verdict.message() == "1. Right word, wrong form: 'dogs' should be 'dog' here."
    half = ExerciseSession(exercise)
    half.record(verdict)
    assert half.score().points == 0.5 and half.score().wrong_form == 1
    assert "1 wrong form" in half.score().summary()
    strict = ExerciseSession(exercise, form_credit=0.0)
    strict.record(verdict)
    assert strict.score().points == 0.0


def test_another_word_that_fits_only_in_another_form_is_right_word_wrong_form(
    engine: ClozeEngine, exercise: Exercise
) -> None:
    """A learner's synonym in the wrong form ("puppies" where "dog" stands; "investigate" for
    "checking") is tried in the answer's form too: it fits as "puppy", so it is the right word in
    the wrong form, with the form that fits; "cats" fits in no form (cat is wrong here too)."""
    verdict = check_answer(engine, exercise, 1, "puppies")
    assert (verdict.status, verdict.form) == (WRONG_FORM, "puppy")
    message = "1. Right word, wrong form: 'puppies' fits here as 'puppy' (the text has dog)."
    assert verdict.message() == message
    assert check_answer(engine, exercise, 1, "puppy").status == ALSO_FITS
    cats = check_answer(engine, exercise, 1, "cats")
    assert (cats.status, cats.form) == (WRONG, "")


def test_a_word_that_fits_the_context_but_means_something_else_is_wrong(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # With the blank masked, ocean and shop fit as well as bakery; with bakery in place the model
    # proposes shop far above anything else: shop means what bakery means here, ocean does not.
    engine = ClozeEngine.load(shop_model(tmp_path_factory.mktemp("shop")))
    start = SHOP_TEXT.index("bakery")
    exercise = Exercise(SHOP_TEXT, (ExerciseItem(1, start, start + 6, "bakery"),))
    ocean, shop = check_answer(engine, exercise, 1, "ocean"), check_answer(engine, exercise, 1, "shop")
    assert ocean.given_log_prob == pytest.approx(shop.given_log_prob, abs=1e-4)
    assert ocean.given_log_prob == pytest.approx(ocean.answer_log_prob, abs=1e-4)
    assert ocean.status == WRONG and shop.status == ALSO_FITS
    masked_only = JudgeSettings(JUDGE.top_rank, JUDGE.best_margin, JUDGE.answer_margin, JUDGE.phrase_margin)
    assert check_answer(engine, exercise, 1, "ocean", masked_only).status == ALSO_FITS


def test_the_judges_scores_are_the_blanks_option_scores(engine: ClozeEngine) -> None:
    # The judge reads all words of a slot in one batched call; the probabilities a learner sees
    # in a verdict are still the ones the app ranks options by for that blank.
    words = ["dog", "puppy", "cat", "hat", "home"]
    view = slot_view(engine, TEXT, 4, 7, words[1:])
    probe = TEXT[:4] + "___" + TEXT[7:]
    for option in engine.score_options(probe, words):
        assert view.log_prob(option.option) == pytest.approx(option.log_prob, abs=1e-4), option.option
