"""Measures how fast a model fills one blank here, and remembers it per model (a JSON file in the data dir).

The measurement loads the model exactly as the app does (``ClozeEngine.load``: the same session
factory, graph and options) and times the request a user makes: one blank, whole-word candidates.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cloze_app.core import paths
from cloze_app.core.atomic import atomic_write_text
from cloze_app.core.engine.manifest import MODEL_FILE, read_manifest
from cloze_app.core.engine.session import probe_texts
from cloze_app.core.errors import ClozeError, ModelError

SPEED_FILE = "model-speed.json"


@dataclass(frozen=True)
class SpeedMeasurement:
    """Median time to fill one blank of a probe sentence on this machine (``ClozeEngine.fill``)."""

    model_id: str
    median_ms: float
    runs: int
    threads: int
    model_sha256: str
    measured_at: str


def measure_speed(folder: Path, runs: int = 7, threads: int = 0) -> SpeedMeasurement:
    """Fill one blank of a probe sentence ``runs`` times (after one warm-up); report the median.

    Raises:
        ModelError: when the model cannot be loaded or run.
    """
    from cloze_app.core.engine.engine import ClozeEngine

    manifest = read_manifest(folder)
    engine = ClozeEngine.load(folder, threads=threads, verify_checksums=False)
    text = probe_texts(manifest.languages, manifest.mask_token, limit=1)[0]
    timings = []
    try:
        for index in range(runs + 1):
            start = time.perf_counter()
            engine.fill(text, top_k=10)
            if index:  # the first request pays for lazy initialisation
                timings.append((time.perf_counter() - start) * 1000)
    except ClozeError as exc:
        raise ModelError(f"Model {manifest.id} failed on a probe sentence: {exc}") from exc
    finally:
        engine.close()
    return SpeedMeasurement(
        model_id=manifest.id,
        median_ms=round(statistics.median(timings), 3),
        runs=runs,
        threads=threads,
        model_sha256=manifest.files[MODEL_FILE],
        measured_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def _store_path() -> Path:
    return paths.data_dir() / SPEED_FILE


def _load_store() -> dict[str, Any]:
    try:
        data = json.loads(_store_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_speed(measurement: SpeedMeasurement) -> None:
    """Remember a measurement (one per model id; the newest wins)."""
    store = _load_store()
    store[measurement.model_id] = asdict(measurement)
    atomic_write_text(_store_path(), json.dumps(store, indent=2) + "\n")


def read_speed(model_id: str, model_sha256: str | None = None) -> SpeedMeasurement | None:
    """The stored measurement of a model, or None (also when the model file changed since)."""
    record = _load_store().get(model_id)
    if not isinstance(record, dict):
        return None
    try:
        measurement = SpeedMeasurement(**record)
    except TypeError:
        return None
    if model_sha256 is not None and measurement.model_sha256 != model_sha256:
        return None
    return measurement


def forget_speed(model_id: str) -> None:
    """Drop the measurement of a removed model."""
    store = _load_store()
    if store.pop(model_id, None) is not None:
        atomic_write_text(_store_path(), json.dumps(store, indent=2) + "\n")
