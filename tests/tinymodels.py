"""Tiny tokenizers and ONNX graphs with logits chosen by the test, so rankings are exact.

The graph computes, for every position ``s`` of every row::

    logits[s] = PRIOR[ids[s]] + AFTER[ids[s-1]] + sum over attended t of CONTEXT[ids[t]]
                + POSITION[s]   (a zero table of ``max_length`` rows: longer input fails)

so a test can say "at a [MASK], prefer cat", "after foot, prefer ##ball", "when dog is anywhere
in the text, prefer barked", and "a sequence longer than max_length cannot run".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from cloze_app.core.engine.manifest import manifest_for_files, write_manifest

Spec = Mapping[str, Mapping[str, float]]
PUNCT = [".", ",", "!", "?", "'", ";", ":", "-", "(", ")", '"']


@dataclass(frozen=True)
class Family:
    """How a tokenizer family writes its special tokens."""

    name: str
    pad: str
    unk: str
    bos: str
    eos: str
    mask: str


WORDPIECE = Family("wordpiece", "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
SENTENCEPIECE = Family("sentencepiece", "<pad>", "<unk>", "<s>", "</s>", "<mask>")
BYTELEVEL = Family("bytelevel", "<pad>", "<unk>", "<s>", "</s>", "<mask>")


def wordpiece_tokenizer(
    words: Iterable[str], pieces: Iterable[str] = (), *, cased: bool = False
) -> Tokenizer:
    """A BERT-style tokenizer: whole words, ``##`` continuation pieces, [CLS] … [SEP]."""
    fam = WORDPIECE
    vocab_list = [fam.pad, fam.unk, fam.bos, fam.eos, fam.mask, *PUNCT]
    vocab_list += [w for w in words if w not in vocab_list]
    vocab_list += ["##" + p for p in pieces if "##" + p not in vocab_list]
    vocab = {tok: i for i, tok in enumerate(vocab_list)}
    tok = Tokenizer(models.WordPiece(vocab, unk_token=fam.unk, max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=not cased, strip_accents=not cased)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single=f"{fam.bos} $A {fam.eos}",
        pair=f"{fam.bos} $A {fam.eos} $B:1 {fam.eos}:1",
        special_tokens=[(fam.bos, vocab[fam.bos]), (fam.eos, vocab[fam.eos])],
    )
    tok.decoder = decoders.WordPiece()
    tok.add_special_tokens([fam.pad, fam.unk, fam.bos, fam.eos, fam.mask])
    return tok


