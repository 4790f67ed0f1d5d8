"""One onnxruntime session, fed what the graph declares, run on batches of token rows."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
    """Numerically stable log-softmax over the last axis."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def create_session(
    model_path: Path | bytes, provider: str | None, threads: int, *, strict: bool = False
) -> tuple[ort.InferenceSession, ProviderReport]:
    """Create the session on the preferred provider, falling back to CPU with a stated reason.

    Raises:
        ProviderError: with ``strict=True`` when the preferred provider cannot be used.
        ModelError: when onnxruntime cannot load the model even on CPU.
    """
    requested = canonical_name(provider)
    providers, reason = provider_list(requested)
    if reason and strict:
        raise ProviderError(reason)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = max(0, int(threads))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    source = model_path if isinstance(model_path, bytes) else str(model_path)
    where = "the model" if isinstance(model_path, bytes) else str(model_path)
    try:
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


class ModelRunner:
    """Runs rows through the session in as few ``session.run`` calls as memory allows."""

    def __init__(self, session: ort.InferenceSession, pad_id: int, vocab_size: int) -> None:
        self.session = session
        self.pad_id = pad_id
        self.vocab_size = vocab_size
        self.inputs = [i.name for i in session.get_inputs()]
        self.gathers = POSITIONS_INPUT in self.inputs  # the head runs only at requested positions
        outputs = [o.name for o in session.get_outputs()]
        if "input_ids" not in self.inputs:
            raise ModelError(f"model.onnx has no 'input_ids' input (it has {', '.join(self.inputs)}).")
        self.output = "logits" if "logits" in outputs else outputs[0]
        self._lock = threading.Lock()
        self.runs = 0
        self.rows_run = 0  # rows asked for by log_probs (a measure of the work done)

    def _feed(self, batch: np.ndarray, attention: np.ndarray, positions: np.ndarray) -> dict[str, np.ndarray]:
        feed: dict[str, np.ndarray] = {}
        for name in self.inputs:
            if name == POSITIONS_INPUT:
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

    def log_probs(self, rows: Sequence[Row]) -> list[np.ndarray]:
        """For each row, log-probabilities ``[len(row.positions), vocab]`` at its positions."""
        self.rows_run += len(rows)
        results: list[np.ndarray | None] = [None] * len(rows)
        order = sorted(range(len(rows)), key=lambda i: len(rows[i].ids))
        start = 0
        while start < len(order):
            longest = len(rows[order[start]].ids)
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
                    count * width * self.vocab_size > LOGITS_BUDGET
                    or count * longest_next**2 > ATTENTION_BUDGET
                ):
                    break
                longest = longest_next
                end += 1
            chunk = order[start:end]
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
                picked = log_softmax(logits[r, at].astype(np.float32))
                results[index] = self._fit_vocab(picked)
            start = end
        return [r for r in results if r is not None]

    def _run(self, batch: np.ndarray, attention: np.ndarray, positions: np.ndarray) -> np.ndarray:
        try:
            (logits,) = self.session.run([self.output], self._feed(batch, attention, positions))
        except Exception as exc:
            raise InferenceError(f"The model failed to run on a batch of shape {batch.shape}: {exc}") from exc
        with self._lock:
            self.runs += 1
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
