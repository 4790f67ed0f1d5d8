"""The machine the figures come from: CPU model, cores, instruction sets, memory, versions, load."""

from __future__ import annotations

import importlib.metadata
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Instruction sets that matter for int8 / fp32 inference, as /proc/cpuinfo names them.
INTERESTING_FLAGS = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx_vnni",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "avx512_fp16",
    "amx_tile",
    "amx_int8",
    "amx_bf16",
    "asimd",
    "asimddp",
    "sve",
)
PACKAGES = ("onnxruntime", "tokenizers", "numpy", "torch", "transformers", "PySide6-Essentials")


@dataclass(frozen=True)
class Machine:
    """What a reader needs to compare these figures with their own."""

    cpu: str
    logical_cores: int
    physical_cores: int | None
    instruction_sets: tuple[str, ...]
    memory_gib: float | None
    system: str
    python: str
    packages: dict[str, str] = field(default_factory=dict)
    load_average: tuple[float, float, float] | None = None
    busy_processes: tuple[str, ...] = ()  # other processes using a lot of CPU at the start

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The machine, one fact per line, for the terminal and the docs."""
        cores = f"{self.logical_cores} logical"
        if self.physical_cores:
            cores += f", {self.physical_cores} physical"
        out = [
            f"CPU: {self.cpu} ({cores})",
            f"Instruction sets: {', '.join(self.instruction_sets) or 'unknown'}",
            f"Memory: {self.memory_gib:.1f} GiB" if self.memory_gib else "Memory: unknown",
            f"System: {self.system}; Python {self.python}",
            "Packages: " + ", ".join(f"{k} {v}" for k, v in self.packages.items()),
        ]
        if self.load_average is not None:
            out.append(
                "Load average at start (1/5/15 min): " + " / ".join(f"{x:.2f}" for x in self.load_average)
            )
        if self.busy_processes:
            out.append("Other busy processes at start: " + "; ".join(self.busy_processes))
        return out


def _cpuinfo() -> tuple[str, set[str]]:
    name = platform.processor() or platform.machine()
    flags: set[str] = set()
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return name, flags
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and value.strip():
            name = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    return name, flags


def _packages() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def _busy(threshold: float = 20.0) -> tuple[str, ...]:
    """Other processes above ``threshold`` % CPU over a short sample (e.g. a training run)."""
    try:
        import psutil
    except ImportError:
        return ()
    procs = [p for p in psutil.process_iter(["pid", "name", "cmdline"]) if p.pid != os.getpid()]
    for p in procs:
        try:
            p.cpu_percent(None)
        except psutil.Error:
            continue
    psutil.cpu_percent(0.5)
    busy = []
    for p in procs:
        try:
            share = p.cpu_percent(None)
        except psutil.Error:
            continue
        if share >= threshold:
            cmd = " ".join(p.info.get("cmdline") or [p.info.get("name") or "?"])
            busy.append(f"{cmd[:80]} ({share:.0f}% CPU)")
    return tuple(busy)


def describe_machine(check_busy: bool = True) -> Machine:
    """Collect the facts (a second's sampling for other busy processes)."""
    cpu, flags = _cpuinfo()
    physical = None
    memory = None
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
        memory = psutil.virtual_memory().total / 2**30
    except ImportError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return Machine(
        cpu=cpu,
        logical_cores=os.cpu_count() or 1,
        physical_cores=physical,
        instruction_sets=tuple(f for f in INTERESTING_FLAGS if f in flags),
        memory_gib=memory,
        system=f"{platform.system()} {platform.release()} ({platform.machine()})",
        python=platform.python_version(),
        packages=_packages(),
        load_average=tuple(round(x, 2) for x in load) if load else None,  # type: ignore[arg-type]
        busy_processes=_busy() if check_busy else (),
    )


def main() -> int:
    for line in describe_machine().lines():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
