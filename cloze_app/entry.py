"""The one ``main() -> int`` behind ``python -m cloze_app``, ``main.py`` and the ``cloze`` script."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def limit_blas_threads() -> None:
    """One OpenBLAS thread, unless the user's environment says otherwise; call before numpy loads.

    Importing numpy starts an OpenBLAS thread per core, and each spins for a while waiting for
    work: ~70 ms of CPU at every start on a 2-core machine, taken from Qt's start and the model's
    load. Cloze does no BLAS work when it fills or checks (onnxruntime has threads of its own).
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main(argv: Sequence[str] | None = None) -> int:
    """Open the window when called without a subcommand; otherwise run the command line."""
    limit_blas_threads()
    args = list(sys.argv[1:] if argv is None else argv)
    from cloze_app.cli import SUBCOMMANDS, run_cli

    if args and (args[0] in SUBCOMMANDS or args[0] in ("-h", "--help", "--version")):
        return run_cli(args)
    from cloze_app.gui import preload

    preload.start()  # the model loads while Qt starts and the window is built
    from cloze_app.gui.app import run_app

    return run_app(args)
