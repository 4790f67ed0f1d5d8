"""run_app: the entry the ``cloze`` command uses opens the window and returns when it closes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from cloze_app.gui.app import install_extensions, run_app
from cloze_app.gui.main_window import MainWindow


def test_run_app_opens_a_file_and_returns_when_the_window_closes(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document = tmp_path / "story.txt"
    document.write_text("Once upon a ___.", encoding="utf-8")
    seen: list[str] = []

    def close_windows() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                seen.append(widget.editor.text())
                widget.close()

    QTimer.singleShot(300, close_windows)
    assert run_app([str(document)]) == 0
    assert seen == ["Once upon a ___."]


def test_the_other_modes_and_the_models_page_are_installed(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    install_extensions(window)
    titles = [window.modes.tabText(i) for i in range(window.modes.count())]
    assert titles[0] == "&Write"
    assert {"E&xercise", "&Check"} <= set(titles)
    assert not window.modes.tabBar().isHidden()
    dialog = window.open_settings()
    pages = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert pages[0] == "&General" and "&Models" in pages
    dialog.reject()


def test_the_window_icon_is_package_data(qtbot) -> None:  # type: ignore[no-untyped-def]
    from cloze_app.core.paths import asset_path
    from cloze_app.gui.app import app_icon

    assert asset_path("cloze.svg").is_file()
    assert asset_path("cloze.svg").parent.parent.name == "cloze_app"  # inside the package, not the repo
    assert not app_icon().isNull()
