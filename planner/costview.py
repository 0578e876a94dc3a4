"""What the Costs page shows: every cost input as resolved now, and the API prices.

`cost_inputs` lists the scenario's cost inputs with the value the estimate uses, the value
the bundled defaults give when nothing is set, and where each comes from. It reuses the
planner's own resolution (planner.plan.build / planner.costinputs): pinned values while they
still match the scenario, else a fresh resolution. `api_rows` lists a snapshot's API prices
with the user's overrides applied. `check_cost_value` says whether a value can be set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, cast

from pydantic import Field, TypeAdapter, ValidationError

from planner.catalog.load import Catalog
from planner.cost import HardwareCosts, OwnedCosts, RentedCosts
from planner.plan.build import _resolve, costs_pinned, explicit_costs
from planner.plan.schema import COST_KEYS, ITEM_PRICE_KEYS, CostAssumptions, Scenario
from planner.prices.load import cost_defaults
from planner.prices.overrides import ApiOverride, PriceOverrides
from planner.prices.schema import PriceSnapshot

SET_HERE = "set for this plan"

# Display order: capital, power, running costs.
KEY_ORDER = (
    "usd_per_gpu_hour",
    "gpu_price_usd",
    "server_usd_per_node",
    "networking_usd_per_node",
    "gpus_per_node",
    "amortization_years",
    "cost_of_capital_per_year",
    "gpu_draw_share",
    "gpu_draw_w",
    "host_power_w_per_node",
    "pue",
    "electricity_usd_per_kwh",
    "ops_share_of_capex_per_year",
    "staff_usd_per_year",
    "colocation_usd_per_kw_month",
)

# planner.costinputs labels -> cost input keys ("GPU price (...)" etc. by prefix below).
# "GPU TDP" feeds the gpu_draw_w row; "host" (an integrated machine's) has no input.
_LABEL_KEYS = {
    "server per node": "server_usd_per_node",
    "workstation host": "server_usd_per_node",
    "GPUs per node": "gpus_per_node",
    "GPUs per workstation": "gpus_per_node",
    "host power per node": "host_power_w_per_node",
    "workstation host power": "host_power_w_per_node",
    "GPU draw at full load (share of TDP)": "gpu_draw_share",
    "networking per node": "networking_usd_per_node",
    "amortisation": "amortization_years",
    "cost of capital": "cost_of_capital_per_year",
    "PUE": "pue",
    "electricity": "electricity_usd_per_kwh",
    "operations share": "ops_share_of_capex_per_year",
}
TDP_LABEL = "GPU TDP"

# Inputs hardware_costs reads only when set (no bundled default feeds them).
_SET_ONLY_UNITS = {"staff_usd_per_year": "USD per year", "gpu_draw_w": "W per GPU"}


class _Record(Protocol):
    """A Provenance (fresh resolution) or a CostSource (pinned in the file)."""

    @property
    def label(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def unit(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def as_of(self) -> str | None: ...
    @property
    def assumption(self) -> bool: ...


@dataclass(frozen=True)
class CostInputRow:
    """One cost input of a scenario, as the estimate uses it and as the defaults give it."""

    key: str  # a planner.plan.schema.COST_KEYS name
    label: str
    value: float | None  # None: no price is known and none is set
    unit: str
    default: float | None  # what the bundled defaults give when the user sets nothing
    source: str
    as_of: str | None
    assumption: bool  # no source gives this figure
    explicit: bool  # set by this scenario (costs.explicit or the deployed item's prices)
    default_source: str = ""
    default_as_of: str | None = None
    default_assumption: bool = False

    @property
    def item_price(self) -> bool:
        """True when the value belongs in the deployed hardware item's `prices`."""
        return self.key in ITEM_PRICE_KEYS


@dataclass(frozen=True)
class ApiRow:
    """One API price of a snapshot, after the user's overrides."""

    id: str
    name: str
    provider: str
    kind: str  # "closed" or "hosted-open"
    open_model: str | None
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    cached_input_usd_per_mtok: float | None
    as_of: str  # the bundled price's date
    source: str  # the bundled price's source
    overridden: bool  # the user set at least one of its prices
    overridden_fields: frozenset[str]  # ApiOverride field names the user set
    bundled_input_usd_per_mtok: float
    bundled_output_usd_per_mtok: float
    bundled_cached_input_usd_per_mtok: float | None
    notes: str = ""


def _key(label: str) -> str | None:
    if label.startswith("GPU-hour price"):
        return "usd_per_gpu_hour"
    if label.startswith("GPU price"):
        return "gpu_price_usd"
    return _LABEL_KEYS.get(label)


def _bare(scenario: Scenario) -> Scenario:
    """The scenario with nothing set: no explicit values, item prices, nodes or overrides."""
    item = scenario.deployed.model_copy(update={"prices": {}, "nodes": None})
    return scenario.model_copy(
        update={
            "costs": CostAssumptions(),
            "price_overrides": PriceOverrides(),
            "hardware": (item, *scenario.hardware[1:]),
        }
    )


