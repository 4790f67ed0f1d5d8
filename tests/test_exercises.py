"""Exercises from a fixed text: blank positions follow the rules at each difficulty; distractors
are never the answer and score clearly below it in the model's own judgement."""

from __future__ import annotations

import math
import statistics
from dataclasses import replace
from itertools import pairwise

import pytest

from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.errors import EmptyTextError, InputError
from cloze_app.core.learn import lexicon
from cloze_app.core.learn.blanks import left_checks, scan
from cloze_app.core.learn.distractors import TRIES, add_distractors
from cloze_app.core.learn.exercises import (
    DIFFICULTIES,
    Exercise,
    ExerciseItem,
    ExerciseOptions,
    blankable,
    every_nth,
    make_exercise,
    pick_blanks,
)
from cloze_app.core.text import word_spans
from tests.conftest import BUNDLED_MODEL, bundled_model_available
from tests.learner_models import (
    DOG_TEXT,
    EASY,
    NEVER,
    PASSAGE,
    PASSAGE_PRIOR,
    _passage_words,
    dog_model,
    passage_model,
)
from tests.tinymodels import WORDPIECE, wordpiece_tokenizer, write_model_folder

# Words of each form the passage's blanks take, far less likely than any word of the passage:
# the distractors a passage model can offer (same class and form as the answer, clearly wrong).
WRONG_WORDS = [
    "pencil",
    "carpet",
    "ladder",
    "kitchen",
    "window",
    "pencils",
    "carpets",
    "ladders",
    "windows",
    "kitchens",
    "wooden",
    "orange",
    "empty",
    "heavy",
    "jumped",
    "painted",
    "opened",
    "closed",
    "jumping",
    "painting",
    "opening",
    "loudly",
    "slowly",
]


@pytest.fixture(scope="module")
def passage_engine(tmp_path_factory: pytest.TempPathFactory) -> ClozeEngine:
    return ClozeEngine.load(passage_model(tmp_path_factory.mktemp("passage")))


@pytest.fixture(scope="module")
def choices_engine(tmp_path_factory: pytest.TempPathFactory) -> ClozeEngine:
    """The passage model with WRONG_WORDS added, far below every word of the passage."""
    tok = wordpiece_tokenizer(list(dict.fromkeys([*_passage_words(), *NEVER, *WRONG_WORDS])))
    prior = {**PASSAGE_PRIOR, **{word: -6.0 for word in (*NEVER, *WRONG_WORDS)}}
    folder = write_model_folder(
        tmp_path_factory.mktemp("choices"),
        tok,
        WORDPIECE,
        model_id="tiny-choices",
        max_length=256,
        prior={"[MASK]": prior},
    )
    return ClozeEngine.load(folder, threads=1)  # one thread: runs are counted exactly


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


def test_easy_blanks_are_content_words_the_model_predicts_hard_ones_those_it_does_not(
    passage_engine: ClozeEngine,
) -> None:
    made = {d: make_exercise(passage_engine, PASSAGE, ExerciseOptions(difficulty=d)) for d in DIFFICULTIES}
    content = {w.word for w in word_spans(PASSAGE) if w.is_content_word}
    for level in ("easy", "medium", "hard"):  # never "the", "and", "to" at these levels
        assert all(item.answer in content for item in made[level].items), level
    assert all(item.rank is not None and item.rank >= 10 for item in made["hard"].items)
    mean = {d: statistics.mean(item.answer_log_prob for item in made[d].items) for d in DIFFICULTIES}
    assert mean["easy"] > mean["medium"] > mean["hard"]


def test_grammar_blanks_function_words_and_verb_forms(passage_engine: ClozeEngine) -> None:
    grammar = make_exercise(passage_engine, PASSAGE, ExerciseOptions(difficulty="grammar")).items
    answers = [item.answer.lower() for item in grammar]
    assert set(answers) <= {*EASY, "walked", "thanked", "carried", "sold", "were", "her", "him"}
    # "the" is the model's favourite: it comes back, but never in two blanks in a row.
    assert answers.count("the") >= 2


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
    # A 14-word model: its top 10 is nearly all it knows, so only its best word is kept out.
    options = ExerciseOptions(choices=4, difficulty="hard", slot_top=1)
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
def test_multiple_choice_distractors_have_the_answers_form_and_score_far_below(
    choices_engine: ClozeEngine, difficulty: str
) -> None:
    options = ExerciseOptions(difficulty=difficulty, choices=3, seed=7, slot_top=3)
    exercise = make_exercise(choices_engine, PASSAGE, options)
    _assert_rules(exercise)
    for item in exercise.items:
        assert len(item.choices) == 3 and item.answer in item.choices
        assert len({c.lower() for c in item.choices}) == 3
        assert all(lp <= item.answer_log_prob - math.log(20) for lp in item.distractor_log_probs)
        for distractor in item.distractors:
            if lexicon.is_function_word(item.answer):  # grammar: a word of the same closed class
                assert lexicon.function_class(distractor) == lexicon.function_class(item.answer)
            else:
                assert not lexicon.is_function_word(distractor)
                assert lexicon.form_tags(distractor) & lexicon.form_tags(item.answer), (item, distractor)
        probe, _, _ = exercise.probe_text(item.number)
        scores = {s.option: s.log_prob for s in choices_engine.score_options(probe, item.choices)}
        assert max(scores, key=lambda c: scores[c]) == item.answer
    assert make_exercise(choices_engine, PASSAGE, options) == exercise  # same text and seed, same exercise


