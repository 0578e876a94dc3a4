"""`llm-planner report FILE`: a plan's scenarios as Markdown, self-contained HTML or CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from planner.catalog.load import Catalog
from planner.cli_args import positive
from planner.costinputs import Provenance
from planner.errors import CliError
from planner.estimate.efficiency import EfficiencyTable, load_efficiency
from planner.fileio import atomic_write_text
from planner.plan.build import scenario_inputs
from planner.plan.io import PlanFileError, load_plan
from planner.plan.schema import Plan, Scenario
from planner.report.content import ScenarioReport, build_scenario_report
from planner.report.document import Section, build_sections, to_csv, to_html, to_markdown


def add_report_command(sub: Any) -> None:
    r = sub.add_parser("report", help="a plan's scenarios as a report (md, html, csv)")
    r.add_argument("file", type=Path, help="a .llmplan file")
    r.add_argument("--scenario", type=positive, help="only this scenario (1 = the first)")
    r.add_argument("--format", choices=("md", "html", "csv"), default="md")
    r.add_argument("--out", type=Path, help="write here (default: standard output)")


def scenario_report(
    catalog: Catalog, scenario: Scenario, table: EfficiencyTable | None = None
) -> ScenarioReport:
    """The report content of one plan scenario, from what the file holds."""
    dep, wl, cost_wl, costs = scenario_inputs(catalog, scenario)
    provenance = [
        Provenance(s.label, s.value, s.unit, s.source, s.as_of, s.assumption)
        for s in scenario.costs.sources
    ]
    return build_scenario_report(
        scenario.name,
        dep,
        wl,
        cost_wl,
        (costs, provenance) if costs is not None else None,
        scenario.price_snapshot,
        table,
    )


def plan_table(plan: Any) -> EfficiencyTable:
    """The efficiency factors with the calibrations stored in the plan applied."""
    from planner.calibrate import Calibration, apply_calibration

    table = load_efficiency()
    extra = getattr(plan, "model_extra", None) or {}
    for raw in extra.get("calibrations", []):
        table = apply_calibration(table, Calibration.model_validate(raw))
    return table


def render_plan(catalog: Catalog, path: Path, fmt: str, only: int | None = None) -> str:
    try:
        plan = load_plan(path, backup=False).plan
    except PlanFileError as exc:
        raise CliError(str(exc)) from exc
    scenarios = list(plan.scenarios)
    if only is not None:
        if only > len(scenarios):
            raise CliError(
                f"{path} has {len(scenarios)} scenario(s); --scenario {only} is past them"
            )
        scenarios = [scenarios[only - 1]]
    return plan_text(catalog, plan, fmt, plan.title or path.stem, scenarios)


def plan_text(
    catalog: Catalog, plan: Plan, fmt: str, title: str, scenarios: list[Scenario] | None = None
) -> str:
    """A plan (or some of its scenarios) as Markdown, HTML or CSV."""
    table = plan_table(plan)
    reports = [scenario_report(catalog, s, table) for s in scenarios or plan.scenarios]
    if fmt == "csv":
        return to_csv(reports)
    sections = plan_sections(plan, reports)
    return (to_html if fmt == "html" else to_markdown)(title, plan.client, sections)


def plan_sections(plan: Plan, reports: list[ScenarioReport]) -> list[Section]:
    """The report's sections: the plan's notes first, then each scenario and a comparison."""
    sections = build_sections(reports)
    if plan.notes:
        sections.insert(0, Section("Notes", paragraphs=[plan.notes]))
    return sections


def run_report(catalog: Catalog, args: argparse.Namespace) -> int:
    text = render_plan(catalog, args.file, args.format, args.scenario)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    atomic_write_text(args.out, text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
