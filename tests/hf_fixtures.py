"""Tiny Hugging Face checkpoints built in code: a BERT (WordPiece) and a RoBERTa (byte-level BPE).

Each folder looks like a Hub repo: ``config.json``, ``model.safetensors``, ``tokenizer.json``,
``tokenizer_config.json`` and a model card with a YAML header. The models are really small
(hidden 32, 2 layers) so export and quantization take a second or two. The output bias is set
so that a few chosen words always rank first, far apart: int8 keeps the top-5, and a test can
check what an installed model suggests.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.tinymodels import bytelevel_tokenizer, wordpiece_tokenizer

WORDS = (
    *("the", "a", "cat", "dog", "sat", "on", "mat", "house", "tree", "red", "blue", "green", "big"),
    *("small", "run", "ran", "walk", "tea", "coffee", "cup", "paris", "berlin", "city", "is", "was"),
    *("of", "in", "to", "and", "she", "he", "they", "it"),
)
# The words the model prefers at every position, best first.
FAVOURITES = ("cat", "dog", "mat", "tea", "house", "tree")


def _favour(model: object, tokenizer: object, words: tuple[str, ...], prefix: str = "") -> None:
    import torch

    head = model.get_output_embeddings()  # type: ignore[attr-defined]
    with torch.no_grad():
        bias = head.bias if head.bias is not None else model.cls.predictions.bias  # type: ignore[attr-defined]
        bias.zero_()
        for rank, word in enumerate(words):
            token_id = tokenizer.token_to_id(prefix + word)  # type: ignore[attr-defined]
            assert token_id is not None, word
            bias[token_id] = 20.0 - 3.0 * rank


def _card(folder: Path, languages: tuple[str, ...], license: str) -> None:
    langs = "\n".join(f"- {lang}" for lang in languages)
    (folder / "README.md").write_text(
        f"---\nlanguage:\n{langs}\nlicense: {license}\ntags:\n- fill-mask\n---\n\n# Tiny test model\n",
        encoding="utf-8",
    )


def write_bert_checkpoint(folder: Path, *, hidden: int = 32, layers: int = 2) -> Path:
    """A tiny uncased ``BertForMaskedLM`` checkpoint with a WordPiece tokenizer."""
    import torch
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(0)
    tok = wordpiece_tokenizer(WORDS, pieces=("s", "ed", "ing"))
    config = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=64,
        pad_token_id=0,
    )
    model = BertForMaskedLM(config).eval()
    _favour(model, tok, FAVOURITES)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder), safe_serialization=True)
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"do_lower_case": True, "mask_token": "[MASK]", "model_max_length": 64}), encoding="utf-8"
    )
    _card(folder, ("en",), "apache-2.0")
    return folder


def write_roberta_checkpoint(folder: Path, *, hidden: int = 32, layers: int = 2) -> Path:
    """A tiny cased ``RobertaForMaskedLM`` checkpoint with a byte-level BPE tokenizer."""
    import torch
    from transformers import RobertaConfig, RobertaForMaskedLM

    torch.manual_seed(0)
    tok = bytelevel_tokenizer(WORDS)
    config = RobertaConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=66,
        type_vocab_size=1,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    model = RobertaForMaskedLM(config).eval()
    _favour(model, tok, FAVOURITES, prefix="Ġ")
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder), safe_serialization=True)
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"mask_token": {"content": "<mask>", "lstrip": True}, "model_max_length": 64}),
        encoding="utf-8",
    )
    _card(folder, ("en", "de"), "mit")
    return folder


def write_transformers_js_folder(folder: Path, checkpoint: Path) -> Path:
    """A transformers.js-style export of ``checkpoint``: ``onnx/model.onnx`` (fp32) and
    ``onnx/model_quantized.onnx`` (int8) beside ``tokenizer.json``, ``config.json`` and the card."""
    from cloze_app.core.models.convert import export_onnx, quantize_int8

    (folder / "onnx").mkdir(parents=True, exist_ok=True)
    export_onnx(checkpoint, folder / "onnx" / "model.onnx")
    quantize_int8(folder / "onnx" / "model.onnx", folder / "onnx" / "model_quantized.onnx")
    for name in ("tokenizer.json", "tokenizer_config.json", "config.json", "README.md"):
        shutil.copy2(checkpoint / name, folder / name)
    return folder


def measure_conversion_sizes(out: Path) -> None:
    """Print the int8 size Cloze's converter gives the catalog's checkpoint architectures.

    Random weights with the real configs (vocabulary, width, depth), so sizes match the real
    models; slow (about a minute each) and several GB of memory: not part of the test run.
    Run: ``python -m tests.hf_fixtures /tmp/sizes``.
    """
    import torch
    from transformers import BertConfig, BertForMaskedLM, CamembertConfig, CamembertForMaskedLM

    from cloze_app.core.models.convert import export_onnx, quantize_int8

    models = {
        "bert-base-chinese": lambda: BertForMaskedLM(BertConfig(vocab_size=21128)),
        "bert-base-german-cased": lambda: BertForMaskedLM(BertConfig(vocab_size=30000)),
        "camembert-base": lambda: CamembertForMaskedLM(
            CamembertConfig(vocab_size=32005, max_position_embeddings=514, type_vocab_size=1, pad_token_id=1)
        ),
    }
    torch.manual_seed(0)
    for name, build in models.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        build().eval().save_pretrained(str(folder))
        export_onnx(folder, folder / "fp32.onnx")
        quantize_int8(folder / "fp32.onnx", folder / "int8.onnx")
        sizes = {
            f: (folder / f).stat().st_size / 1e6 for f in ("model.safetensors", "fp32.onnx", "int8.onnx")
        }
        print(name, "  ".join(f"{f} {mb:.0f} MB" for f, mb in sizes.items()), flush=True)
        shutil.rmtree(folder)


if __name__ == "__main__":
    import sys

    measure_conversion_sizes(Path(sys.argv[1] if len(sys.argv) > 1 else "conversion-sizes"))