def test_the_distractors_of_all_blanks_are_verified_together_in_a_few_model_runs(
    choices_engine: ClozeEngine,
) -> None:
    options = ExerciseOptions(difficulty="medium", choices=3, seed=7, slot_top=3)
    open_items = make_exercise(choices_engine, PASSAGE, replace(options, choices=0))
    assert len(open_items.items) >= 5
    before = choices_engine.session_runs
    with_choices = add_distractors(choices_engine, open_items, options)
    # One check of the blanks in context, one without the text to their right, then at most
    # TRIES batched runs for every blank's candidates (not one or more runs per blank).
    assert choices_engine.session_runs - before <= 2 + TRIES
    assert all(len(item.choices) == 3 for item in with_choices.items)


def test_bad_input_is_refused_with_a_reason(passage_engine: ClozeEngine) -> None:
    with pytest.raises(EmptyTextError):
        make_exercise(passage_engine, "   ")
    with pytest.raises(InputError, match="already has blanks"):
        make_exercise(passage_engine, "The ___ sat on the mat.")
    with pytest.raises(InputError, match="no word that can be blanked"):
        make_exercise(passage_engine, "Anna 12 Paris")
    with pytest.raises(InputError, match="easy, medium, hard or grammar"):
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


def test_scan_reads_several_words_to_a_row_with_the_scores_check_words_gives(
    passage_engine: ClozeEngine, dog_engine: ClozeEngine
) -> None:
    words = word_spans(PASSAGE)
    asked = [i for i, w in enumerate(words) if blankable(w)]
    runner = passage_engine.decoder.runner
    before = runner.rows_run
    scanned = scan(passage_engine, PASSAGE, words, asked, top_k=3)
    assert runner.rows_run - before <= len(asked) // 4  # not one row per word
    checks = passage_engine.check_words(
        PASSAGE, spans=[(words[i].start, words[i].end) for i in asked], top_k=3
    )
    assert len(checks) == len(scanned) == len(asked)
    for i, check in zip(asked, checks, strict=True):
        assert scanned[i].log_prob == pytest.approx(check.log_prob, abs=1e-4), words[i].word
        assert scanned[i].rank == check.rank
        assert [a.word for a in scanned[i].alternatives] == [a.word.lower() for a in check.alternatives]
    # The text to the right counts: "barked" makes "dog" second only to "puppy"; from "the"
    # alone, cat, hat, bat and puppy come first.
    dog_words = word_spans(DOG_TEXT)
    (dog,) = scan(dog_engine, DOG_TEXT, dog_words, [1]).values()
    assert dog.word == "dog" and dog.rank == 2
    (left,) = left_checks(dog_engine, DOG_TEXT, dog_words, [1], top_k=4).values()
    assert left.rank == 5 and [a.word for a in left.alternatives][:2] == ["cat", "hat"]
    assert {a.word for a in left.alternatives[2:]} == {"bat", "puppy"}  # a tie


def test_a_blank_without_clearly_wrong_words_of_its_kind_gives_way_before_its_candidates_are_scored(
    choices_engine: ClozeEngine,
) -> None:
    # The WRONG_WORDS score -6; with a margin of 6 (+ WINDOW_SLACK) only the passage's likelier
    # words (prior >= 1.5) have distractors. Hard wants the least likely words: those give way
    # to the next ones while choosing the blanks, so the candidates are verified once.
    options = ExerciseOptions(difficulty="hard", choices=3, seed=7, slot_top=3, distractor_margin=6.0)
    before = choices_engine.session_runs
    exercise = make_exercise(choices_engine, PASSAGE, options)
    runs = choices_engine.session_runs - before
    assert exercise.items and all(len(item.choices) == 3 for item in exercise.items)
    assert all(PASSAGE_PRIOR[item.answer.lower()] >= 1.5 for item in exercise.items)
    # The scan, the words before the unsure words and before the blanks, the exact check, one
    # try of the candidates: no blank needed a second round.
    assert runs <= 1 + 3 + 1 + 1
