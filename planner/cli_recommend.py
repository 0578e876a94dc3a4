"""`llm-planner recommend`: the cheapest deployments that meet the targets."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.catalog.load import Catalog
from planner.cli_cost import cost_workload, explicit_costs
from planner.cli_costdoc import plan_doc, usd, write_rows
from planner.cli_prices import OVERRIDES_FILE
from planner.cost import HardwareCosts
from planner.costinputs import Acquisition, hardware_costs
from planner.errors import CliError
from planner.prices.overrides import load_overrides
from planner.recommend import Constraints, recommend
from planner.table import render


def _owned(pairs: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for pair in pairs:
        gpu, _, n = pair.partition("=")
        if not n.isdigit() or int(n) < 1:
            raise CliError(f"--owned takes GPU=COUNT, e.g. 'A100 SXM 80GB=8', not '{pair}'")
        out[gpu.strip()] = int(n)
    return out


def run_recommend(catalog: Catalog, args: argparse.Namespace, home: Path) -> int:
    wl = cost_workload(args)
    owned = {catalog.gpu(name).id: n for name, n in _owned(args.owned).items()}
    try:
        constraints = Constraints(
            max_gpus=args.max_gpus,
            monthly_budget_usd=args.budget,
            capex_budget_usd=args.capex_budget,
            vendors=tuple(args.vendor),
            gpus=tuple(catalog.gpu(g).id for g in args.gpu),
            quants=tuple(catalog.quant(q).id for q in args.quant),
            min_weight_bits=args.min_bits,
            engines=tuple(catalog.engine(e).id for e in args.engine),
            acquisition=args.acquire,
            owned=owned,
        )
    except ValidationError as exc:
        raise CliError(exc.errors()[0]["msg"]) from None
    explicit = explicit_costs(args)
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
            doc = plan_doc(cand.plan)
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
        print(write_rows(flat), end="")
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
                    usd(r["monthly_usd"]),
                    usd(r["usd_per_mtok"]),
                    round(r["tpot_ms"], 1),
                    r["why"],
                ]
                for r in rows[: args.limit]
            ],
        )
    )
    return 0
