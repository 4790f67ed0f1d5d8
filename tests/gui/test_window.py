"""The window as a whole: providers, broken models and settings, restarts, settings dialog, hooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from cloze_app.core import paths
from cloze_app.core.app.settings import Settings, load_settings
from cloze_app.core.engine.providers import available_providers
from cloze_app.gui.settings_dialog import SettingsDialog
from tests.gui.conftest import LOAD_TIMEOUT_MS, type_text, wait_for_words

MISSING_PROVIDER = "CUDAExecutionProvider"


def _broken_model(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "cloze-model.json").write_text("{ this is not json", encoding="utf-8")
    return folder


def _wait_for_message(qtbot, window, level: str) -> str:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(
        lambda: window.message_bar.level == level and bool(window.message_bar.text()), timeout=LOAD_TIMEOUT_MS
    )
    return str(window.message_bar.text())


@pytest.mark.skipif(MISSING_PROVIDER in available_providers(), reason="this onnxruntime build has CUDA")
def test_choosing_an_unavailable_provider_says_so_and_runs_on_cpu(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    dialog = window.open_settings()
    combo = dialog.general.provider
    row = combo.findData(MISSING_PROVIDER)
    assert row >= 0
    assert not combo.model().item(row).isEnabled()  # shown, but greyed out
    assert "onnxruntime" in combo.itemData(row, Qt.ItemDataRole.ToolTipRole)
    # A settings file may still name it (hand-edited, or copied from a machine with a GPU).
    dialog.general.select_provider(MISSING_PROVIDER)
    dialog.apply()
    text = _wait_for_message(qtbot, window, "warning")
    assert "CPU" in text and "CUDA" in text
    assert window.status.provider.text() == "Running on: CPU"
    type_text(qtbot, window, "the ___ sat")
    assert wait_for_words(qtbot, window)[0] == "cat"
    assert load_settings()[0].provider == MISSING_PROVIDER  # the choice is kept for when it works


def test_the_provider_list_offers_only_local_providers_by_readable_name(
    qtbot, make_window, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import onnxruntime as ort

    monkeypatch.setattr(
        ort, "get_available_providers", lambda: ["AzureExecutionProvider", "CPUExecutionProvider"]
    )
    window = make_window()
    dialog = window.open_settings()
    combo = dialog.general.provider
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels[0] == "CPU"
    assert "CUDA (NVIDIA GPU) (not available)" in labels
    assert not any("Azure" in label or "ExecutionProvider" in label for label in labels)
    note = dialog.general.findChild(QLabel, "providersNotOffered")
    assert note is not None and "Azure" in note.text() and "cloud" in note.text()
    dialog.reject()


def test_a_broken_model_folder_shows_an_error_and_the_app_keeps_running(
    qtbot, make_window, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    broken = _broken_model(tmp_path / "broken-model")
    window = make_window(Settings(model=str(broken), debounce_ms=20), wait_for_model=False)
    text = _wait_for_message(qtbot, window, "error")
    assert str(broken) in text and "Settings" in text
    assert window.message_bar.action.isVisible()
    assert window.service.status is None
    type_text(qtbot, window, "still typing ___ fine")
    assert window.editor.text() == "still typing ___ fine"


def test_switching_to_a_broken_model_keeps_the_old_one_serving(
    qtbot, make_window, tmp_path: Path, tiny_model_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "the ___ sat")
    wait_for_words(qtbot, window)
    broken = _broken_model(tmp_path / "broken-model")
    window.apply_settings(Settings(model=str(broken), debounce_ms=20))
    text = _wait_for_message(qtbot, window, "error")
    assert "Still using Tiny wordpiece model" in text
    window.editor.setPlainText("a ___ barked")
    assert wait_for_words(qtbot, window)[0] == "dog"
    window.apply_settings(Settings(model=str(tiny_model_dir), debounce_ms=20))
    qtbot.waitUntil(lambda: window.message_bar.text() == "", timeout=LOAD_TIMEOUT_MS)


def test_a_broken_settings_file_falls_back_to_defaults_with_a_message(
    qtbot, make_window, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CLOZE_BUNDLED_MODELS", str(tiny_model_dir.parent))
    (paths.config_dir() / "settings.json").write_text('{"top_k": 3, oops', encoding="utf-8")
    settings, warning = load_settings()
    window = make_window(settings, settings_warning=warning)
    text = window.message_bar.text()
    assert "could not be read" in text and "defaults" in text
    assert window.settings == Settings()
    assert (paths.config_dir() / "settings.json.broken").exists()
    assert wait_for_words(qtbot, window)  # the default model (here: the only one installed) works


def test_settings_dialog_lists_models_with_details(qtbot, make_window, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    dialog = window.open_settings()
    item = dialog.general.models.currentItem()
    assert item is not None
    columns = [dialog.general.models.headerItem().text(i) for i in range(item.columnCount())]
    shown = dict(zip(columns, [item.text(i) for i in range(item.columnCount())], strict=True))
    assert shown["Size"].endswith("fp32") and shown["Languages"] == "en" and shown["License"] == "CC0-1.0"
    assert shown["Speed"] == "not measured" and shown["Quality"] == "not evaluated"
    dialog.general.top_k.setValue(4)
    dialog.accept()
    qtbot.waitUntil(lambda: window.panel.candidates.words.rowCount() == 4, timeout=LOAD_TIMEOUT_MS)
    assert load_settings()[0].top_k == 4


def test_unsaved_text_survives_a_normal_restart(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "draft with a ___ in it")
    window.close()
    again = make_window()
    assert again.editor.text() == "draft with a ___ in it"
    assert again.message_bar.text() == ""  # a clean exit needs no apology


def test_window_geometry_and_last_document_survive_a_restart(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document = tmp_path / "notes.md"
    document.write_text("# Notes\n\nThe ___ sat.\n", encoding="utf-8")
    window = make_window()
    assert window.document.open_path(document)
    window.resize(700, 455)
    window.close()
    assert load_settings()[0].last_document == str(document)
    again = make_window()
    assert again.document.path == document
    assert again.editor.text() == "# Notes\n\nThe ___ sat.\n"
    assert (again.width(), again.height()) == (700, 455)
    assert str(document) in again.document.recent_files()
    assert "notes.md" in again.windowTitle()


def test_save_writes_the_file_and_clears_the_modified_mark(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    type_text(qtbot, window, "saved ___ text")
    assert window.windowTitle().startswith("*")
    target = tmp_path / "out.txt"
    assert window.document.save_to(target)
    assert target.read_text(encoding="utf-8") == "saved ___ text"
    assert not window.windowTitle().startswith("*")


def test_other_modes_and_settings_pages_plug_in(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    assert window.modes.tabBar().isHidden()  # one mode: no tab bar
    index = window.add_mode(QLabel("practice"), "E&xercise")
    assert window.modes.tabText(index) == "E&xercise"
    assert not window.modes.tabBar().isHidden()

    class Page(QWidget):
        def apply_to(self, settings: Settings) -> Settings:
            return Settings(**{**settings.__dict__, "font_size": 17})

    window.add_settings_page(lambda dialog: Page(dialog), "Models")
    dialog = window.open_settings()
    assert isinstance(dialog, SettingsDialog)
    assert dialog.tabs.tabText(dialog.tabs.count() - 1) == "Models"
    dialog.accept()
    assert window.settings.font_size == 17

    results: list[object] = []
    window.service.submit(
        "mine",
        lambda engine, text: engine.fill(text).fillings[0].words,
        "the ___ sat",
        on_result=results.append,
    )
    qtbot.waitUntil(lambda: bool(results), timeout=LOAD_TIMEOUT_MS)
    assert results == [("cat",)]


def test_the_settings_file_is_plain_json(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.apply_settings(Settings(model=window.settings.model, font_size=14, debounce_ms=20))
    data = json.loads((paths.config_dir() / "settings.json").read_text(encoding="utf-8"))
    assert data["font_size"] == 14


def test_a_busy_indicator_shows_while_the_model_loads(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(wait_for_model=False)
    assert window.status.busy.isVisible()
    assert window.status.model.text().startswith("Loading")
    qtbot.waitUntil(lambda: window.service.status is not None, timeout=LOAD_TIMEOUT_MS)
    assert not window.status.busy.isVisible()
    assert window.status.model.text() == "Model: Tiny wordpiece model"
