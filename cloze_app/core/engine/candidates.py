"""Score given candidate words at given places of a text: only the rows those candidates need.

A proofreader compares the written word with the few words the writer may have meant, so it
needs the PLL-word-l2r (``decoding``) of a short list of words per place, not the vocabulary's
best. Each place is scored inside its own sentence (rows of a sentence's length, not a long
window): a word of n pieces needs n rows, and rows are shared between candidates: every
one-piece word of a place comes from one row (the place masked), every two-piece word's first
piece from one more, and so on. All the rows of a question run together, batched by length
(``ModelRunner.log_probs``); a row's scores do not depend on its batch mates (``rowquant``), so a
sentence's scores never depend on the rest of the text.

Two kinds of question:

* :class:`SlotQuery`: each word of a list put at ``text[start:end]`` (``start == end``: inserted
  there, before the next word), the rest of the text as written;
* :class:`AfterEdit`: the written word at ``text[start:end]`` after another place is edited
  (a word inserted or deleted next to it): how much the edit helps its neighbour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tokenizers import Tokenizer

from cloze_app.core.engine.decoding import Decoder
from cloze_app.core.engine.document import Document, Slot, encode_with_words
from cloze_app.core.engine.session import Row
from cloze_app.core.engine.vocab import TokenInfo
from cloze_app.core.text import sentence_bounds

WINDOW = 64  # tokens per row at most: a long sentence is cut around the place scored
MAX_PIECES = 5  # a candidate of more pieces is not scored (-inf)


class CandidateEngine(Protocol):
    """What scoring needs from ``ClozeEngine``: its tokenizer and decoder (whose runner runs rows)."""

    tokenizer: Tokenizer
    token_info: TokenInfo
    decoder: Decoder


@dataclass(frozen=True)
class SlotQuery:
    """Words to score at ``text[start:end]``; ``start == end`` inserts them at a word's start.

    ``written``: also score the word written there (a caller that has its score already, from an
    earlier question, saves its rows; ``SlotScores.written`` is then NaN).
    """

    start: int
    end: int
    words: tuple[str, ...]
    written: bool = True


@dataclass(frozen=True)
class SlotScores:
    """Each word's PLL-word-l2r at the place (-inf: not scored) and its number of pieces.

    ``written`` is the written word's own score (0.0 for an insertion place: nothing is there).
    """

    start: int
    end: int
    written: float
    written_pieces: int
    words: tuple[str, ...]
    log_probs: tuple[float, ...]
    pieces: tuple[int, ...]


@dataclass(frozen=True)
class AfterEdit:
    """The written word at ``text[start:end]`` scored after ``text[edit_start:edit_end]`` becomes
    ``replacement`` ("" deletes a word; ``edit_start == edit_end`` inserts one)."""

    edit_start: int
    edit_end: int
    replacement: str
    start: int
    end: int


@dataclass
class _Sentence:
    """One sentence as a document: a slot for every word and insertion place asked about."""

    offset: int
    doc: Document
    slot_at: dict[tuple[int, int], int]  # absolute (start, end) -> slot index


def _sentence(
    engine: CandidateEngine, text: str, lo: int, hi: int, places: set[tuple[int, int]]
) -> _Sentence:
    words = sorted(p for p in places if p[0] < p[1])
    gaps = sorted({p[0] for p in places if p[0] == p[1]})
    body = text[lo:hi]
    doc, slot_of = encode_with_words(
        engine.tokenizer, engine.token_info, body, [(s - lo, e - lo) for s, e in words]
    )
    slots = list(doc.slots)
    owner = {(words[i][0], words[i][1]): slot_of[i] for i in range(len(words)) if slot_of[i] >= 0}
    # An insertion place sits before the word starting there: an empty slot at the same token.
    by_start = {slots[k].start + lo: k for k in owner.values()}
    all_slots: list[tuple[Slot, tuple[int, int]]] = [(s, (-1, -1)) for s in slots]
    for key, k in owner.items():
        all_slots[k] = (slots[k], key)
    for gap in gaps:
        before = by_start.get(gap)
        if before is None:
            continue
        all_slots.append((Slot(gap - lo, gap - lo, slots[before].at, True, ()), (gap, gap)))
    # Slots in text order (several slots can sit at one token); an insertion place comes before
    # the word that starts there.
    all_slots.sort(key=lambda pair: (pair[0].at, pair[0].start, pair[0].end > pair[0].start))
    slot_at = {key: i for i, (_, key) in enumerate(all_slots) if key != (-1, -1)}
    return _Sentence(lo, Document(doc.tokens, tuple(s for s, _ in all_slots)), slot_at)


def score_candidates(
    engine: CandidateEngine,
    text: str,
    queries: Sequence[SlotQuery],
    after: Sequence[AfterEdit] = (),
    *,
    window: int = WINDOW,
) -> tuple[list[SlotScores], list[float]]:
    """The scores of ``queries`` and ``after`` (same order), from one batched run.

    A place that does not line up with the tokenizer's own word boundaries (inside a longer
    token) scores -inf throughout.
    """
    info, decoder = engine.token_info, engine.decoder
    window = min(window, decoder.window)
    # Group every place by its sentence.
    places: dict[tuple[int, int], set[tuple[int, int]]] = {}

    bounds: dict[tuple[int, int], tuple[int, int]] = {}  # each place is asked for several times

    def sentence_of(start: int, end: int) -> tuple[int, int]:
        found = bounds.get((start, end))
        if found is None:
            lo, hi = sentence_bounds(text, start, max(end, start))
            found = bounds[(start, end)] = (lo, max(hi, end))
        return found

    for q in queries:
        places.setdefault(sentence_of(q.start, q.end), set()).add((q.start, q.end))
    for a in after:
        key = sentence_of(min(a.start, a.edit_start), max(a.end, a.edit_end))
        places.setdefault(key, set()).update({(a.start, a.end), (a.edit_start, a.edit_end)})
    sentences = {key: _sentence(engine, text, key[0], key[1], found) for key, found in places.items()}

    rows: list[Row] = []
    row_index: dict[tuple[object, ...], int] = {}

    def need(
        sentence: _Sentence,
        edits: tuple[tuple[int, tuple[int, ...]], ...],
        target: int,
        pieces: tuple[int, ...],
    ) -> list[tuple[int, int]]:
        """Rows (and the token to read in each) that give ``pieces``' PLL-word-l2r in ``target``."""
        wanted = []
        for p in range(len(pieces)):
            key = (id(sentence), edits, target, len(pieces), pieces[:p])
            if key not in row_index:
                contents = [list(s.original) for s in sentence.doc.slots]
                for slot, content in edits:
                    contents[slot] = list(content)
                contents[target] = [*pieces[:p], *[info.mask_id] * (len(pieces) - p)]
                row_index[key] = len(rows)
                rows.append(sentence.doc.row(info, contents, target, [p], window))
            wanted.append((row_index[key], pieces[p]))
        return wanted

    # Per query: each word's rows (empty: not scored), its piece count, the written word's rows.
    plans_q: list[tuple[list[list[tuple[int, int]]], list[int], list[tuple[int, int]] | None]] = []
    for q in queries:
        sentence = sentences[sentence_of(q.start, q.end)]
        target = sentence.slot_at.get((q.start, q.end))
        if target is None:
            plans_q.append(([], [], None))
            continue
        slot = sentence.doc.slots[target]
        per_word, counts = [], []
        for word in q.words:
            word_pieces = decoder.pieces(word, slot.spaced)
            counts.append(len(word_pieces))
            fits = 0 < len(word_pieces) <= MAX_PIECES
            per_word.append(need(sentence, (), target, word_pieces) if fits else [])
        written = need(sentence, (), target, slot.original) if slot.original and q.written else []
        plans_q.append((per_word, counts, written))

    plans_a: list[list[tuple[int, int]]] = []
    for a in after:
        sentence = sentences[sentence_of(min(a.start, a.edit_start), max(a.end, a.edit_end))]
        target = sentence.slot_at.get((a.start, a.end))
        edit_slot = sentence.slot_at.get((a.edit_start, a.edit_end))
        if target is None or edit_slot is None:
            plans_a.append([])
            continue
        spaced = sentence.doc.slots[edit_slot].spaced
        content = decoder.pieces(a.replacement, spaced) if a.replacement else ()
        plans_a.append(need(sentence, ((edit_slot, content),), target, sentence.doc.slots[target].original))

    # All sentences' rows together, in runs of similar lengths: the int8 graph quantizes each
    # token's activations apart (``rowquant``), so a row's scores do not depend on its batch mates
    # and a sentence scores the same alone, in another text or after an edit elsewhere.
    # Rows read before (an earlier check of the same sentence) are not run again.
    wanted: list[set[int]] = [set() for _ in rows]
    for per_word, _, written_plan in plans_q:
        for plan in [*per_word, written_plan or []]:
            for r, token in plan:
                wanted[r].add(token)
    for plan in plans_a:
        for r, token in plan:
            wanted[r].add(token)
    known = [decoder.reads.get(row, wanted[r]) for r, row in enumerate(rows)]
    missing = [r for r, found in enumerate(known) if found is None]
    values = [found or {} for found in known]
    for r, lp in zip(missing, decoder.runner.log_probs([rows[r] for r in missing]), strict=True):
        values[r] = {token: float(lp[0][token]) for token in wanted[r]}
        decoder.reads.put(rows[r], values[r])

    def total(plan: list[tuple[int, int]]) -> float:
        if not plan:
            return -math.inf
        return float(sum(values[r][token] for r, token in plan))

    scores = []
    for q, (per_word, counts, written_plan) in zip(queries, plans_q, strict=True):
        if written_plan is None:
            nothing = tuple(-math.inf for _ in q.words)
            scores.append(
                SlotScores(q.start, q.end, -math.inf, 0, q.words, nothing, tuple(0 for _ in q.words))
            )
            continue
        if not q.written and q.start < q.end:
            written_score, written_pieces = math.nan, 0  # not asked: the caller has it
        else:
            written_score = total(written_plan) if written_plan else 0.0
            written_pieces = len(written_plan)
        scores.append(
            SlotScores(
                q.start,
                q.end,
                written_score,
                written_pieces,
                q.words,
                tuple(total(p) for p in per_word),
                tuple(counts),
            )
        )
    return scores, [total(p) for p in plans_a]
