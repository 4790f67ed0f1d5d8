"""Start the desktop app: ``run_app(argv)`` creates the QApplication and the window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from cloze_app import __version__
from cloze_app.core.paths import asset_path
from cloze_app.gui.exercise_modes import add_exercise_and_check_modes
from cloze_app.gui.main_window import MainWindow
from cloze_app.gui.models_page import install_models_page

ICON = asset_path("cloze.svg")

# Every mode and settings page beyond Write and General, in the order they appear.
EXTENSIONS: tuple[Callable[[MainWindow], object], ...] = (
    add_exercise_and_check_modes,  # the Exercise and Check tabs
    install_models_page,  # Settings → Models
)


def app_icon() -> QIcon:
    """The window icon (package data; empty if a packager left it out)."""
    return QIcon(str(ICON)) if ICON.exists() else QIcon()


def install_extensions(window: MainWindow) -> None:
    """Add the Exercise and Check modes and the Models settings page."""
    for install in EXTENSIONS:
        install(window)


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
