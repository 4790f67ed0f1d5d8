"""What the model says about many words of a text at once, cheaply enough to choose blanks.

``engine.check_words`` reads each word from a row of its own (96 tokens around it): a 300-word
text is ~140 rows, ~13,600 batch cells, twice over when the hard level also asks what the words
before each word give away. Choosing blanks needs less:

* :func:`scan`: several words are masked in one row of the model's window when they lie at
  least ``SPACING`` tokens apart and ``MARGIN`` tokens from the row's ends (the model was
  trained with ~15% of the tokens masked; a row here masks at most one token in seven). A word
  of several pieces is read twice, as PLL-word-l2r asks (its first piece with all its pieces
  masked; the single-mask distribution for its rank); its later pieces come from the engine's
  short continuation rows.
  A 300-word text: ~20 rows of 128 tokens instead of ~140 of 96 (2,700 cells).
* :func:`left_checks`: the same words judged from the ``LEFT_WINDOW`` tokens before them only
  (one short row each), with the model's proposals there (the distractors' first candidates).

Both return ``WordCheck`` as ``check_words`` does (``rank`` among one-piece words; ``alternatives``
only from :func:`left_checks`); the chosen blanks are then checked exactly by ``check_words``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cloze_app.core.engine.document import Slot, encode_with_words
from cloze_app.core.engine.session import Row
from cloze_app.core.learn.items import ExerciseEngine
from cloze_app.core.text import WordSpan
from cloze_app.core.types import Candidate, WordCheck

SPACING = 6  # tokens at least between two words masked in one row
MARGIN = 16  # tokens of text at least on each side of a masked word (where the text has them)
LEFT_WINDOW = 32  # tokens per row (specials included) when a word is judged from the words before it


@dataclass(frozen=True)
class _Read:
    """One prediction to read: slot ``slot`` holding ``content`` (mask tokens), read at its first."""

    slot: int
    content: tuple[int, ...]
    start: int  # where the slot starts in the flattened text (tokens)
    length: int  # its tokens as written


def _pack(reads: Sequence[_Read], span_limit: int) -> list[list[_Read]]:
    """Reads (in text order) into rows: first fit, each row's reads SPACING apart, its first
    read's start and last read's end at most ``span_limit`` tokens apart."""
    rows: list[list[_Read]] = []
    open_rows: list[int] = []
    for read in reads:
        end = read.start + read.length
        placed = False
        for r in open_rows:
            first, last = rows[r][0], rows[r][-1]
            if read.start - (last.start + last.length) >= SPACING and end - first.start <= span_limit:
                rows[r].append(read)
                placed = True
                break
        if not placed:
            rows.append([read])
            open_rows.append(len(rows) - 1)
        open_rows = [r for r in open_rows if rows[r][0].start + span_limit > read.start]
    return rows


def scan(
    engine: ExerciseEngine,
    text: str,
    words: Sequence[WordSpan],
    indices: Sequence[int],
    top_k: int = 0,
    keep: dict[int, np.ndarray] | None = None,
) -> dict[int, WordCheck]:
    """Each word's PLL-word-l2r in its context, its rank and the model's ``top_k`` one-piece
    proposals there, keyed by word index (a word that is not a token sequence of its own is left
    out), from rows that mask several words at once. ``keep``: filled with each word's
    single-mask log-probabilities (every one-piece word's score in its place)."""
    indices = sorted(indices)
    if not indices:
        return {}
    info, decoder = engine.token_info, engine.decoder
    spans = [(words[i].start, words[i].end) for i in indices]
    doc, slot_of = encode_with_words(engine.tokenizer, info, text, spans)
    mask = info.mask_id
    flat: list[int] = []  # the text's tokens, each word's own pieces in place
    starts: list[int] = []
    position = 0
    for slot in doc.slots:
        flat.extend(doc.tokens[position : slot.at])
        starts.append(len(flat))
        flat.extend(slot.original)
        position = slot.at
    flat.extend(doc.tokens[position:])
    reads: list[_Read] = []
    for k, slot in enumerate(doc.slots):
        n = len(slot.original)
        reads.append(_Read(k, (mask,) * n, starts[k], n))
        if n > 1:  # the single-mask distribution, for the rank
            reads.append(_Read(k, (mask,), starts[k], n))
    window = decoder.window
    special = len(info.prefix) + len(info.suffix)
    span_limit = max(1, window - special - 2 * MARGIN)
    groups = _pack(reads, span_limit)
    rows: list[Row] = []
    owners: list[list[_Read]] = []
    for group in groups:
        first, last = group[0].start, group[-1].start + group[-1].length
        room = window - special - (last - first)
        lo = max(0, first - room // 2)
        hi = min(len(flat), lo + window - special)
        lo = max(0, hi - (window - special))
        ids: list[int] = [*info.prefix]
        positions: list[int] = []
        at = lo
        for read in group:
            ids.extend(flat[at : read.start])
            positions.append(len(ids))
            ids.extend(read.content)
            at = read.start + read.length
        ids.extend(flat[at:hi])
        ids.extend(info.suffix)
        rows.append(Row(tuple(ids), tuple(positions)))
        owners.append(group)
    # A word's later pieces: the engine's short continuation rows, one per piece.
    originals = [list(s.original) for s in doc.slots]
    later: list[tuple[int, int]] = []  # slot, piece
    for k, slot in enumerate(doc.slots):
        for p in range(1, len(slot.original)):
            contents = list(originals)
            contents[k] = [*slot.original[:p], *[mask] * (len(slot.original) - p)]
            rows.append(doc.row(info, contents, k, [p], decoder.next_window))
            later.append((k, p))
    long_rows = list(range(len(owners)))
    results = decoder.runner.log_probs_grouped(rows, (long_rows, list(range(len(owners), len(rows)))))
    totals = [0.0] * len(doc.slots)
    singles: list[np.ndarray | None] = [None] * len(doc.slots)
    for group, found in zip(owners, results, strict=False):
        for read, lp in zip(group, found, strict=True):
            if len(read.content) == read.length:
                totals[read.slot] += float(lp[doc.slots[read.slot].original[0]])
            if len(read.content) == 1:
                singles[read.slot] = lp
    for (k, p), found in zip(later, results[len(owners) :], strict=True):
        totals[k] += float(found[0][doc.slots[k].original[p]])
    out: dict[int, WordCheck] = {}
    for s, i in enumerate(indices):
        k = slot_of[s]
        if k < 0:
            continue
        slot = doc.slots[k]
        single = singles[k]
        if keep is not None and single is not None:
            keep[i] = single
        out[i] = _with_alternatives(
            engine, slot, words[i].word, totals[k], singles[k], top_k, len(slot.original)
        )
    return out


def left_checks(
    engine: ExerciseEngine,
    text: str,
    words: Sequence[WordSpan],
    indices: Sequence[int],
    top_k: int,
    window: int = LEFT_WINDOW,
) -> dict[int, WordCheck]:
    """Each word judged from the ``window`` tokens before it (one row each, plus one per later
    piece), with the model's ``top_k`` one-piece proposals there, keyed by word index."""
    return {
        i: check
        for i, (check, _) in _read_words(engine, text, words, indices, top_k, window, cut_right=True).items()
    }


def _with_alternatives(
    engine: ExerciseEngine,
    slot: Slot,
    word: str,
    log_prob: float,
    single: np.ndarray | None,
    top_k: int,
    pieces: int,
) -> WordCheck:
    """As the engine's own ``check_words`` result: the rank among one-piece words and the best
    ``top_k`` of them (lower case, the word itself left out)."""
    decoder = engine.decoder
    if single is None:
        return WordCheck(slot.start, slot.end, word, log_prob, None, (), pieces)
    allowed = decoder.first_allowed(slot.spaced)
    scores = np.where(allowed, single, -np.inf)
    rank = 1 + int((scores > log_prob).sum())
    alternatives: list[Candidate] = []
    if top_k <= 0:
        return WordCheck(slot.start, slot.end, word, log_prob, rank, (), pieces)
    count = top_k * 3 + 5
    first = np.argpartition(-scores, count)[:count] if count < len(scores) else np.arange(len(scores))
    for i in first[np.argsort(-scores[first], kind="stable")]:
        candidate = engine.token_info.word((int(i),))
        if candidate is None or not decoder.acceptable(candidate) or candidate.lower() == word.lower():
            continue
        lp = float(single[i])
        alternatives.append(Candidate(candidate, float(np.exp(lp)), lp, (int(i),)))
        if len(alternatives) >= top_k:
            break
    return WordCheck(slot.start, slot.end, word, log_prob, rank, tuple(alternatives), pieces)


def slot_views(
    engine: ExerciseEngine,
    text: str,
    words: Sequence[WordSpan],
    indices: Sequence[int],
    top_k: int,
    window: int,
) -> dict[int, tuple[WordCheck, np.ndarray]]:
    """Each word as ``check_words`` reads it with ``window`` tokens per row (the same rows, so
    the same scores): its PLL-word-l2r, its rank, the model's ``top_k`` one-piece proposals and
    the single-mask log-probabilities (every one-piece word's score in its place), keyed by word
    index. One batched run."""
    return {
        i: (check, single)
        for i, (check, single) in _read_words(engine, text, words, indices, top_k, window).items()
        if single is not None
    }


def _read_words(
    engine: ExerciseEngine,
    text: str,
    words: Sequence[WordSpan],
    indices: Sequence[int],
    top_k: int,
    window: int,
    *,
    cut_right: bool = False,
) -> dict[int, tuple[WordCheck, np.ndarray | None]]:
    """Each word's ``WordCheck`` and single-mask log-probabilities from one batched run of
    ``window``-token rows (``cut_right``: only the text before the word), keyed by word index."""
    indices = sorted(indices)
    if not indices:
        return {}
    spans = [(words[i].start, words[i].end) for i in indices]
    doc, slot_of = encode_with_words(engine.tokenizer, engine.token_info, text, spans)
    contents = [list(slot.original) for slot in doc.slots]
    chosen = [s for s in range(len(spans)) if slot_of[s] >= 0]
    items = [(slot_of[s], contents[slot_of[s]]) for s in chosen]
    totals, singles = engine.decoder.piece_log_probs(
        doc, contents, items, cut_right=cut_right, with_alternatives=True, window=window
    )
    out: dict[int, tuple[WordCheck, np.ndarray | None]] = {}
    for s, total, single in zip(chosen, totals, singles, strict=True):
        slot, i = doc.slots[slot_of[s]], indices[s]
        check = _with_alternatives(engine, slot, words[i].word, total, single, top_k, len(slot.original))
        out[i] = (check, single)
    return out
