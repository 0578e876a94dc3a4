"""Compare estimates with the bundled measurements: error per metric, engine and hardware."""

from __future__ import annotations

import csv
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from planner.catalog.load import Catalog
from planner.estimate.efficiency import EfficiencyTable, load_efficiency
from planner.estimate.fit import Case, build_cases
from planner.estimate.measured import Measurement, Skipped, iter_measurements
from planner.estimate.memory import GIB, estimate_memory
from planner.estimate.scenario import build_deployment, make_workload
from planner.estimate.speed import BAND_OF
from planner.paths import resources_dir

# Targets from the product's accuracy goals (median absolute percentage error).
TARGET_MDAPE = {
    "prefill_tokens_per_s": 15.0,
    "decode_tokens_per_s": 15.0,
    "output_tokens_per_s_total": 20.0,
    "ttft_ms": 20.0,
    "tpot_ms": 20.0,
}
TARGET_IN_BAND = 0.75


@dataclass(frozen=True)
class Row:
    """Error of one group of measurements."""

    metric: str
    engine: str
    hw_class: str
    n: int
    mdape: float
    in_band: float


@dataclass(frozen=True)
class MemoryCheck:
    what: str
    measured_mib: float
    estimated_mib: float

    @property
    def ape(self) -> float:
        return abs(self.estimated_mib - self.measured_mib) / self.measured_mib * 100


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    overall: dict[str, Row] = field(default_factory=dict)
    memory: list[MemoryCheck] = field(default_factory=list)
    fit_agreement: tuple[int, int] = (0, 0)  # measured configs that fit, of all
    skipped: list[Skipped] = field(default_factory=list)
    in_band_total: float = 0.0
    suspect: int = 0

    def passes(self) -> dict[str, bool]:
        out = {m: r.mdape <= TARGET_MDAPE[m] for m, r in self.overall.items()}
        out["in_band"] = self.in_band_total >= TARGET_IN_BAND
        fits, total = self.fit_agreement
        out["fit"] = fits == total
        return out


def _mdape(errs: list[float]) -> float:
    return statistics.median(errs) if errs else float("nan")


def run_validation(catalog: Catalog, table: EfficiencyTable | None = None) -> Report:
    table = table or load_efficiency()
    rep = Report()
    measured: list[Measurement] = []
    for m in iter_measurements(catalog):
        if isinstance(m, Skipped):
            rep.skipped.append(m)
        else:
            measured.append(m)
    cases = build_cases(measured)
    rep.fit_agreement = (len(cases), len(measured))
    # Rows the data's compiler marked as anomalous are not scored (they are not fitted either).
    rep.suspect = sum(c.m.suspect for c in cases)
    cases = [c for c in cases if not c.m.suspect]
    groups: dict[tuple[str, str, str], list[tuple[float, bool]]] = defaultdict(list)
    for c in cases:
        groups[(c.m.metric, c.m.engine_family, c.hw_class)].append(_score(c, table))
    by_metric: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for (metric, eng, cls), scores in sorted(groups.items()):
        rep.rows.append(_row(metric, eng, cls, scores))
        by_metric[metric].extend(scores)
    for metric, scores in by_metric.items():
        rep.overall[metric] = _row(metric, "all", "all", scores)
    every = [s for v in by_metric.values() for s in v]
    rep.in_band_total = sum(ok for _, ok in every) / len(every) if every else 0.0
    rep.memory = memory_checks(catalog)
    return rep


def _score(c: Case, table: EfficiencyTable) -> tuple[float, bool]:
    f, _ = table.lookup(c.m.engine_family, c.hw_class)
    est = c.predict(f)
    band = table.band(c.m.engine_family, BAND_OF[c.m.metric])
    inside = est * band.p10 <= c.m.value <= est * band.p90
    return abs(est - c.m.value) / c.m.value * 100, inside


def _row(metric: str, eng: str, cls: str, scores: list[tuple[float, bool]]) -> Row:
    return Row(
        metric=metric,
        engine=eng,
        hw_class=cls,
        n=len(scores),
        mdape=_mdape([e for e, _ in scores]),
        in_band=sum(ok for _, ok in scores) / len(scores),
    )


def memory_checks(catalog: Catalog, root: Path | None = None) -> list[MemoryCheck]:
    """llama.cpp's logged weight, KV and compute buffers against the memory estimate."""
    base = root or resources_dir() / "calibration"
    out: list[MemoryCheck] = []
    with (base / "memory.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        metric = r["metric"]
        mm = re.match(r"buffer_mib: (CUDA|Metal)(\d*) (weights|KV cache|compute buffer)$", metric)
        if not mm or not r["gpu_count"]:
            continue
        n = int(r["gpu_count"])
        ctx = int(r["input_len"].split()[-1])
        dep = build_deployment(
            catalog,
            model=r["model"],
            quant=r["quantization"].split(" ")[0],
            gpu=re.sub(r"\s*\(.*\)$", "", r["hardware"]),
            gpu_count=n,
            engine="llama.cpp",
        )
        mem = estimate_memory(dep, make_workload(1, ctx, 0, context_len=ctx))
        idx = int(mm.group(2) or 0)
        g = mem.gpus[min(idx, len(mem.gpus) - 1)]
        part = mm.group(3)
        est = (
            {
                "weights": g.weights_gib,
                "KV cache": g.kv_cache_gib,
                "compute buffer": g.activation_gib,
            }[part]
            * GIB
            / 2**20
        )
        out.append(
            MemoryCheck(
                f"{r['model']} {r['hardware']} x{n} dev{idx} {part}", float(r["value"]), est
            )
        )
    return out
