"""Whole-word candidates for slots, scored by PLL-word-l2r, and joint filling of several blanks.

Scoring (Kauf & Ivanova 2023, "PLL-word-l2r", a fix of Salazar et al. 2020's PLL): a word of
pieces p1..pn in a blank scores  sum_i log P(p_i | context, p_<i filled, p_>i masked).  The
blank holds as many mask tokens as the word has pieces, so a piece never sees the pieces to
its right; plain PLL (all other pieces visible) inflates multi-piece words because each piece
is easy to guess from its neighbours. Generation follows the same order: the first piece is
proposed with n masks in place, then each next piece with the earlier ones filled, so every
score the beam computes is exactly the word's PLL-word-l2r and words of 1 and 2 pieces (and 3,
if ``BeamWidths.first3`` asks) compete in one ranking. The pieces after the first are predicted
from a short window around the blank (``CONTINUATION_WINDOW``), the first piece of a longer
word from a 64-token one (``MULTI_WINDOW``).
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from cloze_app.core.engine.document import Document
from cloze_app.core.engine.known_words import KnownWords, dictionary_words
from cloze_app.core.engine.session import ModelRunner, Row
from cloze_app.core.engine.vocab import BYTELEVEL, SENTENCEPIECE, TokenInfo

# Tokens per row (specials included) when predicting a word's second and third pieces. The first
# piece, which carries the word's meaning, is read from the whole window; the later pieces depend
# on the first and the words right next to the blank. On the held-out sentences and SWORDS
# (``python -m bench.quality --sets swords,heldout``) 16 tokens gave the same four figures as the
# full 128-token window, and a 128-token paragraph's continuation rows cost 8x less.
CONTINUATION_WINDOW = 16
# Tokens per row for the first piece of words of 2 and 3 pieces (one-piece words: the whole window).
# In a long text these rows run apart from the one-mask row instead of being padded to its length:
# a 128-token paragraph's request runs 336 batch cells instead of 480, and
# ``python -m bench.quality --sets swords,heldout`` gives the same four figures as before.
MULTI_WINDOW = 64
# Padding (batch cells) a longer row may add to a run of shorter ones before it runs apart: a run
# costs about as much as this many cells of work.
PADDING_BUDGET = 48
# First pieces looked at, best first, for the first pieces of two-piece words that can make a known
# word (``KnownWords``); each new one costs 0.1-8 ms with the bundled model, then is remembered.
STARTS_LOOKED_AT = 64
# Rows whose read values (a few tokens each) are remembered for a re-check (``RowReads``):
# a 500-word check runs about 740 rows; a few MB at most.
READ_ROWS = 8192


@dataclass(frozen=True)
class Scored:
    """A whole word for a slot with its PLL-word-l2r log-probability."""

    word: str
    log_prob: float
    ids: tuple[int, ...]


@dataclass(frozen=True)
class BeamWidths:
    """How many pieces to follow at each step of multi-piece generation."""

    singles: int = 60  # one-piece words kept per slot
    # First pieces tried for two-piece words. 2 since only first pieces that start a known word are
    # tried (``KnownWords``): with 4, the top 10 matched a wide search's in 271 of 300 held-out
    # sentences, with 2 in 260, and ``python -m bench.quality`` and ``bench.joint`` gave the same
    # figures for both; a 16-token sentence's one blank runs 4 rows instead of 6.
    first2: int = 2
    next2: int = 2
    # First pieces tried for three-piece words (0: none are generated, no three-mask row runs).
    # Off by default: the top 10 matched a wide search's in 153 of 200 held-out sentences without
    # them, 154 with them (SWORDS: 191 either way), for a third less work (``python -m bench.beams``).
    first3: int = 0
    next3: int = 1


class RowReads:
    """Values read from rows already run, remembered: ``(row, token) -> log-probability``.

    A row's scores do not depend on the rows batched with it (activations are quantized per
    token), so a row run again gives the same values; a re-check after an edit runs only the
    rows of the sentences that changed. Holds at most ``limit`` rows (the least recently used go).
    """

    def __init__(self, limit: int = READ_ROWS) -> None:
        self.limit = limit
        self._rows: OrderedDict[Row, dict[int, float]] = OrderedDict()

    def get(self, row: Row, tokens: Iterable[int]) -> dict[int, float] | None:
        """The row's values at every one of ``tokens``, or None when any was never read."""
        found = self._rows.get(row)
        if found is None or any(t not in found for t in tokens):
            return None
        self._rows.move_to_end(row)
        return found

    def put(self, row: Row, values: dict[int, float]) -> None:
        known = self._rows.setdefault(row, {})
        known.update(values)
        self._rows.move_to_end(row)
        while len(self._rows) > self.limit:
            self._rows.popitem(last=False)

    def clear(self) -> None:
        self._rows.clear()

    def __len__(self) -> int:
        return len(self._rows)


