"""What an exercise is: its options, its items (blanks) and the text around them.

Plain frozen data shared by exercise building (``exercises``), distractors, answer checking and
export; no module here calls the model except through the ``ExerciseEngine`` protocol.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cloze_app.core.errors import InputError
from cloze_app.core.learn.checker import CheckEngine
from cloze_app.core.text import WordSpan, sentence_bounds
from cloze_app.core.types import OptionScore

# Levels: easy, medium and hard blank content words; grammar blanks function words and verb forms.
DIFFICULTIES = ("easy", "medium", "hard", "grammar")
BLANK_MARK = "_____"
_PLAIN_WORD_RE = re.compile(r"[^\W\d_]+")


class ExerciseEngine(CheckEngine, Protocol):
    """The two engine primitives exercises and answer checking use (``ClozeEngine`` has both)."""

    def score_options(self, text: str, options: Sequence[str], blank: int = 0) -> list[OptionScore]: ...


@dataclass(frozen=True)
class ExerciseOptions:
    """How to build an exercise.

    ``choices`` 0 gives open answers; 2 or more gives multiple choice with that many options.
    ``every_n`` > 0 switches to the classic mode (every n-th word; ``difficulty`` then only
    shapes the distractors). ``distractor_margin`` is how far (natural log) below the answer a
    distractor must score in the full context; none is ever among the slot's ``slot_top`` best
    words (twice the 10 the app promises: a re-run of an int8 model may reorder the edge).
    """

    difficulty: str = "medium"
    choices: int = 0
    every_n: int = 0
    words_per_blank: int = 8
    max_blanks: int = 0
    min_gap: int = 2
    distractor_margin: float = math.log(20.0)
    seed: int = 0
    slot_top: int = 20

    def __post_init__(self) -> None:
        if self.difficulty not in DIFFICULTIES:
            raise InputError(f"Unknown difficulty {self.difficulty!r}: choose easy, medium, hard or grammar.")
        if self.choices == 1 or self.choices < 0 or self.choices > 8:
            raise InputError("Choices must be 0 (open answers) or between 2 and 8.")
        if self.every_n < 0 or self.every_n == 1:
            raise InputError("Every n-th word needs n of 2 or more.")


@dataclass(frozen=True)
class ExerciseItem:
    """One blank of an exercise: ``text[start:end]`` is the answer.

    ``choices`` is empty for an open answer; otherwise it holds the answer and the distractors
    in the order shown. ``answer_log_prob``/``rank`` are the model's view of the answer in full
    context (``rank`` None: outside the model's top list); ``distractor_log_probs`` are the
    distractors' scores in the same context, in ``distractors`` order.
    """

    number: int
    start: int
    end: int
    answer: str
    choices: tuple[str, ...] = ()
    answer_log_prob: float = 0.0
    rank: int | None = None
    distractor_log_probs: tuple[float, ...] = ()

    @property
    def distractors(self) -> tuple[str, ...]:
        """The wrong choices, in the order shown."""
        return tuple(c for c in self.choices if c != self.answer)

    @property
    def is_multiple_choice(self) -> bool:
        """True when the learner picks among choices instead of typing."""
        return bool(self.choices)


@dataclass(frozen=True)
class Exercise:
    """A text with some words blanked; items are numbered from 1 in text order."""

    text: str
    items: tuple[ExerciseItem, ...]
    difficulty: str = "medium"
    mode: str = "model"  # "model" (chosen by difficulty) or "every-n"
    title: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def item(self, number: int) -> ExerciseItem:
        """The item numbered ``number`` (1-based)."""
        if not 1 <= number <= len(self.items):
            raise InputError(f"There is no blank {number}: the exercise has {len(self.items)}.")
        return self.items[number - 1]

    def segments(self) -> Iterator[str | ExerciseItem]:
        """The text as alternating plain strings and items, for rendering."""
        pos = 0
        for item in self.items:
            yield self.text[pos : item.start]
            yield item
            pos = item.end
        yield self.text[pos:]

    def blanked(self, numbered: bool = True, filled: Mapping[int, str] | None = None) -> str:
        """The text with every blank shown as ``(n) _____`` (or a word from ``filled``)."""
        out = []
        for seg in self.segments():
            if isinstance(seg, str):
                out.append(seg)
                continue
            shown = (filled or {}).get(seg.number) or BLANK_MARK
            out.append(f"({seg.number}) {shown}" if numbered else shown)
        return "".join(out)

    def probe_text(self, number: int, word: str | None = None) -> tuple[str, int, int]:
        """The original text with only blank ``number`` replaced, for asking the model.

        Returns the text and the span of the replacement: ``word`` if given, else ``___``.
        """
        item = self.item(number)
        middle = "___" if word is None else word
        text = self.text[: item.start] + middle + self.text[item.end :]
        return text, item.start, item.start + len(middle)

    def sentence(self, number: int) -> tuple[str, int, int]:
        """The sentence holding blank ``number`` and the answer's span inside it."""
        item = self.item(number)
        lo, hi = sentence_bounds(self.text, item.start, item.end)
        return self.text[lo:hi], item.start - lo, item.end - lo


def blankable(word: WordSpan) -> bool:
    """Whether a word may become a blank: plain letters, 2+ long, not a name or number."""
    return (
        len(word.word) >= 2
        and _PLAIN_WORD_RE.fullmatch(word.word) is not None
        and not word.is_name
        and not word.is_number
    )
