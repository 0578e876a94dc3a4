"""Fit efficiency factors per engine family and hardware class on the bundled measurements,
and derive the p10..p90 bands from the residuals. Run `python -m planner.estimate.fit` to
regenerate resources/calibration/efficiency.json after changing the model or the data."""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from planner.catalog.load import bundled_catalog
from planner.estimate.efficiency import (
    EFFICIENCY_FILE,
    METRICS,
    Band,
    EfficiencyTable,
    Factors,
    hardware_class,
)
from planner.estimate.fastfit import CaseArrays
from planner.estimate.measured import Measurement, iter_measurements
from planner.estimate.memory import max_batch
from planner.estimate.scenario import make_workload
from planner.estimate.speed import BAND_OF, mean_context, speed_values
from planner.estimate.work import Work, decode_work, prefill_work
from planner.paths import resources_dir

START = Factors(
    bandwidth=0.7,
    compute=0.5,
    prefill_compute=0.5,
    step_overhead_us_per_layer=5.0,
    attention_penalty=1.0,
)
# Bounds keep the factors physical: no engine streams weights at more than 95% of the
# datasheet bandwidth, and a layer's fixed cost (kernel launches, synchronisation) stays
# under 100 us; outside these the fit trades one term for another.
GRID = {
    "bandwidth": [0.2 + 0.01 * i for i in range(76)],
    "compute": [0.05 + 0.01 * i for i in range(96)],
    "prefill_compute": [0.05 + 0.01 * i for i in range(96)],
    "step_overhead_us_per_layer": [0.5 * i for i in range(201)],
    "attention_penalty": [1.0 + 0.1 * i for i in range(60)],
    "dequant_penalty": [1.0 + 0.05 * i for i in range(41)],
    "interconnect": [0.05 + 0.05 * i for i in range(20)],
}
# A factor whose neutral value costs less than this share of the loss is not seen by the data.
UNSEEN_TOLERANCE = 0.002
# Families with no bundled measurements borrow a measured family's factors.
BORROW = {"vllm": "trtllm", "mlx": "llama.cpp"}


@dataclass(frozen=True)
class Case:
    """A measurement with its work precomputed, so factors can be tried cheaply."""

    m: Measurement
    batch: int
    concurrent: int
    pre: Work
    dec: Work

    def predict(self, f: Factors) -> float:
        v = speed_values(
            self.pre,
            self.dec,
            self.batch,
            self.m.input_len,
            self.m.output_len,
            self.m.deployment.replicas,
            f,
            self.concurrent,
        )
        return v[self.m.metric]

    @property
    def hw_class(self) -> str:
        return hardware_class(self.m.deployment.gpu)


def build_cases(measurements: Iterable[Measurement]) -> list[Case]:
    out: list[Case] = []
    for m in measurements:
        dep = m.deployment
        fit_limit = max_batch(dep, make_workload("max", m.input_len, m.output_len))
        if fit_limit < 1:
            continue
        batch = fit_limit if m.batch == "max" else int(m.batch)
        running = batch if dep.engine.reserve == "exact" else min(batch, fit_limit)
        pre = prefill_work(dep, running, m.input_len)
        dec = decode_work(dep, running, mean_context(m.input_len, m.output_len))
        out.append(Case(m, batch, running, pre, dec))
    return out


def fit_factors(cases: Sequence[Case], start: Factors = START, rounds: int = 4) -> Factors:
    """Coordinate descent on a grid, minimising the mean absolute log error (robust to the
    outliers of public data); a factor the data cannot see keeps its start value."""
    arrays = CaseArrays(cases)
    f = start
    best = arrays.loss(f)
    for _ in range(rounds):
        for name, grid in GRID.items():
            for v in grid:
                trial = f.model_copy(update={name: v})
                loss = arrays.loss(trial)
                if loss < best - 1e-9:
                    f, best = trial, loss
    # A factor these cases barely constrain goes back to its neutral value, so that it does
    # not carry what other data pushed it to into configurations nobody measured.
    for name in GRID:
        trial = f.model_copy(update={name: getattr(START, name)})
        loss = arrays.loss(trial)
        if loss <= best * (1 + UNSEEN_TOLERANCE):
            f, best = trial, loss
    return f


def bands(cases: Sequence[Case], table: EfficiencyTable) -> dict[str, Band]:
    ratios: dict[str, list[float]] = defaultdict(list)
    for c in cases:
        f, _ = table.lookup(c.m.engine_family, c.hw_class)
        ratios[BAND_OF[c.m.metric]].append(c.m.value / c.predict(f))
    out: dict[str, Band] = {}
    for metric in METRICS:
        r = sorted(ratios.get(metric, []))
        if len(r) >= 5:
            q = statistics.quantiles(r, n=10, method="inclusive")
            out[metric] = Band(p10=round(q[0], 3), p90=round(q[-1], 3), n=len(r))
    return out


def _median_factors(fs: Sequence[Factors]) -> Factors | None:
    if len(fs) < 2:
        return None
    return Factors(**{name: statistics.median(getattr(f, name) for f in fs) for name in GRID})


def fit_table(cases: Sequence[Case]) -> EfficiencyTable:
    usable = [c for c in cases if not c.m.suspect]
    groups: dict[str, dict[str, list[Case]]] = defaultdict(lambda: defaultdict(list))
    for c in usable:
        groups[c.m.engine_family][c.hw_class].append(c)
    factors: dict[str, dict[str, Factors]] = {}
    for family, by_class in sorted(groups.items()):
        pooled = [c for cs in by_class.values() for c in cs]
        start = fit_factors(pooled)
        fitted = {cls: fit_factors(cs, start=start) for cls, cs in sorted(by_class.items())}
        # Hardware of an unmeasured class gets the typical measured class: the median of
        # each factor over the classes, so one unusual class does not set it.
        factors[family] = {"default": _median_factors(list(fitted.values())) or start, **fitted}
    factors["default"] = {"default": fit_factors(usable)}
    for family, donor in BORROW.items():
        if family not in factors and donor in factors:
            factors[family] = dict(factors[donor])
    draft = EfficiencyTable(
        source="fitted by planner.estimate.fit on resources/calibration/*.csv",
        fitted_on="",
        factors=factors,
        bands={},
        default_band={m: Band(p10=0.5, p90=1.5, n=0) for m in METRICS},
    )
    by_family: dict[str, list[Case]] = defaultdict(list)
    for c in usable:
        by_family[c.m.engine_family].append(c)
    fam_bands = {fam: bands(cs, draft) for fam, cs in by_family.items()}
    pooled_band = bands(usable, draft)
    default_band = {m: pooled_band.get(m, Band(p10=0.5, p90=1.5, n=0)) for m in METRICS}
    for family, donor in BORROW.items():
        if family not in fam_bands and donor in fam_bands:
            fam_bands[family] = fam_bands[donor]
    summary = ", ".join(f"{fam}: {len(cs)} measurements" for fam, cs in sorted(by_family.items()))
    return EfficiencyTable(
        source=(
            "fitted by planner.estimate.fit on resources/calibration/*.csv; families without "
            f"measurements borrow: {', '.join(f'{k} <- {v}' for k, v in BORROW.items())}"
        ),
        fitted_on=summary,
        factors=factors,
        bands=fam_bands,
        default_band=default_band,
    )


def main() -> int:
    cat = bundled_catalog()
    measured = [m for m in iter_measurements(cat) if isinstance(m, Measurement)]
    table = fit_table(build_cases(measured))
    out = resources_dir() / "calibration" / EFFICIENCY_FILE
    out.write_text(json.dumps(table.model_dump(mode="json"), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}: {table.fitted_on}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