def _with_explicit(scenario: Scenario, explicit: dict[str, float]) -> Scenario:
    """The scenario with these explicit values (item prices moved onto the deployed item)."""
    item = scenario.deployed.model_copy(
        update={"prices": {k: v for k, v in explicit.items() if k in ITEM_PRICE_KEYS}}
    )
    costs = scenario.costs.model_copy(
        update={"explicit": {k: v for k, v in explicit.items() if k not in ITEM_PRICE_KEYS}}
    )
    return scenario.model_copy(update={"costs": costs, "hardware": (item, *scenario.hardware[1:])})


@dataclass(frozen=True)
class _Resolved:
    costs: HardwareCosts
    records: dict[str, _Record]  # by key, plus TDP_LABEL
    missing: str | None  # the price key no source gives (its row shows no value)


def _records(found: Sequence[_Record]) -> dict[str, _Record]:
    out: dict[str, _Record] = {}
    for rec in found:
        key = TDP_LABEL if rec.label == TDP_LABEL else _key(rec.label)
        if key is not None:
            out[key] = rec
    return out


def _fresh(catalog: Catalog, scenario: Scenario) -> _Resolved | None:
    found = _resolve(catalog, scenario)
    if found is not None:
        return _Resolved(found[0], _records(found[1]), None)
    # No price is known: resolve the rest with a stand-in price, whose row shows no value.
    missing = "usd_per_gpu_hour" if scenario.deployed.acquisition == "rent" else "gpu_price_usd"
    stand_in = _with_explicit(scenario, explicit_costs(scenario) | {missing: 1.0})
    found = _resolve(catalog, stand_in)
    if found is None:  # pragma: no cover - an explicit price always resolves
        return None
    return _Resolved(found[0], _records(found[1]), missing)


def check_cost_value(key: str, value: float) -> str | None:
    """Why `value` cannot be set for cost input `key` (None when it can)."""
    if key not in COST_KEYS:
        return f"unknown cost input '{key}'"
    if not math.isfinite(value):
        return "must be a finite number"
    if key == "gpu_draw_share":
        return None if 0 <= value <= 1 else "must be between 0 and 1 (a share of the TDP)"
    model = RentedCosts if key in RentedCosts.model_fields else OwnedCosts
    info = model.model_fields[key]
    kind = int if info.annotation is int else float
    if kind is int and value != int(value):
        return "must be a whole number"
    adapter: TypeAdapter[float] = TypeAdapter(
        cast(Any, Annotated[kind, Field(allow_inf_nan=False), *info.metadata])
    )
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"]).replace("Input should be", "must be")
    return None


def _usable(scenario: Scenario) -> tuple[Scenario, dict[str, str]]:
    """The scenario without explicit values the cost model refuses, and why each is refused."""
    values = explicit_costs(scenario)
    bad = {k: msg for k, v in values.items() if (msg := check_cost_value(k, v)) is not None}
    if not bad:
        return scenario, {}
    return _with_explicit(scenario, {k: v for k, v in values.items() if k not in bad}), bad


def _draw_source(res: _Resolved) -> tuple[str, str | None, bool]:
    tdp = res.records.get(TDP_LABEL)
    share = res.records.get("gpu_draw_share")
    if tdp is None or share is None:  # pragma: no cover - owned costs always carry both
        return "GPU TDP x draw share", None, False
    return (
        f"GPU TDP {tdp.value:g} W x draw share {share.value:g}; TDP from: {tdp.source}",
        share.as_of or tdp.as_of,
        tdp.assumption or share.assumption,
    )


def _set_only_source(key: str) -> str:
    if key == "colocation_usd_per_kw_month":
        d = cost_defaults().get(key)
        ref = f"; for reference, {d.value:g} {d.unit} as of {d.as_of} from: {d.source}" if d else ""
        return f"not counted unless set for this plan (hardware on your own premises){ref}"
    return "not counted unless set for this plan (no bundled figure)"


def _row_parts(
    key: str, res: _Resolved
) -> tuple[str, float | None, str, str, str | None, bool] | None:
    """(label, value, unit, source, as_of, assumption) of one key, None when it does not apply."""
    costs = res.costs
    if key == res.missing:
        unit = "USD per GPU-hour" if key == "usd_per_gpu_hour" else "USD per GPU"
        label = "GPU-hour price" if key == "usd_per_gpu_hour" else "GPU price"
        why = "no dated price is known for this accelerator: set one"
        return label, None, unit, why, None, False
    rec = res.records.get(key)
    if rec is not None:
        return rec.label, rec.value, rec.unit, rec.source, rec.as_of, rec.assumption
    if not isinstance(costs, OwnedCosts):
        return None
    if key == "gpu_draw_w":
        source, as_of, assumed = _draw_source(res)
        return "GPU power at full load", costs.gpu_draw_w, "W per GPU", source, as_of, assumed
    if key == "staff_usd_per_year":
        return "staff", costs.staff_usd_per_year, "USD per year", "", None, False
    if key == "colocation_usd_per_kw_month":
        d = cost_defaults().get(key)
        unit = d.unit if d else "USD per kW-month"
        return "colocation", costs.colocation_usd_per_kw_month, unit, "", None, False
    return None


