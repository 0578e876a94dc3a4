"""The bundled example plan loads, computes and reports, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.catalog.load import bundled_catalog
from planner.cli_report import render_plan
from planner.plan.build import evaluate
from planner.plan.io import load_plan

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "resources" / "examples" / "enterprise-llama4.llmplan"
)


def test_example_plan_compares_scout_and_maverick_against_a_50k_api_bill() -> None:
    plan = load_plan(EXAMPLE, backup=False).plan
    assert [s.model for s in plan.scenarios] == [
        "llama-4-scout-17b-16e",
        "llama-4-maverick-17b-128e",
    ]
    for scenario in plan.scenarios:
        result = evaluate(bundled_catalog(), scenario)
        assert result.estimate.fits
        assert result.comparison is not None
        assert result.comparison.api_monthly_usd == pytest.approx(50_000, rel=1e-6)
        snapshot = scenario.price_snapshot
        assert snapshot is not None
        closed = {p.id for p in snapshot.prices if p.kind == "closed"}
        assert {"openai/gpt-4o", "anthropic/claude-sonnet-4", "google/gemini-2.5-pro"} <= closed


def test_example_plan_reports_as_html() -> None:
    html = render_plan(bundled_catalog(), EXAMPLE, "html")
    assert "Example Enterprise" in html and html.count("<svg") == 4


def test_launch_from_the_example_plan_runs_its_sized_replicas(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cli_runner import run_cli

    from planner.costplan import plan_self_hosted
    from planner.plan.build import scenario_inputs

    scenario = load_plan(EXAMPLE, backup=False).plan.scenarios[0]
    dep, _, cwl, costs = scenario_inputs(bundled_catalog(), scenario)
    assert cwl is not None and costs is not None
    replicas = plan_self_hosted(dep, cwl, costs).replicas
    rc, out, _ = run_cli(capsys, "launch", str(EXAMPLE), "--scenario", "1", "--engine", "k8s")
    assert rc == 0
    assert f"replicas: {replicas}" in out and 'nvidia.com/gpu: "2"' in out
    rc, out, _ = run_cli(capsys, "launch", str(EXAMPLE), "--scenario", "2", "--engine", "vllm")
    assert rc == 0 and "--tensor-parallel-size 8" in out
