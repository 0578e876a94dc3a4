"""`llm-planner plan new | show | check | migrate`: plan project files from the command line.

planner.cli wires it in with `add_plan_command(sub)` and `run_plan(catalog, args, state_dir)`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.catalog.load import Catalog
from planner.catalog.resolve import UnknownNameError
from planner.cli_args import (
    add_cost_args,
    add_deployment_args,
    add_traffic_args,
    non_negative,
    positive,
    positive_float,
)
from planner.cost import CostWorkload
from planner.errors import CliError
from planner.estimate.inputs import PlanInputError
from planner.estimate.scenario import make_workload
from planner.plan.build import ScenarioResult, evaluate, make_scenario, scenario_inputs
from planner.plan.io import PlanFileError, check_plan, load_plan, save_plan
from planner.plan.recent import RecentFiles
from planner.plan.schema import SCHEMA_VERSION, Acquisition, Plan
from planner.table import render


def add_plan_command(sub: Any) -> None:
    """Add `plan` and its subcommands to the main parser's subparsers."""
    p = sub.add_parser("plan", help="plan project files (.llmplan): new, show, check, migrate")
    psub = p.add_subparsers(dest="plan_command", parser_class=type(p), required=True)

    n = psub.add_parser("new", help="create a plan, with one scenario from estimate/cost options")
    n.add_argument("file", type=Path)
    n.add_argument("--title", default="")
    n.add_argument("--client", default="")
    n.add_argument("--notes", default="")
    n.add_argument("--name", help="scenario name (default: model on N x GPU)")
    n.add_argument("--force", action="store_true", help="overwrite an existing file")
    add_deployment_args(n)
    n.add_argument("--nodes", type=positive, help="servers the GPUs sit in")
    n.add_argument("--interconnect", default="", help="note, e.g. 'NVLink, 400G InfiniBand'")
    w = n.add_argument_group("workload")
    w.add_argument("--batch", default="1", help="sequences decoded together, or 'max' (1)")
    w.add_argument(
        "--input-tokens", type=non_negative, help="prompt tokens (512; 2000 with a volume)"
    )
    w.add_argument("--output-tokens", type=positive, help="output tokens (128; 500 with a volume)")
    w.add_argument("--context", type=positive, help="KV cache per sequence (input + output)")
    volume = w.add_mutually_exclusive_group()
    volume.add_argument("--tokens-per-month", type=positive_float, help="adds a cost workload")
    volume.add_argument("--requests-per-month", type=positive_float, help="adds a cost workload")
    add_traffic_args(w)
    add_cost_args(
        n,
        "costs (defaults: bundled, dated prices, pinned in the plan)",
        "API price snapshot to embed (current)",
    )
    n.add_argument("--api", help="API price id to compare with (default: cheapest closed)")

    s = psub.add_parser("show", help="a plan's scenarios with their estimates and costs")
    s.add_argument("file", type=Path)
    s.add_argument("--format", choices=("table", "json"), default="table")

    k = psub.add_parser("check", help="validate a plan file: 'ok' or the problem (exit 2)")
    k.add_argument("file", type=Path)

    m = psub.add_parser("migrate", help="rewrite an older plan file in the current schema")
    m.add_argument("file", type=Path)


