"""Exercises from a fixed text: blank positions follow the rules at each difficulty; distractors
are never the answer and score clearly below it in the model's own judgement."""

from __future__ import annotations

import math
import statistics
from itertools import pairwise

import pytest

from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.errors import EmptyTextError, InputError
from cloze_app.core.learn.distractors import add_distractors
from cloze_app.core.learn.exercises import (
    DIFFICULTIES,
    Exercise,
    ExerciseItem,
    ExerciseOptions,
    every_nth,
    make_exercise,
    pick_blanks,
)
from cloze_app.core.text import word_spans
from tests.conftest import BUNDLED_MODEL, bundled_model_available
from tests.learner_models import DOG_TEXT, EASY, PASSAGE, dog_model, passage_model


@pytest.fixture(scope="module")
def passage_engine(tmp_path_factory: pytest.TempPathFactory) -> ClozeEngine:
    return ClozeEngine.load(passage_model(tmp_path_factory.mktemp("passage")))


@pytest.fixture(scope="module")
def dog_engine(tmp_path_factory: pytest.TempPathFactory) -> ClozeEngine:
    return ClozeEngine.load(dog_model(tmp_path_factory.mktemp("dog")))


def _assert_rules(exercise: Exercise, min_gap: int = 2) -> None:
    words = word_spans(exercise.text)
    index = {w.start: k for k, w in enumerate(words)}
    positions = [index[item.start] for item in exercise.items]
    assert positions == sorted(positions)
    for item in exercise.items:
        word = words[index[item.start]]
        assert exercise.text[item.start : item.end] == item.answer == word.word
        assert not word.is_name and not word.is_number
    for a, b in pairwise(exercise.items):
        assert a.answer.lower() != b.answer.lower(), "two blanks in a row with the same answer"
    assert all(b - a > min_gap for a, b in pairwise(positions))


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_blanks_follow_the_rules_at_every_difficulty(passage_engine: ClozeEngine, difficulty: str) -> None:
    exercise = make_exercise(passage_engine, PASSAGE, ExerciseOptions(difficulty=difficulty))
    assert len(exercise.items) == len(word_spans(PASSAGE)) // 8
    _assert_rules(exercise)
    answers = {item.answer for item in exercise.items}
    assert not answers & {"Anna", "12"}  # a name and a number


def test_easy_blanks_are_words_the_model_predicts_and_hard_ones_content_words_it_does_not(
    passage_engine: ClozeEngine,
) -> None:
    made = {d: make_exercise(passage_engine, PASSAGE, ExerciseOptions(difficulty=d)) for d in DIFFICULTIES}
    easy, hard = made["easy"].items, made["hard"].items
    assert all(item.answer.lower() in EASY and item.rank is not None and item.rank <= 5 for item in easy)
    # "the" is the model's favourite: it comes back, but never in two blanks in a row.
    assert [item.answer.lower() for item in easy].count("the") >= 2
    content = {w.word for w in word_spans(PASSAGE) if w.is_content_word}
    assert all(item.answer in content and item.rank is not None and item.rank >= 10 for item in hard)
    mean = {d: statistics.mean(item.answer_log_prob for item in made[d].items) for d in DIFFICULTIES}
    assert mean["easy"] > mean["medium"] > mean["hard"]


def test_every_nth_word_skips_names_numbers_and_repeats(passage_engine: ClozeEngine) -> None:
    exercise = make_exercise(passage_engine, PASSAGE, ExerciseOptions(every_n=5))
    assert exercise.mode == "every-n"
    words = word_spans(PASSAGE)
    chosen = [next(k for k, w in enumerate(words) if w.start == item.start) for item in exercise.items]
    assert chosen[0] == 4  # "to": the fifth word
    # the 10th word is "Anna" (a name) and the 11th "sold"... the blank moves on to "sold"
    assert words[9].word == "Anna" and chosen[1] == 10
    assert all(b - a >= 5 for a, b in pairwise(chosen))
    _assert_rules(exercise, min_gap=0)


def test_pick_blanks_keeps_gaps_and_never_repeats_an_answer_in_a_row() -> None:
    words = word_spans("the cat and the dog and the bird and the fish")
    chosen = pick_blanks(words, [0, 3, 6, 9, 1, 4, 7, 10], count=4, min_gap=1)
    assert [words[i].word for i in chosen] == ["the", "dog", "the", "fish"]  # "the" again on a second pass
    assert every_nth(word_spans("a b the the the cat"), 3) == [2, 5]  # "the" then not "the" again


