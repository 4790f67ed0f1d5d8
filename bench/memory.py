"""Run a command as a child process and measure it: wall time, time to its first output line, peak RSS.

Every figure that needs a fresh process (cold start, peak memory, throughput) goes through
:func:`run_measured`. Peak resident memory is the child's ``VmHWM`` (Linux ``/proc``, polled every
20 ms while it runs), else its ``ru_maxrss`` from ``os.wait4``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ChildRun:
    """What one child process did."""

    returncode: int
    wall_s: float  # start to exit
    first_line_s: float | None  # start to the first line on stdout that ``ready`` accepted
    last_line_s: float | None  # start to the last line on stdout
    peak_rss_bytes: int
    stdout: str
    stderr: str
    cpu_s: float = 0.0  # the child's user + system CPU seconds, start to exit (less load-dependent)


def python_command(*args: str) -> list[str]:
    """``python ARGS`` with the interpreter running the bench."""
    return [sys.executable, *args]


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for children: quiet transformers, the repo importable, ``extra`` on top."""
    env = dict(os.environ)
    env.setdefault("TRANSFORMERS_VERBOSITY", "error")
    env.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.update(extra or {})
    return env


def run_measured(
    command: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    stdin_file: Path | None = None,
    ready: Callable[[str], bool] = lambda line: bool(line.strip()),
    timeout_s: float = 1800.0,
    ok_codes: tuple[int, ...] = (0,),
) -> ChildRun:
    """Run ``command`` to its end; time its first accepted stdout line and read its peak RSS.

    Raises:
        RuntimeError: the child failed (its stderr is in the message) or ran past ``timeout_s``.
    """
    stdin = stdin_file.open("rb") if stdin_file is not None else subprocess.DEVNULL
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(command),
        cwd=REPO,
        env=env or child_env(),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    peaks: list[int] = []
    watcher = threading.Thread(target=_watch_high_water, args=(proc, peaks), daemon=True)
    watcher.start()
    err_chunks: list[str] = []
    reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read() if proc.stderr else ""))
    reader.start()
    timer = threading.Timer(timeout_s, proc.kill)
    timer.start()
    out_lines: list[str] = []
    first: float | None = None
    last: float | None = None
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if first is None and ready(line):
                first = time.perf_counter() - started
            last = time.perf_counter() - started
            out_lines.append(line)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    finally:
        timer.cancel()
        reader.join()
        if stdin_file is not None:
            stdin.close()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = "".join(err_chunks)
    if proc.returncode not in ok_codes:
        raise RuntimeError(f"{' '.join(command)} exited with {proc.returncode}:\n{stderr[-2000:]}")
    watcher.join()
    # ru_maxrss also counts the parent's memory at the fork (Linux copies the high-water mark
    # until exec), so /proc's VmHWM of the child's own program is used where there is one.
    peak = max(peaks) if peaks else (usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024)
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(proc.returncode, wall, first, last, peak, "".join(out_lines), stderr, cpu)


def _watch_high_water(proc: subprocess.Popen[str], peaks: list[int], every_s: float = 0.02) -> None:
    """Poll the child's VmHWM (peak resident memory of its program, Linux) until it exits."""
    status = Path(f"/proc/{proc.pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        if "\nState:\tZ" in text:  # exited, waiting to be reaped: its memory is gone
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) * 1024)
        time.sleep(every_s)


def mib(n_bytes: int) -> str:
    """``123 MiB``."""
    return f"{n_bytes / 2**20:,.0f} MiB"


def memory_table(rows: Sequence[tuple[str, str, int]]) -> list[str]:
    """Markdown rows: (system, what the process did, peak RSS bytes)."""
    out = ["| system | process | peak resident memory |", "| --- | --- | ---: |"]
    out += [f"| {system} | {what} | {mib(peak)} |" for system, what, peak in rows]
    return out
