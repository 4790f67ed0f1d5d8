"""``cloze fill``: candidates for every blank of a text, or of every line of a JSONL file.

In a JSONL batch every line stands alone: a line that is not UTF-8, not JSON, nested too deeply,
holds a lone surrogate or asks the impossible gets its own ``{"error": ...}`` object and the
next line goes on. The exit status is 1 when any line failed.
"""

from __future__ import annotations

import argparse
import codecs
import json
import re
import sys
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from cloze_app.cli._common import add_model_arguments, open_engine
from cloze_app.core.app.settings import clamp_threads
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.engine.providers import CPU
from cloze_app.core.engine.session import physical_cores
from cloze_app.core.errors import ClozeError, InputError
from cloze_app.core.text import MAX_BLANKS_PER_REQUEST, fill_text, sentence_bounds
from cloze_app.core.types import Blank, BlankResult, Filling, FillResult

if TYPE_CHECKING:
    from concurrent.futures import Future

# fill --jsonl answers this many lines at once (at most; ``--threads`` and the CPUs decide), each
# with its own engine on one session running one thread per call: a line's runs are too small for
# two threads to share one (a 16-token row costs about the same on one thread as on two), so two
# lines on two cores answer nearly twice as many lines per second. Beyond four, the Python part
# of each line (which holds the interpreter's lock) leaves little to gain.
MAX_JSONL_WORKERS = 4
# Lines read ahead of the oldest unanswered one, per worker.
JSONL_AHEAD = 4
# Filling blanks jointly costs more than linearly in their number (a 32-blank text took minutes
# and 800 MB): beyond JOINT_BLANKS a text is filled a few blanks at a time, cut at sentences,
# like the window's requests (MAX_BLANKS_PER_REQUEST).
JOINT_BLANKS = 8


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
    add_model_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the model once, then fill the text or every line of the JSONL file."""
    if (args.text is None) == (args.jsonl is None):
        raise InputError('Give either a TEXT with blanks or --jsonl FILE (see "cloze fill --help").')
    if args.top_k < 1:
        raise InputError("--top-k must be at least 1.")
    if args.jsonl is not None:
        workers = jsonl_workers(args.threads)
        # Several lines at once, each run on one thread of the shared session (see MAX_JSONL_WORKERS).
        engine = open_engine(args, session_threads=1 if workers > 1 else None)
        if engine.provider_report.active != CPU:
            workers = 1  # an accelerator already runs each batch in parallel
        return _run_jsonl(engine, args, workers)
    engine = open_engine(args)
    result = fill_bounded(engine, args.text, args.top_k)
    if args.json:
        print(json.dumps(result_json(result), ensure_ascii=False))
    else:
        _print_human(result, engine)
    return 0


def _groups(text: str, blanks: list[Blank], size: int) -> list[tuple[int, int]]:
    """``(lo, hi)`` pieces of ``text`` holding ``size`` blanks each, cut where a sentence starts."""
    cuts = [0]
    for first in range(size, len(blanks), size):
        before, blank = blanks[first - 1], blanks[first]
        start = sentence_bounds(text, blank.start, blank.end)[0]
        cuts.append(min(max(start, before.end), blank.start))
    return list(zip(cuts, [*cuts[1:], len(text)], strict=True))


def fill_bounded(engine: ClozeEngine, text: str, top_k: int, quiet: bool = False) -> FillResult:
    """``engine.fill``, with a text of more than :data:`JOINT_BLANKS` blanks filled a few blanks
    at a time (time and memory stay bounded; blanks of different pieces do not see each other's
    words, which the message on stderr says)."""
    blanks = engine.find_blanks(text)
    if len(blanks) <= JOINT_BLANKS or len(blanks) > engine.max_blanks:
        return engine.fill(text, top_k=top_k)  # (over the limit: the engine's own clear error)
    if not quiet:
        print(
            f"cloze: {len(blanks)} blanks: filled {MAX_BLANKS_PER_REQUEST} at a time, sentence by sentence, "
            "so blanks far apart do not influence each other.",
            file=sys.stderr,
        )
    results: list[BlankResult] = []
    elapsed, runs, log_prob = 0.0, 0, 0.0
    for lo, hi in _groups(text, blanks, MAX_BLANKS_PER_REQUEST):
        part = engine.fill(text[lo:hi], top_k=top_k, n_fillings=1)
        for found in part.blanks:
            blank = Blank(len(results), found.blank.start + lo, found.blank.end + lo)
            results.append(BlankResult(blank, found.candidates))
        elapsed, runs = elapsed + part.elapsed_ms, runs + part.session_runs
        log_prob += part.fillings[0].log_prob if part.fillings else 0.0
    words = tuple(r.best for r in results)
    filled = fill_text(text, [(r.blank.start, r.blank.end) for r in results], words)
    return FillResult(text, tuple(results), (Filling(words, filled, log_prob),), elapsed, runs)


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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _open_jsonl(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")  # noqa: SIM115 (closed by _lines)
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from exc


def _lines(path: str) -> Iterator[tuple[int, str | UnicodeDecodeError]]:
    """Each non-blank line, decoded on its own: a line that is not UTF-8 comes as its error.

    A UTF-8 byte order mark is dropped; a file starting with a UTF-16 byte order mark is read as
    UTF-16 throughout.
    """
    handle = _open_jsonl(path)
    try:
        head = handle.peek(4)[:4] if hasattr(handle, "peek") else b""
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\0" in head[2:]:
            # UTF-16 throughout (a BOM, then ASCII JSON with its zero bytes); what does not decode
            # becomes U+FFFD, so that line alone fails.
            lines: Iterator[bytes | str] = iter(codecs.getreader("utf-16")(handle, "replace"))
        else:
            lines = iter(handle)
        for number, raw in enumerate(lines, 1):
            if isinstance(raw, bytes):
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                try:
                    line: str | UnicodeDecodeError = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    line = exc
            else:
                line = raw.lstrip("\ufeff") if number == 1 else raw
            if not isinstance(line, str) or line.strip():
                yield number, line
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _item(line: str | UnicodeDecodeError) -> tuple[str, list[str] | None]:
    """The text and options of one JSONL line.

    Raises:
        InputError: saying what is wrong with this line.
    """
    if isinstance(line, UnicodeDecodeError):
        raise InputError(f"the line is not UTF-8 text (byte {line.start}: {line.reason})")
    try:
        item = json.loads(line)
    except RecursionError:
        raise InputError("the line is not usable JSON: it nests too deeply") from None
    except ValueError as exc:
        raise InputError(f"the line is not valid JSON ({str(exc)[:120]})") from None
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise InputError('each line must be a JSON object with a "text" string')
    text = item["text"]
    found = _LONE_SURROGATE.search(text)
    if found:
        raise InputError(
            f'"text" holds a lone surrogate (\\u{ord(found.group()):04x}) at character {found.start()}: '
            "not valid Unicode"
        )
    options = item.get("options")
    if options is not None:
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise InputError('"options" must be a list of strings')
        if not options:
            raise InputError('"options" is empty: give at least one word, or leave "options" out')
        if any(_LONE_SURROGATE.search(o) for o in options):
            raise InputError("an option holds a lone surrogate: not valid Unicode")
    return text, options


def _echo(line: str | UnicodeDecodeError) -> str:
    """The line's text for an error object, printable whatever it held."""
    if isinstance(line, UnicodeDecodeError):
        return ""
    try:
        item = json.loads(line)
    except (ValueError, RecursionError):
        return ""
    text = item.get("text", "") if isinstance(item, dict) else ""
    return _LONE_SURROGATE.sub("\ufffd", text) if isinstance(text, str) else ""


