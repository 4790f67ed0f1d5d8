"""The window's model, loaded from the first moment of a start (issue 14's cold start).

``python -m cloze_app`` calls :func:`start` before it imports Qt: a plain thread reads the
settings, picks the model folder as the window will (:func:`model_folder`) and loads the engine
while Qt starts and the window is built. The window's first load of that same folder, provider
and thread count (``worker.default_loader``) then takes this engine (:func:`take`) instead of
loading it again; any other load, or a second one, loads as before. A preload that fails gives
the window the same error its own load would have given. No Qt here.

:func:`start` returns once the thread has imported the engine's modules (numpy, onnxruntime,
tokenizers and Cloze's core), before the caller imports Qt: PySide6 puts an import hook in place
that reads the source of every module imported after it (to see whether it uses PySide6): with
the two imports side by side, a window's start read 150-160 modules' source, ~75 once the model's
came first (numpy's and onnxruntime's imports alone: ~55 ms of CPU for the reading). The imports
share one GIL anyway, so the window gives up little parallel work by waiting.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloze_app.core.app.settings import Settings
    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.core.models.registry import ModelRegistry

Key = tuple[Path, "str | None", int]  # model folder, provider, threads: what ClozeEngine.load is given

# What the preload imports before Qt is imported (numpy, onnxruntime and tokenizers with them).
ENGINE_MODULES = (
    "cloze_app.core.engine.engine",
    "cloze_app.core.app.settings",
    "cloze_app.core.models.registry",
)
# How long start() waits for the imports at most (a slow first start from a cold disk goes on).
IMPORT_WAIT_S = 5.0

_lock = threading.Lock()
_pending: tuple[Future[Key], Future[ClozeEngine]] | None = None


def model_folder(settings: Settings, registry: ModelRegistry) -> tuple[Path, str | None]:
    """The folder of the model the settings name, and a message when that model is gone and the
    default one is used instead.

    Raises:
        ModelError: when no such model (nor a default) can be found.
    """
    from cloze_app.core.app.settings import default_model_id

    wanted, note = settings.model, None
    if wanted and "/" not in wanted and all(m.id != wanted for m in registry.models()):
        fallback = default_model_id(settings, registry)
        note = f"The model {wanted!r} is no longer installed; using {fallback!r}."
        wanted = fallback
    return registry.resolve(wanted or None), note


def _import_engine(done: threading.Event) -> None:
    """Import what loading the model needs, then set ``done``."""
    try:
        for name in ENGINE_MODULES:
            with contextlib.suppress(Exception):  # the load imports it again and reports what failed
                importlib.import_module(name)
    finally:
        done.set()


def _load(key_out: Future[Key], engine_out: Future[ClozeEngine], imported: threading.Event) -> None:
    _import_engine(imported)
    try:
        from cloze_app.core.app.settings import load_settings
        from cloze_app.core.models.registry import ModelRegistry

        settings, _warning = load_settings()
        folder, _note = model_folder(settings, ModelRegistry())
        key: Key = (folder, settings.provider, settings.threads)
    except BaseException as exc:  # noqa: BLE001 - the window's own load says what is wrong
        key_out.set_exception(exc)
        engine_out.cancel()
        return
    key_out.set_result(key)
    try:
        from cloze_app.core.engine.engine import ClozeEngine

        engine_out.set_result(ClozeEngine.load(folder, provider=key[1], threads=key[2]))
    except BaseException as exc:  # noqa: BLE001 - handed to the window's load, which reports it
        engine_out.set_exception(exc)


def start() -> None:
    """Start loading the settings' model in a background thread (no-op while one is pending), and
    return once that thread has imported the engine's modules (at most :data:`IMPORT_WAIT_S`)."""
    global _pending
    with _lock:
        if _pending is not None:
            return
        key_out: Future[Key] = Future()
        engine_out: Future[ClozeEngine] = Future()
        _pending = (key_out, engine_out)
        imported = threading.Event()
    threading.Thread(
        target=_load, args=(key_out, engine_out, imported), name="cloze-preload", daemon=True
    ).start()
    imported.wait(IMPORT_WAIT_S)


def pending() -> bool:
    """True while a preloaded engine waits to be taken."""
    return _pending is not None


def take(folder: Path, provider: str | None, threads: int) -> ClozeEngine | None:
    """The preloaded engine when it is of ``folder``/``provider``/``threads`` (waiting for it to
    finish loading); None when nothing was preloaded or it was another. Only once.

    Raises:
        Exception: what loading that model raised.
    """
    global _pending
    with _lock:
        preload, _pending = _pending, None
    if preload is None:
        return None
    key_out, engine_out = preload
    try:
        key = key_out.result()
    except BaseException:  # noqa: BLE001 - no folder chosen: the window loads (and reports) itself
        return None
    if key != (Path(folder), provider, threads):
        _drop(engine_out)
        return None
    return engine_out.result()


def _drop(engine_out: Future[ClozeEngine]) -> None:
    """Close a preloaded engine nobody asked for, once it has loaded."""

    def close(done: Future[ClozeEngine]) -> None:
        if not done.cancelled() and done.exception() is None:
            done.result().close()

    engine_out.add_done_callback(close)
