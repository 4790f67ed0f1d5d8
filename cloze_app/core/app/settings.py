"""User settings: a typed dataclass saved as JSON in the config dir; broken files fall back."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from cloze_app.core import paths
from cloze_app.core.atomic import atomic_write_text
from cloze_app.core.models.registry import ModelRegistry

SETTINGS_NAME = "settings.json"
MAX_SETTINGS_BYTES = 1 << 20  # a settings file is a few hundred bytes
MAX_PATH_CHARS = 4096  # longer "paths" are no paths on any system Cloze runs on
PRESETS_FILE = "checker_presets.json"  # the checker's (cloze_app.core.learn.checker.PRESETS_FILE)


def cpu_count() -> int:
    """The CPUs this process may use: the most threads worth giving onnxruntime."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def clamp_threads(threads: int) -> tuple[int, str | None]:
    """``threads`` within 0 (automatic) and the CPU count, and a message when changed.

    Raises:
        ValueError: for a negative count (it is no "automatic": that is 0).
    """
    if threads < 0:
        raise ValueError(f"threads must be 0 (automatic) or a positive number, not {threads}")
    limit = cpu_count()
    if threads > limit:
        return limit, f"{threads} threads asked, but this computer has {limit} CPUs; using {limit}."
    return threads, None


@lru_cache(maxsize=1)
def _presets() -> tuple[tuple[str, ...], str]:
    """The checker's Sensitivity preset names and the default one, from its presets file.

    Read here rather than through ``cloze_app.core.learn.checker``, whose import brings numpy and
    onnxruntime: every start reads its settings first, and the window loads the model in the
    background (tests check that both give the same names).
    """
    # The file's path, not importlib.resources: that import (and the zipfile it brings) costs a
    # command-line start a few milliseconds; package data are files here (``paths.asset_path``).
    data = json.loads((paths.PACKAGE_DIR / "core" / "learn" / PRESETS_FILE).read_text(encoding="utf-8"))
    return tuple(str(p["name"]) for p in data["presets"]), str(data["default"])


def default_preset_name() -> str:
    """The Sensitivity preset a first start uses (``checker.default_preset_name``)."""
    return _presets()[1]


def preset_name(name: str) -> str:
    """The preset called ``name`` (any case), as the checker spells it; the default one for an
    unknown name (``checker.find_preset(name).name``)."""
    names, default = _presets()
    wanted = name.strip().casefold()
    return next((n for n in names if n.casefold() == wanted), default)


def _usable_path(value: str) -> str:
    """``value`` when it can be a file path here, else "" (a NUL byte, 5,000 characters)."""
    return value if len(value) <= MAX_PATH_CHARS and "\0" not in value else ""


@dataclass(frozen=True)
class Settings:
    """Everything the user can choose; defaults are what a first start uses."""

    model: str = ""  # model id; "" means the bundled default
    provider: str = "CPUExecutionProvider"
    threads: int = 0  # 0: one per physical core (the engine's runs at once, one thread each)
    top_k: int = 10
    font_size: int = 12
    debounce_ms: int = 250
    last_document: str = ""
    check_sensitivity: str = field(default_factory=default_preset_name)  # a checker preset's name
    version: int = 1

    def validated(self) -> Settings:
        """Clamp numbers into sensible ranges and unknown names to defaults (a hand-edited file may
        hold anything)."""
        return replace(
            self,
            model=_usable_path(self.model),
            last_document=_usable_path(self.last_document),
            threads=min(max(self.threads, 0), cpu_count()),
            top_k=min(max(self.top_k, 1), 50),
            font_size=min(max(self.font_size, 6), 72),
            debounce_ms=min(max(self.debounce_ms, 0), 5000),
            check_sensitivity=preset_name(self.check_sensitivity),
        )


def settings_path() -> Path:
    """Where the settings file lives."""
    return paths.config_dir() / SETTINGS_NAME


def load_settings(path: Path | None = None) -> tuple[Settings, str | None]:
    """Read settings; on any problem return defaults and a message saying what happened.

    A broken file is kept beside as ``settings.json.broken`` so nothing the user wrote is lost.
    """
    try:
        path = path or settings_path()
        if not path.exists():
            return Settings(), None
        if path.stat().st_size > MAX_SETTINGS_BYTES:
            raise ValueError(f"{path.stat().st_size:,} bytes, too big for a settings file")
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except RecursionError:
        assert path is not None  # only parsing recurses
        return _broken(path, "it nests too deeply")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        if path is None:
            return Settings(), f"The settings folder cannot be used ({exc}); using defaults."
        return _broken(path, str(exc)[:200])
    return _parse(path, data)


def _broken(path: Path, reason: str) -> tuple[Settings, str]:
    """Defaults, with the unreadable file kept beside as ``settings.json.broken``."""
    from cloze_app.core.app.autosave import broken_copy_path  # (its imports cost every start ~5 ms)

    backup = broken_copy_path(path)  # .broken, or .broken-2 … when an older copy is there
    try:
        path.replace(backup)
        kept = f" The broken file was kept as {backup.name}."
    except OSError:
        kept = ""
    return Settings(), f"Settings file {path} could not be read ({reason}); using defaults.{kept}"


def _parse(path: Path, data: dict[str, Any]) -> tuple[Settings, str | None]:
    """Take every field of the right type; name the ones ignored or changed."""
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    ignored = []
    defaults = Settings()
    for key, value in data.items():
        if key not in known:
            ignored.append(str(key)[:40])
            continue
        expected = type(getattr(defaults, key))
        if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
            values[key] = value
        else:
            ignored.append(key)
    settings = replace(defaults, **values).validated()
    if "check_sensitivity" in values and values["check_sensitivity"].strip().casefold() != (
        settings.check_sensitivity.casefold()
    ):
        ignored.append("check_sensitivity")  # not a preset's name
    for key in ("model", "last_document"):
        if key in values and getattr(settings, key) != values[key]:
            ignored.append(key)  # no usable path
    if "threads" in values and values["threads"] < 0:
        ignored.append("threads")  # negative is no count (0 is "automatic")
    notes = []
    if ignored:
        notes.append(f"Some settings in {path} were not understood and use defaults: {', '.join(ignored)}.")
    if "threads" in values and values["threads"] > settings.threads:
        notes.append(
            f"threads: {values['threads']} asked, but this computer has {cpu_count()} CPUs; "
            f"using {settings.threads}."
        )
    return settings, " ".join(notes) or None


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write settings atomically (the one writer of settings.json).

    Raises:
        OSError: when the file cannot be written (callers say so; the settings apply until quit).
    """
    path = path or settings_path()
    atomic_write_text(path, json.dumps(asdict(settings), indent=2) + "\n")


def default_model_id(settings: Settings | None = None, registry: ModelRegistry | None = None) -> str:
    """The one rule for the model Cloze uses when none is named (window, ``fill``, ``models``):
    the user's choice in the settings when it is installed, else the bundled default, else the
    first model installed."""
    if settings is None:
        settings, _warning = load_settings()
    return (registry or ModelRegistry()).default_id(preferred=settings.model)
