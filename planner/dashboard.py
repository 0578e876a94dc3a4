"""Everything the results dashboard shows for one scenario, computed in one place.

The desktop app draws these numbers and computes none of its own; the command line and the
tests call the same function. One call costs a few milliseconds (one capacity search, one
concurrency sweep, a handful of replica-count evaluations for the cost curves).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pydantic import BaseModel

from planner.catalog.load import Catalog
from planner.cost import CostWorkload, api_monthly_cost
from planner.costplan import SelfHosted, break_even, hybrid_curve, plan_self_hosted
from planner.estimate.efficiency import EfficiencyTable
from planner.estimate.inputs import Deployment, PlanInputError
from planner.estimate.memory import GpuMemory, max_context
from planner.estimate.scenario import Estimate, sweep
from planner.estimate.serving import Capacity
from planner.plan.build import ScenarioResult, evaluate
from planner.plan.schema import Scenario
from planner.prices.schema import ApiPrice
from planner.quality import QualityScore, headline

# Concurrencies the throughput and context curves are drawn at (cut at what fits).
CONCURRENCY_GRID = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
# Monthly volumes the cost curves are drawn at, as multiples of the scenario's volume.
VOLUME_FACTORS = tuple(10 ** (e / 4) for e in range(-12, 9))  # 0.001x .. 100x
QUALITY_BENCHMARK = "MMLU-Pro"


@dataclass(frozen=True)
class SweepPoint:
    """One replica group at `concurrency` sequences in flight."""

    concurrency: int
    tokens_per_s: float  # output tokens per second, whole deployment
    tokens_per_s_low: float  # p10
    tokens_per_s_high: float  # p90
    per_user_tokens_per_s: float
    ttft_ms: float
    ttft_ms_low: float
    ttft_ms_high: float
    tpot_ms: float
    tpot_ms_low: float
    tpot_ms_high: float


@dataclass(frozen=True)
class CostLine:
    """Monthly cost of one option against monthly tokens."""

    label: str
    kind: str  # "self", "closed" or "hosted-open"
    tokens_per_month: tuple[float, ...]
    usd_per_month: tuple[float, ...]
    usd_per_mtok: float  # at the scenario's volume
    usd_per_mtok_low: float
    usd_per_mtok_high: float
    as_of: str | None = None
    source: str = ""


@dataclass(frozen=True)
class BreakEven:
    api: str
    tokens_per_month: float
    usd_per_month: float


@dataclass(frozen=True)
class QualityPoint:
    label: str
    usd_per_mtok: float
    score: float
    benchmark: str
    source: str
    self_hosted: bool


@dataclass(frozen=True)
class Dashboard:
    """A scenario's results as the dashboard and its plots show them."""

    scenario: Scenario
    result: ScenarioResult
    gpu_labels: tuple[str, ...]  # one per GPU of one replica (pipeline stage)
    memory: tuple[GpuMemory, ...]
    sweep: tuple[SweepPoint, ...]
    context_curve: tuple[tuple[int, int], ...]  # (concurrency, largest context that fits)
    ttft_target_ms: float | None
    tpot_target_ms: float | None
    cost_lines: tuple[CostLine, ...] = ()
    volume_tokens_per_month: float | None = None
    break_evens: tuple[BreakEven, ...] = ()
    hybrid: tuple[tuple[float, float], ...] = ()  # (self-hosted share, monthly USD)
    hybrid_api: str | None = None
    quality: tuple[QualityPoint, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def estimate(self) -> Estimate:
        return self.result.estimate

    @property
    def fits(self) -> bool:
        return self.result.estimate.fits

    @property
    def cheapest_api(self) -> CostLine | None:
        apis = [c for c in self.cost_lines if c.kind == "closed"]
        return min(apis, key=lambda c: c.usd_per_mtok) if apis else None

    @property
    def self_hosted_line(self) -> CostLine | None:
        return next((c for c in self.cost_lines if c.kind == "self"), None)

    @property
    def binding(self) -> str:
        """What limits the deployment: memory, a latency target, bandwidth or compute."""
        sh = self.result.self_hosted
        if sh is not None:
            return sh.binding
        if not self.fits:
            return "memory: the model does not fit"
        speed = self.result.estimate.speed
        return f"{speed.bound} at batch {speed.batch}" if speed is not None else ""


def _sweep(result: ScenarioResult, table: EfficiencyTable | None) -> tuple[SweepPoint, ...]:
    est = result.estimate
    grid = [c for c in CONCURRENCY_GRID if c <= max(est.max_batch, 0)]
    if est.max_batch > 0 and est.max_batch not in grid and est.max_batch < CONCURRENCY_GRID[-1]:
        grid.append(est.max_batch)
    out = []
    for c, s in zip(grid, sweep(est.deployment, est.workload, grid, table), strict=True):
        if s is None:
            continue
        out.append(
            SweepPoint(
                concurrency=c,
                tokens_per_s=s.output_tokens_per_s_total,
                tokens_per_s_low=s.low["output_tokens_per_s_total"],
                tokens_per_s_high=s.high["output_tokens_per_s_total"],
                per_user_tokens_per_s=1000.0 / s.tpot_ms if s.tpot_ms > 0 else 0.0,
                ttft_ms=s.ttft_ms,
                ttft_ms_low=s.low["ttft_ms"],
                ttft_ms_high=s.high["ttft_ms"],
                tpot_ms=s.tpot_ms,
                tpot_ms_low=s.low["tpot_ms"],
                tpot_ms_high=s.high["tpot_ms"],
            )
        )
    return tuple(out)


# The context curve depends on the deployment only, not on the workload, so edits of the
# lengths or the volume reuse it. Keyed by the deployment's catalog entries (by identity,
# kept alive beside the key) and its other fields.
_CONTEXT: dict[tuple[object, ...], tuple[tuple[object, ...], tuple[tuple[int, int], ...]]] = {}


def _context_curve(result: ScenarioResult) -> tuple[tuple[int, int], ...]:
    dep = result.estimate.deployment
    parts: list[object] = []
    refs: list[object] = []
    for name in type(dep).model_fields:
        value = getattr(dep, name)
        if isinstance(value, BaseModel):
            refs.append(value)
            value = id(value)
        parts.append(value)
    key = tuple(parts)
    hit = _CONTEXT.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], refs, strict=True)):
        return hit[1]
    if len(_CONTEXT) > 256:
        _CONTEXT.clear()
    curve = _context_curve_of(dep)
    _CONTEXT[key] = (tuple(refs), curve)
    return curve


