"""Evaluate ONNX masked-LM models: held-out masked-token accuracy, BLiMP pair accuracy, everyday fill-mask."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from .metrics import EVAL_SEED, LogitsFn, masked_accuracy

EVERYDAY = (
    "I drink a cup of ___ every morning.",
    "Would you like coffee or ___?",
    "Yesterday we ___ to the beach.",
    "The dog ___ at the mailman all night.",
    "He opened the door with his ___.",
    "Take this ___ twice a day after meals.",
    "She put the milk back in the ___.",
    "It is raining, so take an ___.",
    "I brush my ___ before I go to bed.",
    "The children are playing in the ___.",
    "Please turn off the ___ when you leave the room.",
    "My sister lives in a small ___ near the sea.",
    "We had pizza for ___ last night.",
    "The capital of France is ___.",
)
# What a native speaker would write in each EVERYDAY blank (any of these counts): the card's
# "expected word in the top 3" line. Fixed before any MPNet result was seen (issue 11's examples).
EXPECTED = {
    "I drink a cup of ___ every morning.": ("coffee", "tea"),
    "Would you like coffee or ___?": ("tea",),
    "Yesterday we ___ to the beach.": ("went", "drove", "walked"),
    "The dog ___ at the mailman all night.": ("barked",),
    "He opened the door with his ___.": ("key", "keys"),
    "Take this ___ twice a day after meals.": ("medicine", "pill", "medication", "tablet"),
    "She put the milk back in the ___.": ("fridge", "refrigerator"),
    "It is raining, so take an ___.": ("umbrella",),
    "I brush my ___ before I go to bed.": ("teeth",),
    "The children are playing in the ___.": ("park", "garden", "yard", "playground", "snow", "street"),
    "Please turn off the ___ when you leave the room.": ("light", "lights", "tv", "television"),
    "My sister lives in a small ___ near the sea.": ("town", "village", "house", "cottage", "city"),
    "We had pizza for ___ last night.": ("dinner", "supper"),
    "The capital of France is ___.": ("paris",),
}


def everyday_hits(top5: dict[str, list], k: int = 3) -> dict:
    """How many everyday sentences have an expected word among the top ``k`` fillers."""
    hits = [s for s, top in top5.items() if any(w.lower() in EXPECTED.get(s, ()) for w, _ in top[:k])]
    return {"hits": len(hits), "of": len(top5), "k": k, "sentences": hits}


HELDOUT_SOURCES = (
    "wikipedia",
    "brown",
    "recipes",
    "austen",
    "fortunes",
    "wordnet",
    "sotu",
    "debian_handbook",
    "chatterbot",
    "chitchat",
)


def _cls_sep_mask(tok: Tokenizer) -> tuple[int, int, int]:
    """The ids of [CLS], [SEP] and [MASK] (MPNet: <s>, </s>, <mask>) of a WordPiece tokenizer."""
    from .data import special_tokens  # noqa: PLC0415

    names = special_tokens(tok)
    ids = [tok.token_to_id(t) for t in names]
    if None in ids:
        raise ValueError(f"the tokenizer has no {', '.join(names)} token")
    cls_id, sep_id, mask_id = (int(i) for i in ids if i is not None)
    return cls_id, sep_id, mask_id


def _log_softmax(x: np.ndarray) -> np.ndarray:
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def _pieces(tok: Tokenizer, text: str) -> list[int]:
    return tok.encode(text, add_special_tokens=False).ids if text.strip() else []


def _run_padded(logits_fn: LogitsFn, seqs: list[list[int]]) -> list[np.ndarray]:
    """Run variable-length sequences (right-padded with 0) and return each one's logits [len, vocab]."""
    width = max(len(s) for s in seqs)
    ids = np.zeros((len(seqs), width), dtype=np.int64)
    attn = np.zeros_like(ids)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = s
        attn[i, : len(s)] = 1
    out = logits_fn(ids, attn)
    return [out[i, : len(s)] for i, s in enumerate(seqs)]