_ALLOWED_IDS: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # id(mask) -> (mask, its true ids)


def _allowed_ids(allowed: np.ndarray) -> np.ndarray:
    """The ids a boolean mask allows, remembered per mask (the token tables' masks live as long
    as their engine; a mask is checked to be the same object, so a reused id is not a hit)."""
    known = _ALLOWED_IDS.get(id(allowed))
    if known is not None and known[0] is allowed:
        return known[1]
    ids = np.flatnonzero(allowed)
    if len(_ALLOWED_IDS) > 64:
        _ALLOWED_IDS.clear()
    _ALLOWED_IDS[id(allowed)] = (allowed, ids)
    return ids


def _top(values: np.ndarray, allowed: np.ndarray, count: int) -> list[int]:
    """Ids of the ``count`` highest values among the allowed ones, best first.

    The highest few values of the whole row are looked at first: when at least ``count`` of them
    are allowed, those are the answer (every value left out is no higher). Otherwise only the
    allowed values are searched (a continuation piece's row: about a fifth of the vocabulary).
    A one-blank request picks from six rows of 30,000 values.
    """
    if count <= 0:
        return []
    wide = min(len(values), 2 * count + 16)
    found = np.argpartition(values, len(values) - wide)[len(values) - wide :]
    found = found[allowed[found]]
    if len(found) < count:  # too few of the row's best are allowed: search the allowed ids
        found = _allowed_ids(allowed)
        if len(found) > count:
            found = found[np.argpartition(values[found], len(found) - count)[len(found) - count :]]
    found = found[np.isfinite(values[found])]
    return [int(i) for i in found[np.argsort(-values[found], kind="stable")][:count]]


