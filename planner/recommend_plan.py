"""Recommendations and comparisons for the scenarios of a plan.

`recommend_for_scenario` searches deployments for a scenario's model and cost workload, with
the scenario's own cost inputs; `adopt` turns one of the candidates found back into the
scenario; `compare_plan` / `compare_rows` put the key results of a plan's scenarios side by
side, taken from `planner.dashboard.dashboard` so that they are the numbers the dashboard
shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from planner.catalog.load import Catalog
from planner.catalog.resolve import UnknownNameError
from planner.catalog.schema import GpuSpec, ModelSpec
from planner.costsfor import costs_for
from planner.dashboard import Dashboard, dashboard
from planner.estimate.efficiency import EfficiencyTable
from planner.estimate.inputs import PlanInputError
from planner.plan.build import resolve_costs, scenario_catalog
from planner.plan.schema import HardwareItem, Plan, Scenario
from planner.recommend import Candidate, Constraints, SearchResult, recommend


def _per_gpu_prices(scenario: Scenario) -> dict[str, dict[str, float]]:
    """The prices the scenario sets for particular accelerators (its hardware items'), by GPU
    id; the deployed item wins when the inventory lists the same GPU twice."""
    out: dict[str, dict[str, float]] = {}
    for item in reversed(scenario.hardware):
        out[item.gpu] = dict(item.prices)
    return out


def _model(catalog: Catalog, scenario: Scenario) -> ModelSpec:
    found = scenario.model_spec or catalog.models.get(scenario.model)
    return found or catalog.model(scenario.model)


def recommend_for_scenario(
    catalog: Catalog,
    scenario: Scenario,
    constraints: Constraints,
    table: EfficiencyTable | None = None,
    limit: int = 20,
) -> SearchResult:
    """The cheapest deployments of the scenario's model (a custom one included) that serve its
    cost workload within its latency targets and `constraints`.

    Every GPU is priced as the command line prices it, with the scenario's explicit cost
    inputs and recorded price overrides; a price a hardware item sets holds for that item's
    GPU only. Raises PlanInputError when the scenario has no cost workload, and
    PlanInputError / UnknownNameError when its model is not known."""
    if scenario.cost_workload is None:
        raise PlanInputError(
            f"scenario '{scenario.name}' has no cost workload: set the monthly volume and the "
            "latency targets (the Cost step) before searching for configurations"
        )
    cat = scenario_catalog(catalog, scenario)
    lookup = costs_for(scenario.costs.explicit, scenario.price_overrides, _per_gpu_prices(scenario))
    return recommend(
        cat,
        _model(cat, scenario),
        scenario.cost_workload.to_cost_workload(),
        constraints,
        lookup,
        table=table,
        limit=limit,
    )


def _differs(spec: ModelSpec | GpuSpec, bundled: ModelSpec | GpuSpec | None) -> bool:
    """True when the spec must be embedded in the scenario (custom, or not the catalog's)."""
    return spec.custom or bundled != spec


def adopt(catalog: Catalog, scenario: Scenario, candidate: Candidate) -> Scenario:
    """The scenario changed to the candidate's deployment, its costs resolved again.

    A scenario describes one replica group: it deploys on the candidate's GPU, `tp * pp` of
    them, in the candidate's weight format, KV-cache format, engine and parallelism, paid for
    the candidate's way (its cost workload sizes the replicas again). Its name, workloads,
    cost inputs, prices and notes stay; its other hardware items stay as inventory. The node
    count is dropped (the search does not know it), and a price the scenario set for an
    accelerator is kept only when the candidate deploys on that accelerator, so that
    `evaluate` prices the adopted scenario as the search priced the candidate."""
    dep = candidate.plan.deployment
    old = scenario.deployed
    same_gpu = dep.gpu.id == old.gpu
    item = HardwareItem(
        gpu=dep.gpu.id,
        gpu_spec=dep.gpu if _differs(dep.gpu, catalog.gpus.get(dep.gpu.id)) else None,
        count=dep.tp * dep.pp,
        memory_gib=dep.memory_gib,
        nodes=None,
        interconnect=old.interconnect if same_gpu else "",
        acquisition=candidate.acquisition,
        prices=_per_gpu_prices(scenario).get(dep.gpu.id, {}),
    )
    changed = scenario.replace(
        model=dep.model.id,
        model_spec=dep.model if _differs(dep.model, catalog.models.get(dep.model.id)) else None,
        quant=dep.quant.id,
        kv_quant=dep.kv_quant.id,
        hardware=(item, *scenario.hardware[1:]),
        engine=dep.engine.id,
        tp=dep.tp,
        pp=dep.pp,
        ep=dep.ep,
        batched_tokens=dep.batched_tokens,
        gpu_layers=dep.gpu_layers,
    )
    return resolve_costs(catalog, changed)


@dataclass(frozen=True)
class CompareRow:
    """A scenario's key results, as its dashboard shows them; `error` when it cannot be
    estimated (then the numbers are None). Costs are None without a cost workload or a
    price, the API figures None without a price snapshot."""

    name: str
    model: str
    hardware: str  # "2 x H100 SXM"
    quant: str
    engine: str
    fits: bool | None = None
    headroom_gib: float | None = None  # free memory on the fullest GPU at the workload batch
    max_batch: int | None = None
    batch: int | None = None  # the workload batch the speeds are at
    tokens_per_s: float | None = None  # output tokens per second, whole deployment
    tokens_per_s_low: float | None = None  # p10
    tokens_per_s_high: float | None = None  # p90
    ttft_ms: float | None = None
    tpot_ms: float | None = None
    self_hosted_usd_per_month: float | None = None
    usd_per_mtok: float | None = None
    api: str | None = None  # the API compared with: the scenario's choice, else the cheapest
    api_usd_per_mtok: float | None = None
    savings_usd_per_month: float | None = None  # API minus self-hosted; negative: API cheaper
    break_even_tokens_per_month: float | None = None  # None: the API stays cheaper
    cheapest_api: str | None = None  # the cheapest closed API in the scenario's prices
    cheapest_api_usd_per_mtok: float | None = None
    binding: str = ""
    error: str | None = None

    @property
    def tokens_per_s_range(self) -> tuple[float, float] | None:
        """Output tokens per second, p10 and p90."""
        if self.tokens_per_s_low is None or self.tokens_per_s_high is None:
            return None
        return self.tokens_per_s_low, self.tokens_per_s_high


@dataclass(frozen=True)
class CompareMetric:
    """One line of the comparison: a CompareRow attribute, its label with the unit, and
    which way is better (None: not ranked)."""

    key: str
    label: str
    better: Literal["high", "low"] | None = None


COMPARE_METRICS = (
    CompareMetric("model", "Model"),
    CompareMetric("hardware", "Hardware"),
    CompareMetric("quant", "Weights"),
    CompareMetric("engine", "Engine"),
    CompareMetric("fits", "Fits in memory", "high"),
    CompareMetric("headroom_gib", "Memory headroom (GiB)", "high"),
    CompareMetric("max_batch", "Max batch (sequences)", "high"),
    CompareMetric("batch", "Workload batch (sequences)"),
    CompareMetric("tokens_per_s", "Output, workload batch (tok/s)", "high"),
    CompareMetric("tokens_per_s_range", "Output p10-p90 (tok/s)"),
    CompareMetric("ttft_ms", "Time to first token (ms)", "low"),
    CompareMetric("tpot_ms", "Time per output token (ms)", "low"),
    CompareMetric("self_hosted_usd_per_month", "Self-hosted (USD/month)", "low"),
    CompareMetric("usd_per_mtok", "Self-hosted (USD/Mtok)", "low"),
    CompareMetric("api", "API compared with"),
    CompareMetric("api_usd_per_mtok", "That API (USD/Mtok)"),
    CompareMetric("savings_usd_per_month", "Savings vs that API (USD/month)", "high"),
    CompareMetric("break_even_tokens_per_month", "Break-even (tokens/month)", "low"),
    CompareMetric("cheapest_api", "Cheapest closed API"),
    CompareMetric("cheapest_api_usd_per_mtok", "Cheapest closed API (USD/Mtok)"),
    CompareMetric("binding", "Limited by"),
)


def best_of(rows: Sequence[CompareRow], metric: CompareMetric) -> set[int]:
    """Indexes of the rows with the best value of a ranked metric; none when fewer than two
    rows have a value or all values are equal (nothing stands out)."""
    if metric.better is None:
        return set()
    values: list[tuple[int, float]] = []
    for i, row in enumerate(rows):
        v = getattr(row, metric.key)
        if isinstance(v, bool | int | float) and math.isfinite(v):
            values.append((i, float(v)))
    if len(values) < 2 or len({v for _, v in values}) == 1:
        return set()
    pick = max if metric.better == "high" else min
    target = pick(v for _, v in values)
    return {i for i, v in values if v == target}


def compare_row(d: Dashboard) -> CompareRow:
    """The row of a computed dashboard."""
    est = d.estimate
    dep = est.deployment
    speed = est.speed
    sh = d.result.self_hosted
    cmp = d.result.comparison
    api = d.result.api
    cheapest = d.cheapest_api
    api_line = None
    if api is not None:
        api_line = next((c for c in d.cost_lines if c.kind != "self" and c.label == api.name), None)
    return CompareRow(
        name=d.scenario.name,
        model=dep.model.name,
        hardware=f"{dep.gpu_count} x {dep.gpu.name}",
        quant=dep.quant.name,
        engine=dep.engine.name,
        fits=d.fits,
        headroom_gib=est.memory.headroom_gib,
        max_batch=est.max_batch,
        batch=est.batch,
        tokens_per_s=speed.output_tokens_per_s_total if speed else None,
        tokens_per_s_low=speed.low["output_tokens_per_s_total"] if speed else None,
        tokens_per_s_high=speed.high["output_tokens_per_s_total"] if speed else None,
        ttft_ms=speed.ttft_ms if speed else None,
        tpot_ms=speed.tpot_ms if speed else None,
        self_hosted_usd_per_month=sh.monthly.total_usd if sh else None,
        usd_per_mtok=sh.usd_per_mtok if sh else None,
        api=api.name if api is not None and cmp is not None else None,
        api_usd_per_mtok=api_line.usd_per_mtok if api_line is not None else None,
        savings_usd_per_month=cmp.savings_usd if cmp else None,
        break_even_tokens_per_month=cmp.break_even_tokens_per_month if cmp else None,
        cheapest_api=cheapest.label if cheapest else None,
        cheapest_api_usd_per_mtok=cheapest.usd_per_mtok if cheapest else None,
        binding=d.binding,
    )


def error_row(catalog: Catalog, scenario: Scenario, message: str) -> CompareRow:
    """The row of a scenario that cannot be estimated: names as far as they are known."""

    def name(table: Mapping[str, object], key: str) -> str:
        found = table.get(key)
        return str(getattr(found, "name", key)) if found is not None else key

    item = scenario.deployed
    gpu = item.gpu_spec.name if item.gpu_spec else name(catalog.gpus, item.gpu)
    spec = scenario.model_spec
    model = spec.name if spec is not None else name(catalog.models, scenario.model)
    return CompareRow(
        name=scenario.name,
        model=model,
        hardware=f"{item.count} x {gpu}",
        quant=name(catalog.quants, scenario.quant),
        engine=name(catalog.engines, scenario.engine) if scenario.engine else "default",
        error=message,
    )


def compare_plan(
    catalog: Catalog, plan: Plan, table: EfficiencyTable | None = None
) -> tuple[list[CompareRow], list[Dashboard | None]]:
    """One row and one dashboard per scenario (None where it cannot be estimated)."""
    rows: list[CompareRow] = []
    boards: list[Dashboard | None] = []
    for scenario in plan.scenarios:
        try:
            d = dashboard(catalog, scenario, table)
        except (PlanInputError, UnknownNameError) as exc:
            text = str(exc).strip() or type(exc).__name__
            rows.append(error_row(catalog, scenario, text.splitlines()[0]))
            boards.append(None)
            continue
        rows.append(compare_row(d))
        boards.append(d)
    return rows, boards


def compare_rows(
    catalog: Catalog, plan: Plan, table: EfficiencyTable | None = None
) -> list[CompareRow]:
    """One row per scenario of the plan, in order."""
    return compare_plan(catalog, plan, table)[0]


__all__ = [
    "COMPARE_METRICS",
    "CompareMetric",
    "CompareRow",
    "adopt",
    "best_of",
    "compare_plan",
    "compare_row",
    "compare_rows",
    "error_row",
    "recommend_for_scenario",
]