def blimp_pair_accuracy(logits_fn: LogitsFn, tok: Tokenizer, items: list[dict], batch_size: int = 64) -> dict:
    """P(good) vs P(bad) in the blank; multi-piece words by PLL-word-l2r (pieces to the right stay masked)."""
    cls_id, sep_id, mask_id = _cls_sep_mask(tok)
    jobs: list[tuple[int, int, list[int], int, int]] = []  # (item, which, seq, position, target)
    for i, item in enumerate(items):
        left, right = item["text"].split("___", 1)
        lp, rp = _pieces(tok, left), _pieces(tok, right)
        for which, word in enumerate((item["good"], item["bad"])):
            wp = _pieces(tok, word)
            for k in range(len(wp)):
                seq = [cls_id, *lp, *wp[:k], *([mask_id] * (len(wp) - k)), *rp, sep_id]
                jobs.append((i, which, seq, 1 + len(lp) + k, wp[k]))
    # identical inputs (e.g. the good and the bad word both one piece: "[CLS] ... [MASK] ... [SEP]") run once
    unique: dict[tuple[int, ...], int] = {}
    for job in jobs:
        unique.setdefault(tuple(job[2]), len(unique))
    seqs = sorted(unique, key=len)
    log_probs: dict[tuple[tuple[int, ...], int], np.ndarray] = {}
    wanted: dict[tuple[int, ...], set[int]] = defaultdict(set)
    for _i, _which, seq, pos, _target in jobs:
        wanted[tuple(seq)].add(pos)
    for start in range(0, len(seqs), batch_size):
        chunk = seqs[start : start + batch_size]
        for seq, logits in zip(chunk, _run_padded(logits_fn, [list(c) for c in chunk]), strict=True):
            for pos in wanted[seq]:
                log_probs[(seq, pos)] = _log_softmax(logits[pos])
    scores = np.zeros((len(items), 2))
    for i, which, seq, pos, target in jobs:
        scores[i, which] += log_probs[(tuple(seq), pos)][target]
    correct = scores[:, 0] > scores[:, 1]
    per: dict[str, list[bool]] = defaultdict(list)
    for item, ok in zip(items, correct, strict=False):
        per[item.get("phenomenon", "all")].append(bool(ok))
    return {
        "accuracy": float(correct.mean()),
        "n": len(items),
        "per_phenomenon": {k: round(float(np.mean(v)), 4) for k, v in sorted(per.items())},
    }


def fill_mask_top5(
    logits_fn: LogitsFn, tok: Tokenizer, sentences: tuple[str, ...] = EVERYDAY
) -> dict[str, list]:
    """Top-5 single-piece fillers (with probabilities) for each sentence's one blank."""
    cls_id, sep_id, mask_id = _cls_sep_mask(tok)
    seqs, positions = [], []
    for s in sentences:
        left, right = s.split("___", 1)
        lp = _pieces(tok, left)
        seqs.append([cls_id, *lp, mask_id, *_pieces(tok, right), sep_id])
        positions.append(1 + len(lp))
    out = {}
    for s, logits, pos in zip(sentences, _run_padded(logits_fn, seqs), positions, strict=False):
        probs = np.exp(_log_softmax(logits[pos]))
        top = np.argsort(-probs)[:5]
        out[s] = [[tok.id_to_token(int(t)), round(float(probs[t]), 3)] for t in top]
    return out


WINDOWS = (64, 128, 256, 510)


