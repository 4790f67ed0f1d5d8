"""The model's own word vectors (its head's rows) and how the exercise judge uses them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from cloze_app.core.engine.word_vectors import WordVectors, decoder_vectors, load_word_vectors
from cloze_app.core.learn.answers import JUDGE, PLAIN_JUDGE, SlotView

VOCAB, HIDDEN = 12, 4


def _cos(vectors: WordVectors, a: list[int], b: list[int]) -> float:
    """Cosine of two words' vectors (their pieces' mean rows)."""
    va, vb = vectors.vector(a), vectors.vector(b)
    assert va is not None and vb is not None
    return float(va @ vb)


def _head_model(weight: np.ndarray) -> onnx.ModelProto:
    """input_ids -> embedding -> MatMul(weight [hidden, vocab]) + bias -> logits."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.normal(size=(VOCAB, HIDDEN)).astype(np.float32), "EMB"),
        numpy_helper.from_array(weight.astype(np.float32), "DECODER"),
        numpy_helper.from_array(np.zeros(VOCAB, dtype=np.float32), "BIAS"),
    ]
    nodes = [
        helper.make_node("Gather", ["EMB", "input_ids"], ["hidden"]),
        helper.make_node("MatMul", ["hidden", "DECODER"], ["scores"]),
        helper.make_node("Add", ["scores", "BIAS"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "head",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "seq", VOCAB])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _weight() -> np.ndarray:
    w = np.random.default_rng(1).normal(size=(HIDDEN, VOCAB)).astype(np.float32)
    w[:, 3] = 2.0 * w[:, 2]  # word 3 points where word 2 does
    w[:, 4] = -w[:, 2]  # word 4 the other way
    return w


def test_the_heads_rows_are_read_from_a_float_graph() -> None:
    vectors = decoder_vectors(_head_model(_weight()), VOCAB)
    assert vectors is not None and vectors.vocab_size == VOCAB
    np.testing.assert_allclose(vectors.rows([5]), _weight()[:, [5]])
    assert _cos(vectors, [2], [3]) == pytest.approx(1.0)
    assert _cos(vectors, [2], [4]) == pytest.approx(-1.0)
    # a word of two pieces: the mean of their rows
    both = _weight()[:, 5] + _weight()[:, 6]
    expected = float(both @ _weight()[:, 5] / np.linalg.norm(both) / np.linalg.norm(_weight()[:, 5]))
    assert _cos(vectors, [5, 6], [5]) == pytest.approx(expected, abs=1e-6)


def test_an_int8_head_is_read_with_its_scales(tmp_path: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    float_path, int8_path = tmp_path / "float.onnx", tmp_path / "int8.onnx"
    onnx.save(_head_model(_weight()), str(float_path))
    quantize_dynamic(str(float_path), str(int8_path), weight_type=QuantType.QInt8, per_channel=True)
    ops = {node.op_type for node in onnx.load(str(int8_path)).graph.node}
    assert "MatMulInteger" in ops
    vectors = load_word_vectors(int8_path, VOCAB)
    assert vectors is not None and vectors.table.dtype == np.int8
    for word in range(VOCAB):
        got = vectors.rows([word])[:, 0]
        want = _weight()[:, word]
        assert float(got @ want / np.linalg.norm(got) / np.linalg.norm(want)) > 0.999
    assert _cos(vectors, [2], [3]) == pytest.approx(1.0, abs=1e-3)


def test_where_proposals_point_is_their_probability_weighted_direction() -> None:
    vectors = decoder_vectors(_head_model(_weight()), VOCAB)
    assert vectors is not None
    pointed = vectors.expected([(2, 0.9), (7, 0.1)])
    assert pointed is not None and float(np.linalg.norm(pointed)) == pytest.approx(1.0)
    near, far = vectors.vector([3]), vectors.vector([4])
    assert near is not None and far is not None
    assert float(near @ pointed) > 0.8 > -0.8 > float(far @ pointed)
    assert vectors.expected([(99, 1.0)]) is None  # out of the vocabulary: nothing to point at


def test_a_graph_without_a_readable_head_gives_no_vectors(tmp_path: Path) -> None:
    model = _head_model(_weight())
    model.graph.node[1].op_type = "Mul"  # no matrix product before the logits
    assert decoder_vectors(model, VOCAB) is None
    assert decoder_vectors(_head_model(_weight()), VOCAB + 1) is None  # not the vocabulary's size
    broken = tmp_path / "model.onnx"
    broken.write_bytes(b"not a model")
    assert load_word_vectors(broken, VOCAB) is None
    assert load_word_vectors(tmp_path / "missing.onnx", VOCAB) is None


def _view(similar: dict[str, float], proposed: dict[str, float]) -> SlotView:
    """A slot where "near" and "far" score the same as each other, a little below the answer."""
    scores = {"answer": -1.0, "near": -3.5, "far": -3.5, "best": -0.5}
    top = (("best", -0.5), ("answer", -1.0))
    aware = {"near": -6.5, "far": -6.5, "answer": 0.0}
    return SlotView("answer", scores, top, "NN", -0.5, aware, dict(aware), similar, proposed)


def test_a_word_near_the_answer_and_the_proposals_fits_where_one_far_from_them_does_not() -> None:
    view = _view({"near": 0.45, "far": 0.05}, {"near": 0.45, "far": 0.1})
    assert view.settings() == JUDGE
    assert view.fits("near") and not view.fits("far")
    # The model's scores alone (no similarities) cannot tell them apart.
    plain = _view({}, {})
    assert plain.settings() == PLAIN_JUDGE
    assert plain.fits("near") == plain.fits("far")


def test_the_judge_settings_use_the_similarities_they_were_fitted_with() -> None:
    assert JUDGE.similar_weight > 0 and JUDGE.proposal_weight >= 0
    assert PLAIN_JUDGE.similar_weight == PLAIN_JUDGE.proposal_weight == 0
    assert math.isfinite(JUDGE.aware_margin)


def test_word_vectors_keep_the_table_as_stored() -> None:
    table = np.arange(HIDDEN * VOCAB, dtype=np.int8).reshape(HIDDEN, VOCAB)
    scale = np.full(VOCAB, 0.5, dtype=np.float32)
    zero = np.ones(VOCAB, dtype=np.int8)
    vectors = WordVectors(table, scale, zero)
    np.testing.assert_allclose(vectors.rows([2]), (table[:, [2]].astype(np.float32) - 1) * 0.5)
