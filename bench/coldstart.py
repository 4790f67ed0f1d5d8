"""Cold start: process start to first prediction, for the command line, the window and the pipeline.

Each start is a fresh ``python`` process; the clock runs from launching it to the first line
that shows a prediction. The first start of each kind uses an empty Cloze home and is shown
apart; the timed starts reuse that home, so the operating system's file cache and Cloze's own
cache (the checked position-gathering graph) are warm, as they are for a user who has opened
Cloze before; Python's bytecode is written on the first start and read by the timed ones, as an
installed copy has it. The window runs ``cloze_app.gui.app.run_app`` (what
``python -m cloze_app`` does) offscreen, with the main window wrapped so it prints a line and
quits once the first suggestions are on screen.

The floors are what no start can beat on this machine: a process that only imports onnxruntime,
and one that only imports Qt's widgets and creates the application object. ``--before REV`` also
starts the command line and the window of git revision ``REV`` (its ``cloze_app`` package, same
model, same homes' kind), each start taking turns with this tree's, so both see the same load.
Each row also gives the median CPU seconds of the whole process (user + system, start to exit),
which depends less on what else the machine is doing than the wall-clock time does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.memory import REPO, ChildRun, child_env, python_command, run_measured

TEXT = "I drink a cup of ___ every morning before I go to work."
WINDOW_READY = "first-suggestions"
FLOOR_READY = "imported"


@dataclass(frozen=True)
class Start:
    """One way of starting: a label, the command, and the line that means a prediction is shown."""

    key: str
    label: str
    command: list[str]
    ready_prefix: str
    window: bool = False
    root: Path | None = None  # another revision's cloze_app (``--before``), imported instead of this tree's
    offscreen: bool = False


def window_child(text_file: Path, timeout_s: float = 300.0) -> int:
    """Run the app as ``python -m cloze_app FILE`` does; print and quit at the first suggestions.

    Exits with 1 (and says why on stderr) when the model fails, the request fails, or nothing
    arrives within ``timeout_s``.
    """
    try:  # what cloze_app.entry does first (revisions before 'limit_blas_threads' have none)
        from cloze_app.entry import limit_blas_threads
    except ImportError:
        pass
    else:
        limit_blas_threads()
    try:  # what cloze_app.entry does before it imports Qt (revisions before 'preload' have none)
        from cloze_app.gui import preload
    except ImportError:
        pass
    else:
        preload.start()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import cloze_app.gui.app as app_module
    import cloze_app.gui.main_window as main_window

    class TimedWindow(main_window.MainWindow):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self.suggestions.timing.connect(lambda _ms: QTimer.singleShot(0, self._first_shown))
            self.suggestions.error.connect(self._give_up)
            self.service.model_failed.connect(self._give_up)
            QTimer.singleShot(
                int(timeout_s * 1000), lambda: self._give_up(f"no suggestions in {timeout_s:.0f} s")
            )

        def _first_shown(self) -> None:
            print(WINDOW_READY, flush=True)
            QApplication.exit(0)

        def _give_up(self, why: str) -> None:
            print(f"coldstart: the window failed: {why}", file=sys.stderr, flush=True)
            QApplication.exit(1)

    # run_app may name MainWindow from either module, depending on how it imports it.
    main_window.MainWindow = TimedWindow  # type: ignore[misc]
    if hasattr(app_module, "MainWindow"):
        app_module.MainWindow = TimedWindow  # type: ignore[misc]
    return app_module.run_app([str(text_file)])


def pipeline_child(reference: Path, threads: int) -> int:
    """Import transformers, load the fill-mask pipeline, predict once, print the result."""
    from bench.models import load_pipeline

    pipe = load_pipeline(reference, threads)
    result = pipe(TEXT.replace("___", pipe.tokenizer.mask_token), top_k=10)  # type: ignore[operator, attr-defined]
    print(json.dumps([r["token_str"] for r in result]), flush=True)
    return 0


def starts(
    int8: Path, fp32: Path, reference: Path, threads: int, text_file: Path, before: str | None = None
) -> list[Start]:
    """The processes a user would start, the floors, and (``before``) the older revision's starts."""
    fill = ["-m", "cloze_app", "fill", TEXT, "--threads", str(threads), "--model"]
    window = ["-m", "bench.coldstart", "--window-child", str(text_file)]
    out = [
        Start("cli-int8", "Cloze int8, command line (`fill`)", python_command(*fill, str(int8)), "Blank 1"),
        Start("cli-fp32", "Cloze fp32, command line (`fill`)", python_command(*fill, str(fp32)), "Blank 1"),
        Start(
            "window-int8",
            "Cloze int8, window (offscreen)",
            python_command(*window),
            WINDOW_READY,
            window=True,
        ),
        Start(
            "transformers",
            "transformers pipeline (PyTorch fp32)",
            python_command(
                "-m", "bench.coldstart", "--pipeline-child", str(reference), "--threads", str(threads)
            ),
            "[",
        ),
        Start(
            "floor-ort",
            'floor: `python -c "import onnxruntime"`',
            python_command("-c", f"import onnxruntime; print({FLOOR_READY!r})"),
            FLOOR_READY,
        ),
        Start(
            "floor-qt",
            "floor: import PySide6.QtWidgets, create the QApplication (offscreen)",
            python_command(
                "-c",
                f"from PySide6.QtWidgets import QApplication; app = QApplication([]); print({FLOOR_READY!r})",
            ),
            FLOOR_READY,
            offscreen=True,
        ),
    ]
    if before:
        root = text_file.parent / "before"
        # -P: the working directory (this tree) does not come first on sys.path; PYTHONPATH does.
        out += [
            Start(
                "cli-int8-before",
                f"Cloze int8, command line (`fill`), `{before}`",
                python_command("-P", *fill, str(int8)),
                "Blank 1",
                root=root,
            ),
            Start(
                "window-int8-before",
                f"Cloze int8, window (offscreen), `{before}`",
                python_command("-P", *window),
                WINDOW_READY,
                window=True,
                root=root,
            ),
        ]
    return out


