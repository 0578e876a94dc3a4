"""Recommendation: search GPU types x counts x formats x engines x parallelism for the
cheapest deployments that serve a workload within its latency targets and constraints."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.catalog.load import Catalog
from planner.catalog.schema import EngineSpec, GpuSpec, ModelSpec, QuantFormat, Vendor
from planner.cost import (
    CostWorkload,
    HardwareCosts,
    MonthlyCost,
    OwnedCosts,
    RentedCosts,
    monthly_cost,
)
from planner.costplan import SelfHosted, plan_self_hosted
from planner.estimate.efficiency import EfficiencyTable, load_efficiency
from planner.estimate.inputs import Deployment, PlanInputError
from planner.estimate.memory import GIB, weight_bytes
from planner.estimate.scenario import build_deployment
from planner.estimate.serving import capacity

GPU_COUNTS = (1, 2, 4, 8)


class Constraints(BaseModel):
    """What the search may choose from and must respect."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_gpus: int | None = Field(default=None, ge=1, description="GPUs in total, all replicas")
    monthly_budget_usd: float | None = Field(default=None, gt=0)
    capex_budget_usd: float | None = Field(default=None, gt=0, description="Capital for purchases")
    vendors: tuple[Vendor, ...] = Field(default=(), description="Allowed vendors (empty: any)")
    gpus: tuple[str, ...] = Field(default=(), description="Allowed GPU ids (empty: any)")
    quants: tuple[str, ...] = Field(default=(), description="Allowed weight formats (empty: any)")
    min_weight_bits: int | None = Field(
        default=None,
        ge=1,
        le=32,
        description="Leave out weight formats below this bit class (4: no 1- to 3-bit formats)",
    )
    engines: tuple[str, ...] = Field(default=(), description="Allowed engines (empty: any)")
    acquisition: Literal["buy", "rent", "either"] = "either"
    owned: dict[str, int] = Field(
        default_factory=dict, description="GPUs already owned (id -> count): used first, free"
    )
    counts: tuple[int, ...] = Field(default=GPU_COUNTS, description="GPUs per replica to try")


CostsFor = Callable[[GpuSpec, Literal["buy", "rent", "owned"]], HardwareCosts | None]


@dataclass(frozen=True)
class Candidate:
    plan: SelfHosted
    acquisition: Literal["buy", "rent", "owned"]
    why: list[str] = field(default_factory=list)
    also_engines: list[str] = field(default_factory=list)  # same cost and speed

    @property
    def monthly_usd(self) -> float:
        return self.plan.monthly.total_usd

    @property
    def tpot_ms(self) -> float:
        return self.plan.point.tpot_ms


@dataclass
class SearchResult:
    ranked: list[Candidate]
    pareto: list[Candidate]  # cheapest for each level of time per output token
    searched: int  # configurations considered
    rejected: dict[str, int]  # reason -> count


def _allowed(value: str, allowed: Sequence[str]) -> bool:
    return not allowed or value in allowed


def configurations(
    catalog: Catalog, model: ModelSpec, c: Constraints
) -> Iterator[tuple[GpuSpec, QuantFormat, EngineSpec, int, int, int]]:
    """Every (gpu, format, engine, gpus per replica, tp, pp) the constraints allow."""
    for gpu in catalog.gpus.values():
        if (
            gpu.vendor == "cpu"
            or not _allowed(gpu.id, c.gpus)
            or not _allowed(gpu.vendor, c.vendors)
        ):
            continue
        for q in catalog.quants.values():
            if "weights" not in q.applies_to or not _allowed(q.id, c.quants):
                continue
            if c.min_weight_bits is not None and q.bit_class < c.min_weight_bits:
                continue
            if q.requires is not None and gpu.tflops(q.requires) is None:
                continue
            for e in catalog.engines.values():
                if (
                    e.id not in q.engines
                    or gpu.vendor not in e.vendors
                    or not _allowed(e.id, c.engines)
                ):
                    continue
                for n in c.counts:
                    if c.max_gpus is not None and n > c.max_gpus:
                        continue
                    if n == 1:
                        yield gpu, q, e, 1, 1, 1
                    elif e.multi_gpu_default == "tp" and model.num_attention_heads % n == 0:
                        yield gpu, q, e, n, n, 1
                    elif "layer-split" in e.parallelism or "pp" in e.parallelism:
                        yield gpu, q, e, n, 1, n


