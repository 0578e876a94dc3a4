"""`llm-planner cost | compare | recommend | prices`: self-hosting against pay-per-token APIs."""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.catalog.load import Catalog
from planner.cli_args import add_deployment_args, non_negative, positive, positive_float
from planner.cli_estimate import deployment_from_args
from planner.cost import CostWorkload, HardwareCosts
from planner.costinputs import Acquisition, Provenance, hardware_costs
from planner.costplan import SelfHosted, compare, hybrid_curve, plan_self_hosted
from planner.errors import CliError
from planner.prices.load import api_snapshots
from planner.prices.overrides import (
    ApiOverride,
    HardwareOverride,
    PriceOverrides,
    apply_api_overrides,
    load_overrides,
    save_overrides,
)
from planner.prices.schema import ApiPrice, PriceSnapshot
from planner.quality import headline
from planner.recommend import Constraints, deployment_label, recommend
from planner.sensitivity import sensitivity
from planner.table import render

OVERRIDES_FILE = "price_overrides.json"
FORMATS = ("table", "json", "csv")


def _add_workload_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("workload")
    volume = g.add_mutually_exclusive_group(required=True)
    volume.add_argument("--tokens-per-month", type=positive_float, help="input + output tokens")
    volume.add_argument("--requests-per-month", type=positive_float)
    g.add_argument("--input-tokens", type=non_negative, default=2000, help="per request (2000)")
    g.add_argument("--output-tokens", type=positive, default=500, help="per request (500)")
    g.add_argument("--cached-share", type=float, default=0.0, help="input an API bills as cached")
    g.add_argument("--peak-to-average", type=positive_float, default=2.0, help="(default 2)")
    g.add_argument("--active-hours", type=positive_float, default=24.0, help="a day (24)")
    g.add_argument("--ttft-ms", type=positive_float, help="time to first token target")
    g.add_argument("--tpot-ms", type=positive_float, help="time per output token target")


def _add_cost_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("costs (defaults: bundled, dated prices; see `llm-planner prices`)")
    mode = g.add_mutually_exclusive_group()
    mode.add_argument("--rent", action="store_true", help="rent GPUs by the hour")
    mode.add_argument("--already-owned", action="store_true", help="count running costs only")
    g.add_argument("--gpu-price", type=positive_float, help="purchase price per GPU, USD")
    g.add_argument("--gpu-hour-price", type=positive_float, help="rental per GPU-hour, USD")
    g.add_argument("--server-price", type=float, help="host server per node, USD")
    g.add_argument("--years", type=positive_float, help="amortisation years")
    g.add_argument("--cost-of-capital", type=float, help="per year, e.g. 0.08")
    g.add_argument("--electricity", type=float, help="USD per kWh")
    g.add_argument("--pue", type=positive_float)
    g.add_argument("--ops-share", type=float, help="operations per year, share of capital")
    g.add_argument("--staff-per-year", type=float, help="staff cost per year, USD")
    g.add_argument("--colocation", type=float, help="USD per kW-month")
    g.add_argument("--snapshot", default="current", help="API price snapshot (current)")


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


def _workload(args: argparse.Namespace) -> CostWorkload:
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


def _explicit(args: argparse.Namespace) -> dict[str, float]:
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
    snaps = api_snapshots()
    if args.snapshot not in snaps:
        raise CliError(f"unknown price snapshot '{args.snapshot}'; snapshots: {', '.join(snaps)}")
    overrides = load_overrides(home / OVERRIDES_FILE)
    return apply_api_overrides(snaps[args.snapshot], overrides, date.today().isoformat())


