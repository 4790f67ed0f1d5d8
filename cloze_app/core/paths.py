"""One place for every directory Cloze reads or writes (platformdirs, with overrides).

``CLOZE_HOME`` puts config, data and cache under one folder (portable installs, tests);
``CLOZE_CONFIG_DIR``, ``CLOZE_DATA_DIR``, ``CLOZE_CACHE_DIR`` override each one.

Files shipped with Cloze are found through one lookup each: :func:`bundled_models_dir` (the
models) and :func:`asset_path` (the icon), both inside the installed package, with the source
checkout's ``models/`` as the models' place when running from the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "cloze"


def _warn(message: str, *args: object) -> None:
    """Log a warning; ``logging`` is imported only then (it costs a command-line start ~8 ms)."""
    import logging

    logging.getLogger(__name__).warning(message, *args)


def _dir(specific: str, sub: str, default: Path) -> Path:
    if os.environ.get(specific):
        path = Path(os.environ[specific])
    elif os.environ.get("CLOZE_HOME"):
        path = Path(os.environ["CLOZE_HOME"]) / sub
    else:
        path = default
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:
        # Never a crash at start: whoever writes here reports the failure (settings, autosave,
        # model installs each say what could not be written and what to do).
        _warn("Cannot create %s (%s); writing there will fail", path, exc)
    return path


def config_dir() -> Path:
    """Settings live here."""
    return _dir("CLOZE_CONFIG_DIR", "config", platformdirs.user_config_path(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """User data: installed models, autosaved documents."""
    return _dir("CLOZE_DATA_DIR", "data", platformdirs.user_data_path(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Downloads in progress and other things that may be deleted."""
    return _dir("CLOZE_CACHE_DIR", "cache", platformdirs.user_cache_path(APP_NAME, appauthor=False))


def user_models_dir() -> Path:
    """Models the user installed (the model manager writes here)."""
    path = data_dir() / "models"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:  # installing says why it cannot write; listing finds none
        _warn("Cannot create %s (%s)", path, exc)
    return path


PACKAGE_DIR = Path(__file__).resolve().parent.parent  # cloze_app/


def bundled_models_dir() -> Path:
    """The folder of models shipped with Cloze, the first of these that exists.

    1. ``$CLOZE_BUNDLED_MODELS`` (tests, or a packager's own location);
    2. ``cloze_app/bundled_models/`` inside the installed package (a wheel: ``setup.py`` copies
       each model of ``models/`` there);
    3. ``models/`` at the top of the source checkout (running from the repository, or an
       editable install).
    """
    override = os.environ.get("CLOZE_BUNDLED_MODELS")
    if override:
        return Path(override)
    packaged = PACKAGE_DIR / "bundled_models"
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / "models"


def asset_path(name: str) -> Path:
    """A file shipped in ``cloze_app/assets`` (package data), e.g. ``asset_path("cloze.svg")``."""
    return PACKAGE_DIR / "assets" / name
