"""Start the desktop app: ``run_app(argv)`` creates the QApplication and the window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QWidget

from cloze_app import __version__
from cloze_app.core.paths import asset_path
from cloze_app.gui import preload
from cloze_app.gui.exercise_modes import add_exercise_and_check_modes, add_exercise_and_check_modes_on_demand
from cloze_app.gui.main_window import MainWindow

if TYPE_CHECKING:
    from cloze_app.gui.settings_dialog import SettingsDialog

ICON = asset_path("cloze.svg")


def install_models_page(window: MainWindow) -> None:
    """Settings → Models (its module, which brings onnxruntime, is imported when a dialog opens)."""

    def factory(dialog: SettingsDialog) -> QWidget:
        from cloze_app.gui.models_page import models_page_for

        return models_page_for(dialog)

    window.add_settings_page(factory, "&Models")


# Every mode and settings page beyond Write and General, in the order they appear.
EXTENSIONS: tuple[Callable[[MainWindow], object], ...] = (
    add_exercise_and_check_modes,  # the Exercise and Check tabs
    install_models_page,  # Settings → Models
)
# The same, as the app's start installs them: each tab built the first time it is shown.
EXTENSIONS_ON_DEMAND: tuple[Callable[[MainWindow], object], ...] = (
    add_exercise_and_check_modes_on_demand,
    install_models_page,
)


def app_icon() -> QIcon:
    """The window icon (package data; empty if a packager left it out)."""
    return QIcon(str(ICON)) if ICON.exists() else QIcon()


def install_extensions(window: MainWindow, *, on_demand: bool = False) -> None:
    """Add the Exercise and Check modes and the Models settings page (``on_demand``: each mode's
    panel is built, and its modules imported, when its tab is first shown)."""
    for install in EXTENSIONS_ON_DEMAND if on_demand else EXTENSIONS:
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
    preload.start()  # (python -m cloze_app started it before importing Qt)
    QGuiApplication.setApplicationName("Cloze")
    QGuiApplication.setApplicationDisplayName("Cloze")
    QGuiApplication.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName("cloze")
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "cloze", *argv])
    assert isinstance(app, QApplication)
    app.setWindowIcon(app_icon())

    window = MainWindow(open_file=args.file)
    install_extensions(window, on_demand=True)
    window.show()
    return int(app.exec())
