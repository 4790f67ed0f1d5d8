"""Convert the training checkpoint into a transformers ``BertForMaskedLM`` folder: the bench's reference.

The reference is the same model the app ships (as int8 ONNX), in the format a user of the
Hugging Face fill-mask pipeline would load: ``config.json``, ``model.safetensors`` (weights
stored as float16 to keep the repository small; loaded back as float32) and the tokenizer.
The mapping is checked by comparing logits of the training module and of the transformers
model on a few sentences (fp32: must match to 1e-4).

    python -m bench.make_reference --checkpoint runs/cloze-minilm-en/ckpt-best.pt
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO / "models" / "cloze-minilm-en"
REFERENCE_DIR = MODEL_DIR / "reference"
TOLERANCE = 1e-4
CHECK_SENTENCES = (
    "I drink a cup of [MASK] every morning.",
    "The capital of France is [MASK].",
    "She opened the door with her [MASK] and walked into the quiet house where nobody had lived.",
    "[MASK] is the best way to learn a language, [MASK] said.",
)
_TOP = {
    "word_embeddings.weight": "bert.embeddings.word_embeddings.weight",
    "position_embeddings.weight": "bert.embeddings.position_embeddings.weight",
    "token_type_embeddings.weight": "bert.embeddings.token_type_embeddings.weight",
    "emb_ln.weight": "bert.embeddings.LayerNorm.weight",
    "emb_ln.bias": "bert.embeddings.LayerNorm.bias",
    "head_dense.weight": "cls.predictions.transform.dense.weight",
    "head_dense.bias": "cls.predictions.transform.dense.bias",
    "head_ln.weight": "cls.predictions.transform.LayerNorm.weight",
    "head_ln.bias": "cls.predictions.transform.LayerNorm.bias",
    "head_bias": "cls.predictions.bias",
}
_LAYER = {
    "query": "attention.self.query",
    "key": "attention.self.key",
    "value": "attention.self.value",
    "attn_out": "attention.output.dense",
    "attn_ln": "attention.output.LayerNorm",
    "inter": "intermediate.dense",
    "out": "output.dense",
    "out_ln": "output.LayerNorm",
}
TOKENIZER_CONFIG = {
    "tokenizer_class": "BertTokenizerFast",
    "do_lower_case": True,
    "unk_token": "[UNK]",
    "sep_token": "[SEP]",
    "pad_token": "[PAD]",
    "cls_token": "[CLS]",
    "mask_token": "[MASK]",
    "tokenize_chinese_chars": True,
    "strip_accents": None,
    "model_max_length": 512,
}


def hf_key(key: str) -> str:
    """The transformers ``BertForMaskedLM`` name of a ``BertMLM`` parameter."""
    key = key.removeprefix("_orig_mod.")
    if key in _TOP:
        return _TOP[key]
    if key.startswith("layers."):
        index, module, param = key[len("layers.") :].split(".")
        return f"bert.encoder.layer.{index}.{_LAYER[module]}.{param}"
    raise KeyError(f"no transformers name for the training parameter {key!r}")


def hf_config(cfg: Any) -> Any:
    """The transformers BertConfig of a training ``BertConfig`` (same sizes, BERT's exact GELU)."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=cfg.vocab_size,
        hidden_size=cfg.hidden_size,
        num_hidden_layers=cfg.num_hidden_layers,
        num_attention_heads=cfg.num_attention_heads,
        intermediate_size=cfg.intermediate_size,
        max_position_embeddings=cfg.max_position_embeddings,
        type_vocab_size=cfg.type_vocab_size,
        layer_norm_eps=cfg.layer_norm_eps,
        hidden_act="gelu",
        pad_token_id=0,
        architectures=["BertForMaskedLM"],
    )


def convert_model(training_model: Any, *, round_fp16: bool = False) -> Any:
    """A float32 ``BertForMaskedLM`` holding the training weights (decoder tied to the embeddings).

    Args:
        training_model: a ``cloze_app.training.model.BertMLM``.
        round_fp16: round every weight to float16 first (what the repository stores).
    """
    from transformers import BertForMaskedLM

    model = BertForMaskedLM(hf_config(training_model.cfg)).eval()
    state = training_model.state_dict()
    mapped = {hf_key(k): (v.half() if round_fp16 else v).float() for k, v in state.items()}
    missing, unexpected = model.load_state_dict(mapped, strict=False)
    tied = {"cls.predictions.decoder.weight", "cls.predictions.decoder.bias"}
    buffers = {"bert.embeddings.position_ids", "bert.embeddings.token_type_ids"}
    if set(missing) - tied - buffers or unexpected:
        raise RuntimeError(
            f"weight mismatch: missing {set(missing) - tied - buffers}, unexpected {unexpected}"
        )
    model.tie_weights()
    return model


