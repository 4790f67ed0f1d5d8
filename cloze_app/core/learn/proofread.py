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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cloze_app.core.engine.candidates import AfterEdit, CandidateEngine, SlotQuery, score_candidates
from cloze_app.core.engine.decoding import tokens_for
from cloze_app.core.learn import confusion, lexicon, spelling
from cloze_app.core.text import WordSpan

# Only insertions at least this likely in the gap, and deletions of words at most this likely
# where they stand, get the second question (a row each). Measured on the error set's cache
# with -4 and -0.5: these halve those rows and lose one flag of each kind at Eager.
INSERT_FLOOR = -2.5
DELETE_CEILING = -1.5
INSERTS_PER_GAP = 2
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


def score_words(
    engine: CandidateEngine,
    text: str,
    words: Sequence[WordSpan],
    *,
    insertions: bool = True,
) -> list[WordScores]:
    """Score ``words`` of ``text`` (two batched runs: candidates and gaps, then the neighbours)."""
    alts = []
    for w in words:
        known = spelling.is_known(w.word)
        spaced = w.start > 0 and text[w.start - 1].isspace()
        alts.append(
            [
                a
                for a in confusion.alternatives(w.word)
                if usable(a, known, len(tokens_for(engine.tokenizer, engine.token_info, a.word, spaced)))
            ]
        )
    queries = [
        SlotQuery(w.start, w.end, tuple(a.word for a in alt)) for w, alt in zip(words, alts, strict=True)
    ]
    gap_at = [insertions and gap_before(words, i) for i in range(len(words))]
    gaps = [
        SlotQuery(w.start, w.start, confusion.INSERTABLE) for w, g in zip(words, gap_at, strict=True) if g
    ]
    first, _ = score_candidates(engine, text, [*queries, *gaps])
    slot_scores, gap_scores = first[: len(words)], iter(first[len(words) :])

    def next_in_sentence(i: int) -> int | None:
        if i + 1 < len(words) and not words[i + 1].sentence_start:
            between = text[words[i].end : words[i + 1].start]
            if between.strip() == "":
                return i + 1
        return None

    # Second run: the next word after an insertion or a deletion.
    after: list[AfterEdit] = []
    inserted: dict[int, list[tuple[str, float, int]]] = {}
    deleted: dict[int, int] = {}
    for i, w in enumerate(words):
        if gap_at[i]:
            g = next(gap_scores)
            best = sorted(zip(g.words, g.log_probs, strict=True), key=lambda p: -p[1])[:INSERTS_PER_GAP]
            for word, lp in best:
                if lp >= INSERT_FLOOR:
                    inserted.setdefault(i, []).append((word, lp, len(after)))
                    after.append(AfterEdit(w.start, w.start, word, w.start, w.end))
        n = next_in_sentence(i)
        if (
            n is not None
            and w.word.lower() in confusion.DELETABLE
            and slot_scores[i].written <= DELETE_CEILING
        ):
            deleted[i] = len(after)
            after.append(AfterEdit(w.start, w.end, "", words[n].start, words[n].end))
    _, after_scores = score_candidates(engine, text, [], after) if after else ([], [])

    result = []
    for i, (w, alt, s) in enumerate(zip(words, alts, slot_scores, strict=True)):
        n = next_in_sentence(i)
        result.append(
            WordScores(
                start=w.start,
                end=w.end,
                word=w.word,
                log_prob=s.written,
                pieces=s.written_pieces,
                known=spelling.is_known(w.word),
                zipf=0.0 if spelling.is_known(w.word) else lexicon.zipf(w.word),
                alternatives=tuple(
                    AltScore(a.word, a.kind, a.cost, lp, pieces)
                    for a, lp, pieces in zip(alt, s.log_probs, s.pieces, strict=True)
                ),
                insertions=tuple(Insertion(word, lp, after_scores[k]) for word, lp, k in inserted.get(i, [])),
                deleted_next=after_scores[deleted[i]] if i in deleted else None,
                next_log_prob=slot_scores[n].written if n is not None else None,
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
        scores.extend(score_words(engine, text, words[lo:hi]))
        chunks += 1
        lo = hi
        if progress is not None:
            progress(lo, len(words))
    return scores, chunks, False