def _costs(
    gpu: Any, args: argparse.Namespace, home: Path
) -> tuple[HardwareCosts, list[Provenance]]:
    saved = load_overrides(home / OVERRIDES_FILE)
    found = hardware_costs(
        gpu, _mode(args), _explicit(args), saved.defaults, saved.hardware.get(gpu.id)
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
        if _edit_overrides(catalog, args, home):
            return 0
        return _run_prices(args, home)
    if args.command == "recommend":
        return _run_recommend(catalog, args, home)
    dep = deployment_from_args(catalog, args)
    wl = _workload(args)
    costs, provenance = _costs(dep.gpu, args, home)
    plan = plan_self_hosted(dep, wl, costs)
    snapshot = _snapshot(args, home)
    apis = _apis_for(snapshot, dep.model.id)
    if args.command == "compare":
        return _print_compare(plan, apis, snapshot, args.format)
    if args.api:
        chosen = [p for p in snapshot.prices if p.id == args.api]
        if not chosen:
            ids = ", ".join(p.id for p in snapshot.prices if p.kind == "closed")
            raise CliError(f"unknown API price id '{args.api}'; closed APIs: {ids}")
        api = chosen[0]
    else:
        closed = [p for p in apis if p.kind == "closed"]
        api = min(closed, key=lambda p: compare(plan, p).api_monthly_usd)
    doc = _cost_doc(plan, api, snapshot, provenance)
    if args.format == "json":
        print(json.dumps(doc, indent=1))
    else:
        print(_format_cost(plan, doc))
    return 0


def _plan_doc(plan: SelfHosted) -> dict[str, Any]:
    low, high = plan.usd_per_mtok_range
    m = plan.monthly
    return {
        "deployment": deployment_label(plan.deployment),
        "replicas": plan.replicas,
        "gpus": plan.gpus,
        "concurrency_per_replica": plan.point.concurrency,
        "output_tokens_per_s_per_replica": plan.point.output_tokens_per_s,
        "ttft_ms": plan.point.ttft_ms,
        "tpot_ms": plan.point.tpot_ms,
        "limited_by": plan.binding,
        "utilisation": plan.utilisation,
        "monthly_usd": m.total_usd,
        "monthly_range_usd": [plan.monthly_low_usd, plan.monthly_high_usd],
        "monthly_breakdown_usd": {
            "capital": m.capital_usd,
            "power": m.power_usd,
            "operations": m.operations_usd,
            "colocation": m.colocation_usd,
            "rental": m.rental_usd,
        },
        "capex_usd": m.capex_usd,
        "usd_per_mtok": plan.usd_per_mtok,
        "usd_per_mtok_range": [low, high],
        "usd_per_mtok_input": plan.usd_per_mtok_input,
        "usd_per_mtok_output": plan.usd_per_mtok_output,
        "yearly_usd": m.total_usd * 12,
    }


def _cost_doc(
    plan: SelfHosted, api: ApiPrice, snapshot: PriceSnapshot, provenance: list[Provenance]
) -> dict[str, Any]:
    cmp = compare(plan, api)
    metric, base, swings = sensitivity(plan.deployment, plan.workload, plan.costs, api)
    return {
        "self_hosted": _plan_doc(plan),
        "api": {"id": api.id, "name": api.name, "as_of": api.as_of, "source": api.source},
        "snapshot": {"name": snapshot.name, "as_of": snapshot.as_of},
        "comparison": _compare_doc(cmp),
        "hybrid": [
            {"self_hosted_share": h.self_hosted_share, "monthly_usd": h.total_usd}
            for h in hybrid_curve(plan.deployment, plan.workload, plan.costs, api)
        ],
        "sensitivity": {
            "metric": metric,
            "base": base,
            "swings": [
                {"input": s.name, "at_minus_20pct": s.low_value, "at_plus_20pct": s.high_value}
                for s in swings
            ],
        },
        "inputs": [p.__dict__ for p in provenance],
    }


def _compare_doc(cmp: Any) -> dict[str, Any]:
    return {
        "api_monthly_usd": cmp.api_monthly_usd,
        "api_yearly_usd": cmp.api_monthly_usd * 12,
        "self_monthly_usd": cmp.self_monthly_usd,
        "self_yearly_usd": cmp.self_monthly_usd * 12,
        "savings_usd": cmp.savings_usd,
        "savings_pct": cmp.savings_pct,
        "savings_range_usd": list(cmp.savings_range_usd),
        "break_even_tokens_per_month": cmp.break_even_tokens_per_month,
        "payback_months": cmp.payback_months,
    }


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"


def _usd(v: float) -> str:
    return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.2f}"


