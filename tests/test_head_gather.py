"""The position-gathering graph: same predictions as the full graph, used only when it agrees."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloze_app.core.engine import engine as engine_module
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


def test_gathered_graph_predicts_what_the_full_graph_predicts(
    converted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = ClozeEngine.load(converted)
    assert fast.decoder.runner.gathers  # the head was found and the probe agreed
    monkeypatch.setenv("CLOZE_FULL_LOGITS", "1")
    full = ClozeEngine.load(converted)
    assert not full.decoder.runner.gathers
    for text in ("the ___ sat on the mat .", "she drank a cup of ___ and ___ in the city ."):
        a, b = fast.fill(text, top_k=5), full.fill(text, top_k=5)
        for x, y in zip(a.blanks, b.blanks, strict=True):
            assert [c.word for c in x.candidates] == [c.word for c in y.candidates]
            for c, d in zip(x.candidates, y.candidates, strict=True):
                assert c.log_prob == pytest.approx(d.log_prob, abs=0.05)
    checks_fast = fast.check_words("the cat sat on the mat .")
    checks_full = full.check_words("the cat sat on the mat .")
    assert [c.rank for c in checks_fast] == [c.rank for c in checks_full]


def test_a_graph_that_disagrees_on_the_probe_is_not_used(
    converted: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the rewritten graph ever predicted differently, the engine keeps the original."""
    wrong = (tiny_model_dir / "model.onnx").read_bytes()
    monkeypatch.setattr(engine_module, "load_gathered", lambda path: wrong)
    engine = ClozeEngine.load(converted)
    assert not engine.decoder.runner.gathers
    assert engine.fill("the ___ sat .").blanks[0].candidates


def test_graph_without_a_head_keeps_the_standard_path(tiny_model_dir: Path) -> None:
    assert not ClozeEngine.load(tiny_model_dir).decoder.runner.gathers
