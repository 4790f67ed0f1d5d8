"""The one place that opens ONNX sessions: the engine, install-time validation, conversion and
"Measure speed" all get their session from ``create_session`` (same options, same input contract),
fed what the graph declares, run on batches of token rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from cloze_app.core.engine.head_gather import POSITIONS_INPUT
from cloze_app.core.engine.providers import CPU, LABELS, available_providers, canonical_name, provider_list
from cloze_app.core.errors import InferenceError, ModelError, ProviderError
from cloze_app.core.types import ProviderReport

# Largest logits tensor one run may produce (floats); bigger batches are split into several runs.
LOGITS_BUDGET = 48 * 1024 * 1024
MAX_ROWS_PER_RUN = 64
# Rows x length^2 bound on one run's attention matrices (long windows run in smaller batches).
ATTENTION_BUDGET = 4 * 1024 * 1024


@dataclass(frozen=True)
class Row:
    """One sequence to run (special tokens included) and the positions whose predictions we need."""

    ids: tuple[int, ...]
    positions: tuple[int, ...]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Numerically stable log-softmax over the last axis (float32, a new array)."""
    out = np.array(logits, dtype=np.float32)
    out -= out.max(axis=-1, keepdims=True)
    out -= np.log(np.exp(out).sum(axis=-1, keepdims=True))
    return out


# "{mask}" is replaced by the model's own mask token.
PROBES: dict[str, tuple[str, ...]] = {
    "en": (
        "The capital of France is {mask}.",
        "She poured the tea into a {mask} and sat down.",
        "I would like to {mask} a table for two, please.",
        "The children {mask} in the park after school.",
    ),
    "de": ("Die Hauptstadt von Deutschland ist {mask}.", "Ich trinke jeden Morgen eine Tasse {mask}."),
    "fr": ("La capitale de la France est {mask}.", "Je voudrais un {mask} de café, s'il vous plaît."),
    "es": ("La capital de España es {mask}.", "Me gusta {mask} libros por la noche."),
    "it": ("La capitale d'Italia è {mask}.",),
    "nl": ("De hoofdstad van Nederland is {mask}.",),
    "pt": ("A capital de Portugal é {mask}.",),
    "zh": ("中国的首都是{mask}京。", "我每天早上喝一杯{mask}。"),
    "ja": ("日本の首都は{mask}京です。",),
}


def probe_texts(languages: Sequence[str], mask_token: str, limit: int = 6) -> list[str]:
    """Probe sentences for a model's languages (English when none of them has probes)."""
    texts: list[str] = []
    for lang in [*languages, "en"]:
        for text in PROBES.get(lang.split("-")[0].lower(), ()):
            filled = text.format(mask=mask_token)
            if filled not in texts:
                texts.append(filled)
    return texts[:limit]


# Idle intra-op threads do not spin by default: with 2 threads on a 2-core machine that also runs
# the window (and other programs), spinning made one blank 2-3x slower (``python -m bench.threads``,
# docs/benchmarks.md), and a spinning thread burns a core while the user reads the suggestions.
SPINNING = False


def session_options(threads: int, *, spinning: bool = SPINNING) -> ort.SessionOptions:
    """The options every Cloze session runs with.

    Args:
        threads: intra-op threads (0: onnxruntime's choice, one per physical core).
        spinning: let idle intra-op threads spin while waiting for work.
    """
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = max(0, int(threads))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return options


