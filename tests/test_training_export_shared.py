"""The int8 export keeps the tied word embedding once, and only when the two copies really are tied."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime.quantization")

from onnx import numpy_helper  # noqa: E402

from cloze_app.training.export import export_fp32, onnx_logits, quantize_int8, share_tied_embedding  # noqa: E402
from cloze_app.training.model import BertConfig, BertMLM  # noqa: E402

VOCAB = 8000  # export_fp32 traces with real WordPiece ids (up to 7592)


def _int8(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    model = BertMLM(
        BertConfig(
            vocab_size=VOCAB,
            hidden_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=128,
            max_position_embeddings=64,
        )
    )
    with torch.no_grad():
        model.word_embeddings.weight.mul_(0.05)  # BERT-like scale, so int8 steps are small
    model.eval()
    model.explicit_attention = True
    fp32 = tmp_path / "fp32.onnx"
    export_fp32(model, fp32)
    int8 = tmp_path / "int8.onnx"
    quantize_int8(fp32, int8)
    return int8


def test_shared_embedding_is_smaller_and_predicts_the_same(tmp_path: Path) -> None:
    int8 = _int8(tmp_path)
    shared = tmp_path / "shared.onnx"
    shutil.copy(int8, shared)
    saved = share_tied_embedding(shared)
    assert saved >= VOCAB * 64 * 0.9  # one byte per weight of the [vocab, hidden] table is gone
    assert shared.stat().st_size == int8.stat().st_size - saved
    graph = onnx.load(str(shared)).graph
    tables = [i for i in graph.initializer if list(i.dims) in ([VOCAB, 64], [64, VOCAB])]
    assert len(tables) == 1

    rng = np.random.default_rng(0)
    ids = rng.integers(5, VOCAB, size=(4, 12))
    ids[:, 0], ids[:, -1] = 2, 3
    attn = np.ones_like(ids)
    a, b = onnx_logits(int8)(ids, attn), onnx_logits(shared)(ids, attn)
    assert a.shape == b.shape == (4, 12, VOCAB)
    assert (a.argmax(-1) == b.argmax(-1)).mean() > 0.9
    assert np.abs(a - b).max() < 0.1 * np.abs(a).max()


def test_untied_copies_are_left_alone(tmp_path: Path) -> None:
    int8 = _int8(tmp_path)
    model = onnx.load(str(int8))
    table = next(i for i in model.graph.initializer if list(i.dims) == [VOCAB, 64])
    arr = numpy_helper.to_array(table).copy()
    arr[7] = arr[7][::-1]  # word 7's embedding no longer matches its decoder column
    table.CopyFrom(numpy_helper.from_array(arr, table.name))
    onnx.save(model, str(int8))
    before = int8.read_bytes()
    assert share_tied_embedding(int8) == 0
    assert int8.read_bytes() == before


def _lookups(model: onnx.ModelProto) -> list[tuple[list[int], int]]:
    """(table shape, axis) of every Gather on ``input_ids`` that reads a 2-D table."""
    tables = {i.name: list(i.dims) for i in model.graph.initializer}
    found = []
    for node in model.graph.node:
        if (
            node.op_type == "Gather"
            and node.input[1] == "input_ids"
            and len(tables.get(node.input[0], [])) == 2
        ):
            axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
            found.append((tables[node.input[0]], axis))
    return found


def test_the_engine_graph_reads_the_shared_table_by_rows_with_the_same_logits(tmp_path: Path) -> None:
    from cloze_app.core.engine.head_gather import load_gathered, row_lookups

    shared = tmp_path / "shared.onnx"
    shutil.copy(_int8(tmp_path), shared)
    assert share_tied_embedding(shared) > 0
    assert _lookups(onnx.load(str(shared))) == [([64, VOCAB], 1)]  # columns of the decoder weight

    model = onnx.load(str(shared))
    assert row_lookups(model) == 1
    assert _lookups(model) == [([VOCAB, 64], 0)]
    assert not any(n.name == "/cloze/shared_embedding/Transpose" for n in model.graph.node)
    rows = tmp_path / "rows.onnx"
    onnx.save(model, str(rows))
    rng = np.random.default_rng(1)
    ids = rng.integers(5, VOCAB, size=(3, 10))
    attn = np.ones_like(ids)
    assert np.array_equal(onnx_logits(shared)(ids, attn), onnx_logits(rows)(ids, attn))

    # The position-gathering graph the engine opens has it too; a plain row lookup is left alone.
    gathered = load_gathered(shared)
    assert gathered is not None
    assert _lookups(onnx.ModelProto.FromString(gathered)) == [([VOCAB, 64], 0)]
    plain = onnx.load(str(_int8(tmp_path / "plain")))
    assert row_lookups(plain) == 0
