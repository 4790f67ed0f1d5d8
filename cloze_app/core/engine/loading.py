"""Opening a model's session the fast way: the checked position-gathering graph and the tokenizer's
analysis, each cached per model file so a later start opens one session and classifies nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from cloze_app.core import paths
from cloze_app.core.atomic import atomic_write_bytes
from cloze_app.core.engine.document import encode_with_blanks
from cloze_app.core.engine.head_gather import GATHER_VERSION, load_gathered
from cloze_app.core.engine.manifest import ModelManifest
from cloze_app.core.engine.session import SPINNING, ModelRunner, Row, create_session
from cloze_app.core.engine.vocab import (
    VOCAB_VERSION,
    TokenInfo,
    analyse_tokenizer,
    load_token_info,
    save_token_info,
)
from cloze_app.core.errors import ClozeError
from cloze_app.core.types import ProviderReport


def open_runner(
    model: Path,
    manifest: ModelManifest,
    tok: Tokenizer,
    token_info: TokenInfo,
    provider: str | None,
    threads: int,
    *,
    strict_provider: bool = False,
    spinning: bool = SPINNING,
    gather_head: bool = True,
) -> tuple[ModelRunner, ProviderReport]:
    """The runner that answers: the cached checked gathering graph, else the model file (rewritten
    and checked now when ``gather_head``), and what onnxruntime really chose.

    Raises:
        ModelError, ProviderError: as ``create_session``.
    """
    runner: ModelRunner | None = None
    report: ProviderReport | None = None
    cached = _gathered_cache(model, manifest) if gather_head else None
    if cached is not None and cached.is_file():
        try:
            session, report = create_session(
                cached, provider, threads, strict=strict_provider, spinning=spinning
            )
            runner = ModelRunner(session, token_info.pad_id, token_info.size)
        except ClozeError:
            runner = None
        if runner is not None and not runner.gathers:
            runner = None
    if runner is None or report is None:
        session, report = create_session(model, provider, threads, strict=strict_provider, spinning=spinning)
        runner = ModelRunner(session, token_info.pad_id, token_info.size)
        rejected = cached.with_suffix(".rejected") if cached is not None else None
        if gather_head and not (rejected is not None and rejected.is_file()):
            runner = _faster_runner(
                model, runner, tok, token_info, manifest.mask_token, report, threads, spinning, cached
            )
            if rejected is not None and not runner.gathers:
                # The check failed on this file and runtime (e.g. int8 kernels that round the two
                # graphs differently on this CPU); later starts skip the rewrite and the check.
                with contextlib.suppress(OSError):
                    atomic_write_bytes(rejected, b"")
    return runner, report


def _cache_key(path: Path, manifest: ModelManifest, *parts: str) -> str:
    """A short digest of a model file (manifest checksum, size, modification time) and ``parts``."""
    stat = path.stat()
    key = "|".join((manifest.files.get(path.name, ""), str(stat.st_size), str(stat.st_mtime_ns), *parts))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def token_info_for(path: Path, tok: Tokenizer, manifest: ModelManifest) -> TokenInfo:
    """The tokenizer's analysis, read from the cache when this exact file was analysed before."""
    cache = (
        paths.cache_dir()
        / "vocab"
        / f"{manifest.id}-{_cache_key(path, manifest, manifest.mask_token, VOCAB_VERSION)}.vocab"
    )
    info = load_token_info(cache) if cache.is_file() else None
    if info is None:
        info = analyse_tokenizer(tok, manifest.mask_token)
        with contextlib.suppress(OSError):  # a read-only cache only costs the analysis next time
            save_token_info(info, cache)
            for old in cache.parent.glob(f"{manifest.id}-*.npz"):  # the layout before VOCAB_VERSION 2
                old.unlink()
    return info


def _gathered_cache(model: Path, manifest: ModelManifest) -> Path:
    """Where the checked position-gathering graph of this model file is kept between starts.

    The name covers the model file (manifest checksum, size, modification time), this onnxruntime
    and this rewrite, so a graph is reused only for the exact file and runtime it was checked on.
    """
    import onnxruntime as ort

    digest = _cache_key(model, manifest, ort.__version__, GATHER_VERSION)
    return paths.cache_dir() / "gathered" / f"{manifest.id}-{digest}.onnx"


