"""The dashboard's numbers equal the estimators' and the cost engine's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.catalog.load import bundled_catalog
from planner.cost import api_monthly_cost
from planner.costplan import break_even
from planner.dashboard import CONCURRENCY_GRID, dashboard
from planner.estimate.memory import max_context
from planner.estimate.scenario import sweep
from planner.plan.build import evaluate
from planner.plan.io import load_plan
from planner.plan.schema import Plan
from planner.prices.load import api_snapshots
from planner.sources import data_dates, data_sources

EXAMPLE = Path(__file__).resolve().parents[2] / "resources/examples/enterprise-llama4.llmplan"
CATALOG = bundled_catalog()


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(EXAMPLE, backup=False).plan


@pytest.mark.parametrize("index", [0, 1])
def test_dashboard_matches_the_estimators(plan: Plan, index: int) -> None:
    s = plan.scenarios[index]
    d = dashboard(CATALOG, s)
    r = evaluate(CATALOG, s)
    assert d.estimate.memory == r.estimate.memory
    assert d.fits
    dep, wl = r.estimate.deployment, r.estimate.workload
    grid = [p.concurrency for p in d.sweep]
    assert grid == sorted(grid) and grid[0] == 1
    assert all(c <= r.estimate.max_batch for c in grid)
    for p, speed in zip(d.sweep, sweep(dep, wl, grid), strict=True):
        assert speed is not None
        assert p.tokens_per_s == speed.output_tokens_per_s_total
        assert p.tokens_per_s_low <= p.tokens_per_s <= p.tokens_per_s_high
        assert p.ttft_ms_low <= p.ttft_ms <= p.ttft_ms_high
        assert p.per_user_tokens_per_s == pytest.approx(1000 / speed.tpot_ms)
    for c, ctx in d.context_curve:
        assert ctx == max_context(dep, c)
    assert [c for c, _ in d.context_curve] == list(CONCURRENCY_GRID[: len(d.context_curve)])
    # Targets come from the cost workload.
    assert s.cost_workload is not None
    assert d.ttft_target_ms == s.cost_workload.ttft_target_ms


def test_cost_lines_break_evens_and_hybrid(plan: Plan) -> None:
    s = plan.scenarios[0]
    d = dashboard(CATALOG, s)
    r = evaluate(CATALOG, s)
    own = d.self_hosted_line
    assert own is not None and r.self_hosted is not None
    assert own.usd_per_mtok == pytest.approx(r.self_hosted.usd_per_mtok)
    # The self-hosted line at the scenario's own volume is the plan's monthly cost.
    i = min(
        range(len(own.tokens_per_month)),
        key=lambda k: abs(own.tokens_per_month[k] / r.self_hosted.workload.monthly_tokens - 1),
    )
    assert own.usd_per_month[i] == pytest.approx(r.self_hosted.monthly.total_usd)
    # It steps up: never cheaper at a larger volume.
    assert all(
        a <= b + 1e-6 for a, b in zip(own.usd_per_month, own.usd_per_month[1:], strict=False)
    )
    snap = s.price_snapshot
    assert snap is not None
    gpt4o = snap.get("openai/gpt-4o")
    assert gpt4o is not None
    line = next(c for c in d.cost_lines if c.label == gpt4o.name)
    assert line.kind == "closed" and line.as_of == gpt4o.as_of
    wl = r.self_hosted.workload
    assert line.usd_per_mtok == pytest.approx(api_monthly_cost(gpt4o, wl) / wl.monthly_tokens * 1e6)
    be = next(b for b in d.break_evens if b.api == gpt4o.name)
    assert be.tokens_per_month == pytest.approx(break_even(r.self_hosted, gpt4o))
    cheapest = d.cheapest_api
    assert cheapest is not None
    assert all(cheapest.usd_per_mtok <= c.usd_per_mtok for c in d.cost_lines if c.kind == "closed")
    # Hybrid routing: 0% self-hosted is the API bill; 100% is the self-hosted bill.
    assert d.hybrid[0] == (0.0, pytest.approx(r.comparison.api_monthly_usd))  # type: ignore[union-attr]
    assert d.hybrid[-1][0] == 1.0
    assert d.hybrid[-1][1] == pytest.approx(r.self_hosted.monthly.total_usd)
    assert d.hybrid_api == r.api.name  # type: ignore[union-attr]
    # Quality points for the self-hosted model and the APIs that have a score.
    assert any(q.self_hosted for q in d.quality)
    assert all(q.benchmark == "MMLU-Pro" for q in d.quality)


def test_no_cost_workload_no_cost_lines(plan: Plan) -> None:
    d = dashboard(CATALOG, plan.scenarios[0].replace(cost_workload=None))
    assert d.cost_lines == () and d.break_evens == () and d.hybrid == ()
    assert d.self_hosted_line is None and d.cheapest_api is None
    assert d.ttft_target_ms is None and d.sweep


def test_a_model_that_does_not_fit(plan: Plan) -> None:
    s = plan.scenarios[1].replace(
        hardware=(plan.scenarios[1].hardware[0].replace(gpu="rtx-4090", count=1),),
        tp=None,
        pp=None,
        ep=None,
    )
    d = dashboard(CATALOG, s)
    assert not d.fits
    assert d.sweep == () and d.cost_lines == ()
    assert "memory" in d.binding
    assert any("does not fit" in n for n in d.notes)


def test_every_source_listed_with_dates_for_prices() -> None:
    snaps = api_snapshots()
    rows = data_sources(CATALOG, snaps)
    kinds = {r.kind for r in rows}
    assert {"model", "accelerator", "format", "engine", "hardware price", "cost default"} <= kinds
    assert all(len(r.source) >= 3 for r in rows)
    assert all(r.as_of for r in rows if "price" in r.kind or r.kind == "cost default")
    assert sum(r.kind == "model" for r in rows) == len(CATALOG.models)
    dates = data_dates(snaps)
    assert len(dates) == len(snaps) + 1
