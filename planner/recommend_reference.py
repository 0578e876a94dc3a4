"""The recommendation search one configuration at a time, each through `capacity` and
`plan_self_hosted`: the straightforward evaluation that `planner.recommend.recommend` (a
vectorised sweep over all configurations) must agree with exactly. It is the fast search's
fallback and the reference its tests compare it to."""

from __future__ import annotations

from typing import Literal

from planner.catalog.load import Catalog
from planner.catalog.schema import GpuSpec, ModelSpec
from planner.cost import CostWorkload, HardwareCosts
from planner.costplan import plan_self_hosted
from planner.estimate.efficiency import EfficiencyTable, load_efficiency
from planner.estimate.inputs import PlanInputError
from planner.estimate.memory import GIB, weight_bytes
from planner.estimate.scenario import build_deployment
from planner.estimate.serving import capacity
from planner.recommend import (
    Candidate,
    Constraints,
    CostsFor,
    SearchResult,
    _explain,
    _merge_engines,
    _with_bought_extra,
    configurations,
)


def recommend_reference(
    catalog: Catalog,
    model: ModelSpec,
    wl: CostWorkload,
    c: Constraints,
    costs_for: CostsFor,
    table: EfficiencyTable | None = None,
    limit: int = 20,
) -> SearchResult:
    """`recommend` one configuration at a time, each through `capacity` and
    `plan_self_hosted`: the straightforward evaluation the fast search must agree with (its
    fallback, and the reference the tests compare it to)."""
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
