"""Start the desktop app: ``run_app(argv)`` creates the QApplication and the window."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from cloze_app import __version__
from cloze_app.gui.main_window import MainWindow

ICON = Path(__file__).resolve().parent.parent.parent / "assets" / "cloze.svg"


def app_icon() -> QIcon:
    """The window icon (empty when the assets folder is not installed)."""
    return QIcon(str(ICON)) if ICON.exists() else QIcon()


def _optional(module: str) -> Any:
    """Import ``cloze_app.gui.<module>`` if it is installed (None when the file is absent)."""
    try:
        return importlib.import_module(f"cloze_app.gui.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"cloze_app.gui.{module}":
            return None
        raise


def install_extensions(window: MainWindow) -> None:
    """Add the Exercise and Check modes and the Models settings page (each where installed)."""
    modes = _optional("exercise_modes")
    if modes is not None:
        modes.add_exercise_and_check_modes(window)
    models = _optional("models_page")
    if models is not None:
        models.install_models_page(window)  # Settings → Models


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cloze", description="Open the Cloze window.")
    parser.add_argument("file", nargs="?", type=Path, help="a .txt or .md file to open")
    # Qt's own options (-style, -platform …) pass through to QApplication.
    args, _unknown = parser.parse_known_args(argv)
    return args


def run_app(argv: list[str]) -> int:
    """Create the QApplication and the main window, and run the event loop until it closes.

    Args:
        argv: command-line arguments without the program name (an optional file to open).

    Returns:
        The exit status of the event loop.
    """
    args = parse_args(argv)
    QGuiApplication.setApplicationName("Cloze")
    QGuiApplication.setApplicationDisplayName("Cloze")
    QGuiApplication.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName("cloze")
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "cloze", *argv])
    assert isinstance(app, QApplication)
    app.setWindowIcon(app_icon())

    window = MainWindow(open_file=args.file)
    install_extensions(window)
    window.show()
    return int(app.exec())