def jsonl_workers(threads: int) -> int:
    """Lines ``fill --jsonl`` answers at once: ``--threads`` (clamped to the CPUs), 0 meaning one
    per physical core as for any other request, at most :data:`MAX_JSONL_WORKERS`."""
    threads = clamp_threads(threads)[0] if threads > 0 else physical_cores()
    return max(1, min(threads, MAX_JSONL_WORKERS))


def _answer(engine: ClozeEngine, number: int, line: str | UnicodeDecodeError, top_k: int) -> tuple[dict, str]:
    """One line's JSON result, and its message for stderr ("" when the line was answered)."""
    try:
        text, options = _item(line)
        if options is not None:
            return options_json(engine, text, options, top_k), ""
        return result_json(fill_bounded(engine, text, top_k, quiet=True)), ""
    except (ClozeError, ValueError, RecursionError) as exc:
        out = {"line": number, "text": _echo(line), "filled": None, "blanks": [], "error": str(exc)}
        return out, f"cloze: line {number}: {exc}"


def _run_jsonl(engine: ClozeEngine, args: argparse.Namespace, workers: int = 1) -> int:
    """Answer every line, in order. With ``workers`` > 1 that many lines are answered at once,
    each by an engine of its own (``engine`` and its twins, one shared session); results are
    still written in the lines' order, each as soon as it and the lines before it are done."""
    failures = 0

    def emit(out: dict, message: str) -> None:
        nonlocal failures
        if message:
            failures += 1
            print(message, file=sys.stderr)
        print(json.dumps(out, ensure_ascii=False), flush=True)

    if workers <= 1:
        for number, line in _lines(args.jsonl):
            emit(*_answer(engine, number, line, args.top_k))
        return 1 if failures else 0
    # Imported here: concurrent.futures brings logging, which a one-text start never needs.
    import queue
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    idle: queue.SimpleQueue[ClozeEngine] = queue.SimpleQueue()
    for each in [engine, *(engine.twin() for _ in range(workers - 1))]:
        idle.put(each)

    def answer(number: int, line: str | UnicodeDecodeError) -> tuple[dict, str]:
        mine = idle.get()
        try:
            return _answer(mine, number, line, args.top_k)
        finally:
            idle.put(mine)

    pending: deque[Future[tuple[dict, str]]] = deque()
    with ThreadPoolExecutor(workers, thread_name_prefix="cloze-jsonl") as pool:
        for number, line in _lines(args.jsonl):
            pending.append(pool.submit(answer, number, line))
            # Lines read ahead are bounded (a long file is not read into memory).
            while pending and (len(pending) >= JSONL_AHEAD * workers or pending[0].done()):
                emit(*pending.popleft().result())
        while pending:
            emit(*pending.popleft().result())
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
