"""Latency per request (median, p95) of Cloze int8, Cloze fp32 and the transformers fill-mask pipeline.

Each system runs in its own child process (``python -m bench.speed --child ...``), loads once,
warms up, then times every workload ``reps`` times; the parent prints the table and the ratios.
The pipeline answers a single blank only, so it runs the single-blank workloads and ranks the
options through its ``targets=`` argument (single-token words only).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.memory import child_env, python_command, run_measured

PARAGRAPH = (
    "The old lighthouse stood at the end of a narrow road that wound along the cliffs for several "
    "miles. For more than a century it had guided fishing boats home through fog and storms, and the "
    "families who kept it passed the job from parents to children. When the light was finally "
    "automated, the last keeper moved into the village, but she still walked out to the ___ every "
    "evening to watch the beam sweep across the water. Visitors who came in summer often asked her "
    "about the shipwrecks, the winters, and the strange sounds that the wind made in the tower at "
    "night, and she answered them all with patience and care."
)
SENTENCE = "I drink a cup of ___ every morning before I go to work."
OPTIONS = ("tea", "coffee", "water", "milk")


@dataclass(frozen=True)
class Workload:
    """One kind of request a user makes."""

    key: str
    label: str
    text: str
    options: tuple[str, ...] = ()
    single_blank: bool = True


WORKLOADS = (
    Workload("short", "one blank, 16-token sentence", SENTENCE),
    Workload("paragraph", "one blank, 128-token paragraph", PARAGRAPH),
    Workload(
        "joint",
        "three blanks, decoded jointly",
        "She put the ___ back in the ___ and closed the ___ behind her.",
        single_blank=False,
    ),
    Workload("options", "rank 4 options", SENTENCE, options=OPTIONS),
)
SYSTEMS = ("cloze-int8", "cloze-before", "cloze-fp32", "transformers")
LABELS = {
    "cloze-int8": "Cloze int8",
    "cloze-before": "Cloze int8, older engine (`--before`)",
    "cloze-fp32": "Cloze fp32",
    "transformers": "transformers pipeline (PyTorch fp32)",
}


def time_interleaved(
    calls: dict[str, Callable[[], object]], reps: int, warmup: int
) -> dict[str, list[float]]:
    """Milliseconds per call of each workload, the workloads taking turns (one of each per round), so
    a change in the machine's load during the run reaches every workload alike and ratios between
    them (the floor's) hold on a shared machine."""
    for fn in calls.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {key: [] for key in calls}
    for _ in range(reps):
        for key, fn in calls.items():
            started = time.perf_counter()
            fn()
            times[key].append((time.perf_counter() - started) * 1000.0)
    return times


FLOOR = "floor"  # one forward pass of the short sentence's one-mask row (the pipeline's work)


def cloze_requests(
    folder: Path, threads: int, spinning: bool | None = None, spread: bool = True
) -> dict[str, Callable[[], object]]:
    """A call per workload on a loaded ClozeEngine (what the window and ``fill`` do), plus the floor:
    one ``session.run`` of the one-mask row of the short sentence."""
    from cloze_app.core.engine.engine import ClozeEngine

    options: dict[str, Any] = {} if spinning is None else {"spinning": spinning}
    if not spread:  # an engine from before spread_runs has no such option
        options["spread_runs"] = False
    engine = ClozeEngine.load(folder, threads=threads, **options)
    calls: dict[str, Callable[[], object]] = {}
    for w in WORKLOADS:
        if w.options:
            calls[w.key] = lambda w=w: engine.score_options(w.text, list(w.options))  # type: ignore[misc]
        else:
            calls[w.key] = lambda w=w: engine.fill(w.text, top_k=10)  # type: ignore[misc]
    info = engine.token_info
    _, doc = engine._blanks_doc(SENTENCE)
    row = doc.row(info, [[info.mask_id]], 0, [0], engine.decoder.window)
    calls[FLOOR] = lambda: engine.decoder.runner.log_probs([row])
    calls["_engine"] = lambda: engine  # for the profile, not timed
    return calls


class _CountingSession:
    """Wraps an onnxruntime session: counts ``run`` calls, rows, batch cells and the wall time
    while at least one run is in progress (runs of one request may go on several threads at once)."""

    def __init__(self, session: object) -> None:
        self.session = session
        self.runs = self.rows = self.cells = 0
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._active = 0
        self._since = 0.0

    def __getattr__(self, name: str) -> object:
        return getattr(self.session, name)

    def run(self, outputs: object, feed: dict[str, np.ndarray]) -> object:
        with self._lock:
            if self._active == 0:
                self._since = time.perf_counter()
            self._active += 1
        try:
            return self.session.run(outputs, feed)  # type: ignore[attr-defined]
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0:
                    self.seconds += time.perf_counter() - self._since
                self.runs += 1
                self.rows += int(feed["input_ids"].shape[0])
                self.cells += int(feed["input_ids"].size)


def profile(engine: object, calls: dict[str, Callable[[], object]]) -> dict[str, dict[str, float]]:
    """Per workload, one request's ``session.run`` calls, rows, batch cells and time in onnxruntime.

    Counted by wrapping the engine's session, so the same profile runs on older engines too
    (``--profile-only --engine-root CHECKOUT``).
    """
    runner = engine.decoder.runner  # type: ignore[attr-defined]
    out: dict[str, dict[str, float]] = {}
    for key, fn in calls.items():
        counting = _CountingSession(runner.session)
        runner.session = counting
        started = time.perf_counter()
        try:
            fn()
        finally:
            runner.session = counting.session
        out[key] = {
            "runs": counting.runs,
            "rows": counting.rows,
            "cells": counting.cells,
            "ort_ms": 1000 * counting.seconds,
            "total_ms": 1000 * (time.perf_counter() - started),
        }
    return out


def pipeline_requests(reference: Path, threads: int) -> dict[str, Callable[[], object]]:
    """A call per single-blank workload on the transformers fill-mask pipeline."""
    import torch

    from bench.models import load_pipeline

    pipe = load_pipeline(reference, threads)
    mask = pipe.tokenizer.mask_token  # type: ignore[attr-defined]
    calls: dict[str, Callable[[], object]] = {}
    for w in WORKLOADS:
        if not w.single_blank:
            continue
        text = w.text.replace("___", mask)
        if len(pipe.tokenizer(text)["input_ids"]) > pipe.model.config.max_position_embeddings:  # type: ignore[attr-defined]
            continue  # the pipeline cannot read it (a tiny test model); the table says n/a

        def call(text: str = text, options: tuple[str, ...] = w.options) -> object:
            with torch.inference_mode():
                if options:
                    return pipe(text, targets=list(options))  # type: ignore[operator]
                return pipe(text, top_k=10)  # type: ignore[operator]

        calls[w.key] = call
    return calls


def child(
    system: str,
    model: Path,
    threads: int,
    reps: int,
    warmup: int,
    spinning: bool | None = None,
    spread: bool = True,
) -> dict[str, dict]:
    """Load one system and time every workload it can do (milliseconds per request); for Cloze,
    also the floor row and a profile of one request per workload."""
    if system == "transformers":
        calls = pipeline_requests(model, threads)
    else:
        calls = cloze_requests(model, threads, spinning, spread)
    engine = calls.pop("_engine", None)
    latency = time_interleaved(calls, reps, warmup)
    prof = profile(engine(), calls) if engine is not None else {}
    return {"latency_ms": latency, "profile": prof}


def summary(times: list[float]) -> tuple[float, float]:
    """(median, p95) in milliseconds."""
    return statistics.median(times), float(np.percentile(times, 95))


def run_speed(
    models: dict[str, Path],
    threads: int,
    reps: int,
    warmup: int = 3,
    spinning: bool | None = None,
    engine_roots: dict[str, Path] | None = None,
    rounds: int = 2,
    spread: bool = True,
) -> dict[str, dict]:
    """Time every system in its own process; ``models`` maps system -> folder.

    The systems take turns over ``rounds`` rounds (a process per system and round, ``reps`` split
    between them), so a change in the machine's load during the run reaches every system alike.

    Returns ``{system: {"latency_ms": {workload: [ms, ...]}, "profile": {workload: {...}},
    "peak_rss_bytes": int}}`` (the profile of the last round, the highest peak).
    """
    results: dict[str, dict] = {}
    spin = "default" if spinning is None else ("on" if spinning else "off")
    rounds = max(1, min(rounds, reps))
    for round_index in range(rounds):
        share = reps // rounds + (1 if round_index < reps % rounds else 0)
        for system, folder in models.items():
            command = python_command(
                "-m", "bench.speed", "--child", system, "--model", str(folder),
                "--threads", str(threads), "--reps", str(share), "--warmup", str(warmup), "--spinning", spin,
            )  # fmt: skip
            if not spread:
                command.append("--one-run-at-a-time")
            root = (engine_roots or {}).get(system)
            if root is not None:
                command += ["--engine-root", str(root)]
            run = run_measured(command, env=child_env())
            answer = json.loads(run.stdout.strip().splitlines()[-1])
            before = results.get(system)
            if before is not None:
                for key, times in before["latency_ms"].items():
                    answer["latency_ms"][key] = times + answer["latency_ms"].get(key, [])
            peak = max(run.peak_rss_bytes, before["peak_rss_bytes"] if before else 0)
            results[system] = {**answer, "peak_rss_bytes": peak}
            print(f"bench: timed {LABELS[system]} (round {round_index + 1} of {rounds})", flush=True)
    return results


def _median(results: dict[str, dict], system: str, key: str) -> float | None:
    times = results.get(system, {}).get("latency_ms", {}).get(key)
    return statistics.median(times) if times else None


def speed_table(results: dict[str, dict]) -> list[str]:
    """Markdown: one row per workload, median / p95 per system, and the speed-up of Cloze int8;
    the last row is the floor: one ``session.run`` of the short sentence's one-mask row."""
    systems = [s for s in SYSTEMS if s in results]
    head = "| request | " + " | ".join(f"{LABELS[s]} median / p95" for s in systems) + " |"
    ratio_heads = [f"{LABELS[s]} ÷ Cloze int8" for s in systems if s != "cloze-int8"]
    lines = [head[:-1] + "".join(f"| {h} " for h in ratio_heads) + "|"]
    lines.append("| --- " + "| ---: " * (len(systems) + len(ratio_heads)) + "|")
    rows = [(w.key, w.label) for w in WORKLOADS]
    rows.append((FLOOR, "floor: one forward pass of the 16-token sentence's row (one `session.run`)"))
    for key, label in rows:
        cells, medians = [], {}
        for s in systems:
            times = results[s]["latency_ms"].get(key)
            if times:
                med, p95 = summary(times)
                medians[s] = med
                cells.append(f"{med:,.1f} / {p95:,.1f} ms")
            else:
                cells.append("n/a")
        base = medians.get("cloze-int8")
        for s in systems:
            if s == "cloze-int8":
                continue
            cells.append(f"{medians[s] / base:.2f}×" if base and s in medians else "n/a")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def profile_table(results: dict[str, dict], system: str = "cloze-int8") -> list[str]:
    """Markdown: what one request of each workload costs Cloze (after warm-up)."""
    prof = results.get(system, {}).get("profile", {})
    lines = [
        "| request | `session.run` calls | rows | batch cells (rows × padded tokens) | cells ÷ floor's "
        "| in onnxruntime | total | outside onnxruntime |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    labels = {w.key: w.label for w in WORKLOADS} | {FLOOR: "floor (one row)"}
    floor_cells = prof.get(FLOOR, {}).get("cells")
    for key, label in labels.items():
        p = prof.get(key)
        if not p:
            continue
        outside = max(0.0, p["total_ms"] - p["ort_ms"])
        times = f"{p['cells'] / floor_cells:.1f}×" if floor_cells else "n/a"
        lines.append(
            f"| {label} | {p['runs']:.0f} | {p['rows']:.0f} | {p['cells']:,.0f} | {times} "
            f"| {p['ort_ms']:.1f} ms "
            f"| {p['total_ms']:.1f} ms | {outside:.1f} ms ({100 * outside / max(p['total_ms'], 1e-9):.0f}%) |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__.split("\n")[0])
    parser.add_argument("--child", choices=SYSTEMS, help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--int8", type=Path, default=None, help="Cloze model folder (default: bundled)")
    parser.add_argument(
        "--reference", type=Path, default=None, help="transformers folder (default: <int8>/reference)"
    )
    parser.add_argument("--threads", type=int, default=0, help="threads for every system (0: all cores)")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--spinning",
        choices=("default", "on", "off"),
        default="default",
        help="onnxruntime thread spinning (default: Cloze's default)",
    )
    parser.add_argument(
        "--before", metavar="REV", help="also time the engine of this git revision, taking turns"
    )
    parser.add_argument(
        "--one-run-at-a-time",
        action="store_true",
        help="Cloze: each run on --threads intra-op threads, one after the other (default: runs at once)",
    )
    parser.add_argument(
        "--profile-only", action="store_true", help="print only the profile of one request per workload"
    )
    parser.add_argument(
        "--engine-root",
        type=Path,
        default=None,
        help="import cloze_app from this checkout (an older commit: --profile-only, or a --child)",
    )
    args = parser.parse_args(argv)
    threads = args.threads or _cores()
    if args.engine_root:  # before anything imports cloze_app
        sys.path.insert(0, str(args.engine_root.resolve()))
    if args.profile_only:
        from bench.models import DEFAULT_MODEL

        calls = cloze_requests(args.int8 or DEFAULT_MODEL, threads)
        engine = calls.pop("_engine")()
        for fn in calls.values():  # warm-up
            fn()
        print("\n".join(profile_table({"cloze-int8": {"profile": profile(engine, calls)}})))
        return 0
    spinning = None if args.spinning == "default" else args.spinning == "on"  # None: Cloze's default
    if args.child:
        spread = not args.one_run_at_a_time
        print(json.dumps(child(args.child, args.model, threads, args.reps, args.warmup, spinning, spread)))
        return 0
    from bench.models import DEFAULT_MODEL, prepare

    m = prepare(args.int8 or DEFAULT_MODEL, args.reference)
    with tempfile.TemporaryDirectory(prefix="cloze-before-") as tmp:
        roots: dict[str, Path] = {}
        if args.before:
            from bench.coldstart import extract_revision

            extract_revision(args.before, Path(tmp))
            roots["cloze-before"] = Path(tmp)
            LABELS["cloze-before"] = f"Cloze int8, engine of `{args.before}`"
        before = {"cloze-before": m.int8} if args.before else {}
        results = run_speed(
            {"cloze-int8": m.int8, **before, "cloze-fp32": m.fp32, "transformers": m.reference},
            threads,
            args.reps,
            args.warmup,
            spinning,
            engine_roots=roots,
        )
    print("\n".join(speed_table(results)))
    print()
    print("\n".join(profile_table(results)))
    return 0


def _cores() -> int:
    """Threads for every system: what Cloze uses by default, one per physical core."""
    from cloze_app.core.engine.session import physical_cores

    return physical_cores()


if __name__ == "__main__":
    raise SystemExit(main())
