"""``cloze fill``: candidates for every blank of a text, or of every line of a JSONL file."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.errors import ClozeError, InputError
from cloze_app.core.models.registry import ModelRegistry
from cloze_app.core.text import fill_text
from cloze_app.core.types import FillResult


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fill`` subcommand."""
    parser = subparsers.add_parser(
        "fill",
        help="suggest words for the blanks (___) in a text",
        description="Print ranked whole-word candidates for every blank and the best filled text.",
    )
    parser.add_argument("text", nargs="?", help='text with blanks, e.g. "I drink ___ every morning."')
    parser.add_argument(
        "--jsonl",
        metavar="FILE",
        help="read one JSON object per line ({text, options?}); "
        "write one result per line to stdout ('-' reads standard input)",
    )
    parser.add_argument(
        "--top-k", type=int, default=10, metavar="K", help="candidates per blank (default 10)"
    )
    parser.add_argument(
        "--model", metavar="ID|PATH", help="installed model id or model folder (default: bundled)"
    )
    parser.add_argument("--provider", metavar="NAME", help="execution provider, e.g. CPU, CUDA, DirectML")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: onnxruntime decides)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the model once, then fill the text or every line of the JSONL file."""
    if (args.text is None) == (args.jsonl is None):
        raise InputError('Give either a TEXT with blanks or --jsonl FILE (see "cloze fill --help").')
    if args.top_k < 1:
        raise InputError("--top-k must be at least 1.")
    engine = ClozeEngine.load(
        ModelRegistry().resolve(args.model), provider=args.provider, threads=args.threads
    )
    report = engine.provider_report
    if report.fallback_reason:
        print(f"cloze: {report.fallback_reason}", file=sys.stderr)
    if args.jsonl is not None:
        return _run_jsonl(engine, args)
    result = engine.fill(args.text, top_k=args.top_k)
    if args.json:
        print(json.dumps(result_json(result), ensure_ascii=False))
    else:
        _print_human(result, engine)
    return 0


def result_json(result: FillResult) -> dict[str, Any]:
    """The JSON shape scripts and the quality harness rely on."""
    blanks = [
        {
            "start": blank.blank.start,
            "end": blank.blank.end,
            "candidates": [
                {"word": c.word, "score": c.score, "log_prob": c.log_prob} for c in blank.candidates
            ],
        }
        for blank in result.blanks
    ]
    return {"text": result.text, "filled": result.filled, "blanks": blanks}


def options_json(engine: ClozeEngine, text: str, options: list[str], top_k: int) -> dict[str, Any]:
    """Like :func:`result_json`, with the first blank's candidates being exactly the options."""
    scored = engine.score_options(text, options)
    blanks = engine.find_blanks(text)
    first = {
        "start": blanks[0].start,
        "end": blanks[0].end,
        "candidates": [{"word": o.option, "score": o.score, "log_prob": o.log_prob} for o in scored],
    }
    if len(blanks) == 1:
        return {"text": text, "filled": scored[0].text, "blanks": [first]}
    out = result_json(engine.fill(text, top_k=top_k))
    words = [b["candidates"][0]["word"] if b["candidates"] else "" for b in out["blanks"]]
    words[0] = scored[0].option
    out["blanks"][0] = first
    out["filled"] = fill_text(text, [(b.start, b.end) for b in blanks], words)
    return out


def _lines(path: str) -> Iterator[tuple[int, str]]:
    if path == "-":
        yield from _numbered(sys.stdin)
        return
    try:
        with Path(path).open(encoding="utf-8") as handle:
            yield from _numbered(handle)
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from exc


def _numbered(handle: TextIO) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(handle, 1):
        if line.strip():
            yield number, line


def _run_jsonl(engine: ClozeEngine, args: argparse.Namespace) -> int:
    failures = 0
    for number, line in _lines(args.jsonl):
        item: Any = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise InputError('each line must be a JSON object with a "text" string')
            options = item.get("options")
            if options is not None and (
                not isinstance(options, list) or not all(isinstance(o, str) for o in options)
            ):
                raise InputError('"options" must be a list of strings')
            if options:
                out = options_json(engine, item["text"], options, args.top_k)
            else:
                out = result_json(engine.fill(item["text"], top_k=args.top_k))
        except (ClozeError, json.JSONDecodeError) as exc:
            failures += 1
            print(f"cloze: line {number}: {exc}", file=sys.stderr)
            out = {
                "text": item.get("text", "") if isinstance(item, dict) else "",
                "filled": None,
                "blanks": [],
                "error": str(exc),
            }
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 1 if failures else 0


def _print_human(result: FillResult, engine: ClozeEngine) -> None:
    for blank in result.blanks:
        print(f"Blank {blank.blank.index + 1} (characters {blank.blank.start}-{blank.blank.end}):")
        for rank, candidate in enumerate(blank.candidates, 1):
            bar = "█" * max(1, round(candidate.score * 20))
            print(f"  {rank:2}. {candidate.word:<20} {candidate.score * 100:5.1f}%  {bar}")
    print()
    print(f"Best: {result.filled}")
    for filling in result.fillings[1:]:
        print(f"  or: {filling.text}")
    report = engine.provider_report
    print(
        f"({engine.info.name} on {report.active}, {result.elapsed_ms:.0f} ms, "
        f"{result.session_runs} model runs)",
        file=sys.stderr,
    )
