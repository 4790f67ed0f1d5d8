"""int8 options for an exported model: dynamic, FFN-output MatMuls kept finer, SmoothQuant, static QDQ.

Plain dynamic int8 (one activation scale per tensor, computed at run time) loses the most at the FFN
output MatMuls: their input is the GELU output, whose few large channels (outliers) set the scale
for all the others. The options, all measured by ``python -m cloze_app.training.quantize``:

- ``dynamic``: every MatMul and the embedding Gather int8 (per-channel weights), as the MiniLM ships.
- ``ffn-fp32``: the same, but the chosen FFN-output MatMuls stay fp32 (weights and compute).
- ``ffn-wint8``: those MatMuls get int8 weights (one scale per output column) that are dequantized to
  fp32 before an fp32 MatMul: the file stays as small as ``dynamic``, the activations are not quantized.
- ``ffn-wint8+head`` / ``head-wint8``: the same for those MatMuls plus the decoder (vocabulary head)
  MatMul / for the decoder only; the embedding Gather then keeps its own int8 copy of the tied matrix.
- ``wint8``: every weight MatMul int8 weight-only (no activation is quantized); words are looked up
  in the decoder's int8 weight (the tied embedding stored once): as small as ``dynamic``, about fp32's
  accuracy and speed.
- ``smooth``: SmoothQuant (Xiao et al. 2022) at those MatMuls: the input X is divided per channel by
  s = max|X|^a / max|W|^(1-a) (one Mul node) and W's rows multiplied by s, then plain dynamic int8.
  max|X| comes from calibration rows of corpus text.
- ``static``: onnxruntime static QDQ quantization with activation ranges calibrated (MinMax) on rows.

``--layers`` picks the FFN-output MatMuls (by layer index, "all", or "worst:K": the K with the largest
simulated int8 error on the calibration rows).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cloze_app.core.engine import rowquant

METHODS = ("dynamic", "ffn-fp32", "ffn-wint8", "ffn-wint8+head", "head-wint8", "wint8", "smooth", "static")


def _onnx():  # noqa: ANN202 - the onnx module
    import onnx  # noqa: PLC0415

    return onnx


def ffn_out_matmuls(path: Path) -> list[tuple[str, str, str]]:
    """(node name, activation input, weight initializer) of each FFN-output MatMul, in layer order.

    Recognised by the weight's shape: [intermediate, hidden] with intermediate = 4 x hidden.
    """
    onnx = _onnx()
    model = onnx.load(str(path), load_external_data=False)
    dims = {i.name: list(i.dims) for i in model.graph.initializer}
    out = []
    for node in model.graph.node:
        if node.op_type != "MatMul" or len(node.input) < 2 or node.input[1] not in dims:
            continue
        d = dims[node.input[1]]
        if len(d) == 2 and d[0] == 4 * d[1]:
            out.append((node.name, node.input[0], node.input[1]))
    return out


def head_matmul(path: Path) -> tuple[str, str, str] | None:
    """(node name, activation input, weight) of the decoder MatMul (its weight is [hidden, vocab])."""
    onnx = _onnx()
    model = onnx.load(str(path), load_external_data=False)
    dims = {i.name: list(i.dims) for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "MatMul" and len(node.input) == 2 and node.input[1] in dims:
            d = dims[node.input[1]]
            if len(d) == 2 and d[1] > 8 * d[0]:
                return (node.name, node.input[0], node.input[1])
    return None


def weight_matmuls(path: Path) -> list[tuple[str, str, str]]:
    """(node name, activation input, weight) of every MatMul with a 2-D weight initializer."""
    onnx = _onnx()
    model = onnx.load(str(path), load_external_data=False)
    dims = {i.name: list(i.dims) for i in model.graph.initializer}
    return [
        (n.name, n.input[0], n.input[1])
        for n in model.graph.node
        if n.op_type == "MatMul" and len(n.input) == 2 and len(dims.get(n.input[1], [])) == 2
    ]


def capture_inputs(
    fp32_path: Path, names: Sequence[str], batches: Sequence[np.ndarray]
) -> dict[str, np.ndarray]:
    """The values of graph tensors ``names`` for the calibration batches, as [tokens, channels] arrays."""
    import onnxruntime as ort  # noqa: PLC0415

    onnx = _onnx()
    model = onnx.load(str(fp32_path))
    for name in names:
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    wanted = {i.name for i in sess.get_inputs()}
    got: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for ids in batches:
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        outs = sess.run(list(names), {k: v for k, v in feed.items() if k in wanted})
        for n, v in zip(names, outs, strict=True):
            got[n].append(v.reshape(-1, v.shape[-1]))
    return {n: np.concatenate(v) for n, v in got.items()}


def _weights(path: Path) -> dict[str, np.ndarray]:
    onnx = _onnx()
    from onnx import numpy_helper  # noqa: PLC0415

    return {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}


def simulated_error(x: np.ndarray, w: np.ndarray) -> float:
    """Relative error of X @ W when X is quantized per tensor to uint8 and W per column to int8."""
    lo, hi = min(0.0, float(x.min())), max(0.0, float(x.max()))
    sx = (hi - lo) / 255 or 1.0
    zx = np.round(-lo / sx)
    xq = (np.clip(np.round(x / sx) + zx, 0, 255) - zx) * sx
    sw = np.abs(w).max(0, keepdims=True) / 127
    sw[sw == 0] = 1.0
    wq = np.round(w / sw) * sw
    y = x @ w
    return float(np.linalg.norm(y - xq @ wq) / max(np.linalg.norm(y), 1e-12))


def pick_layers(spec: str, fp32_path: Path, batches: Sequence[np.ndarray]) -> list[int]:
    """Layer indices from ``--layers``: "all", "0,3,11", or "worst:K" (largest simulated int8 error)."""
    ffn = ffn_out_matmuls(fp32_path)
    if spec == "all":
        return list(range(len(ffn)))
    if not spec.startswith("worst:"):
        return [int(i) for i in spec.split(",") if i.strip()]
    errors = layer_errors(fp32_path, batches)
    k = int(spec.split(":", 1)[1])
    return sorted(int(i) for i in np.argsort(errors)[::-1][:k])


def layer_errors(fp32_path: Path, batches: Sequence[np.ndarray]) -> list[float]:
    """Simulated dynamic-int8 error of each FFN-output MatMul on the calibration batches."""
    ffn = ffn_out_matmuls(fp32_path)
    xs = capture_inputs(fp32_path, [a for _, a, _ in ffn], batches[:1])
    weights = _weights(fp32_path)
    return [simulated_error(xs[a], weights[w]) for _, a, w in ffn]


def _dynamic(src: Path, dst: Path, exclude: Sequence[str] = ()) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    quantize_dynamic(
        str(src),
        str(dst),
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul", "Gather"],
        nodes_to_exclude=list(exclude),
    )
    rowquant.rewrite_file(dst)  # activations per token: a row's scores never depend on its batch


def _weight_only_int8(path: Path, weight_names: Sequence[str]) -> None:
    """Replace fp32 weights by int8 (per output column) + DequantizeLinear, in place."""
    onnx = _onnx()
    from onnx import helper, numpy_helper  # noqa: PLC0415

    model = onnx.load(str(path))
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    new_nodes = []
    for name in weight_names:
        w = numpy_helper.to_array(inits[name]).astype(np.float32)
        scale = (np.abs(w).max(0) / 127).astype(np.float32)
        scale[scale == 0] = 1.0
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        g.initializer.remove(inits[name])
        g.initializer.extend(
            [
                numpy_helper.from_array(q, name + "_wq"),
                numpy_helper.from_array(scale, name + "_wscale"),
                numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), name + "_wzero"),
            ]
        )
        new_nodes.append(
            helper.make_node(
                "DequantizeLinear",
                [name + "_wq", name + "_wscale", name + "_wzero"],
                [name],
                axis=1,
                name=name + "_DequantizeLinear",
            )
        )
    nodes = new_nodes + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.save(model, str(path))


def _share_embedding_wint8(path: Path) -> bool:
    """In a weight-only model, look words up in the decoder's int8 weight (one scale per word), in place.

    The fp32 word-embedding Gather on ``input_ids`` is replaced by Gather(decoder int8, ids, axis=1) ->
    Transpose -> Cast * the word's scale, when the embedding is the decoder weight transposed (tied).
    """
    onnx = _onnx()
    from onnx import TensorProto, helper, numpy_helper  # noqa: PLC0415

    model = onnx.load(str(path))
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    gather = word_embedding_gather(g.node, inits)
    if gather is None:
        return False
    vocab, hidden = inits[gather.input[0]].dims
    deq = node_with_weight(g.node, inits, "DequantizeLinear", 0, [hidden, vocab])
    if deq is None:
        return False
    emb = numpy_helper.to_array(inits[gather.input[0]]).astype(np.float32)
    wq = numpy_helper.to_array(inits[deq.input[0]]).astype(np.float32)
    scale = numpy_helper.to_array(inits[deq.input[1]]).astype(np.float32)
    if np.abs((wq * scale).T - emb).max() > float(scale.max()):  # not tied: keep both
        return False
    out, pre = gather.output[0], "/cloze/shared_embedding"
    axes = numpy_helper.from_array(np.array([-1], dtype=np.int64), f"{pre}/axes")
    new_nodes = [
        helper.make_node("Gather", [deq.input[0], "input_ids"], [f"{pre}/q"], axis=1, name=f"{pre}/Gather"),
        helper.make_node("Transpose", [f"{pre}/q"], [f"{pre}/qt"], perm=[1, 2, 0], name=f"{pre}/Transpose"),
        helper.make_node("Cast", [f"{pre}/qt"], [f"{pre}/f"], to=TensorProto.FLOAT, name=f"{pre}/Cast"),
        helper.make_node(
            "Gather", [deq.input[1], "input_ids"], [f"{pre}/s"], axis=0, name=f"{pre}/GatherScale"
        ),
        helper.make_node("Unsqueeze", [f"{pre}/s", axes.name], [f"{pre}/s1"], name=f"{pre}/Unsqueeze"),
        helper.make_node("Mul", [f"{pre}/f", f"{pre}/s1"], [out], name=f"{pre}/Mul"),
    ]
    nodes = list(g.node)
    at = nodes.index(gather)
    nodes = nodes[:at] + new_nodes + [n for n in nodes[at:] if n is not gather]
    del g.node[:]
    g.node.extend(nodes)
    g.initializer.remove(inits[gather.input[0]])
    g.initializer.append(axes)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return True


def _smooth(src: Path, dst: Path, layers: Sequence[int], batches: Sequence[np.ndarray], alpha: float) -> None:
    """SmoothQuant-scale the chosen FFN-output MatMuls of a fp32 model (written to ``dst``)."""
    onnx = _onnx()
    from onnx import helper, numpy_helper  # noqa: PLC0415

    ffn = [f for i, f in enumerate(ffn_out_matmuls(src)) if i in set(layers)]
    xs = capture_inputs(src, [a for _, a, _ in ffn], batches)
    model = onnx.load(str(src))
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    nodes = list(g.node)
    for node_name, act, wname in ffn:
        w = numpy_helper.to_array(inits[wname]).astype(np.float32)
        xmax = np.maximum(np.abs(xs[act]).max(0), 1e-5)
        wmax = np.maximum(np.abs(w).max(1), 1e-5)
        s = (xmax**alpha / wmax ** (1 - alpha)).astype(np.float32)
        inits[wname].CopyFrom(numpy_helper.from_array((w * s[:, None]).astype(np.float32), wname))
        inv = numpy_helper.from_array((1.0 / s).astype(np.float32), f"{node_name}/smooth_inv")
        g.initializer.append(inv)
        node = next(n for n in nodes if n.name == node_name)
        mul = helper.make_node("Mul", [act, inv.name], [f"{node_name}/smoothed"], name=f"{node_name}/Smooth")
        node.input[0] = mul.output[0]
        nodes.insert(nodes.index(node), mul)
    del g.node[:]
    g.node.extend(nodes)
    onnx.save(model, str(dst))


def _static(src: Path, dst: Path, batches: Sequence[np.ndarray]) -> None:
    import onnxruntime as ort  # noqa: PLC0415
    from onnxruntime.quantization import (  # noqa: PLC0415
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    wanted = {i.name for i in ort.InferenceSession(str(src), providers=["CPUExecutionProvider"]).get_inputs()}

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.items = iter(
                {
                    k: v
                    for k, v in {
                        "input_ids": b,
                        "attention_mask": np.ones_like(b),
                        "token_type_ids": np.zeros_like(b),
                    }.items()
                    if k in wanted
                }
                for b in batches
            )

        def get_next(self) -> dict | None:
            return next(self.items, None)

    quantize_static(
        str(src),
        str(dst),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        calibrate_method=CalibrationMethod.MinMax,
    )


def quantize(
    fp32_path: Path,
    int8_path: Path,
    method: str = "dynamic",
    layers: Sequence[int] = (),
    batches: Sequence[np.ndarray] = (),
    alpha: float = 0.5,
) -> None:
    """Write the int8 model of ``method`` (see the module docstring) for the given FFN-output layers."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    int8_path.parent.mkdir(parents=True, exist_ok=True)
    ffn = ffn_out_matmuls(fp32_path)
    chosen = [ffn[i] for i in layers]
    if method == "dynamic":
        _dynamic(fp32_path, int8_path)
    elif method in ("ffn-fp32", "ffn-wint8", "ffn-wint8+head", "head-wint8", "wint8"):
        if method == "head-wint8":
            chosen = []
        if method == "wint8":
            chosen = weight_matmuls(fp32_path)
        if method in ("ffn-wint8+head", "head-wint8"):
            head = head_matmul(fp32_path)
            chosen = chosen + ([head] if head else [])
        if method == "wint8":  # no activation quantization anywhere: weights only, embedding shared
            shutil.copy(fp32_path, int8_path)
            _weight_only_int8(int8_path, [w for _, _, w in chosen])
            _share_embedding_wint8(int8_path)
            return
        _dynamic(fp32_path, int8_path, exclude=[n for n, _, _ in chosen])
        if method != "ffn-fp32":
            _weight_only_int8(int8_path, [w for _, _, w in chosen])
    elif method == "smooth":
        smoothed = int8_path.with_name(int8_path.stem + "-smoothed-fp32.onnx")
        _smooth(fp32_path, smoothed, layers, batches, alpha)
        _dynamic(smoothed, int8_path)
        smoothed.unlink()
    else:
        _static(fp32_path, int8_path, batches)


