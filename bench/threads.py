"""Intra-op threads and spinning: Cloze int8 latency with 1 and 2 threads, spinning on and off.

Each setting runs in its own child process (``python -m bench.speed --child``), all in one run so
the settings compare under the same machine load. The window's typical request is one blank in a
paragraph (the editor sends a window of text around the blank); the table shows every workload.

    python -m bench.threads [--int8 FOLDER] [--reps 15]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.speed import WORKLOADS, run_speed, summary

SETTINGS = ((1, False), (1, True), (2, False), (2, True))


def run_threads(model: Path, reps: int, warmup: int = 3) -> dict[tuple[int, bool], dict]:
    """``{(threads, spinning): speed result of Cloze int8}``, each setting in its own process."""
    results: dict[tuple[int, bool], dict] = {}
    for threads, spinning in SETTINGS:
        results[(threads, spinning)] = run_speed({"cloze-int8": model}, threads, reps, warmup, spinning)[
            "cloze-int8"
        ]
    return results


def threads_table(results: dict[tuple[int, bool], dict]) -> list[str]:
    """Markdown: median per workload and setting; the fastest setting of each workload in bold."""
    settings = list(results)
    head = " | ".join(
        f"{t} thread{'s' if t > 1 else ''}, spinning {'on' if s else 'off'}" for t, s in settings
    )
    lines = [f"| request | {head} |", "| --- " + "| ---: " * len(settings) + "|"]
    for w in WORKLOADS:
        medians = {
            k: summary(r["latency_ms"][w.key])[0] for k, r in results.items() if w.key in r["latency_ms"]
        }
        if not medians:
            continue
        best = min(medians, key=lambda k: medians[k])
        cells = [
            (f"**{medians[k]:,.1f} ms**" if k == best else f"{medians[k]:,.1f} ms") if k in medians else "n/a"
            for k in settings
        ]
        lines.append(f"| {w.label} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.threads", description=__doc__.split("\n")[0])
    parser.add_argument("--int8", type=Path, default=None, help="Cloze model folder (default: bundled)")
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args(argv)
    from bench.models import DEFAULT_MODEL

    print("\n".join(threads_table(run_threads(args.int8 or DEFAULT_MODEL, args.reps))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
