"""Cold start: process start to first prediction, for the command line, the window and the pipeline.

Each start is a fresh ``python`` process; the clock runs from launching it to the first line
that shows a prediction. The first start of each kind uses an empty Cloze home and is shown
apart; the timed starts reuse that home, so the operating system's file cache and Cloze's own
cache (the checked position-gathering graph) are warm, as they are for a user who has opened
Cloze before; Python's bytecode is written on the first start and read by the timed ones, as an
installed copy has it. The window runs ``cloze_app.gui.app.run_app`` (what
``python -m cloze_app`` does) offscreen, with the main window wrapped so it prints a line and
quits once the first suggestions are on screen.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.memory import ChildRun, child_env, python_command, run_measured

TEXT = "I drink a cup of ___ every morning before I go to work."
WINDOW_READY = "first-suggestions"


@dataclass(frozen=True)
class Start:
    """One way of starting: a label, the command, and the line that means a prediction is shown."""

    key: str
    label: str
    command: list[str]
    ready_prefix: str
    window: bool = False


def window_child(text_file: Path, timeout_s: float = 300.0) -> int:
    """Run the app as ``python -m cloze_app FILE`` does; print and quit at the first suggestions.

    Exits with 1 (and says why on stderr) when the model fails, the request fails, or nothing
    arrives within ``timeout_s``.
    """
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


def starts(int8: Path, fp32: Path, reference: Path, threads: int, text_file: Path) -> list[Start]:
    """The processes a user would start."""
    fill = ["-m", "cloze_app", "fill", TEXT, "--threads", str(threads), "--model"]
    return [
        Start("cli-int8", "Cloze int8, command line (`fill`)", python_command(*fill, str(int8)), "Blank 1"),
        Start("cli-fp32", "Cloze fp32, command line (`fill`)", python_command(*fill, str(fp32)), "Blank 1"),
        Start(
            "window-int8",
            "Cloze int8, window (offscreen)",
            python_command("-m", "bench.coldstart", "--window-child", str(text_file)),
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
    ]


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


def run_coldstart(int8: Path, fp32: Path, reference: Path, threads: int, reps: int = 3) -> dict[str, dict]:
    """Start each process once with an empty Cloze home (the very first start), then ``reps`` times
    with that home (what a user who has opened Cloze before gets: Cloze's cache is warm, like the
    operating system's file cache).

    Returns ``{key: {"label", "seconds": [...], "first_s": float, "peak_rss_bytes": [...]}}``.
    """
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="cloze-coldstart-") as tmp:
        text_file = Path(tmp) / "draft.txt"
        text_file.write_text(TEXT + "\n", encoding="utf-8")
        for start in starts(int8, fp32, reference, threads, text_file):
            seconds, peaks = [], []
            home = Path(tmp) / f"home-{start.key}"
            env = _window_env(home, int8, threads) if start.window else child_env({"CLOZE_HOME": str(home)})
            # Python's bytecode as an installed copy has it (pip compiles at install): the first start
            # writes it, the timed starts read it, whatever this shell says.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            for _ in range(reps + 1):
                run: ChildRun = run_measured(
                    start.command, env=env, ready=_prefix(start.ready_prefix), timeout_s=600
                )
                if run.first_line_s is None:
                    raise RuntimeError(
                        f"{start.label} printed no prediction:\n{run.stdout}\n{run.stderr[-2000:]}"
                    )
                seconds.append(run.first_line_s)
                peaks.append(run.peak_rss_bytes)
            results[start.key] = {
                "label": start.label,
                "first_s": seconds[0],
                "seconds": seconds[1:],
                "peak_rss_bytes": peaks[1:],
            }
            print(f"bench: started {start.label} {reps}×", flush=True)
    return results


def coldstart_table(results: dict[str, dict]) -> list[str]:
    """Markdown: median (and range) of the start times, and the ratio to the Cloze int8 command line."""
    base = statistics.median(results["cli-int8"]["seconds"]) if "cli-int8" in results else None
    lines = [
        "| process | start to first prediction, median (min–max) | ÷ Cloze int8 command line "
        "| very first start (empty Cloze home) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for r in results.values():
        med = statistics.median(r["seconds"])
        ratio = f"{med / base:.2f}×" if base else "n/a"
        first = f"{r['first_s']:.2f} s" if "first_s" in r else "n/a"
        lines.append(
            f"| {r['label']} | {med:.2f} s ({min(r['seconds']):.2f}–{max(r['seconds']):.2f}) | {ratio} "
            f"| {first} |"
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
    args = parser.parse_args(argv)
    if args.window_child:
        return window_child(args.window_child)
    if args.pipeline_child:
        return pipeline_child(args.pipeline_child, args.threads)
    from bench.models import DEFAULT_MODEL, prepare
    from bench.speed import _cores

    m = prepare(args.int8 or DEFAULT_MODEL, args.reference)
    results = run_coldstart(m.int8, m.fp32, m.reference, args.threads or _cores(), args.reps)
    print("\n".join(coldstart_table(results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
