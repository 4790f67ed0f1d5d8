"""The engine service: work off the UI thread, newest request wins, loads never block answers."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThread

from cloze_app.core.errors import ModelError
from cloze_app.core.types import ModelInfo, ProviderReport
from cloze_app.gui.jobs import JobControl
from cloze_app.gui.worker import CPU, EngineService


class FakeEngine:
    """Just enough of ClozeEngine for the service; remembers which thread used it."""

    def __init__(self, name: str, provider: str = CPU, fallback: str | None = None) -> None:
        self.name = name
        self.info = ModelInfo(
            name, name, f"/models/{name}", ("en",), "[MASK]", 64, False, "int8", "MIT", "test"
        )
        self.provider_report = ProviderReport(provider, CPU, (CPU,), fallback)
        self.closed = False
        self.threads: set[int] = set()

    def fill(self, text: str) -> str:
        self.threads.add(threading.get_ident())
        return f"{self.name}:{text}"

    def close(self) -> None:
        self.closed = True


def _service(qtbot, loader: Any) -> EngineService:  # type: ignore[no-untyped-def]
    """A service whose loader returns fake engines (``qtbot`` ensures the QApplication exists)."""
    return EngineService(loader=loader)


def _loaded(qtbot, service: EngineService, folder: str = "m") -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(service.model_loaded, timeout=10_000):
        service.load_model(Path(folder))


def test_requests_run_off_the_ui_thread_and_come_back_by_signal(qtbot) -> None:  # type: ignore[no-untyped-def]
    engine = FakeEngine("a")
    service = _service(qtbot, lambda folder, provider, threads: engine)
    _loaded(qtbot, service)
    with qtbot.waitSignal(service.result_ready, timeout=10_000) as blocker:
        request = service.submit("fill", lambda e, text: e.fill(text), "hello")
    assert blocker.args == ["fill", request, "a:hello"]
    assert threading.get_ident() not in engine.threads
    service.shutdown()
    assert engine.closed


def test_a_newer_request_drops_the_older_ones(qtbot) -> None:  # type: ignore[no-untyped-def]
    service = _service(qtbot, lambda folder, provider, threads: FakeEngine("a"))
    _loaded(qtbot, service)
    gate = threading.Event()
    ran: list[str] = []
    results: list[str] = []

    def slow(engine: FakeEngine, text: str) -> str:
        ran.append(text)
        gate.wait(5)
        return text

    service.submit("fill", slow, "first", on_result=results.append)  # starts running, then waits
    qtbot.waitUntil(lambda: ran == ["first"], timeout=5000)
    service.submit("fill", slow, "second", on_result=results.append)  # queued, then superseded
    service.submit("other", lambda e: "other channel", on_result=results.append)  # not affected
    newest = service.submit("fill", slow, "third", on_result=results.append)
    gate.set()
    qtbot.waitUntil(lambda: "third" in results, timeout=5000)
    assert results == ["other channel", "third"]  # "first" finished but was stale; "second" never ran
    assert ran == ["first", "third"]
    assert service.is_current("fill", newest)
    service.shutdown()


def test_requests_before_the_model_loads_wait_for_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    service = _service(qtbot, lambda folder, provider, threads: FakeEngine("late"))
    results: list[str] = []
    service.submit("fill", lambda e, t: e.fill(t), "one", on_result=results.append)
    service.submit("fill", lambda e, t: e.fill(t), "two", on_result=results.append)
    _loaded(qtbot, service)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    qtbot.wait(50)
    assert results == ["late:two"]
    service.shutdown()


def test_the_old_model_answers_while_the_new_one_loads(qtbot) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()
    engines = {"old": FakeEngine("old"), "new": FakeEngine("new")}

    def loader(folder: Path, provider: str, threads: int) -> FakeEngine:
        if folder.name == "new":
            release.wait(10)
        return engines[folder.name]

    service = _service(qtbot, loader)
    _loaded(qtbot, service, "old")
    busy: list[bool] = []
    service.busy_changed.connect(busy.append)
    service.load_model(Path("new"))
    assert service.loading
    results: list[str] = []
    service.submit("fill", lambda e, t: e.fill(t), "x", on_result=results.append)
    qtbot.waitUntil(lambda: results == ["old:x"], timeout=5000)
    with qtbot.waitSignal(service.model_loaded, timeout=10_000):
        release.set()
    service.submit("fill", lambda e, t: e.fill(t), "y", on_result=results.append)
    qtbot.waitUntil(lambda: results == ["old:x", "new:y"], timeout=5000)
    assert engines["old"].closed and not engines["new"].closed
    assert busy == [True, False]
    assert service.status is not None and service.status.info.id == "new"
    service.shutdown()


def test_a_provider_that_fell_back_to_cpu_is_reported_with_its_reason(qtbot) -> None:  # type: ignore[no-untyped-def]
    calls: list[str | None] = []

    def loader(folder: Path, provider: str | None, threads: int) -> FakeEngine:
        calls.append(provider)  # the engine falls back itself: the service never retries
        return FakeEngine("m", fallback="CUDA failed to start: no driver; using CPU.")

    service = _service(qtbot, loader)
    with qtbot.waitSignal(service.model_loaded, timeout=10_000) as blocker:
        service.load_model(Path("m"), "CUDAExecutionProvider")
    assert calls == ["CUDAExecutionProvider"]
    message = blocker.args[0].message
    assert "no driver" in message and "CPU" in message
    service.shutdown()


def test_a_long_job_reports_progress_and_stops_when_cancelled(qtbot) -> None:  # type: ignore[no-untyped-def]
    service = _service(qtbot, lambda folder, provider, threads: FakeEngine("m"))
    _loaded(qtbot, service)
    progress: list[tuple[int, int]] = []
    results: list[int] = []
    cancelled: list[bool] = []
    reached = threading.Event()
    release = threading.Event()

    def job(engine: FakeEngine, control: JobControl) -> int:
        for step in range(1, 101):
            control.check()
            control.progress(step, 100)
            if step == 3:
                reached.set()
                release.wait(5)
        return 100

    service.run_job(
        "check",
        job,
        on_result=results.append,
        on_progress=lambda done, total, _msg: progress.append((done, total)),
        on_cancelled=lambda: cancelled.append(True),
    )
    assert reached.wait(5)
    qtbot.waitUntil(lambda: (3, 100) in progress, timeout=5000)
    service.cancel("check")
    release.set()
    qtbot.waitUntil(lambda: cancelled == [True], timeout=5000)
    assert results == [] and max(done for done, _ in progress) == 3  # stopped at the next check

    finished: list[int] = []
    service.run_job("check", lambda e, control: 7, on_result=finished.append)
    qtbot.waitUntil(lambda: finished == [7], timeout=5000)  # the channel works again after a cancel
    service.shutdown()


def test_a_broken_model_reports_an_error_instead_of_raising(qtbot) -> None:  # type: ignore[no-untyped-def]
    def loader(folder: Path, provider: str, threads: int) -> FakeEngine:
        raise ModelError(f"Model folder {folder} has no tokenizer.json")

    service = _service(qtbot, loader)
    with qtbot.waitSignal(service.model_failed, timeout=10_000) as blocker:
        service.load_model(Path("/models/bad"))
    assert "no tokenizer.json" in blocker.args[0]
    assert service.status is None and not service.loading
    service.shutdown()


def test_an_error_in_a_request_comes_back_as_a_signal(qtbot) -> None:  # type: ignore[no-untyped-def]
    service = _service(qtbot, lambda folder, provider, threads: FakeEngine("m"))
    _loaded(qtbot, service)

    def boom(engine: FakeEngine) -> None:
        raise ValueError("bad input")

    errors: list[BaseException] = []
    with qtbot.waitSignal(service.request_failed, timeout=5000) as blocker:
        service.submit("fill", boom, on_error=errors.append)
    assert isinstance(blocker.args[2], ValueError) and errors == [blocker.args[2]]
    service.shutdown()


def test_results_are_delivered_on_the_ui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    service = _service(qtbot, lambda folder, provider, threads: FakeEngine("m"))
    _loaded(qtbot, service)
    seen: list[bool] = []
    service.submit(
        "fill", lambda e: 1, on_result=lambda _r: seen.append(QThread.currentThread().isMainThread())
    )
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [True]
    service.shutdown()