def create_session(
    model_path: Path | bytes,
    provider: str | None = None,
    threads: int = 0,
    *,
    strict: bool = False,
    spinning: bool = SPINNING,
    keep_optimized: bool = True,
) -> tuple[ort.InferenceSession, ProviderReport]:
    """Create the session on the preferred provider, falling back to CPU with a stated reason.

    ``keep_optimized``: on CPU, a model file's graph as onnxruntime optimized it is kept in
    Cloze's cache (``optimized/``), and later sessions of the same file open that copy without
    optimizing again (the same outputs, bit for bit; a start saves the optimization's 0.1-0.2 s).

    Raises:
        ProviderError: with ``strict=True`` when the preferred provider cannot be used.
        ModelError: when onnxruntime cannot load the model even on CPU.
    """
    requested = canonical_name(provider)
    providers, reason = provider_list(requested)
    if reason and strict:
        raise ProviderError(reason)
    options = session_options(threads, spinning=spinning)
    source = model_path if isinstance(model_path, bytes) else str(model_path)
    where = "the model" if isinstance(model_path, bytes) else str(model_path)
    kept = _optimized_file(model_path) if keep_optimized and providers == [CPU] else None
    try:
        session = _open_kept(str(source), kept, threads, spinning) if kept is not None else None
        if session is None:
            session = ort.InferenceSession(source, sess_options=options, providers=providers)
    except Exception as exc:  # onnxruntime raises its own (unexported) exception types
        if providers == [CPU]:
            raise ModelError(f"onnxruntime cannot load {where}: {exc}") from exc
        reason = f"{LABELS.get(providers[0], providers[0])} could not start ({exc}); using CPU."
        if strict:
            raise ProviderError(reason) from exc
        try:
            session = ort.InferenceSession(source, sess_options=options, providers=[CPU])
        except Exception as cpu_exc:
            raise ModelError(f"onnxruntime cannot load {where}: {cpu_exc}") from cpu_exc
    active = session.get_providers()[0]
    if requested and requested != CPU and active != requested and reason is None:
        reason = f"{LABELS.get(requested, requested)} could not start on this machine; using CPU."
        if strict:
            raise ProviderError(reason)
    report = ProviderReport(
        requested=requested,
        active=active,
        available=tuple(available_providers()),
        fallback_reason=reason,
    )
    return session, report


def open_session(model_file: Path, threads: int = 0) -> ort.InferenceSession:
    """A CPU session for a model file with the engine's options (install checks, conversion).

    Raises:
        ModelError: when onnxruntime cannot load the file.
    """
    session, _ = create_session(model_file, CPU, threads, keep_optimized=False)
    return session


