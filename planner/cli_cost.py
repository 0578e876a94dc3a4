"""`llm-planner cost | compare | recommend | prices`: self-hosting against pay-per-token APIs."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.catalog.load import Catalog
from planner.cli_args import (
    add_cost_args,
    add_deployment_args,
    add_traffic_args,
    non_negative,
    positive,
    positive_float,
)
from planner.cli_costdoc import cost_doc, format_cost, print_compare
from planner.cli_estimate import deployment_from_args
from planner.cli_prices import OVERRIDES_FILE, snapshot_with_overrides
from planner.cost import CostWorkload, HardwareCosts
from planner.costinputs import Acquisition, Provenance, hardware_costs
from planner.costplan import compare, plan_self_hosted
from planner.errors import CliError
from planner.prices.overrides import (
    load_overrides,
)
from planner.prices.schema import ApiPrice, PriceSnapshot

FORMATS = ("table", "json", "csv")


def _add_workload_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("workload")
    volume = g.add_mutually_exclusive_group(required=True)
    volume.add_argument("--tokens-per-month", type=positive_float, help="input + output tokens")
    volume.add_argument("--requests-per-month", type=positive_float)
    g.add_argument("--input-tokens", type=non_negative, default=2000, help="per request (2000)")
    g.add_argument("--output-tokens", type=positive, default=500, help="per request (500)")
    add_traffic_args(g)


def _add_cost_args(p: argparse.ArgumentParser) -> None:
    add_cost_args(
        p,
        "costs (defaults: bundled, dated prices; see `llm-planner prices`)",
        "API price snapshot (current)",
    )


def add_cost_commands(sub: Any) -> None:
    c = sub.add_parser("cost", help="what self-hosting costs, against the cheapest API")
    add_deployment_args(c)
    _add_workload_args(c)
    _add_cost_args(c)
    c.add_argument("--api", help="compare with this API price id (default: cheapest closed)")
    c.add_argument("--format", choices=("table", "json"), default="table")

    m = sub.add_parser("compare", help="one deployment against every API in a price snapshot")
    add_deployment_args(m)
    _add_workload_args(m)
    _add_cost_args(m)
    m.add_argument("--format", choices=FORMATS, default="table")

    r = sub.add_parser("recommend", help="the cheapest deployments that meet the targets")
    r.add_argument("--model", action="append", required=True, help="repeat for several models")
    _add_workload_args(r)
    _add_cost_args(r)
    r.add_argument("--max-gpus", type=positive)
    r.add_argument("--budget", type=positive_float, help="monthly budget, USD")
    r.add_argument("--capex-budget", type=positive_float, help="capital budget, USD")
    r.add_argument("--vendor", action="append", default=[], help="allowed vendor (repeat)")
    r.add_argument("--gpu", action="append", default=[], help="allowed GPU (repeat)")
    r.add_argument("--quant", action="append", default=[], help="allowed format (repeat)")
    r.add_argument(
        "--min-bits",
        type=positive,
        help="leave out weight formats below this bit class (e.g. 4: no 1- to 3-bit formats)",
    )
    r.add_argument("--engine", action="append", default=[], help="allowed engine (repeat)")
    r.add_argument("--acquire", choices=("buy", "rent", "either"), default="either")
    r.add_argument(
        "--owned", action="append", default=[], metavar="GPU=N", help="GPUs already owned"
    )
    r.add_argument("--limit", type=positive, default=10)
    r.add_argument("--format", choices=FORMATS, default="table")

    pr = sub.add_parser("prices", help="dated API prices, GPU prices and cost defaults")
    pr.add_argument("--snapshot", default="current", help="API price snapshot (current)")
    pr.add_argument("--hardware", action="store_true", help="GPU purchase and rental prices")
    pr.add_argument("--defaults", action="store_true", help="cost-model defaults")
    pr.add_argument("--format", choices=FORMATS, default="table")
    ed = pr.add_argument_group("your own prices (kept apart from the bundled data)")
    ed.add_argument("--set-api", metavar="ID", help="override an API's prices (with --input ...)")
    ed.add_argument("--input", type=float, help="USD per million input tokens")
    ed.add_argument("--output", type=float, help="USD per million output tokens")
    ed.add_argument("--cached", type=float, help="USD per million cached input tokens")
    ed.add_argument("--set-gpu", metavar="GPU", help="override a GPU's prices (--purchase ...)")
    ed.add_argument("--purchase", type=float, help="USD per GPU")
    ed.add_argument("--rental", type=float, help="USD per GPU-hour")
    ed.add_argument("--set-default", metavar="KEY=VALUE", action="append", default=[])
    ed.add_argument("--overrides", action="store_true", help="show your overrides")
    ed.add_argument("--reset", action="store_true", help="drop all your overrides")


def cost_workload(args: argparse.Namespace) -> CostWorkload:
    try:
        return CostWorkload(
            tokens_per_month=args.tokens_per_month,
            requests_per_month=args.requests_per_month,
            input_tokens=args.input_tokens,
            output_tokens=args.output_tokens,
            cached_input_share=args.cached_share,
            peak_to_average=args.peak_to_average,
            active_hours_per_day=args.active_hours,
            ttft_target_ms=args.ttft_ms,
            tpot_target_ms=args.tpot_ms,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CliError(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}") from None


def explicit_costs(args: argparse.Namespace) -> dict[str, float]:
    pairs = {
        "gpu_price_usd": args.gpu_price,
        "usd_per_gpu_hour": args.gpu_hour_price,
        "server_usd_per_node": args.server_price,
        "amortization_years": args.years,
        "cost_of_capital_per_year": args.cost_of_capital,
        "electricity_usd_per_kwh": args.electricity,
        "pue": args.pue,
        "ops_share_of_capex_per_year": args.ops_share,
        "staff_usd_per_year": args.staff_per_year,
        "colocation_usd_per_kw_month": args.colocation,
    }
    return {k: v for k, v in pairs.items() if v is not None}


def _mode(args: argparse.Namespace) -> Acquisition:
    return "rent" if args.rent else "owned" if args.already_owned else "buy"


def _snapshot(args: argparse.Namespace, home: Path) -> PriceSnapshot:
    return snapshot_with_overrides(args.snapshot, home, date.today().isoformat())


def _costs(
    gpu: Any, args: argparse.Namespace, home: Path
) -> tuple[HardwareCosts, list[Provenance]]:
    saved = load_overrides(home / OVERRIDES_FILE)
    found = hardware_costs(
        gpu, _mode(args), explicit_costs(args), saved.defaults, saved.hardware.get(gpu.id)
    )
    if found is None:
        what = "--gpu-hour-price" if args.rent else "--gpu-price"
        raise CliError(f"no dated price for {gpu.name} in the bundled data: give {what}")
    return found


def _apis_for(snapshot: PriceSnapshot, model_id: str) -> list[ApiPrice]:
    """Closed APIs, and the hosted APIs that serve this very model."""
    return [p for p in snapshot.prices if p.kind == "closed" or p.open_model == model_id]


def run_cost_command(catalog: Catalog, args: argparse.Namespace, home: Path) -> int:
    if args.command == "prices":
        from planner.cli_prices import edit_overrides, run_prices

        if edit_overrides(catalog, args, home):
            return 0
        return run_prices(args, home)
    if args.command == "recommend":
        from planner.cli_recommend import run_recommend

        return run_recommend(catalog, args, home)
    dep = deployment_from_args(catalog, args)
    wl = cost_workload(args)
    costs, provenance = _costs(dep.gpu, args, home)
    plan = plan_self_hosted(dep, wl, costs)
    snapshot = _snapshot(args, home)
    apis = _apis_for(snapshot, dep.model.id)
    if args.command == "compare":
        return print_compare(plan, apis, snapshot, args.format)
    if args.api:
        chosen = [p for p in snapshot.prices if p.id == args.api]
        if not chosen:
            ids = ", ".join(p.id for p in snapshot.prices if p.kind == "closed")
            raise CliError(f"unknown API price id '{args.api}'; closed APIs: {ids}")
        api = chosen[0]
    else:
        closed = [p for p in apis if p.kind == "closed"]
        api = min(closed, key=lambda p: compare(plan, p).api_monthly_usd)
    doc = cost_doc(plan, api, snapshot, provenance)
    if args.format == "json":
        print(json.dumps(doc, indent=1))
    else:
        print(format_cost(plan, doc))
    return 0
