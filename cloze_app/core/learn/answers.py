"""Checking a learner's answers: right, "also fits", or wrong with the model's view; hints; a score.

An answer that is not the exact word but that the model finds about as good in the full context
(within ``ALSO_FITS_MARGIN`` natural-log units of the answer's score) counts as "also fits".
For any other answer the verdict gives the model's rank of the word given and the words it
prefers there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from cloze_app.core.errors import InputError
from cloze_app.core.learn.exercises import Exercise, ExerciseEngine
from cloze_app.core.text import context_window

ALSO_FITS_MARGIN = math.log(4.0)  # "about as good": at most four times less likely than the answer
CORRECT, ALSO_FITS, WRONG, EMPTY = "correct", "also_fits", "wrong", "empty"
HINT_LEVELS = 2  # 1: first letter, 2: first letter and length


@dataclass(frozen=True)
class Verdict:
    """What became of one answer.

    ``status`` is ``correct``, ``also_fits``, ``wrong`` or ``empty``. ``rank`` is the model's
    rank of the given word in context (None: not in its top list); ``better`` are words the model
    ranks above it (only for wrong answers).
    """

    number: int
    given: str
    answer: str
    status: str
    rank: int | None = None
    better: tuple[str, ...] = ()
    given_log_prob: float | None = None
    answer_log_prob: float | None = None

    @property
    def accepted(self) -> bool:
        """True for the exact answer and for one that also fits."""
        return self.status in (CORRECT, ALSO_FITS)

    def message(self) -> str:
        """One line for the learner."""
        if self.status == CORRECT:
            return f"{self.number}. Right: {self.answer}"
        if self.status == ALSO_FITS:
            return f"{self.number}. Also fits: {self.given} (the text has {self.answer})"
        if self.status == EMPTY:
            return f"{self.number}. No answer; the text has {self.answer}."
        rank = (
            f"the model ranks {self.given!r} #{self.rank}"
            if self.rank
            else f"{self.given!r} is not in the model's top words"
        )
        better = f"; better: {', '.join(self.better)}" if self.better else ""
        return f"{self.number}. Not quite: {rank}{better}. The text has {self.answer}."


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def check_answer(
    engine: ExerciseEngine,
    exercise: Exercise,
    number: int,
    given: str,
    also_fits_margin: float = ALSO_FITS_MARGIN,
    top_k: int = 10,
) -> Verdict:
    """Judge ``given`` for blank ``number``; asks the model only when it is not the exact answer."""
    item = exercise.item(number)
    given = " ".join(given.split())
    if not given:
        return Verdict(number, given, item.answer, EMPTY)
    if _same(given, item.answer):
        return Verdict(number, given, item.answer, CORRECT)
    probe, start, end = exercise.probe_text(number)
    window, _ = context_window(probe, start, end)
    scores = {s.option: s.log_prob for s in engine.score_options(window, [item.answer, given])}
    given_lp, answer_lp = scores.get(given), scores.get(item.answer)
    if (
        not item.is_multiple_choice
        and given_lp is not None
        and answer_lp is not None
        and given_lp >= answer_lp - also_fits_margin
    ):
        return Verdict(
            number, given, item.answer, ALSO_FITS, given_log_prob=given_lp, answer_log_prob=answer_lp
        )
    filled, start, end = exercise.probe_text(number, given)
    window, offset = context_window(filled, start, end)
    checks = engine.check_words(window, spans=[(start - offset, end - offset)], top_k=top_k)
    if not checks:  # the model cannot place the word (nothing it can read)
        return Verdict(number, given, item.answer, WRONG, given_log_prob=given_lp, answer_log_prob=answer_lp)
    check = checks[0]
    better = tuple(
        alt.word for alt in check.alternatives if alt.log_prob > check.log_prob and not _same(alt.word, given)
    )[:5]
    return Verdict(
        number,
        given,
        item.answer,
        WRONG,
        rank=check.rank,
        better=better,
        given_log_prob=given_lp,
        answer_log_prob=answer_lp,
    )


def check_answers(engine: ExerciseEngine, exercise: Exercise, answers: Mapping[int, str]) -> list[Verdict]:
    """Judge several answers at once (``{number: given}``), in blank order."""
    return [check_answer(engine, exercise, number, answers[number]) for number in sorted(answers)]


def hint(answer: str, level: int) -> str:
    """A hint for ``answer``: level 1 the first letter, level 2 also its length."""
    if level <= 0:
        return ""
    first = f"starts with “{answer[0]}”"
    if level == 1:
        return first
    return f"{first}, {len(answer)} letters: {answer[0]}{' _' * (len(answer) - 1)}"


@dataclass(frozen=True)
class Score:
    """The result at the end: each accepted answer earns 1 point, or 0.5 when a hint was used."""

    total: int
    correct: int
    also_fits: int
    wrong: int
    unanswered: int
    hints_used: int
    points: float

    def summary(self) -> str:
        """One line, e.g. ``Score 6.5/8: 6 right, 1 also fits, 1 wrong (2 hints)``."""
        pts = f"{self.points:g}"
        parts = [f"{self.correct} right", f"{self.also_fits} also fit", f"{self.wrong} wrong"]
        if self.unanswered:
            parts.append(f"{self.unanswered} unanswered")
        hints = f" ({self.hints_used} hint{'s' if self.hints_used != 1 else ''})" if self.hints_used else ""
        return f"Score {pts}/{self.total}: {', '.join(parts)}{hints}"


@dataclass
class ExerciseSession:
    """A learner working through an exercise: answers and hints so far (mutable, one per run)."""

    exercise: Exercise
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    hints: dict[int, int] = field(default_factory=dict)

    def answer(self, engine: ExerciseEngine, number: int, given: str) -> Verdict:
        """Check and record an answer (a later answer to the same blank replaces it)."""
        verdict = check_answer(engine, self.exercise, number, given)
        self.verdicts[number] = verdict
        return verdict

    def hint(self, number: int) -> str:
        """The next hint for blank ``number`` (first letter, then length); repeats the last one."""
        item = self.exercise.item(number)
        level = min(self.hints.get(number, 0) + 1, HINT_LEVELS)
        self.hints[number] = level
        return hint(item.answer, level)

    def record(self, verdict: Verdict) -> None:
        """Keep a verdict judged elsewhere (e.g. on a worker thread)."""
        self.verdicts[verdict.number] = verdict

    def score(self) -> Score:
        """The score so far; blanks without an answer count as unanswered."""
        total = len(self.exercise.items)
        statuses = [v.status for v in self.verdicts.values()]
        points = sum((0.5 if self.hints.get(v.number) else 1.0) for v in self.verdicts.values() if v.accepted)
        answered = sum(1 for s in statuses if s != EMPTY)
        return Score(
            total=total,
            correct=statuses.count(CORRECT),
            also_fits=statuses.count(ALSO_FITS),
            wrong=statuses.count(WRONG),
            unanswered=total - answered,
            hints_used=sum(1 for n in self.hints if self.hints[n]),
            points=points,
        )


def validate_choice(exercise: Exercise, number: int, given: str) -> None:
    """Raise InputError when a multiple-choice blank gets a word that is not one of its choices."""
    item = exercise.item(number)
    if item.is_multiple_choice and not any(_same(given, c) for c in item.choices):
        raise InputError(f"Blank {number} takes one of: {', '.join(item.choices)}.")