def feed_inputs(
    names: Sequence[str], batch: np.ndarray, attention: np.ndarray, positions: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """What each declared graph input gets (``token_type_ids``/``position_ids`` only when declared).

    Raises:
        ModelError: for an input Cloze cannot fill.
    """
    feed: dict[str, np.ndarray] = {}
    for name in names:
        if name == POSITIONS_INPUT and positions is not None:
            feed[name] = positions
        elif name == "input_ids":
            feed[name] = batch
        elif name == "attention_mask":
            feed[name] = attention
        elif name == "token_type_ids":
            feed[name] = np.zeros_like(batch)
        elif name == "position_ids":
            feed[name] = np.broadcast_to(np.arange(batch.shape[1], dtype=np.int64), batch.shape).copy()
        else:
            raise ModelError(f"model.onnx needs an input {name!r} that Cloze does not know how to fill.")
    return feed


def mask_logits(session: Any, tokenizer: Any, text: str, mask_id: int, max_length: int) -> np.ndarray:
    """Logits at every mask position of ``text`` (rows: mask positions), fed as the engine feeds.

    Raises:
        ModelError: when the graph lacks ``input_ids`` or a ``logits`` output, or needs an input
            Cloze cannot fill.
    """
    names = [i.name for i in session.get_inputs()]
    if "input_ids" not in names:
        raise ModelError(f"The ONNX graph has no input 'input_ids' (it has {', '.join(names)}).")
    outputs = [o.name for o in session.get_outputs()]
    if "logits" not in outputs:
        raise ModelError(f"The ONNX graph has no output 'logits' (it has {', '.join(outputs)}).")
    ids = np.array([tokenizer.encode(text).ids[:max_length]], dtype=np.int64)
    logits = session.run(["logits"], feed_inputs(names, ids, np.ones_like(ids)))[0][0]
    positions = np.flatnonzero(ids[0] == mask_id)
    return np.asarray(logits[positions], dtype=np.float32)


def physical_cores() -> int:
    """Physical cores this process may use (Linux: the hyper-threads of one core count once);
    elsewhere the CPU count."""
    try:
        allowed = os.sched_getaffinity(0)
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
    cores: set[tuple[str, str]] = set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            cpu, package = -1, ""
            for line in handle:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if key == "processor":
                    cpu, package = int(value), ""
                elif key == "physical id":
                    package = value
                elif key == "core id" and cpu in allowed:
                    cores.add((package, value))
    except (OSError, ValueError):
        return max(1, len(allowed))
    return max(1, min(len(cores), len(allowed))) if cores else max(1, len(allowed))


class _Task:
    """A call run by a helper thread; ``result`` waits for it (and raises what it raised)."""

    def __init__(self, call: Callable[[], None]) -> None:
        self.call = call
        self.done = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.call()
        except BaseException as exc:  # handed to the caller by result()
            self.error = exc
        finally:
            self.done.set()

    def result(self) -> None:
        self.done.wait()
        if self.error is not None:
            raise self.error


class _Helpers:
    """Daemon threads, shared by every runner of the process, that run ``session.run`` calls
    beside the calling thread's own (onnxruntime releases the interpreter lock while it runs).
    Started on first use, as many as the most any runner asked for; they never submit work
    themselves, so a caller waiting for its tasks always sees them run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tasks: deque[_Task] = deque()
        self._ready = threading.Semaphore(0)
        self._threads = 0

    def submit(self, call: Callable[[], None], helpers: int) -> _Task:
        task = _Task(call)
        with self._lock:
            while self._threads < helpers:
                self._threads += 1
                threading.Thread(target=self._serve, name=f"cloze-run-{self._threads}", daemon=True).start()
            self._tasks.append(task)
        self._ready.release()
        return task

    def _serve(self) -> None:
        while True:
            self._ready.acquire()
            with self._lock:
                task = self._tasks.popleft()
            task.run()


_HELPERS = _Helpers()
# Runs of one request at once at most (a CPU with more cores still gets this many).
MAX_WORKERS = 8


class ModelRunner:
    """Runs rows through the session in as few ``session.run`` calls as memory allows.

    ``workers`` > 1 (a CPU session with one intra-op thread): the runs of a request are spread
    over that many threads at once, a batch of several rows split in two when there are fewer
    runs than threads. A request's runs are small (a one-blank sentence: one run of two rows, then
    one of four): one thread does a 16-token row as fast as two sharing it, so two rows on two
    threads take the time of one (``python -m bench.threads``). Each row's scores are the same
    either way: activations are quantized per token.
    """

    def __init__(self, session: ort.InferenceSession, pad_id: int, vocab_size: int, workers: int = 1) -> None:
        self.session = session
        self.pad_id = pad_id
        self.vocab_size = vocab_size
        self.workers = max(1, min(int(workers), MAX_WORKERS))
        self.inputs = [i.name for i in session.get_inputs()]
        self.gathers = POSITIONS_INPUT in self.inputs  # the head runs only at requested positions
        outputs = [o.name for o in session.get_outputs()]
        if "input_ids" not in self.inputs:
            raise ModelError(f"model.onnx has no 'input_ids' input (it has {', '.join(self.inputs)}).")
        self.output = "logits" if "logits" in outputs else outputs[0]
        self._lock = threading.Lock()
        self.runs = 0
        self.rows_run = 0  # rows run (a measure of the work done)
        self.tokens_run = 0  # batch cells run (rows x padded length), the work onnxruntime does
        self.run_seconds = 0.0  # time inside session.run, summed over the threads running it

    def _feed(self, batch: np.ndarray, attention: np.ndarray, positions: np.ndarray) -> dict[str, np.ndarray]:
        return feed_inputs(self.inputs, batch, attention, positions)

    def log_probs(self, rows: Sequence[Row], *, spread: bool = True) -> list[np.ndarray]:
        """For each row, log-probabilities ``[len(row.positions), vocab]`` at its positions.

        Rows with the same tokens run once, reading all their positions: a token's output does
        not depend on which positions are read, so each gets exactly what it gets alone (joint
        filling asks one row per blank while the other blanks still hold masks: the same row).
        """
        return self.log_probs_grouped(rows, [range(len(rows))], spread=spread)

    def run_beside(self, rows: Sequence[Row]) -> Callable[[], list[np.ndarray]]:
        """Start ``log_probs(rows)`` on a helper thread, one run at a time there, and return a call
        that waits for its result: the caller's own runs meanwhile should pass ``spread=False``."""
        out: list[list[np.ndarray]] = []
        task = _HELPERS.submit(lambda: out.append(self.log_probs(rows, spread=False)), self.workers - 1)

        def wait() -> list[np.ndarray]:
            task.result()
            return out[0]

        return wait

    def log_probs_grouped(
        self, rows: Sequence[Row], groups: Iterable[Sequence[int]], *, spread: bool = True
    ) -> list[np.ndarray]:
        """``log_probs`` with each group of indices into ``rows`` in runs of its own (rows of two
        groups never share a batch: a short row padded to a long one costs the long one's work);
        the results in the order of ``rows`` (an empty array for a row in no group). ``spread``
        False: one run at a time on this thread."""
        where: dict[tuple[int, ...], int] = {}  # a row's tokens -> its index among the distinct rows
        positions: list[list[int]] = []  # the positions each distinct row reads
        members: list[list[int]] = []  # each group's distinct rows (a row asked twice: in its first group)
        of_row: dict[int, int] = {}  # index in ``rows`` -> distinct row
        for group in groups:
            mine = []
            for i in group:
                k = where.setdefault(rows[i].ids, len(positions))
                if k == len(positions):
                    positions.append([])
                    mine.append(k)
                reads = positions[k]
                reads.extend(p for p in rows[i].positions if p not in reads)
                of_row[i] = k
            if mine:
                members.append(mine)
        unique = [Row(ids, tuple(positions[k])) for ids, k in where.items()]
        chunks = [chunk for mine in members for chunk in self._chunks(unique, mine)]
        found = self._run_chunks(unique, chunks, spread=spread)
        results: list[np.ndarray] = []
        for i, row in enumerate(rows):
            k = of_row.get(i, -1)
            if k < 0:
                results.append(np.empty(0))
            elif unique[k].positions == row.positions:
                results.append(found[k])
            else:
                results.append(found[k][[unique[k].positions.index(p) for p in row.positions]])
        return results

    def _chunks(self, rows: Sequence[Row], indices: Sequence[int]) -> list[list[int]]:
        """``indices`` in batches by length within the memory bounds (shared by the threads that
        run at once), shortest first."""
        logits_budget = LOGITS_BUDGET // self.workers
        attention_budget = ATTENTION_BUDGET // self.workers
        order = sorted(indices, key=lambda i: len(rows[i].ids))
        chunks = []
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and end - start < MAX_ROWS_PER_RUN:
                longest_next = len(rows[order[end]].ids)
                count = end - start + 1
                width = (
                    max(len(rows[i].positions) for i in order[start : end + 1])
                    if self.gathers
                    else longest_next
                )
                if (
                    count * width * self.vocab_size > logits_budget
                    or count * longest_next**2 > attention_budget
                ):
                    break
                end += 1
            chunks.append(order[start:end])
            start = end
        return chunks

    def _run_chunks(
        self, rows: Sequence[Row], chunks: list[list[int]], *, spread: bool = True
    ) -> list[np.ndarray]:
        """Each batch run; with several workers, batches split until every worker has one (when
        there are rows enough) and handed out longest work first to the least busy thread."""
        with self._lock:
            self.rows_run += sum(len(c) for c in chunks)
        found: list[np.ndarray] = [np.empty(0)] * len(rows)
        if self.workers == 1 or not spread or sum(len(c) for c in chunks) < 2:
            for chunk in chunks:
                self._run_chunk(rows, chunk, found)
            return found
        chunks = list(chunks)
        while len(chunks) < self.workers:
            big = max(range(len(chunks)), key=lambda c: len(chunks[c]))
            if len(chunks[big]) < 2:
                break
            chunk = chunks.pop(big)
            chunks += [chunk[0::2], chunk[1::2]]  # both halves span the lengths

        def cost(chunk: list[int]) -> int:
            return len(chunk) * max(len(rows[i].ids) for i in chunk)

        plans: list[list[list[int]]] = [[] for _ in range(min(self.workers, len(chunks)))]
        loads = [0] * len(plans)
        for chunk in sorted(chunks, key=cost, reverse=True):
            least = loads.index(min(loads))
            plans[least].append(chunk)
            loads[least] += cost(chunk)

        def run_plan(plan: list[list[int]]) -> Callable[[], None]:
            def run() -> None:
                for chunk in plan:
                    self._run_chunk(rows, chunk, found)

            return run

        tasks = [_HELPERS.submit(run_plan(plan), self.workers - 1) for plan in plans[1:]]
        try:
            run_plan(plans[0])()
        finally:
            for task in tasks:
                task.done.wait()
        for task in tasks:
            task.result()
        return found

    def _run_chunk(self, rows: Sequence[Row], chunk: Sequence[int], found: list[np.ndarray]) -> None:
        """Run one batch and put each row's log-probabilities at its index in ``found``."""
        longest = max(len(rows[i].ids) for i in chunk)
        batch = np.full((len(chunk), longest), self.pad_id, dtype=np.int64)
        attention = np.zeros((len(chunk), longest), dtype=np.int64)
        width = max(len(rows[i].positions) for i in chunk)
        positions = np.zeros((len(chunk), width), dtype=np.int64)
        for r, index in enumerate(chunk):
            ids = rows[index].ids
            batch[r, : len(ids)] = ids
            attention[r, : len(ids)] = 1
            positions[r, : len(rows[index].positions)] = rows[index].positions
        logits = self._run(batch, attention, positions)
        for r, index in enumerate(chunk):
            count = len(rows[index].positions)
            at = list(range(count)) if self.gathers else list(rows[index].positions)
            picked = log_softmax(logits[r, at])
            found[index] = self._fit_vocab(picked)

    def _run(self, batch: np.ndarray, attention: np.ndarray, positions: np.ndarray) -> np.ndarray:
        feed = self._feed(batch, attention, positions)
        started = time.perf_counter()
        try:
            (logits,) = self.session.run([self.output], feed)
        except Exception as exc:
            raise InferenceError(f"The model failed to run on a batch of shape {batch.shape}: {exc}") from exc
        with self._lock:
            self.runs += 1
            self.tokens_run += int(batch.size)
            self.run_seconds += time.perf_counter() - started
        expected = positions.shape if self.gathers else batch.shape
        if logits.ndim != 3 or logits.shape[:2] != expected or logits.shape[-1] < 2:
            raise ModelError(
                f"model.onnx output {self.output!r} has shape {logits.shape}; expected "
                f"[batch, sequence, vocabulary] logits of a masked language model."
            )
        return logits

    def _fit_vocab(self, log_probs: np.ndarray) -> np.ndarray:
        """Match the tokenizer's vocabulary: drop padding rows of the output, add -inf for tokens
        the model has no output for (added tokens)."""
        width = log_probs.shape[-1]
        if width == self.vocab_size:
            return log_probs
        if width > self.vocab_size:
            return log_probs[..., : self.vocab_size]
        pad = np.full((*log_probs.shape[:-1], self.vocab_size - width), -np.inf, dtype=log_probs.dtype)
        return np.concatenate([log_probs, pad], axis=-1)


