"""Int8 activations quantized per token: a sentence scores the same alone and in any batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cloze_app.core.engine import rowquant
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.engine.manifest import MODEL_FILE
from cloze_app.core.engine.session import Row

pytest.importorskip("torch")
pytest.importorskip("transformers")
onnx = pytest.importorskip("onnx")

from cloze_app.core.models.store import convert_and_install  # noqa: E402
from tests.hf_fixtures import write_bert_checkpoint  # noqa: E402


def convert(tmp_path_factory: pytest.TempPathFactory, *, per_token: bool) -> Path:
    patch = pytest.MonkeyPatch()
    patch.setenv("CLOZE_HOME", str(tmp_path_factory.mktemp("home")))
    if not per_token:
        patch.setattr(rowquant, "rewrite_file", lambda path: 0)
    try:
        checkpoint = write_bert_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny-bert")
        return Path(convert_and_install(checkpoint).info.path)
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BERT converted to int8 the way users convert theirs."""
    return convert(tmp_path_factory, per_token=True)


@pytest.fixture(scope="module")
def per_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same conversion with onnxruntime's usual activation scale per batch."""
    return convert(tmp_path_factory, per_token=False)


def rows_for(engine: ClozeEngine, texts: list[str]) -> list[Row]:
    rows = []
    for text in texts:
        ids = tuple(engine.tokenizer.encode(text).ids)
        rows.append(Row(ids, (1, len(ids) - 2)))
    return rows


def test_converted_models_quantize_activations_per_token(converted: Path) -> None:
    model = onnx.load(str(converted / MODEL_FILE))
    assert rowquant.is_per_token(model)
    ops = {node.op_type for node in model.graph.node}
    assert "QuantizeLinear" in ops and "MatMulInteger" in ops


def batch_gaps(folder: Path, gather_head: bool) -> list[float]:
    """How far a sentence's log-probabilities move when other rows share its batch."""
    engine = ClozeEngine.load(folder, gather_head=gather_head, threads=1)  # one thread: rows share a batch
    runner = engine.decoder.runner
    mine, short, long = rows_for(
        engine,
        [
            "the cat sat on the mat .",
            "a dog",
            "she drank a cup of tea and ate bread in the city by the river on a sunny day .",
        ],
    )
    alone = runner.log_probs([mine])[0]
    return [
        float(np.abs(runner.log_probs([mine, *mates])[0] - alone).max())
        for mates in ([short], [long], [long, short, long])
    ]


@pytest.mark.parametrize("gather_head", [True, False])
def test_a_sentence_scores_the_same_alone_and_next_to_any_other(
    converted: Path, per_batch: Path, gather_head: bool
) -> None:
    assert max(batch_gaps(converted, gather_head)) < 1e-4
    # What the rewrite removes: with one scale per batch, the neighbours move the scores.
    assert max(batch_gaps(per_batch, gather_head)) > 1e-3


def test_a_graph_whose_scales_are_used_otherwise_is_left_alone() -> None:
    from onnx import TensorProto, helper

    node = helper.make_node("DynamicQuantizeLinear", ["x"], ["q", "s", "z"])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [
            helper.make_tensor_value_info("q", TensorProto.UINT8, [2, 3]),
            helper.make_tensor_value_info("s", TensorProto.FLOAT, []),
        ],
    )
    model = helper.make_model(graph)
    assert rowquant.per_token_activations(model) == 0
    assert [n.op_type for n in model.graph.node] == ["DynamicQuantizeLinear"]
