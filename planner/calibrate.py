"""Local calibration: the user's own benchmark results tune the efficiency factors of their
hardware class and engine, narrow the uncertainty band, and say so on every number.

A group's decode-side evidence (decode tokens/s, time per output token, serving throughput)
scales the time of a decode step; its prefill-side evidence (prefill tokens/s, time to first
token) then scales prefill compute. Scaling never lifts a factor above 1, so a calibrated
estimate still never beats the physical roofline."""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.estimate.efficiency import METRICS, Band, EfficiencyTable, Factors
from planner.estimate.fit import Case, build_cases
from planner.estimate.measured import Measurement
from planner.estimate.speed import BAND_OF
from planner.fileio import atomic_write_text

DECODE_SIDE = ("decode_tokens_per_s", "tpot_ms", "output_tokens_per_s_total")
PREFILL_SIDE = ("prefill_tokens_per_s", "ttft_ms")
ROUNDS = 4


class CalibrationError(ValueError):
    """A calibration file is missing, damaged or of another kind."""


class CalibrationEntry(BaseModel):
    """Calibrated factors of one engine family on one hardware class."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    family: str
    hw_class: str
    factors: Factors
    bands: dict[str, Band]
    measurements: int = Field(ge=1)
    sources: tuple[str, ...] = ()


class Calibration(BaseModel):
    """Everything calibrated from one set of measurements (a file of its own, or in a plan)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["llm-planner calibration"] = "llm-planner calibration"
    schema_version: Literal[1] = 1
    created: str = Field(description="Date the measurements were fitted (ISO)")
    entries: tuple[CalibrationEntry, ...]

    def describe(self, entry: CalibrationEntry) -> str:
        n = entry.measurements
        return f"calibrated from {n} measurement{'s' if n != 1 else ''} on {self.created}"


def _ratio(case: Case, f: Factors) -> float:
    """How much faster the measurement is than the estimate (>1: faster)."""
    est = case.predict(f)
    r = case.m.value / est
    return 1 / r if case.m.metric.endswith("_ms") else r