def recommend(
    catalog: Catalog,
    model: ModelSpec,
    wl: CostWorkload,
    c: Constraints,
    costs_for: CostsFor,
    table: EfficiencyTable | None = None,
    limit: int = 20,
) -> SearchResult:
    """Ranked deployments (cheapest first) that fit, meet the targets and the constraints."""
    table = table or load_efficiency()
    found: list[Candidate] = []
    rejected: dict[str, int] = {}
    searched = 0

    def reject(reason: str) -> None:
        rejected[reason] = rejected.get(reason, 0) + 1

    budget_gib = {g.id: g.usable_memory_gib for g in catalog.gpus.values()}
    priced_cache: dict[tuple[str, str], HardwareCosts | None] = {}

    def costs_of(gpu: GpuSpec, mode: Literal["buy", "rent", "owned"]) -> HardwareCosts | None:
        key = (gpu.id, mode)
        if key not in priced_cache:
            priced_cache[key] = costs_for(gpu, mode)
        return priced_cache[key]

    for gpu, q, e, n, tp, pp in configurations(catalog, model, c):
        modes: list[Literal["buy", "rent", "owned"]] = []
        if c.owned.get(gpu.id, 0) >= 1:
            modes.append("owned")
        if c.acquisition in ("buy", "either"):
            modes.append("buy")
        if c.acquisition in ("rent", "either"):
            modes.append("rent")
        searched += len(modes)
        # Weights alone beyond the GPUs' memory: no need to build anything.
        if weight_bytes(model, q).total / GIB / n > budget_gib[gpu.id]:
            rejected["does not fit"] = rejected.get("does not fit", 0) + len(modes)
            continue
        priced = [(mode, costs_of(gpu, mode)) for mode in modes]
        for mode, costs in priced:
            if costs is None:
                reject(f"no {'rental' if mode == 'rent' else 'purchase'} price for the GPU")
        priced_ok = [(mode, costs) for mode, costs in priced if costs is not None]
        if not priced_ok:
            continue
        try:
            dep = build_deployment(catalog, model, q, gpu, n, e, tp=tp, pp=pp)
        except PlanInputError:
            for _ in priced_ok:
                reject("not a valid combination")
            continue
        # One capacity per configuration, shared by every way of paying for it.
        cap = capacity(
            dep, wl.input_tokens, wl.output_tokens, wl.ttft_target_ms, wl.tpot_target_ms, table
        )
        if cap.point is None:
            why = "misses a latency target" if "target" in cap.binding else "does not fit"
            for _ in priced_ok:
                reject(why)
            continue
        for mode, costs in priced_ok:
            plan = plan_self_hosted(dep, wl, costs, table, cap=cap)
            owned_n = c.owned.get(gpu.id, 0)
            if mode == "owned" and plan.gpus > owned_n:
                # The owned GPUs first, the rest bought.
                extra_costs = costs_of(gpu, "buy") if c.acquisition != "rent" else None
                if extra_costs is None:
                    reject("needs more GPUs than are owned")
                    continue
                plan = _with_bought_extra(plan, owned_n, extra_costs)
            if c.max_gpus is not None and plan.gpus > c.max_gpus:
                reject("needs more GPUs than allowed")
                continue
            if c.monthly_budget_usd is not None and plan.monthly.total_usd > c.monthly_budget_usd:
                reject("over the monthly budget")
                continue
            if c.capex_budget_usd is not None and plan.monthly.capex_usd > c.capex_budget_usd:
                reject("over the capital budget")
                continue
            found.append(Candidate(plan, mode))
    found.sort(key=lambda x: (x.monthly_usd, x.tpot_ms))
    found = _merge_engines(found)
    pareto: list[Candidate] = []
    best_tpot = float("inf")
    for cand in found:  # cheapest first: keep each that is faster than every cheaper one
        if cand.tpot_ms < best_tpot:
            pareto.append(cand)
            best_tpot = cand.tpot_ms
    ranked = found[:limit]
    _explain(ranked, pareto)
    return SearchResult(ranked=ranked, pareto=pareto, searched=searched, rejected=rejected)


