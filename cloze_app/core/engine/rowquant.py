"""Int8 activations quantized per token, so a row's scores never depend on the rows batched with it.

onnxruntime's dynamic quantization (``DynamicQuantizeLinear``) picks one scale and zero point for
the whole activation tensor [batch, tokens, hidden] before each int8 matrix product. The scale
then follows the largest value anywhere in the batch: the same sentence scored alone or next to
another one gets log-probabilities up to ~1 nat apart, padding included. Every comparison Cloze
makes between two runs (a candidate against the written word, a line of ``fill --jsonl`` with
its neighbours) carries that noise.

``per_token_activations`` rewrites each ``DynamicQuantizeLinear`` into a per-token symmetric
quantization: ``scale = max|x| / 127`` over the last axis and ``q = round(x / scale) + 128`` as
uint8 (the rows divided by their scales, then a plain ``QuantizeLinear`` with scale 1) with the
fixed zero point 128, so the integer kernels (``MatMulInteger``) are unchanged and the row scale
is a [..., 1] tensor that broadcasts over the product's columns. onnxruntime's
``MatMulIntegerToFloat`` fusion reads the activation scale as a scalar (a [..., 1] scale there
silently uses one row's scale for all, a wrong model), so the product is fused with a scalar
scale of 1 and the row scale is applied to its result.

On the bundled model the rewritten graph is also closer to the float reference (the float
model's best word at 91% of held-out blanks instead of 83%, KL 0.024 instead of 0.060,
``python -m bench.head_fidelity``). It adds 6 small operators per quantizer (the first version,
with a per-axis ``QuantizeLinear`` on a [tokens, hidden] reshape, added 14 and cost a one-row run
~12% more CPU time than this one; both give the same outputs, bit for bit).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnx

PREFIX = "cloze_rowq/"


def is_per_token(model: onnx.ModelProto) -> bool:
    """True when ``model`` has int8 products and none of them uses a per-tensor activation scale."""
    ops = {node.op_type for node in model.graph.node}
    return "MatMulInteger" in ops and "DynamicQuantizeLinear" not in ops


def quantized_source(producer: dict, tensor: str) -> str:
    """The float tensor that ``tensor`` quantizes (per tensor or per token), else ``tensor`` itself."""
    node = producer.get(tensor)
    if node is None:
        return tensor
    if node.op_type == "DynamicQuantizeLinear":
        return node.input[0]
    # QuantizeLinear <- Div(x, scale): follow the first inputs of our own nodes back.
    while node is not None and node.name.startswith(PREFIX):
        tensor = node.input[0]
        node = producer.get(tensor)
    return tensor


def per_token_activations(model: onnx.ModelProto) -> int:
    """Rewrite ``model`` in place (see the module docstring); returns how many quantizers changed.

    A graph whose quantizers are not used in the usual way (scale times weight scale, times the
    integer product) is left as it is and 0 is returned.
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    nodes = list(graph.node)
    consumers: dict[str, list] = {}
    for node in nodes:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    graph_outputs = {out.name for out in graph.output}
    quantizers = [node for node in nodes if node.op_type == "DynamicQuantizeLinear"]
    # Each activation scale feeds products "scale * weight scale", each used by one "Mul" of the
    # integer product: those are reordered so that no fusion can treat the row scale as a scalar.
    products: dict[str, tuple[str, str]] = {}  # product tensor -> (row scale, weight scale)
    for node in quantizers:
        scale = node.output[1]
        if scale in graph_outputs:
            return 0
        for use in consumers.get(scale, []):
            if use.op_type != "Mul" or len(use.input) != 2:
                return 0
            other = use.input[1] if use.input[0] == scale else use.input[0]
            uses = consumers.get(use.output[0], [])
            if use.output[0] in graph_outputs or not uses or any(u.op_type != "Mul" for u in uses):
                return 0
            products[use.output[0]] = (scale, other)
    if not quantizers:
        return 0
    consts: dict[str, np.ndarray] = {
        "inv127": np.array(1 / 127, dtype=np.float32),
        "eps": np.array(1e-12, dtype=np.float32),
        "zero_point": np.array(128, dtype=np.uint8),
        "unit": np.array(1.0, dtype=np.float32),
    }
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
    if opset >= 18:  # ReduceMax takes its axes as an input from opset 18 on
        consts["axes"] = np.array([-1], dtype=np.int64)
    graph.initializer.extend(numpy_helper.from_array(v, PREFIX + k) for k, v in consts.items())
    c = {k: PREFIX + k for k in consts}

    def row_max(source: str, out: str) -> object:
        if opset >= 18:
            return helper.make_node("ReduceMax", [source, c["axes"]], [out], name=out, keepdims=1)
        return helper.make_node("ReduceMax", [source], [out], name=out, axes=[-1], keepdims=1)

    rewritten: list = []
    one: str | None = None  # the run-time scalar 1, made at the first quantizer
    for k, node in enumerate(nodes):
        p = f"{PREFIX}{k}/"
        if node.op_type == "DynamicQuantizeLinear":
            x = node.input[0]
            quantized, scale, zero_point = node.output
            rewritten += [
                helper.make_node("Abs", [x], [p + "abs"], name=p + "abs"),
                row_max(p + "abs", p + "max"),
                helper.make_node("Max", [p + "max", c["eps"]], [p + "amax"], name=p + "amax"),
                helper.make_node("Mul", [p + "amax", c["inv127"]], [scale], name=p + "scale"),
            ]
            if one is None:
                # A scalar 1 computed at run time, once for the graph (constant folding would
                # remove a constant one and with it the fusion below): a row scale / itself.
                one = scale + "_one"
                rewritten += [
                    helper.make_node("ReduceMax", [scale], [p + "top"], name=p + "top", keepdims=0),
                    helper.make_node("Div", [p + "top", p + "top"], [one], name=p + "one"),
                ]
            # Each row divided by its own scale, then one plain QuantizeLinear (scale 1, zero point
            # 128): no reshaping to the [tokens, hidden] a per-axis scale would need.
            rewritten += [
                helper.make_node("Div", [x, scale], [p + "normalized"], name=p + "normalized"),
                helper.make_node(
                    "QuantizeLinear",
                    [p + "normalized", c["unit"], c["zero_point"]],
                    [quantized],
                    name=p + "q",
                ),
                helper.make_node("Identity", [c["zero_point"]], [zero_point], name=p + "zero_point"),
            ]
        elif node.op_type == "Mul" and node.output[0] in products:
            # "row scale * weight scale" becomes "1 * weight scale": onnxruntime then fuses the
            # integer product, its cast and this scale (MatMulIntegerToFloat) with a scalar
            # activation scale of 1, and the row scale is applied to the fused product's result.
            _, weight_scale = products[node.output[0]]
            assert one is not None  # the graph is in topological order: its quantizer came first
            rewritten.append(helper.make_node("Mul", [one, weight_scale], list(node.output), name=node.name))
        elif node.op_type == "Mul" and any(name in products for name in node.input):
            product = node.input[0] if node.input[0] in products else node.input[1]
            row_scale, _ = products[product]
            rewritten += [
                helper.make_node("Mul", list(node.input), [p + "unscaled"], name=node.name),
                helper.make_node("Mul", [p + "unscaled", row_scale], list(node.output), name=p + "scaled"),
            ]
        else:
            rewritten.append(node)
    del graph.node[:]
    graph.node.extend(rewritten)
    # Recorded shapes of the scales (scalars before) are wrong now; onnxruntime infers them.
    del graph.value_info[:]
    return len(quantizers)


def rewrite_file(path: Path) -> int:
    """Rewrite the int8 model file at ``path`` in place (see ``per_token_activations``)."""
    import onnx

    model = onnx.load(str(path))
    changed = per_token_activations(model)
    if changed:
        onnx.save(model, str(path))
    return changed
