"""NVIDIA GPUs: NVML (nvidia-ml-py) first, `nvidia-smi` when NVML fails, `topo -m` for links.

Machines without the driver raise ``NVMLError_LibraryNotFound`` from ``nvmlInit``; every
NVML error becomes a note. Fields a GPU does not support (MIG on a GeForce, PCIe on a
Grace-Hopper C2C link) are simply left empty.
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from planner.hardware.models import DetectedGpu, Found
from planner.hardware.nvidia_smi import probe_nvidia_smi, probe_topology
from planner.hardware.runner import Tools
from planner.hardware.values import gib_from_bytes, in_range, one_line

MIG_ENABLED = 1


class NvmlLike(Protocol):
    """The part of the `pynvml` module the probe uses (tests pass a fake)."""

    @property
    def NVMLError(self) -> type[Exception]: ...

    def nvmlInit(self) -> None: ...
    def nvmlShutdown(self) -> None: ...
    def nvmlDeviceGetCount(self) -> int: ...
    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any: ...
    def nvmlDeviceGetName(self, handle: Any) -> str | bytes: ...
    def nvmlDeviceGetMemoryInfo(self, handle: Any) -> Any: ...


def load_pynvml() -> NvmlLike | None:
    try:
        import pynvml
    except ImportError:
        return None
    module: NvmlLike = pynvml
    return module


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _error_text(exc: BaseException) -> str:
    return one_line(str(exc) or type(exc).__name__)


def _cuda_version(code: object) -> str | None:
    if not isinstance(code, int) or code <= 0:
        return None
    return f"{code // 1000}.{(code % 1000) // 10}"


class _Session:
    """Calls that return None instead of raising when a GPU does not support them."""

    def __init__(self, nvml: NvmlLike) -> None:
        self.nvml = nvml

    def optional(self, fn_name: str, *args: object) -> Any:
        fn = getattr(self.nvml, fn_name, None)
        if fn is None:
            return None
        try:
            return fn(*args)
        except self.nvml.NVMLError:
            return None

    def gpu(self, index: int, driver: str | None, cuda: str | None) -> DetectedGpu:
        nvml = self.nvml
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        name = _text(nvml.nvmlDeviceGetName(handle)) or "NVIDIA GPU (name not reported)"
        mem = self.optional("nvmlDeviceGetMemoryInfo", handle)
        cc = self.optional("nvmlDeviceGetCudaComputeCapability", handle)
        mig = self.optional("nvmlDeviceGetMigMode", handle)
        power_mw = self.optional("nvmlDeviceGetEnforcedPowerLimit", handle)
        pci = self.optional("nvmlDeviceGetPciInfo", handle)
        gen = self.optional("nvmlDeviceGetMaxPcieLinkGeneration", handle)
        width = self.optional("nvmlDeviceGetMaxPcieLinkWidth", handle)
        return DetectedGpu(
            vendor="nvidia",
            name=name,
            index=index,
            source="nvml",
            memory_total_gib=gib_from_bytes(getattr(mem, "total", None)),
            memory_free_gib=gib_from_bytes(getattr(mem, "free", None)),
            driver=driver,
            cuda_version=cuda,
            compute_capability=(
                f"{cc[0]}.{cc[1]}" if isinstance(cc, tuple | list) and len(cc) == 2 else None
            ),
            pcie_gen=in_range(gen if isinstance(gen, int) else None, 1, 7),
            pcie_width=in_range(width if isinstance(width, int) else None, 1, 64),
            power_limit_w=(
                round(power_mw / 1000, 1)
                if isinstance(power_mw, int | float) and power_mw > 0
                else None
            ),
            mig_mode=(
                mig[0] == MIG_ENABLED if isinstance(mig, tuple | list) and len(mig) >= 1 else None
            ),
            uuid=_text(self.optional("nvmlDeviceGetUUID", handle)),
            pci_bus_id=_text(getattr(pci, "busId", None)),
        )


def probe_nvml(nvml: NvmlLike | None) -> Found:
    """GPUs NVML can see; an empty result with a note when NVML is missing or broken."""
    found = Found()
    if nvml is None:
        found.notes.append("NVML: nvidia-ml-py is not installed; trying nvidia-smi")
        return found
    try:
        nvml.nvmlInit()
    except nvml.NVMLError as exc:
        found.notes.append(f"NVML: not available ({_error_text(exc)})")
        return found
    session = _Session(nvml)
    try:
        driver = _text(session.optional("nvmlSystemGetDriverVersion"))
        cuda = _cuda_version(session.optional("nvmlSystemGetCudaDriverVersion"))
        count = nvml.nvmlDeviceGetCount()
        for i in range(count if isinstance(count, int) else 0):
            try:
                found.gpus.append(session.gpu(i, driver, cuda))
            except nvml.NVMLError as exc:
                found.notes.append(f"NVML: GPU {i} cannot be read ({_error_text(exc)})")
        if not found.gpus:
            found.notes.append("NVML: the driver is loaded but reports no GPU")
    except nvml.NVMLError as exc:
        found.notes.append(f"NVML: {_error_text(exc)}")
    finally:
        with contextlib.suppress(nvml.NVMLError):
            nvml.nvmlShutdown()
    return found


def probe_nvidia(tools: Tools, nvml: NvmlLike | None) -> Found:
    """NVML first; nvidia-smi if NVML sees nothing; `topo -m` when there are two GPUs or more."""
    found = probe_nvml(nvml)
    if not found.gpus:
        smi = probe_nvidia_smi(tools)
        no_library = nvml is None or any("not found" in n.lower() for n in found.notes)
        if no_library and smi.absent:
            return Found(
                notes=["NVIDIA: no driver (NVML library not found, nvidia-smi not installed)"]
            )
        found.gpus = smi.gpus
        found.notes.extend(smi.notes)
    if len(found.gpus) >= 2:
        topo = probe_topology(tools)
        found.notes.extend(topo.notes)
        if topo.interconnect is not None and topo.interconnect.pairs:
            found.interconnect = topo.interconnect
    return found
