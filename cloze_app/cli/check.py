"""``cloze check FILE|TEXT [--json]``: flag words the model finds much less likely than an alternative."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from cloze_app.core.learn.checker import CheckerThresholds, CheckReport, check_text


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """``--model`` and ``--provider``, shared by ``check`` and ``exercise``."""
    parser.add_argument("--model", metavar="ID|PATH", help="model id or folder (default: the bundled model)")
    parser.add_argument(
        "--provider", metavar="NAME", help="execution provider, e.g. cpu or cuda (default: cpu)"
    )


def open_engine(args: argparse.Namespace) -> Any:
    """Load the engine named by ``--model``/``--provider``; a fallback is reported on stderr."""
    from cloze_app.core.engine.engine import ClozeEngine

    engine = ClozeEngine.load(
        getattr(args, "model", None),
        provider=getattr(args, "provider", None),
        threads=getattr(args, "threads", 0),
    )
    reason = engine.provider_report.fallback_reason
    if reason:
        print(f"cloze: {reason}", file=sys.stderr)
    return engine


def read_text_argument(value: str) -> str:
    """The text of ``value``: ``-`` reads stdin, an existing file is read, anything else is the text."""
    if value == "-":
        return sys.stdin.read()
    path = Path(value)
    try:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    except OSError:  # a long text is not a valid path on some systems
        pass
    return value


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def report_json(report: CheckReport) -> str:
    """The report as JSON: every flag with its span, line/column, rank and suggestions."""
    flags = []
    for flag in report.flags:
        line, col = _line_col(report.text, flag.start)
        entry = asdict(flag)
        entry.update(line=line, column=col)
        flags.append(entry)
    return json.dumps(
        {"words_checked": report.words_checked, "calls": report.calls, "flags": flags},
        ensure_ascii=False,
        indent=2,
    )


def report_text(report: CheckReport, name: str) -> str:
    """One line per flag, ``NAME:LINE:COL: "word" (ranked #n): try a, b``, then a summary."""
    lines = []
    for flag in report.flags:
        line, col = _line_col(report.text, flag.start)
        lines.append(f"{name}:{line}:{col}: {flag.message()}")
    count = len(report.flags)
    lines.append(
        f"{report.words_checked} words checked, {count} flagged."
        if count
        else f"{report.words_checked} words checked, nothing flagged."
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Check the text and print the flags."""
    text = read_text_argument(args.source)
    tuned = CheckerThresholds.tuned()
    thresholds = replace(
        tuned,
        keep_rank=tuned.keep_rank if args.keep_rank is None else args.keep_rank,
        margin=tuned.margin if args.margin is None else args.margin,
        min_alternative_log_prob=tuned.min_alternative_log_prob if args.min_alt is None else args.min_alt,
        margin_per_piece=tuned.margin_per_piece if args.margin_per_piece is None else args.margin_per_piece,
    )
    engine = open_engine(args)
    try:
        report = check_text(engine, text, thresholds)
    finally:
        engine.close()
    name = args.source if text is not args.source and args.source != "-" else "text"
    print(report_json(report) if args.json else report_text(report, name))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` subcommand."""
    parser = subparsers.add_parser(
        "check",
        help="flag unlikely words and suggest better ones",
        description="Check a text: flag words the model finds much less likely than an alternative, "
        "with ranked suggestions. Names and numbers are not checked.",
    )
    parser.add_argument(
        "source", metavar="FILE|TEXT", help="a file to check, - for stdin, or the text itself"
    )
    parser.add_argument("--json", action="store_true", help="print the flags as JSON")
    parser.add_argument(
        "--keep-rank",
        type=int,
        metavar="N",
        help="never flag a word the model ranks in its top N (default: tuned)",
    )
    parser.add_argument(
        "--margin",
        type=float,
        metavar="X",
        help="flag when a word is e^X times less likely than another (default: tuned)",
    )
    parser.add_argument(
        "--min-alt",
        type=float,
        metavar="LP",
        help="only suggest words with at least this log-probability (default: tuned)",
    )
    parser.add_argument(
        "--margin-per-piece",
        type=float,
        metavar="Y",
        help="add Y to the margin for each tokenizer piece of the word beyond the first (default: tuned)",
    )
    add_model_arguments(parser)
    parser.set_defaults(func=run)
