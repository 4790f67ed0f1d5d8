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
from cloze_app.core.learn import confusion, lexicon, spelling
from cloze_app.core.text import WordSpan, word_spans

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
# A replacement changes how well its neighbours fit too ("She go": the model's "She" fits "goes"
# better than "go"): a candidate of CONTEXT_KINDS that the model prefers to the written word in
# its slot (by more than CONTEXT_FLOOR) also gets the PLL of up to CONTEXT_WORDS words either side
# in its sentence with it in place, less theirs as written (``AltScore.context``, both in one run).
# The checker adds it, at most CONTEXT_CAP, to the candidate's gain: a PLL over the words around
# the slot rather than the slot alone (Salazar et al. 2020 score whole sentences so). Agreement
# and a word's form are decided by the words next to it (this/these books, she go/goes); spelling
# neighbours and closed-class swaps are left to the slot, where a neighbour that is itself wrong
# would vouch for them ("began too cry": "too dry"), and so are confusables (who/that/what hang on
# a clause's gap, not on the next words: with them, BLiMP's good who/what were flagged for "that"),
# and so are a reflexive's other persons and an object pronoun's reflexive (``confusion.REFERENCE``: what it
# refers to decides, mostly a subject further back; with the neighbours, BLiMP's good "hurt
# itself" and "finding herself" were flagged for myself and yourself).
# docs/checker-tuning.md compares the default with and without. Four words either side, at most
# 6 nats (two and 4 before): re-tuned on the error set both ways from one fresh cache each
# (scripts/tune_checker.py --dev 300 --blimp 1000), Balanced's test half went from F0.5 0.73 to
# 0.76, false alarms per 100 clean words from 0.84 to 0.71 and BLiMP's good word flagged from
# 4.6% to 3%, its bad word 29% to 30% (a subject two or three words back decides a verb's number:
# "the people in my town is").
CONTEXT_WORDS = 4
CONTEXT_FLOOR = 0.0
CONTEXT_CAP = 6.0
CONTEXT_KINDS = frozenset(confusion.FORM_KINDS)
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
    """One candidate for a word: its kind, spelling cost, PLL and pieces; ``context``: what it
    adds to its neighbours' PLL (0.0: not asked, see ``CONTEXT_FLOOR``)."""

    word: str
    kind: str
    cost: float
    log_prob: float
    pieces: int
    context: float = 0.0


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
    if (
        key in confusion.DELETABLE or key in confusion.AUXILIARIES or key in ("that", "it")
    ) and key not in confusion.ARTICLES:
        return False  # not before a preposition, auxiliary, "that" or "it"
    return bool(lexicon.word_classes(key) & {lexicon.NOUN, lexicon.ADJ, "DET"})


def weighed_pieces(word: str, pieces: int) -> int:
    """The pieces of ``word`` that lower its PLL: not a contraction's apostrophe and ending
    ("it ' s", "don ' t": one), which the model predicts with near certainty around the rest."""
    if "'" in word or "\u2019" in word:
        return max(1, pieces - 2)
    return pieces


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


# How far back and ahead (characters) ``word_slots`` reads around a chunk's words: the rest of
# their sentences, for what says when (``confusion.PAST_TIME_RE``: "I go there yesterday")
_SLOT_LOOKBACK = 400
_SLOT_LOOKAHEAD = 400