def _context_curve_of(dep: Deployment) -> tuple[tuple[int, int], ...]:
    out = []
    for c in CONCURRENCY_GRID:
        ctx = max_context(dep, c)
        if ctx <= 0:
            break
        out.append((c, ctx))
    return tuple(out)


def _apis(result: ScenarioResult) -> list[ApiPrice]:
    snap = result.scenario.price_snapshot
    if snap is None:
        return []
    model = result.estimate.deployment.model.id
    return [p for p in snap.prices if p.kind == "closed" or p.open_model == model]


def _self_line(plan: SelfHosted, cap: Capacity, table: EfficiencyTable | None) -> CostLine:
    wl = plan.workload
    volumes, costs = [], []
    for f in VOLUME_FACTORS:
        scaled = wl.scaled(f)
        p = plan_self_hosted(plan.deployment, scaled, plan.costs, table, cap=cap)
        volumes.append(scaled.monthly_tokens)
        costs.append(p.monthly.total_usd)
    low, high = plan.usd_per_mtok_range
    dep = plan.deployment
    label = f"Self-hosted: {dep.model.name} on {dep.gpu.name}"
    return CostLine(
        label, "self", tuple(volumes), tuple(costs), plan.usd_per_mtok, low, high, None, ""
    )


def _api_line(price: ApiPrice, wl: CostWorkload) -> CostLine:
    # A per-token price: the monthly cost is proportional to the volume.
    base_usd = api_monthly_cost(price, wl)
    volumes = tuple(wl.monthly_tokens * f for f in VOLUME_FACTORS)
    costs = tuple(base_usd * f for f in VOLUME_FACTORS)
    per_mtok = base_usd / (wl.monthly_tokens / 1e6)
    return CostLine(
        price.name,
        price.kind,
        volumes,
        costs,
        per_mtok,
        per_mtok,
        per_mtok,
        price.as_of,
        price.source,
    )