def _tokens(v: float | None) -> str:
    if v is None:
        return "never"
    for unit, div in (("T", 1e12), ("B", 1e9), ("M", 1e6)):
        if v >= div:
            return f"{v / div:,.2f}{unit}"
    return f"{v:,.0f}"


def _format_cost(plan: SelfHosted, doc: dict[str, Any]) -> str:
    sh, c, api = doc["self_hosted"], doc["comparison"], doc["api"]
    lo, hi = sh["monthly_range_usd"]
    plo, phi = sh["usd_per_mtok_range"]
    lines = [
        f"{sh['deployment']} x {sh['replicas']} replica(s) = {sh['gpus']} GPUs",
        f"  {sh['concurrency_per_replica']} concurrent requests per replica, "
        f"{sh['output_tokens_per_s_per_replica']:,.0f} output tokens/s each; "
        f"TTFT {sh['ttft_ms']:,.0f} ms, TPOT {sh['tpot_ms']:.1f} ms; limited by {sh['limited_by']}",
        f"  average utilisation {sh['utilisation']:.0%}",
        "",
        f"Self-hosted: {_usd(sh['monthly_usd'])} a month ({_usd(lo)} .. {_usd(hi)}), "
        f"{_usd(sh['yearly_usd'])} a year",
        "  " + ", ".join(f"{k} {_usd(v)}" for k, v in sh["monthly_breakdown_usd"].items() if v),
        f"  {_usd(sh['usd_per_mtok'])} per million tokens ({_usd(plo)} .. {_usd(phi)}); "
        f"input {_usd(sh['usd_per_mtok_input'])}, output {_usd(sh['usd_per_mtok_output'])}",
        "",
        f"{api['name']} ({api['id']}, prices as of {api['as_of']}): {_usd(c['api_monthly_usd'])} "
        "a month",
        f"  saving {_usd(c['savings_usd'])} a month ({c['savings_pct']:.0f}%), range "
        f"{_usd(c['savings_range_usd'][0])} .. {_usd(c['savings_range_usd'][1])}",
        f"  break-even at {_tokens(c['break_even_tokens_per_month'])} tokens a month; payback "
        + (f"{c['payback_months']:.1f} months" if c["payback_months"] else "-"),
        "",
        "Hybrid routing (share self-hosted -> monthly cost): "
        + ", ".join(
            f"{h['self_hosted_share']:.0%} {_usd(h['monthly_usd'])}" for h in doc["hybrid"][::2]
        ),
        "",
        f"What moves the {doc['sensitivity']['metric']} most (each input -20% / +20%):",
    ]
    lines.append(
        render(
            ["input", "-20%", "+20%"],
            [
                [s["input"], _usd(s["at_minus_20pct"]), _usd(s["at_plus_20pct"])]
                for s in doc["sensitivity"]["swings"][:6]
            ],
        )
    )
    lines += ["", "Cost inputs (source, as of; ASSUMPTION where no source gives the figure):"]
    for p in doc["inputs"]:
        flag = "ASSUMPTION " if p["assumption"] else ""
        when = f", {p['as_of']}" if p["as_of"] else ""
        lines.append(
            f"  - {flag}{p['label']}: {_num(p['value'])} {p['unit']} ({p['source'][:90]}{when})"
        )
    return "\n".join(lines)


