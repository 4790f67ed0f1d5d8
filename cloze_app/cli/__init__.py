"""The command line: ``python -m cloze_app SUBCOMMAND ...``; one module per subcommand.

Each subcommand module defines ``register(subparsers) -> None``, which adds its parser and sets
``func(args) -> int``; :data:`COMMANDS` lists them all, in the order ``--help`` shows them.
Options shared by several subcommands live in :mod:`cloze_app.cli._common`; no subcommand
imports another.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from cloze_app import __version__
from cloze_app.cli import check, exercise, fill, models
from cloze_app.core.errors import ClozeError

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
COMMANDS: dict[str, Register] = {
    "fill": fill.register,
    "models": models.register,
    "exercise": exercise.register,
    "check": check.register,
}
SUBCOMMANDS = tuple(COMMANDS)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cloze",
        description="Cloze: offline fill-in-the-blank with a local masked language model. "
        "Run without arguments to open the window.",
    )
    parser.add_argument("--version", action="version", version=f"cloze {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMANDS.values():
        register(subparsers)
    return parser


def run_cli(argv: Sequence[str]) -> int:
    """Parse ``argv`` and run the subcommand; errors print one clear line and return 2."""
    parser = build_parser()
    args = parser.parse_args(list(argv))
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
