"""The core must run without a display: importing all of it never loads Qt."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import importlib, pkgutil, sys
import cloze_app.core as core
for module in pkgutil.iter_modules(core.__path__):
    importlib.import_module(f"cloze_app.core.{module.name}")
import cloze_app.cli
cloze_app.cli.build_parser()  # imports every subcommand
bad = sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6", "cloze_app.gui")))
print(",".join(bad))
"""


def test_importing_the_core_and_cli_never_imports_qt() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
