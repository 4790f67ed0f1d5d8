"""Kill the app (SIGKILL, no chance to clean up) and check the typed text comes back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cloze_app.core.app.autosave import AutosaveStore, autosave_path
from cloze_app.core.app.settings import Settings

REPO = Path(__file__).resolve().parents[2]
TYPED = "A draft nobody saved: the ___ sat on the mat."

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from cloze_app.core.app.autosave import AutosaveStore
    from cloze_app.core.app.settings import Settings
    from cloze_app.gui.main_window import MainWindow

    app = QApplication([])
    window = MainWindow(settings=Settings(model=sys.argv[1]))
    window.show()
    window.editor.selectAll()
    QTest.keyClicks(window.editor, sys.argv[2])

    def kill_once_saved():
        saved = AutosaveStore().load()
        if saved is not None and saved.text == sys.argv[2]:
            os.kill(os.getpid(), signal.SIGKILL)  # no closeEvent, no atexit, nothing

    timer = QTimer()
    timer.timeout.connect(kill_once_saved)
    timer.start(50)
    QTimer.singleShot(60_000, lambda: sys.exit(3))
    app.exec()
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_text_typed_before_a_kill_is_restored(qtbot, make_window, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tiny_model_dir), TYPED],
        env=env,
        cwd=REPO,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode(errors="replace")
    snapshot = AutosaveStore(autosave_path()).load()
    assert snapshot is not None and not snapshot.closed_cleanly

    window = make_window(Settings(model=str(tiny_model_dir), debounce_ms=20))
    assert window.editor.text() == TYPED
    assert window.editor.document().isModified()
    assert "restored" in window.message_bar.text()
    assert window.editor.textCursor().position() == len(TYPED)


def test_two_windows_each_get_their_own_text_back_after_a_crash(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    first, second = make_window(), make_window()
    assert first.document.store.path != second.document.store.path
    texts = {first: "the first window's ___ draft", second: "the second window's ___ draft"}
    for window, text in texts.items():
        window.editor.setPlainText(text)
        window.document.autosave()
        window.document.store.flush()
    # The crash: both die without closing; the OS drops their slot locks, nothing else happens.
    for window in texts:
        window.document.store.close()
    third, fourth = make_window(), make_window()
    assert {third.editor.text(), fourth.editor.text()} == set(texts.values())
    assert "restored" in third.message_bar.text() and "restored" in fourth.message_bar.text()


def test_a_second_window_never_takes_the_text_of_one_still_open(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    first = make_window()
    first.editor.setPlainText("still being typed in the first window")
    first.document.autosave()
    first.document.store.flush()
    second = make_window()
    assert second.editor.text() != first.editor.text()
    assert "restored" not in second.message_bar.text()