def _print_compare(
    plan: SelfHosted, apis: list[ApiPrice], snapshot: PriceSnapshot, fmt: str
) -> int:
    rows = []
    for api in sorted(apis, key=lambda p: (p.kind, p.id)):
        cmp = compare(plan, api)
        q = headline(api.id if api.kind == "closed" else (api.open_model or ""), "GPQA Diamond")
        rows.append(
            {
                "api": api.id,
                "name": api.name,
                "kind": api.kind,
                "as_of": api.as_of,
                **_compare_doc(cmp),
                "gpqa_diamond": q.score if q else None,
            }
        )
    own_q = headline(plan.deployment.model.id, "GPQA Diamond")
    if fmt == "json":
        print(
            json.dumps(
                {
                    "self_hosted": _plan_doc(plan),
                    "self_hosted_gpqa_diamond": own_q.score if own_q else None,
                    "snapshot": {"name": snapshot.name, "as_of": snapshot.as_of},
                    "apis": rows,
                },
                indent=1,
            )
        )
        return 0
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["api"], lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: (json.dumps(v) if isinstance(v, list) else v) for k, v in r.items()})
        print(buf.getvalue(), end="")
        return 0
    sh = _plan_doc(plan)
    print(
        f"{sh['deployment']} x {sh['replicas']}: {_usd(sh['monthly_usd'])} a month, "
        f"{_usd(sh['usd_per_mtok'])} per million tokens"
        + (f"; GPQA Diamond {own_q.score:g}" if own_q else "")
    )
    print(f"Against the '{snapshot.name}' price snapshot (as of {snapshot.as_of}):")
    print(
        render(
            [
                "API",
                "kind",
                "as of",
                "API a month",
                "saving",
                "%",
                "break-even",
                "payback",
                "GPQA-D",
            ],
            [
                [
                    r["api"],
                    r["kind"],
                    r["as_of"],
                    _usd(r["api_monthly_usd"]),
                    _usd(r["savings_usd"]),
                    round(r["savings_pct"]),
                    _tokens(r["break_even_tokens_per_month"]),
                    f"{r['payback_months']:.1f} mo" if r["payback_months"] else "-",
                    r["gpqa_diamond"],
                ]
                for r in rows
            ],
        )
    )
    return 0


