"""Tensor-parallel communication: all-reduce time over NVLink, Infinity Fabric or PCIe."""

from __future__ import annotations

from planner.catalog.schema import GpuSpec

# PCIe x16 bandwidth per direction by generation, GB/s (PCI-SIG: 8, 16, 32, 64, 128 GT/s
# per lane x 16 lanes, 128b/130b encoding, rounded as commonly quoted).
PCIE_X16_GBPS = {3: 16.0, 4: 32.0, 5: 64.0, 6: 128.0}
# Per-transfer latency: 10 us peer-to-peer over PCIe from ai-dynamo/aiconfigurator
# systems/a100_pcie.yaml; NVLink/Infinity Fabric assumed 5 us (NCCL small-message latency).
PCIE_LATENCY_S = 10e-6
LINK_LATENCY_S = 5e-6


def link_gbps_per_direction(gpu: GpuSpec) -> tuple[float, float]:
    """(bandwidth GB/s per direction, latency s) between two GPUs of this kind."""
    ic = gpu.interconnect
    if ic.kind in ("nvlink", "infinity-fabric") and ic.bandwidth_gbps:
        return ic.bandwidth_gbps / 2, LINK_LATENCY_S
    return PCIE_X16_GBPS.get(gpu.pcie_gen or 4, 32.0), PCIE_LATENCY_S


def allreduce_s(gpu: GpuSpec, tp: int, size_bytes: float) -> float:
    """Ring all-reduce of `size_bytes` across `tp` GPUs."""
    if tp <= 1:
        return 0.0
    bw, lat = link_gbps_per_direction(gpu)
    return lat + 2 * (tp - 1) / tp * size_bytes / (bw * 1e9)
