"""A report as a list of sections (text, tables, charts) built once from the scenarios and
rendered as Markdown, HTML (one self-contained file with inline SVG) or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from planner.estimate.speed import SPEED_FIELDS
from planner.report.content import ScenarioReport
from planner.report.svg import bar_chart, line_chart

Table = tuple[list[str], list[list[str]]]


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # SVG markup


def _usd(v: float) -> str:
    return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.2f}"


def _n(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


SPEED_LABELS = {
    "prefill_tokens_per_s": "Prefill, tokens/s",
    "decode_tokens_per_s": "Decode per sequence, tokens/s",
    "output_tokens_per_s_total": "Output, whole deployment, tokens/s",
    "ttft_ms": "Time to first token, ms",
    "tpot_ms": "Time per output token, ms",
}


def scenario_sections(r: ScenarioReport) -> list[Section]:
    d, wl, est = r.deployment, r.workload, r.estimate
    inputs = Section(
        f"{r.name}: inputs",
        tables=[
            (
                ["input", "value"],
                [
                    [
                        "model",
                        f"{d.model.name} ({d.model.total_params_b:g}B total, "
                        f"{d.model.active_params_b:g}B active)",
                    ],
                    ["weights / KV cache", f"{d.quant.name} / {d.kv_quant.name}"],
                    [
                        "hardware",
                        f"{d.gpu_count} x {d.gpu.name} ({d.gpu.memory_gib:g} GiB, "
                        f"{d.gpu.bandwidth_gbps:,.0f} GB/s)",
                    ],
                    ["engine and parallelism", f"{d.engine.name}, tp={d.tp} pp={d.pp} ep={d.ep}"],
                    [
                        "requests",
                        f"batch {est.batch}, {wl.input_len} tokens in, {wl.output_len} out",
                    ],
                ],
            )
        ],
    )
    g = est.memory.worst
    speed_rows = []
    if est.speed is not None:
        s = est.speed
        speed_rows = [
            [SPEED_LABELS[f], _n(s.value(f)), _n(s.low[f]), _n(s.high[f])] for f in SPEED_FIELDS
        ]
    results = Section(
        f"{r.name}: fit and speed",
        paragraphs=[
            f"Fits: {'yes' if est.fits else 'NO'}. On the most loaded GPU: weights "
            f"{g.weights_gib:.1f} GiB, KV cache {g.kv_cache_gib:.1f} GiB, buffers and runtime "
            f"{g.activation_gib + g.overhead_gib:.1f} GiB of {g.usable_gib:.1f} GiB usable "
            f"(headroom {est.memory.headroom_gib:+.1f} GiB). Largest batch {est.max_batch}, "
            f"largest context {est.max_context:,} tokens.",
            *(f"Note: {n}" for n in est.notes),
            *([f"Bound by {est.speed.bound}; {est.speed.basis}."] if est.speed else []),
        ],
        tables=[(["metric", "estimate", "p10", "p90"], speed_rows)] if speed_rows else [],
    )
    if r.sweep:
        xs = [p[0] for p in r.sweep]
        results.charts.append(
            line_chart(
                f"{r.name}: output tokens/s against concurrency (p10..p90 band)",
                xs,
                [
                    (
                        "output tokens/s",
                        [p[1] for p in r.sweep],
                        [p[2] for p in r.sweep],
                        [p[3] for p in r.sweep],
                    )
                ],
                "concurrent requests",
                "output tokens/s",
            )
        )
    sections = [inputs, results]
    if r.plan is not None:
        p = r.plan
        lo, hi = p.usd_per_mtok_range
        cost = Section(
            f"{r.name}: cost",
            paragraphs=[
                f"{p.replicas} replica(s), {p.gpus} GPUs, average utilisation "
                f"{p.utilisation:.0%}, each replica at {p.point.concurrency} concurrent requests "
                f"(limited by {p.binding}).",
                f"Self-hosted: {_usd(p.monthly.total_usd)} a month "
                f"({_usd(p.monthly_low_usd)} .. {_usd(p.monthly_high_usd)}), "
                f"{_usd(p.usd_per_mtok)} per million tokens ({_usd(lo)} .. {_usd(hi)}).",
            ],
        )
        if r.comparisons:
            rows = sorted(r.comparisons, key=lambda pc: pc[1].api_monthly_usd)
            cost.tables.append(
                (
                    [
                        "API",
                        "prices as of",
                        "API a month",
                        "saving a month",
                        "saving %",
                        "break-even tokens a month",
                        "payback months",
                    ],
                    [
                        [
                            api.name
                            if api.provider in api.name
                            else f"{api.name} ({api.provider})",
                            api.as_of,
                            _usd(c.api_monthly_usd),
                            _usd(c.savings_usd),
                            f"{c.savings_pct:.0f}%",
                            "never"
                            if c.break_even_tokens_per_month is None
                            else f"{c.break_even_tokens_per_month / 1e9:,.2f}B",
                            "-" if c.payback_months is None else f"{c.payback_months:.1f}",
                        ]
                        for api, c in rows
                    ],
                )
            )
            labels = ["self-hosted", *(api.name for api, _ in rows)]
            values = [p.monthly.total_usd, *(c.api_monthly_usd for _, c in rows)]
            cost.charts.append(bar_chart(f"{r.name}: monthly cost", labels, values, "USD", 0))
        sections.append(cost)
    elif r.plan_error:
        sections.append(Section(f"{r.name}: cost", paragraphs=[r.plan_error]))
    sections.append(
        Section(
            f"{r.name}: assumptions and sources",
            tables=[
                (
                    ["subject", "figure", "value", "source", "as of"],
                    [
                        [
                            a.subject,
                            ("ASSUMPTION: " if a.assumed else "") + a.what,
                            a.value,
                            a.source,
                            a.as_of or "",
                        ]
                        for a in r.assumptions
                    ],
                )
            ],
        )
    )
    return sections


def comparison_section(reports: Sequence[ScenarioReport]) -> Section:
    rows = []
    for r in reports:
        s = r.estimate.speed
        rows.append(
            [
                r.name,
                "yes" if r.estimate.fits else "no",
                _n(s.output_tokens_per_s_total) if s else "-",
                _n(s.tpot_ms) if s else "-",
                _usd(r.plan.monthly.total_usd) if r.plan else "-",
                _usd(r.plan.usd_per_mtok) if r.plan else "-",
            ]
        )
    return Section(
        "Scenarios compared",
        tables=[(["scenario", "fits", "output tokens/s", "TPOT ms", "a month", "per Mtok"], rows)],
    )


def _cell(v: object) -> str:
    return str(v).replace("|", "/").replace("\n", " ")


def to_markdown(title: str, client: str, sections: Sequence[Section]) -> str:
    out = [f"# {title}", ""]
    if client:
        out += [f"Prepared for {client}.", ""]
    for sec in sections:
        out += [f"## {sec.title}", ""]
        for para in sec.paragraphs:
            out += [para, ""]
        for headers, rows in sec.tables:
            out.append("| " + " | ".join(_cell(h) for h in headers) + " |")
            out.append("|" + "---|" * len(headers))
            out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
            out.append("")
        if sec.charts:
            out += ["(Charts are in the HTML report.)", ""]
    return "\n".join(out)


CSS = (
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em auto;max-width:60em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}"
    "td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
    "th{background:#f2f2f2}h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em}"
)


def to_html(title: str, client: str, sections: Sequence[Section]) -> str:
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    if client:
        out.append(f"<p>Prepared for {escape(client)}.</p>")
    for sec in sections:
        out.append(f"<h2>{escape(sec.title)}</h2>")
        out += [f"<p>{escape(p)}</p>" for p in sec.paragraphs]
        for headers, rows in sec.tables:
            out.append("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr>")
            out += [
                "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
                for row in rows
            ]
            out.append("</table>")
        out += [f"<figure>{svg}</figure>" for svg in sec.charts]
    out.append("</body></html>")
    return "\n".join(out)


def to_csv(reports: Sequence[ScenarioReport]) -> str:
    """One row per scenario and figure: scenario, section, metric, value, p10, p90, unit."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["scenario", "section", "metric", "value", "p10", "p90", "unit"])
    for r in reports:
        est = r.estimate
        w.writerow([r.name, "fit", "fits", est.fits, "", "", ""])
        w.writerow([r.name, "fit", "headroom", f"{est.memory.headroom_gib:.3f}", "", "", "GiB"])
        if est.speed is not None:
            s = est.speed
            for f in SPEED_FIELDS:
                unit = "ms" if f.endswith("_ms") else "tokens/s"
                w.writerow(
                    [
                        r.name,
                        "speed",
                        f,
                        f"{s.value(f):.4g}",
                        f"{s.low[f]:.4g}",
                        f"{s.high[f]:.4g}",
                        unit,
                    ]
                )
        if r.plan is not None:
            p = r.plan
            lo, hi = p.usd_per_mtok_range
            w.writerow(
                [
                    r.name,
                    "cost",
                    "self_hosted_monthly",
                    f"{p.monthly.total_usd:.2f}",
                    f"{p.monthly_low_usd:.2f}",
                    f"{p.monthly_high_usd:.2f}",
                    "USD",
                ]
            )
            w.writerow(
                [
                    r.name,
                    "cost",
                    "self_hosted_per_mtok",
                    f"{p.usd_per_mtok:.4f}",
                    f"{lo:.4f}",
                    f"{hi:.4f}",
                    "USD",
                ]
            )
            for api, c in r.comparisons:
                w.writerow(
                    [r.name, "api", f"{api.id} monthly", f"{c.api_monthly_usd:.2f}", "", "", "USD"]
                )
                w.writerow(
                    [
                        r.name,
                        "api",
                        f"{api.id} saving",
                        f"{c.savings_usd:.2f}",
                        f"{c.savings_range_usd[0]:.2f}",
                        f"{c.savings_range_usd[1]:.2f}",
                        "USD",
                    ]
                )
                be = c.break_even_tokens_per_month
                w.writerow(
                    [
                        r.name,
                        "api",
                        f"{api.id} break-even",
                        "" if be is None else f"{be:.0f}",
                        "",
                        "",
                        "tokens/month",
                    ]
                )
    return buf.getvalue()


def build_sections(reports: Sequence[ScenarioReport]) -> list[Section]:
    sections: list[Section] = []
    if len(reports) > 1:
        sections.append(comparison_section(reports))
    for r in reports:
        sections += scenario_sections(r)
    return sections
