"""Score a text's words against their confusion sets: the numbers the checker judges.

For every word the checker looks at, the model scores (``core.engine.candidates``, PLL over all
pieces, in the word's sentence) the written word and each word of its confusion set
(``confusion.alternatives``). Two more questions cover missing and extra words:

* before a content word, each insertable word (an article, preposition or auxiliary) in the gap,
  and for the likeliest ones, how much the inserted word helps the next word;
* for a written article, preposition or auxiliary the model finds unlikely where it stands, how
  much deleting it helps the next word.

Nothing here decides what is an error: that is ``checker.judge``, with thresholds, so a
sensitivity change re-judges the same scores without running the model again, and the tuning
script caches them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cloze_app.core.engine.candidates import (
    AfterEdit,
    CandidateEngine,
    SlotQuery,
    SlotScores,
    score_candidates,
)
from cloze_app.core.engine.decoding import tokens_for
from cloze_app.core.learn import confusion, lexicon, spelling
from cloze_app.core.text import WordSpan

# Only insertions at least this likely in the gap, and deletions of words at most this likely
# where they stand, get the second question (a row each). Measured on the error set's cache
# with -4 and -0.5: these halve those rows and lose one flag of each kind at Eager.
INSERT_FLOOR = -2.5
DELETE_CEILING = -1.5
INSERTS_PER_GAP = 2
# Tokens per row at most (special tokens included): a word is scored in its sentence, cut to
# about 11 tokens either side (agreement and word choice are mostly decided near the word).
# Re-tuned on the error set at each size (scripts/tune_checker.py --window): 32 and 24 are alike
# within noise (Balanced, test half: F0.5 0.74 / 0.75, false alarms per 100 clean words 0.81 /
# 0.74, BLiMP bad word flagged 25% / 22%) and 24 costs a quarter less; 16 let false alarms rise
# to 1.26. The engine's own window is 64.
CHECK_WINDOW = 24
_NO_GAP_AFTER = frozenset(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "my",
        "your",
        "his",
        "her",
        "its",
        "our",
        "their",
        "whose",
        "some",
        "any",
        "each",
        "every",
        "no",
    ]
)


@dataclass(frozen=True)
class AltScore:
    """One candidate for a word: its kind, spelling cost, PLL and pieces."""

    word: str
    kind: str
    cost: float
    log_prob: float
    pieces: int


@dataclass(frozen=True)
class Insertion:
    """A word inserted before the scored word: its PLL in the gap and the next word's PLL then."""

    word: str
    log_prob: float
    next_log_prob: float


@dataclass(frozen=True)
class WordScores:
    """Everything the checker judges about one word (and the gap before it)."""

    start: int
    end: int
    word: str
    log_prob: float  # the written word's PLL where it stands
    pieces: int
    known: bool  # spelt as an English word
    zipf: float  # how common (wordfreq), for words not in the dictionary
    alternatives: tuple[AltScore, ...]
    insertions: tuple[Insertion, ...] = ()  # words inserted before this one
    deleted_next: float | None = None  # the next word's PLL with this word deleted
    next_log_prob: float | None = None  # the next word's PLL as written (None: no next word)
    next_end: int = 0  # where the next word ends (a deletion flag spans both)


def gap_before(words: Sequence[WordSpan], i: int) -> bool:
    """Whether a word may be missing before ``words[i]``: an article or preposition before a
    noun, adjective or determiner inside a sentence ("in house", "listen the music"), not after
    an article or possessive."""
    if i == 0 or words[i].sentence_start or words[i - 1].word.lower() in _NO_GAP_AFTER:
        return False
    key = words[i].word.lower()
    if key in confusion.DELETABLE and key not in confusion.ARTICLES:
        return False
    return bool(lexicon.word_classes(key) & {lexicon.NOUN, lexicon.ADJ, "DET"})


def usable(alternative: confusion.Alternative, known: bool, pieces: int) -> bool:
    """Whether a candidate is worth its rows: a known word's spelling neighbours of several
    tokenizer pieces (rare words; real-word slips are between common words) are not."""
    return not (known and alternative.kind == confusion.SPELLING and pieces > 1)