def _geomean(values: Sequence[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def _scale_decode(f: Factors, r: float) -> Factors:
    return f.model_copy(
        update={
            "bandwidth": min(1.0, f.bandwidth * r),
            "compute": min(1.0, f.compute * r),
            "interconnect": min(1.0, f.interconnect * r),
            "step_overhead_us_per_layer": f.step_overhead_us_per_layer / r,
        }
    )


def _fit_group(cases: Sequence[Case], start: Factors) -> Factors:
    f = start
    decode = [c for c in cases if c.m.metric in DECODE_SIDE]
    prefill = [c for c in cases if c.m.metric in PREFILL_SIDE]
    for _ in range(ROUNDS):
        if decode:
            f = _scale_decode(f, _geomean([_ratio(c, f) for c in decode]))
        if prefill:
            r = _geomean([_ratio(c, f) for c in prefill])
            f = f.model_copy(update={"prefill_compute": min(1.0, f.prefill_compute * r)})
            if not decode:
                # A prefill bound by memory or fixed costs says how fast those are too.
                rest = _geomean([_ratio(c, f) for c in prefill])
                if abs(rest - 1) > 1e-3:
                    f = _scale_decode(f, rest)
    return f


def _bands(
    cases: Sequence[Case], f: Factors, bundled: EfficiencyTable, family: str
) -> dict[str, Band]:
    """The bundled band shrunk by sqrt(1 + n) around 1, never narrower than the spread of
    the calibrated residuals."""
    n = len(cases)
    shrink = math.sqrt(1 + n)
    ratios: dict[str, list[float]] = defaultdict(list)
    for c in cases:
        ratios[BAND_OF[c.m.metric]].append(c.m.value / c.predict(f))
    out = {}
    for metric in METRICS:
        b = bundled.band(family, metric)
        lo = 1 - (1 - b.p10) / shrink if b.p10 < 1 else b.p10
        hi = 1 + (b.p90 - 1) / shrink if b.p90 > 1 else b.p90
        seen = ratios.get(metric, [])
        if seen:
            lo, hi = min(lo, *seen), max(hi, *seen)
        out[metric] = Band(p10=round(lo, 4), p90=round(hi, 4), n=n)
    return out


def fit_calibration(
    measurements: Sequence[Measurement],
    bundled: EfficiencyTable,
    created: str,
) -> Calibration:
    """Calibrated factors for every (engine family, hardware class) the measurements cover."""
    cases = build_cases(measurements)
    if not cases:
        raise CalibrationError("none of the measurements fits in memory as described")
    groups: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for c in cases:
        groups[(c.m.engine_family, c.hw_class)].append(c)
    entries = []
    for (family, cls), group in sorted(groups.items()):
        start, _ = bundled.lookup(family, cls)
        f = _fit_group(group, start)
        entries.append(
            CalibrationEntry(
                family=family,
                hw_class=cls,
                factors=f,
                bands=_bands(group, f, bundled, family),
                measurements=len(group),
                sources=tuple(sorted({c.m.source.split(":")[0] for c in group})),
            )
        )
    return Calibration(created=created, entries=tuple(entries))


def apply_calibration(table: EfficiencyTable, cal: Calibration) -> EfficiencyTable:
    """The efficiency table with the calibrated groups' factors, bands and provenance."""
    local = dict(table.local_factors)
    calibrated = dict(table.calibrated)
    class_bands = dict(table.class_bands)
    for e in cal.entries:
        key = f"{e.family}:{e.hw_class}"
        local[key] = e.factors
        calibrated[key] = cal.describe(e)
        class_bands[key] = dict(e.bands)
    return table.model_copy(
        update={"local_factors": local, "calibrated": calibrated, "class_bands": class_bands}
    )


@dataclass(frozen=True)
class Comparison:
    """One measurement beside the estimate for the same configuration."""

    measurement: Measurement
    estimate: float
    calibrated: float | None

    @property
    def ratio(self) -> float:
        return self.measurement.value / self.estimate


def compare(
    measurements: Sequence[Measurement],
    bundled: EfficiencyTable,
    calibrated: EfficiencyTable | None = None,
) -> list[Comparison]:
    out = []
    for c in build_cases(measurements):
        f, _ = bundled.lookup(c.m.engine_family, c.hw_class)
        after = None
        if calibrated is not None:
            fc, _ = calibrated.lookup(c.m.engine_family, c.hw_class)
            after = c.predict(fc)
        out.append(Comparison(c.m, c.predict(f), after))
    return out


def implication(entry: CalibrationEntry, bundled: EfficiencyTable) -> str:
    """What the calibration says about the hardware, in words."""
    base, _ = bundled.lookup(entry.family, entry.hw_class)
    bw = entry.factors.bandwidth / base.bandwidth
    pre = entry.factors.prefill_compute / base.prefill_compute
    return (
        f"{entry.family} on {entry.hw_class}: effective bandwidth {bw:.0%} of the calibrated "
        f"default ({entry.factors.bandwidth:.0%} of peak), prefill compute {pre:.0%} of the "
        f"default ({entry.factors.prefill_compute:.0%} of peak)"
    )


def save_calibration(path: Path, cal: Calibration) -> None:
    atomic_write_text(path, json.dumps(cal.model_dump(mode="json"), indent=1) + "\n")


def load_calibration(path: Path) -> Calibration:
    try:
        if path.stat().st_size > 5 * 1024 * 1024:
            raise CalibrationError(f"{path}: too large for a calibration file")
        return Calibration.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalibrationError(f"{path}: no such calibration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CalibrationError(f"{path}: cannot read it ({exc})") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise CalibrationError(f"{path}: not a calibration file ({where}: {err['msg']})") from None
