"""What a report says about a scenario, computed once and rendered as Markdown, HTML or CSV:
the inputs, every assumption with its source and date, and the results."""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.cost import CostWorkload, HardwareCosts
from planner.costinputs import Provenance
from planner.costplan import ApiComparison, NoCapacityError, SelfHosted, compare, plan_self_hosted
from planner.estimate.efficiency import EfficiencyTable
from planner.estimate.inputs import Deployment, Workload
from planner.estimate.scenario import Estimate, estimate, sweep
from planner.prices.schema import ApiPrice, PriceSnapshot

SWEEP = (1, 2, 4, 8, 16, 32, 64, 128, 256)


@dataclass(frozen=True)
class Assumption:
    """One figure the results rest on, with where it came from."""

    subject: str
    what: str
    value: str
    source: str
    as_of: str | None
    assumed: bool  # no source gives it


@dataclass
class ScenarioReport:
    name: str
    deployment: Deployment
    workload: Workload
    estimate: Estimate
    sweep: list[tuple[int, float, float, float]]  # concurrency, output tok/s, p10, p90
    cost_workload: CostWorkload | None = None
    plan: SelfHosted | None = None
    plan_error: str | None = None
    comparisons: list[tuple[ApiPrice, ApiComparison]] = field(default_factory=list)
    snapshot: PriceSnapshot | None = None
    assumptions: list[Assumption] = field(default_factory=list)


def _catalog_assumptions(dep: Deployment) -> list[Assumption]:
    out = []
    for subject, entry in (
        (dep.model.name, dep.model),
        (dep.gpu.name, dep.gpu),
        (dep.quant.name, dep.quant),
        (dep.engine.name, dep.engine),
    ):
        out.append(Assumption(subject, "catalog entry", "", entry.source, None, False))
        for what, why in entry.assumptions.items():
            value = getattr(entry, what, "")
            out.append(Assumption(subject, what, str(value), why, None, True))
    if dep.gpu.price_usd is not None:
        out.append(
            Assumption(
                dep.gpu.name,
                "catalog price",
                f"${dep.gpu.price_usd:,.0f}",
                dep.gpu.price_source or dep.gpu.source,
                dep.gpu.price_as_of,
                False,
            )
        )
    return out


def build_scenario_report(
    name: str,
    dep: Deployment,
    wl: Workload,
    cost_wl: CostWorkload | None = None,
    costs: tuple[HardwareCosts, list[Provenance]] | None = None,
    snapshot: PriceSnapshot | None = None,
    table: EfficiencyTable | None = None,
) -> ScenarioReport:
    est = estimate(dep, wl, table)
    points = [
        (
            c,
            s.output_tokens_per_s_total,
            s.low["output_tokens_per_s_total"],
            s.high["output_tokens_per_s_total"],
        )
        for c, s in zip(SWEEP, sweep(dep, wl, SWEEP, table), strict=True)
        if s is not None
    ]
    rep = ScenarioReport(name, dep, wl, est, points, cost_wl, snapshot=snapshot)
    rep.assumptions = _catalog_assumptions(dep)
    if cost_wl is not None and costs is not None:
        hw, provenance = costs
        rep.assumptions += [
            Assumption(
                "costs", p.label, f"{p.value:,.4g} {p.unit}", p.source, p.as_of, p.assumption
            )
            for p in provenance
        ]
        try:
            rep.plan = plan_self_hosted(dep, cost_wl, hw, table)
        except NoCapacityError as exc:
            rep.plan_error = str(exc)
        if rep.plan is not None and snapshot is not None:
            apis = [
                p for p in snapshot.prices if p.kind == "closed" or p.open_model == dep.model.id
            ]
            rep.comparisons = [(p, compare(rep.plan, p)) for p in apis]
            rep.assumptions += [
                Assumption(
                    "API prices",
                    p.name,
                    f"${p.input_usd_per_mtok:g} in / ${p.output_usd_per_mtok:g} out per Mtok",
                    p.source,
                    p.as_of,
                    False,
                )
                for p in apis
            ]
    return rep
