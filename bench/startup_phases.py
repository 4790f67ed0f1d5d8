"""Where a command-line start's time goes: each step of ``cloze_app fill``, timed in fresh processes.

Each start is a fresh ``python`` process (``--child``) that does what ``python -m cloze_app fill``
does: entry's :func:`~cloze_app.entry.limit_blas_threads`, the imports, ``ClozeEngine.load`` and
one fill. The steps of the load are timed by wrapping, by name, what ``ClozeEngine.load`` calls
(a step a revision does not have is not shown; "rest of the load" is what no wrapped step took).
The interpreter's own start is timed from the parent. Every step gives its wall milliseconds and
the process's CPU milliseconds (all threads), medians over ``--reps`` starts; one first start,
not counted, fills Cloze's cache folder, as a user who has opened Cloze before has it.

``python -m bench.startup_phases --reps 9`` (``--model FOLDER``, ``--threads N``; ``--before REV``
also times that git revision's ``cloze_app``, the two taking turns). Like ``bench.coldstart``, the
figures move with the machine's load; compare steps within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# (subprocess, tempfile and statistics are imported where the parent uses them: a child imports
# as little as it can before its first step.)

REPO = Path(__file__).resolve().parent.parent
TEXT = "I drink a cup of ___ every morning before I go to work."
START = "interpreter start (until this bench's code runs)"


def child(model: Path, threads: int, started: float) -> dict[str, list[float]]:
    """One start, step by step: ``{step: [wall ms, CPU ms]}`` in the order the steps ran."""
    steps: dict[str, list[float]] = {START: [(time.time() - started) * 1000, time.process_time() * 1000]}
    last = [time.perf_counter(), time.process_time()]

    def mark(name: str) -> None:
        now = [time.perf_counter(), time.process_time()]
        steps[name] = [(now[0] - last[0]) * 1000, (now[1] - last[1]) * 1000]
        last[:] = now

    try:
        from cloze_app.entry import limit_blas_threads
    except ImportError:  # a revision before it
        pass
    else:
        limit_blas_threads()
    import numpy  # noqa: F401

    mark("import numpy")
    import onnxruntime  # noqa: F401

    mark("import onnxruntime")
    import tokenizers  # noqa: F401

    mark("import tokenizers")
    import cloze_app.cli._common
    import cloze_app.cli.fill  # noqa: F401
    from cloze_app.core.engine import engine

    mark("import Cloze (the command line and the engine)")
    inside: dict[str, list[float]] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = inside.setdefault(name, [0.0, 0.0])
                spent[0] += (time.perf_counter() - wall) * 1000
                spent[1] += (time.process_time() - cpu) * 1000

        return wrapper

    class TimedTokenizer:  # engine.Tokenizer.from_file, timed
        from_file = staticmethod(timed("read tokenizer.json", engine.Tokenizer.from_file))

    wrapped = {
        "validate_model_folder": "check the model folder (manifest, digests)",
        "token_info_for": "read the vocabulary analysis (cache)",
        "open_runner": "open the onnxruntime session (kept graph)",
        "_read_truecase": "read truecase.txt",
    }
    for attr, name in wrapped.items():
        if hasattr(engine, attr):
            setattr(engine, attr, timed(name, getattr(engine, attr)))
    engine.Tokenizer = TimedTokenizer  # type: ignore[misc, assignment]
    if hasattr(engine.ClozeEngine, "_probe"):
        engine.ClozeEngine._probe = timed("probe run", engine.ClozeEngine._probe)  # type: ignore[method-assign]
    wall, cpu = time.perf_counter(), time.process_time()
    loaded = engine.ClozeEngine.load(model, threads=threads)
    load = [(time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000]
    steps.update(inside)
    steps["rest of the load"] = [load[k] - sum(spent[k] for spent in inside.values()) for k in (0, 1)]
    last[:] = [time.perf_counter(), time.process_time()]
    loaded.fill(TEXT)
    mark("first fill")
    return steps


def run_phases(
    model: Path, threads: int, reps: int, roots: dict[str, Path | None]
) -> dict[str, dict[str, list[list[float]]]]:
    """For each tree of ``roots`` (None: this one), ``reps`` timed starts after one that fills its
    cache, the trees taking turns: ``{tree: {step: [[wall ms, CPU ms], ...]}}``."""
    import subprocess
    import tempfile

    runs: dict[str, dict[str, list[list[float]]]] = {name: {} for name in roots}
    with tempfile.TemporaryDirectory(prefix="cloze-phases-") as tmp:
        envs = {}
        for name, root in roots.items():
            path = os.pathsep.join(str(p) for p in (root, REPO) if p is not None)
            envs[name] = {**os.environ, "CLOZE_HOME": str(Path(tmp) / name), "PYTHONPATH": path}
            envs[name].pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode as an installed copy has it
        command = [sys.executable, "-P", "-m", "bench.startup_phases", "--child", "--model", str(model)]
        command += ["--threads", str(threads), "--started"]
        for rep in range(reps + 1):
            for name, env in envs.items():
                done = subprocess.run(
                    [*command, repr(time.time())],
                    env=env,
                    cwd=tmp,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                if rep:
                    for step, spent in json.loads(done.stdout.strip().splitlines()[-1]).items():
                        runs[name].setdefault(step, []).append(spent)
    return runs


def phases_table(runs: dict[str, dict[str, list[list[float]]]]) -> list[str]:
    """Markdown: each step's median wall and CPU milliseconds per tree, and the total to the first fill."""
    import statistics

    names = list(runs)
    head = " | ".join(f"{n}: wall ms | {n}: CPU ms" for n in names)
    lines = [f"| step | {head} |", "| --- |" + " ---: | ---: |" * len(names)]
    steps = list(dict.fromkeys(step for tree in runs.values() for step in tree))
    for step in steps:
        cells = []
        for name in names:
            spent = runs[name].get(step)
            if spent:
                cells += [
                    f"{statistics.median(s[0] for s in spent):.1f}",
                    f"{statistics.median(s[1] for s in spent):.1f}",
                ]
            else:
                cells += ["n/a", "n/a"]
        lines.append(f"| {step} | {' | '.join(cells)} |")
    totals = []
    for name in names:
        tree = runs[name]
        starts = len(next(iter(tree.values())))
        walls = [sum(spent[i][0] for spent in tree.values()) for i in range(starts)]
        totals += [f"{statistics.median(walls):.0f}", ""]
    lines.append(f"| **start to the first fill** (median of each start's sum) | {' | '.join(totals)} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.startup_phases", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, default=REPO / "models" / "cloze-minilm-en")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument(
        "--before", metavar="REV", help="also time this git revision's cloze_app, taking turns"
    )
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.model, args.threads, args.started)))
        return 0
    import tempfile

    from bench.coldstart import extract_revision

    print(f"load average at the start: {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="cloze-phases-before-") as before:
        roots: dict[str, Path | None] = {"this tree": None}
        if args.before:
            extract_revision(args.before, Path(before))
            roots[args.before] = Path(before)
        runs = run_phases(args.model, args.threads, args.reps, roots)
    print("\n".join(phases_table(runs)))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