def _quality(lines: Sequence[tuple[str, CostLine]], benchmark: str) -> tuple[QualityPoint, ...]:
    out = []
    for ref, line in lines:
        score = _headline(ref, benchmark)
        if score is None:
            continue
        out.append(
            QualityPoint(
                line.label,
                line.usd_per_mtok,
                score.score,
                benchmark,
                score.source,
                line.kind == "self",
            )
        )
    return tuple(out)


@lru_cache(maxsize=512)
def _headline(ref: str, benchmark: str) -> QualityScore | None:
    return headline(ref, benchmark)  # the bundled scores: the same answer every time


def dashboard(
    catalog: Catalog,
    scenario: Scenario,
    table: EfficiencyTable | None = None,
    quality_benchmark: str = QUALITY_BENCHMARK,
) -> Dashboard:
    """Compute the dashboard of a scenario. Raises PlanInputError or UnknownNameError when
    the scenario cannot be estimated at all; cost problems become notes."""
    result = evaluate(catalog, scenario, table)
    est = result.estimate
    dep = est.deployment
    stages = len(est.memory.gpus)
    per_stage = dep.tp
    labels = tuple(
        f"{dep.gpu.name} (stage {i + 1}, x{per_stage})" if stages > 1 else f"{dep.gpu.name}"
        for i in range(stages)
    )
    cwl = scenario.cost_workload
    notes = list(est.notes)
    if result.cost_note:
        notes.append(result.cost_note)
    base = Dashboard(
        scenario=scenario,
        result=result,
        gpu_labels=labels,
        memory=est.memory.gpus,
        sweep=_sweep(result, table) if est.fits else (),
        context_curve=_context_curve(result),
        ttft_target_ms=cwl.ttft_target_ms if cwl else None,
        tpot_target_ms=cwl.tpot_target_ms if cwl else None,
        notes=tuple(notes),
    )
    plan = result.self_hosted
    if plan is None:
        return base
    wl = plan.workload
    cap = Capacity(plan.point, plan.point.concurrency, plan.binding)
    own = _self_line(plan, cap, table)
    priced = [(p, _api_line(p, wl)) for p in _apis(result)]
    lines = (own, *(line for _, line in priced))
    breaks = []
    for p, line in priced:
        if p.kind != "closed":
            continue
        v = break_even(plan, p)
        if v is not None and math.isfinite(v):
            breaks.append(BreakEven(line.label, v, v / 1e6 * line.usd_per_mtok))
    hybrid: tuple[tuple[float, float], ...] = ()
    api = result.api
    if api is not None:
        try:
            hybrid = tuple(
                (h.self_hosted_share, h.total_usd)
                for h in hybrid_curve(dep, wl, plan.costs, api, table=table, cap=cap)
            )
        except PlanInputError as exc:
            notes.append(f"hybrid routing: {exc}")
    quality = _quality(
        [(dep.model.id, own), *((p.id, line) for p, line in priced)], quality_benchmark
    )
    return replace(
        base,
        cost_lines=lines,
        volume_tokens_per_month=wl.monthly_tokens,
        break_evens=tuple(breaks),
        hybrid=hybrid,
        hybrid_api=api.name if api is not None else None,
        quality=quality,
        notes=tuple(notes),
    )
