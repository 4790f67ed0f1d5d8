"""What each token of a tokenizer is: a word start, a continuation piece, punctuation, special.

Three families are told apart from ``tokenizer.json``: WordPiece (BERT: ``##`` continues a
word), SentencePiece (XLM-R: ``▁`` starts a word) and byte-level BPE (RoBERTa: ``Ġ`` is a
leading space, every character is a byte). Masks over the whole vocabulary are precomputed
so candidate filtering is one numpy operation.
"""

from __future__ import annotations

import json
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from cloze_app.core.atomic import atomic_write_bytes
from cloze_app.core.errors import ModelError

WORDPIECE = "wordpiece"
SENTENCEPIECE = "sentencepiece"
BYTELEVEL = "bytelevel"
_WORD_JOINERS = frozenset("'’-")


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's printable-character alphabet back to bytes."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=True)}


def is_wordlike(surface: str) -> bool:
    """A word's text: letters (any script), with ' or - only between letters."""
    if surface.isalpha():  # most tokens: the fast path gives the same answer
        return True
    if not surface or not any(ch.isalpha() for ch in surface):
        return False
    if surface[0] in _WORD_JOINERS or surface[-1] in _WORD_JOINERS:
        return False
    return all(ch.isalpha() or ch in _WORD_JOINERS or unicodedata.category(ch) == "Mn" for ch in surface)


def _detect_family(spec: dict) -> str:
    model_type = spec.get("model", {}).get("type", "")
    text = json.dumps({k: spec.get(k) for k in ("pre_tokenizer", "decoder")})
    if model_type == "WordPiece" or '"WordPiece"' in text:
        return WORDPIECE
    if "ByteLevel" in text:
        return BYTELEVEL
    if "Metaspace" in text or model_type == "Unigram":
        return SENTENCEPIECE
    raise ModelError(
        f"tokenizer.json uses a {model_type or 'unknown'} model that Cloze cannot split into words "
        "(supported: WordPiece, SentencePiece/Unigram with Metaspace, byte-level BPE)."
    )


@dataclass(frozen=True)
class TokenInfo:
    """Per-token facts for a whole vocabulary, as arrays indexed by token id."""

    family: str
    size: int
    pieces: tuple[bytes, ...]  # each token's text (UTF-8 bytes) without its word marker
    has_marker: np.ndarray  # WordPiece: not a ## piece; others: starts with ▁ / Ġ
    first_spaced: np.ndarray  # may start a word that follows a space
    first_glued: np.ndarray  # may start a word right after punctuation or at text start
    continuation: np.ndarray  # may continue a word
    special: np.ndarray
    mask_id: int
    pad_id: int
    prefix: tuple[int, ...]  # special tokens the post-processor puts before the text
    suffix: tuple[int, ...]

    def word(self, ids: tuple[int, ...] | list[int]) -> str | None:
        """The text of a word made of these pieces, or None if the bytes are not valid UTF-8."""
        try:
            return b"".join(self.pieces[i] for i in ids).decode("utf-8")
        except UnicodeDecodeError:
            return None


def analyse_tokenizer(tok: Tokenizer, mask_token: str) -> TokenInfo:
    """Classify every token of ``tok``; raises ModelError when the mask token is missing."""
    spec = json.loads(tok.to_str())
    family = _detect_family(spec)
    mask_id = tok.token_to_id(mask_token)
    if mask_id is None:
        raise ModelError(f"tokenizer.json has no mask token {mask_token!r} (named in cloze-model.json).")
    size = tok.get_vocab_size(with_added_tokens=True)
    vocab = tok.get_vocab(with_added_tokens=True)
    tokens = [""] * size
    for text, idx in vocab.items():
        if 0 <= idx < size:
            tokens[idx] = text
    special = np.zeros(size, dtype=bool)
    for idx, added in tok.get_added_tokens_decoder().items():
        if idx < size and added.special:
            special[idx] = True
    unk = spec.get("model", {}).get("unk_token")
    if isinstance(unk, str) and unk in vocab:
        special[vocab[unk]] = True
    special[mask_id] = True

    decoder = _byte_decoder()
    pieces: list[bytes] = []
    marker = np.zeros(size, dtype=bool)
    wordlike = np.zeros(size, dtype=bool)
    partial = np.zeros(size, dtype=bool)  # byte pieces of a character split across tokens
    prefix = spec["model"].get("continuing_subword_prefix") or "##"
    for idx, text in enumerate(tokens):
        if family == WORDPIECE:
            marker[idx] = not text.startswith(prefix)
            surface = text if marker[idx] else text[len(prefix) :]
            raw = surface.encode("utf-8")
        elif family == SENTENCEPIECE:
            marker[idx] = text.startswith("▁")
            surface = text[1:] if marker[idx] else text
            raw = surface.replace("▁", " ").encode("utf-8")
        else:
            marker[idx] = text.startswith("Ġ")
            surface = text[1:] if marker[idx] else text
            if special[idx] or not all(ch in decoder for ch in surface):
                raw = surface.encode("utf-8")
            else:
                raw = bytes(decoder[ch] for ch in surface)
            try:
                surface = raw.decode("utf-8")
            except UnicodeDecodeError:
                surface = ""
                partial[idx] = not special[idx]
        pieces.append(raw)
        wordlike[idx] = not special[idx] and is_wordlike(surface)
    if family == WORDPIECE:
        first_spaced = marker & wordlike
        first_glued = first_spaced
        continuation = ~marker & wordlike
    else:
        first_spaced = marker & wordlike
        first_glued = ~marker & wordlike
        continuation = ~marker & wordlike
        if family == BYTELEVEL:
            # Byte pieces of a multi-byte character (CJK, accents) may continue a word too.
            continuation = continuation | (~marker & partial)
            first_spaced = first_spaced | (marker & partial)
            first_glued = first_glued | (~marker & partial)

    empty = tok.encode("", add_special_tokens=True)
    ids = list(empty.ids)
    half = len(ids) // 2 if len(ids) > 1 else len(ids)
    prefix_ids, suffix_ids = tuple(ids[:half]), tuple(ids[half:])
    pad_id = _pad_id(spec, vocab)
    return TokenInfo(
        family=family,
        size=size,
        pieces=tuple(pieces),
        has_marker=marker,
        first_spaced=first_spaced,
        first_glued=first_glued,
        continuation=continuation,
        special=special,
        mask_id=mask_id,
        pad_id=pad_id,
        prefix=prefix_ids,
        suffix=suffix_ids,
    )


