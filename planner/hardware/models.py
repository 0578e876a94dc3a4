"""What hardware detection reports: frozen, validated results that the GUI and CLI show as is.

Memory is in GiB (tools print MiB or bytes; the parsers convert). Anything a tool did not
report is ``None``, never a guess; what went wrong or looked odd is in ``Detection.notes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from planner.catalog.schema import Frozen, Vendor

if TYPE_CHECKING:
    from planner.catalog.load import Catalog
    from planner.catalog.schema import GpuSpec

LinkKind = Literal["nvlink", "xgmi", "pcie", "unknown"]


class DetectedGpu(Frozen):
    """One accelerator found on this machine, with its catalog match if there is one."""

    vendor: Vendor = Field(description="Who makes it")
    name: str = Field(description="Name as the tool printed it")
    index: int = Field(ge=0, description="Position in the tool's list (nvidia-smi index)")
    source: str = Field(description="Tool that reported it: nvml, nvidia-smi, rocm-smi, ...")
    catalog_id: str | None = Field(
        default=None, description="Matching catalog entry; None when the catalog lacks it"
    )
    suggestions: tuple[str, ...] = Field(
        default=(), description="Nearest catalog entries when there is no exact match"
    )
    memory_total_gib: float | None = Field(
        default=None, ge=0, description="Memory the tool reports, GiB (unified memory on Apple)"
    )
    memory_free_gib: float | None = Field(default=None, ge=0, description="Free memory, GiB")
    driver: str | None = Field(default=None, description="Driver version")
    cuda_version: str | None = Field(default=None, description="CUDA version the driver supports")
    rocm_version: str | None = Field(default=None, description="ROCm version installed")
    compute_capability: str | None = Field(
        default=None, description="CUDA compute capability (NVIDIA) or GFX target (AMD)"
    )
    pcie_gen: int | None = Field(default=None, ge=1, le=7, description="Highest PCIe generation")
    pcie_width: int | None = Field(default=None, ge=1, le=64, description="PCIe lanes")
    power_limit_w: float | None = Field(default=None, ge=0, description="Power limit, W")
    mig_mode: bool | None = Field(
        default=None, description="NVIDIA Multi-Instance GPU on; None where not supported"
    )
    uuid: str | None = Field(default=None, description="Device UUID")
    pci_bus_id: str | None = Field(default=None, description="PCI address")
    gpu_cores: int | None = Field(default=None, ge=1, description="GPU cores (Apple)")
    unified_memory: bool = Field(default=False, description="Shares memory with the CPU")

    @property
    def known(self) -> bool:
        return self.catalog_id is not None

    def lookup_names(self) -> tuple[str, ...]:
        """Names to try against the catalog, most specific first."""
        if self.vendor == "apple" and self.gpu_cores:
            return (f"{self.name} ({self.gpu_cores}-core GPU)",)
        return (self.name,)

    def as_custom_spec(
        self, catalog: Catalog | None = None, memory_gib: float | None = None
    ) -> GpuSpec:
        """A user accelerator (custom=True) with the measured memory, for planning an unknown GPU.

        Figures the tools cannot measure (bandwidth, TFLOPS) are copied from the nearest
        catalog suggestion of the same vendor, or set to clearly marked placeholders; every
        such field is listed in ``assumptions``.
        """
        from planner.hardware.custom import custom_spec

        return custom_spec(self, catalog, memory_gib)


class LinkPair(Frozen):
    """How two GPUs of one machine talk to each other."""

    a: int = Field(ge=0, description="GPU index")
    b: int = Field(ge=0, description="GPU index")
    kind: LinkKind = Field(description="nvlink, xgmi (AMD Infinity Fabric), pcie or unknown")
    code: str = Field(description="The tool's own code, e.g. NV12, PHB, SYS, XGMI")
    nvlinks: int | None = Field(default=None, ge=1, description="Bonded NVLinks")
    description: str = ""


class Interconnect(Frozen):
    """GPU-to-GPU links, from `nvidia-smi topo -m` or rocm-smi."""

    source: str
    pairs: tuple[LinkPair, ...] = ()

    @property
    def kind(self) -> Literal["nvlink", "xgmi", "pcie", "unknown", "mixed", "none"]:
        kinds = {p.kind for p in self.pairs}
        if not kinds:
            return "none"
        return next(iter(kinds)) if len(kinds) == 1 else "mixed"

    def summary(self) -> str:
        if not self.pairs:
            return "no GPU pairs"
        codes = sorted({p.code for p in self.pairs})
        return f"{self.kind} ({', '.join(codes)}) between {len(self.pairs)} GPU pairs"


class HostInfo(Frozen):
    """The CPU and system memory, for CPU-only and offload planning."""

    cpu_model: str | None = None
    physical_cores: int | None = Field(default=None, ge=1)
    logical_cores: int | None = Field(default=None, ge=1)
    ram_total_gib: float | None = Field(default=None, ge=0)
    ram_available_gib: float | None = Field(default=None, ge=0)
    os: str = ""


class Detection(Frozen):
    """Everything one detection run found, and what went wrong on the way."""

    gpus: tuple[DetectedGpu, ...] = ()
    host: HostInfo = HostInfo()
    interconnect: Interconnect | None = None
    notes: tuple[str, ...] = Field(
        default=(), description="One line each: the tool, and what happened"
    )
    elapsed_s: float = Field(default=0.0, ge=0)


@dataclass
class Found:
    """What one probe or parser found, before catalog matching (internal, mutable)."""

    gpus: list[DetectedGpu] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    interconnect: Interconnect | None = None
    host: HostInfo | None = None
    absent: bool = False  # the tool is not installed at all

    def extend(self, other: Found) -> None:
        self.gpus.extend(other.gpus)
        self.notes.extend(other.notes)
        self.interconnect = self.interconnect or other.interconnect
