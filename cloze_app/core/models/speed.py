"""Measures how fast a model fills one blank here, and remembers it per model (a JSON file in the data dir).

Also holds the probe sentences that the int8/fp32 agreement check and the speed test feed a model.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from cloze_app.core import paths
from cloze_app.core.atomic import atomic_write_text
from cloze_app.core.engine.manifest import MODEL_FILE, TOKENIZER_FILE, read_manifest
from cloze_app.core.errors import ModelError

SPEED_FILE = "model-speed.json"
# "{mask}" is replaced by the model's own mask token.
PROBES: dict[str, tuple[str, ...]] = {
    "en": (
        "The capital of France is {mask}.",
        "She poured the tea into a {mask} and sat down.",
        "I would like to {mask} a table for two, please.",
        "The children {mask} in the park after school.",
    ),
    "de": ("Die Hauptstadt von Deutschland ist {mask}.", "Ich trinke jeden Morgen eine Tasse {mask}."),
    "fr": ("La capitale de la France est {mask}.", "Je voudrais un {mask} de café, s'il vous plaît."),
    "es": ("La capital de España es {mask}.", "Me gusta {mask} libros por la noche."),
    "it": ("La capitale d'Italia è {mask}.",),
    "nl": ("De hoofdstad van Nederland is {mask}.",),
    "pt": ("A capital de Portugal é {mask}.",),
    "zh": ("中国的首都是{mask}京。", "我每天早上喝一杯{mask}。"),
    "ja": ("日本の首都は{mask}京です。",),
}


def probe_texts(languages: Sequence[str], mask_token: str, limit: int = 6) -> list[str]:
    """Probe sentences for a model's languages (English when none of them has probes)."""
    texts: list[str] = []
    for lang in [*languages, "en"]:
        for text in PROBES.get(lang.split("-")[0].lower(), ()):
            filled = text.format(mask=mask_token)
            if filled not in texts:
                texts.append(filled)
    return texts[:limit]


def open_session(model_file: Path, threads: int = 0) -> Any:
    """An onnxruntime CPU session for a model file (``threads`` 0: onnxruntime's choice)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"onnxruntime cannot load {model_file}: {exc}") from exc


def encode(session: Any, tokenizer: Any, text: str, max_length: int) -> dict[str, np.ndarray]:
    """The inputs the session declares, for one text (``token_type_ids`` only when the graph has it)."""
    encoding = tokenizer.encode(text)
    ids = np.array([encoding.ids[:max_length]], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    names = {item.name for item in session.get_inputs()}
    missing = {"input_ids", "attention_mask"} - names
    if missing:
        raise ModelError(
            f"The ONNX graph has no input {sorted(missing)[0]!r}; Cloze feeds input_ids and attention_mask."
        )
    if "token_type_ids" in names:
        feed["token_type_ids"] = np.zeros_like(ids)
    return feed


def mask_logits(session: Any, tokenizer: Any, text: str, mask_id: int, max_length: int) -> np.ndarray:
    """Logits at every mask position of ``text`` (rows: mask positions)."""
    feed = encode(session, tokenizer, text, max_length)
    outputs = [o.name for o in session.get_outputs()]
    if "logits" not in outputs:
        raise ModelError(f"The ONNX graph has no output 'logits' (it has {', '.join(outputs)}).")
    logits = session.run(["logits"], feed)[0][0]
    positions = np.flatnonzero(feed["input_ids"][0] == mask_id)
    return np.asarray(logits[positions], dtype=np.float32)


@dataclass(frozen=True)
class SpeedMeasurement:
    """Median time of one model run on a probe sentence on this machine."""

    model_id: str
    median_ms: float
    runs: int
    threads: int
    model_sha256: str
    measured_at: str


def measure_speed(folder: Path, runs: int = 7, threads: int = 0) -> SpeedMeasurement:
    """Run the model ``runs`` times (after one warm-up) on a probe sentence; report the median.

    Raises:
        ModelError: when the model cannot be loaded or run.
    """
    from tokenizers import Tokenizer

    manifest = read_manifest(folder)
    session = open_session(folder / MODEL_FILE, threads)
    tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
    text = probe_texts(manifest.languages, manifest.mask_token, limit=1)[0]
    feed = encode(session, tokenizer, text, manifest.max_length)
    timings = []
    try:
        for index in range(runs + 1):
            start = time.perf_counter()
            session.run(None, feed)
            if index:  # the first run pays for lazy initialisation
                timings.append((time.perf_counter() - start) * 1000)
    except Exception as exc:
        raise ModelError(f"Model {manifest.id} failed on a probe sentence: {exc}") from exc
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
