"""The masked-LM corruption: proportions, special tokens and padding, labels, whole-word masking."""

from __future__ import annotations

import numpy as np
import pytest

from cloze_app.training.masking import IGNORE_INDEX, mask_for_eval, mask_tokens

PAD, UNK, CLS, SEP, MASK = 0, 100, 101, 102, 103
SPECIAL = [PAD, UNK, CLS, SEP, MASK]
VOCAB = 30522


def _batch(rows: int = 3000, seq: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ids = rng.integers(1000, VOCAB, size=(rows, seq))
    attn = np.ones_like(ids)
    ids[:, 0] = CLS
    ids[:, 60] = SEP  # a paragraph boundary inside the row
    lengths = rng.integers(20, seq + 1, size=rows)
    for r, n in enumerate(lengths):
        ids[r, n - 1] = SEP
        ids[r, n:] = PAD
        attn[r, n:] = 0
    ids[ids == UNK] = 1000
    return ids, attn


def _mask(ids: np.ndarray, attn: np.ndarray | None, seed: int = 1, **kw) -> tuple[np.ndarray, np.ndarray]:
    return mask_tokens(
        ids,
        np.random.default_rng(seed),
        mask_id=MASK,
        vocab_size=VOCAB,
        special_ids=SPECIAL,
        attention_mask=attn,
        **kw,
    )


def test_proportions_hold_on_a_large_sample() -> None:
    ids, attn = _batch()
    inputs, labels = _mask(ids, attn)
    eligible = (attn == 1) & ~np.isin(ids, SPECIAL)
    picked = labels != IGNORE_INDEX
    assert abs(picked.sum() / eligible.sum() - 0.15) < 0.003
    for row in range(0, len(ids), 97):  # every row gets round(15%) of its eligible positions
        assert picked[row].sum() == max(1, round(0.15 * eligible[row].sum()))
    n = picked.sum()
    masked = (inputs == MASK) & picked
    unchanged = (inputs == ids) & picked
    randomised = picked & ~masked & ~unchanged
    assert abs(masked.sum() / n - 0.8) < 0.01
    assert abs(unchanged.sum() / n - 0.1) < 0.01
    assert abs(randomised.sum() / n - 0.1) < 0.01


def test_special_tokens_and_padding_are_never_picked() -> None:
    ids, attn = _batch(rows=500)
    inputs, labels = _mask(ids, attn)
    protected = np.isin(ids, SPECIAL) | (attn == 0)
    assert (labels[protected] == IGNORE_INDEX).all()
    assert (inputs[protected] == ids[protected]).all()


def test_labels_are_the_original_ids_at_picked_positions_and_ignore_elsewhere() -> None:
    ids, attn = _batch(rows=200)
    inputs, labels = _mask(ids, attn)
    picked = labels != IGNORE_INDEX
    assert (labels[picked] == ids[picked]).all()
    assert (inputs[~picked] == ids[~picked]).all()
    assert set(np.unique(labels[~picked])) == {IGNORE_INDEX}
    assert labels.dtype == np.int64


def test_random_replacements_are_never_special_tokens() -> None:
    ids, attn = _batch(rows=500)
    inputs, labels = _mask(ids, attn, mask_frac=0.0, random_frac=1.0)
    picked = labels != IGNORE_INDEX
    assert not np.isin(inputs[picked], SPECIAL).any()
    assert ((inputs[picked] >= 0) & (inputs[picked] < VOCAB)).all()


def test_same_seed_same_result_and_input_untouched() -> None:
    ids, attn = _batch(rows=50)
    before = ids.copy()
    a = _mask(ids, attn, seed=7)
    b = _mask(ids, attn, seed=7)
    assert (a[0] == b[0]).all() and (a[1] == b[1]).all()
    assert (ids == before).all()


def test_whole_word_masking_picks_every_piece_of_a_word() -> None:
    rng = np.random.default_rng(3)
    ids = rng.integers(1000, VOCAB, size=(400, 64))
    ids[:, 0], ids[:, -1] = CLS, SEP
    starts = rng.random(ids.shape) < 0.6  # 40% of tokens continue the previous word
    starts[:, :2] = True
    inputs, labels = _mask(ids, None, word_starts=starts)
    picked = labels != IGNORE_INDEX
    eligible = ~np.isin(ids, SPECIAL)
    assert abs(picked.sum() / eligible.sum() - 0.15) < 0.02
    for r in range(len(ids)):
        for p in range(2, ids.shape[1] - 1):
            if not starts[r, p]:  # a continuation is picked exactly when the piece before it is
                assert picked[r, p] == picked[r, p - 1]
    # the 80/10/10 choice is made per word: all pieces of a masked word are [MASK]
    for r in range(len(ids)):
        for p in range(2, ids.shape[1] - 1):
            if not starts[r, p] and picked[r, p] and inputs[r, p - 1] == MASK:
                assert inputs[r, p] == MASK


def test_eval_masking_replaces_every_picked_position_by_mask() -> None:
    ids, attn = _batch(rows=100)
    inputs, labels = mask_for_eval(
        ids, np.random.default_rng(0), mask_id=MASK, special_ids=SPECIAL, attention_mask=attn
    )
    picked = labels != IGNORE_INDEX
    assert (inputs[picked] == MASK).all()
    assert (inputs[~picked] == ids[~picked]).all()


def test_rejects_one_dimensional_input() -> None:
    with pytest.raises(ValueError):
        _mask(np.arange(10), None)


def test_rows_without_eligible_tokens_are_left_alone() -> None:
    ids = np.array([[CLS, SEP, PAD, PAD]])
    inputs, labels = _mask(ids, (ids != PAD).astype(int))
    assert (labels == IGNORE_INDEX).all() and (inputs == ids).all()