def test_distractors_are_plausible_but_clearly_worse_and_never_the_answer(dog_engine: ClozeEngine) -> None:
    start = DOG_TEXT.index("dog")
    exercise = Exercise(DOG_TEXT, (ExerciseItem(1, start, start + 3, "dog"),))
    options = ExerciseOptions(choices=4, difficulty="hard")
    (item,) = add_distractors(dog_engine, exercise, options).items
    assert sorted(item.choices) == sorted(["dog", "cat", "hat", "bat"])  # what "the ..." suggests
    assert "puppy" not in item.choices  # fits as well as "dog": never a distractor
    # the model's own score, asked again: every distractor is far below the answer
    scores = {
        s.option: s.log_prob for s in dog_engine.score_options("the ___ barked at home .", item.choices)
    }
    for distractor, log_prob in zip(item.distractors, item.distractor_log_probs, strict=True):
        assert scores[distractor] == pytest.approx(log_prob, abs=1e-4)
        assert scores[distractor] <= scores["dog"] - math.log(20)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_multiple_choice_exercise_from_the_passage(passage_engine: ClozeEngine, difficulty: str) -> None:
    exercise = make_exercise(
        passage_engine, PASSAGE, ExerciseOptions(difficulty=difficulty, choices=3, seed=7)
    )
    _assert_rules(exercise)
    for item in exercise.items:
        assert len(item.choices) == 3 and item.answer in item.choices
        assert len({c.lower() for c in item.choices}) == 3
        assert all(lp <= item.answer_log_prob - math.log(20) for lp in item.distractor_log_probs)
        probe, _, _ = exercise.probe_text(item.number)
        scores = {s.option: s.log_prob for s in passage_engine.score_options(probe, item.choices)}
        assert max(scores, key=lambda c: scores[c]) == item.answer
    again = make_exercise(passage_engine, PASSAGE, ExerciseOptions(difficulty=difficulty, choices=3, seed=7))
    assert again == exercise  # the same text and seed give the same exercise


def test_bad_input_is_refused_with_a_reason(passage_engine: ClozeEngine) -> None:
    with pytest.raises(EmptyTextError):
        make_exercise(passage_engine, "   ")
    with pytest.raises(InputError, match="already has blanks"):
        make_exercise(passage_engine, "The ___ sat on the mat.")
    with pytest.raises(InputError, match="no word that can be blanked"):
        make_exercise(passage_engine, "Anna 12 Paris")
    with pytest.raises(InputError, match="easy, medium or hard"):
        ExerciseOptions(difficulty="brutal")
    with pytest.raises(InputError, match="between 2 and 8"):
        ExerciseOptions(choices=1)


def test_exercise_renders_numbered_blanks_and_sentences() -> None:
    text = "One cat sat. The dog ran home."
    items = (ExerciseItem(1, 4, 7, "cat"), ExerciseItem(2, 17, 20, "dog"))
    exercise = Exercise(text, items)
    assert exercise.blanked() == "One (1) _____ sat. The (2) _____ ran home."
    assert exercise.blanked(filled={2: "cow"}) == "One (1) _____ sat. The (2) cow ran home."
    assert exercise.sentence(2) == ("The dog ran home.", 4, 7)
    assert exercise.probe_text(1, "bird") == ("One bird sat. The dog ran home.", 4, 8)


@pytest.mark.bundled
@pytest.mark.skipif(not bundled_model_available(), reason="the bundled model is not in models/ yet")
def test_bundled_model_exercises_follow_the_rules_and_distractors_score_clearly_below() -> None:
    engine = ClozeEngine.load(BUNDLED_MODEL)
    text = (
        "Every summer my grandmother opened her small bakery by the sea. She woke before dawn, lit the "
        "old oven and kneaded the dough while the town was still asleep. By seven o'clock the smell of "
        "fresh bread filled the narrow street, and a long queue of fishermen waited at the door."
    )
    made = {d: make_exercise(engine, text, ExerciseOptions(difficulty=d, choices=4)) for d in DIFFICULTIES}
    for exercise in made.values():
        _assert_rules(exercise)
        for item in exercise.items:
            assert item.answer in item.choices and len(item.choices) >= 2
            probe, _, _ = exercise.probe_text(item.number)
            scores = {s.option: s.log_prob for s in engine.score_options(probe, item.choices)}
            for distractor in item.distractors:
                assert distractor.lower() != item.answer.lower()
                assert scores[distractor] <= scores[item.answer] - math.log(20) + 1e-3
    mean = {d: statistics.mean(i.answer_log_prob for i in made[d].items) for d in DIFFICULTIES}
    assert mean["easy"] > mean["hard"]