def max_logit_difference(training_model: Any, hf_model: Any, tokenizer_file: Path) -> float:
    """Largest |logit difference| between the two models on the check sentences (padded batch)."""
    import torch
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_file))
    tok.no_padding()
    tok.no_truncation()
    rows = [tok.encode(s).ids for s in CHECK_SENTENCES]
    width = max(len(r) for r in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    with torch.no_grad():
        want = training_model(ids, mask)
        want = getattr(want, "logits", want)  # a transformers model may stand in for the training one
        got = hf_model(input_ids=ids, attention_mask=mask).logits
    keep = mask.bool()
    return float((want[keep] - got[keep]).abs().max())


def load_training_model(checkpoint: Path) -> tuple[Any, dict[str, Any]]:
    """The training module (fp32, eval; MiniLM-L6-H384 sizes, vocabulary from the weights) and metadata."""
    import torch

    from cloze_app.training.model import BertConfig, BertMLM

    ck = torch.load(checkpoint, map_location="cpu", weights_only=False)
    state = {k.removeprefix("_orig_mod."): v for k, v in ck["model"].items()}
    vocab, hidden = state["word_embeddings.weight"].shape
    layers = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("layers."))
    model = BertMLM(BertConfig(vocab_size=int(vocab), hidden_size=int(hidden), num_hidden_layers=layers))
    model.load_state_dict(state)
    model.eval()
    meta = {k: v for k, v in ck.items() if k in ("step", "best_top1")}
    return model, meta


def save_reference(hf_model: Any, tokenizer_file: Path, out: Path, provenance: dict[str, Any]) -> None:
    """Write config.json (float32), model.safetensors (float16) and the tokenizer files to ``out``."""
    import torch

    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    hf_model.to(torch.float16).save_pretrained(str(tmp), safe_serialization=True)
    hf_model.to(torch.float32)
    config = json.loads((tmp / "config.json").read_text(encoding="utf-8"))
    for key in ("dtype", "torch_dtype"):  # the weights are stored in fp16 but meant to run in fp32
        if key in config:
            config[key] = "float32"
    (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    shutil.copy(tokenizer_file, tmp / "tokenizer.json")
    (tmp / "tokenizer_config.json").write_text(
        json.dumps(TOKENIZER_CONFIG, indent=2) + "\n", encoding="utf-8"
    )
    (tmp / "reference.json").write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.make_reference", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--checkpoint", type=Path, default=REPO / "runs/cloze-minilm-en/ckpt-best.pt")
    parser.add_argument("--model", type=Path, default=MODEL_DIR, help="the shipped int8 model folder")
    parser.add_argument("--tokenizer", type=Path, default=None, help="default: <model>/tokenizer.json")
    parser.add_argument("--out", type=Path, default=None, help="default: <model>/reference")
    parser.add_argument(
        "--force", action="store_true", help="even if the model was exported from another step"
    )
    args = parser.parse_args(argv)
    tokenizer = args.tokenizer or args.model / "tokenizer.json"
    out = args.out or args.model / "reference"
    import torch

    from cloze_app.core.engine.manifest import sha256_file

    torch.set_num_threads(2)
    training_model, meta = load_training_model(args.checkpoint)
    shipped = args.model / "training.json"
    shipped_step = json.loads(shipped.read_text())["step"] if shipped.is_file() else None
    if shipped_step is not None and shipped_step != meta.get("step") and not args.force:
        print(
            f"[reference] {args.checkpoint} is step {meta.get('step')} but {args.model} was exported from "
            f"step {shipped_step}; give the matching checkpoint (or --force).",
            file=sys.stderr,
        )
        return 1
    hf_model = convert_model(training_model)
    fp32_diff = max_logit_difference(training_model, hf_model, tokenizer)
    print(f"[reference] max |logit difference| training vs transformers (fp32): {fp32_diff:.2e}")
    if fp32_diff > TOLERANCE:
        print(f"[reference] the mapping is wrong: difference above {TOLERANCE}", file=sys.stderr)
        return 1
    rounded = convert_model(training_model, round_fp16=True)
    fp16_diff = max_logit_difference(training_model, rounded, tokenizer)
    print(f"[reference] after rounding the weights to fp16: {fp16_diff:.2e}")
    int8 = args.model / "model.onnx"
    provenance = {
        "checkpoint": str(
            args.checkpoint.relative_to(REPO) if args.checkpoint.is_relative_to(REPO) else args.checkpoint
        ),
        **meta,
        "weights": "the training weights rounded to float16 (load them as float32)",
        "max_logit_diff_fp32": fp32_diff,
        "max_logit_diff_fp16_weights": fp16_diff,
        "int8_model_sha256": sha256_file(int8) if int8.is_file() else None,
    }
    save_reference(rounded, tokenizer, out, provenance)
    print(f"[reference] wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