def run_plan(
    catalog: Catalog, args: argparse.Namespace, state_dir: Path, home: Path | None = None
) -> int:
    """Run a `plan` subcommand. `home` holds the user's price overrides (default: the
    user data folder, as for `cost`); `state_dir` the recent-files list."""
    try:
        if args.plan_command == "new":
            return _new(catalog, args, state_dir, home)
        if args.plan_command == "show":
            return _show(catalog, args)
        if args.plan_command == "check":
            return _check(catalog, args)
        if args.plan_command == "migrate":
            return _migrate(args)
    except PlanFileError as exc:
        raise CliError(str(exc)) from None
    raise CliError(f"unknown plan command '{args.plan_command}'")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _cost_workload(args: argparse.Namespace, lengths: tuple[int, int]) -> CostWorkload | None:
    if args.tokens_per_month is None and args.requests_per_month is None:
        return None
    try:
        return CostWorkload(
            tokens_per_month=args.tokens_per_month,
            requests_per_month=args.requests_per_month,
            input_tokens=lengths[0],
            output_tokens=lengths[1],
            cached_input_share=args.cached_share,
            peak_to_average=args.peak_to_average,
            active_hours_per_day=args.active_hours,
            ttft_target_ms=args.ttft_ms,
            tpot_target_ms=args.tpot_ms,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CliError(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}") from None


def _new(catalog: Catalog, args: argparse.Namespace, state_dir: Path, home: Path | None) -> int:
    path: Path = args.file
    if path.exists() and not args.force:
        raise CliError(f"{path} exists; give --force to overwrite it")
    if not path.parent.is_dir():
        raise CliError(f"{path.parent}: no such folder")
    now = _now()
    plan = Plan.new(now, title=args.title, client=args.client, notes=args.notes)
    if args.model or args.gpu:
        from planner.cli_cost import explicit_costs
        from planner.cli_estimate import deployment_from_args
        from planner.cli_prices import OVERRIDES_FILE, snapshot_with_overrides
        from planner.prices.overrides import load_overrides

        if home is None:
            from planner.paths import user_dir

            home = user_dir()
        dep = deployment_from_args(catalog, args)
        has_volume = args.tokens_per_month is not None or args.requests_per_month is not None
        lengths = (
            args.input_tokens if args.input_tokens is not None else 2000 if has_volume else 512,
            args.output_tokens if args.output_tokens is not None else 500 if has_volume else 128,
        )
        wl = make_workload(args.batch, lengths[0], lengths[1], args.context)
        cwl = _cost_workload(args, lengths)
        overrides = load_overrides(home / OVERRIDES_FILE)
        snapshot = None
        if cwl is not None or args.api:
            snapshot = snapshot_with_overrides(args.snapshot, home, date.today().isoformat())
            if args.api and snapshot.get(args.api) is None:
                raise CliError(
                    f"unknown API price id '{args.api}' in snapshot '{args.snapshot}'; "
                    f"ids: {', '.join(snapshot.ids)}"
                )
        mode: Acquisition = "rent" if args.rent else "owned" if args.already_owned else "buy"
        explicit = explicit_costs(args)
        name = args.name or f"{dep.model.name} on {dep.gpu_count} x {dep.gpu.name}"
        try:
            scenario = make_scenario(
                catalog,
                name,
                dep,
                wl,
                acquisition=mode,
                nodes=args.nodes,
                interconnect=args.interconnect,
                cost_workload=cwl,
                explicit_costs=explicit,
                price_snapshot=snapshot,
                price_overrides=overrides,
                api=args.api,
            )
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            raise CliError(f"{loc}: {err['msg']}" if loc else str(err["msg"])) from None
        plan = plan.with_scenario(scenario)
    save_plan(path, plan)
    with contextlib.suppress(OSError):  # the recent list is a convenience; the plan is saved
        RecentFiles(state_dir).add(path)
    count = len(plan.scenarios)
    print(f"created {path} ({count} scenario{'s' if count != 1 else ''})")
    return 0


def _usd(v: float) -> str:
    return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.2f}"


def _result_doc(result: ScenarioResult) -> dict[str, Any]:
    from planner.cli_costdoc import plan_doc
    from planner.cli_estimate import estimate_to_dict

    doc: dict[str, Any] = {"estimate": estimate_to_dict(result.estimate), "cost": None}
    sh = result.self_hosted
    if sh is not None:
        doc["cost"] = plan_doc(sh) | {"cost_inputs": sh.costs.model_dump(mode="json")}
        if result.api is not None and result.comparison is not None:
            doc["cost"]["api"] = {
                "id": result.api.id,
                "name": result.api.name,
                "as_of": result.api.as_of,
                "monthly_usd": result.comparison.api_monthly_usd,
                "savings_usd": result.comparison.savings_usd,
            }
    doc["cost_note"] = result.cost_note
    return doc


def _evaluate(catalog: Catalog, plan: Plan) -> list[ScenarioResult | str]:
    from planner.cli_report import plan_table

    table = plan_table(plan)  # with the calibrations the plan stores
    out: list[ScenarioResult | str] = []
    for s in plan.scenarios:
        try:
            out.append(evaluate(catalog, s, table))
        except (PlanInputError, UnknownNameError) as exc:
            out.append(str(exc))
    return out


