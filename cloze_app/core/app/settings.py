"""User settings: a typed dataclass saved as JSON in the config dir; broken files fall back."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cloze_app.core import paths
from cloze_app.core.atomic import atomic_write_text
from cloze_app.core.learn.checker import default_preset_name, find_preset

SETTINGS_NAME = "settings.json"


@dataclass(frozen=True)
class Settings:
    """Everything the user can choose; defaults are what a first start uses."""

    model: str = ""  # model id; "" means the bundled default
    provider: str = "CPUExecutionProvider"
    threads: int = 0  # 0: let onnxruntime decide
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
            threads=min(max(self.threads, 0), 256),
            top_k=min(max(self.top_k, 1), 50),
            font_size=min(max(self.font_size, 6), 72),
            debounce_ms=min(max(self.debounce_ms, 0), 5000),
            check_sensitivity=find_preset(self.check_sensitivity).name,
        )


def settings_path() -> Path:
    """Where the settings file lives."""
    return paths.config_dir() / SETTINGS_NAME


def load_settings(path: Path | None = None) -> tuple[Settings, str | None]:
    """Read settings; on any problem return defaults and a message saying what happened.

    A broken file is kept beside as ``settings.json.broken`` so nothing the user wrote is lost.
    """
    path = path or settings_path()
    if not path.exists():
        return Settings(), None
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        backup = path.with_name(path.name + ".broken")
        try:
            path.replace(backup)
            kept = f" The broken file was kept as {backup.name}."
        except OSError:
            kept = ""
        return Settings(), f"Settings file {path} could not be read ({exc}); using defaults.{kept}"
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    ignored = []
    defaults = Settings()
    for key, value in data.items():
        if key not in known:
            ignored.append(key)
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
    message = None
    if ignored:
        message = f"Some settings in {path} were not understood and use defaults: {', '.join(ignored)}."
    return settings, message


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write settings atomically."""
    path = path or settings_path()
    atomic_write_text(path, json.dumps(asdict(settings), indent=2) + "\n")
