"""Scenarios from estimator inputs, and estimator and cost inputs back from scenarios.

`scenario_inputs` rebuilds everything from the scenario alone: custom models and
accelerators come from the specs embedded in it, cost inputs from its pinned values (or, when
those no longer match its inputs, from its explicit values, the overrides it recorded and the
bundled defaults), API prices from its embedded snapshot.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.catalog.load import Catalog
from planner.catalog.schema import EngineSpec, GpuSpec, ModelSpec
from planner.cost import CostWorkload, HardwareCosts, api_monthly_cost
from planner.costinputs import Provenance, hardware_costs
from planner.costplan import ApiComparison, SelfHosted, compare, plan_self_hosted
from planner.estimate.efficiency import EfficiencyTable
from planner.estimate.inputs import Deployment, PlanInputError, Workload
from planner.estimate.scenario import Estimate, build_deployment, estimate
from planner.plan.schema import (
    ITEM_PRICE_KEYS,
    Acquisition,
    CostAssumptions,
    CostSource,
    EstimatorWorkload,
    HardwareItem,
    PlanCostWorkload,
    Scenario,
)
from planner.prices.overrides import PriceOverrides
from planner.prices.schema import ApiPrice, PriceSnapshot


def _differs(spec: ModelSpec | GpuSpec, bundled: ModelSpec | GpuSpec | None) -> bool:
    return spec.custom or bundled != spec


def make_scenario(
    catalog: Catalog,
    name: str,
    dep: Deployment,
    workload: Workload,
    *,
    acquisition: Acquisition = "buy",
    nodes: int | None = None,
    interconnect: str = "",
    cost_workload: CostWorkload | None = None,
    explicit_costs: Mapping[str, float] | None = None,
    price_snapshot: PriceSnapshot | None = None,
    price_overrides: PriceOverrides | None = None,
    api: str | None = None,
    detected_hardware: dict[str, Any] | None = None,
    notes: str = "",
) -> Scenario:
    """A scenario for a deployment; its cost inputs resolved and pinned (see resolve_costs).

    The model and accelerator are stored by catalog id, with their full specs embedded when
    they are custom or differ from `catalog`'s. Engine and parallelism are stored as
    resolved, so that later engine defaults do not change the plan. GPU prices in
    `explicit_costs` go to the hardware item, the other values to the scenario."""
    explicit = dict(explicit_costs or {})
    item = HardwareItem(
        gpu=dep.gpu.id,
        gpu_spec=dep.gpu if _differs(dep.gpu, catalog.gpus.get(dep.gpu.id)) else None,
        count=dep.gpu_count,
        memory_gib=dep.memory_gib,
        nodes=nodes,
        interconnect=interconnect,
        acquisition=acquisition,
        prices={k: v for k, v in explicit.items() if k in ITEM_PRICE_KEYS},
    )
    scenario = Scenario(
        name=name,
        model=dep.model.id,
        model_spec=dep.model if _differs(dep.model, catalog.models.get(dep.model.id)) else None,
        quant=dep.quant.id,
        kv_quant=dep.kv_quant.id,
        hardware=(item,),
        engine=dep.engine.id,
        tp=dep.tp,
        pp=dep.pp,
        ep=dep.ep,
        batched_tokens=dep.batched_tokens,
        gpu_layers=dep.gpu_layers,
        workload=EstimatorWorkload(
            batch=workload.batch,
            input_tokens=workload.input_len,
            output_tokens=workload.output_len,
            context_tokens=workload.context_len,
        ),
        cost_workload=(
            None
            if cost_workload is None
            else PlanCostWorkload.model_validate(cost_workload.model_dump())
        ),
        costs=CostAssumptions(
            explicit={k: v for k, v in explicit.items() if k not in ITEM_PRICE_KEYS}
        ),
        price_snapshot=price_snapshot,
        price_overrides=price_overrides or PriceOverrides(),
        api=api,
        detected_hardware=detected_hardware,
        notes=notes,
    )
    return resolve_costs(catalog, scenario)


def scenario_catalog(catalog: Catalog, scenario: Scenario) -> Catalog:
    """`catalog` with the scenario's embedded custom model and accelerators added."""
    models = [scenario.model_spec] if scenario.model_spec is not None else []
    gpus = [h.gpu_spec for h in scenario.hardware if h.gpu_spec is not None]
    if not models and not gpus:
        return catalog
    return catalog.with_entries(models=models, gpus=gpus)


def _gpu(catalog: Catalog, item: HardwareItem) -> GpuSpec:
    if item.gpu_spec is not None:
        return item.gpu_spec
    return catalog.gpus.get(item.gpu) or catalog.gpu(item.gpu)


def _engine(catalog: Catalog, engine: str | None) -> EngineSpec | None:
    if engine is None:
        return None
    return catalog.engines.get(engine) or catalog.engine(engine)


def explicit_costs(scenario: Scenario) -> dict[str, float]:
    """The cost inputs the scenario sets: its own, then the deployed item's prices, and the
    accelerators per node when the item says how many nodes it spans."""
    item = scenario.deployed
    out = dict(scenario.costs.explicit) | dict(item.prices)
    if item.nodes is not None and "gpus_per_node" not in out:
        out["gpus_per_node"] = float(math.ceil(item.count / item.nodes))
    return out


