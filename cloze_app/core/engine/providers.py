"""Execution providers: what this onnxruntime build offers, ordered choice, honest fallback.

The user's preferred provider goes first and CPU always last; after the session is created we
read back what onnxruntime really chose, so the app shows the provider in use, never the one
merely asked for. Only providers that run the model on this computer are offered: the standard
onnxruntime wheel also lists ``AzureExecutionProvider``, which calls a cloud endpoint instead.
"""

from __future__ import annotations

from dataclasses import dataclass

CPU = "CPUExecutionProvider"

# Short names users type (CLI, settings) mapped to onnxruntime's provider names.
ALIASES = {
    "cpu": CPU,
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "rocm": "ROCMExecutionProvider",
    "migraphx": "MIGraphXExecutionProvider",
    "azure": "AzureExecutionProvider",
    "directml": "DmlExecutionProvider",
    "dml": "DmlExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
    "qnn": "QNNExecutionProvider",
    "webgpu": "WebGpuExecutionProvider",
}

# The providers that run a model on this computer, with the names users read.
LABELS = {
    CPU: "CPU",
    "CUDAExecutionProvider": "CUDA (NVIDIA GPU)",
    "TensorrtExecutionProvider": "TensorRT (NVIDIA GPU)",
    "ROCMExecutionProvider": "ROCm (AMD GPU)",
    "MIGraphXExecutionProvider": "MIGraphX (AMD GPU)",
    "DmlExecutionProvider": "DirectML (Windows GPU)",
    "CoreMLExecutionProvider": "CoreML (Apple)",
    "OpenVINOExecutionProvider": "OpenVINO (Intel)",
    "QNNExecutionProvider": "QNN (Qualcomm NPU)",
    "WebGpuExecutionProvider": "WebGPU (GPU)",
}

# Providers an onnxruntime build may list that do not run the model here, and why not.
NOT_LOCAL = {
    "AzureExecutionProvider": "Azure sends the text to a cloud endpoint instead of running a model here",
}

# What to install to get a provider this build lacks.
INSTALL_HINTS = {
    "CUDAExecutionProvider": "pip install onnxruntime-gpu (and an NVIDIA driver with CUDA 12)",
    "TensorrtExecutionProvider": "pip install onnxruntime-gpu with TensorRT installed",
    "DmlExecutionProvider": "pip install onnxruntime-directml (Windows)",
    "CoreMLExecutionProvider": "the standard onnxruntime wheel on macOS",
    "OpenVINOExecutionProvider": "pip install onnxruntime-openvino",
    "ROCMExecutionProvider": "an onnxruntime build with ROCm",
    "MIGraphXExecutionProvider": "an onnxruntime build with MIGraphX",
    "QNNExecutionProvider": "pip install onnxruntime-qnn (Windows on Arm)",
}


@dataclass(frozen=True)
class ProviderChoice:
    """A provider as the settings dialog shows it: greyed out with a reason when unavailable."""

    name: str
    label: str
    available: bool
    reason: str


def label(name: str) -> str:
    """The name users read: ``CUDAExecutionProvider`` -> ``CUDA (NVIDIA GPU)``."""
    return LABELS.get(name, name.removesuffix("ExecutionProvider"))


def canonical_name(name: str | None) -> str | None:
    """Map ``cuda``/``CUDA``/``CUDAExecutionProvider`` to onnxruntime's name; None stays None."""
    if name is None or not name.strip():
        return None
    key = name.strip()
    return ALIASES.get(key.lower(), ALIASES.get(key.lower().removesuffix("executionprovider"), key))


def available_providers() -> list[str]:
    """Providers this onnxruntime build offers that run the model here, CPU last."""
    import onnxruntime as ort  # here, not at import: the window's status bar reads the labels at start

    found = [p for p in ort.get_available_providers() if p != CPU and p not in NOT_LOCAL]
    return [*found, CPU]


def provider_choices() -> list[ProviderChoice]:
    """Every local provider Cloze knows, available ones first, each with why it can or cannot be used."""
    available = available_providers()
    choices = [
        ProviderChoice(p, label(p), True, f"{label(p)} is offered by this onnxruntime build.")
        for p in available
    ]
    for name, text in LABELS.items():
        if name in available:
            continue
        hint = INSTALL_HINTS.get(name, "a different onnxruntime build")
        choices.append(ProviderChoice(name, text, False, f"Not in this onnxruntime build; needs {hint}."))
    return choices


def not_local_providers() -> list[ProviderChoice]:
    """Providers this build lists but Cloze does not offer, each with why (e.g. Azure)."""
    import onnxruntime as ort

    return [
        ProviderChoice(p, label(p), False, NOT_LOCAL[p] + ".")
        for p in ort.get_available_providers()
        if p in NOT_LOCAL
    ]


def provider_list(requested: str | None) -> tuple[list[str], str | None]:
    """The ordered list to give onnxruntime, and why the request cannot be honoured (if so)."""
    name = canonical_name(requested)
    available = available_providers()
    if name is None or name == CPU:
        return [CPU], None
    if name in NOT_LOCAL:
        return [CPU], f"{NOT_LOCAL[name]}; Cloze runs models locally, using CPU."
    if name not in available:
        offered = ", ".join(label(p) for p in available)
        hint = INSTALL_HINTS.get(name)
        reason = f"{label(name)} was requested but this onnxruntime build offers only [{offered}]; using CPU."
        if hint:
            reason += f" To use it: {hint}."
        return [CPU], reason
    return [name, CPU], None
