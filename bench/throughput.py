"""Throughput of ``python -m cloze_app fill --jsonl`` over a 1,000-item file (items per second).

The file mixes the held-out sentences (``bench/heldout.jsonl``), the SWORDS contexts and BLiMP
sentences, one blank each, in a fixed order. :func:`run_fill_jsonl` is also how the quality
harness runs the command line, so the held-out and SWORDS rows of the quality table come from
the int8 run timed here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.memory import child_env, python_command, run_measured

EVAL_DIR = Path("/work/shared/eval")
ITEMS = 1000
TOP_K = 11  # the SWORDS metrics drop the target word and keep 10


@dataclass(frozen=True)
class FillRun:
    """One ``fill --jsonl`` process: its results line by line and how long it took."""

    outputs: list[dict[str, Any]]
    wall_s: float  # process start to exit (model load included)
    first_s: float  # process start to the first result
    steady_items_per_s: float  # from the first result to the last
    peak_rss_bytes: int

    @property
    def items_per_s(self) -> float:
        return len(self.outputs) / self.wall_s


def run_fill_jsonl(
    model: Path,
    requests: Sequence[dict[str, Any]],
    *,
    top_k: int = TOP_K,
    threads: int = 0,
    root: Path | None = None,
) -> FillRun:
    """Write ``requests`` as JSONL, run ``python -m cloze_app fill --jsonl`` on it, read every line.

    ``root``: a folder holding another revision's ``cloze_app``, run instead of this tree's.
    """
    with tempfile.TemporaryDirectory(prefix="cloze-bench-") as tmp:
        path = Path(tmp) / "items.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests), encoding="utf-8")
        # -P: the working directory (this tree) does not come first on sys.path, PYTHONPATH does
        # (without it, ``root`` was never run: both sides of --before ran this tree).
        command = python_command(
            *(["-P"] if root is not None else []),
            "-m", "cloze_app", "fill", "--jsonl", str(path), "--model", str(model),
            "--top-k", str(top_k), "--threads", str(threads),
        )  # fmt: skip
        env = child_env({"CLOZE_HOME": str(Path(tmp) / "home")})
        if root is not None:
            env["PYTHONPATH"] = os.pathsep.join((str(root), env["PYTHONPATH"]))
        run = run_measured(command, env=env, ok_codes=(0, 1))
    outputs = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    if len(outputs) != len(requests):
        raise RuntimeError(
            f"fill --jsonl answered {len(outputs)} of {len(requests)} lines:\n{run.stderr[-2000:]}"
        )
    first = run.first_line_s or run.wall_s
    span = (run.last_line_s or run.wall_s) - first
    steady = (len(outputs) - 1) / span if span > 0 and len(outputs) > 1 else float("nan")
    return FillRun(outputs, run.wall_s, first, steady, run.peak_rss_bytes)


def _order(key: str) -> int:
    return int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:8], "big")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def swords_text(item: dict[str, Any]) -> str:
    """The SWORDS context with the target word blanked (most items already carry the blank)."""
    text = item["text"]
    if "___" in text:
        return text
    return text.replace(item["target"], "___", 1)


def mixed_items(eval_dir: Path = EVAL_DIR, count: int = ITEMS) -> list[dict[str, Any]]:
    """``count`` items {set, index, text}: all held-out sentences and SWORDS contexts, BLiMP for the rest."""
    from bench.heldout import load_heldout

    items = [{"set": "heldout", "index": i, "text": h["text"]} for i, h in enumerate(load_heldout())]
    swords = eval_dir / "swords_dev.jsonl"
    if swords.is_file():
        items += [
            {"set": "swords", "index": i, "text": swords_text(s)} for i, s in enumerate(read_jsonl(swords))
        ]
    blimp = eval_dir / "blimp_dev.jsonl"
    if blimp.is_file() and len(items) < count:
        rows = read_jsonl(blimp)
        needed = count - len(items)
        step = max(1, len(rows) // needed)
        picked = list(range(0, len(rows), step))[:needed]
        items += [{"set": "blimp", "index": i, "text": rows[i]["text"]} for i in picked]
    return sorted(items, key=lambda it: _order(f"{it['set']}:{it['index']}"))[:count]


def run_throughput(models: dict[str, Path], items: list[dict[str, Any]], threads: int) -> dict[str, FillRun]:
    """One ``fill --jsonl`` process per system over the same items."""
    requests = [{"text": it["text"]} for it in items]
    runs = {}
    for system, folder in models.items():
        runs[system] = run_fill_jsonl(folder, requests, threads=threads)
        print(f"bench: fill --jsonl over {len(items)} items with {system}", flush=True)
    return runs


def throughput_table(runs: dict[str, FillRun], labels: dict[str, str]) -> list[str]:
    """Markdown: items/s end to end (model load included) and once the model is loaded."""
    lines = [
        "| system | items | wall time | items/s (whole run) | items/s (after the first result) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for system, run in runs.items():
        lines.append(
            f"| {labels.get(system, system)} | {len(run.outputs):,} | {run.wall_s:.1f} s | "
            f"{run.items_per_s:.1f} | {run.steady_items_per_s:.1f} |"
        )
    return lines


def compare_before(
    model: Path, items: list[dict[str, Any]], threads: int, before: str, rounds: int
) -> list[str]:
    """This tree's ``fill --jsonl`` and revision ``before``'s, taking turns ``rounds`` times on
    the same items (so both see the same load); markdown lines with the medians and the ratio."""
    from bench.coldstart import extract_revision

    requests = [{"text": it["text"]} for it in items]
    rates: dict[str, list[float]] = {"now": [], "before": []}
    steady: dict[str, list[float]] = {"now": [], "before": []}
    with tempfile.TemporaryDirectory(prefix="cloze-before-") as tmp:
        extract_revision(before, Path(tmp))
        for r in range(rounds):
            for name, root in (("now", None), ("before", Path(tmp))):
                run = run_fill_jsonl(model, requests, threads=threads, root=root)
                rates[name].append(run.items_per_s)
                steady[name].append(run.steady_items_per_s)
                print(f"bench: round {r + 1}, {name}: {run.items_per_s:.1f} items/s", flush=True)
    now, old = statistics.median(rates["now"]), statistics.median(rates["before"])
    steady_now, steady_old = statistics.median(steady["now"]), statistics.median(steady["before"])
    return [
        f"| `fill --jsonl`, {len(items):,} items, medians of {rounds} alternating runs | items/s (whole run) "
        "| items/s (after the first result) |",
        "| --- | ---: | ---: |",
        f"| this tree | {now:.1f} | {steady_now:.1f} |",
        f"| `{before}` | {old:.1f} | {steady_old:.1f} |",
        f"| ratio | {now / old:.2f}x | {steady_now / steady_old:.2f}x |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__.split("\n")[0])
    parser.add_argument("--int8", type=Path, default=None, help="Cloze model folder (default: bundled)")
    parser.add_argument("--reference", type=Path, default=None)
    parser.add_argument("--items", type=int, default=ITEMS)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument(
        "--before", metavar="REV", help="instead: this tree's int8 and git revision REV's, taking turns"
    )
    parser.add_argument("--rounds", type=int, default=3, help="turns each with --before")
    args = parser.parse_args(argv)
    from bench.models import DEFAULT_MODEL, prepare
    from bench.speed import LABELS, _cores

    if args.before:
        model = args.int8 or DEFAULT_MODEL
        lines = compare_before(
            model, mixed_items(count=args.items), args.threads or _cores(), args.before, args.rounds
        )
        print("\n".join(lines))
        return 0
    m = prepare(args.int8 or DEFAULT_MODEL, args.reference)
    runs = run_throughput(
        {"cloze-int8": m.int8, "cloze-fp32": m.fp32}, mixed_items(count=args.items), args.threads or _cores()
    )
    print("\n".join(throughput_table(runs, LABELS)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