@dataclass(frozen=True)
class Pruning:
    """The smallest margins any judgment of the scores will use (``checker.CheckerThresholds``):
    a candidate that cannot beat the written text by them is not scored.

    Log-probabilities are at most 0, so a candidate replacing a word gains at most what the
    written word lacks (``-log_prob``), an inserted word at most that less its own, a deletion at
    most what the word and the next one lack. ``margins`` maps each candidate kind
    (``confusion.KINDS``) to its smallest margin; ``per_piece`` is the smallest and largest
    per-piece correction. A flag under margins at least these is the same as without pruning.
    """

    margins: Mapping[str, float]
    per_piece: tuple[float, float] = (0.0, 0.0)

    def could_clear(self, kind: str, gain_bound: float, extra_pieces: int = 0) -> bool:
        """Whether a candidate of ``kind`` gaining at most ``gain_bound`` could clear its margin
        (``extra_pieces``: the written word's pieces beyond the candidate's)."""
        low, high = self.per_piece
        needed = self.margins.get(kind, -math.inf) + (low if extra_pieces > 0 else high) * extra_pieces
        return gain_bound >= needed


def _written(scores: SlotScores) -> float:
    return scores.written if math.isfinite(scores.written) else 0.0


def score_words(
    engine: CandidateEngine,
    text: str,
    words: Sequence[WordSpan],
    *,
    insertions: bool = True,
    pruning: Pruning | None = None,
    window: int = CHECK_WINDOW,
) -> list[WordScores]:
    """Score ``words`` of ``text`` in three batched runs: each word with its one-piece
    candidates (one row per word; with ``pruning``, not a word whose score cannot matter); then
    the candidates of several pieces, the gaps and the deletions that could still clear a margin
    of ``pruning`` (all of them without it); then the next word after the likeliest insertions.
    Each row is at most ``window`` tokens around its place."""
    known = [spelling.is_known(w.word) for w in words]
    alts: list[list[tuple[confusion.Alternative, int]]] = []
    for w, is_known in zip(words, known, strict=True):
        spaced = w.start > 0 and text[w.start - 1].isspace()
        found = []
        for a in confusion.alternatives(w.word):
            pieces = len(tokens_for(engine.tokenizer, engine.token_info, a.word, spaced))
            if usable(a, is_known, pieces):
                found.append((a, pieces))
        alts.append(found)

    def later(i: int, a: confusion.Alternative, pieces: int) -> bool:
        """Whether a candidate waits for the second run: several pieces, for a known word."""
        return pruning is not None and known[i] and pieces > 1

    def next_in_sentence(i: int) -> int | None:
        if i + 1 < len(words) and not words[i + 1].sentence_start:
            between = text[words[i].end : words[i + 1].start]
            if between.strip() == "":
                return i + 1
        return None

    def needed(i: int) -> bool:
        """Whether word i's own score can matter: it has candidates, a gap before it, or it is
        the next word of a word that may be deleted."""
        if pruning is None or alts[i] or (insertions and gap_before(words, i)):
            return True
        return i > 0 and next_in_sentence(i - 1) == i and words[i - 1].word.lower() in confusion.DELETABLE

    # First run: every word with its one-piece candidates (they share the word's masked row).
    first_q = {
        i: SlotQuery(w.start, w.end, tuple(a.word for a, n in alts[i] if not later(i, a, n)))
        for i, w in enumerate(words)
        if needed(i)
    }
    scored, _ = score_candidates(engine, text, list(first_q.values()), window=window)
    by_word = dict(zip(first_q, scored, strict=True))
    first = [by_word.get(i) or SlotScores(w.start, w.end, 0.0, 0, (), (), ()) for i, w in enumerate(words)]
    written = [_written(s) for s in first]
    lp: list[dict[str, tuple[float, int]]] = [
        {word: (v, n) for word, v, n in zip(s.words, s.log_probs, s.pieces, strict=True)} for s in first
    ]

    def worth_more(i: int) -> bool:
        """Whether word i's candidates of several pieces are scored: one of its candidates could
        clear its margin (then the others may follow it as weaker suggestions)."""
        if pruning is None or not known[i]:
            return True
        pieces = first[i].written_pieces
        for a, n in alts[i]:
            bound = lp[i][a.word][0] - written[i] if a.word in lp[i] else -written[i]
            if pruning.could_clear(a.kind, bound, pieces - n):
                return True
        return False

    # Second run: candidates of several pieces, gaps and deletions that could clear a margin.
    gap_at = [
        insertions
        and gap_before(words, i)
        and (pruning is None or pruning.could_clear(confusion.MISSING, -written[i]))
        for i in range(len(words))
    ]
    gaps = [
        SlotQuery(w.start, w.start, confusion.INSERTABLE) for w, g in zip(words, gap_at, strict=True) if g
    ]
    second_q = []
    for i, w in enumerate(words):
        rest = tuple(a.word for a, n in alts[i] if later(i, a, n))
        if rest and not worth_more(i):
            rest = ()
        if rest or gap_at[i]:  # a gap is scored only next to its word's own slot
            second_q.append((i, SlotQuery(w.start, w.end, rest, written=False)))
    deleted: dict[int, int] = {}
    deletions: list[AfterEdit] = []
    for i, w in enumerate(words):
        n = next_in_sentence(i)
        if n is None or w.word.lower() not in confusion.DELETABLE or written[i] > DELETE_CEILING:
            continue
        if pruning is None or pruning.could_clear(confusion.EXTRA, -written[n] - written[i]):
            deleted[i] = len(deletions)
            deletions.append(AfterEdit(w.start, w.end, "", words[n].start, words[n].end))
    second_scores: list[SlotScores] = []
    deletion_scores: list[float] = []
    if second_q or gaps or deletions:
        second_scores, deletion_scores = score_candidates(
            engine, text, [q for _, q in second_q] + gaps, deletions, window=window
        )
    for (i, _), s in zip(second_q, second_scores, strict=False):
        lp[i].update({word: (v, n) for word, v, n in zip(s.words, s.log_probs, s.pieces, strict=True)})
    gap_scores = iter(second_scores[len(second_q) :])

    # Third run: the next word after the likeliest insertions.
    after: list[AfterEdit] = []
    inserted: dict[int, list[tuple[str, float, int]]] = {}
    for i, w in enumerate(words):
        if not gap_at[i]:
            continue
        g = next(gap_scores)
        best = sorted(zip(g.words, g.log_probs, strict=True), key=lambda p: -p[1])[:INSERTS_PER_GAP]
        for word, v in best:
            if v >= INSERT_FLOOR and (
                pruning is None or pruning.could_clear(confusion.MISSING, v - written[i])
            ):
                inserted.setdefault(i, []).append((word, v, len(after)))
                after.append(AfterEdit(w.start, w.start, word, w.start, w.end))
    _, after_scores = score_candidates(engine, text, [], after, window=window) if after else ([], [])

    result = []
    for i, (w, alt, s) in enumerate(zip(words, alts, first, strict=True)):
        n = next_in_sentence(i)
        result.append(
            WordScores(
                start=w.start,
                end=w.end,
                word=w.word,
                log_prob=s.written,
                pieces=s.written_pieces,
                known=known[i],
                zipf=0.0 if known[i] else lexicon.zipf(w.word),
                alternatives=tuple(
                    AltScore(a.word, a.kind, a.cost, *lp[i][a.word]) for a, _ in alt if a.word in lp[i]
                ),
                insertions=tuple(Insertion(word, v, after_scores[k]) for word, v, k in inserted.get(i, [])),
                deleted_next=deletion_scores[deleted[i]] if i in deleted else None,
                next_log_prob=first[n].written if n is not None else None,
                next_end=words[n].end if n is not None else 0,
            )
        )
    return result


def score_text_words(
    engine: CandidateEngine,
    text: str,
    words: Sequence[WordSpan],
    *,
    chunk_words: int,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    pruning: Pruning | None = None,
    window: int = CHECK_WINDOW,
) -> tuple[list[WordScores], int, bool]:
    """``score_words`` in chunks of whole sentences (about ``chunk_words`` words each), with
    progress after each and ``should_stop()`` before each. Returns the scores, the number of
    chunks scored and whether it stopped early."""
    scores: list[WordScores] = []
    lo = chunks = 0
    while lo < len(words):
        if should_stop is not None and should_stop():
            return scores, chunks, True
        hi = min(len(words), lo + max(1, chunk_words))
        while hi < len(words) and not words[hi].sentence_start:
            hi += 1  # a sentence is scored in one chunk (a word's next word is in it)
        scores.extend(score_words(engine, text, words[lo:hi], pruning=pruning, window=window))
        chunks += 1
        lo = hi
        if progress is not None:
            progress(lo, len(words))
    return scores, chunks, False
