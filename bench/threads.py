"""Intra-op threads and spinning: Cloze int8 latency with 1 and 2 threads, spinning on and off.

Each setting runs in its own child process (``python -m bench.speed --child``), all in one run,
the settings taking turns over two rounds, so they compare under the same machine load. The
window's typical request is one blank in a paragraph (the editor sends a window of text around
the blank); the table shows every workload.

    python -m bench.threads [--int8 FOLDER] [--reps 15]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.speed import WORKLOADS, run_speed, summary

SETTINGS = ((1, False), (1, True), (2, False), (2, True))


def run_threads(model: Path, reps: int, warmup: int = 3, rounds: int = 2) -> dict[tuple[int, bool], dict]:
    """``{(threads, spinning): speed result of Cloze int8}``, each setting in its own process; the
    settings take turns over ``rounds`` rounds (``reps`` split between them), so a change in the
    machine's load reaches every setting alike."""
    results: dict[tuple[int, bool], dict] = {}
    rounds = max(1, min(rounds, reps))
    for round_index in range(rounds):
        share = reps // rounds + (1 if round_index < reps % rounds else 0)
        for threads, spinning in SETTINGS:
            run = run_speed({"cloze-int8": model}, threads, share, warmup, spinning, rounds=1)
            answer = run["cloze-int8"]
            before = results.get((threads, spinning))
            if before is not None:
                for key, times in before["latency_ms"].items():
                    answer["latency_ms"][key] = times + answer["latency_ms"].get(key, [])
            results[(threads, spinning)] = answer
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