OPTIMIZED_DIR = "optimized"
# Larger graphs are not kept (one protobuf file holds at most 2 GB).
MAX_OPTIMIZED_BYTES = 1 << 30
# The kept graph's weights of at least this size go to a file of their own beside it (``.data``),
# which onnxruntime maps instead of parsing them out of the protobuf: opening the bundled model's
# kept graph costs ~37 instead of ~55 ms of CPU (alternating opens of both layouts, same outputs).
EXTERNAL_MIN_BYTES = 1024
KEPT_LAYOUT = "external-1"  # in the kept file's name: a graph kept in another layout is replaced


def _optimized_file(model: Path | bytes) -> Path | None:
    """Where the optimized graph of ``model`` (a file) is kept: named by the file (path, size,
    modification time), this onnxruntime and this CPU's instruction sets; None for bytes."""
    if isinstance(model, bytes):
        return None
    try:
        from cloze_app.core import paths

        stat = model.stat()
        if stat.st_size > MAX_OPTIMIZED_BYTES:
            return None
        place = hashlib.sha256(str(model.resolve()).encode("utf-8")).hexdigest()[:16]
        key = "|".join((str(stat.st_size), str(stat.st_mtime_ns), ort.__version__, _cpu_flags(), KEPT_LAYOUT))
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        return paths.cache_dir() / OPTIMIZED_DIR / f"{place}-{digest}.onnx"
    except (OSError, ValueError):
        return None


