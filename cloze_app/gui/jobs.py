"""Background jobs for the window: one runner with typed results, progress and cancel.

A job is a plain function ``work(control) -> T`` run on a pool thread. It reports progress with
``control.progress(done, total)`` and stops early when ``control.cancelled`` turns true (or calls
``control.check()``, which raises :class:`JobCancelled`). Results, progress and errors come back
on the UI thread through callbacks, and only while the job is the newest of its channel: a
newer job on the same channel supersedes the older one, whose results are dropped. The shape is
superqt's ``create_worker`` and Anki's ``QueryOp[T]``, written once for every page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

T = TypeVar("T")
ResultCallback = Callable[[T], None]
ProgressCallback = Callable[[int, int, str], None]
ErrorCallback = Callable[[BaseException], None]


class JobCancelled(Exception):
    """Raised inside a job by :meth:`JobControl.check` once the job was cancelled."""


class JobControl:
    """Handed to a running job: report progress, see whether it should stop."""

    def __init__(self, is_current: Callable[[], bool], report: Callable[[int, int, str], None]) -> None:
        self._is_current = is_current
        self._report = report
        self._stop = threading.Event()

    @property
    def cancelled(self) -> bool:
        """True once the job was cancelled or superseded by a newer job of its channel."""
        return self._stop.is_set() or not self._is_current()

    @property
    def stop_event(self) -> threading.Event:
        """An event set on cancel, for code that polls a ``threading.Event``."""
        if not self._is_current():
            self._stop.set()
        return self._stop

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._stop.set()

    def check(self) -> None:
        """Raise :class:`JobCancelled` when the job should stop."""
        if self.cancelled:
            raise JobCancelled()

    def progress(self, done: int, total: int, message: str = "") -> None:
        """Report ``done`` of ``total`` steps (shown on the UI thread if the job is current)."""
        self._report(done, total, message)


@dataclass
class _Callbacks(Generic[T]):
    on_result: ResultCallback[T] | None
    on_progress: ProgressCallback | None
    on_error: ErrorCallback | None
    on_cancelled: Callable[[], None] | None
    control: JobControl


class _Relay(QObject):
    """Carries job events from pool threads to the UI thread (queued connections)."""

    finished = Signal(str, int, object, object)  # channel, id, result, error
    progress = Signal(str, int, int, int, str)  # channel, id, done, total, message


class _Task(QRunnable):
    def __init__(self, body: Callable[[], None]) -> None:
        super().__init__()
        self._body = body

    def run(self) -> None:
        self._body()


class JobRunner(QObject):
    """Runs jobs on its own pool (one thread by default, so jobs run in order).

    Signals:
        result_ready(str, int, object): channel, job id, result of a current job.
        job_failed(str, int, object): channel, job id, the exception it raised.
        job_progress(str, int, int, int): channel, job id, done, total.
    """

    result_ready = Signal(str, int, object)
    job_failed = Signal(str, int, object)
    job_progress = Signal(str, int, int, int)

    def __init__(self, threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)
        self._relay.progress.connect(self._on_progress)
        self._lock = threading.Lock()
        self._latest: dict[str, int] = {}
        self._next_id = 0
        self._callbacks: dict[int, _Callbacks[Any]] = {}
        self._closed = False

    def new_id(self, channel: str) -> int:
        """Reserve the next job id and make it the newest of ``channel``."""
        with self._lock:
            self._next_id += 1
            self._latest[channel] = self._next_id
            return self._next_id

    def start(
        self,
        channel: str,
        work: Callable[[JobControl], T],
        *,
        on_result: ResultCallback[T] | None = None,
        on_progress: ProgressCallback | None = None,
        on_error: ErrorCallback | None = None,
        on_cancelled: Callable[[], None] | None = None,
        job_id: int | None = None,
    ) -> int:
        """Run ``work(control)`` on the pool; returns the job id.

        Callbacks run on the UI thread and only while the job is the newest of ``channel``;
        ``on_cancelled`` runs when the job stopped by raising :class:`JobCancelled`.
        """
        request_id = self.new_id(channel) if job_id is None else job_id
        control = JobControl(
            lambda: self.is_current(channel, request_id),
            lambda done, total, message: self._relay.progress.emit(channel, request_id, done, total, message),
        )
        self._callbacks[request_id] = _Callbacks(on_result, on_progress, on_error, on_cancelled, control)

        def body() -> None:
            if control.cancelled:
                self._relay.finished.emit(channel, request_id, None, JobCancelled())
                return
            try:
                result = work(control)
            except Exception as exc:  # noqa: BLE001 - every error is reported to the UI
                self._relay.finished.emit(channel, request_id, None, exc)
            else:
                self._relay.finished.emit(channel, request_id, result, None)

        self._pool.start(_Task(body))
        return request_id

    def run_plain(self, body: Callable[[], None]) -> None:
        """Run ``body`` on the pool, in order with the jobs (no result, no callbacks)."""
        self._pool.start(_Task(body))

    def cancel(self, channel: str) -> None:
        """Stop every job of ``channel``: running ones see ``cancelled``, their results are dropped."""
        with self._lock:
            self._next_id += 1
            self._latest[channel] = self._next_id

    def is_current(self, channel: str, job_id: int) -> bool:
        """True when ``job_id`` is the newest job of ``channel`` (any thread)."""
        with self._lock:
            return not self._closed and self._latest.get(channel) == job_id

    def forget(self, job_id: int) -> None:
        """Drop the callbacks of a job that will never run."""
        self._callbacks.pop(job_id, None)

    @Slot(str, int, object, object)
    def _on_finished(self, channel: str, job_id: int, result: Any, error: Any) -> None:
        callbacks = self._callbacks.pop(job_id, None)
        if isinstance(error, JobCancelled):
            if callbacks and callbacks.on_cancelled and not self._closed:
                callbacks.on_cancelled()
            return
        if self._closed or not self.is_current(channel, job_id):
            return
        if error is not None:
            self.job_failed.emit(channel, job_id, error)
            if callbacks and callbacks.on_error:
                callbacks.on_error(error)
        else:
            self.result_ready.emit(channel, job_id, result)
            if callbacks and callbacks.on_result:
                callbacks.on_result(result)

    @Slot(str, int, int, int, str)
    def _on_progress(self, channel: str, job_id: int, done: int, total: int, message: str) -> None:
        if self._closed or not self.is_current(channel, job_id):
            return
        self.job_progress.emit(channel, job_id, done, total)
        callbacks = self._callbacks.get(job_id)
        if callbacks and callbacks.on_progress:
            callbacks.on_progress(done, total, message)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Drop every pending result and wait for the pool; True when it finished in time."""
        with self._lock:
            self._closed = True
            self._latest.clear()
        for callbacks in self._callbacks.values():
            callbacks.control.cancel()
        return self._pool.waitForDone(timeout_ms)