def _merge_engines(found: list[Candidate]) -> list[Candidate]:
    """One row for engines that give the same deployment the same cost and speed."""
    out: list[Candidate] = []
    seen: dict[tuple[object, ...], Candidate] = {}
    for cand in found:
        d, p = cand.plan.deployment, cand.plan
        key = (
            d.gpu.id,
            d.gpu_count,
            d.quant.id,
            d.tp,
            d.pp,
            cand.acquisition,
            p.replicas,
            round(p.monthly.total_usd, 2),
            round(p.point.tpot_ms, 2),
        )
        first = seen.get(key)
        if first is None:
            seen[key] = cand
            out.append(cand)
        else:
            first.also_engines.append(d.engine.name)
    return out


def _with_bought_extra(plan: SelfHosted, owned: int, buy: HardwareCosts) -> SelfHosted:
    """The plan with its first `owned` GPUs already owned and the rest bought."""
    free = monthly_cost(plan.costs, owned, plan.utilisation)
    extra = monthly_cost(buy, plan.gpus - owned, plan.utilisation)
    both = MonthlyCost(
        capital_usd=free.capital_usd + extra.capital_usd,
        power_usd=free.power_usd + extra.power_usd,
        operations_usd=free.operations_usd + extra.operations_usd,
        colocation_usd=free.colocation_usd + extra.colocation_usd,
        rental_usd=free.rental_usd + extra.rental_usd,
        capex_usd=free.capex_usd + extra.capex_usd,
    )
    scale = both.total_usd / plan.monthly.total_usd if plan.monthly.total_usd else 1.0
    return replace(
        plan,
        monthly=both,
        monthly_low_usd=plan.monthly_low_usd * scale,
        monthly_high_usd=plan.monthly_high_usd * scale,
    )


def _explain(ranked: list[Candidate], pareto: list[Candidate]) -> None:
    if not ranked:
        return
    ranked[0].why.append("cheapest that meets the targets")
    fastest = min(ranked, key=lambda x: x.tpot_ms)
    fastest.why.append("fastest per output token of these")
    on_front = {id(p) for p in pareto}
    for cand in ranked:
        p = cand.plan
        if id(cand) in on_front and cand is not ranked[0]:
            cand.why.append("on the cost/latency front: nothing cheaper is as fast")
        if cand.acquisition == "owned":
            bought = cand.plan.monthly.capex_usd > 0
            cand.why.append(
                "uses the hardware already owned first"
                + ("; buys the rest" if bought else ": no capital")
            )
        cand.why.append(f"limited by {p.binding}; each step bound by {p.point.bound}")
        if cand.also_engines:
            cand.why.append(f"the same with {', '.join(cand.also_engines)}")


def deployment_label(dep: Deployment) -> str:
    par = f"tp{dep.tp}" if dep.tp > 1 else (f"pp{dep.pp}" if dep.pp > 1 else "1 GPU")
    return f"{dep.gpu_count} x {dep.gpu.name}, {dep.quant.name}, {dep.engine.name}, {par}"


def owned_or_bought(costs: OwnedCosts, mode: Literal["buy", "rent", "owned"]) -> HardwareCosts:
    """The same owned-hardware costs, with the capital waived for hardware already owned."""
    return costs.model_copy(update={"already_owned": mode == "owned"})


__all__ = [
    "Candidate",
    "Constraints",
    "CostsFor",
    "RentedCosts",
    "SearchResult",
    "configurations",
    "deployment_label",
    "owned_or_bought",
    "recommend",
]