def _cpu_flags() -> str:
    """The CPU's instruction sets (Linux), else its architecture: an optimized graph can depend on them."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return hashlib.sha256(line.encode("utf-8")).hexdigest()[:16]
    except OSError:
        pass
    return platform.machine()


def _open_kept(model: str, kept: Path, threads: int, spinning: bool) -> ort.InferenceSession | None:
    """A CPU session on the kept optimized graph of ``model``; on the first start, a session that
    optimizes ``model`` and writes the result to ``kept`` (best effort). None when neither works:
    the caller opens ``model`` as usual and reports its errors.

    The kept graph names the file that holds its large weights (``<kept>.<pid>.data``, written
    before the graph is moved into place, so a kept graph never names a partial one). A start
    that writes a new graph removes the other graphs and weight files of the same model file.
    """
    options = session_options(threads, spinning=spinning)
    if kept.is_file():
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            return ort.InferenceSession(str(kept), sess_options=options, providers=[CPU])
        except Exception:  # a damaged copy (or its weights gone): optimize the model again next start
            with contextlib.suppress(OSError):
                kept.unlink()
            return None
    partial = kept.with_name(f"{kept.stem}.{os.getpid()}.partial")
    weights = kept.with_name(f"{kept.stem}.{os.getpid()}.data")
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        options.optimized_model_filepath = str(partial)
        # The name is relative to the graph's folder; the graph keeps naming it once renamed.
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_file_name", weights.name
        )
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_min_size_in_bytes", str(EXTERNAL_MIN_BYTES)
        )
        session = ort.InferenceSession(model, sess_options=options, providers=[CPU])
    except Exception:
        for path in (partial, weights):
            with contextlib.suppress(OSError):
                path.unlink()
        return None
    try:
        os.replace(partial, kept)
    except OSError:  # e.g. another start holds the file open: keep nothing this time
        for path in (partial, weights):
            with contextlib.suppress(OSError):
                path.unlink()
        return session
    place = kept.name.split("-")[0]
    for old in [*kept.parent.glob(f"{place}-*.onnx"), *kept.parent.glob(f"{place}-*.data")]:
        if old not in (kept, weights):  # earlier versions of the same file, or a racing start's
            with contextlib.suppress(OSError):
                old.unlink()
    return session
