"""Resumable masked-LM training loop (bf16 autocast on CPU or CUDA, decoder at picked positions only)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from . import data
from .masking import mask_tokens
from .metrics import masked_accuracy
from .model import ARCHES, BertMLM, arch_of, load_pretrained_encoder, model_from_state, pretrained_dir


@dataclass
class TrainConfig:
    """Everything that defines a run (saved in every checkpoint)."""

    arch: str = "minilm"  # "minilm" or "mpnet": the init encoder and tokenizer (with --init: the weights say)
    corpus: str = "data/corpus"
    run_dir: str = "runs/cloze-minilm-en"
    seq_len: int = 128
    batch_size: int = 32
    lr: float = 2e-4
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 200
    max_steps: int = 5000
    decay_frac: float = 0.2  # linear decay to zero over the last 20% of max_steps
    eval_every: int = 500
    eval_rows: int = 256
    ckpt_minutes: float = 10.0
    whole_word: bool = False
    bf16: bool = True
    threads: int = 2
    compile: bool = True  # torch.compile the loss (about +25% tokens/s after ~40 s of compiling)
    seed: int = 1234
    device: str = "cpu"  # "cpu", "cuda" or "auto" (CUDA when torch sees a GPU)
    init: str = ""  # start from these weights (a checkpoint or a state dict) instead of the --arch encoder
    tokenizer: str = ""  # tokenizer.json; default: the one of the --arch encoder
    max_minutes: float = 0.0  # > 0: after timing the first steps, set max_steps to what fits in this
    dropout: float = 0.0  # BERT's 0.1 guards against over-fitting when the corpus is repeated many times
    workers: int = 0  # processes that build masked batches ahead (a fast GPU outruns one CPU core)


def lr_factor(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up, constant, then linear decay to 0 over the last decay_frac of the run."""
    if step < cfg.warmup_steps:
        return (step + 1) / cfg.warmup_steps
    decay_start = int(cfg.max_steps * (1 - cfg.decay_frac))
    if step < decay_start:
        return 1.0
    return max(0.0, (cfg.max_steps - step) / max(1, cfg.max_steps - decay_start))


