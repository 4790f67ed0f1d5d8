"""Execution providers: what this onnxruntime build offers, ordered choice, honest fallback.

The user's preferred provider goes first and CPU always last; after the session is created we
read back what onnxruntime really chose, so the app shows the provider in use, never the one
merely asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

import onnxruntime as ort

CPU = "CPUExecutionProvider"

# Short names users type (CLI, settings) mapped to onnxruntime's provider names.
ALIASES = {
    "cpu": CPU,
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "rocm": "ROCMExecutionProvider",
    "migraphx": "MIGraphXExecutionProvider",
    "directml": "DmlExecutionProvider",
    "dml": "DmlExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
    "qnn": "QNNExecutionProvider",
    "webgpu": "WebGpuExecutionProvider",
}

LABELS = {
    CPU: "CPU",
    "CUDAExecutionProvider": "NVIDIA CUDA",
    "TensorrtExecutionProvider": "NVIDIA TensorRT",
    "ROCMExecutionProvider": "AMD ROCm",
    "MIGraphXExecutionProvider": "AMD MIGraphX",
    "DmlExecutionProvider": "DirectML (Windows GPU)",
    "CoreMLExecutionProvider": "Apple CoreML",
    "OpenVINOExecutionProvider": "Intel OpenVINO",
    "QNNExecutionProvider": "Qualcomm QNN",
    "WebGpuExecutionProvider": "WebGPU",
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


def canonical_name(name: str | None) -> str | None:
    """Map ``cuda``/``CUDA``/``CUDAExecutionProvider`` to onnxruntime's name; None stays None."""
    if name is None or not name.strip():
        return None
    key = name.strip()
    return ALIASES.get(key.lower(), ALIASES.get(key.lower().removesuffix("executionprovider"), key))


def available_providers() -> list[str]:
    """Providers this onnxruntime build offers, CPU last."""
    found = [p for p in ort.get_available_providers() if p != CPU]
    return [*found, CPU]


def provider_choices() -> list[ProviderChoice]:
    """Every provider Cloze knows, available ones first, each with why it can or cannot be used."""
    available = available_providers()
    choices = [
        ProviderChoice(p, LABELS.get(p, p), True, "offered by this onnxruntime build") for p in available
    ]
    for name, label in LABELS.items():
        if name in available:
            continue
        hint = INSTALL_HINTS.get(name, "a different onnxruntime build")
        choices.append(ProviderChoice(name, label, False, f"not in this onnxruntime build; needs {hint}"))
    return choices


def provider_list(requested: str | None) -> tuple[list[str], str | None]:
    """The ordered list to give onnxruntime, and why the request cannot be honoured (if so)."""
    name = canonical_name(requested)
    available = available_providers()
    if name is None or name == CPU:
        return [CPU], None
    if name not in available:
        offered = ", ".join(LABELS.get(p, p) for p in available)
        hint = INSTALL_HINTS.get(name)
        reason = (
            f"{LABELS.get(name, name)} was requested but this onnxruntime build offers only "
            f"[{offered}]; using CPU."
        )
        if hint:
            reason += f" To use it: {hint}."
        return [CPU], reason
    return [name, CPU], None
