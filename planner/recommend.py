"""Recommendation: search GPU types x counts x formats x engines x parallelism for the
cheapest deployments that serve a workload within its latency targets and constraints."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, NamedTuple

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
from planner.costplan import SelfHosted, _replicas, plan_self_hosted
from planner.estimate.capacitysweep import capacity_sweep
from planner.estimate.efficiency import EfficiencyTable, load_efficiency
from planner.estimate.inputs import Deployment, PlanInputError
from planner.estimate.memory import GIB, weight_bytes
from planner.estimate.scenario import build_deployment
from planner.estimate.serving import Capacity, capacity

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


_NO_FIT, _NO_PRICE, _INVALID, _EVALUATE = range(4)

Mode = Literal["buy", "rent", "owned"]


class _Pricing(NamedTuple):
    """How a GPU may be paid for under the constraints, and what each way costs."""

    modes: tuple[Mode, ...]
    no_price: tuple[str, ...]  # a rejection for each way without a price
    priced_ok: tuple[tuple[Mode, HardwareCosts], ...]


class _Config(NamedTuple):
    """One configuration of the search and what the first pass learned about it."""

    gpu: GpuSpec
    quant: QuantFormat
    engine: EngineSpec
    gpu_count: int
    tp: int
    pp: int
    pricing: _Pricing
    state: int
    member: int  # index into the capacity sweep when evaluated


@dataclass(slots=True)
class _Found:
    """A configuration paid for one way that passes every check; made a Candidate (with its
    full plan) only when it is returned."""

    config: _Config
    mode: Mode
    costs: HardwareCosts
    monthly: MonthlyCost
    monthly_usd: float
    tpot_ms: float
    replicas: int
    also_engines: list[str] = field(default_factory=list)


def recommend(
    catalog: Catalog,
    model: ModelSpec,
    wl: CostWorkload,
    c: Constraints,
    costs_for: CostsFor,
    table: EfficiencyTable | None = None,
    limit: int = 20,
) -> SearchResult:
    """Ranked deployments (cheapest first) that fit, meet the targets and the constraints.

    The same result as evaluating each configuration through `capacity` and
    `plan_self_hosted` (`planner.recommend_reference`), found faster: the capacities of all
    configurations come from one vectorised sweep, each configuration is costed from its
    capacity's numbers, and only the candidates returned are built in full (through the
    scalar path, which is checked against the sweep)."""
    table = table or load_efficiency()
    budget_gib = {g.id: g.usable_memory_gib for g in catalog.gpus.values()}
    priced_cache: dict[tuple[str, str], HardwareCosts | None] = {}

    def costs_of(gpu: GpuSpec, mode: Mode) -> HardwareCosts | None:
        key = (gpu.id, mode)
        if key not in priced_cache:
            priced_cache[key] = costs_for(gpu, mode)
        return priced_cache[key]

    def modes_for(gpu: GpuSpec) -> tuple[Mode, ...]:
        modes: list[Mode] = []
        if c.owned.get(gpu.id, 0) >= 1:
            modes.append("owned")
        if c.acquisition in ("buy", "either"):
            modes.append("buy")
        if c.acquisition in ("rent", "either"):
            modes.append("rent")
        return tuple(modes)

    def pricing_for(gpu: GpuSpec, modes: tuple[Mode, ...]) -> _Pricing:
        priced = [(mode, costs_of(gpu, mode)) for mode in modes]
        return _Pricing(
            modes,
            tuple(
                f"no {'rental' if mode == 'rent' else 'purchase'} price for the GPU"
                for mode, costs in priced
                if costs is None
            ),
            tuple((mode, costs) for mode, costs in priced if costs is not None),
        )

    # First pass: what can be decided without an estimate, and what needs a capacity.
    unpriced: dict[str, _Pricing] = {}  # the ways to pay, before any price is asked for
    pricing: dict[str, _Pricing] = {}
    weights_gib: dict[int, float] = {}
    valid: dict[tuple[object, ...], bool] = {}
    reps: dict[tuple[object, ...], Deployment] = {}  # one valid deployment per group
    members: list[tuple[Deployment, GpuSpec]] = []
    configs: list[_Config] = []
    searched = 0
    for gpu, q, e, n, tp, pp in configurations(catalog, model, c):
        bare = unpriced.get(gpu.id)
        if bare is None:
            bare = unpriced[gpu.id] = _Pricing(modes_for(gpu), (), ())
        searched += len(bare.modes)
        wgib = weights_gib.get(id(q))
        if wgib is None:
            wgib = weights_gib[id(q)] = weight_bytes(model, q).total / GIB
        # Weights alone beyond the GPUs' memory: no need to build anything.
        if wgib / n > budget_gib[gpu.id]:
            configs.append(_Config(gpu, q, e, n, tp, pp, bare, _NO_FIT, -1))
            continue
        priced = pricing.get(gpu.id)
        if priced is None:
            priced = pricing[gpu.id] = pricing_for(gpu, bare.modes)
        if not priced.priced_ok:
            configs.append(_Config(gpu, q, e, n, tp, pp, priced, _NO_PRICE, -1))
            continue
        # Whether the deployment is valid depends on the GPU only through its vendor and
        # whether it has the format's required precision; the rest of the sweep's group
        # (model, format, engine, layout) does not depend on the GPU at all.
        group = (id(q), id(e), n, tp, pp)
        needs = q.requires
        key = (*group, gpu.vendor, needs is None or gpu.tflops(needs) is not None)
        ok = valid.get(key)
        if ok is None:
            try:
                dep = build_deployment(catalog, model, q, gpu, n, e, tp=tp, pp=pp)
            except PlanInputError:
                ok = valid[key] = False
            else:
                ok = valid[key] = True
                reps.setdefault(group, dep)
        if not ok:
            configs.append(_Config(gpu, q, e, n, tp, pp, priced, _INVALID, -1))
            continue
        rep = reps[group]
        configs.append(_Config(gpu, q, e, n, tp, pp, priced, _EVALUATE, len(members)))
        members.append((rep, gpu))

    sweep = capacity_sweep(
        members, wl.input_tokens, wl.output_tokens, wl.ttft_target_ms, wl.tpot_target_ms, table
    )

    # Second pass, in the same order as the configurations: reject or cost each one.
    rejected: dict[str, int] = {}

    def reject(reason: str, times: int = 1) -> None:
        rejected[reason] = rejected.get(reason, 0) + times

    peak = wl.peak_output_tokens_per_s()
    avg = wl.average_output_tokens_per_s()
    found: list[_Found] = []
    for cfg in configs:
        state = cfg.state
        if state == _NO_FIT:
            reject("does not fit", len(cfg.pricing.modes))
            continue
        for reason in cfg.pricing.no_price:
            reject(reason)
        priced_ok = cfg.pricing.priced_ok
        if state == _NO_PRICE:
            continue
        if state == _INVALID:
            reject("not a valid combination", len(priced_ok))
            continue
        i = cfg.member
        if sweep.concurrency[i] == 0:
            binding = sweep.binding[i]
            reject(
                "misses a latency target" if "target" in binding else "does not fit", len(priced_ok)
            )
            continue
        tps = sweep.output_tokens_per_s[i]
        tpot = sweep.tpot_ms[i]
        # plan_self_hosted's sizing, from the capacity's throughput.
        replicas = _replicas(peak, tps)
        util = avg / (replicas * tps)
        gpus = replicas * cfg.tp * cfg.pp
        for mode, costs in priced_ok:
            month = monthly_cost(costs, gpus, util)
            if mode == "owned" and gpus > (owned_n := c.owned.get(cfg.gpu.id, 0)):
                # The owned GPUs first, the rest bought.
                extra_costs = costs_of(cfg.gpu, "buy") if c.acquisition != "rent" else None
                if extra_costs is None:
                    reject("needs more GPUs than are owned")
                    continue
                month = _owned_then_bought(costs, owned_n, extra_costs, gpus, util)
            if c.max_gpus is not None and gpus > c.max_gpus:
                reject("needs more GPUs than allowed")
                continue
            total = month.total_usd
            if c.monthly_budget_usd is not None and total > c.monthly_budget_usd:
                reject("over the monthly budget")
                continue
            if c.capex_budget_usd is not None and month.capex_usd > c.capex_budget_usd:
                reject("over the capital budget")
                continue
            found.append(_Found(cfg, mode, costs, month, total, tpot, replicas))
    found.sort(key=lambda x: (x.monthly_usd, x.tpot_ms))
    merged = _merge_found(found)
    front: list[_Found] = []
    best_tpot = float("inf")
    for f in merged:  # cheapest first: keep each that is faster than every cheaper one
        if f.tpot_ms < best_tpot:
            front.append(f)
            best_tpot = f.tpot_ms
    built = _build_candidates(catalog, model, wl, c, table, costs_of, [*merged[:limit], *front])
    if built is None:  # the sweep and the scalar path disagree: trust the scalar path
        from planner import recommend_reference

        return recommend_reference.recommend_reference(
            catalog, model, wl, c, costs_for, table, limit
        )
    ranked = [built[id(f)] for f in merged[:limit]]
    pareto = [built[id(f)] for f in front]
    _explain(ranked, pareto)
    return SearchResult(ranked=ranked, pareto=pareto, searched=searched, rejected=rejected)


def _merge_found(found: list[_Found]) -> list[_Found]:
    """`_merge_engines` on the search's rows: one row for engines that give the same
    deployment the same cost and speed."""
    out: list[_Found] = []
    # Rows can only merge within the same deployment shape and way of paying; the rounded
    # cost and speed are compared only there.
    seen: dict[tuple[object, ...], list[tuple[float, float, _Found]] | _Found] = {}
    for f in found:
        cfg = f.config
        shape = (cfg.gpu.id, cfg.gpu_count, cfg.quant.id, cfg.tp, cfg.pp, f.mode, f.replicas)
        earlier = seen.get(shape)
        if earlier is None:
            seen[shape] = f
            out.append(f)
            continue
        if isinstance(earlier, _Found):
            earlier = seen[shape] = [_rounded(earlier)]
        cost, tpot = round(f.monthly_usd, 2), round(f.tpot_ms, 2)
        for first_cost, first_tpot, first in earlier:
            if first_cost == cost and first_tpot == tpot:
                first.also_engines.append(cfg.engine.name)
                break
        else:
            earlier.append((cost, tpot, f))
            out.append(f)
    return out


def _rounded(f: _Found) -> tuple[float, float, _Found]:
    return round(f.monthly_usd, 2), round(f.tpot_ms, 2), f


def _build_candidates(
    catalog: Catalog,
    model: ModelSpec,
    wl: CostWorkload,
    c: Constraints,
    table: EfficiencyTable,
    costs_of: Callable[[GpuSpec, Mode], HardwareCosts | None],
    rows: list[_Found],
) -> dict[int, Candidate] | None:
    """Full candidates for the rows returned, through the scalar path (build_deployment,
    capacity, plan_self_hosted); None when one does not match what the search computed."""
    out: dict[int, Candidate] = {}
    caps: dict[int, tuple[Deployment, Capacity]] = {}
    for f in rows:
        if id(f) in out:
            continue
        cfg = f.config
        hit = caps.get(id(cfg))
        if hit is None:
            try:
                dep = build_deployment(
                    catalog,
                    model,
                    cfg.quant,
                    cfg.gpu,
                    cfg.gpu_count,
                    cfg.engine,
                    tp=cfg.tp,
                    pp=cfg.pp,
                )
            except PlanInputError:
                return None
            cap = capacity(
                dep, wl.input_tokens, wl.output_tokens, wl.ttft_target_ms, wl.tpot_target_ms, table
            )
            hit = caps[id(cfg)] = (dep, cap)
        dep, cap = hit
        if cap.point is None:
            return None
        plan = plan_self_hosted(dep, wl, f.costs, table, cap=cap)
        owned_n = c.owned.get(cfg.gpu.id, 0)
        if f.mode == "owned" and plan.gpus > owned_n:
            extra_costs = costs_of(cfg.gpu, "buy")
            if extra_costs is None:
                return None
            plan = _with_bought_extra(plan, owned_n, extra_costs)
        if (
            plan.monthly != f.monthly
            or plan.point.tpot_ms != f.tpot_ms
            or plan.replicas != f.replicas
        ):
            return None
        out[id(f)] = Candidate(plan, f.mode, also_engines=list(f.also_engines))
    return out


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


def _owned_then_bought(
    costs: HardwareCosts, owned: int, buy: HardwareCosts, gpus: int, utilisation: float
) -> MonthlyCost:
    """A month of `gpus` GPUs: the first `owned` already owned, the rest bought."""
    free = monthly_cost(costs, owned, utilisation)
    extra = monthly_cost(buy, gpus - owned, utilisation)
    return MonthlyCost(
        capital_usd=free.capital_usd + extra.capital_usd,
        power_usd=free.power_usd + extra.power_usd,
        operations_usd=free.operations_usd + extra.operations_usd,
        colocation_usd=free.colocation_usd + extra.colocation_usd,
        rental_usd=free.rental_usd + extra.rental_usd,
        capex_usd=free.capex_usd + extra.capex_usd,
    )


def _with_bought_extra(plan: SelfHosted, owned: int, buy: HardwareCosts) -> SelfHosted:
    """The plan with its first `owned` GPUs already owned and the rest bought."""
    both = _owned_then_bought(plan.costs, owned, buy, plan.gpus, plan.utilisation)
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
