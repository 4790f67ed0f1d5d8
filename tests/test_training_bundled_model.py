"""The committed default model folder: manifest, tokenizer, ONNX signature, and one real prediction."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cloze_app.core.engine.decoding import BeamWidths
from cloze_app.core.engine.engine import ClozeEngine

FOLDER = Path(__file__).resolve().parent.parent / "models" / "cloze-minilm-en"

pytestmark = [
    pytest.mark.bundled,
    pytest.mark.skipif(not (FOLDER / "model.onnx").exists(), reason="bundled model not present"),
]


def test_manifest_validates_with_checksums() -> None:
    from cloze_app.core.engine.manifest import validate_model_folder

    manifest = validate_model_folder(FOLDER, verify_checksums=True)
    assert manifest.id == "cloze-minilm-en"
    assert manifest.quantization == "int8" and manifest.cased is False and manifest.mask_token == "[MASK]"
    for name in ("MODEL_CARD.md", "SOURCES.md"):
        assert (FOLDER / name).exists()


def test_tokenizer_is_uncased_wordpiece_without_truncation_or_padding() -> None:
    raw = json.loads((FOLDER / "tokenizer.json").read_text(encoding="utf-8"))
    assert raw["truncation"] is None and raw["padding"] is None
    assert raw["normalizer"]["lowercase"] is True
    assert raw["pre_tokenizer"]["type"] == "BertPreTokenizer"
    assert raw["model"]["type"] == "WordPiece"
    from tokenizers import Tokenizer

    enc = Tokenizer.from_file(str(FOLDER / "tokenizer.json")).encode("Hello [MASK] World")
    assert enc.tokens == ["[CLS]", "hello", "[MASK]", "world", "[SEP]"]


def test_onnx_signature_and_a_real_prediction() -> None:
    ort = pytest.importorskip("onnxruntime")
    from tokenizers import Tokenizer

    sess = ort.InferenceSession(str(FOLDER / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["input_ids", "attention_mask", "token_type_ids"]
    assert all(i.type == "tensor(int64)" and len(i.shape) == 2 for i in sess.get_inputs())
    assert [o.name for o in sess.get_outputs()] == ["logits"]
    assert sess.get_outputs()[0].type == "tensor(float)"

    tok = Tokenizer.from_file(str(FOLDER / "tokenizer.json"))
    texts = ["He was born in the United [MASK] of America.", "Would you like coffee or [MASK]?"]
    encs = [tok.encode(t) for t in texts]
    width = max(len(e.ids) for e in encs)
    ids = np.zeros((len(encs), width), dtype=np.int64)
    for row, e in enumerate(encs):
        ids[row, : len(e.ids)] = e.ids
    attn = (ids != 0).astype(np.int64)
    logits = sess.run(
        ["logits"], {"input_ids": ids, "attention_mask": attn, "token_type_ids": np.zeros_like(ids)}
    )[0]
    assert logits.shape == (2, width, 30522)
    mask_id = tok.token_to_id("[MASK]")
    tops = []
    for row, e in enumerate(encs):
        pos = e.ids.index(mask_id)
        tops.append([tok.id_to_token(int(i)) for i in np.argsort(-logits[row, pos])[:5]])
    assert tops[0][0] == "states"
    assert "tea" in tops[1]


@pytest.mark.parametrize(
    "text",
    [
        "I drink a cup of ___ every morning.",
        "Yesterday we ___ to the beach and ___ in the sun.",
        "She was ___ in 1954 in a small town near ___, where her father worked as a ___.",
    ],
)
def test_pruned_generation_finds_the_same_words_with_fewer_rows(text: str) -> None:
    """Prefixes that cannot reach a blank's top words are dropped: same top 10, less work. With
    three-piece words searched (off by default), where a third step can be cut."""
    engine = ClozeEngine.load(FOLDER)
    engine.decoder.beam = BeamWidths(first3=2)
    _, doc = engine._blanks_doc(text)
    masks = [[engine.token_info.mask_id] for _ in doc.slots]
    targets = list(range(len(doc.slots)))
    results, rows = {}, {}
    for prune in (False, True):
        before = engine.decoder.runner.rows_run
        found = engine.decoder.generate(doc, masks, targets, keep=10 if prune else 0)
        rows[prune] = engine.decoder.runner.rows_run - before
        results[prune] = [[(s.word, s.log_prob) for s in found[t][:10]] for t in targets]
    for pruned, full in zip(results[True], results[False], strict=True):
        assert [w for w, _ in pruned] == [w for w, _ in full] and len(pruned) == 10
        # int8 activations are scaled per token: other batch mates change nothing
        assert np.allclose([p for _, p in pruned], [p for _, p in full], atol=1e-3)
    assert rows[True] < rows[False]


def test_bundled_model_runs_its_head_only_at_the_blanks() -> None:
    """The position-gathering graph passes its check on the bundled model on this CPU (else every
    run pays for the full head), with or without VNNI."""
    assert ClozeEngine.load(FOLDER).decoder.runner.gathers


def test_rows_are_never_longer_than_the_training_rows() -> None:
    """One blank loses accuracy in windows longer than the model was trained on (the card's window
    line), so the manifest's max_length, which bounds every row, is the training length."""
    manifest = json.loads((FOLDER / "cloze-model.json").read_text())
    training = json.loads((FOLDER / "training.json").read_text())
    assert manifest["max_length"] == training["config"]["seq_len"] == 128
    engine = ClozeEngine.load(FOLDER)
    seen: list[int] = []
    runner = engine.decoder.runner
    original = runner._run
    # Every batch that runs, whichever thread runs it: its padded row length.
    runner._run = lambda batch, *rest: (seen.append(batch.shape[1]), original(batch, *rest))[1]  # type: ignore[method-assign]
    engine.fill(
        " ".join(["The river runs past the old mill and the quiet village."] * 60) + " I saw a ___ there."
    )
    assert seen and max(seen) <= 128
