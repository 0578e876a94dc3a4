"""Efficiency factors (share of peak bandwidth and compute reached) per engine family and
hardware class, fitted on measured data, and the p10..p90 bands of the fit's residuals."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from planner.catalog.schema import GpuSpec
from planner.paths import resources_dir

METRICS = ("prefill", "decode", "throughput", "ttft", "tpot")


class Factors(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bandwidth: float = Field(gt=0, le=1, description="Share of peak memory bandwidth reached")
    compute: float = Field(gt=0, le=1, description="Share of peak tensor throughput in decode")
    prefill_compute: float = Field(
        gt=0, le=1, description="Share of peak tensor throughput in prefill"
    )
    step_overhead_us_per_layer: float = Field(
        ge=0, description="Fixed time per decode step per layer (kernel launches, sync)"
    )
    attention_penalty: float = Field(
        default=1.0, ge=1, description="Attention FLOPs cost this many matmul FLOPs"
    )
    interconnect: float = Field(
        default=1.0, gt=0, le=1, description="Share of the GPU-to-GPU link bandwidth reached"
    )
    dequant_penalty: float = Field(
        default=1.0, ge=1, description="Prefill matmuls on quantized weights cost this much more"
    )


class Band(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    p10: float = Field(gt=0, description="Measured/estimated ratio at the 10th percentile")
    p90: float = Field(gt=0, description="Measured/estimated ratio at the 90th percentile")
    n: int = Field(ge=0, description="Measurements behind the band")


class EfficiencyTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    fitted_on: str = Field(description="What the factors were fitted on")
    factors: dict[str, dict[str, Factors]] = Field(
        description="engine family -> hw class -> factors"
    )
    bands: dict[str, dict[str, Band]] = Field(description="engine family -> metric -> band")
    default_band: dict[str, Band] = Field(description="metric -> band for unseen families")
    calibrated: dict[str, str] = Field(
        default_factory=dict,
        description="'family:class' -> how local measurements calibrated its factors",
    )
    local_factors: dict[str, Factors] = Field(
        default_factory=dict,
        description="'family:class' -> calibrated factors (that class only, never borrowed)",
    )
    class_bands: dict[str, dict[str, Band]] = Field(
        default_factory=dict, description="'family:class' -> metric -> band (calibrated)"
    )

    def lookup(self, family: str, hw_class: str) -> tuple[Factors, str]:
        """Factors for a family and class, with how they were chosen (for provenance)."""
        local = self.local_factors.get(f"{family}:{hw_class}")
        if local is not None:
            return local, self.calibrated[f"{family}:{hw_class}"]
        by_class = self.factors.get(family) or self.factors["default"]
        if hw_class in by_class:
            return by_class[hw_class], f"fitted: {family} on {hw_class}"
        kind = hw_class.split("-", 1)[-1]
        for k in (kind, kind.split("-")[0]):
            for cls, f in by_class.items():
                if cls.split("-", 1)[-1] == k:
                    return f, f"{family} on {cls} (no measurements on {hw_class})"
        if "default" in by_class:
            return by_class["default"], f"{family} default (no measurements on {hw_class})"
        cls, f = next(iter(by_class.items()))
        return f, f"{family} on {cls} (no measurements on {hw_class})"

    def band(self, family: str, metric: str, hw_class: str | None = None) -> Band:
        if hw_class is not None:
            local = self.class_bands.get(f"{family}:{hw_class}", {}).get(metric)
            if local is not None:
                return local
        return self.bands.get(family, {}).get(metric) or self.default_band[metric]


def hardware_class(gpu: GpuSpec) -> str:
    """Vendor and memory kind: factors carry over between GPUs of one class.

    Consumer GDDR cards are their own kind: they run at higher clocks than the power-capped
    data-center and workstation GDDR boards whose datasheet peaks they share.
    """
    if gpu.vendor == "cpu":
        return "cpu-ddr"
    mem = gpu.memory_type.lower()
    if gpu.vendor == "apple" or gpu.segment in ("apple", "apu") or "lpddr" in mem:
        kind = "unified"
    elif "hbm" in mem:
        kind = "hbm"
    elif gpu.segment == "consumer":
        kind = "gddr-consumer"
    else:
        kind = "gddr"
    return f"{gpu.vendor}-{kind}"


EFFICIENCY_FILE = "efficiency.json"


@cache
def load_efficiency(path: Path | None = None) -> EfficiencyTable:
    p = path or resources_dir() / "calibration" / EFFICIENCY_FILE
    return EfficiencyTable.model_validate(json.loads(p.read_text(encoding="utf-8")))