def word_slots(text: str, words: Sequence[WordSpan]) -> list[str]:
    """For each of ``words``, what the words before it in its sentence (with only spaces between,
    every word, checked or not) want of it (``confusion.word_slot``: a verb's base form, its past
    participle, its simple past in a sentence that says it happened in the past, or ""). Only the
    text from a little before the first of ``words`` to a little after the last is read (a long
    text is scored a chunk at a time)."""
    if not words:
        return []
    lo = max(0, words[0].start - _SLOT_LOOKBACK)
    if lo > 0:  # from the first whole word
        lo = next((k + 1 for k in range(lo, words[0].start) if text[k].isspace()), words[0].start)
    hi = min(len(text), words[-1].end + _SLOT_LOOKAHEAD)
    part = text[lo:hi]
    spans = word_spans(part)
    # each word's sentence, and the sentences (and words) that say when in the past
    sentence: list[int] = []
    for k, w in enumerate(spans):
        sentence.append((sentence[-1] if sentence else 0) + (1 if w.sentence_start and k else 0))
    past_sentences: set[int] = set()
    marker_words: set[int] = set()
    for m in confusion.PAST_TIME_RE.finditer(part):
        inside = [k for k, w in enumerate(spans) if w.start < m.end() and m.start() < w.end]
        if inside:
            past_sentences.add(sentence[inside[0]])
            marker_words.update(spans[k].start + lo for k in inside)
    before: dict[int, tuple[list[str], bool]] = {}
    run: list[str] = []  # the words just before, joined by spaces only
    previous: WordSpan | None = None
    for k, w in enumerate(spans):
        if previous is None or w.sentence_start or part[previous.end : w.start].strip():
            run = []
        before[w.start + lo] = (run, sentence[k] in past_sentences)
        run = [*run[-2:], w.word]
        previous = w
    out = []
    for w in words:
        run_before, past_time = before.get(w.start, ([], False))
        out.append(
            confusion.word_slot(run_before, w.word, past_time=past_time and w.start not in marker_words)
        )
    return out


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
    for w, is_known, slot in zip(words, known, word_slots(text, words), strict=True):
        spaced = w.start > 0 and text[w.start - 1].isspace()
        found = []
        for a in confusion.alternatives(w.word, slot=slot):
            pieces = len(engine.decoder.pieces(a.word, spaced))
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
        return (
            i > 0 and next_in_sentence(i - 1) == i and confusion.deletable(words[i - 1].word, words[i].word)
        )

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
        pieces = weighed_pieces(words[i].word, first[i].written_pieces)
        for a, n in alts[i]:
            bound = lp[i][a.word][0] - written[i] if a.word in lp[i] else -written[i]
            if bound > CONTEXT_FLOOR and a.kind in CONTEXT_KINDS:
                bound += CONTEXT_CAP
            if pruning.could_clear(a.kind, bound, pieces - weighed_pieces(a.word, n)):
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
        if n is None or not confusion.deletable(w.word, words[n].word) or written[i] > DELETE_CEILING:
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

    # Third run: the next word after the likeliest insertions, and the neighbours of the
    # candidates the model prefers in their slots (``CONTEXT_FLOOR``).
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
    near = _Neighbours(text)
    places: dict[tuple[int, int], int] = {}  # a neighbour's written score: its query
    asked: list[tuple[int, str, int, int]] = []  # word, candidate, its AfterEdit, neighbour's query
    for i, w in enumerate(words):
        chosen = _context_candidates(words[i].word, first[i], alts[i], lp[i], known[i], pruning)
        for nb in near.around(w) if chosen else ():
            q = places.setdefault((nb.start, nb.end), len(places))
            for word in chosen:
                asked.append((i, word, len(after), q))
                after.append(AfterEdit(w.start, w.end, word, nb.start, nb.end))
    written_q = [SlotQuery(s, e, ()) for s, e in places]
    nb_scores, after_scores = (
        score_candidates(engine, text, written_q, after, window=window) if after else ([], [])
    )
    context: list[dict[str, float]] = [{} for _ in words]
    for i, word, k, q in asked:
        before, now = nb_scores[q].written, after_scores[k]
        if math.isfinite(before) and math.isfinite(now):
            context[i][word] = context[i].get(word, 0.0) + now - before

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
                    AltScore(a.word, a.kind, a.cost, *lp[i][a.word], context[i].get(a.word, 0.0))
                    for a, _ in alt
                    if a.word in lp[i]
                ),
                insertions=tuple(Insertion(word, v, after_scores[k]) for word, v, k in inserted.get(i, [])),
                deleted_next=deletion_scores[deleted[i]] if i in deleted else None,
                next_log_prob=first[n].written if n is not None else None,
                next_end=words[n].end if n is not None else 0,
            )
        )
    return result


class _Neighbours:
    """The words of a text written in letters (names too), to find a word's neighbours."""

    def __init__(self, text: str) -> None:
        self.spans = [w for w in word_spans(text) if w.is_lettered]
        self.at = {w.start: k for k, w in enumerate(self.spans)}

    def around(self, word: WordSpan) -> list[WordSpan]:
        """Up to ``CONTEXT_WORDS`` words either side of ``word`` in its sentence."""
        k = self.at.get(word.start)
        if k is None:
            return []
        lo = k
        while lo > max(0, k - CONTEXT_WORDS) and not self.spans[lo].sentence_start:
            lo -= 1
        hi = k + 1
        while hi < min(len(self.spans), k + 1 + CONTEXT_WORDS) and not self.spans[hi].sentence_start:
            hi += 1
        return self.spans[lo:k] + self.spans[k + 1 : hi]


def _context_candidates(
    word: str,
    first: SlotScores,
    alts: Sequence[tuple[confusion.Alternative, int]],
    lp: Mapping[str, tuple[float, int]],
    known: bool,
    pruning: Pruning | None,
) -> list[str]:
    """A word's candidates whose neighbours are scored: those more than ``CONTEXT_FLOOR`` more
    likely than the written word in its slot; with ``pruning``, none when no candidate could
    clear its margin even with the most context can add (then nothing of the word is flagged)."""
    if not known or not math.isfinite(first.written):
        return []  # a non-word's neighbours are read next to a garbled word: no context
    gains = {
        a.word: (
            lp[a.word][0] - first.written,
            a.kind,
            weighed_pieces(word, first.written_pieces) - weighed_pieces(a.word, lp[a.word][1]),
        )
        for a, _ in alts
        if a.word in lp and math.isfinite(lp[a.word][0]) and a.kind in CONTEXT_KINDS
    }
    chosen = {word: g for word, g in gains.items() if g[0] > CONTEXT_FLOOR}
    if pruning is None:
        return list(chosen)
    could = (pruning.could_clear(kind, gain + CONTEXT_CAP, extra) for gain, kind, extra in chosen.values())
    return list(chosen) if any(could) else []


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
