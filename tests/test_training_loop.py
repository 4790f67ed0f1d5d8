"""The training loop itself, on a tiny BERT built in code: it learns, resumes, starts from given weights,
fits a time budget, and builds the same masked batches in worker processes as in-process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers  # noqa: E402

from cloze_app.training import data  # noqa: E402
from cloze_app.training.model import BertConfig, BertMLM, model_from_state  # noqa: E402
from cloze_app.training.train import (  # noqa: E402
    StepBatches,
    TrainConfig,
    resolve_device,
    steps_that_fit,
    train,
)

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "dog", "barked", "cat", "sat", "on", "mat", "."]
TEXT = "the dog barked . the cat sat on the mat ."


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A tokenizer, a corpus folder (train + held-out text) and initial weights of a 2-layer model."""
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok_path = tmp_path / "tokenizer.json"
    tok.save(str(tok_path))
    corpus = tmp_path / "corpus"
    (corpus / "heldout").mkdir(parents=True)
    (corpus / "train.txt").write_text("\n".join([TEXT] * 400) + "\n")
    (corpus / "heldout" / "wikipedia.txt").write_text("\n".join([TEXT] * 20) + "\n")
    torch.manual_seed(0)
    model = BertMLM(
        BertConfig(
            vocab_size=len(WORDS),
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=1,
            intermediate_size=64,
            max_position_embeddings=32,
        )
    )
    init = tmp_path / "init.pt"
    torch.save({k: v.half() for k, v in model.state_dict().items()}, init)  # fp16, as carried to a GPU
    return tok_path, corpus, init


def _cfg(tmp_path: Path, **kw: object) -> TrainConfig:
    tok, corpus, init = _setup(tmp_path)
    base: dict = dict(
        corpus=str(corpus),
        run_dir=str(tmp_path / "run"),
        seq_len=16,
        batch_size=8,
        lr=5e-3,
        head_lr=5e-3,
        warmup_steps=10,
        max_steps=200,
        decay_frac=0.5,
        eval_every=100,
        eval_rows=8,
        bf16=False,
        compile=False,
        threads=1,
        init=str(init),
        tokenizer=str(tok),
    )
    base.update(kw)
    return TrainConfig(**base)


def _evals(run: Path) -> list[dict]:
    recs = [json.loads(ln) for ln in (run / "log.jsonl").read_text().splitlines()]
    return [r for r in recs if "eval_top1" in r]


def test_training_from_given_weights_learns_the_text_and_resumes(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    train(cfg)
    run = Path(cfg.run_dir)
    evals = _evals(run)
    assert [e["step"] for e in evals] == [100, 200]
    assert evals[-1]["eval_top1"] > 0.6  # a 13-word language repeated 400 times is learnt
    best = torch.load(run / "ckpt-best.pt", weights_only=False)
    assert best["step"] == 200 and best["metrics"]["top1"] == pytest.approx(evals[-1]["eval_top1"])

    cfg.max_steps = 300  # a longer run picks up from ckpt-latest.pt at step 200
    train(cfg)
    assert [e["step"] for e in _evals(run)] == [100, 200, 300]
    assert torch.load(run / "ckpt-latest.pt", weights_only=False)["step"] == 300


def test_max_minutes_sets_max_steps_from_measured_speed(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, max_steps=1_000_000, max_minutes=0.05, eval_every=10_000)
    train(cfg)
    saved = json.loads((Path(cfg.run_dir) / "config.json").read_text())
    assert 130 < saved["max_steps"] < 1_000_000
    assert torch.load(Path(cfg.run_dir) / "ckpt-latest.pt", weights_only=False)["step"] == saved["max_steps"]


def test_steps_that_fit() -> None:
    assert steps_that_fit(100, 0.5, 60.0) == 220
    assert steps_that_fit(100, 0.5, -3.0) == 101  # always at least one more step


def test_worker_processes_build_the_same_batches(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    tok = data.load_tokenizer(Path(cfg.tokenizer))
    rows = data.pack_text(tok, [TEXT] * 50, 16)
    starts = np.ones(len(WORDS), bool)
    ds = StepBatches(rows, cfg, tok.token_to_id("[MASK]"), len(WORDS), data.special_ids(tok), starts)
    loader = torch.utils.data.DataLoader(ds, batch_size=None, sampler=range(3, 8), num_workers=2)
    for step, (inputs, labels) in zip(range(3, 8), loader, strict=True):
        want_inputs, want_labels = ds[step]
        assert torch.equal(inputs, want_inputs) and torch.equal(labels, want_labels)
        picked = labels != -100
        assert picked.any() and (labels[~picked] == -100).all()
    assert not torch.equal(ds[3][1], ds[4][1])  # each step masks differently


def test_dropout_only_while_training(tmp_path: Path) -> None:
    _, _, init = _setup(tmp_path)
    model = model_from_state(torch.load(init), heads=1)
    ids = torch.tensor([[2, 5, 6, 7, 3]])
    model.dropout = 0.1
    model.train()
    assert not torch.equal(model(ids), model(ids))
    model.eval()
    assert torch.equal(model(ids), model(ids))


def test_model_from_state_restores_shapes_and_weights(tmp_path: Path) -> None:
    _, _, init = _setup(tmp_path)
    state = torch.load(init)
    model = model_from_state(state, heads=1)
    assert model.cfg.num_hidden_layers == 2 and model.cfg.intermediate_size == 64
    assert torch.equal(model.word_embeddings.weight, state["word_embeddings.weight"].float())


def test_device_choice() -> None:
    assert resolve_device("cpu").type == "cpu"
    want = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == want
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit, match="no CUDA GPU"):
            resolve_device("cuda")
