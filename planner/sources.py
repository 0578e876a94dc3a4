"""Every figure's source in one list: catalog entries, API and hardware prices, cost defaults.

For the desktop app's Help > Data sources and `llm-planner catalog`-style listings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from planner.catalog.load import Catalog
from planner.catalog.schema import EngineSpec, GpuSpec, ModelSpec, QuantFormat
from planner.prices.load import cost_defaults, hardware_prices
from planner.prices.schema import PriceSnapshot


@dataclass(frozen=True)
class SourceRow:
    kind: str  # "model", "accelerator", "format", "engine", "API price", ...
    name: str
    source: str
    as_of: str  # "" when the source gives no date (catalog specs)
    assumed: str  # the fields assumed rather than sourced, with why; "" when none


def _assumed(assumptions: Mapping[str, str]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in sorted(assumptions.items()))


def data_sources(catalog: Catalog, snapshots: Mapping[str, PriceSnapshot]) -> list[SourceRow]:
    rows: list[SourceRow] = []
    entries: list[tuple[str, ModelSpec | GpuSpec | QuantFormat | EngineSpec]] = [
        *(("model", m) for m in catalog.models.values()),
        *(("accelerator", g) for g in catalog.gpus.values()),
        *(("format", q) for q in catalog.quants.values()),
        *(("engine", e) for e in catalog.engines.values()),
    ]
    for kind, e in entries:
        rows.append(SourceRow(kind, e.name, e.source, "", _assumed(e.assumptions)))
    for snap in snapshots.values():
        for p in snap.prices:
            rows.append(
                SourceRow(
                    f"API price ({snap.title})", f"{p.name} ({p.provider})", p.source, p.as_of, ""
                )
            )
    names = {g.id: g.name for g in catalog.gpus.values()}
    for h in hardware_prices():
        what = f"{names.get(h.gpu_id, h.gpu_id)}: {h.kind.replace('_', ' ')} ({h.provider})"
        rows.append(SourceRow("hardware price", what, h.source, h.as_of, ""))
    for d in cost_defaults().values():
        note = d.note if d.assumption else ""
        rows.append(
            SourceRow(
                "cost default",
                f"{d.key} = {d.value:g} {d.unit}",
                d.source,
                d.as_of,
                note or ("assumed" if d.assumption else ""),
            )
        )
    return rows


def data_dates(snapshots: Mapping[str, PriceSnapshot]) -> dict[str, str]:
    """The as-of date of each price snapshot and the newest hardware price."""
    out = {f"API prices: {s.title}": s.as_of for s in snapshots.values()}
    dates = [h.as_of for h in hardware_prices()]
    if dates:
        out["hardware prices (newest)"] = max(dates)
    return out