def _faster_runner(
    path: Path,
    runner: ModelRunner,
    tok: Tokenizer,
    info: TokenInfo,
    mask_token: str,
    report: ProviderReport,
    threads: int,
    spinning: bool = SPINNING,
    cache: Path | None = None,
) -> ModelRunner:
    """The same model with its head run only at the asked positions, if it predicts the same.

    Checked on probe sentences against the original graph. First each probe row alone, asking the
    rewritten graph for every position, so the head sees the activations it sees in the original
    graph; then the probes together in one padded batch, asking for the blanks and the rows' ends,
    so a wrong row offset shows. Where the int8 kernels give both graphs bit-identical arithmetic
    the two agree to float precision. Elsewhere (x86 CPUs without VNNI: onnxruntime picks its
    u8s8 kernel by the matrix shape, and the two graphs' shapes differ) they differ by int8 noise:
    up to about 2 nats on the 10 best words, the same best word nearly everywhere, and each as
    close to the float model as the other (measured against the bundled model's float reference).
    A wrong wiring (a wrong tensor, row or position) instead changes the best word at most
    positions and moves the best words by 10 nats or more, so ``_agrees`` tells the two apart.
    Anything else keeps the original graph. A graph that passed is written to ``cache`` (best
    effort), so later starts open one session instead of two and skip the check; a graph that
    failed is remembered next to it (``.rejected``), so later starts skip the rewrite.
    """
    gathered = load_gathered(path)
    if gathered is None:
        return runner
    try:
        session, _ = create_session(gathered, report.active, threads, spinning=spinning)
        fast = ModelRunner(session, info.pad_id, info.size)
        if not fast.gathers:
            return runner
        wants: list[np.ndarray] = []
        gots: list[np.ndarray] = []
        batch: list[Row] = []
        batch_wants: list[np.ndarray] = []
        for text in _PROBES:
            start = text.index("___")
            doc = encode_with_blanks(tok, info, text, [(start, start + 3)], mask_token)
            row = doc.row(info, [[info.mask_id]], 0, [0], 64)
            every = [Row(row.ids, tuple(range(len(row.ids))))]  # one row per run: no padding
            (want,), (got,) = runner.log_probs(every), fast.log_probs(every)
            wants.append(want)
            gots.append(got)
            asked = (*row.positions, 0, len(row.ids) - 1)
            batch.append(Row(row.ids, asked))
            batch_wants.append(want[list(asked)])
        wants.extend(batch_wants)
        gots.extend(fast.log_probs(batch))  # rows of different lengths: padded, one run
        if not _agrees(np.concatenate(wants), np.concatenate(gots)):
            return runner
    except ClozeError:
        return runner
    if cache is not None:
        with contextlib.suppress(OSError):  # a read-only cache only costs the check next time
            atomic_write_bytes(cache, gathered)
    fast.runs = runner.runs
    return fast


# How far the rewritten graph's log-probabilities may stray from the original's on the probes'
# 10 best words per position, where the int8 kernels round the two differently (see _faster_runner).
NOISE_MEDIAN_NATS = 2.0
NOISE_WORST_NATS = 5.0
SAME_BEST_WORD = 0.9
NOISE_SHARE_OF_SPREAD = 0.25


def _agrees(want: np.ndarray, got: np.ndarray) -> bool:
    """True when ``got`` [positions, vocab] predicts what ``want`` does, up to int8 rounding noise.

    Noise must also stay well below how much the predictions differ from one position to the next
    (a random test model predicts nearly the same words everywhere, so there a wrong position would
    otherwise pass as noise).
    """
    if want.shape != got.shape or len(want) < 2:
        return False
    best = want.argmax(-1) == got.argmax(-1)
    if best.all() and float(np.abs(want - got).max()) <= 1e-3:
        return True  # the same arithmetic
    top = np.argsort(-want, axis=-1)[:, :10]

    def gaps(other: np.ndarray) -> np.ndarray:
        return np.abs(np.take_along_axis(want, top, -1) - np.take_along_axis(other, top, -1)).max(-1)

    noise = gaps(got)
    spread = float(np.median(gaps(np.roll(want, 1, axis=0))))  # each position against its neighbour
    return (
        float(best.mean()) >= SAME_BEST_WORD
        and float(np.median(noise)) <= min(NOISE_MEDIAN_NATS, spread * NOISE_SHARE_OF_SPREAD)
        and float(noise.max()) <= NOISE_WORST_NATS
    )


_PROBES = (
    "The ___ sat on the mat.",
    "She opened the door with her ___ and walked into the quiet house where nobody had lived for years.",
    "___ is the capital of the country.",
)
