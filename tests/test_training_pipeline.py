"""Corpus split, packing, metrics, BLiMP scoring and manifest writing of cloze_app.training, on tiny data."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

from cloze_app.training import corpus, data
from cloze_app.training.evaluate import blimp_pair_accuracy, fill_mask_top5
from cloze_app.training.metrics import masked_accuracy, topk_agreement

WORDS = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "the",
    "dog",
    "barked",
    "cat",
    "sat",
    "on",
    "mat",
    ".",
    "ran",
    "himself",
    "herself",
    "tea",
    "coffee",
]


def _tok() -> Tokenizer:
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return tok


def test_heldout_split_is_deterministic_and_about_three_percent() -> None:
    paras = [f"paragraph number {i} about something" for i in range(20000)]
    held = [p for p in paras if corpus.is_heldout(p)]
    assert held == [p for p in paras if corpus.is_heldout(p)]
    assert 0.02 < len(held) / len(paras) < 0.04
    assert corpus.is_heldout("The Dog") == corpus.is_heldout("the dog")


def test_pack_text_makes_cls_body_sep_rows() -> None:
    tok = _tok()
    rows = data.pack_text(tok, ["the dog barked .", "the cat sat on the mat ."] * 5, seq_len=8)
    assert rows.dtype == np.uint16 and rows.shape[1] == 8
    assert (rows[:, 0] == 2).all() and (rows[:, -1] == 3).all()
    stream = rows[:, 1:-1].reshape(-1).tolist()
    assert stream[:5] == [5, 6, 7, 12, 3]  # paragraphs are separated by [SEP]


def test_special_ids_and_word_starts() -> None:
    tok = _tok()
    assert data.special_ids(tok) == [0, 1, 2, 3, 4]
    assert data.word_start_table(tok).all()


def test_unigram_log_probs_sum_to_one() -> None:
    rows = np.array([[2, 5, 6, 5, 3]], dtype=np.uint16)
    lp = data.unigram_log_probs(rows, len(WORDS), exclude=[0, 1, 2, 3, 4])
    assert np.isclose(np.exp(lp).sum(), 1.0) and lp[5] > lp[6] > lp[7]


def test_masked_accuracy_of_an_oracle_is_one() -> None:
    rows = np.tile(np.array([2, 5, 6, 7, 12, 5, 8, 9, 3]), (40, 1))

    def oracle(ids: np.ndarray, attn: np.ndarray) -> np.ndarray:
        logits = np.zeros((*ids.shape, len(WORDS)), dtype=np.float32)
        logits[..., :] = np.arange(len(WORDS)) * 1e-3  # a fixed ranking for everything else
        truth = np.broadcast_to(rows[0], ids.shape)
        np.put_along_axis(logits, truth[..., None], 10.0, axis=-1)
        return logits

    res = masked_accuracy(oracle, rows, mask_id=4, special_ids=[0, 1, 2, 3, 4])
    assert res["top1"] == 1.0 and res["top5"] == 1.0 and res["n"] > 0


def test_topk_agreement() -> None:
    a = np.eye(10)[[1, 2, 3]] + np.linspace(0, 0.1, 10)
    assert topk_agreement(a, a)["top1_agreement"] == 1.0
    assert topk_agreement(a, -a)["top1_agreement"] == 0.0


def _scorer(prefer: str, after_mask_prefer: dict[str, str] | None = None):  # noqa: ANN202
    idx = {w: i for i, w in enumerate(WORDS)}

    def fn(ids: np.ndarray, attn: np.ndarray) -> np.ndarray:
        logits = np.zeros((*ids.shape, len(WORDS)), dtype=np.float32)
        logits[..., idx[prefer]] = 5.0
        return logits

    return fn


def test_blimp_pair_accuracy_scores_the_blank() -> None:
    tok = _tok()
    items = [
        {"text": "the cat sat on ___ .", "good": "herself", "bad": "himself", "phenomenon": "anaphor"},
        {"text": "the dog ran ___ .", "good": "himself", "bad": "herself", "phenomenon": "anaphor"},
    ]
    res = blimp_pair_accuracy(_scorer("herself"), tok, items)
    assert res["accuracy"] == 0.5 and res["per_phenomenon"] == {"anaphor": 0.5}


def test_fill_mask_top5_reads_the_blank_position() -> None:
    out = fill_mask_top5(_scorer("tea"), _tok(), ("the cat ___ .",))
    top = out["the cat ___ ."]
    assert top[0][0] == "tea" and len(top) == 5


def test_manifest_lists_sha256_of_model_and_tokenizer(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from cloze_app.training.export import write_manifest

    (tmp_path / "model.onnx").write_bytes(b"onnx")
    (tmp_path / "tokenizer.json").write_text("{}")
    manifest = write_manifest(tmp_path)
    saved = json.loads((tmp_path / "cloze-model.json").read_text())
    assert saved == manifest
    assert saved["files"]["model.onnx"] == hashlib.sha256(b"onnx").hexdigest()
    assert saved["id"] == "cloze-minilm-en" and saved["quantization"] == "int8" and saved["format"] == 1


def test_lr_schedule_warms_up_holds_and_decays() -> None:
    pytest.importorskip("torch")
    from cloze_app.training.train import TrainConfig, batch_rows, lr_factor

    cfg = TrainConfig(warmup_steps=10, max_steps=100, decay_frac=0.2, batch_size=4)
    assert lr_factor(0, cfg) == pytest.approx(0.1)
    assert lr_factor(50, cfg) == 1.0
    assert lr_factor(90, cfg) == pytest.approx(0.5)
    assert lr_factor(100, cfg) == 0.0
    first = batch_rows(40, 0, cfg)
    assert (first == batch_rows(40, 0, cfg)).all() and len(first) == 4
    epoch = np.concatenate([batch_rows(40, s, cfg) for s in range(10)])
    assert sorted(epoch.tolist()) == list(range(40))
