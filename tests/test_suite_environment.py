"""The suite touches only temporary folders: every cache, config and data folder points there."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs
import pytest

from cloze_app.core import paths
from tests.conftest import HOME_VARIABLES, REAL_HOME, SESSION_HOME


def _inside(path: Path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def test_home_and_every_cache_config_and_data_folder_are_temporary() -> None:
    temp_root = Path(tempfile.gettempdir())
    folders = {name: Path(os.environ[name]) for name in HOME_VARIABLES}
    folders |= {
        "Path.home()": Path.home(),
        "platformdirs config": platformdirs.user_config_path("cloze", appauthor=False),
        "platformdirs data": platformdirs.user_data_path("cloze", appauthor=False),
        "platformdirs cache": platformdirs.user_cache_path("cloze", appauthor=False),
        "platformdirs state": platformdirs.user_state_path("cloze", appauthor=False),
        "cloze config": paths.config_dir(),
        "cloze data": paths.data_dir(),
        "cloze cache": paths.cache_dir(),
        "cloze models": paths.user_models_dir(),
    }
    for name, folder in folders.items():
        assert _inside(folder, temp_root), f"{name} is {folder}, outside the temporary folder"
        assert not _inside(folder, SESSION_HOME), f"{name} is shared with other tests"
        if REAL_HOME.resolve() != temp_root.resolve():
            assert not _inside(folder, REAL_HOME) or _inside(folder, temp_root), name


def test_libraries_that_read_their_cache_folder_at_import_use_a_temporary_one() -> None:
    """huggingface_hub fixes its cache at import: whenever that happens, it is a temporary one."""
    hub = pytest.importorskip("huggingface_hub.constants")
    for value in (hub.HF_HOME, hub.HF_HUB_CACHE):
        assert _inside(Path(value), Path(tempfile.gettempdir())), value
    assert _inside(SESSION_HOME, Path(tempfile.gettempdir()))
