"""Recommendations for a plan's scenario, adopting one, and comparing a plan's scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.catalog.load import bundled_catalog
from planner.dashboard import dashboard
from planner.estimate.inputs import PlanInputError
from planner.estimate.memory import estimate_memory
from planner.estimate.scenario import make_workload
from planner.plan.build import evaluate
from planner.plan.io import load_plan
from planner.plan.schema import Plan, Scenario
from planner.recommend import Constraints, SearchResult
from planner.recommend_plan import (
    COMPARE_METRICS,
    adopt,
    best_of,
    compare_plan,
    compare_rows,
    recommend_for_scenario,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "enterprise-llama4.llmplan"
CAT = bundled_catalog()
SMALL = Constraints(vendors=("nvidia",), counts=(1, 2))


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(EXAMPLE, backup=False).plan


@pytest.fixture(scope="module")
def scenario(plan: Plan) -> Scenario:
    return plan.scenarios[0]


@pytest.fixture(scope="module")
def result(scenario: Scenario) -> SearchResult:
    return recommend_for_scenario(CAT, scenario, SMALL)


def test_ranked_by_monthly_cost_and_all_meet_the_targets(
    scenario: Scenario, result: SearchResult
) -> None:
    cwl = scenario.cost_workload
    assert cwl is not None and cwl.ttft_target_ms and cwl.tpot_target_ms
    assert result.ranked and result.pareto and result.searched > 0
    costs = [c.monthly_usd for c in result.ranked]
    assert costs == sorted(costs)
    for cand in result.ranked:
        p = cand.plan
        assert p.deployment.model.id == scenario.model
        assert p.deployment.gpu.vendor == "nvidia"
        assert p.deployment.tp * p.deployment.pp in (1, 2)
        assert p.point.ttft_ms <= cwl.ttft_target_ms
        assert p.point.tpot_ms <= cwl.tpot_target_ms
        wl = make_workload(p.point.concurrency, cwl.input_tokens, cwl.output_tokens)
        assert estimate_memory(p.deployment, wl).fits
        assert p.workload.monthly_tokens == pytest.approx(cwl.tokens_per_month)
    # The front: each member faster than every cheaper one.
    tpots = [c.tpot_ms for c in result.pareto]
    assert tpots == sorted(tpots, reverse=True)


def test_adopting_a_candidate_costs_what_the_search_said(
    scenario: Scenario, result: SearchResult
) -> None:
    for cand in result.ranked[:3]:
        adopted = adopt(CAT, scenario, cand)
        dep = cand.plan.deployment
        assert adopted.name == scenario.name
        assert adopted.workload == scenario.workload
        assert adopted.cost_workload == scenario.cost_workload
        assert adopted.price_snapshot == scenario.price_snapshot
        assert adopted.deployed.gpu == dep.gpu.id
        assert adopted.deployed.count == dep.tp * dep.pp
        assert adopted.deployed.acquisition == cand.acquisition
        assert (adopted.quant, adopted.engine) == (dep.quant.id, dep.engine.id)
        assert (adopted.tp, adopted.pp) == (dep.tp, dep.pp)
        assert adopted.costs.pinned is not None
        res = evaluate(CAT, adopted)
        assert res.self_hosted is not None
        assert res.self_hosted.monthly.total_usd == pytest.approx(cand.monthly_usd, rel=1e-9)
        assert res.self_hosted.replicas == cand.plan.replicas


def test_the_scenarios_own_cost_inputs_price_the_search(scenario: Scenario) -> None:
    h100 = Constraints(gpus=("h100-sxm",), counts=(2,), acquisition="buy")
    base = recommend_for_scenario(CAT, scenario, h100).ranked[0]
    # A price for the deployed accelerator (H100) and a scenario-wide electricity price.
    item = scenario.deployed.replace(prices={"gpu_price_usd": 10_000.0})
    costs = scenario.costs.replace(explicit={"electricity_usd_per_kwh": 0.5})
    changed = scenario.replace(hardware=(item,), costs=costs)
    cheaper = recommend_for_scenario(CAT, changed, h100).ranked[0]
    assert cheaper.plan.costs.gpu_price_usd == 10_000.0  # type: ignore[union-attr]
    assert cheaper.plan.costs.electricity_usd_per_kwh == 0.5  # type: ignore[union-attr]
    assert cheaper.monthly_usd != base.monthly_usd
    # The H100's price does not leak onto another GPU.
    a100 = Constraints(gpus=("a100-sxm-80gb",), counts=(2,), acquisition="buy")
    other = recommend_for_scenario(CAT, changed, a100).ranked[0]
    assert other.plan.costs.gpu_price_usd != 10_000.0  # type: ignore[union-attr]
    # Adopting keeps the H100's price and gives the same monthly cost.
    adopted = adopt(CAT, changed, cheaper)
    assert adopted.deployed.prices == {"gpu_price_usd": 10_000.0}
    res = evaluate(CAT, adopted)
    assert res.self_hosted is not None
    assert res.self_hosted.monthly.total_usd == pytest.approx(cheaper.monthly_usd, rel=1e-9)


def test_a_scenario_without_cost_workload_is_refused(scenario: Scenario) -> None:
    bare = scenario.replace(cost_workload=None)
    with pytest.raises(PlanInputError, match="no cost workload"):
        recommend_for_scenario(CAT, bare, SMALL)


def test_compare_rows_are_the_dashboards_numbers(plan: Plan) -> None:
    rows = compare_rows(CAT, plan)
    assert len(rows) == 2
    for row, scenario in zip(rows, plan.scenarios, strict=True):
        d = dashboard(CAT, scenario)
        est, sh, cmp = d.estimate, d.result.self_hosted, d.result.comparison
        assert est.speed is not None and sh is not None and cmp is not None
        assert d.cheapest_api is not None
        assert row.error is None
        assert row.name == scenario.name
        assert row.model == est.deployment.model.name
        assert row.hardware == f"{est.deployment.gpu_count} x {est.deployment.gpu.name}"
        assert row.fits is True
        assert row.headroom_gib == est.memory.headroom_gib
        assert row.max_batch == est.max_batch
        assert row.tokens_per_s == est.speed.output_tokens_per_s_total
        assert row.tokens_per_s_low == est.speed.low["output_tokens_per_s_total"]
        assert row.tokens_per_s_high == est.speed.high["output_tokens_per_s_total"]
        assert (row.ttft_ms, row.tpot_ms) == (est.speed.ttft_ms, est.speed.tpot_ms)
        assert row.self_hosted_usd_per_month == sh.monthly.total_usd
        assert row.usd_per_mtok == sh.usd_per_mtok
        # The example compares with its chosen API; the cheapest closed one is given too.
        assert d.result.api is not None and row.api == d.result.api.name == "GPT-4o"
        api_line = next(c for c in d.cost_lines if c.label == row.api)
        assert row.api_usd_per_mtok == api_line.usd_per_mtok
        assert row.cheapest_api == d.cheapest_api.label
        assert row.cheapest_api_usd_per_mtok == d.cheapest_api.usd_per_mtok
        assert row.savings_usd_per_month == cmp.savings_usd
        assert row.break_even_tokens_per_month == cmp.break_even_tokens_per_month


def test_a_scenario_that_cannot_be_estimated_gets_an_error_row(plan: Plan) -> None:
    broken = plan.scenarios[0].replace(name="Broken", tp=3)
    rows, boards = compare_plan(
        CAT, plan.model_copy(update={"scenarios": (*plan.scenarios, broken)})
    )
    assert len(rows) == len(boards) == 3
    assert boards[2] is None and boards[0] is not None
    assert rows[2].name == "Broken" and rows[2].error
    assert rows[2].self_hosted_usd_per_month is None
    assert rows[2].hardware.startswith("2 x ")


def test_a_custom_model_is_searched_and_kept_when_adopting(scenario: Scenario) -> None:
    spec = CAT.model(scenario.model).model_copy(
        update={"id": "my-scout", "name": "My Scout", "custom": True}
    )
    custom = scenario.replace(model="my-scout", model_spec=spec)
    h100 = Constraints(gpus=("h100-sxm",), counts=(2,), acquisition="buy")
    cand = recommend_for_scenario(CAT, custom, h100).ranked[0]
    assert cand.plan.deployment.model.id == "my-scout"
    adopted = adopt(CAT, custom, cand)
    assert adopted.model_spec is not None and adopted.model_spec.name == "My Scout"
    res = evaluate(CAT, adopted)
    assert res.self_hosted is not None
    assert res.self_hosted.monthly.total_usd == pytest.approx(cand.monthly_usd, rel=1e-9)


def test_best_of_picks_the_best_value_of_ranked_metrics(plan: Plan) -> None:
    rows = compare_rows(CAT, plan)
    by_key = {m.key: m for m in COMPARE_METRICS}
    assert best_of(rows, by_key["tpot_ms"]) == {1}  # Maverick on H200s: faster per token
    assert best_of(rows, by_key["break_even_tokens_per_month"]) == {0}
    assert best_of(rows, by_key["model"]) == set()  # not ranked
    assert best_of(rows, by_key["fits"]) == set()  # all equal: nothing stands out
    assert best_of(rows[:1], by_key["tpot_ms"]) == set()  # one scenario: nothing to compare
