"""Execution providers: ordered list with CPU last, honest fallback, readable choices."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort
import pytest

from cloze_app.core.engine import providers
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.errors import ProviderError


def test_cpu_is_always_offered_and_last() -> None:
    found = providers.available_providers()
    assert found[-1] == providers.CPU


def test_preferred_provider_goes_first_then_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        ort, "get_available_providers", lambda: ["CPUExecutionProvider", "CUDAExecutionProvider"]
    )
    assert providers.provider_list("cuda") == (["CUDAExecutionProvider", "CPUExecutionProvider"], None)
    assert providers.provider_list("CUDAExecutionProvider")[0][0] == "CUDAExecutionProvider"
    assert providers.provider_list(None) == (["CPUExecutionProvider"], None)


def test_missing_provider_falls_back_to_cpu_and_says_why(tiny_model_dir: Path) -> None:
    engine = ClozeEngine.load(tiny_model_dir, provider="CUDA")
    report = engine.provider_report
    assert report.active == "CPUExecutionProvider"
    assert report.requested == "CUDAExecutionProvider"
    assert report.fell_back
    assert "CUDA" in (report.fallback_reason or "") and "using CPU" in (report.fallback_reason or "")
    assert engine.fill("the ___ sat").blanks[0].best == "cat"  # and it still works


def test_strict_request_raises(tiny_model_dir: Path) -> None:
    with pytest.raises(ProviderError, match="offers only"):
        ClozeEngine.load(tiny_model_dir, provider="DirectML", strict_provider=True)


def test_provider_that_fails_to_start_falls_back(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider the build lists but that cannot start (no driver): ORT raises; we run on CPU."""
    monkeypatch.setattr(
        ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    real = ort.InferenceSession

    def session(path: str, sess_options: object = None, providers: list[str] | None = None) -> object:
        if providers and providers[0] == "CUDAExecutionProvider":
            raise RuntimeError("libcudart.so.12: cannot open shared object file")
        return real(path, sess_options=sess_options, providers=providers)

    monkeypatch.setattr(ort, "InferenceSession", session)
    engine = ClozeEngine.load(tiny_model_dir, provider="cuda")
    assert engine.provider_report.active == "CPUExecutionProvider"
    assert "libcudart" in (engine.provider_report.fallback_reason or "")


def test_choices_show_unavailable_providers_with_a_reason() -> None:
    choices = {c.name: c for c in providers.provider_choices()}
    assert choices["CPUExecutionProvider"].available
    unavailable = [c for c in choices.values() if not c.available]
    assert unavailable and all("pip install" in c.reason or "build" in c.reason for c in unavailable)


def test_threads_are_configurable(tiny_model_dir: Path) -> None:
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    options = engine.decoder.runner.session.get_session_options()
    assert options.intra_op_num_threads == 1


def test_only_providers_that_run_the_model_here_are_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard wheel lists AzureExecutionProvider; it calls a cloud endpoint, so it is not a choice."""
    monkeypatch.setattr(
        ort,
        "get_available_providers",
        lambda: ["AzureExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"],
    )
    assert providers.available_providers() == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    names = [choice.name for choice in providers.provider_choices()]
    assert "AzureExecutionProvider" not in names
    (azure,) = providers.not_local_providers()
    assert azure.name == "AzureExecutionProvider" and "cloud" in azure.reason
    chosen, reason = providers.provider_list("azure")
    assert chosen == ["CPUExecutionProvider"] and "using CPU" in (reason or "")


def test_providers_have_names_people_read() -> None:
    labels = {choice.name: choice.label for choice in providers.provider_choices()}
    assert labels["CPUExecutionProvider"] == "CPU"
    assert labels["CUDAExecutionProvider"] == "CUDA (NVIDIA GPU)"
    assert labels["DmlExecutionProvider"].startswith("DirectML")
    assert all("ExecutionProvider" not in text for text in labels.values())
    assert providers.label("XnnpackExecutionProvider") == "Xnnpack"
