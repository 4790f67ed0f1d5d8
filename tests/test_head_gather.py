"""The position-gathering graph: same predictions as the full graph, used only when it agrees."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cloze_app.core.engine import loading
from cloze_app.core.engine.engine import ClozeEngine

pytest.importorskip("torch")
pytest.importorskip("transformers")

from cloze_app.core.models.store import convert_and_install  # noqa: E402
from tests.hf_fixtures import write_bert_checkpoint, write_roberta_checkpoint  # noqa: E402


@pytest.fixture(scope="module", params=["bert", "roberta"])
def converted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny checkpoint converted to int8 ONNX the way users convert theirs."""
    home = tmp_path_factory.mktemp("home")
    patch = pytest.MonkeyPatch()
    patch.setenv("CLOZE_HOME", str(home))
    try:
        maker = write_bert_checkpoint if request.param == "bert" else write_roberta_checkpoint
        checkpoint = maker(tmp_path_factory.mktemp("ckpt") / f"tiny-{request.param}")
        return Path(convert_and_install(checkpoint).info.path)
    finally:
        patch.undo()


def test_gathered_graph_predicts_what_the_full_graph_predicts(converted: Path) -> None:
    fast = ClozeEngine.load(converted)
    assert fast.decoder.runner.gathers  # the head was found and the probe agreed
    full = ClozeEngine.load(converted, gather_head=False)
    assert not full.decoder.runner.gathers
    for text in ("the ___ sat on the mat .", "she drank a cup of ___ and ___ in the city ."):
        a, b = fast.fill(text, top_k=5), full.fill(text, top_k=5)
        for x, y in zip(a.blanks, b.blanks, strict=True):
            assert [c.word for c in x.candidates] == [c.word for c in y.candidates]
            for c, d in zip(x.candidates, y.candidates, strict=True):
                assert c.log_prob == pytest.approx(d.log_prob, abs=0.05)
    checks_fast = fast.check_words("the cat sat on the mat .")
    checks_full = full.check_words("the cat sat on the mat .")
    # A random tiny model has many near-equal scores, and int8 activations are quantized per batch
    # (the gathered head sees only the asked positions): a word's rank may move by one among ties.
    for c, d in zip(checks_fast, checks_full, strict=True):
        assert c.rank is not None and d.rank is not None
        assert abs(c.rank - d.rank) <= 1
        assert c.log_prob == pytest.approx(d.log_prob, abs=0.05)


def test_a_graph_that_disagrees_on_the_probe_is_not_used(
    converted: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the rewritten graph ever predicted differently, the engine keeps the original."""
    wrong = (tiny_model_dir / "model.onnx").read_bytes()
    monkeypatch.setattr(loading, "load_gathered", lambda path: wrong)
    engine = ClozeEngine.load(converted)
    assert not engine.decoder.runner.gathers
    assert engine.fill("the ___ sat .").blanks[0].candidates


def test_graph_without_a_head_keeps_the_standard_path(tiny_model_dir: Path) -> None:
    assert not ClozeEngine.load(tiny_model_dir).decoder.runner.gathers


def test_a_checked_graph_is_reused_at_the_next_start(
    converted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second start opens the cached, checked graph: no rewrite, and the same predictions."""
    first = ClozeEngine.load(converted)
    assert first.decoder.runner.gathers
    monkeypatch.setattr(loading, "load_gathered", lambda path: pytest.fail("rewritten again"))
    second = ClozeEngine.load(converted)
    assert second.decoder.runner.gathers
    a, b = first.fill("the ___ sat on the mat .", top_k=5), second.fill("the ___ sat on the mat .", top_k=5)
    assert [c.word for c in a.blanks[0].candidates] == [c.word for c in b.blanks[0].candidates]


def test_a_rejected_graph_is_not_rewritten_again(
    converted: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rewrite that failed its check on this file and runtime is remembered: later starts skip it."""
    wrong = (tiny_model_dir / "model.onnx").read_bytes()
    monkeypatch.setattr(loading, "load_gathered", lambda path: wrong)
    assert not ClozeEngine.load(converted).decoder.runner.gathers
    monkeypatch.setattr(loading, "load_gathered", lambda path: pytest.fail("rewritten again"))
    again = ClozeEngine.load(converted)
    assert not again.decoder.runner.gathers
    assert again.fill("the ___ sat .").blanks[0].candidates


def _reversed_positions(gathered: bytes) -> bytes:
    """The rewritten graph wired wrong: it reads each row's positions from the row's far end."""
    import onnx
    from onnx import helper

    from cloze_app.core.engine.head_gather import POSITIONS_INPUT

    model = onnx.ModelProto.FromString(gathered)
    graph = model.graph
    add = next(n for n in graph.node if n.op_type == "Add" and POSITIONS_INPUT in n.input)
    last = "test/last"
    flipped = "test/flipped"
    fix = [
        helper.make_node("Sub", ["cloze_gather/s0", "cloze_gather/one"], [last]),
        helper.make_node("Sub", [last, POSITIONS_INPUT], [flipped]),
    ]
    add.input[list(add.input).index(POSITIONS_INPUT)] = flipped
    nodes = list(graph.node)
    at = nodes.index(add)
    del graph.node[:]
    graph.node.extend(nodes[:at] + fix + nodes[at:])
    return model.SerializeToString()


def test_a_graph_that_reads_the_wrong_positions_is_not_used(
    converted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """int8 rounding noise is tolerated by the check, a head run at the wrong positions is not."""
    real = loading.load_gathered
    monkeypatch.setattr(loading, "load_gathered", lambda path: _reversed_positions(real(path) or b""))
    engine = ClozeEngine.load(converted)
    assert not engine.decoder.runner.gathers
    assert engine.fill("the ___ sat .").blanks[0].candidates


def test_int8_noise_passes_the_check_and_a_shift_does_not() -> None:
    """The check's tolerance sits between int8 rounding noise and a wrong wiring."""
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 4, size=(40, 300)).astype(np.float32)
    want = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    assert loading._agrees(want, want.copy())
    noisy = want + rng.normal(0, 0.05, size=want.shape).astype(np.float32)
    assert loading._agrees(want, noisy)
    assert not loading._agrees(want, np.roll(want, 1, axis=0))  # each position got its neighbour's words
    assert not loading._agrees(want, want[:-1])
