"""The window's start (issue 14): the model loads from the first moment, in a plain thread, and
the Exercise and Check panels are built when their tabs are first shown."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from cloze_app.core.app.settings import Settings, save_settings
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.errors import ModelError
from cloze_app.gui import preload
from cloze_app.gui.app import install_extensions
from cloze_app.gui.check_panel import CheckPanel
from cloze_app.gui.exercise_panel import ExercisePanel
from cloze_app.gui.on_demand import OnDemand
from cloze_app.gui.worker import default_loader
from tests.gui.conftest import LOAD_TIMEOUT_MS, wait_for_words

CPU = Settings().provider


@pytest.fixture(autouse=True)
def _no_preload_left() -> object:
    yield
    preload.take(Path("/"), None, 0)  # whatever a test left pending is dropped


def test_the_preloaded_engine_is_the_one_the_window_loads(tiny_model_dir: Path) -> None:
    save_settings(Settings(model=str(tiny_model_dir), threads=1))
    preload.start()
    assert preload.pending()
    engine = preload.take(tiny_model_dir, CPU, 1)
    assert engine is not None and engine.info.id == "tiny-wp"
    assert engine.fill("The ___ sat.").blanks[0].candidates[0].word == "cat"
    assert not preload.pending() and preload.take(tiny_model_dir, CPU, 1) is None  # only once


def test_a_preload_of_another_model_or_thread_count_is_not_used(tiny_model_dir: Path) -> None:
    save_settings(Settings(model=str(tiny_model_dir), threads=1))
    preload.start()
    assert preload.take(tiny_model_dir, CPU, 2) is None
    loaded = default_loader(tiny_model_dir, CPU, 2)  # the window's own load, as before
    assert loaded.info.id == "tiny-wp"


def test_the_window_loader_takes_the_preload(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_settings(Settings(model=str(tiny_model_dir)))
    real = ClozeEngine.load.__func__  # type: ignore[attr-defined]
    loads: list[str] = []

    def counting(cls: type[ClozeEngine], *args: Any, **kwargs: Any) -> ClozeEngine:
        loads.append(threading.current_thread().name)
        return real(cls, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(ClozeEngine, "load", classmethod(counting))
    preload.start()
    engine = default_loader(tiny_model_dir, CPU, 0)  # waits for the preload; loads nothing itself
    assert engine.info.id == "tiny-wp"
    assert loads == ["cloze-preload"] and not preload.pending()


def test_a_damaged_model_fails_the_window_load_with_the_usual_error(tiny_model_dir: Path) -> None:
    with (tiny_model_dir / "model.onnx").open("ab") as handle:
        handle.write(b"\0")
    save_settings(Settings(model=str(tiny_model_dir)))
    preload.start()
    with pytest.raises(ModelError, match=r"model\.onnx .*SHA-256"):
        default_loader(tiny_model_dir, CPU, 0)


def test_a_model_that_is_gone_leaves_the_window_to_say_so(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    save_settings(Settings(model=str(tmp_path / "nowhere")))
    preload.start()
    window = make_window(Settings(model=str(tmp_path / "nowhere")), wait_for_model=False)
    qtbot.waitUntil(lambda: window.message_bar.level == "error", timeout=LOAD_TIMEOUT_MS)
    assert "nowhere" in window.message_bar.text()
    assert not preload.pending()


def test_the_other_tabs_are_built_when_first_shown(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    install_extensions(window, on_demand=True)
    titles = [window.modes.tabText(i) for i in range(window.modes.count())]
    assert titles == ["&Write", "E&xercise", "&Check"]
    holders = [window.modes.widget(i) for i in (1, 2)]
    assert all(isinstance(h, OnDemand) and not h.is_built for h in holders)

    window.modes.setCurrentIndex(2)
    qtbot.waitUntil(lambda: holders[1].is_built)
    check = window.mode_widget(2)
    assert isinstance(check, CheckPanel) and check.isVisible()
    assert not holders[0].is_built
    window.update_settings(check_sensitivity="Careful")
    assert check.sensitivity.currentData() == "Careful"

    window.update_settings(font_size=17)  # before the Exercise panel exists
    exercise = window.mode_widget(1)
    assert isinstance(exercise, ExercisePanel)
    assert exercise.source.font().pointSize() == 17
    window.update_settings(font_size=15)
    assert exercise.source.font().pointSize() == 15


def test_suggestions_come_with_the_tabs_on_demand(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    install_extensions(window, on_demand=True)
    window.editor.setPlainText("The ___ sat on the mat.")
    assert wait_for_words(qtbot, window)[0] == "cat"
    QApplication.processEvents()
    assert not any(window.modes.widget(i).is_built for i in (1, 2))  # type: ignore[attr-defined]


def test_a_preload_that_cannot_even_read_the_settings_never_holds_the_window_up(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cloze_app.core.app.settings as settings_module

    def broken() -> None:
        raise ValueError("unexpected")

    monkeypatch.setattr(settings_module, "load_settings", broken)
    preload.start()
    assert preload.take(tiny_model_dir, CPU, 0) is None
    assert default_loader(tiny_model_dir, CPU, 0).info.id == "tiny-wp"


def test_start_returns_once_the_engine_modules_are_imported(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller imports Qt after start(): PySide6's import hook would read the source of every
    module the preload imports after that."""
    (tmp_path / "slow_engine_module.py").write_text("import time\ntime.sleep(0.3)\nDONE = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(preload, "ENGINE_MODULES", ("slow_engine_module", *preload.ENGINE_MODULES))
    save_settings(Settings(model=str(tiny_model_dir), threads=1))
    preload.start()
    assert getattr(sys.modules.get("slow_engine_module"), "DONE", False)
    engine = preload.take(tiny_model_dir, CPU, 1)
    assert engine is not None and engine.info.id == "tiny-wp"


def test_a_module_that_fails_to_import_does_not_stop_the_preload(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(preload, "ENGINE_MODULES", ("no_such_module_for_cloze", *preload.ENGINE_MODULES))
    save_settings(Settings(model=str(tiny_model_dir), threads=1))
    preload.start()
    engine = preload.take(tiny_model_dir, CPU, 1)
    assert engine is not None and engine.info.id == "tiny-wp"