def _owned(pairs: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for pair in pairs:
        gpu, _, n = pair.partition("=")
        if not n.isdigit() or int(n) < 1:
            raise CliError(f"--owned takes GPU=COUNT, e.g. 'A100 SXM 80GB=8', not '{pair}'")
        out[gpu.strip()] = int(n)
    return out


def _run_recommend(catalog: Catalog, args: argparse.Namespace, home: Path) -> int:
    wl = _workload(args)
    owned = {catalog.gpu(name).id: n for name, n in _owned(args.owned).items()}
    try:
        constraints = Constraints(
            max_gpus=args.max_gpus,
            monthly_budget_usd=args.budget,
            capex_budget_usd=args.capex_budget,
            vendors=tuple(args.vendor),
            gpus=tuple(catalog.gpu(g).id for g in args.gpu),
            quants=tuple(catalog.quant(q).id for q in args.quant),
            engines=tuple(catalog.engine(e).id for e in args.engine),
            acquisition=args.acquire,
            owned=owned,
        )
    except ValidationError as exc:
        raise CliError(exc.errors()[0]["msg"]) from None
    explicit = _explicit(args)
    saved = load_overrides(home / OVERRIDES_FILE)

    def costs_for(gpu: Any, mode: Acquisition) -> HardwareCosts | None:
        found = hardware_costs(gpu, mode, explicit, saved.defaults, saved.hardware.get(gpu.id))
        return None if found is None else found[0]

    rows = []
    searched = 0
    for name in args.model:
        model = catalog.model(name)
        res = recommend(catalog, model, wl, constraints, costs_for, limit=args.limit)
        searched += res.searched
        for rank, cand in enumerate(res.ranked, 1):
            doc = _plan_doc(cand.plan)
            rows.append(
                {
                    "model": model.id,
                    "rank": rank,
                    "acquisition": cand.acquisition,
                    **doc,
                    "why": "; ".join(cand.why),
                }
            )
    rows.sort(key=lambda r: r["monthly_usd"])
    if args.format == "json":
        print(json.dumps({"searched": searched, "results": rows}, indent=1))
        return 0
    if args.format == "csv":
        flat = [{k: v for k, v in r.items() if not isinstance(v, dict | list)} for r in rows]
        buf = io.StringIO()
        w = csv.DictWriter(
            buf, fieldnames=list(flat[0]) if flat else ["model"], lineterminator="\n"
        )
        w.writeheader()
        w.writerows(flat)
        print(buf.getvalue(), end="")
        return 0
    if not rows:
        print(f"Nothing meets the targets and constraints ({searched} configurations searched).")
        return 0
    print(f"{searched} configurations searched; cheapest first:")
    print(
        render(
            ["model", "deployment", "how", "replicas", "a month", "per Mtok", "TPOT ms", "why"],
            [
                [
                    r["model"],
                    r["deployment"],
                    r["acquisition"],
                    r["replicas"],
                    _usd(r["monthly_usd"]),
                    _usd(r["usd_per_mtok"]),
                    round(r["tpot_ms"], 1),
                    r["why"],
                ]
                for r in rows[: args.limit]
            ],
        )
    )
    return 0


def _edit_overrides(catalog: Catalog, args: argparse.Namespace, home: Path) -> bool:
    """Apply `prices --set-... / --reset / --overrides`; False when none was asked for."""
    path = home / OVERRIDES_FILE
    if args.reset:
        save_overrides(path, PriceOverrides())
        print(f"dropped all overrides in {path}")
        return True
    ov = load_overrides(path)
    changed = False
    if args.set_api:
        ids = {p.id for s in api_snapshots().values() for p in s.prices}
        if args.set_api not in ids:
            raise CliError(f"unknown API price id '{args.set_api}' (see llm-planner prices)")
        if args.input is None and args.output is None and args.cached is None:
            raise CliError("--set-api needs --input, --output and/or --cached")
        ov = ov.with_api(
            args.set_api,
            _validated(
                ApiOverride,
                input_usd_per_mtok=args.input,
                output_usd_per_mtok=args.output,
                cached_input_usd_per_mtok=args.cached,
            ),
        )
        changed = True
    if args.set_gpu:
        if args.purchase is None and args.rental is None:
            raise CliError("--set-gpu needs --purchase and/or --rental")
        gpu = catalog.gpu(args.set_gpu)
        ov = ov.with_hardware(
            gpu.id,
            _validated(
                HardwareOverride, purchase_usd=args.purchase, rental_usd_per_hour=args.rental
            ),
        )
        changed = True
    for pair in args.set_default:
        key, _, value = pair.partition("=")
        from planner.prices.load import cost_defaults

        if key not in cost_defaults():
            raise CliError(f"unknown cost default '{key}'; keys: {', '.join(cost_defaults())}")
        try:
            ov = ov.with_default(key, float(value))
        except ValueError:
            raise CliError(f"--set-default takes KEY=NUMBER, not '{pair}'") from None
        changed = True
    if changed:
        save_overrides(path, ov)
        print(f"saved to {path}")
    if changed or args.overrides:
        print(json.dumps(ov.model_dump(mode="json", exclude_none=True), indent=1))
        return True
    return False


def _validated(cls: Any, **fields: float | None) -> Any:
    try:
        return cls(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CliError(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}") from None


def _run_prices(args: argparse.Namespace, home: Path) -> int:
    from planner.prices.load import cost_defaults, hardware_prices

    if args.hardware:
        rows: list[dict[str, Any]] = [
            {
                "gpu": h.gpu_id,
                "kind": h.kind,
                "usd": h.usd,
                "provider": h.provider,
                "as_of": h.as_of,
                "source": h.source,
            }
            for h in hardware_prices()
        ]
    elif args.defaults:
        rows = [
            {
                "key": d.key,
                "value": d.value,
                "unit": d.unit,
                "as_of": d.as_of,
                "assumption": d.assumption,
                "source": d.source,
            }
            for d in cost_defaults().values()
        ]
    else:
        snap = _snapshot(args, home)
        rows = [
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "input": p.input_usd_per_mtok,
                "output": p.output_usd_per_mtok,
                "cached_input": p.cached_input_usd_per_mtok,
                "as_of": p.as_of,
                "source": p.source,
            }
            for p in snap.prices
        ]
    if args.format == "json":
        print(json.dumps(rows, indent=1))
    elif args.format == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["id"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        print(buf.getvalue(), end="")
    else:
        keys = [k for k in (rows[0] if rows else {}) if k != "source"]
        print(render(keys, [[r[k] for k in keys] for r in rows]))
        if not (args.hardware or args.defaults):
            snap = api_snapshots()[args.snapshot]
            print(f"\n{snap.title}; as of {snap.as_of}; source: {snap.source}")
            mine = [r["id"] for r in rows if str(r["source"]).startswith("user override")]
            if mine:
                print(f"Your own prices (as of the day you set them): {', '.join(mine)}")
    return 0
