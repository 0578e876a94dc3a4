"""Cost results as documents (JSON-ready dicts) and as text for people."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from planner.costinputs import Provenance
from planner.costplan import ApiComparison, SelfHosted, compare, hybrid_curve
from planner.prices.schema import ApiPrice, PriceSnapshot
from planner.quality import headline
from planner.recommend import deployment_label
from planner.sensitivity import sensitivity
from planner.table import render


def write_rows(rows: Sequence[dict[str, Any]]) -> str:
    """CSV text of flat rows (lists as JSON); the header is the first row's keys."""
    buf = io.StringIO()
    fields = list(rows[0]) if rows else ["id"]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: (json.dumps(v) if isinstance(v, list) else v) for k, v in r.items()})
    return buf.getvalue()


def plan_doc(plan: SelfHosted) -> dict[str, Any]:
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


def cost_doc(
    plan: SelfHosted, api: ApiPrice, snapshot: PriceSnapshot, provenance: list[Provenance]
) -> dict[str, Any]:
    cmp = compare(plan, api)
    metric, base, swings = sensitivity(plan.deployment, plan.workload, plan.costs, api)
    return {
        "self_hosted": plan_doc(plan),
        "api": {"id": api.id, "name": api.name, "as_of": api.as_of, "source": api.source},
        "snapshot": {"name": snapshot.name, "as_of": snapshot.as_of},
        "comparison": compare_doc(cmp),
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


def compare_doc(cmp: ApiComparison) -> dict[str, Any]:
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


def usd(v: float) -> str:
    return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.2f}"


def _tokens(v: float | None) -> str:
    if v is None:
        return "never"
    for unit, div in (("T", 1e12), ("B", 1e9), ("M", 1e6)):
        if v >= div:
            return f"{v / div:,.2f}{unit}"
    return f"{v:,.0f}"


def format_cost(plan: SelfHosted, doc: dict[str, Any]) -> str:
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
        f"Self-hosted: {usd(sh['monthly_usd'])} a month ({usd(lo)} .. {usd(hi)}), "
        f"{usd(sh['yearly_usd'])} a year",
        "  " + ", ".join(f"{k} {usd(v)}" for k, v in sh["monthly_breakdown_usd"].items() if v),
        f"  {usd(sh['usd_per_mtok'])} per million tokens ({usd(plo)} .. {usd(phi)}); "
        f"input {usd(sh['usd_per_mtok_input'])}, output {usd(sh['usd_per_mtok_output'])}",
        "",
        f"{api['name']} ({api['id']}, prices as of {api['as_of']}): {usd(c['api_monthly_usd'])} "
        "a month",
        f"  saving {usd(c['savings_usd'])} a month ({c['savings_pct']:.0f}%), range "
        f"{usd(c['savings_range_usd'][0])} .. {usd(c['savings_range_usd'][1])}",
        f"  break-even at {_tokens(c['break_even_tokens_per_month'])} tokens a month; payback "
        + (f"{c['payback_months']:.1f} months" if c["payback_months"] else "-"),
        "",
        "Hybrid routing (share self-hosted -> monthly cost): "
        + ", ".join(
            f"{h['self_hosted_share']:.0%} {usd(h['monthly_usd'])}" for h in doc["hybrid"][::2]
        ),
        "",
        f"What moves the {doc['sensitivity']['metric']} most (each input -20% / +20%):",
    ]
    lines.append(
        render(
            ["input", "-20%", "+20%"],
            [
                [s["input"], usd(s["at_minus_20pct"]), usd(s["at_plus_20pct"])]
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


def print_compare(plan: SelfHosted, apis: list[ApiPrice], snapshot: PriceSnapshot, fmt: str) -> int:
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
                **compare_doc(cmp),
                "gpqa_diamond": q.score if q else None,
            }
        )
    own_q = headline(plan.deployment.model.id, "GPQA Diamond")
    if fmt == "json":
        print(
            json.dumps(
                {
                    "self_hosted": plan_doc(plan),
                    "self_hosted_gpqa_diamond": own_q.score if own_q else None,
                    "snapshot": {"name": snapshot.name, "as_of": snapshot.as_of},
                    "apis": rows,
                },
                indent=1,
            )
        )
        return 0
    if fmt == "csv":
        print(write_rows(rows), end="")
        return 0
    sh = plan_doc(plan)
    print(
        f"{sh['deployment']} x {sh['replicas']}: {usd(sh['monthly_usd'])} a month, "
        f"{usd(sh['usd_per_mtok'])} per million tokens"
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
                    usd(r["api_monthly_usd"]),
                    usd(r["savings_usd"]),
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
