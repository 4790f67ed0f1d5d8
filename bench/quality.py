"""Quality on the shared evaluation sets, through ``python -m cloze_app fill --jsonl``; one table.

- BLiMP (``blimp_dev.jsonl``): each pair as ``options: [good, bad]``; pair accuracy = the good
  word ranked first.
- Gaokao English cloze (``gaokao_cloze_dev.jsonl``): the four options (some multi-word) as
  ``options``; accuracy = the answer ranked first.
- SWORDS (``swords_dev.jsonl``): the blanked context as a plain fill (top-k 11). The target word
  itself is dropped from the candidates and the first 10 kept. Gold = the substitutes at least
  half of the judges accepted (score >= 0.5); P@1 = the first candidate is gold, R@10 = share of
  the gold substitutes among the 10 candidates (multi-word gold substitutes count as missed).
- Held-out text (``bench/heldout.jsonl``): one word blanked per sentence; masked-word top-1 /
  top-5 = the original word (any case) is the first / among the first five candidates.

    python -m bench.quality [--int8 FOLDER] [--fp32]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.throughput import EVAL_DIR, FillRun, read_jsonl, run_fill_jsonl, swords_text

GOLD_SCORE = 0.5


@dataclass(frozen=True)
class Score:
    """One metric on one set."""

    set: str
    metric: str
    value: float
    n: int
    seconds: float | None = None  # fill --jsonl wall time for the set (None: shared run)


def _words(output: dict[str, Any]) -> list[str]:
    """The first blank's candidate words, best first ([] when the line failed)."""
    blanks = output.get("blanks") or []
    return [c["word"] for c in blanks[0]["candidates"]] if blanks else []


def options_accuracy(answers: Sequence[str], outputs: Sequence[dict[str, Any]]) -> float:
    """Share of items whose first-ranked option is the answer."""
    hits = sum(1 for a, o in zip(answers, outputs, strict=True) if _words(o)[:1] == [a.strip()])
    return hits / max(1, len(answers))


def swords_scores(
    items: Sequence[dict[str, Any]], outputs: Sequence[dict[str, Any]]
) -> tuple[float, float, int]:
    """(P@1, R@10, items with gold) against the substitutes judged fitting by half the judges."""
    p1, r10, n = 0.0, 0.0, 0
    for item, out in zip(items, outputs, strict=True):
        gold = {s["word"].lower() for s in item["substitutes"] if s["score"] >= GOLD_SCORE}
        gold.discard(item["target"].lower())
        if not gold:
            continue
        n += 1
        target = item["target"].lower()
        words = [w.lower() for w in _words(out) if w.lower() != target][:10]
        p1 += 1.0 if words[:1] and words[0] in gold else 0.0
        r10 += len(gold & set(words)) / len(gold)
    return p1 / max(1, n), r10 / max(1, n), n


def heldout_scores(items: Sequence[dict[str, Any]], outputs: Sequence[dict[str, Any]]) -> tuple[float, float]:
    """(top-1, top-5) masked-word accuracy, case-insensitive."""
    top1 = top5 = 0
    for item, out in zip(items, outputs, strict=True):
        words = [w.lower() for w in _words(out)]
        answer = item["answer"].lower()
        top1 += words[:1] == [answer]
        top5 += answer in words[:5]
    return top1 / max(1, len(items)), top5 / max(1, len(items))


def spread(rows: list[dict[str, Any]], limit: int | None) -> list[tuple[int, dict[str, Any]]]:
    """(index, row) of all rows, or of ``limit`` rows spread evenly over the file (every phenomenon)."""
    if not limit or len(rows) <= limit:
        return list(enumerate(rows))
    step = len(rows) / limit
    return [(int(k * step), rows[int(k * step)]) for k in range(limit)]


def _timed(model: Path, requests: list[dict[str, Any]], threads: int) -> tuple[list[dict[str, Any]], float]:
    started = time.perf_counter()
    run = run_fill_jsonl(model, requests, threads=threads)
    return run.outputs, time.perf_counter() - started