def cost_inputs(catalog: Catalog, scenario: Scenario) -> list[CostInputRow]:
    """Every cost input of the scenario as the estimate uses it now, in display order.

    Values come from the pinned costs while they match the scenario (see
    planner.plan.build.costs_pinned), else from a fresh resolution of its explicit values,
    the user's overrides it records and the bundled defaults. `default` is what the bundled
    defaults alone give. Only the inputs of the deployed item's acquisition are listed
    (renting: the GPU-hour price). Raises UnknownNameError for an unknown accelerator."""
    usable, refused = _usable(scenario)
    pinned = scenario.costs.pinned
    current: _Resolved | None
    if costs_pinned(scenario) and pinned is not None and not refused:
        current = _Resolved(pinned, _records(scenario.costs.sources), None)
    else:
        current = _fresh(catalog, usable)
    bundled = _fresh(catalog, _bare(scenario))
    if current is None:  # pragma: no cover - _fresh always resolves with a stand-in price
        return []
    own = set(scenario.costs.explicit) | set(scenario.deployed.prices)
    given = explicit_costs(scenario)
    item = scenario.deployed
    rows: list[CostInputRow] = []
    for key in KEY_ORDER:
        parts = _row_parts(key, current)
        if parts is None:
            continue
        label, value, unit, source, as_of, assumed = parts
        explicit = key in own
        if key in given:
            source, as_of, assumed = SET_HERE, None, False
            if not explicit and key == "gpus_per_node":
                source = f"the hardware item: {item.count} accelerator(s) on {item.nodes} node(s)"
        elif not source:
            source = _set_only_source(key)
        if key in refused:
            value = given[key]
            source = f"{SET_HERE}, but it {refused[key]}: the estimate uses the default"
        d_parts = _row_parts(key, bundled) if bundled is not None else None
        d_value: float | None = None
        d_source, d_as_of, d_assumed = "", None, False
        if d_parts is not None:
            _, d_value, _, d_source, d_as_of, d_assumed = d_parts
            d_source = d_source or _set_only_source(key)
        rows.append(
            CostInputRow(
                key=key,
                label=label,
                value=value,
                unit=unit or (d_parts[2] if d_parts else _SET_ONLY_UNITS.get(key, "")),
                default=d_value,
                source=source,
                as_of=as_of,
                assumption=assumed,
                explicit=explicit,
                default_source=d_source,
                default_as_of=d_as_of,
                default_assumption=d_assumed,
            )
        )
    return rows


_API_FIELDS = ("input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok")


def api_rows(snapshot: PriceSnapshot, overrides: PriceOverrides) -> list[ApiRow]:
    """The snapshot's prices in its order, each with the user's override (if any) applied.

    An override field left unset keeps the bundled figure; `as_of` and `source` stay the
    bundled price's (the overridden figures are the user's own)."""
    rows: list[ApiRow] = []
    for p in snapshot.prices:
        ov = overrides.api.get(p.id, ApiOverride())
        set_fields = frozenset(f for f in _API_FIELDS if getattr(ov, f) is not None)

        cached: float | None = (
            p.cached_input_usd_per_mtok
            if ov.cached_input_usd_per_mtok is None
            else ov.cached_input_usd_per_mtok
        )
        rows.append(
            ApiRow(
                id=p.id,
                name=p.name,
                provider=p.provider,
                kind=p.kind,
                open_model=p.open_model,
                input_usd_per_mtok=(
                    p.input_usd_per_mtok if ov.input_usd_per_mtok is None else ov.input_usd_per_mtok
                ),
                output_usd_per_mtok=(
                    p.output_usd_per_mtok
                    if ov.output_usd_per_mtok is None
                    else ov.output_usd_per_mtok
                ),
                cached_input_usd_per_mtok=cached,
                as_of=p.as_of,
                source=p.source,
                overridden=bool(set_fields),
                overridden_fields=set_fields,
                bundled_input_usd_per_mtok=p.input_usd_per_mtok,
                bundled_output_usd_per_mtok=p.output_usd_per_mtok,
                bundled_cached_input_usd_per_mtok=p.cached_input_usd_per_mtok,
                notes=p.notes,
            )
        )
    return rows


def with_api_price(
    overrides: PriceOverrides, price_id: str, field: str, value: float | None
) -> PriceOverrides:
    """The overrides with one price of one API set (None: back to the bundled figure),
    its other overridden prices kept (like `llm-planner prices --set-api`, one field)."""
    if field not in _API_FIELDS:
        raise ValueError(f"unknown API price field '{field}'; known: {', '.join(_API_FIELDS)}")
    old = overrides.api.get(price_id, ApiOverride())
    new = ApiOverride.model_validate(old.model_dump() | {field: value})
    return overrides.with_api(price_id, new)
