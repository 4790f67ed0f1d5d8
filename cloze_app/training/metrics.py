"""Backend-independent metrics: held-out masked-token top-k accuracy from any logits function."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .masking import mask_for_eval

EVAL_SEED = 20240601

LogitsFn = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (input_ids, attention_mask) -> [b, s, vocab]


def masked_accuracy(
    logits_fn: LogitsFn,
    rows: np.ndarray,
    *,
    mask_id: int,
    special_ids: list[int],
    batch_size: int = 32,
    seed: int = EVAL_SEED,
) -> dict[str, float]:
    """Top-1 / top-5 over 15% of positions (fixed seed), every picked position replaced by [MASK]."""
    ids = rows.astype(np.int64)
    inputs, labels = mask_for_eval(ids, np.random.default_rng(seed), mask_id=mask_id, special_ids=special_ids)
    hit1 = hit5 = total = 0
    for start in range(0, len(ids), batch_size):
        x, y = inputs[start : start + batch_size], labels[start : start + batch_size]
        logits = logits_fn(x, np.ones_like(x))
        picked = y != -100
        sel = logits[picked]
        gold = y[picked]
        top5 = np.argpartition(-sel, 5, axis=-1)[:, :5]
        top1 = sel.argmax(-1)
        hit1 += int((top1 == gold).sum())
        hit5 += int((top5 == gold[:, None]).any(-1).sum())
        total += int(picked.sum())
    return {"top1": hit1 / max(1, total), "top5": hit5 / max(1, total), "n": total}


def topk_agreement(a: np.ndarray, b: np.ndarray, k: int = 5) -> dict[str, float]:
    """How often two models agree: same top-1, and mean overlap of their top-k sets ([n, vocab] each)."""
    t1 = float((a.argmax(-1) == b.argmax(-1)).mean())
    ka = np.argpartition(-a, k, axis=-1)[:, :k]
    kb = np.argpartition(-b, k, axis=-1)[:, :k]
    overlap = np.mean([len(set(x) & set(y)) / k for x, y in zip(ka, kb, strict=False)])
    return {"top1_agreement": t1, f"top{k}_overlap": float(overlap)}