def run_quality(
    model: Path,
    threads: int,
    *,
    eval_dir: Path = EVAL_DIR,
    limit: int | None = None,
    mixed: tuple[list[dict[str, Any]], FillRun] | None = None,
    sets: Sequence[str] = ("blimp", "gaokao", "swords", "heldout"),
) -> list[Score]:
    """Every metric for one model folder.

    Args:
        limit: use only ``limit`` items of each set, spread evenly over it (quick checks, tests).
        mixed: (items, run) of a ``fill --jsonl`` run that already covered the SWORDS and
            held-out items (the throughput run); those sets are then scored from it.
        sets: which sets to score.
    """
    from bench.heldout import load_heldout

    scores: list[Score] = []
    secs: float | None
    reused: dict[str, dict[int, dict[str, Any]]] = {"swords": {}, "heldout": {}}
    if mixed is not None:
        for item, out in zip(mixed[0], mixed[1].outputs, strict=True):
            if item["set"] in reused:
                reused[item["set"]][item["index"]] = out

    def load(name: str) -> list[tuple[int, dict[str, Any]]]:
        path = eval_dir / name
        rows = read_jsonl(path) if path.is_file() else []
        return spread(rows, limit)

    if "blimp" in sets and (blimp := [r for _, r in load("blimp_dev.jsonl")]):
        outs, secs = _timed(
            model, [{"text": b["text"], "options": [b["good"], b["bad"]]} for b in blimp], threads
        )
        scores.append(
            Score(
                "BLiMP", "pair accuracy", options_accuracy([b["good"] for b in blimp], outs), len(blimp), secs
            )
        )
    if "gaokao" in sets and (gaokao := [r for _, r in load("gaokao_cloze_dev.jsonl")]):
        outs, secs = _timed(model, [{"text": g["text"], "options": g["options"]} for g in gaokao], threads)
        scores.append(
            Score(
                "Gaokao cloze",
                "accuracy",
                options_accuracy([g["answer"] for g in gaokao], outs),
                len(gaokao),
                secs,
            )
        )
    for name, indexed in (
        ("swords", load("swords_dev.jsonl")),
        ("heldout", spread(load_heldout(), limit)),
    ):
        if name not in sets or not indexed:
            continue
        rows = [r for _, r in indexed]
        if all(i in reused[name] for i, _ in indexed):
            outs, secs = [reused[name][i] for i, _ in indexed], None  # timed as throughput
        else:
            text = swords_text if name == "swords" else (lambda r: r["text"])
            outs, secs = _timed(model, [{"text": text(r)} for r in rows], threads)
        if name == "swords":
            p1, r10, n = swords_scores(rows, outs)
            scores += [Score("SWORDS", "P@1", p1, n, secs), Score("SWORDS", "R@10", r10, n, None)]
        else:
            top1, top5 = heldout_scores(rows, outs)
            scores += [Score("held-out text", "masked-word top-1", top1, len(rows), secs),
                       Score("held-out text", "masked-word top-5", top5, len(rows), None)]  # fmt: skip
    return scores


def quality_table(by_system: dict[str, list[Score]], labels: dict[str, str]) -> list[str]:
    """Markdown: one row per (set, metric), one column per system."""
    systems = list(by_system)
    keys: dict[tuple[str, str], int] = {}
    for scores in by_system.values():
        for s in scores:
            keys.setdefault((s.set, s.metric), s.n)
    lines = [
        "| set | metric | items | " + " | ".join(labels.get(s, s) for s in systems) + " |",
        "| --- | --- | ---: " + "| ---: " * len(systems) + "|",
    ]
    for (set_name, metric), n in keys.items():
        cells = []
        for system in systems:
            found = [s for s in by_system[system] if (s.set, s.metric, s.n) == (set_name, metric, n)]
            cells.append(f"{100 * found[0].value:.1f}%" if found else "—")
        lines.append(f"| {set_name} | {metric} | {n:,} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__.split("\n")[0])
    parser.add_argument("--int8", type=Path, default=None, help="Cloze model folder (default: bundled)")
    parser.add_argument("--reference", type=Path, default=None)
    parser.add_argument("--fp32", action="store_true", help="also score the fp32 export of the reference")
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument(
        "--limit", type=int, default=None, help="N items of each set, spread evenly (default: all)"
    )
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument(
        "--sets",
        default="blimp,gaokao,swords,heldout",
        help="comma-separated sets to score (default: all four)",
    )
    args = parser.parse_args(argv)
    from bench.models import DEFAULT_MODEL, prepare
    from bench.speed import LABELS, _cores

    threads = args.threads or _cores()
    int8 = (args.int8 or DEFAULT_MODEL).resolve()
    systems = {"cloze-int8": int8}
    if args.fp32:
        systems["cloze-fp32"] = prepare(int8, args.reference).fp32
    results = {
        s: run_quality(f, threads, eval_dir=args.eval_dir, limit=args.limit, sets=args.sets.split(","))
        for s, f in systems.items()
    }
    print("\n".join(quality_table(results, LABELS)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
