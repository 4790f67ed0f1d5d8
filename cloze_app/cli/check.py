"""``cloze check FILE|TEXT [--sensitivity careful|balanced|eager] [--json]``: proofread a text."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, replace

from cloze_app.cli._common import add_model_arguments, open_engine, read_text_argument
from cloze_app.core.errors import InputError
from cloze_app.core.learn.checker import (
    MARGIN_FIELDS,
    CheckerThresholds,
    CheckReport,
    check_text,
    checker_presets,
    default_preset_name,
    find_preset,
)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def report_json(report: CheckReport, sensitivity: str) -> str:
    """The report as JSON: every flag with its span, line/column, kind and ranked suggestions."""
    flags = []
    for flag in report.flags:
        line, col = _line_col(report.text, flag.start)
        entry = asdict(flag)
        entry.update(line=line, column=col)
        flags.append(entry)
    return json.dumps(
        {
            "sensitivity": sensitivity,
            "words_checked": report.words_checked,
            "calls": report.calls,
            "flags": flags,
        },
        ensure_ascii=False,
        indent=2,
    )


def report_text(report: CheckReport, name: str) -> str:
    """One line per flag, ``NAME:LINE:COL: kind: "word": try a (70%), b (20%)``, then a summary."""
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


def _thresholds(args: argparse.Namespace) -> CheckerThresholds:
    """The chosen preset with any ``--margin KIND=X`` overrides."""
    thresholds = find_preset(args.sensitivity).thresholds
    for item in args.margin or []:
        kind, _, value = item.partition("=")
        if kind not in MARGIN_FIELDS or not value:
            raise InputError(
                f"--margin takes KIND=X with KIND one of {', '.join(MARGIN_FIELDS)} (got {item!r})."
            )
        try:
            number = float(value)
        except ValueError as exc:
            raise InputError(f"--margin {item!r}: {value!r} is not a number.") from exc
        thresholds = replace(thresholds, **{kind: number})  # type: ignore[arg-type]
    return thresholds


def run(args: argparse.Namespace) -> int:
    """Check the text and print the flags."""
    text = read_text_argument(args.source)
    thresholds = _thresholds(args)
    engine = open_engine(args)
    try:
        report = check_text(engine, text, thresholds)
    finally:
        engine.close()
    name = args.source if text is not args.source and args.source != "-" else "text"
    preset = find_preset(args.sensitivity).name
    print(report_json(report, preset) if args.json else report_text(report, name))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` subcommand."""
    names = [p.name.lower() for p in checker_presets()]
    parser = subparsers.add_parser(
        "check",
        help="flag spelling, grammar and word-choice errors and suggest fixes",
        description="Check a text: compare each word with the words a writer may have meant (its other "
        "forms, spelling neighbours, commonly confused words, a missing or extra article or preposition) "
        "and flag it when the model finds one clearly more likely, with ranked fixes. Names and numbers "
        "are not checked.",
    )
    parser.add_argument(
        "source", metavar="FILE|TEXT", help="a file to check, - for stdin, or the text itself"
    )
    parser.add_argument("--json", action="store_true", help="print the flags as JSON")
    parser.add_argument(
        "--sensitivity",
        type=str.lower,
        choices=names,
        default=default_preset_name().lower(),
        help=f"how eager the checker is (default: {default_preset_name().lower()}); "
        "what careful flags, balanced and eager flag too",
    )
    parser.add_argument(
        "--margin",
        action="append",
        metavar="KIND=X",
        help=f"override one margin of the preset (natural log); KIND is one of {', '.join(MARGIN_FIELDS)}",
    )
    add_model_arguments(parser)
    parser.set_defaults(func=run)
