"""The committed MPNet model folder (models/cloze-mpnet-en): manifest and checksums, tokenizer, ONNX
signature, and real predictions through the engine. Skipped while the folder holds no model.onnx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parent.parent / "models" / "cloze-mpnet-en"

pytestmark = [
    pytest.mark.bundled,
    pytest.mark.skipif(not (FOLDER / "model.onnx").exists(), reason="MPNet model not committed"),
]


def test_manifest_validates_with_checksums() -> None:
    from cloze_app.core.engine.manifest import validate_model_folder

    manifest = validate_model_folder(FOLDER, verify_checksums=True)
    assert manifest.id == "cloze-mpnet-en" and manifest.mask_token == "<mask>"
    assert manifest.quantization == "int8" and manifest.cased is False
    for name in ("MODEL_CARD.md", "SOURCES.md", "LICENSE.Apache-2.0.txt", "eval.json", "training.json"):
        assert (FOLDER / name).exists()
    assert (FOLDER / "model.onnx").stat().st_size <= 160e6


def test_tokenizer_is_mpnets_without_truncation_or_padding() -> None:
    from tokenizers import Tokenizer

    raw = json.loads((FOLDER / "tokenizer.json").read_text(encoding="utf-8"))
    assert raw["truncation"] is None and raw["padding"] is None
    enc = Tokenizer.from_file(str(FOLDER / "tokenizer.json")).encode("Hello <mask> World")
    assert enc.tokens[0] == "<s>" and enc.tokens[-1] == "</s>" and enc.tokens[1:3] == ["hello", " <mask>"]


def test_onnx_signature() -> None:
    ort = pytest.importorskip("onnxruntime")
    sess = ort.InferenceSession(str(FOLDER / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["input_ids", "attention_mask"]
    assert [o.name for o in sess.get_outputs()] == ["logits"]


def test_real_predictions_through_the_engine() -> None:
    from cloze_app.core.engine.engine import ClozeEngine

    engine = ClozeEngine.load(FOLDER, threads=2)
    try:

        def top(text: str, k: int) -> list[str]:
            return [c.word.lower() for c in engine.fill(text).blanks[0].candidates[:k]]

        assert {"coffee", "tea"} & set(top("I drink a cup of ___ every morning.", 5))
        assert "states" in top("He was born in the United ___ of America.", 3)
    finally:
        engine.close()