class Decoder:
    """Generates and scores words for document slots with one model runner."""

    def __init__(
        self,
        tok: Tokenizer,
        info: TokenInfo,
        runner: ModelRunner,
        window: int,
        *,
        english: bool = False,
        beam: BeamWidths | None = None,
        next_window: int | None = CONTINUATION_WINDOW,
        known: KnownWords | None = None,
        names_file: Path | None = None,
    ) -> None:
        """``known``: the multi-piece words allowed (an English model: unless given, the dictionary
        and the names of ``names_file``; another language: none, every word allowed)."""
        self.tok = tok
        self.info = info
        self.runner = runner
        self.window = window
        # Tokens per row for a word's pieces after the first (None: ``window``).
        self.next_window = min(next_window or window, window)
        self.multi_window = min(MULTI_WINDOW, window)
        self.beam = beam or BeamWidths()
        self.english = english
        self.multi_piece = bool(info.continuation.any())
        # ``tokens_for`` of a word at a place with (or without) a space before it, remembered: a
        # check or an exercise asks for the same few candidate words at many places.
        self.pieces: Callable[[str, bool], tuple[int, ...]] = functools.lru_cache(maxsize=1 << 16)(
            lambda word, spaced: tuple(tokens_for(tok, info, word, spaced))
        )
        self.reads = RowReads()  # what candidate scoring read from its rows (``candidates``)
        if known is None and english:
            known = KnownWords(info, self.pieces, tok.token_to_id, lambda: dictionary_words(names_file))
        self.known = known

    def first_allowed(self, spaced: bool) -> np.ndarray:
        """Tokens that may start a word in a slot with (or without) a space before it."""
        return self.info.first_spaced if spaced else self.info.first_glued

    def acceptable(self, word: str | None) -> bool:
        """Not a fragment: a full word; in English, single letters other than a and I are out."""
        if not word or word.isspace() or any(ch.isspace() for ch in word):
            return False
        return not (self.english and len(word) == 1 and word.lower() not in ("a", "i"))

    def generate(
        self,
        doc: Document,
        contents: Sequence[Sequence[int]],
        targets: Sequence[int],
        keep: int = 0,
        *,
        multi_piece: bool = True,
    ) -> dict[int, list[Scored]]:
        """Candidates for each target slot, others holding ``contents``; best first, no duplicates.

        ``multi_piece`` False: one-piece words only (one row per target, one run), for a search
        that only needs a good word to hold a slot while other slots are searched.

        ``keep`` > 0: only the best ``keep`` words of each slot are needed. A word's score is a sum of
        log-probabilities (each <= 0), so a partial word already scoring below the slot's
        ``keep``-th best complete word can never overtake it; such prefixes are not continued. The
        best ``keep`` words are exactly those of a full search, with fewer rows run (often a whole
        step fewer).
        """
        info, beam, mask = self.info, self.beam, self.info.mask_id
        found: dict[int, dict[str, Scored]] = {t: {} for t in targets}
        lengths: tuple[int, ...] = (1,)
        if self.multi_piece and multi_piece:
            lengths = (1, 2, 3) if beam.first3 > 0 else (1, 2)

        def floor(t: int) -> float:
            """The score a prefix in slot t must reach to still matter."""
            if keep <= 0 or len(found[t]) < keep:
                return -math.inf
            return sorted((s.log_prob for s in found[t].values()), reverse=True)[keep - 1]

        def with_slot(t: int, pieces: Sequence[int]) -> list[Sequence[int]]:
            row = list(contents)
            row[t] = pieces
            return row

        def add(t: int, ids: tuple[int, ...], log_prob: float) -> None:
            word = info.word(ids)
            if not self.acceptable(word):
                return
            assert word is not None
            if len(ids) > 1 and self.known is not None and not self.known.known(word):
                return
            have = found[t].get(word)
            if have is None or log_prob > have.log_prob:
                found[t][word] = Scored(word, log_prob, ids)

        def add_singles(t: int, lp: np.ndarray) -> None:
            # With ``keep`` words asked for, the best few one-piece words settle them: a one-piece
            # word below ``keep`` distinct acceptable ones can never be among the best ``keep``.
            # The full list when the few hold fewer (fragments, letters).
            allowed = self.first_allowed(doc.slots[t].spaced)
            few = min(beam.singles, 2 * keep + 8) if keep > 0 else beam.singles
            for i in _top(lp, allowed, few):
                add(t, (i,), float(lp[i]))
            if few < beam.singles and len(found[t]) < keep:
                # All of them (among equal values the wider search may pick other ids).
                for i in _top(lp, allowed, beam.singles):
                    add(t, (i,), float(lp[i]))

        # Step 1: 1 and 2 masks in each target (and 3 when the beam asks for three-piece words).
        index = [(t, n) for t in targets for n in lengths]
        rows = [
            doc.row(info, with_slot(t, [mask] * n), t, [0], self.window if n == 1 else self.multi_window)
            for t, n in index
        ]
        ones = [k for k, (_, n) in enumerate(index) if n == 1]
        others = [k for k, (_, n) in enumerate(index) if n > 1]
        # Long one-mask rows (a paragraph) run on a helper thread while this one runs the shorter
        # rows of longer words and their continuations, which do not need them; the one-piece
        # words come last (no prefix is then left out for scoring below them: the same best
        # ``keep`` words, a few more rows at most).
        beside = None
        later = len(targets) * beam.first2 * self.next_window
        if (
            self.runner.workers > 1
            and others
            and sum(len(rows[k].ids) for k in ones) >= sum(len(rows[k].ids) for k in others) + later
        ):
            beside = self.runner.run_beside([rows[k] for k in ones])
            results: list[np.ndarray] = [np.empty(0)] * len(rows)
            early = self.runner.log_probs([rows[k] for k in others], spread=False)
            for k, found_k in zip(others, early, strict=True):
                results[k] = found_k
        else:
            results = self._log_probs_by_length(rows)
        step2: list[tuple[int, int, tuple[int, ...], float]] = []  # target, length, prefix, score
        for k, (t, n) in enumerate(index):
            if n == 1:
                if beside is None:
                    add_singles(t, results[k][0])
            else:
                lp = results[k][0]
                width = beam.first2 if n == 2 else beam.first3
                spaced = doc.slots[t].spaced
                if n == 2 and self.known is not None:
                    firsts = self._word_starts(lp, spaced, width)
                else:
                    firsts = _top(lp, self.first_allowed(spaced), width)
                step2 += [(t, n, (i,), float(lp[i])) for i in firsts]
        # Steps 2 and 3: continue the prefixes left to right.
        pending = step2
        while pending:
            floors = {t: floor(t) for t in targets}
            pending = [p for p in pending if p[3] >= floors[p[0]]]
            if not pending:
                break
            rows = []
            for t, n, prefix, _ in pending:
                pieces = [*prefix, *[mask] * (n - len(prefix))]
                rows.append(doc.row(info, with_slot(t, pieces), t, [len(prefix)], self.next_window))
            results = self.runner.log_probs(rows, spread=beside is None)
            following: list[tuple[int, int, tuple[int, ...], float]] = []
            multi: list[tuple[int, tuple[int, ...], float]] = []
            for (t, n, prefix, score), lp in zip(pending, results, strict=True):
                width = beam.next2 if n == 2 else beam.next3
                if n == 2 and self.known is not None:
                    ends = self.known.endings(prefix[0], doc.slots[t].spaced)
                    best = ends[np.argsort(-lp[0][ends], kind="stable")[:width]]
                    nexts = [int(i) for i in best if np.isfinite(lp[0][i])]
                else:
                    nexts = _top(lp[0], info.continuation, width)
                for i in nexts:
                    ids, total = (*prefix, i), score + float(lp[0][i])
                    if len(ids) == n:
                        multi.append((t, ids, total))
                    else:
                        following.append((t, n, ids, total))
            for t, ids, total in self._canonical(doc, multi):
                add(t, ids, total)
            pending = following
        if beside is not None:
            for k, lp in zip(ones, beside(), strict=True):
                add_singles(index[k][0], lp[0])
        return {t: sorted(found[t].values(), key=lambda s: -s.log_prob) for t in targets}

    def _word_starts(self, lp: np.ndarray, spaced: bool, width: int) -> list[int]:
        """The ``width`` best first pieces that start a known two-piece word, best first (of the row's
        best :data:`STARTS_LOOKED_AT` allowed first pieces)."""
        assert self.known is not None
        starts = []
        for i in _top(lp, self.first_allowed(spaced), STARTS_LOOKED_AT):
            if len(self.known.endings(i, spaced)):
                starts.append(i)
                if len(starts) == width:
                    break
        return starts

    def _log_probs_by_length(self, rows: Sequence[Row]) -> list[np.ndarray]:
        """``runner.log_probs`` with rows of very different lengths in separate calls (shortest
        first), so short rows are not padded to a long row's length (:data:`PADDING_BUDGET`)."""
        order = sorted(range(len(rows)), key=lambda i: len(rows[i].ids))
        groups: list[list[int]] = []
        for i in order:
            if groups:
                group = groups[-1]
                added = len(group) * (len(rows[i].ids) - len(rows[group[-1]].ids))
                if added <= PADDING_BUDGET:
                    group.append(i)
                    continue
            groups.append([i])
        return self.runner.log_probs_grouped(rows, groups)

    def _canonical(
        self, doc: Document, multi: list[tuple[int, tuple[int, ...], float]]
    ) -> list[tuple[int, tuple[int, ...], float]]:
        """Keep multi-piece words only in the pieces the tokenizer itself would produce."""
        keep = []
        texts = []
        for t, ids, total in multi:
            word = self.info.word(ids)
            if not self.acceptable(word):
                continue
            assert word is not None
            spaced = doc.slots[t].spaced
            if self.info.family == BYTELEVEL and spaced:
                word = " " + word
            texts.append(word)
            keep.append((t, ids, total))
        if not keep:
            return []
        # One encode per word: a handful of short words, where encode_batch's thread pool costs
        # more than it saves (measured: ~10x slower on a busy 2-core machine).
        encodings = [self.tok.encode(text, add_special_tokens=False) for text in texts]
        result = []
        for (t, ids, total), enc in zip(keep, encodings, strict=True):
            got = tuple(enc.ids)
            if got == ids or (self.info.family == SENTENCEPIECE and not doc.slots[t].spaced):
                result.append((t, ids, total))
        return result

    def piece_log_probs(
        self,
        doc: Document,
        contents: Sequence[Sequence[int]],
        items: Sequence[tuple[int, Sequence[int]]],
        *,
        cut_right: bool = False,
        with_alternatives: bool = False,
        window: int | None = None,
    ) -> tuple[list[float], list[np.ndarray | None]]:
        """PLL-word-l2r of given pieces in given slots (one batched pass for all of them).

        Args:
            items: (slot, pieces) pairs to score.
            cut_right: score with the text after the slot removed (left context only).
            window: tokens of context per row (default: the model's window).
            with_alternatives: also return the single-mask distribution of each slot, for ranking
                alternatives (free when the word is one piece).

        Returns:
            Each item's log-probability and, if asked, its single-mask log-probabilities.
        """
        mask = self.info.mask_id
        window = min(window or self.window, self.window)
        rows: list[Row] = []
        owners: list[tuple[int, int]] = []  # item index, piece index (-1: the single-mask row)
        for k, (t, pieces) in enumerate(items):
            for p in range(len(pieces)):
                row = list(contents)
                row[t] = [*pieces[:p], *[mask] * (len(pieces) - p)]
                rows.append(doc.row(self.info, row, t, [p], window, cut_right=cut_right))
                owners.append((k, p))
            if with_alternatives and len(pieces) != 1:
                row = list(contents)
                row[t] = [mask]
                rows.append(doc.row(self.info, row, t, [0], window, cut_right=cut_right))
                owners.append((k, -1))
        results = self.runner.log_probs(rows)
        totals = [0.0] * len(items)
        singles: list[np.ndarray | None] = [None] * len(items)
        for (k, p), lp in zip(owners, results, strict=True):
            pieces = items[k][1]
            if p >= 0:
                totals[k] += float(lp[0][pieces[p]])
            if with_alternatives and (p == -1 or (p == 0 and len(pieces) == 1)):
                singles[k] = lp[0]
        return totals, singles


def tokens_for(tok: Tokenizer, info: TokenInfo, word: str, spaced: bool) -> list[int]:
    """The pieces ``word`` becomes at a place with (or without) white space before it."""
    if info.family == BYTELEVEL and spaced:
        word = " " + word
    ids = tok.encode(word, add_special_tokens=False).ids
    if info.family == SENTENCEPIECE and not spaced and ids and info.pieces[ids[0]] in (b"", b" "):
        ids = ids[1:]
    return list(ids)
