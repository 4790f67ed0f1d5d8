"""Tokenize corpus text and pack it into fixed-length [CLS] ... [SEP] (MPNet: <s> ... </s>) masked-LM rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tokenizers import Tokenizer


def load_tokenizer(path: Path) -> Tokenizer:
    """The WordPiece tokenizer with truncation and padding turned off."""
    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


_BERT_SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_ROBERTA_SPECIAL = ("<pad>", "<unk>", "<s>", "</s>", "<mask>")  # MPNet's (its vocab also has BERT's)


def special_tokens(tok: Tokenizer) -> tuple[str, str, str]:
    """(cls, sep, mask) of a tokenizer: <s> </s> <mask> when it has <mask> (MPNet), else BERT's."""
    if tok.token_to_id("<mask>") is not None:
        return "<s>", "</s>", "<mask>"
    return "[CLS]", "[SEP]", "[MASK]"


def mask_id(tok: Tokenizer) -> int:
    """Id of the tokenizer's mask token."""
    return int(tok.token_to_id(special_tokens(tok)[2]))


def special_ids(tok: Tokenizer) -> list[int]:
    """Ids never picked for masking: BERT's and RoBERTa-style special tokens present, plus added specials."""
    ids = {tok.token_to_id(t) for t in _BERT_SPECIAL + _ROBERTA_SPECIAL}
    ids |= {i for i, added in tok.get_added_tokens_decoder().items() if added.special}
    return sorted(i for i in ids if i is not None)


def rows_cache(corpus: Path, stem: str, seq_len: int, arch: str = "minilm") -> Path:
    """Packed-rows cache of ``stem`` (train, heldout-wikipedia...) per tokenizer; MiniLM keeps old names."""
    return corpus / (f"{stem}-{seq_len}.npy" if arch == "minilm" else f"{stem}-{arch}-{seq_len}.npy")


def word_start_table(tok: Tokenizer) -> np.ndarray:
    """bool [vocab]: True for tokens that begin a word (not a '##' continuation)."""
    vocab = tok.get_vocab()
    table = np.ones(tok.get_vocab_size(), dtype=bool)
    for piece, idx in vocab.items():
        if piece.startswith("##"):
            table[idx] = False
    return table


def pack_text(tok: Tokenizer, paragraphs: list[str], seq_len: int, batch: int = 2048) -> np.ndarray:
    """Concatenate paragraphs (separated by [SEP]) and cut the stream into [CLS] + body + [SEP] rows.

    Returns uint16 [rows, seq_len]; the trailing partial row is dropped.
    """
    cls_name, sep_name, _ = special_tokens(tok)
    cls_id, sep_id = tok.token_to_id(cls_name), tok.token_to_id(sep_name)
    pieces: list[np.ndarray] = []
    for start in range(0, len(paragraphs), batch):
        for enc in tok.encode_batch(paragraphs[start : start + batch], add_special_tokens=False):
            pieces.append(np.asarray(enc.ids + [sep_id], dtype=np.uint16))
    if not pieces:
        return np.zeros((0, seq_len), dtype=np.uint16)
    stream = np.concatenate(pieces)
    body = seq_len - 2
    rows = len(stream) // body
    out = np.empty((rows, seq_len), dtype=np.uint16)
    out[:, 0] = cls_id
    out[:, 1:-1] = stream[: rows * body].reshape(rows, body)
    out[:, -1] = sep_id
    return out


def read_paragraphs(path: Path) -> list[str]:
    return [ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()]


def load_or_pack(tok: Tokenizer, text_path: Path, cache: Path, seq_len: int) -> np.ndarray:
    """Packed rows for a text file, cached as .npy next to the run data (the cache alone will do)."""
    if cache.exists() and (not text_path.exists() or cache.stat().st_mtime >= text_path.stat().st_mtime):
        arr = np.load(cache)
        if arr.shape[1] == seq_len:
            return arr
    arr = pack_text(tok, read_paragraphs(text_path), seq_len)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, arr)
    return arr


def unigram_log_probs(rows: np.ndarray, vocab_size: int, exclude: list[int]) -> np.ndarray:
    """log unigram frequency of every token in the training rows (add-one smoothing); for the output bias."""
    counts = np.bincount(rows.reshape(-1).astype(np.int64), minlength=vocab_size).astype(np.float64) + 1.0
    counts[exclude] = 1.0
    return np.log(counts / counts.sum()).astype(np.float32)
