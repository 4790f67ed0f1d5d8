"""The one ``main() -> int`` behind ``python -m cloze_app``, ``main.py`` and the ``cloze`` script."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Open the window when called without a subcommand; otherwise run the command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    from cloze_app.cli import SUBCOMMANDS, run_cli

    if args and (args[0] in SUBCOMMANDS or args[0] in ("-h", "--help", "--version")):
        return run_cli(args)
    from cloze_app.gui import preload

    preload.start()  # the model loads while Qt starts and the window is built
    from cloze_app.gui.app import run_app

    return run_app(args)
