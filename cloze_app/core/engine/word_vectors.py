"""The model's own word vectors: the rows of its vocabulary head, read from the model file.

A masked-LM head scores a word as the product of the last hidden state with the word's row of
the decoder matrix, so words the model predicts in the same contexts get rows that point the
same way: a distributional similarity that comes with every model, no extra data. The exercise
judge uses it as evidence that a learner's word means what the answer means ("enormous" for
"big"): its cosine with the answer's vector, and with where the model's proposals for the
slot point, the answer in view (``answers.JudgeSettings``). On SWORDS dev
(``scripts/eval_exercises.py judge``) the first tells substitutes most judges accepted from
substitutes no judge accepted (median 0.28 against 0.18 for the bundled model; random words
0.09), the second about as well (0.34 against 0.23; 0.14), and each adds to the model's scores.

The decoder is found by walking back from the logits to the first matrix product; its weight
is an initializer, float or int8 with a scale per word (onnxruntime's dynamic quantization:
``W_quantized`` with ``W_scale`` and ``W_zero_point``). A graph of another shape gives no vectors
and the judge works without them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cloze_app.core.engine.head_gather import matmuls_back

if TYPE_CHECKING:
    import onnx

_READABLE = frozenset({"MatMul", "MatMulInteger", "Gemm"})  # decoders whose weight is a plain table


class WordVectors:
    """The decoder's rows, kept as stored (int8 with a scale per word, or float)."""

    def __init__(self, table: np.ndarray, scale: np.ndarray | None = None, zero: np.ndarray | None = None):
        """``table``: [hidden, vocab] (a word per column); ``scale``/``zero``: per word, or None."""
        self.table = table
        self.scale = scale
        self.zero = zero

    @property
    def vocab_size(self) -> int:
        return int(self.table.shape[1])

    def rows(self, ids: Sequence[int]) -> np.ndarray:
        """The rows of ``ids`` as floats, [hidden, len(ids)] (ids in range)."""
        cols = self.table[:, ids].astype(np.float32)
        if self.zero is not None:
            cols -= self.zero[ids].astype(np.float32)
        if self.scale is not None:
            cols *= self.scale[ids].astype(np.float32)
        return cols

    def vector(self, ids: Sequence[int]) -> np.ndarray | None:
        """The unit mean of the rows of ``ids`` (a word's pieces), or None (no id in range)."""
        ids = [i for i in ids if 0 <= i < self.vocab_size]
        return _unit(self.rows(ids).mean(axis=1)) if ids else None

    def expected(self, weighted: Sequence[tuple[int, float]]) -> np.ndarray | None:
        """The unit sum of the unit rows of ``(id, weight)`` pairs: where a proposal points (the
        model's best words at a place, weighed by their probabilities), or None."""
        pairs = [(i, w) for i, w in weighted if 0 <= i < self.vocab_size]
        if not pairs:
            return None
        cols = self.rows([i for i, _ in pairs])
        norms = np.linalg.norm(cols, axis=0)
        weights = np.array([w for _, w in pairs], dtype=np.float32) / np.where(norms > 0, norms, 1.0)
        return _unit(cols @ weights)


def decoder_vectors(model: onnx.ModelProto, vocab_size: int) -> WordVectors | None:
    """The vocabulary head's rows of ``model`` (see the module docstring), or None."""
    from onnx import numpy_helper

    if not model.graph.output:
        return None
    decoder = next(matmuls_back(model, model.graph.output[0].name), None)
    if decoder is None or decoder.op_type not in _READABLE:
        return None
    inits = {init.name: init for init in model.graph.initializer}
    weight = next((i for i in decoder.input[:2] if i in inits), None)
    if weight is None:
        return None
    table = numpy_helper.to_array(inits[weight])
    if table.ndim != 2 or vocab_size not in table.shape:
        return None
    transposed = decoder.op_type == "Gemm" and any(a.name == "transB" and a.i for a in decoder.attribute)
    if transposed or (table.shape[0] == vocab_size and table.shape[1] != vocab_size):
        table = table.T  # [vocab, hidden] -> [hidden, vocab]
    if decoder.op_type != "MatMulInteger":
        return WordVectors(np.ascontiguousarray(table, dtype=np.float32))
    base = weight.removesuffix("_quantized")
    scale_name = f"{base}_scale"
    zero_name = (
        decoder.input[3] if len(decoder.input) > 3 and decoder.input[3] in inits else f"{base}_zero_point"
    )
    if scale_name not in inits:
        return None
    scale = numpy_helper.to_array(inits[scale_name]).astype(np.float32).reshape(-1)
    zero = numpy_helper.to_array(inits[zero_name]).reshape(-1) if zero_name in inits else None
    if scale.size == 1:
        scale = np.full(vocab_size, float(scale[0]), dtype=np.float32)
    if zero is not None and zero.size == 1:
        zero = np.full(vocab_size, zero[0], dtype=zero.dtype)
    if scale.size != vocab_size or (zero is not None and zero.size != vocab_size):
        return None
    return WordVectors(table, scale, zero)


def load_word_vectors(path: Path, vocab_size: int) -> WordVectors | None:
    """The word vectors of the model file at ``path`` (None: unreadable or of another shape)."""
    import onnx

    try:
        model = onnx.load(str(path))
        return decoder_vectors(model, vocab_size)
    except Exception:  # an odd or unreadable graph: the judge works without vectors
        return None


class ModelWordVectors:
    """The word vectors of one model file, read on the first ``get`` (once, whichever thread
    asks first; the others wait for it)."""

    def __init__(self, path: Path, vocab_size: int) -> None:
        self._path, self._vocab_size = path, vocab_size
        self._lock = threading.Lock()
        self._read = False
        self._vectors: WordVectors | None = None

    def get(self) -> WordVectors | None:
        with self._lock:
            if not self._read:
                self._vectors = load_word_vectors(self._path, self._vocab_size)
                self._read = True
            return self._vectors


def _unit(v: np.ndarray) -> np.ndarray | None:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else None
