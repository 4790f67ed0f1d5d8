"""The one lookup for files shipped with Cloze: bundled models and assets (paths.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloze_app.core import paths
from tests.conftest import REPO


def test_a_checkout_finds_its_models_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLOZE_BUNDLED_MODELS", raising=False)
    assert paths.bundled_models_dir() == REPO / "models"


def test_an_installed_package_finds_the_models_inside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "cloze_app"
    (package / "bundled_models" / "cloze-minilm-en").mkdir(parents=True)
    monkeypatch.delenv("CLOZE_BUNDLED_MODELS", raising=False)
    monkeypatch.setattr(paths, "PACKAGE_DIR", package)
    assert paths.bundled_models_dir() == package / "bundled_models"
    assert paths.asset_path("cloze.svg") == package / "assets" / "cloze.svg"


def test_the_environment_names_another_models_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOZE_BUNDLED_MODELS", str(tmp_path))
    assert paths.bundled_models_dir() == tmp_path