def window_accuracy(
    logits_fn: LogitsFn, tok: Tokenizer, paragraphs: list[str], n: int = 300, seed: int = EVAL_SEED
) -> dict[str, float]:
    """Top-1 for one masked word-start token, with windows of each size in ``WINDOWS`` centred on it.

    The app fills one blank at a time with the text around it; this says how much context the
    model can use (a model trained on short rows may do worse with long ones). The same ``n``
    positions of the held-out text (at least 255 tokens from either end) are used for every size.
    """
    cls_id, sep_id, mask_id = _cls_sep_mask(tok)
    stream: list[int] = []
    for enc in tok.encode_batch(paragraphs, add_special_tokens=False):
        stream += [*enc.ids, sep_id]
    ids = np.asarray(stream, dtype=np.int64)
    margin = WINDOWS[-1] // 2
    vocab = tok.get_vocab_size()
    is_word = np.zeros(vocab, dtype=bool)
    for piece, i in tok.get_vocab().items():
        is_word[i] = piece.isalpha()
    positions = [i for i in range(margin, len(ids) - margin) if is_word[ids[i]]]
    if not positions:
        return {}
    picks = np.random.default_rng(seed).choice(positions, size=min(n, len(positions)), replace=False)
    out: dict[str, float] = {}
    for window in WINDOWS:
        rows = []
        for i in picks:
            lo = i - window // 2
            row = ids[lo : lo + window].copy()
            row[i - lo] = mask_id
            rows.append([cls_id, *row.tolist(), sep_id])
        hits = 0
        for start in range(0, len(rows), 16):
            batch = np.asarray(rows[start : start + 16], dtype=np.int64)
            logits = logits_fn(batch, np.ones_like(batch))
            for r, i in enumerate(picks[start : start + 16]):
                hits += int(logits[r, window // 2 + 1].argmax() == ids[i])  # +1: [CLS]
        out[str(window)] = hits / len(rows)
    return out


def evaluate_model(
    logits_fn: LogitsFn,
    tok: Tokenizer,
    corpus: Path,
    blimp: Path | None,
    heldout_rows: int = 256,
    arch: str = "minilm",
    sources: tuple[str, ...] = HELDOUT_SOURCES,
    blimp_limit: int | None = None,
    window: bool = True,
) -> dict:
    """Every metric for one model (``arch`` names its packed-rows caches).

    Quicker runs for a slow model: ``sources`` (held-out texts), ``blimp_limit`` (that many BLiMP
    pairs, spread evenly over the file, so every phenomenon keeps its share), ``window=False``.
    """
    from . import data  # noqa: PLC0415

    res: dict = {"heldout": {}}
    special, mask_id = data.special_ids(tok), data.mask_id(tok)
    for src in sources:
        path = corpus / "heldout" / f"{src}.txt"
        if not path.exists():
            continue
        cache = data.rows_cache(corpus, f"heldout-{src}", 128, arch)
        rows = data.load_or_pack(tok, path, cache, 128)[:heldout_rows]
        if len(rows):
            t = time.time()
            res["heldout"][src] = masked_accuracy(logits_fn, rows, mask_id=mask_id, special_ids=special)
            print(f"[eval] held-out {src}: {res['heldout'][src]} ({time.time() - t:.0f}s)", file=sys.stderr)
    if res["heldout"]:
        n = sum(m["n"] for m in res["heldout"].values())
        res["heldout_all"] = {
            k: sum(m[k] * m["n"] for m in res["heldout"].values()) / n for k in ("top1", "top5")
        } | {"n": n}
    if blimp is not None and blimp.exists():
        items = [json.loads(ln) for ln in blimp.read_text(encoding="utf-8").splitlines() if ln.strip()]
        if blimp_limit and blimp_limit < len(items):
            items = [items[int(i)] for i in np.linspace(0, len(items) - 1, blimp_limit)]
        t = time.time()
        res["blimp"] = blimp_pair_accuracy(logits_fn, tok, items)
        print(
            f"[eval] BLiMP pair accuracy {res['blimp']['accuracy']:.4f} ({time.time() - t:.0f}s)",
            file=sys.stderr,
        )
    wiki = corpus / "heldout" / "wikipedia.txt"
    if window and wiki.exists():
        t = time.time()
        res["window_top1"] = window_accuracy(logits_fn, tok, data.read_paragraphs(wiki))
        print(
            f"[eval] one blank, top-1 by window: {res['window_top1']} ({time.time() - t:.0f}s)",
            file=sys.stderr,
        )
    res["everyday"] = fill_mask_top5(logits_fn, tok)
    res["everyday_top3"] = everyday_hits(res["everyday"])
    return res


ENGINE_SETS = ("gaokao", "swords", "heldout")


def engine_scores(
    model_dir: Path, sets: tuple[str, ...] = ENGINE_SETS, threads: int = 2, limit: int | None = None
) -> dict[str, dict]:
    """Gaokao cloze accuracy, SWORDS P@1 / R@10, whole-word held-out top-1 / top-5, through the engine.

    These are ``bench.quality``'s scores (``python -m cloze_app fill --jsonl`` on the model folder,
    the shared dev sets in ``../shared/eval/``), so the card and the bench report the same numbers.
    """
    from bench.quality import run_quality  # noqa: PLC0415 (the repository's bench package)

    out: dict[str, dict] = {}
    for score in run_quality(model_dir.resolve(), threads, sets=sets, limit=limit):
        out[f"{score.set} {score.metric}"] = {"value": score.value, "n": score.n}
        print(
            f"[eval] engine: {score.set} {score.metric} {100 * score.value:.1f}% ({score.n})", file=sys.stderr
        )
    return out


def main(argv: list[str] | None = None) -> int:
    from .data import load_tokenizer  # noqa: PLC0415
    from .export import onnx_logits  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m cloze_app.training eval", description=__doc__)
    parser.add_argument(
        "--arch",
        choices=("minilm", "mpnet"),
        default=None,
        help="which model (sets --model-dir's default); default: the model folder's manifest says",
    )
    parser.add_argument("--model-dir", type=Path, default=None, help="default: models/cloze-<arch>-en")
    parser.add_argument(
        "--fp32",
        type=Path,
        default=None,
        help="the unshipped fp32 export (default: the one training.json names); skipped when missing",
    )
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    parser.add_argument("--blimp", type=Path, default=Path("/work/shared/eval/blimp_dev.jsonl"))
    parser.add_argument(
        "--out", type=Path, default=None, help="results JSON (default: <model-dir>/eval.json)"
    )
    parser.add_argument(
        "--card", action="store_true", help="also rewrite <model-dir>/MODEL_CARD.md from the results"
    )
    parser.add_argument(
        "--sources", default=",".join(HELDOUT_SOURCES), help="held-out texts to score (comma-separated)"
    )
    parser.add_argument(
        "--blimp-limit", type=int, default=None, help="score this many BLiMP pairs, spread evenly"
    )
    parser.add_argument("--no-window", action="store_true", help="skip the top-1-by-window measurement")
    parser.add_argument(
        "--fp32-lite",
        action="store_true",
        help="score the fp32 export on the held-out texts only (no BLiMP, no window)",
    )
    parser.add_argument(
        "--engine-limit", type=int, default=None, help="that many items of each engine set, spread evenly"
    )
    parser.add_argument(
        "--card-only",
        action="store_true",
        help="re-render MODEL_CARD.md from the existing eval.json and training.json (no evaluation)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        default=None,
        help="another model's eval.json (e.g. the MiniLM's) for the card's comparison column",
    )
    parser.add_argument(
        "--engine-sets",
        default=",".join(ENGINE_SETS),
        help="bench.quality sets scored through the engine on the int8 model ('' for none)",
    )
    args = parser.parse_args(argv)
    args.model_dir = args.model_dir or Path(f"models/cloze-{args.arch or 'minilm'}-en")
    manifest = args.model_dir / "cloze-model.json"
    if args.arch is None and manifest.exists():
        args.arch = "mpnet" if json.loads(manifest.read_text()).get("architecture") == "mpnet" else "minilm"

    if args.fp32 is None:
        training = args.model_dir / "training.json"
        check = json.loads(training.read_text()).get("export_check", {}) if training.exists() else {}
        args.fp32 = Path(check.get("fp32_onnx", "runs/cloze-minilm-en/export/model-fp32.onnx"))
    if args.card_only:
        from .card import write_card  # noqa: PLC0415

        saved = json.loads((args.out or args.model_dir / "eval.json").read_text(encoding="utf-8"))
        other = json.loads(args.compare.read_text()) if args.compare and args.compare.exists() else None
        write_card(args.model_dir, saved, other)
        print(f"[eval] rewrote {args.model_dir / 'MODEL_CARD.md'}", file=sys.stderr)
        return 0
    tok = load_tokenizer(args.model_dir / "tokenizer.json")
    arch = args.arch or "minilm"
    sources = tuple(s for s in args.sources.split(",") if s)
    opts = {"arch": arch, "sources": sources, "blimp_limit": args.blimp_limit, "window": not args.no_window}
    results: dict = {
        "int8": evaluate_model(
            onnx_logits(args.model_dir / "model.onnx"), tok, args.corpus, args.blimp, **opts
        )
    }
    if args.fp32.exists():
        blimp = None if args.fp32_lite else args.blimp
        if args.fp32_lite:
            opts["window"] = False
        results["fp32"] = evaluate_model(onnx_logits(args.fp32), tok, args.corpus, blimp, **opts)
    sets = tuple(s for s in args.engine_sets.split(",") if s)
    if sets:
        results["int8"]["engine"] = engine_scores(args.model_dir, sets, limit=args.engine_limit)
    results["settings"] = {
        "sources": list(sources),
        "blimp_limit": args.blimp_limit,
        "window": not args.no_window,
        "fp32_lite": args.fp32_lite,
        "engine_limit": args.engine_limit,
    }
    out = args.out or args.model_dir / "eval.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for kind, res in results.items():
        if kind == "settings":
            continue
        print(f"== {kind}")
        for src, m in res["heldout"].items():
            print(
                f"  held-out {src:16s} top-1 {100 * m['top1']:.1f}%  top-5 {100 * m['top5']:.1f}%"
                f"  ({m['n']} tokens)"
            )
        if "blimp" in res:
            print(f"  BLiMP pair accuracy {100 * res['blimp']['accuracy']:.1f}% ({res['blimp']['n']} pairs)")
        for s, top in res["everyday"].items():
            print(f"  {s:52s} " + ", ".join(f"{w} {p:.2f}" for w, p in top))
    if args.card:
        from .card import write_card  # noqa: PLC0415

        compare = json.loads(args.compare.read_text()) if args.compare and args.compare.exists() else None
        write_card(args.model_dir, results, compare)
        print(f"[eval] rewrote {args.model_dir / 'MODEL_CARD.md'}", file=sys.stderr)
    return 0
