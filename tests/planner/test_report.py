"""Reports: the same content as Markdown, self-contained HTML with inline SVG, and CSV."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from planner.catalog.load import bundled_catalog
from planner.cost import CostWorkload
from planner.costinputs import hardware_costs
from planner.estimate.scenario import build_deployment, make_workload
from planner.prices.load import api_snapshots
from planner.report.content import ScenarioReport, build_scenario_report
from planner.report.document import build_sections, to_csv, to_html, to_markdown
from planner.report.svg import bar_chart, line_chart, nice_step

CAT = bundled_catalog()


@pytest.fixture(scope="module")
def reports() -> list[ScenarioReport]:
    snap = api_snapshots()["spring-2025"]
    out = []
    for name, model, n in (
        ("Scout on 2 x H100", "llama-4-scout-17b-16e", 2),
        ("Maverick on 8 x H100", "llama-4-maverick-17b-128e", 8),
    ):
        dep = build_deployment(CAT, model, "fp8", "h100-sxm", n)
        wl = make_workload(32, 2000, 500)
        cw = CostWorkload(
            tokens_per_month=5e10, input_tokens=2000, output_tokens=500, tpot_target_ms=60
        )
        out.append(build_scenario_report(name, dep, wl, cw, hardware_costs(dep.gpu, "buy"), snap))
    return out


def test_html_is_one_self_contained_file_with_charts(reports: list[ScenarioReport]) -> None:
    html = to_html("Llama 4 on our GPUs", "Acme Corp", build_sections(reports))
    assert html.startswith("<!DOCTYPE html>") and "Acme Corp" in html
    assert "<script" not in html and "src=" not in html and "href=" not in html
    svgs = [
        html[i : html.index("</svg>", i) + 6]
        for i in range(len(html))
        if html.startswith("<svg", i)
    ]
    assert len(svgs) == 4  # a throughput curve and a cost bar chart per scenario
    for svg in svgs:
        ET.fromstring(svg)  # well-formed


def test_every_assumption_and_price_has_a_source_and_date(reports: list[ScenarioReport]) -> None:
    md = to_markdown("t", "", build_sections(reports))
    for r in reports:
        assert r.assumptions
        assert all(a.source for a in r.assumptions)
        apis = [a for a in r.assumptions if a.subject == "API prices"]
        assert {a.what for a in apis} == {"GPT-4o", "Claude 3.5 Sonnet", "Gemini 1.5 Pro"}
        assert all(a.as_of for a in apis)
    assert "ASSUMPTION" in md  # assumed figures are labelled as such
    assert "Scenarios compared" in md and "break-even" in md


def test_csv_has_speed_ranges_and_costs(reports: list[ScenarioReport]) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(reports))))
    speed = [r for r in rows if r["section"] == "speed"]
    assert len(speed) == 10
    for r in speed:
        assert float(r["p10"]) <= float(r["value"]) <= float(r["p90"]) or r["metric"].endswith(
            "_ms"
        )
    assert any(r["metric"] == "openai/gpt-4o saving" for r in rows)


def test_charts_are_well_formed_and_escape_text() -> None:
    svg = bar_chart("<cost & co>", ["a<b", "c"], [1.0, 2.0], "USD", 0)
    ET.fromstring(svg)
    assert "&lt;cost &amp; co&gt;" in svg
    ET.fromstring(line_chart("t", [1, 2, 4], [("s", [1, 2, 3], [0.5, 1, 2], [2, 3, 4])], "x", "y"))
    assert [nice_step(v) for v in (0.7, 3, 260, 1999)] == [1, 5, 500, 2000]