def calibration_batches(
    rows: np.ndarray, mask_id: int, special: list[int], n: int, batch: int = 8
) -> list[np.ndarray]:
    """``n`` training-like rows (15% masked, fixed seed) in batches, for calibration."""
    from .masking import mask_for_eval  # noqa: PLC0415

    ids, _ = mask_for_eval(
        rows[:n].astype(np.int64), np.random.default_rng(7), mask_id=mask_id, special_ids=special
    )
    return [ids[i : i + batch] for i in range(0, len(ids), batch)]


def latency_ms(
    path: Path, vocab: int, lengths: Sequence[int] = (16, 128), repeats: int = 20
) -> dict[str, float]:
    """Best-of-``repeats`` milliseconds for one row of each length (2 threads, batch 1)."""
    from .export import onnx_logits  # noqa: PLC0415

    run = onnx_logits(path)
    rng = np.random.default_rng(0)
    out = {}
    for n in lengths:
        ids = rng.integers(min(1000, vocab // 2), vocab - 1, size=(1, n)).astype(np.int64)
        run(ids, np.ones_like(ids))
        best = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            run(ids, np.ones_like(ids))
            best = min(best, time.perf_counter() - t)
        out[str(n)] = round(best * 1000, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    from . import data  # noqa: PLC0415
    from .export import onnx_logits, share_tied_embedding  # noqa: PLC0415
    from .metrics import masked_accuracy  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m cloze_app.training.quantize", description=__doc__)
    parser.add_argument("--fp32", type=Path, required=True, help="the fp32 ONNX export")
    parser.add_argument("--tokenizer", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    parser.add_argument("--arch", default="mpnet")
    parser.add_argument("--work", type=Path, required=True, help="folder for the int8 variants")
    parser.add_argument(
        "--options",
        default="dynamic;ffn-fp32:all;ffn-wint8:all;ffn-fp32:worst:3;smooth:all;static",
        help="METHOD[:LAYERS] separated by ';'",
    )
    parser.add_argument("--rows", type=int, default=256, help="held-out Wikipedia rows for top-1")
    parser.add_argument("--calib-rows", type=int, default=32, help="training rows for calibration")
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--out", type=Path, default=None, help="results JSON")
    parser.add_argument("--step", type=int, default=None, help="the checkpoint's step (recorded only)")
    args = parser.parse_args(argv)

    tok = data.load_tokenizer(args.tokenizer)
    special, mask_id = data.special_ids(tok), data.mask_id(tok)
    held = data.load_or_pack(
        tok,
        args.corpus / "heldout" / "wikipedia.txt",
        data.rows_cache(args.corpus, "heldout-wikipedia", 128, args.arch),
        128,
    )[: args.rows]
    train_rows = np.load(data.rows_cache(args.corpus, "train", 128, args.arch), mmap_mode="r")
    calib = calibration_batches(np.asarray(train_rows[-args.calib_rows :]), mask_id, special, args.calib_rows)
    errors = layer_errors(args.fp32, calib)
    print(
        f"[quant] simulated int8 error per FFN-output MatMul: {[round(e, 4) for e in errors]}",
        file=sys.stderr,
    )
    results: dict = {"step": args.step, "rows": len(held), "layer_errors": errors, "options": {}}

    def score(path: Path) -> dict:
        return masked_accuracy(onnx_logits(path), held, mask_id=mask_id, special_ids=special)

    ref = score(args.fp32)
    results["fp32"] = {
        "top1": ref["top1"],
        "top5": ref["top5"],
        "mb": round(args.fp32.stat().st_size / 1e6, 1),
    }
    results["fp32"]["latency_ms"] = latency_ms(args.fp32, tok.get_vocab_size())
    print(f"[quant] fp32: {results['fp32']}", file=sys.stderr)
    for option in args.options.split(";"):
        method, _, spec = option.partition(":")
        layers = pick_layers(spec, args.fp32, calib) if spec else []
        path = args.work / f"int8-{option.replace(':', '-').replace(',', '_')}.onnx"
        t = time.time()
        quantize(args.fp32, path, method, layers, calib, args.alpha)
        saved = share_tied_embedding(path)
        m = score(path)
        results["options"][option] = {
            "method": method,
            "layers": layers,
            "top1": m["top1"],
            "top5": m["top5"],
            "mb": round(path.stat().st_size / 1e6, 1),
            "tied_embedding_shared": saved > 0 or method == "wint8",  # wint8 shares it itself
            "latency_ms": latency_ms(path, tok.get_vocab_size()),
            "seconds": round(time.time() - t),
        }
        print(f"[quant] {option}: {results['options'][option]}", file=sys.stderr)
        if args.out:
            args.out.write_text(json.dumps(results, indent=2) + "\n")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def word_embedding_gather(nodes: Sequence[Any], inits: dict[str, Any]) -> Any:
    """The Gather that looks ``input_ids`` up in a 2-D stored word embedding, if the graph has one."""
    return next(
        (
            n
            for n in nodes
            if n.op_type == "Gather"
            and n.input[1] == "input_ids"
            and n.input[0] in inits
            and len(inits[n.input[0]].dims) == 2
        ),
        None,
    )


def node_with_weight(
    nodes: Sequence[Any], inits: dict[str, Any], op_type: str, index: int, dims: list[int]
) -> Any:
    """The first ``op_type`` node whose input ``index`` is a stored tensor of shape ``dims``
    (the tied decoder's weight is found this way: [hidden, vocab]), if the graph has one."""
    return next(
        (
            n
            for n in nodes
            if n.op_type == op_type
            and len(n.input) > index
            and n.input[index] in inits
            and list(inits[n.input[index]].dims) == dims
        ),
        None,
    )