def extract_revision(rev: str, into: Path) -> None:
    """The ``cloze_app`` package of git revision ``rev`` into the folder ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", rev, "cloze_app"], cwd=REPO, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)


def _window_env(home: Path, model: Path, threads: int) -> dict[str, str]:
    """A fresh Cloze home whose settings open ``model``, offscreen."""
    import os

    saved = os.environ.get("CLOZE_HOME")
    os.environ["CLOZE_HOME"] = str(home)
    try:
        from cloze_app.core.app.settings import Settings, save_settings

        save_settings(Settings(model=str(model), threads=threads, debounce_ms=0))
    finally:
        if saved is None:
            os.environ.pop("CLOZE_HOME", None)
        else:
            os.environ["CLOZE_HOME"] = saved
    return child_env({"CLOZE_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"})


def _prefix(prefix: str) -> Callable[[str], bool]:
    return lambda line: line.startswith(prefix)


def _env(start: Start, home: Path, model: Path, threads: int) -> dict[str, str]:
    env = _window_env(home, model, threads) if start.window else child_env({"CLOZE_HOME": str(home)})
    if start.offscreen:
        env["QT_QPA_PLATFORM"] = "offscreen"
    if start.root is not None:
        env["PYTHONPATH"] = os.pathsep.join((str(start.root), str(REPO)))
    # Python's bytecode as an installed copy has it (pip compiles at install): the first start
    # writes it, the timed starts read it, whatever this shell says.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_coldstart(
    int8: Path,
    fp32: Path,
    reference: Path,
    threads: int,
    reps: int = 3,
    *,
    before: str | None = None,
    only: set[str] | None = None,
) -> dict[str, dict]:
    """Start each process once with an empty Cloze home (the very first start), then ``reps`` times
    with that home (what a user who has opened Cloze before gets: Cloze's cache is warm, like the
    operating system's file cache). The kinds take turns (one start of each, then the next round),
    so a change in the machine's load touches them alike.

    Args:
        before: also start the command line and the window of this git revision.
        only: the keys of the starts to run (default: all).

    Returns:
        ``{key: {"label", "seconds": [...], "first_s": float, "peak_rss_bytes": [...],
        "cpu_s": [...]}}``, in the order of :func:`starts`.
    """
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="cloze-coldstart-") as tmp:
        text_file = Path(tmp) / "draft.txt"
        text_file.write_text(TEXT + "\n", encoding="utf-8")
        chosen = [
            s
            for s in starts(int8, fp32, reference, threads, text_file, before)
            if only is None or s.key in only
        ]
        if before:
            extract_revision(before, text_file.parent / "before")
        envs = {s.key: _env(s, Path(tmp) / f"home-{s.key}", int8, threads) for s in chosen}
        runs: dict[str, list[ChildRun]] = {s.key: [] for s in chosen}
        for _ in range(reps + 1):
            for start in chosen:
                run = run_measured(
                    start.command, env=envs[start.key], ready=_prefix(start.ready_prefix), timeout_s=600
                )
                if run.first_line_s is None:
                    raise RuntimeError(
                        f"{start.label} printed no prediction:\n{run.stdout}\n{run.stderr[-2000:]}"
                    )
                runs[start.key].append(run)
        for start in chosen:
            done = runs[start.key]
            results[start.key] = {
                "label": start.label,
                "first_s": done[0].first_line_s,
                "seconds": [r.first_line_s for r in done[1:]],
                "peak_rss_bytes": [r.peak_rss_bytes for r in done[1:]],
                "cpu_s": [r.cpu_s for r in done[1:]],
            }
        print(f"bench: started {len(chosen)} kinds {reps}× each", flush=True)
    return results


def coldstart_table(results: dict[str, dict]) -> list[str]:
    """Markdown: median (and range) of the start times, the ratio to the Cloze int8 command line,
    and the median CPU seconds of the process."""
    base = statistics.median(results["cli-int8"]["seconds"]) if "cli-int8" in results else None
    lines = [
        "| process | start to first prediction, median (min–max) | ÷ Cloze int8 command line "
        "| CPU s of the process, median | very first start (empty Cloze home) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results.values():
        med = statistics.median(r["seconds"])
        ratio = f"{med / base:.2f}×" if base else "n/a"
        first = f"{r['first_s']:.2f} s" if "first_s" in r else "n/a"
        cpu = f"{statistics.median(r['cpu_s']):.2f}" if r.get("cpu_s") else "n/a"
        lines.append(
            f"| {r['label']} | {med:.2f} s ({min(r['seconds']):.2f}–{max(r['seconds']):.2f}) | {ratio} "
            f"| {cpu} | {first} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.coldstart", description=__doc__.split("\n")[0])
    parser.add_argument("--window-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pipeline-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--int8", type=Path, default=None, help="Cloze model folder (default: bundled)")
    parser.add_argument("--reference", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--before", metavar="REV", help="also start this git revision's command line and window"
    )
    parser.add_argument(
        "--only",
        metavar="KEYS",
        help="comma-separated starts to run, of: cli-int8, cli-fp32, window-int8, transformers, "
        "floor-ort, floor-qt (and cli-int8-before, window-int8-before with --before); default all",
    )
    args = parser.parse_args(argv)
    if args.window_child:
        return window_child(args.window_child)
    if args.pipeline_child:
        return pipeline_child(args.pipeline_child, args.threads)
    from bench.models import DEFAULT_MODEL, prepare
    from bench.speed import _cores

    m = prepare(args.int8 or DEFAULT_MODEL, args.reference)
    only = set(args.only.split(",")) if args.only else None
    results = run_coldstart(
        m.int8, m.fp32, m.reference, args.threads or _cores(), args.reps, before=args.before, only=only
    )
    print("\n".join(coldstart_table(results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