def _show(catalog: Catalog, args: argparse.Namespace) -> int:
    loaded = load_plan(args.file, backup=False)
    plan = loaded.plan
    results = _evaluate(catalog, plan)
    if args.format == "json":
        doc: dict[str, Any] = {
            "file": str(loaded.path),
            "schema_version": SCHEMA_VERSION,
            "migrated_from": loaded.migrated_from,
            "app_version": plan.app_version,
            "title": plan.title,
            "client": plan.client,
            "notes": plan.notes,
            "created": plan.created,
            "modified": plan.modified,
            "selected": plan.selected,
            "scenarios": [
                {"name": s.name, "selected": i == plan.selected}
                | ({"error": r} if isinstance(r, str) else {"error": None} | _result_doc(r))
                for i, (s, r) in enumerate(zip(plan.scenarios, results, strict=True))
            ],
        }
        print(json.dumps(doc, indent=1))
        return 0
    head = plan.title or loaded.path.name
    print(head + (f" for {plan.client}" if plan.client else ""))
    print(f"  created {plan.created}, modified {plan.modified}, planner {plan.app_version}")
    if loaded.migrated_from is not None:
        print(f"  (plan schema {loaded.migrated_from}; read as schema {SCHEMA_VERSION})")
    if plan.notes:
        print(f"  {plan.notes}")
    if not plan.scenarios:
        print("\nNo scenarios yet.")
        return 0
    rows: list[list[object]] = []
    notes: list[str] = []
    for i, (s, r) in enumerate(zip(plan.scenarios, results, strict=True)):
        mark = f"{i + 1}{'*' if i == plan.selected else ''}"
        hw = ", ".join(f"{h.count} x {h.gpu}" for h in s.hardware)
        if isinstance(r, str):
            rows.append([mark, s.name, s.model, s.quant, hw, s.engine, "error", None, None, None])
            notes.append(f"{mark}: {r}")
            continue
        est, sh = r.estimate, r.self_hosted
        speed = est.speed
        vs = None
        if r.comparison is not None and r.api is not None:
            vs = f"{r.api.id} {_usd(r.comparison.api_monthly_usd)}"
        rows.append(
            [
                mark,
                s.name,
                s.model,
                s.quant,
                hw,
                r.estimate.deployment.engine.id,
                "yes" if est.fits else "NO",
                None if speed is None else round(speed.output_tokens_per_s_total),
                None if sh is None else _usd(sh.monthly.total_usd),
                vs,
            ]
        )
        notes += [f"{mark}: {n}" for n in est.notes]
        if r.cost_note:
            notes.append(f"{mark}: cost: {r.cost_note}")
    print()
    print(
        render(
            [
                "#",
                "scenario",
                "model",
                "format",
                "hardware",
                "engine",
                "fits",
                "output tok/s",
                "a month",
                "API a month",
            ],
            rows,
        )
    )
    for n in notes:
        print(f"Note: {n}")
    return 0


def _check(catalog: Catalog, args: argparse.Namespace) -> int:
    loaded = check_plan(args.file)
    for i, s in enumerate(loaded.plan.scenarios):
        try:
            scenario_inputs(catalog, s)
        except (PlanInputError, UnknownNameError) as exc:
            raise CliError(f"{args.file}: scenario {i + 1} '{s.name}': {exc}") from None
    if loaded.migrated_from is None:
        print("ok")
    else:
        print(
            f"ok (plan schema {loaded.migrated_from}: opening it migrates it to schema "
            f"{SCHEMA_VERSION}, keeping the original as .bak)"
        )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    loaded = load_plan(args.file)
    if loaded.migrated_from is None:
        print(f"{args.file} is already at plan schema {SCHEMA_VERSION}")
        return 0
    save_plan(args.file, loaded.plan)
    print(
        f"migrated {args.file} from plan schema {loaded.migrated_from} to {SCHEMA_VERSION}; "
        f"the original is kept as {loaded.backup}"
    )
    return 0
