"""What every subcommand that runs the model shares: ``--model/--provider/--threads``, opening the
engine (the user's default model, threads within the CPU count, skipped model folders named on
stderr) and reading a TEXT argument."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cloze_app.core.app.settings import clamp_threads, default_model_id, load_settings
from cloze_app.core.errors import InputError
from cloze_app.core.models.registry import ModelRegistry

if TYPE_CHECKING:
    from cloze_app.core.engine.engine import ClozeEngine


def threads_argument(value: str) -> int:
    """``--threads N``: 0 (automatic) or a positive count; a negative one is an error."""
    try:
        threads = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if threads < 0:
        raise argparse.ArgumentTypeError(f"{threads} is negative: give 0 (automatic) or a positive count")
    return threads


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """``--model``, ``--provider`` and ``--threads``, the same for every subcommand."""
    parser.add_argument(
        "--model", metavar="ID|PATH", help="installed model id or model folder (default: your default model)"
    )
    parser.add_argument("--provider", metavar="NAME", help="execution provider, e.g. CPU, CUDA, DirectML")
    parser.add_argument(
        "--threads",
        type=threads_argument,
        default=0,
        metavar="N",
        help="CPU threads, at most the CPU count (default 0: one per physical core)",
    )


def warn(message: str) -> None:
    """One line on stderr, prefixed like every other message of the command line."""
    print(f"cloze: {message}", file=sys.stderr)


def open_engine(args: argparse.Namespace, session_threads: int | None = None) -> ClozeEngine:
    """Load the engine ``--model/--provider/--threads`` name; what was changed or skipped is
    said on stderr (threads above the CPU count, broken model folders, a provider fallback).

    ``session_threads``: the session's intra-op threads instead of ``--threads`` (a caller that
    spreads ``--threads`` over several engines of its own, see :func:`jsonl_workers`).
    """
    from cloze_app.core.engine.engine import ClozeEngine

    registry = ModelRegistry()
    for broken in registry.broken():
        warn(f"skipped the model folder {broken.path}: {broken.reason}")
    settings, _warning = load_settings()
    model = getattr(args, "model", None) or default_model_id(settings, registry)
    try:
        threads, note = clamp_threads(getattr(args, "threads", 0) or 0)
    except ValueError as exc:
        raise InputError(f"--threads: {exc}") from exc
    if note:
        warn(note)
    if session_threads is not None:
        threads = session_threads
    engine = ClozeEngine.load(
        registry.resolve(model), provider=getattr(args, "provider", None), threads=threads
    )
    reason = engine.provider_report.fallback_reason
    if reason:
        warn(reason)
    return engine


def read_text_argument(value: str) -> str:
    """The text of ``value``: ``-`` reads stdin, an existing file is read, anything else is the text.

    Raises:
        InputError: for a file that cannot be read or is not UTF-8.
    """
    if value == "-":
        raw = getattr(sys.stdin, "buffer", None)
        if raw is None:  # a text stream put in place (tests, embedding)
            return sys.stdin.read()
        data = raw.read()
        try:
            return str(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise InputError(
                f"Standard input is not UTF-8 text (byte {exc.start}: {exc.reason}); send UTF-8."
            ) from exc
    path = Path(value)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):  # a long text is not a valid path on some systems
        return value
    if not is_file:
        return value
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{value} is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8."
        ) from exc
    except OSError as exc:
        raise InputError(f"Cannot read {value}: {exc.strerror or exc}") from exc