def _pad_id(spec: dict, vocab: dict[str, int]) -> int:
    padding = spec.get("padding") or {}
    if isinstance(padding.get("pad_id"), int):
        return int(padding["pad_id"])
    for name in ("[PAD]", "<pad>", "<PAD>", "[pad]"):
        if name in vocab:
            return vocab[name]
    return 0


# Bump when analyse_tokenizer changes what it finds, or the saved layout changes: cached analyses
# carry it in their key.
VOCAB_VERSION = "2"
_ARRAYS = ("has_marker", "first_spaced", "first_glued", "continuation", "special")
_MAGIC = b"cloze-vocab 2\n"


def _free_byte(blob: bytes) -> int:
    """A byte value that occurs in no piece (-1 when every one does, as in byte-level BPE)."""
    counts = np.bincount(np.frombuffer(blob, dtype=np.uint8), minlength=256)
    free = np.flatnonzero(counts == 0)
    return int(free[0]) if len(free) else -1


def save_token_info(info: TokenInfo, path: Path) -> None:
    """Write an analysis to ``path`` atomically, so the next start reads it instead of redoing it.

    The file is one line of JSON (the scalars, where each part starts, a CRC-32 of the rest),
    then the flag arrays as bits and the pieces. The pieces are joined by a byte that occurs in
    none of them when there is one (one ``split`` reads them back); otherwise their lengths are
    saved too.
    """
    blob = b"".join(info.pieces)
    sep = _free_byte(blob)
    parts: dict[str, bytes] = {name: np.packbits(getattr(info, name)).tobytes() for name in _ARRAYS}
    if sep >= 0:
        parts["pieces"] = bytes([sep]).join(info.pieces)
    else:
        parts["lengths"] = np.array([len(p) for p in info.pieces], dtype="<u4").tobytes()
        parts["pieces"] = blob
    body = b"".join(parts.values())
    offsets: dict[str, list[int]] = {}
    at = 0
    for name, part in parts.items():
        offsets[name] = [at, at + len(part)]
        at += len(part)
    head = {
        "family": info.family,
        "size": info.size,
        "mask_id": info.mask_id,
        "pad_id": info.pad_id,
        "prefix": list(info.prefix),
        "suffix": list(info.suffix),
        "sep": sep,
        "parts": offsets,
        "crc32": zlib.crc32(body),
    }
    atomic_write_bytes(path, _MAGIC + json.dumps(head).encode("ascii") + b"\n" + body)


def load_token_info(path: Path) -> TokenInfo | None:
    """A saved analysis, or None when there is none or it cannot be read (damaged, other layout)."""
    try:
        data = path.read_bytes()
        if not data.startswith(_MAGIC):
            return None
        end = data.index(b"\n", len(_MAGIC))
        head = json.loads(data[len(_MAGIC) : end])
        body = memoryview(data)[end + 1 :]
        if zlib.crc32(body) != head["crc32"]:
            return None
        size = int(head["size"])
        parts = {name: body[a:b] for name, (a, b) in head["parts"].items()}
        if head["sep"] >= 0:
            pieces = tuple(parts["pieces"].tobytes().split(bytes([head["sep"]])))
        else:
            blob = parts["pieces"].tobytes()
            ends = np.cumsum(np.frombuffer(parts["lengths"], dtype="<u4"), dtype=np.int64).tolist()
            pieces = tuple([blob[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)])
        flags = {
            name: np.unpackbits(np.frombuffer(parts[name], dtype=np.uint8), count=size).astype(bool)
            for name in _ARRAYS
        }
        info = TokenInfo(
            family=str(head["family"]),
            size=size,
            pieces=pieces,
            mask_id=int(head["mask_id"]),
            pad_id=int(head["pad_id"]),
            prefix=tuple(int(i) for i in head["prefix"]),
            suffix=tuple(int(i) for i in head["suffix"]),
            **flags,
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None
    return info if len(info.pieces) == info.size else None
