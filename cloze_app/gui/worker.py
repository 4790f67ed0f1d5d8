"""The engine off the UI thread: a serial worker that runs callables with the engine.

:class:`EngineService` owns the :class:`~cloze_app.core.engine.engine.ClozeEngine`. Every use of the
engine is a request: ``service.submit(channel, fn, *args)`` runs ``fn(engine, *args)`` on one
background thread (requests run one at a time, in order) and returns a request id; the result
comes back on the UI thread by the ``result_ready`` signal and the optional ``on_result`` callback.
Long work goes through ``service.run_job(channel, job)``: ``job(engine, control)`` reports
progress with ``control.progress(done, total)`` and stops when ``control.cancelled`` (see
:mod:`cloze_app.gui.jobs`). A newer request on the same channel supersedes older ones: queued
older ones never run, and results of older ones that were already running are dropped. Model
loading runs on a second thread, so the old model keeps answering until the new one is ready,
then they swap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

from cloze_app.core.errors import ClozeError
from cloze_app.core.types import ModelInfo, ProviderReport
from cloze_app.gui.jobs import ErrorCallback, JobControl, JobRunner, ProgressCallback

if TYPE_CHECKING:  # the engine is imported lazily, so the window opens before onnxruntime loads
    from cloze_app.core.engine.engine import ClozeEngine

T = TypeVar("T")
CPU = "CPUExecutionProvider"
Loader = Callable[[Path, "str | None", int], "ClozeEngine"]


@dataclass(frozen=True)
class EngineStatus:
    """What the window shows about the loaded engine."""

    info: ModelInfo
    provider: ProviderReport
    load_ms: float
    message: str | None = None  # e.g. the provider fallback, in words for the user


def default_loader(model_dir: Path, provider: str | None, threads: int) -> ClozeEngine:
    """Load the real engine (imported here so the window opens before onnxruntime is imported);
    the one :mod:`cloze_app.gui.preload` started loading at start, when it is this model."""
    from cloze_app.gui import preload

    preloaded = preload.take(model_dir, provider, threads)
    if preloaded is not None:
        return preloaded
    from cloze_app.core.engine.engine import ClozeEngine

    return ClozeEngine.load(model_dir, provider=provider, threads=threads)


class _Relay(QObject):
    """Carries loaded engines from the loading thread to the UI thread (queued connections)."""

    loaded = Signal(int, object, object)  # generation, engine, status
    load_failed = Signal(int, str, object)  # generation, model, error


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
        request_started(str, int): channel, request id: a request went to the run thread (it
            ends with ``result_ready``, ``request_failed``, or a newer request of its channel).
    """

    model_loading = Signal(str)
    model_loaded = Signal(object)
    model_failed = Signal(str)
    result_ready = Signal(str, int, object)
    request_failed = Signal(str, int, object)
    busy_changed = Signal(bool)
    request_started = Signal(str, int)

    def __init__(self, loader: Loader = default_loader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._jobs = JobRunner(threads=1, parent=self)
        self._jobs.result_ready.connect(self.result_ready)
        self._jobs.job_failed.connect(self.request_failed)
        self._loads = JobRunner(threads=1, parent=self)  # loads run beside requests, one at a time
        self._relay = _Relay(self)
        self._relay.loaded.connect(self._on_loaded)
        self._relay.load_failed.connect(self._on_load_failed)
        self._waiting: dict[str, tuple[int, Callable[[], None]]] = {}
        self._engine: ClozeEngine | None = None  # touched only on the run thread (and at shutdown)
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
        fn: Callable[..., T],
        *args: Any,
        on_result: Callable[[T], None] | None = None,
        on_error: ErrorCallback | None = None,
    ) -> int:
        """Run ``fn(engine, *args)`` on the worker thread; returns the request id.

        The newest request of a ``channel`` supersedes the older ones (stale results are dropped,
        queued stale requests are skipped). ``on_result``/``on_error`` run on the UI thread, only
        for a request still current. Before a model is loaded, the newest request per channel
        waits and runs as soon as one is.
        """
        return self.run_job(
            channel, lambda engine, _control: fn(engine, *args), on_result=on_result, on_error=on_error
        )

    def run_job(
        self,
        channel: str,
        job: Callable[[ClozeEngine, JobControl], T],
        *,
        on_result: Callable[[T], None] | None = None,
        on_progress: ProgressCallback | None = None,
        on_error: ErrorCallback | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> int:
        """Run ``job(engine, control)`` on the worker thread, with progress and cancel.

        Like :meth:`submit`; ``on_progress(done, total, message)`` runs on the UI thread for each
        ``control.progress`` of a current job, and ``on_cancelled`` when the job stopped on
        :class:`~cloze_app.gui.jobs.JobCancelled`. :meth:`cancel` stops it.
        """
        request_id = self._jobs.new_id(channel)

        def start() -> None:
            self._jobs.start(
                channel,
                lambda control: job(self._require_engine(), control),
                on_result=on_result,
                on_progress=on_progress,
                on_error=on_error,
                on_cancelled=on_cancelled,
                job_id=request_id,
            )
            self.request_started.emit(channel, request_id)

        if self._status is None:
            self._waiting[channel] = (request_id, start)
        else:
            start()
        return request_id

    def _require_engine(self) -> ClozeEngine:
        if self._engine is None:
            raise ClozeError("No model is loaded yet.")
        return self._engine

    def cancel(self, channel: str) -> None:
        """Drop every request of ``channel`` (running jobs see ``control.cancelled``)."""
        self._jobs.cancel(channel)
        self._waiting.pop(channel, None)

    def is_current(self, channel: str, request_id: int) -> bool:
        """True when ``request_id`` is the newest request of ``channel`` (any thread)."""
        return self._jobs.is_current(channel, request_id)

    # ----- models
    def load_model(self, model_dir: Path, provider: str | None = CPU, threads: int = 0) -> None:
        """Load a model in the background; the current one serves until the new one is ready.

        A provider that cannot start falls back to CPU inside the engine, and
        ``EngineStatus.message`` says why.
        """
        self._generation += 1
        generation = self._generation
        self._generation_pending = True
        self.busy_changed.emit(True)
        self.model_loading.emit(str(model_dir))
        loader = self._loader

        def body() -> None:
            started = time.perf_counter()
            try:
                engine = loader(model_dir, provider, threads)
            except Exception as exc:  # noqa: BLE001 - a broken model must not crash the app
                self._relay.load_failed.emit(generation, str(model_dir), exc)
                return
            report: ProviderReport = engine.provider_report
            message = report.fallback_reason or None
            status = EngineStatus(engine.info, report, (time.perf_counter() - started) * 1000, message)
            self._relay.loaded.emit(generation, engine, status)

        self._loads.run_plain(body)

    @Slot(int, object, object)
    def _on_loaded(self, generation: int, engine: ClozeEngine, status: EngineStatus) -> None:
        if self._closed or generation != self._generation:
            self._jobs.run_plain(engine.close)  # superseded by a newer load
            return

        def swap() -> None:
            old, self._engine = self._engine, engine
            if old is not None:
                old.close()

        self._jobs.run_plain(swap)
        self._status = status
        self._generation_pending = False
        self.busy_changed.emit(False)
        self.model_loaded.emit(status)
        waiting, self._waiting = self._waiting, {}
        for _request_id, start in waiting.values():
            start()

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
        self._waiting.clear()
        self._loads.shutdown(timeout_ms)
        self._jobs.shutdown(timeout_ms)
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()
