"""GUI fixtures: a main window on a tiny model, with config and data in the test's tmp dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from cloze_app.core.app.settings import Settings  # noqa: E402
from cloze_app.gui.main_window import MainWindow  # noqa: E402

WindowFactory = Callable[..., MainWindow]
LOAD_TIMEOUT_MS = 60_000


@pytest.fixture
def make_window(qtbot, tiny_model_dir: Path) -> WindowFactory:  # type: ignore[no-untyped-def]
    """Build a shown MainWindow; by default on the tiny WordPiece model, fast debounce."""

    def make(settings: Settings | None = None, wait_for_model: bool = True, **kwargs: object) -> MainWindow:
        settings = settings or Settings(model=str(tiny_model_dir), debounce_ms=20)
        window = MainWindow(settings=settings, **kwargs)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.show()
        if wait_for_model:
            qtbot.waitUntil(lambda: window.service.status is not None, timeout=LOAD_TIMEOUT_MS)
        return window

    return make


def type_text(qtbot, window: MainWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    """Replace the document with nothing, then type ``text`` key by key like a user."""
    window.editor.setPlainText("")
    window.editor.setFocus()
    qtbot.keyClicks(window.editor, text)


def wait_for_words(qtbot, window: MainWindow, timeout: int = LOAD_TIMEOUT_MS) -> list[str]:  # type: ignore[no-untyped-def]
    """Wait until the panel lists suggestions; returns the words, best first."""

    def ready() -> bool:
        settled = window.suggestions.settled and window.suggestions.target is not None
        return settled and window.panel.candidates.words.rowCount() > 0

    qtbot.waitUntil(ready, timeout=timeout)
    return [row.word for row in window.panel.candidates.words.rows()]
