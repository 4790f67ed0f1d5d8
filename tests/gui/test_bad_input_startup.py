"""The window always starts: a broken settings file, an unusable path in it, a broken model folder
or a config folder that cannot be created give defaults and a message, never a crash."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from cloze_app.core import paths
from cloze_app.core.app.settings import settings_path
from cloze_app.core.engine.manifest import MANIFEST_NAME
from cloze_app.gui.main_window import MainWindow


def shown(window: MainWindow, words: str) -> bool:
    return words in window.message_bar.accessibleDescription()  # the plain text of every message


def start(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow()  # reads the settings from the config folder, as at a real start
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 100_000 + b"]" * 100_000,
        json.dumps({"last_document": "/" + "x" * 5000}).encode(),
        json.dumps({"model": "m" * 5000, "threads": 1e9}).encode(),
        b'{"top_k": ' + b"9" * 5000 + b"}",
    ],
    ids=["deep nesting", "5,000-character last document", "5,000-character model", "5,000 digits"],
)
def test_a_broken_settings_file_starts_with_defaults_and_a_message(qtbot, content: bytes) -> None:  # type: ignore[no-untyped-def]
    settings_path().write_bytes(content)
    window = start(qtbot)
    assert shown(window, "settings") or shown(window, "Settings")
    assert len(window.settings.last_document) < 5000 and len(window.settings.model) < 5000


def test_a_config_folder_that_cannot_be_created_still_starts(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CLOZE_CONFIG_DIR", str(blocker / "config"))
    window = start(qtbot)
    window.update_settings(top_k=7)  # saving fails: a message, no exception
    assert shown(window, "could not be saved")
    assert window.close()


def test_a_broken_model_folder_is_named_and_skipped(qtbot, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    folder = paths.user_models_dir() / "broken"
    shutil.copytree(tiny_model_dir, folder)
    (folder / MANIFEST_NAME).write_text('{"format": "one", "id": "broken"}')
    window = start(qtbot)
    assert shown(window, "Skipped 1 model folder") and shown(window, "broken")


def test_a_default_model_removed_since_falls_back_with_a_message(  # type: ignore[no-untyped-def]
    qtbot, tiny_model_dir: Path
) -> None:
    from cloze_app.core.app.settings import Settings, save_settings

    shutil.copytree(tiny_model_dir, paths.user_models_dir() / "tiny-wp")
    save_settings(Settings(model="removed-model"))
    window = start(qtbot)
    assert shown(window, "'removed-model' is no longer installed")
    qtbot.waitUntil(lambda: window.service.status is not None, timeout=60_000)


def test_a_data_folder_that_cannot_be_created_still_starts_and_says_autosave_fails(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CLOZE_DATA_DIR", str(blocker / "data"))
    window = start(qtbot)
    window.editor.insertPlainText("typed")
    window.document.autosave()
    qtbot.waitUntil(lambda: shown(window, "could not be autosaved"), timeout=10_000)
    monkeypatch.setattr(QMessageBox, "warning", lambda *_a, **_k: QMessageBox.StandardButton.Discard)
    assert window.close()
