"""Agreement of int8 with fp32 on the held-out sentences: top-1 and top-5 overlap.

Two levels: the words Cloze shows (the candidates of ``fill``, whole words, from two
``fill --jsonl`` runs) and the model's raw output at the blank (the vocabulary logits at a
single ``[MASK]``, straight from the two ONNX graphs).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.quality import _words


@dataclass(frozen=True)
class Agreement:
    """Share of blanks with the same first answer, and mean overlap of the first five."""

    level: str
    top1: float
    top5: float
    n: int


def word_agreement(int8: Sequence[dict[str, Any]], fp32: Sequence[dict[str, Any]]) -> Agreement:
    """Compare the candidates of two ``fill --jsonl`` runs over the same items."""
    same, overlap, n = 0, 0.0, 0
    for a, b in zip(int8, fp32, strict=True):
        wa, wb = _words(a)[:5], _words(b)[:5]
        if not wa or not wb:
            continue
        n += 1
        same += wa[0] == wb[0]
        overlap += len(set(wa) & set(wb)) / max(len(wa), len(wb))
    return Agreement("words Cloze shows", same / max(1, n), overlap / max(1, n), n)


def token_agreement(int8: Path, fp32: Path, texts: Sequence[str], threads: int, batch: int = 32) -> Agreement:
    """Compare the top-5 vocabulary entries of both graphs at a single mask in each text."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from cloze_app.core.engine.manifest import read_manifest

    mask_token = read_manifest(int8).mask_token
    tok = Tokenizer.from_file(str(int8 / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    mask_id = tok.token_to_id(mask_token)
    if mask_id is None:
        raise ValueError(f"the tokenizer of {int8} has no {mask_token}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    sessions = [
        ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        for folder in (int8, fp32)
    ]
    rows = [tok.encode(t.replace("___", mask_token, 1)).ids for t in texts]
    rows = [r for r in rows if r.count(mask_id) == 1]
    same, overlap = 0, 0.0
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        width = max(len(r) for r in chunk)
        ids = np.zeros((len(chunk), width), dtype=np.int64)
        attention = np.zeros_like(ids)
        for i, r in enumerate(chunk):
            ids[i, : len(r)], attention[i, : len(r)] = r, 1
        at = [r.index(mask_id) for r in chunk]
        tops = []
        for session in sessions:
            names = {i.name for i in session.get_inputs()}
            feed = {"input_ids": ids, "attention_mask": attention, "token_type_ids": np.zeros_like(ids)}
            logits = session.run(None, {k: v for k, v in feed.items() if k in names})[0]
            picked = logits[np.arange(len(chunk)), at]
            tops.append(np.argsort(-picked, axis=-1, kind="stable")[:, :5])
        for a, b in zip(*tops, strict=True):
            same += int(a[0] == b[0])
            overlap += len(set(a.tolist()) & set(b.tolist())) / 5
    return Agreement(
        "model output at the blank (tokens)", same / max(1, len(rows)), overlap / max(1, len(rows)), len(rows)
    )


def agreement_table(rows: Sequence[Agreement]) -> list[str]:
    """Markdown: int8 vs fp32 per level."""
    lines = ["| compared | blanks | same top-1 | top-5 overlap |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {a.level} | {a.n:,} | {100 * a.top1:.1f}% | {100 * a.top5:.1f}% |" for a in rows]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.agreement", description=__doc__.split("\n")[0])
    parser.add_argument("--int8", type=Path, default=None, help="Cloze model folder (default: bundled)")
    parser.add_argument("--reference", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    from bench.heldout import load_heldout
    from bench.models import DEFAULT_MODEL, prepare
    from bench.speed import _cores
    from bench.throughput import run_fill_jsonl

    threads = args.threads or _cores()
    m = prepare(args.int8 or DEFAULT_MODEL, args.reference)
    texts = [h["text"] for h in load_heldout()][: args.limit]
    runs = [
        run_fill_jsonl(folder, [{"text": t} for t in texts], threads=threads).outputs
        for folder in (m.int8, m.fp32)
    ]
    rows = [word_agreement(*runs), token_agreement(m.int8, m.fp32, texts, threads)]
    print("\n".join(agreement_table(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
