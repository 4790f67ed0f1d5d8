"""The engine off the UI thread: a serial worker that runs callables with the engine.

:class:`EngineService` owns the :class:`~cloze_app.core.engine.engine.ClozeEngine`. Every use of the
engine is a request: ``service.submit(channel, fn, *args)`` runs ``fn(engine, *args)`` on one
background thread (requests run one at a time, in order) and returns a request id; the result
comes back on the UI thread by the ``result_ready`` signal and the optional ``on_result`` callback.
A newer request on the same channel supersedes older ones: queued older ones never run, and
results of older ones that were already running are dropped. Model loading runs on a second
thread, so the old model keeps answering until the new one is ready, then they swap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from cloze_app.core.errors import ClozeError, ProviderError
from cloze_app.core.types import ModelInfo, ProviderReport

CPU = "CPUExecutionProvider"
Loader = Callable[..., Any]
ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


@dataclass(frozen=True)
class EngineStatus:
    """What the window shows about the loaded engine."""

    info: ModelInfo
    provider: ProviderReport
    load_ms: float
    message: str | None = None  # e.g. the provider fallback, in words for the user


def default_loader(model_dir: Path, provider: str | None, threads: int) -> Any:
    """Load the real engine (imported here so the window opens before onnxruntime is imported)."""
    from cloze_app.core.engine.engine import ClozeEngine

    return ClozeEngine.load(model_dir, provider=provider, threads=threads)


class _Relay(QObject):
    """Carries results from pool threads to the UI thread (queued connections)."""

    finished = Signal(str, int, object, object)  # channel, id, result, error
    loaded = Signal(int, object, object)  # generation, engine, status
    load_failed = Signal(int, str, object)  # generation, model, error


class _Task(QRunnable):
    def __init__(self, body: Callable[[], None]) -> None:
        super().__init__()
        self._body = body

    def run(self) -> None:
        self._body()


class EngineService(QObject):
    """Runs model loading and every engine call off the UI thread.

    Signals:
        model_loading(str): a model started loading (its id or folder).
        model_loaded(EngineStatus): a model is loaded and now serves every request.
        model_failed(str): loading failed; the message says what to do. The previous model,
            if any, keeps serving.
        result_ready(str, int, object): channel, request id, result of a current request.
        request_failed(str, int, object): channel, request id, the exception it raised.
        busy_changed(bool): a model load started (True) or ended (False).
    """

    model_loading = Signal(str)
    model_loaded = Signal(object)
    model_failed = Signal(str)
    result_ready = Signal(str, int, object)
    request_failed = Signal(str, int, object)
    busy_changed = Signal(bool)

    def __init__(self, loader: Loader = default_loader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._runs = QThreadPool(self)
        self._runs.setMaxThreadCount(1)
        self._loads = QThreadPool(self)
        self._loads.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)
        self._relay.loaded.connect(self._on_loaded)
        self._relay.load_failed.connect(self._on_load_failed)
        self._lock = threading.Lock()
        self._latest: dict[str, int] = {}
        self._next_id = 0
        self._callbacks: dict[int, tuple[ResultCallback | None, ErrorCallback | None]] = {}
        self._waiting: dict[str, tuple[int, Callable[..., Any], tuple[Any, ...]]] = {}
        self._engine: Any = None  # touched only on the run thread (and at shutdown)
        self._generation = 0
        self._status: EngineStatus | None = None
        self._closed = False
        self._generation_pending = False

    # ----- state the UI reads
    @property
    def status(self) -> EngineStatus | None:
        """The engine serving requests now (None before the first model is loaded)."""
        return self._status

    @property
    def loading(self) -> bool:
        """True while a model load is in progress."""
        return self._generation_pending

    # ----- requests
    def submit(
        self,
        channel: str,
        fn: Callable[..., Any],
        *args: Any,
        on_result: ResultCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> int:
        """Run ``fn(engine, *args)`` on the worker thread; returns the request id.

        The newest request of a ``channel`` supersedes the older ones (stale results are dropped,
        queued stale requests are skipped). ``on_result``/``on_error`` run on the UI thread, only
        for a request still current. Before a model is loaded, the newest request per channel
        waits and runs as soon as one is.
        """
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            self._latest[channel] = request_id
        self._callbacks[request_id] = (on_result, on_error)
        if self._status is None:
            stale = self._waiting.pop(channel, None)
            if stale:
                self._callbacks.pop(stale[0], None)
            self._waiting[channel] = (request_id, fn, args)
        else:
            self._start(channel, request_id, fn, args)
        return request_id

    def cancel(self, channel: str) -> None:
        """Drop every request of ``channel`` (running ones finish, their results are dropped)."""
        with self._lock:
            self._next_id += 1
            self._latest[channel] = self._next_id
        waiting = self._waiting.pop(channel, None)
        if waiting:
            self._callbacks.pop(waiting[0], None)

    def is_current(self, channel: str, request_id: int) -> bool:
        """True when ``request_id`` is the newest request of ``channel`` (any thread)."""
        with self._lock:
            return self._latest.get(channel) == request_id

    def _start(self, channel: str, request_id: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        def body() -> None:
            if not self.is_current(channel, request_id):
                self._relay.finished.emit(channel, request_id, None, None)
                return
            try:
                result = fn(self._engine, *args)
            except Exception as exc:  # noqa: BLE001 - every error is reported to the UI
                self._relay.finished.emit(channel, request_id, None, exc)
            else:
                self._relay.finished.emit(channel, request_id, result, None)

        self._runs.start(_Task(body))

    @Slot(str, int, object, object)
    def _on_finished(self, channel: str, request_id: int, result: Any, error: Any) -> None:
        on_result, on_error = self._callbacks.pop(request_id, (None, None))
        if self._closed or not self.is_current(channel, request_id):
            return
        if error is not None:
            self.request_failed.emit(channel, request_id, error)
            if on_error:
                on_error(error)
        else:
            self.result_ready.emit(channel, request_id, result)
            if on_result:
                on_result(result)

    # ----- models
    def load_model(self, model_dir: Path, provider: str | None = CPU, threads: int = 0) -> None:
        """Load a model in the background; the current one serves until the new one is ready.

        A provider that cannot start is retried on CPU, and ``EngineStatus.message`` says so.
        """
        self._generation += 1
        generation = self._generation
        self._generation_pending = True
        self.busy_changed.emit(True)
        self.model_loading.emit(str(model_dir))
        loader = self._loader

        def body() -> None:
            started = time.perf_counter()
            message = None
            try:
                try:
                    engine = loader(model_dir, provider, threads)
                except ProviderError as exc:
                    if not provider or provider == CPU:
                        raise
                    message = f"{exc} Cloze is running on CPU instead."
                    engine = loader(model_dir, CPU, threads)
            except Exception as exc:  # noqa: BLE001 - a broken model must not crash the app
                self._relay.load_failed.emit(generation, str(model_dir), exc)
                return
            report: ProviderReport = engine.provider_report
            if message is None and report.fallback_reason:
                message = f"{report.fallback_reason}"
            status = EngineStatus(engine.info, report, (time.perf_counter() - started) * 1000, message)
            self._relay.loaded.emit(generation, engine, status)

        self._loads.start(_Task(body))

    @Slot(int, object, object)
    def _on_loaded(self, generation: int, engine: Any, status: EngineStatus) -> None:
        if self._closed or generation != self._generation:
            self._runs.start(_Task(engine.close))  # superseded by a newer load
            return

        def swap() -> None:
            old, self._engine = self._engine, engine
            if old is not None:
                old.close()

        self._runs.start(_Task(swap))
        self._status = status
        self._generation_pending = False
        self.busy_changed.emit(False)
        self.model_loaded.emit(status)
        waiting, self._waiting = self._waiting, {}
        for channel, (request_id, fn, args) in waiting.items():
            self._start(channel, request_id, fn, args)

    @Slot(int, str, object)
    def _on_load_failed(self, generation: int, model: str, error: BaseException) -> None:
        if self._closed or generation != self._generation:
            return
        self._generation_pending = False
        self.busy_changed.emit(False)
        text = str(error) if isinstance(error, ClozeError) else f"{type(error).__name__}: {error}"
        self.model_failed.emit(f"The model at {model} could not be loaded: {text}")

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Drop every pending request, wait for the threads, close the engine."""
        self._closed = True
        with self._lock:
            self._latest.clear()
        self._waiting.clear()
        self._loads.waitForDone(timeout_ms)
        self._runs.waitForDone(timeout_ms)
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()
