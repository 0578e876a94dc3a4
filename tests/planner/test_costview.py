"""planner.costview: the cost inputs and API prices the Costs page shows (no Qt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.catalog.load import Catalog, bundled_catalog
from planner.costinputs import hardware_costs
from planner.costview import (
    KEY_ORDER,
    CostInputRow,
    _key,
    api_rows,
    check_cost_value,
    cost_inputs,
    with_api_price,
)
from planner.paths import resources_dir
from planner.plan.build import costs_pinned, resolve_costs
from planner.plan.io import load_plan
from planner.plan.schema import COST_KEYS, Scenario
from planner.prices.load import api_snapshots
from planner.prices.overrides import ApiOverride, PriceOverrides

EXAMPLE = resources_dir() / "examples" / "enterprise-llama4.llmplan"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return bundled_catalog()


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    plan = load_plan(Path(EXAMPLE), backup=False).plan
    return plan.scenarios[0]


def by_key(catalog: Catalog, scenario: Scenario) -> dict[str, CostInputRow]:
    return {r.key: r for r in cost_inputs(catalog, scenario)}


def test_every_row_has_a_source_and_prices_a_date(catalog: Catalog, scenario: Scenario) -> None:
    rows = cost_inputs(catalog, scenario)
    assert [r.key for r in rows] == [k for k in KEY_ORDER if k != "usd_per_gpu_hour"]
    assert all(r.key in COST_KEYS for r in rows)
    for r in rows:
        assert r.source.strip(), r.key
        assert r.default_source.strip(), r.key
        assert r.unit, r.key
        assert not r.explicit
        assert r.value == r.default  # nothing set: the value is the default
    priced = [r for r in rows if r.value and r.key not in ("staff_usd_per_year",)]
    assert priced
    for r in priced:
        if r.key != "gpu_draw_w":
            assert r.as_of, r.key
    gpu = next(r for r in rows if r.key == "gpu_price_usd")
    assert gpu.value == 31250.0 and gpu.as_of == "2025-03-03" and gpu.unit == "USD per GPU"
    assumed = {r.key for r in rows if r.assumption}
    assert {"server_usd_per_node", "cost_of_capital_per_year"} <= assumed
    assert "electricity_usd_per_kwh" not in assumed


def test_pinned_values_are_what_the_estimate_uses(catalog: Catalog, scenario: Scenario) -> None:
    assert costs_pinned(scenario)
    rows = by_key(catalog, scenario)
    pinned = scenario.costs.pinned
    assert pinned is not None and pinned.kind == "owned"
    for key in ("gpu_price_usd", "pue", "electricity_usd_per_kwh", "gpu_draw_w"):
        assert rows[key].value == getattr(pinned, key)


def test_explicit_electricity(catalog: Catalog, scenario: Scenario) -> None:
    s = scenario.replace(costs=scenario.costs.replace(explicit={"electricity_usd_per_kwh": 0.2}))
    assert not costs_pinned(s)  # the presenter re-resolves; the rows do not wait for it
    for sc in (s, resolve_costs(catalog, s)):
        row = by_key(catalog, sc)["electricity_usd_per_kwh"]
        assert row.explicit and row.value == 0.2
        assert row.source == "set for this plan"
        assert row.default == 0.0826 and row.default_as_of == "2025-06-20"
        assert row.unit == "USD per kWh"
        others = [r for r in cost_inputs(catalog, sc) if r.key != "electricity_usd_per_kwh"]
        assert not any(r.explicit for r in others)


def test_gpu_price_on_the_item_and_nodes(catalog: Catalog, scenario: Scenario) -> None:
    item = scenario.deployed.replace(prices={"gpu_price_usd": 20000.0}, nodes=1)
    rows = by_key(catalog, scenario.replace(hardware=(item,)))
    gpu = rows["gpu_price_usd"]
    assert gpu.explicit and gpu.value == 20000.0 and gpu.default == 31250.0
    per_node = rows["gpus_per_node"]
    assert per_node.value == 2.0 and not per_node.explicit
    assert "hardware item" in per_node.source
    assert per_node.default == 8.0


def test_rented_and_unpriced(catalog: Catalog, scenario: Scenario) -> None:
    rent = scenario.replace(hardware=(scenario.deployed.replace(acquisition="rent"),))
    rows = cost_inputs(catalog, rent)
    assert [r.key for r in rows] == ["usd_per_gpu_hour"]
    assert rows[0].value is not None and rows[0].as_of
    unpriced = scenario.replace(hardware=(scenario.deployed.replace(gpu="v100-sxm2-32gb"),))
    assert hardware_costs(catalog.gpu("v100-sxm2-32gb"), "buy") is None
    rows = cost_inputs(catalog, unpriced)
    gpu = rows[0]
    assert gpu.key == "gpu_price_usd" and gpu.value is None and gpu.default is None
    assert "set one" in gpu.source
    assert len(rows) > 5 and all(r.value is not None for r in rows[1:])


def test_refused_explicit_value_is_reported(catalog: Catalog, scenario: Scenario) -> None:
    s = scenario.replace(costs=scenario.costs.replace(explicit={"pue": 0.5}))
    row = by_key(catalog, s)["pue"]
    assert row.explicit and row.value == 0.5 and "greater than or equal to 1" in row.source


def test_every_costinputs_label_has_a_key(catalog: Catalog) -> None:
    for gpu in catalog.gpus.values():
        for mode in ("buy", "rent", "owned"):
            found = hardware_costs(gpu, mode)
            if found is None:
                continue
            for p in found[1]:
                assert _key(p.label) is not None or p.label in ("GPU TDP", "host"), p.label


def test_check_cost_value() -> None:
    assert check_cost_value("pue", 1.3) is None
    assert check_cost_value("pue", 0.9) is not None
    assert check_cost_value("gpus_per_node", 8.5) == "must be a whole number"
    assert check_cost_value("amortization_years", 0) is not None
    assert check_cost_value("gpu_draw_share", 1.5) is not None
    assert check_cost_value("electricity_usd_per_kwh", float("inf")) is not None
    assert check_cost_value("nope", 1) is not None


def test_api_rows_apply_overrides(scenario: Scenario) -> None:
    snap = scenario.price_snapshot
    assert snap is not None
    plain = api_rows(snap, PriceOverrides())
    assert [r.id for r in plain] == list(snap.ids)
    assert all(r.as_of and r.source and not r.overridden for r in plain)
    ov = with_api_price(PriceOverrides(), "openai/gpt-4o", "output_usd_per_mtok", 12.0)
    assert ov.api["openai/gpt-4o"] == ApiOverride(output_usd_per_mtok=12.0)
    rows = {r.id: r for r in api_rows(snap, ov)}
    gpt = rows["openai/gpt-4o"]
    assert gpt.overridden and gpt.overridden_fields == {"output_usd_per_mtok"}
    assert gpt.output_usd_per_mtok == 12.0 and gpt.bundled_output_usd_per_mtok == 10.0
    assert gpt.input_usd_per_mtok == 2.5  # not overridden: the bundled figure
    assert not rows["openai/gpt-4o-mini"].overridden
    # a second field keeps the first; None drops one; dropping both removes the entry
    ov2 = with_api_price(ov, "openai/gpt-4o", "input_usd_per_mtok", 2.0)
    assert ov2.api["openai/gpt-4o"] == ApiOverride(input_usd_per_mtok=2.0, output_usd_per_mtok=12.0)
    ov3 = with_api_price(ov2, "openai/gpt-4o", "input_usd_per_mtok", None)
    assert ov3 == ov
    assert with_api_price(ov3, "openai/gpt-4o", "output_usd_per_mtok", None).api == {}
    with pytest.raises(ValueError):
        with_api_price(ov, "openai/gpt-4o", "price", 1.0)


def test_api_rows_of_another_snapshot() -> None:
    snaps = api_snapshots()
    assert "spring-2025" in snaps
    rows = api_rows(snaps["spring-2025"], PriceOverrides())
    assert rows and all(r.as_of for r in rows)
