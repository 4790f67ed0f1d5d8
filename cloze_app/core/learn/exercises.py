"""Cloze exercises from any text: which words to blank, at which difficulty, with or without choices.

Difficulty is what the model says about each word in its full context (one batched
``engine.check_words`` call): *easy* blanks are words the model predicts confidently, *hard*
blanks are content words with little support from the context, *medium* lies between. The
classic mode blanks every n-th word. Names, numbers and short or split words are never blanked,
and two blanks in a row never have the same answer.
"""

from __future__ import annotations

import bisect
import math
import re
import statistics
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from cloze_app.core.errors import EmptyTextError, InputError
from cloze_app.core.learn.checker import CheckEngine
from cloze_app.core.text import WordSpan, sentence_bounds, word_spans
from cloze_app.core.types import OptionScore, WordCheck

DIFFICULTIES = ("easy", "medium", "hard")
BLANK_MARK = "_____"
_EXISTING_BLANK_RE = re.compile(r"_{2,}")
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
    distractor must score in the full context.
    """

    difficulty: str = "medium"
    choices: int = 0
    every_n: int = 0
    words_per_blank: int = 8
    max_blanks: int = 0
    min_gap: int = 2
    distractor_margin: float = math.log(20.0)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.difficulty not in DIFFICULTIES:
            raise InputError(f"Unknown difficulty {self.difficulty!r}: choose easy, medium or hard.")
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


def _target_count(n_words: int, options: ExerciseOptions) -> int:
    count = max(1, n_words // max(1, options.words_per_blank))
    return min(count, options.max_blanks) if options.max_blanks > 0 else count


def difficulty_order(
    words: Sequence[WordSpan], checks: Mapping[int, WordCheck], difficulty: str
) -> list[int]:
    """Word indices (keys of ``checks``) ordered from the best blank for ``difficulty`` down.

    easy: words the model ranks near the top, most confident first; hard: content words, least
    supported first; medium: content words whose support is nearest the text's median.
    """
    indices = list(checks)
    if difficulty == "easy":
        return sorted(
            indices,
            key=lambda i: (not (checks[i].rank is not None and checks[i].rank <= 3), -checks[i].log_prob, i),  # type: ignore[operator]
        )
    if difficulty == "hard":
        return sorted(indices, key=lambda i: (not words[i].is_content_word, checks[i].log_prob, i))
    content = [checks[i].log_prob for i in indices if words[i].is_content_word]
    median = statistics.median(content) if content else 0.0
    return sorted(indices, key=lambda i: (not words[i].is_content_word, abs(checks[i].log_prob - median), i))


def pick_blanks(words: Sequence[WordSpan], preference: Sequence[int], count: int, min_gap: int) -> list[int]:
    """Take word indices in ``preference`` order, keeping blanks more than ``min_gap`` words
    apart and never giving two blanks in a row the same answer. Returns them sorted.

    After each blank is placed the most preferred words are tried again, so a word refused next
    to its twin ("the" after "the") gets its turn once another blank lies between them.
    """
    chosen: list[int] = []  # sorted

    def fits(idx: int) -> bool:
        at = bisect.bisect_left(chosen, idx)
        before = chosen[at - 1] if at > 0 else None
        after = chosen[at] if at < len(chosen) else None
        answer = words[idx].word.lower()
        for near in (before, after):
            if near is not None and (abs(idx - near) <= min_gap or words[near].word.lower() == answer):
                return False
        return True

    pending = list(dict.fromkeys(preference))
    while len(chosen) < count:
        placed = next((pos for pos, idx in enumerate(pending) if fits(idx)), None)
        if placed is None:
            break
        bisect.insort(chosen, pending.pop(placed))
    return chosen


def every_nth(words: Sequence[WordSpan], n: int) -> list[int]:
    """The classic cloze: every n-th word, moving on to the next blankable word when the n-th
    is a name, number or repeat of the previous answer."""
    chosen: list[int] = []
    idx = n - 1
    while idx < len(words):
        previous = words[chosen[-1]].word.lower() if chosen else None
        while idx < len(words) and (not blankable(words[idx]) or words[idx].word.lower() == previous):
            idx += 1
        if idx >= len(words):
            break
        chosen.append(idx)
        idx += n
    return chosen


def _checks_by_index(
    engine: ExerciseEngine, text: str, words: Sequence[WordSpan], indices: Sequence[int]
) -> dict[int, WordCheck]:
    """One batched ``check_words`` call for these words, keyed by word index (a word the model
    cannot place is left out)."""
    if not indices:
        return {}
    results = engine.check_words(text, spans=[(words[i].start, words[i].end) for i in indices], top_k=10)
    by_span = {(c.start, c.end): c for c in results}
    return {
        i: by_span[(words[i].start, words[i].end)]
        for i in indices
        if (words[i].start, words[i].end) in by_span
    }


def make_exercise(
    engine: ExerciseEngine, text: str, options: ExerciseOptions | None = None, title: str = ""
) -> Exercise:
    """Build an exercise from ``text``.

    Raises:
        EmptyTextError: the text is empty.
        InputError: the text already has blanks or has no word that can be blanked.
    """
    from cloze_app.core.learn.distractors import add_distractors  # distractors imports this module

    options = options or ExerciseOptions()
    if not text.strip():
        raise EmptyTextError()
    if _EXISTING_BLANK_RE.search(text):
        raise InputError("The text already has blanks (___); paste a complete text to make an exercise.")
    words = word_spans(text)
    eligible = [i for i, w in enumerate(words) if blankable(w)]
    if not eligible:
        raise InputError("The text has no word that can be blanked (names and numbers are never blanked).")

    if options.every_n:
        chosen = every_nth(words, options.every_n)
        if options.max_blanks > 0:
            chosen = chosen[: options.max_blanks]
        checks = _checks_by_index(engine, text, words, chosen)
        mode = "every-n"
    else:
        checks = _checks_by_index(engine, text, words, eligible)
        if not checks:
            raise InputError("The model could not read any word of this text.")
        order = difficulty_order(words, checks, options.difficulty)
        chosen = pick_blanks(words, order, _target_count(len(words), options), options.min_gap)
        mode = "model"

    def item_for(i: int) -> ExerciseItem:
        return ExerciseItem(
            number=0,
            start=words[i].start,
            end=words[i].end,
            answer=words[i].word,
            answer_log_prob=checks[i].log_prob if i in checks else 0.0,
            rank=checks[i].rank if i in checks else None,
        )

    exercise = Exercise(text=text, items=(), difficulty=options.difficulty, mode=mode, title=title)
    done: dict[int, ExerciseItem] = {}
    banned: set[int] = set()
    for attempt in range(3):
        new = [i for i in chosen if i not in done]
        if options.choices >= 2 and new:
            batch = replace(
                exercise, items=tuple(replace(item_for(i), number=n) for n, i in enumerate(new, 1))
            )
            with_choices = add_distractors(engine, batch, options).items
            done.update(dict(zip(new, with_choices, strict=True)))
        else:
            done.update({i: item_for(i) for i in new})
        short = (
            {i for i in chosen if len(done[i].choices) < options.choices} if options.choices >= 2 else set()
        )
        if not short or mode != "model" or attempt == 2:
            break
        # A blank the model cannot find clearly wrong choices for gives way to the next best word.
        banned |= short
        chosen = pick_blanks(
            words, [i for i in order if i not in banned], _target_count(len(words), options), options.min_gap
        )
    items = tuple(replace(done[i], number=n) for n, i in enumerate(chosen, start=1))
    exercise = replace(exercise, items=items)
    return exercise