def sentencepiece_tokenizer(words: Iterable[str], pieces: Iterable[str] = ()) -> Tokenizer:
    """An XLM-R-style tokenizer: Unigram pieces, ``▁`` marks a word start, <s> … </s>."""
    fam = SENTENCEPIECE
    entries: list[tuple[str, float]] = [(fam.bos, 0.0), (fam.pad, 0.0), (fam.eos, 0.0), (fam.unk, 0.0)]
    entries += [("▁" + w, -1.0) for w in words]
    entries += [(p, -2.0) for p in pieces]
    entries += [(c, -8.0) for c in "abcdefghijklmnopqrstuvwxyz"]
    entries += [(p, -3.0) for p in PUNCT] + [("▁", -5.0)]
    entries.append((fam.mask, 0.0))
    seen: set[str] = set()
    unique = [e for e in entries if not (e[0] in seen or seen.add(e[0]))]  # type: ignore[func-returns-value]
    tok = Tokenizer(models.Unigram(unique, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    ids = {tok_: i for i, (tok_, _) in enumerate(unique)}
    tok.post_processor = processors.TemplateProcessing(
        single=f"{fam.bos} $A {fam.eos}",
        special_tokens=[(fam.bos, ids[fam.bos]), (fam.eos, ids[fam.eos])],
    )
    tok.add_special_tokens([fam.bos, fam.pad, fam.eos, fam.unk])
    tok.add_special_tokens([AddedToken(fam.mask, lstrip=True, special=True)])
    return tok


def bytelevel_tokenizer(words: Iterable[str], pieces: Iterable[str] = ()) -> Tokenizer:
    """A RoBERTa-style byte-level BPE (``Ġ`` marks a leading space) holding every word whole.

    Merges are written so each listed word (with and without its leading space) is one token,
    and each listed piece is one token that follows a word without a space.
    """
    fam = BYTELEVEL
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab: dict[str, int] = {}
    for special in (fam.bos, fam.pad, fam.eos, fam.unk):
        vocab[special] = len(vocab)
    for ch in sorted(alphabet):
        vocab.setdefault(ch, len(vocab))
    merges: list[tuple[str, str]] = []

    def add_word(symbol: str) -> None:
        current = symbol[0]
        for ch in symbol[1:]:
            merged = current + ch
            if merged not in vocab:
                vocab[merged] = len(vocab)
                merges.append((current, ch))
            current = merged

    for w in words:
        add_word("Ġ" + w)
        add_word(w)
    for p in pieces:
        add_word(p)
    vocab[fam.mask] = len(vocab)
    tok = Tokenizer(models.BPE(vocab, merges, unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.RobertaProcessing((fam.eos, vocab[fam.eos]), (fam.bos, vocab[fam.bos]))
    tok.add_special_tokens([fam.bos, fam.pad, fam.eos, fam.unk])
    tok.add_special_tokens([AddedToken(fam.mask, lstrip=True, special=True)])
    return tok


def _table(tok: Tokenizer, spec: Spec | None, default_self: float = 0.0) -> np.ndarray:
    size = tok.get_vocab_size()
    table = np.zeros((size, size), dtype=np.float32)
    if default_self:
        table[np.arange(size), np.arange(size)] = default_self
    for src, row in (spec or {}).items():
        src_id = tok.token_to_id(src)
        assert src_id is not None, f"unknown token {src!r}"
        for dst, value in row.items():
            dst_id = tok.token_to_id(dst)
            assert dst_id is not None, f"unknown token {dst!r}"
            table[src_id, dst_id] = value
    return table


def build_graph(
    tok: Tokenizer,
    *,
    prior: Spec | None = None,
    after: Spec | None = None,
    context: Spec | None = None,
    max_length: int = 64,
    token_type_ids: bool = True,
) -> onnx.ModelProto:
    """The ONNX graph described in the module docstring (unmasked tokens predict themselves)."""
    vocab_size = tok.get_vocab_size()
    inits = [
        numpy_helper.from_array(_table(tok, prior, default_self=1.0), "PRIOR"),
        numpy_helper.from_array(_table(tok, after), "AFTER"),
        numpy_helper.from_array(_table(tok, context), "CONTEXT"),
        numpy_helper.from_array(np.zeros((max_length, vocab_size), dtype=np.float32), "POSITION"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "zero1"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "one1"),
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "minus1"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "two1"),
        numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "one"),
    ]
    nodes = [
        helper.make_node("Gather", ["PRIOR", "input_ids"], ["own"]),
        helper.make_node("Shape", ["input_ids"], ["shape"]),
        helper.make_node("Slice", ["shape", "zero1", "one1"], ["batch"]),
        helper.make_node("Slice", ["shape", "one1", "two1"], ["seq1"]),
        helper.make_node("Concat", ["batch", "one1"], ["pad_shape"], axis=0),
        helper.make_node(
            "ConstantOfShape",
            ["pad_shape"],
            ["pad_col"],
            value=numpy_helper.from_array(np.array([0], dtype=np.int64)),
        ),
        helper.make_node("Slice", ["input_ids", "zero1", "minus1", "axis1"], ["head"]),
        helper.make_node("Concat", ["pad_col", "head"], ["prev_ids"], axis=1),
        helper.make_node("Gather", ["AFTER", "prev_ids"], ["after"]),
        helper.make_node("Gather", ["CONTEXT", "input_ids"], ["ctx_each"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "minus1"], ["mask3"]),
        helper.make_node("Mul", ["ctx_each", "mask3"], ["ctx_masked"]),
        helper.make_node("ReduceSum", ["ctx_masked", "axis1"], ["ctx"], keepdims=1),
        helper.make_node("Squeeze", ["seq1", "zero1"], ["seq"]),
        helper.make_node("Range", ["zero", "seq", "one"], ["positions"]),
        helper.make_node("Gather", ["POSITION", "positions"], ["pos"]),
        helper.make_node("Add", ["own", "after"], ["s1"]),
        helper.make_node("Add", ["s1", "ctx"], ["s2"]),
        helper.make_node("Add", ["s2", "pos"], ["logits"]),
    ]
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
    ]
    if token_type_ids:
        inputs.append(helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, ["batch", "seq"]))
        # Consume it so onnxruntime keeps it as an input (scaled by zero: it changes nothing).
        nodes[-1] = helper.make_node("Add", ["s2", "pos"], ["s3"])
        nodes += [
            helper.make_node("Cast", ["token_type_ids"], ["tt_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["tt_f", "zero_f"], ["tt0"]),
            helper.make_node("Unsqueeze", ["tt0", "minus1"], ["tt3"]),
            helper.make_node("Add", ["s3", "tt3"], ["logits"]),
        ]
        inits.append(numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero_f"))
    graph = helper.make_graph(
        nodes,
        "tiny_mlm",
        inputs,
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "seq", vocab_size])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write_model_folder(
    folder: Path,
    tok: Tokenizer,
    family: Family,
    *,
    model_id: str = "tiny",
    cased: bool = False,
    languages: tuple[str, ...] = ("en",),
    max_length: int = 64,
    **graph_kwargs: object,
) -> Path:
    """Write ``model.onnx``, ``tokenizer.json`` and a valid ``cloze-model.json`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(build_graph(tok, max_length=max_length, **graph_kwargs), str(folder / "model.onnx"))  # type: ignore[arg-type]
    tok.save(str(folder / "tokenizer.json"))
    manifest = manifest_for_files(
        folder,
        id=model_id,
        name=f"Tiny {family.name} model",
        languages=list(languages),
        architecture="roberta" if family is not WORDPIECE else "bert",
        mask_token=family.mask,
        max_length=max_length,
        cased=cased,
        quantization="fp32",
        license="CC0-1.0",
        source="built in code by tests/tinymodels.py",
        description="A test model with hand-written logits.",
    )
    write_manifest(folder, manifest)
    return folder
