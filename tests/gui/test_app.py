"""run_app: the entry the ``cloze`` command uses opens the window and returns when it closes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from cloze_app.gui.app import run_app
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