def cost_fingerprint(scenario: Scenario) -> str:
    """Identifies every input the cost resolution reads, so stale pinned costs are noticed."""
    item = scenario.deployed
    overrides = scenario.price_overrides
    hw = overrides.hardware.get(item.gpu)
    doc = {
        "gpu": item.gpu,
        "gpu_spec": item.gpu_spec.model_dump(mode="json") if item.gpu_spec else None,
        "acquisition": item.acquisition,
        "explicit": explicit_costs(scenario),
        "defaults": overrides.defaults,
        "hardware_override": hw.model_dump(mode="json") if hw else None,
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _resolve(catalog: Catalog, scenario: Scenario) -> tuple[HardwareCosts, list[Provenance]] | None:
    item = scenario.deployed
    gpu = _gpu(scenario_catalog(catalog, scenario), item)
    overrides = scenario.price_overrides
    return hardware_costs(
        gpu,
        item.acquisition,
        explicit_costs(scenario),
        overrides.defaults,
        overrides.hardware.get(gpu.id),
    )


def resolve_costs(catalog: Catalog, scenario: Scenario) -> Scenario:
    """The scenario with its cost inputs resolved now and pinned in the file.

    Call it after changing any cost input, the accelerator or the acquisition; until then
    `scenario_inputs` notices the change (the fingerprint) and resolves afresh."""
    found = _resolve(catalog, scenario)
    if found is None:
        costs = scenario.costs.model_copy(
            update={"pinned": None, "pinned_inputs": None, "sources": ()}
        )
    else:
        resolved, provenance = found
        costs = scenario.costs.model_copy(
            update={
                "pinned": resolved,
                "pinned_inputs": cost_fingerprint(scenario),
                "sources": tuple(
                    CostSource(
                        label=p.label,
                        value=p.value,
                        unit=p.unit,
                        source=p.source,
                        as_of=p.as_of,
                        assumption=p.assumption,
                    )
                    for p in provenance
                ),
            }
        )
    return scenario.model_copy(update={"costs": costs})


def costs_pinned(scenario: Scenario) -> bool:
    """True when the scenario's pinned cost inputs still match its cost inputs."""
    c = scenario.costs
    return c.pinned is not None and c.pinned_inputs == cost_fingerprint(scenario)


def scenario_inputs(
    catalog: Catalog, scenario: Scenario
) -> tuple[Deployment, Workload, CostWorkload | None, HardwareCosts | None]:
    """Estimator and cost inputs, rebuilt from the scenario.

    Raises PlanInputError or UnknownNameError when this catalog cannot run the scenario
    (an unknown id, or a combination the estimators refuse). The costs are None when no
    price is known for the accelerator."""
    cat = scenario_catalog(catalog, scenario)
    item = scenario.deployed
    dep = build_deployment(
        cat,
        model=scenario.model_spec or cat.models.get(scenario.model) or cat.model(scenario.model),
        quant=cat.quants.get(scenario.quant) or cat.quant(scenario.quant),
        gpu=_gpu(cat, item),
        gpu_count=item.count,
        engine=_engine(cat, scenario.engine),
        tp=scenario.tp,
        pp=scenario.pp,
        ep=scenario.ep,
        kv_quant=cat.quants.get(scenario.kv_quant) or cat.quant(scenario.kv_quant),
        memory_gib=item.memory_gib,
        gpu_layers=scenario.gpu_layers,
        batched_tokens=scenario.batched_tokens,
    )
    wl = scenario.workload.to_workload()
    cwl = scenario.cost_workload.to_cost_workload() if scenario.cost_workload else None
    costs: HardwareCosts | None
    if costs_pinned(scenario):
        costs = scenario.costs.pinned
    else:
        found = _resolve(cat, scenario)
        costs = None if found is None else found[0]
    return dep, wl, cwl, costs


def chosen_api(scenario: Scenario, cost_workload: CostWorkload) -> ApiPrice | None:
    """The API the scenario compares with: its own choice, else the cheapest closed API."""
    snap = scenario.price_snapshot
    if snap is None:
        return None
    if scenario.api is not None:
        return snap.get(scenario.api)
    closed = [p for p in snap.prices if p.kind == "closed"]
    if not closed:
        return None
    return min(closed, key=lambda p: api_monthly_cost(p, cost_workload))


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario's estimate and, when it has a cost workload and prices, its costs."""

    scenario: Scenario
    estimate: Estimate
    self_hosted: SelfHosted | None
    api: ApiPrice | None
    comparison: ApiComparison | None
    cost_note: str | None  # why there is no cost, when the scenario asks for one


def evaluate(
    catalog: Catalog, scenario: Scenario, table: EfficiencyTable | None = None
) -> ScenarioResult:
    """Estimate the scenario (and cost it) with `table`'s factors (default: the bundled
    ones). Raises PlanInputError / UnknownNameError."""
    dep, wl, cwl, costs = scenario_inputs(catalog, scenario)
    est = estimate(dep, wl, table)
    plan: SelfHosted | None = None
    api: ApiPrice | None = None
    cmp: ApiComparison | None = None
    note: str | None = None
    if cwl is not None:
        if costs is None:
            rent = scenario.deployed.acquisition == "rent"
            what = "usd_per_gpu_hour" if rent else "gpu_price_usd"
            note = f"no dated price for {dep.gpu.name}: set {what} for it"
        else:
            try:
                plan = plan_self_hosted(dep, cwl, costs, table)
            except PlanInputError as exc:  # NoCapacityError among them
                note = str(exc)
            if plan is not None:
                api = chosen_api(scenario, cwl)
                if api is not None:
                    cmp = compare(plan, api)
                elif scenario.price_snapshot is None:
                    note = "the scenario has no price snapshot to compare with"
                elif scenario.api is not None:
                    note = f"API price '{scenario.api}' is not in the scenario's price snapshot"
    return ScenarioResult(scenario, est, plan, api, cmp, note)
