"""What an exercise is: its options, its items (blanks) and the text around them.

Plain frozen data shared by exercise building (``exercises``), distractors, answer checking and
export; no module here calls the model except through the ``ExerciseEngine`` protocol.
:func:`score_in_place` is the one batched question distractors and the judge ask beyond the
engine's own calls: given words at given places of a text, scored where they stand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from tokenizers import Tokenizer

from cloze_app.core.engine.decoding import Decoder
from cloze_app.core.engine.document import encode_with_words
from cloze_app.core.engine.session import Row
from cloze_app.core.engine.vocab import TokenInfo
from cloze_app.core.engine.word_vectors import WordVectors
from cloze_app.core.errors import InputError
from cloze_app.core.learn.checker import CheckEngine
from cloze_app.core.text import WordSpan, sentence_bounds
from cloze_app.core.types import OptionScore

# Levels: easy, medium and hard blank content words; grammar blanks function words and verb forms.
DIFFICULTIES = ("easy", "medium", "hard", "grammar")
BLANK_MARK = "_____"
_PLAIN_WORD_RE = re.compile(r"[^\W\d_]+")


class ExerciseEngine(CheckEngine, Protocol):
    """What exercises and answer checking use of ``ClozeEngine``: ``check_words``,
    ``score_options``, ``word_vectors``, and its tokenizer and decoder for
    :func:`score_in_place`."""

    tokenizer: Tokenizer
    token_info: TokenInfo
    decoder: Decoder

    def score_options(self, text: str, options: Sequence[str], blank: int = 0) -> list[OptionScore]: ...

    def word_vectors(self) -> WordVectors | None: ...


MAX_PIECES = 6  # a word of more pieces is not scored in place (left out of the result)
PROPOSALS = 50  # the best first pieces kept of each place's proposal (PlaceScores.proposals)


@dataclass(frozen=True)
class PlaceQuery:
    """Words to score at ``text[start:end]`` (a word of the text), the rest as written.

    ``aware``: read each word's first piece with the written word still in place (the model's
    proposal *given* that word: what means the same here), instead of masked (what fits).
    ``paired`` (overrides ``aware``): read it at a mask in a second copy of the text that follows
    the text with the written word in place, in one row (LSBert's sentence pair, Qiang et al.
    2020): the model sees the word and a free slot for it, so it proposes what could stand
    there instead of mostly the word itself. A paired score is the first piece's alone: what
    the model proposes there, not the whole word's likelihood (on SWORDS dev, the first piece
    told substitutes apart better than adding the later pieces' masked scores).
    """

    start: int
    end: int
    words: tuple[str, ...]
    aware: bool = False
    paired: bool = False


@dataclass(frozen=True)
class PlaceScores:
    """Each word's PLL-word-l2r at the place (words the tokenizer cannot place are missing).

    ``written``: the written word's own score, masked (as ``check_words`` computes it);
    ``best_other``: the best first piece at the place other than the written word's (the slot's
    best proposal: masked, with the written word visible for an ``aware`` query, or at the free
    slot of a ``paired`` one); ``proposals``: for an ``aware`` query, the model's best first pieces
    there other than the written word's, ``(token, probability)`` best first (``PROPOSALS`` of
    them; probabilities among all allowed first pieces).
    """

    written: float
    log_probs: Mapping[str, float]
    best_other: float
    proposals: tuple[tuple[int, float], ...] = ()


def score_in_place(
    engine: ExerciseEngine, text: str, queries: Sequence[PlaceQuery], window: int | None = None
) -> list[PlaceScores | None]:
    """The scores of ``queries`` (same order; None where a place is not a word of its own for the
    tokenizer), all from one batched run of the model (two where some rows are short).

    A word of pieces p1..pn scores log P(p1 | its place masked with n masks, the written word
    visible when ``aware``) plus, for each later piece, log P(p_i | p_<i in place, the rest
    masked): PLL-word-l2r, as ``score_options``, so words of any length compare (``paired``:
    log P(p1 | the pair's free slot) alone). Rows shared by several words (every one-piece word
    of a place reads one row) run once; ``window``: tokens per row (default: the model's, as
    ``score_options``; a ``paired`` row holds two halves of it).
    """
    info, decoder = engine.token_info, engine.decoder
    window = min(window or decoder.window, decoder.window)
    spans = sorted({(q.start, q.end) for q in queries})
    doc, slot_of = encode_with_words(engine.tokenizer, info, text, spans)
    slot_at = {span: slot_of[k] for k, span in enumerate(spans) if slot_of[k] >= 0}
    originals = [list(s.original) for s in doc.slots]
    rows: list[Row] = []
    row_index: dict[tuple[object, ...], int] = {}

    def row(target: int, content: tuple[int, ...], read: int, width: int) -> int:
        key = (target, content, read, width)
        if key not in row_index:
            contents = list(originals)
            contents[target] = list(content)
            row_index[key] = len(rows)
            rows.append(doc.row(info, contents, target, [read], width))
        return row_index[key]

    mask = info.mask_id

    def paired(target: int) -> int:
        """The row of the text with the written word in place, then the text with it masked
        (each in half the window; the second copy's prefix tokens dropped), reading the mask."""
        key = ("paired", target)
        if key not in row_index:
            seen = doc.row(info, originals, target, [0], window // 2)
            contents = list(originals)
            contents[target] = [mask]
            free = doc.row(info, contents, target, [0], window // 2)
            cut = len(info.prefix)
            row_index[key] = len(rows)
            rows.append(Row(seen.ids + free.ids[cut:], (len(seen.ids) + free.positions[0] - cut,)))
        return row_index[key]

    def masked(target: int, pieces: tuple[int, ...], p: int) -> tuple[int, int]:
        """The row (and the token to read) for piece ``p`` of ``pieces``, later pieces masked;
        a word's later pieces are read from the engine's short continuation window."""
        width = window if p == 0 else min(window, decoder.next_window)
        return row(target, (*pieces[:p], *[mask] * (len(pieces) - p)), p, width), pieces[p]

    plans: list[tuple[int, list[tuple[str, list[tuple[int, int]]]], list[tuple[int, int]], int] | None] = []
    for q in queries:
        target = slot_at.get((q.start, q.end))
        if target is None:
            plans.append(None)
            continue
        slot = doc.slots[target]
        written = tuple(slot.original)
        per_word = []
        for word in q.words:
            pieces = engine.decoder.pieces(word, slot.spaced)
            if not 0 < len(pieces) <= MAX_PIECES:
                continue
            if q.paired:
                per_word.append((word, [(paired(target), pieces[0])]))
                continue
            first = (row(target, written, 0, window), pieces[0]) if q.aware else masked(target, pieces, 0)
            per_word.append((word, [first, *(masked(target, pieces, p) for p in range(1, len(pieces)))]))
        own = [masked(target, written, p) for p in range(len(written))]
        if q.paired:
            best_row = paired(target)
        else:
            best_row = row(target, written, 0, window) if q.aware else row(target, (mask,), 0, window)
        plans.append((target, per_word, own, best_row))
    # Short rows (a word's later pieces) run apart from the long ones, not padded to their length.
    short = [i for i, r in enumerate(rows) if len(r.ids) <= window // 2]
    long = [i for i, r in enumerate(rows) if len(r.ids) > window // 2]
    results = decoder.runner.log_probs_grouped(rows, (short, long))

    def total(need: Sequence[tuple[int, int]]) -> float:
        return float(sum(float(results[r][0][token]) for r, token in need))

    out: list[PlaceScores | None] = []
    for q, plan in zip(queries, plans, strict=True):
        if plan is None:
            out.append(None)
            continue
        target, per_word, own, best_row = plan
        slot = doc.slots[target]
        allowed = decoder.first_allowed(slot.spaced).copy()
        allowed[slot.original[0]] = False
        proposal = np.where(allowed, results[best_row][0], -np.inf)
        best = float(np.max(proposal))
        scores = {w: total(need) for w, need in per_word}
        out.append(PlaceScores(total(own), scores, best, _proposals(proposal, best) if q.aware else ()))
    return out


def _proposals(log_probs: np.ndarray, best: float) -> tuple[tuple[int, float], ...]:
    """The ``PROPOSALS`` likeliest tokens of a place and their probabilities, best first."""
    keep = min(PROPOSALS, log_probs.size - 1)
    top = np.argpartition(-log_probs, keep)[:keep]
    top = top[np.argsort(-log_probs[top])]
    shares = np.exp(log_probs[top] - best) / np.exp(log_probs - best).sum()
    return tuple((int(t), float(p)) for t, p in zip(top, shares, strict=True) if p > 0)


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
