"""The command line: ``python -m cloze_app SUBCOMMAND ...``; one module per subcommand.

Each subcommand module defines ``register(subparsers) -> None``, which adds its parser and sets
``func(args) -> int``; :data:`COMMANDS` names them all, in the order ``--help`` shows them.
Options shared by several subcommands live in :mod:`cloze_app.cli._common`; no subcommand
imports another. Only the subcommand that runs is imported (the others' imports cost a start
~50 ms); ``--help`` and a mistyped subcommand import them all.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from cloze_app import __version__
from cloze_app.core.errors import ClozeError

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
COMMANDS: dict[str, str] = {  # subcommand: its module
    "fill": "cloze_app.cli.fill",
    "models": "cloze_app.cli.models",
    "exercise": "cloze_app.cli.exercise",
    "check": "cloze_app.cli.check",
}
SUBCOMMANDS = tuple(COMMANDS)


def register_function(command: str) -> Register:
    """The ``register`` of ``command``'s module (imported now)."""
    register: Register = importlib.import_module(COMMANDS[command]).register
    return register


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser with every subcommand, or with ``only`` that one (the one that runs)."""
    parser = argparse.ArgumentParser(
        prog="cloze",
        description="Cloze: offline fill-in-the-blank with a local masked language model. "
        "Run without arguments to open the window.",
    )
    parser.add_argument("--version", action="version", version=f"cloze {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        if only is None or command == only:
            register_function(command)(subparsers)
    return parser


def run_cli(argv: Sequence[str]) -> int:
    """Parse ``argv`` and run the subcommand; errors print one clear line and return 2."""
    words = list(argv)
    parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(words)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except ClozeError as exc:
        print(f"cloze: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output stopped (``| head``): end quietly, as other tools do; what
        # Python would still flush at exit goes nowhere instead of raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool its pipe closed
