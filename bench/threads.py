"""Threads: Cloze int8 latency with 1 thread; 2 intra-op threads, one run at a time, spinning
on and off (the default until 2026-12-01); and 2 runs at once on one thread each (the default).

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

# (threads, spinning, runs at once); spinning only matters for a session with several threads.
Setting = tuple[int, bool, bool]
SETTINGS: tuple[Setting, ...] = ((1, False, True), (2, False, False), (2, True, False), (2, False, True))


def label(setting: Setting) -> str:
    threads, spinning, spread = setting
    if threads == 1:
        return "1 thread"
    if spread:
        return f"{threads} runs at once, one thread each"
    return f"{threads} threads per run, one run at a time, spinning {'on' if spinning else 'off'}"


def run_threads(model: Path, reps: int, warmup: int = 3, rounds: int = 2) -> dict[Setting, dict]:
    """``{(threads, spinning, runs at once): speed result of Cloze int8}``, each setting in its own
    process; the settings take turns over ``rounds`` rounds (``reps`` split between them), so a change in the
    machine's load reaches every setting alike."""
    results: dict[Setting, dict] = {}
    rounds = max(1, min(rounds, reps))
    for round_index in range(rounds):
        share = reps // rounds + (1 if round_index < reps % rounds else 0)
        for setting in SETTINGS:
            threads, spinning, spread = setting
            run = run_speed({"cloze-int8": model}, threads, share, warmup, spinning, rounds=1, spread=spread)
            answer = run["cloze-int8"]
            before = results.get(setting)
            if before is not None:
                for key, times in before["latency_ms"].items():
                    answer["latency_ms"][key] = times + answer["latency_ms"].get(key, [])
            results[setting] = answer
    return results


def threads_table(results: dict[Setting, dict]) -> list[str]:
    """Markdown: median per workload and setting; the fastest setting of each workload in bold."""
    settings = list(results)
    head = " | ".join(label(setting) for setting in settings)
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
