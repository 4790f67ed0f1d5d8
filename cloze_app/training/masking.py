"""BERT masked-LM corruption (15% picked: 80% [MASK], 10% random, 10% unchanged) as a pure numpy function."""

from __future__ import annotations

import numpy as np

IGNORE_INDEX = -100


def mask_tokens(
    input_ids: np.ndarray,
    rng: np.random.Generator,
    *,
    mask_id: int,
    vocab_size: int,
    special_ids: np.ndarray | list[int],
    mlm_probability: float = 0.15,
    mask_frac: float = 0.8,
    random_frac: float = 0.1,
    attention_mask: np.ndarray | None = None,
    word_starts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Corrupt a [batch, seq] int array for masked-LM training; returns (inputs, labels).

    In each row round(mlm_probability * n) of the n eligible positions are picked (at least one when
    n > 0); eligible means not a special token and not padding (attention_mask == 0). Of the picked
    positions mask_frac become ``mask_id``, random_frac a uniformly random non-special token, and the
    rest stay unchanged. ``labels`` holds the original id at picked positions and -100 everywhere
    else, so cross-entropy sees the picked positions only.

    Whole-word masking: pass ``word_starts`` (bool [batch, seq], True where a token begins a word;
    WordPiece continuations "##x" are False). Whole words are then picked until the row's budget is
    reached, and every piece of a picked word is picked (the 80/10/10 choice is made per word).
    """
    ids = np.asarray(input_ids)
    if ids.ndim != 2:
        raise ValueError("input_ids must be [batch, seq]")
    special = np.isin(ids, np.asarray(special_ids, dtype=ids.dtype))
    eligible = ~special
    if attention_mask is not None:
        eligible &= np.asarray(attention_mask).astype(bool)

    picked = np.zeros(ids.shape, dtype=bool)
    action = np.zeros(ids.shape, dtype=np.int8)  # 0 mask, 1 random, 2 keep
    for row in range(ids.shape[0]):
        positions = np.flatnonzero(eligible[row])
        if positions.size == 0:
            continue
        budget = max(1, int(round(mlm_probability * positions.size)))
        if word_starts is None:
            groups = [np.array([p]) for p in positions]
        else:
            starts = np.asarray(word_starts[row], dtype=bool)
            groups = []
            for p in positions:
                if starts[p] or not groups or groups[-1][-1] != p - 1:
                    groups.append(np.array([p]))
                else:
                    groups[-1] = np.append(groups[-1], p)
        order = rng.permutation(len(groups))
        count = 0
        for g in order:
            if count >= budget:
                break
            group = groups[g]
            if word_starts is not None and count + group.size > budget and count > 0:
                continue  # this word would overshoot the budget; try a shorter one
            picked[row, group] = True
            u = rng.random()
            action[row, group] = 0 if u < mask_frac else (1 if u < mask_frac + random_frac else 2)
            count += group.size

    labels = np.where(picked, ids, IGNORE_INDEX).astype(np.int64)
    inputs = ids.copy()
    inputs[picked & (action == 0)] = mask_id
    rand_pos = picked & (action == 1)
    n_rand = int(rand_pos.sum())
    if n_rand:
        allowed = np.setdiff1d(np.arange(vocab_size), np.asarray(special_ids))
        inputs[rand_pos] = rng.choice(allowed, size=n_rand)
    return inputs, labels


def mask_for_eval(
    input_ids: np.ndarray,
    rng: np.random.Generator,
    *,
    mask_id: int,
    special_ids: np.ndarray | list[int],
    mlm_probability: float = 0.15,
    attention_mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluation masking: pick 15% of eligible positions and replace every picked one by [MASK]."""
    return mask_tokens(
        input_ids,
        rng,
        mask_id=mask_id,
        vocab_size=1,
        special_ids=special_ids,
        mlm_probability=mlm_probability,
        mask_frac=1.0,
        random_frac=0.0,
        attention_mask=attention_mask,
    )
