"""The command line: ``python -m cloze_app SUBCOMMAND ...``; one module per subcommand.

Each module ``cloze_app/cli/<name>.py`` named in SUBCOMMANDS defines
``register(subparsers) -> None``, which adds its parser and sets ``func(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cloze_app import __version__
from cloze_app.core.errors import ClozeError

SUBCOMMANDS = ("fill", "models", "exercise", "check")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand that is installed."""
    parser = argparse.ArgumentParser(
        prog="cloze",
        description="Cloze: offline fill-in-the-blank with a local masked language model. "
        "Run without arguments to open the window.",
    )
    parser.add_argument("--version", action="version", version=f"cloze {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"cloze_app.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"cloze_app.cli.{name}":
                continue
            raise
        module.register(subparsers)
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