def resolve_device(name: str) -> torch.device:
    """The torch device for a --device value; "auto" picks CUDA when available."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda asked for, but this torch build sees no CUDA GPU")
    return torch.device(name)


def load_init_weights(path: Path) -> BertMLM:
    """A model with the weights of a training checkpoint ({"model": ...}) or of a bare state dict."""
    raw = torch.load(path, map_location="cpu", weights_only=False)
    return model_from_state(raw.get("model", raw))


def steps_that_fit(step: int, seconds_per_step: float, seconds_left: float) -> int:
    """max_steps for a --max-minutes run: the current step plus the whole steps that fit in the time left."""
    return step + max(1, int(seconds_left / max(seconds_per_step, 1e-6)))


def batch_rows(n_rows: int, step: int, cfg: TrainConfig) -> np.ndarray:
    """Row indices of a step: a fresh seeded permutation each epoch, so resuming replays exactly."""
    per_epoch = n_rows // cfg.batch_size
    epoch, i = divmod(step, per_epoch)
    perm = np.random.default_rng(cfg.seed + 1000 * epoch).permutation(n_rows)
    return perm[i * cfg.batch_size : (i + 1) * cfg.batch_size]


class StepBatches(torch.utils.data.Dataset):
    """The masked batch of each step, a pure function of (seed, step): workers can build them ahead."""

    def __init__(
        self,
        rows: np.ndarray,
        cfg: TrainConfig,
        mask_id: int,
        vocab: int,
        special: list[int],
        starts: np.ndarray,
    ) -> None:
        self.rows, self.cfg, self.mask_id = rows, cfg, mask_id
        self.vocab, self.special, self.starts = vocab, special, starts

    def __len__(self) -> int:
        return 2**62

    def __getitem__(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        ids = self.rows[batch_rows(len(self.rows), step, self.cfg)].astype(np.int64)
        inputs, labels = mask_tokens(
            ids,
            np.random.default_rng([self.cfg.seed, step]),
            mask_id=self.mask_id,
            vocab_size=self.vocab,
            special_ids=self.special,
            word_starts=self.starts[ids] if self.cfg.whole_word else None,
        )
        return torch.from_numpy(inputs), torch.from_numpy(labels)


def _save(path: Path, payload: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


@torch.no_grad()
def evaluate_rows(
    model: BertMLM,
    rows: np.ndarray,
    special: list[int],
    mask_id: int,
    bf16: bool,
    device: torch.device | None = None,
) -> dict[str, float]:
    """Held-out masked-token top-1/top-5 (15% picked, all replaced by [MASK], fixed seed)."""
    model.eval()
    device = device or torch.device("cpu")

    def logits_fn(ids: np.ndarray, attn: np.ndarray) -> np.ndarray:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            out = model(torch.from_numpy(ids).to(device), torch.from_numpy(attn).to(device))
        return out.float().cpu().numpy()

    out = masked_accuracy(logits_fn, rows, mask_id=mask_id, special_ids=special)
    model.train()
    return out


def train(cfg: TrainConfig) -> None:
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    device = resolve_device(cfg.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    run = Path(cfg.run_dir)
    run.mkdir(parents=True, exist_ok=True)
    corpus = Path(cfg.corpus)
    init_model = load_init_weights(Path(cfg.init)) if cfg.init else None
    if init_model is not None:
        cfg.arch = arch_of(init_model)  # the weights decide
    if cfg.arch not in ARCHES:
        raise SystemExit(f"--arch must be one of {', '.join(ARCHES)}")
    tok = data.load_tokenizer(
        Path(cfg.tokenizer) if cfg.tokenizer else pretrained_dir(cfg.arch) / "tokenizer.json"
    )
    special = data.special_ids(tok)
    mask_id = data.mask_id(tok)
    vocab = tok.get_vocab_size()
    rows = data.load_or_pack(
        tok, corpus / "train.txt", data.rows_cache(corpus, "train", cfg.seq_len, cfg.arch), cfg.seq_len
    )
    eval_rows = data.load_or_pack(
        tok,
        corpus / "heldout" / "wikipedia.txt",
        data.rows_cache(corpus, "heldout-wikipedia", cfg.seq_len, cfg.arch),
        cfg.seq_len,
    )[: cfg.eval_rows]
    starts = data.word_start_table(tok)
    print(
        f"[train] {len(rows):,d} rows x {cfg.seq_len} = {rows.size:,d} training tokens; "
        f"{cfg.max_steps * cfg.batch_size * cfg.seq_len:,d} tokens planned",
        file=sys.stderr,
    )

    if init_model is not None:
        model = init_model
        print(f"[train] weights from {cfg.init} ({cfg.arch})", file=sys.stderr)
    else:
        model = load_pretrained_encoder(pretrained_dir(cfg.arch))
        with torch.no_grad():
            model.head_bias.copy_(torch.from_numpy(data.unigram_log_probs(rows, vocab, special)))
    model.dropout = cfg.dropout
    model.to(device)
    head_ids = {id(p) for p in model.head_parameters()}
    enc_params = [p for p in model.parameters() if id(p) not in head_ids]
    no_decay = lambda p: p.ndim < 2  # noqa: E731
    groups = [
        {
            "params": [p for p in enc_params if not no_decay(p)],
            "lr": cfg.lr,
            "weight_decay": cfg.weight_decay,
        },
        {"params": [p for p in enc_params if no_decay(p)], "lr": cfg.lr, "weight_decay": 0.0},
        {
            "params": [p for p in model.head_parameters() if not no_decay(p)],
            "lr": cfg.head_lr,
            "weight_decay": cfg.weight_decay,
        },
        {
            "params": [p for p in model.head_parameters() if no_decay(p)],
            "lr": cfg.head_lr,
            "weight_decay": 0.0,
        },
    ]
    base_lrs = [g["lr"] for g in groups]
    opt = torch.optim.AdamW(groups, betas=(0.9, 0.98), eps=1e-6)

    step, best = 0, -1.0
    latest = run / "ckpt-latest.pt"
    if latest.exists():
        ck = torch.load(latest, map_location=device, weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step, best = ck["step"], ck.get("best_top1", -1.0)
        print(f"[train] resumed from {latest} at step {step}", file=sys.stderr)
    (run / "config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
    log = (run / "log.jsonl").open("a")

    def checkpoint(metrics: dict | None = None) -> None:
        nonlocal best
        payload = {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "step": step,
            "config": asdict(cfg),
            "best_top1": best,
        }
        _save(latest, payload)
        if metrics is not None and metrics["top1"] > best:
            best = metrics["top1"]
            _save(
                run / "ckpt-best.pt",
                {"model": model.state_dict(), "step": step, "config": asdict(cfg), "metrics": metrics},
            )

    model.train()
    loss_fn = torch.compile(model.mlm_loss) if cfg.compile else model.mlm_loss
    last_ckpt = time.time()
    bar = tqdm(total=cfg.max_steps, initial=step, mininterval=20, dynamic_ncols=True, file=sys.stderr)
    t0, tokens, loss_avg = time.time(), 0, None
    start_step = step
    calib_from = calib_t = None
    batches = torch.utils.data.DataLoader(
        StepBatches(rows, cfg, mask_id, vocab, special, starts),
        batch_size=None,
        sampler=range(step, 2**62),
        num_workers=cfg.workers,
        pin_memory=device.type == "cuda",
        prefetch_factor=8 if cfg.workers else None,
        persistent_workers=False,
    )
    batch_iter = iter(batches)
    while step < cfg.max_steps:
        inputs, labels = next(batch_iter)
        factor = lr_factor(step, cfg)
        for g, base in zip(opt.param_groups, base_lrs, strict=False):
            g["lr"] = base * factor
        x = inputs.to(device, non_blocking=True)
        y = labels.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
            loss, _, _ = loss_fn(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += x.numel()
        if loss_avg is None or step % 10 == 0:  # .item() waits for the device: not every step
            loss_avg = loss.item() if loss_avg is None else 0.8 * loss_avg + 0.2 * loss.item()
        tps = tokens / (time.time() - t0)
        if cfg.max_minutes > 0 and step == start_step + 30:
            calib_from, calib_t = step, time.time()  # compiling is over by now
        elif cfg.max_minutes > 0 and calib_from is not None and step == calib_from + 100:
            per_step = (time.time() - calib_t) / 100 * 1.05  # evaluations and checkpoints cost a little
            left = cfg.max_minutes * 60 - (time.time() - t0)
            cfg.max_steps = steps_that_fit(step, per_step, left)
            bar.total = cfg.max_steps
            (run / "config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
            tqdm.write(
                f"[train] {per_step * 1000:.1f} ms/step: max_steps set to {cfg.max_steps}", file=sys.stderr
            )
        bar.update(1)
        bar.set_postfix(
            loss=f"{loss_avg:.3f}", tok_s=f"{tps:,.0f}", lr=f"{base_lrs[0] * factor:.2e}", refresh=False
        )
        metrics = None
        if step % cfg.eval_every == 0 or step == cfg.max_steps:
            metrics = evaluate_rows(model, eval_rows, special, mask_id, cfg.bf16, device)
            tqdm.write(
                f"[eval] step {step}: held-out wikipedia top1 {metrics['top1']:.4f} "
                f"top5 {metrics['top5']:.4f}",
                file=sys.stderr,
            )
        if step % 50 == 0 or metrics is not None:
            rec = {
                "step": step,
                "time": time.time(),
                "loss": round(loss_avg, 4),
                "tokens_per_s": round(tps, 1),
                "tokens_seen": step * cfg.batch_size * cfg.seq_len,
                "lr": base_lrs[0] * factor,
            }
            if metrics:
                rec.update({f"eval_{k}": v for k, v in metrics.items()})
            log.write(json.dumps(rec) + "\n")
            log.flush()
        if metrics is not None or time.time() - last_ckpt > cfg.ckpt_minutes * 60:
            checkpoint(metrics)
            last_ckpt = time.time()
    bar.close()
    checkpoint()
    log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cloze_app.training train", description=__doc__)
    for field, default in asdict(TrainConfig()).items():
        flag = "--" + field.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default)
        else:
            parser.add_argument(flag, type=type(default), default=default)
    args = parser.parse_args(argv)
    train(TrainConfig(**vars(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
