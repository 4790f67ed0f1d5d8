"""ClozeEngine: load a model folder, fill blanks, rank the user's options, check words.

Pure Python over onnxruntime and tokenizers; no Qt. One engine serves one model; load it off
the UI thread, then call it from one worker thread at a time.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from cloze_app.core.engine.decoding import BeamWidths, Decoder, Scored, tokens_for
from cloze_app.core.engine.document import Document, encode_with_blanks, encode_with_words
from cloze_app.core.engine.loading import open_runner, token_info_for
from cloze_app.core.engine.manifest import MODEL_FILE, TOKENIZER_FILE, validate_model_folder
from cloze_app.core.engine.providers import CPU, canonical_name
from cloze_app.core.engine.session import MAX_WORKERS, SPINNING, ModelRunner, physical_cores
from cloze_app.core.engine.word_vectors import ModelWordVectors, WordVectors
from cloze_app.core.errors import (
    EmptyTextError,
    InputError,
    ModelError,
    NoBlankError,
    TooManyBlanksError,
)
from cloze_app.core.text import (
    apply_case,
    capital_expected,
    contraction_hosts,
    fill_text,
    find_blanks,
    lettered_spans,
)
from cloze_app.core.types import (
    Blank,
    BlankResult,
    Candidate,
    Filling,
    FillResult,
    ModelInfo,
    OptionScore,
    ProviderReport,
    WordCheck,
)

MAX_BLANKS = 32
MAX_OPTIONS = 200
# Context (tokens) around each word when checking a whole text: enough to judge a word in its
# sentence, and it keeps a 300-word check to a few hundred short rows instead of long ones.
CHECK_WINDOW = 96
TRUECASE_FILE = "truecase.txt"


class ClozeEngine:
    """A loaded masked language model and everything Cloze asks of it."""

    max_blanks = MAX_BLANKS

    def __init__(
        self,
        folder: Path,
        info: ModelInfo,
        tok: Tokenizer,
        decoder: Decoder,
        report: ProviderReport,
        truecase: frozenset[str],
    ) -> None:
        self.folder = folder
        self.info = info
        self.tokenizer = tok
        self.decoder = decoder
        self.token_info = decoder.info
        self.provider_report = report
        self.truecase = truecase
        # The head's word vectors, read from the model file on first use and shared with twins.
        self._vectors = ModelWordVectors(folder / MODEL_FILE, decoder.info.size)

    @classmethod
    def load(
        cls,
        folder: Path,
        provider: str | None = None,
        threads: int = 0,
        *,
        verify_checksums: bool = True,
        strict_provider: bool = False,
        window: int | None = None,
        gather_head: bool = True,
        spinning: bool = SPINNING,
        spread_runs: bool = True,
    ) -> ClozeEngine:
        """Load a model folder (resolving a model id to its folder is the caller's job).

        Args:
            provider: preferred execution provider (None: CPU); CPU is always the fallback.
            threads: CPU threads (0: one per physical core): on CPU, the runs of a request at
                once, each on one thread; on an accelerator, onnxruntime's intra-op threads.
            window: tokens per row (None: the manifest's ``max_length``).
            gather_head: run the vocabulary head only at the positions asked for, when a rewritten
                graph predicts what the original does (False: always the original graph).
            spinning: let idle onnxruntime threads spin (default off, measured by ``bench.threads``).
            spread_runs: on CPU, a request's runs at once on ``threads`` threads of one each (False:
                one run at a time on ``threads`` intra-op threads; ``bench.threads`` compares them).

        Raises:
            ModelError: naming the missing or wrong piece of the folder.
            ProviderError: only with ``strict_provider``; otherwise the engine runs on CPU and
                ``provider_report.fallback_reason`` says why.
        """
        folder = Path(folder)
        manifest = validate_model_folder(folder, verify_checksums=verify_checksums)
        try:
            tok = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        except Exception as exc:  # tokenizers raises a plain Exception subclass
            raise ModelError(f"{folder / TOKENIZER_FILE} cannot be read: {exc}") from exc
        tok.no_truncation()
        tok.no_padding()
        token_info = token_info_for(folder / TOKENIZER_FILE, tok, manifest)
        # On CPU the session runs each call on one thread and a request's runs go to ``threads``
        # threads at once (ModelRunner.workers); an accelerator's session keeps onnxruntime's own.
        on_cpu = spread_runs and canonical_name(provider) in (None, CPU)
        runner, report = open_runner(
            folder / MODEL_FILE,
            manifest,
            tok,
            token_info,
            provider,
            1 if on_cpu else threads,
            strict_provider=strict_provider,
            spinning=spinning,
            gather_head=gather_head,
        )
        if on_cpu and report.active == CPU:
            runner.workers = max(1, min(threads or physical_cores(), MAX_WORKERS))
        english = any(lang.lower().startswith("en") for lang in manifest.languages)
        decoder = Decoder(
            tok,
            token_info,
            runner,
            min(manifest.max_length, window or manifest.max_length),
            english=english,
            beam=BeamWidths(),
            names_file=folder / TRUECASE_FILE,
        )
        truecase = _read_truecase(folder / TRUECASE_FILE, english=english and not manifest.cased)
        engine = cls(folder, manifest.info(folder), tok, decoder, report, truecase)
        engine._probe()
        return engine

    def _probe(self) -> None:
        """Run once at load: checks the output really is vocabulary logits, warms the session."""
        doc = encode_with_blanks(self.tokenizer, self.token_info, "a ___ .", [(2, 5)], self.info.mask_token)
        self.decoder.runner.log_probs([doc.row(self.token_info, [[self.token_info.mask_id]], 0, [0], 16)])

    def twin(self) -> ClozeEngine:
        """Another engine on this loaded model for a second worker thread: the same onnxruntime
        session (which runs calls from several threads at once), tokenizer and word tables, and
        decoder state of its own (remembered rows and pieces, counters). Each engine is still
        called from one thread at a time."""
        runner = self.decoder.runner
        decoder = Decoder(
            self.tokenizer,
            self.token_info,
            ModelRunner(runner.session, runner.pad_id, runner.vocab_size, runner.workers),
            self.decoder.window,
            english=self.decoder.english,
            beam=self.decoder.beam,
            next_window=self.decoder.next_window,
            known=self.decoder.known,
        )
        twin = ClozeEngine(
            self.folder, self.info, self.tokenizer, decoder, self.provider_report, self.truecase
        )
        twin._vectors = self._vectors
        return twin

    def word_vectors(self) -> WordVectors | None:
        """The model's own word vectors (its head's rows; ``word_vectors`` module), read from the
        model file on the first call (~0.1 s for the bundled model); None for a graph they cannot
        be read from."""
        return self._vectors.get()

    @property
    def mask_token(self) -> str:
        """The model's own mask token, which also marks a blank in the text."""
        return self.info.mask_token

    @property
    def session_runs(self) -> int:
        """How many times the ONNX session has run since load."""
        return self.decoder.runner.runs

    def close(self) -> None:
        """Drop the session (memory is freed when the last reference goes)."""
        self.decoder.runner.session = None  # type: ignore[assignment]

    # -- blanks -------------------------------------------------------------------------------
    def find_blanks(self, text: str) -> list[Blank]:
        """``___`` (two or more underscores) and the literal mask token, in order."""
        return find_blanks(text, self.info.mask_token)

    def _blanks_doc(self, text: str) -> tuple[list[Blank], Document]:
        if not text or not text.strip():
            raise EmptyTextError()
        blanks = self.find_blanks(text)
        if not blanks:
            raise NoBlankError(self.info.mask_token)
        if len(blanks) > self.max_blanks:
            raise TooManyBlanksError(len(blanks), self.max_blanks)
        spans = [(b.start, b.end) for b in blanks]
        return blanks, encode_with_blanks(self.tokenizer, self.token_info, text, spans, self.info.mask_token)

    def _cased(self, text: str, slot_start: int, word: str, truecase: frozenset[str] | None = None) -> str:
        """``word`` as written at ``slot_start``: capitalised at a sentence start or as a name of
        ``truecase`` (default: the model's)."""
        first = capital_expected(text, slot_start, word)
        return apply_case(
            word, sentence_start=first, truecase=self.truecase if truecase is None else truecase
        )

    # -- filling ------------------------------------------------------------------------------
    def _joint(self, doc: Document, keep: int = 0) -> tuple[list[list[int]], dict[int, list[Scored]]]:
        """Most-confident-first filling, then every blank re-ranked given the others' best fill.

        ``keep``: how many of each blank's best words the caller needs (0: all that are found).
        Rounds that only fix a blank's word while other blanks are still open search one-piece
        words only (one run; while the other blanks hold masks, their rows are one row); the
        re-ranking searches every word (a blank whose neighbours have not changed since it was
        last searched is not searched again). The last round searched every word of the last
        blank before the re-ranking searched the others (two runs instead of one).
        """
        n = len(doc.slots)
        contents: list[list[int]] = [[self.token_info.mask_id] for _ in range(n)]
        memo: dict[tuple[int, int, tuple[tuple[int, ...], ...]], list[Scored]] = {}

        def search(targets: list[int], want: int) -> dict[int, list[Scored]]:
            """Each target's words with the others holding ``contents``; reuses earlier searches.

            ``want`` -1: one-piece words only, for a round that fixes a blank's word while the
            other blanks are still open (the re-ranking searches every word and may replace it).
            """

            def key(t: int, k: int) -> tuple[int, int, tuple[tuple[int, ...], ...]]:
                return (t, k, tuple(tuple(c) if i != t else () for i, c in enumerate(contents)))

            # A search that kept every word (0) or more words than asked answers this one too.
            def known(t: int) -> list[Scored] | None:
                for k in (want, 0):
                    if key(t, k) in memo:
                        return memo[key(t, k)]
                return None

            out = {t: found for t in targets if (found := known(t)) is not None}
            todo = [t for t in targets if t not in out]
            if todo:
                words = want if want >= 0 else 1
                fresh = self.decoder.generate(doc, contents, todo, words, multi_piece=want >= 0)
                for t in todo:
                    memo[key(t, want)] = out[t] = fresh[t]
            return out

        remaining = list(range(n))
        found: dict[int, list[Scored]] = {}
        while remaining:
            fix_count = max(1, len(remaining) // 4)
            found = search(remaining, keep if n == 1 else -1)
            confidence = sorted(remaining, key=lambda t: -(found[t][0].log_prob if found[t] else -math.inf))
            fix = confidence[:fix_count]
            for t in fix:
                if found[t]:
                    contents[t] = list(found[t][0].ids)
            if n == 1:
                return contents, found
            remaining = [t for t in remaining if t not in fix]
        for _ in range(2):  # re-rank each blank given the others; stop when the best fill is stable
            found = search(list(range(n)), keep)
            best = [list(found[t][0].ids) if found[t] else contents[t] for t in range(n)]
            if best == contents:
                break
            contents = best
        return contents, found

    def fill(self, text: str, top_k: int = 10, n_fillings: int = 3) -> FillResult:
        """Ranked whole-word candidates for every blank and the best complete fillings.

        Raises:
            EmptyTextError, NoBlankError, TooManyBlanksError: the text cannot be filled.
        """
        started = time.perf_counter()
        runs_before = self.session_runs
        blanks, doc = self._blanks_doc(text)
        # A cased vocabulary can give two found words one candidate (paris, Paris at a sentence
        # start), so it needs twice top_k; an uncased one has one found word per candidate.
        keep = max(1, top_k) * (2 if self.info.cased else 1)
        if self.decoder.english and any(contraction_hosts(text, b.end) for b in blanks):
            keep = 0  # every word found: only the few a contraction follows are shown (``_candidates``)
        _, found = self._joint(doc, keep=keep)
        results = []
        ranked: list[list[tuple[str, float]]] = []
        for t, blank in enumerate(blanks):
            candidates = self._candidates(text, blank.start, found[t], top_k, blank.end)
            results.append(BlankResult(blank, tuple(candidates)))
            ranked.append([(c.word, c.log_prob) for c in candidates[:3]])
        fillings = _best_fillings(text, blanks, ranked, n_fillings)
        return FillResult(
            text=text,
            blanks=tuple(results),
            fillings=tuple(fillings),
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
            session_runs=self.session_runs - runs_before,
        )

    def _candidates(
        self, text: str, start: int, scored: list[Scored], top_k: int, end: int | None = None
    ) -> list[Candidate]:
        """The words shown for a blank at ``start:end``: cased, merged, best first.

        In English, before a contraction's ending that follows few words ("___'t go", "___'re",
        "___'m", "___'ve") only those words are shown (don, can, won...; you, we, they...), when
        the model found any, and not capitalised as names ("Don't" mid-sentence); "I" stays "I".
        """
        truecase = self.truecase
        hosts = contraction_hosts(text, end) if self.decoder.english and end is not None else None
        if hosts:
            fitting = [s for s in scored if s.word.lower() in hosts]
            scored, truecase = fitting or scored, truecase & {"i"}
        merged: dict[str, Scored] = {}
        for s in scored:
            word = self._cased(text, start, s.word, truecase)
            if word not in merged or s.log_prob > merged[word].log_prob:
                merged[word] = Scored(word, s.log_prob, s.ids)
        ordered = sorted(merged.values(), key=lambda s: -s.log_prob)
        total = sum(math.exp(s.log_prob) for s in ordered)
        norm = max(1.0, total)
        return [
            Candidate(s.word, math.exp(s.log_prob) / norm, s.log_prob, s.ids)
            for s in ordered[: max(1, top_k)]
        ]

    # -- the user's options ---------------------------------------------------------------------
    def score_options(self, text: str, options: Sequence[str], blank: int = 0) -> list[OptionScore]:
        """Rank the user's own words or phrases for one blank, best first.

        Other blanks hold their best joint filling. Scores are PLL-word-l2r log-probabilities
        over all of an option's pieces, so options of any length (and unknown words, which
        become several pieces) compare on one scale; ``score`` is each option's softmax share.
        """
        cleaned = [o.strip() for o in options]
        if not cleaned or any(not o for o in cleaned):
            raise InputError("Every option must be a word or phrase; an empty option was given.")
        if len(cleaned) > MAX_OPTIONS:
            raise InputError(f"At most {MAX_OPTIONS} options can be ranked at once ({len(cleaned)} given).")
        blanks, doc = self._blanks_doc(text)
        if not 0 <= blank < len(blanks):
            raise InputError(f"There is no blank number {blank + 1}; the text has {len(blanks)}.")
        contents: list[list[int]] = [[self.token_info.mask_id] for _ in blanks]
        if len(blanks) > 1:
            contents, _ = self._joint(doc, keep=1)  # only each blank's best word is used
        spaced = doc.slots[blank].spaced
        items = [(blank, tokens_for(self.tokenizer, self.token_info, o, spaced)) for o in cleaned]
        for option, (_, pieces) in zip(cleaned, items, strict=True):
            if not pieces:
                raise InputError(f"The option {option!r} has no characters this model can read.")
        totals, _ = self.decoder.piece_log_probs(doc, contents, items)
        top = max(totals)
        shares = np.exp(np.array(totals) - top)
        shares /= shares.sum()
        b = blanks[blank]
        scores = [
            OptionScore(option, float(share), lp, text[: b.start] + option + text[b.end :])
            for option, share, lp in zip(cleaned, shares, totals, strict=True)
        ]
        return sorted(scores, key=lambda s: -s.log_prob)

    # -- words already in the text --------------------------------------------------------------
    def check_words(
        self,
        text: str,
        spans: Sequence[tuple[int, int]] | None = None,
        top_k: int = 5,
        right_context: bool = True,
    ) -> list[WordCheck]:
        """How likely each word is where it stands, its rank, and what the model prefers.

        All words are scored in one batched pass; a word's log-probability is its
        PLL-word-l2r with everything else in the text as written.
        """
        if not text or not text.strip():
            raise EmptyTextError()
        spans = lettered_spans(text) if spans is None else list(spans)
        if not spans:
            return []
        doc, slot_of = encode_with_words(self.tokenizer, self.token_info, text, spans)
        contents = [list(slot.original) for slot in doc.slots]
        chosen = [s for s in range(len(spans)) if slot_of[s] >= 0]
        items = [(slot_of[s], contents[slot_of[s]]) for s in chosen]
        totals, singles = self.decoder.piece_log_probs(
            doc, contents, items, cut_right=not right_context, with_alternatives=True, window=CHECK_WINDOW
        )
        checks = []
        for s, total, single in zip(chosen, totals, singles, strict=True):
            start, end = spans[s]
            slot = doc.slots[slot_of[s]]
            checks.append(
                self._word_check(text, start, end, total, single, slot.spaced, top_k, len(slot.original))
            )
        return checks

    def _word_check(
        self,
        text: str,
        start: int,
        end: int,
        log_prob: float,
        single: np.ndarray | None,
        spaced: bool,
        top_k: int,
        pieces: int = 1,
    ) -> WordCheck:
        word = text[start:end]
        alternatives: list[Candidate] = []
        rank = None
        if single is not None:
            allowed = self.decoder.first_allowed(spaced)
            better = allowed & (single > log_prob)
            rank = 1 + int(better.sum())
            order = np.argsort(-np.where(allowed, single, -np.inf))[: top_k * 3 + 5]
            for i in order:
                candidate = self.token_info.word((int(i),))
                if not self.decoder.acceptable(candidate) or candidate is None:
                    continue
                if candidate.lower() == word.lower():
                    continue
                cased = self._cased(text, start, candidate)
                lp = float(single[i])
                alternatives.append(Candidate(cased, math.exp(lp), lp, (int(i),)))
                if len(alternatives) >= top_k:
                    break
        return WordCheck(start, end, word, log_prob, rank, tuple(alternatives), pieces)


def _best_fillings(
    text: str, blanks: Sequence[Blank], ranked: Sequence[Sequence[tuple[str, float]]], count: int
) -> list[Filling]:
    """The best complete fillings: each blank's top word, then one or two swapped for runners-up.

    A filling's log-probability is the sum of each blank's log-probability given the best fill
    of the others (a pseudo-log-likelihood of the filling).
    """
    if any(not r for r in ranked):
        return []
    base = [r[0] for r in ranked]
    options: dict[tuple[str, ...], float] = {}
    swaps = [(t, alt) for t, r in enumerate(ranked) for alt in r[1:]]
    singles: list[tuple[tuple[int, tuple[str, float]], ...]] = [(s,) for s in swaps]
    for chosen in itertools.chain([()], singles, itertools.combinations(swaps, 2)):
        if len({t for t, _ in chosen}) != len(chosen):
            continue
        scored = list(base)
        for t, alt in chosen:
            scored[t] = alt
        key = tuple(w for w, _ in scored)
        options.setdefault(key, sum(lp for _, lp in scored))
    best = sorted(options.items(), key=lambda kv: -kv[1])[: max(1, count)]
    spans = [(b.start, b.end) for b in blanks]
    return [Filling(words, fill_text(text, spans, words), log_prob) for words, log_prob in best]


def _read_truecase(path: Path, *, english: bool) -> frozenset[str]:
    """Words the model's lexicon writes with a capital (names, days, languages); ``i`` in English."""
    words = {"i"} if english else set()
    if path.is_file():
        # One lower() of the whole file, then each line stripped: the same words as lowering each
        # stripped line, in about half the time (the bundled model's file has ~11,000 lines).
        words.update(map(str.strip, path.read_text(encoding="utf-8").lower().splitlines()))
        words.discard("")
    return frozenset(words)
