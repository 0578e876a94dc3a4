"""`llm-planner prices`: dated API and GPU prices, cost defaults, and your own prices."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.catalog.load import Catalog
from planner.cli_costdoc import write_rows
from planner.errors import CliError
from planner.prices.load import api_snapshots, cost_defaults, hardware_prices
from planner.prices.overrides import (
    ApiOverride,
    HardwareOverride,
    PriceOverrides,
    apply_api_overrides,
    load_overrides,
    save_overrides,
)
from planner.prices.schema import PriceSnapshot
from planner.table import render

OVERRIDES_FILE = "price_overrides.json"


def snapshot_with_overrides(name: str, home: Path, today: str) -> PriceSnapshot:
    """A bundled API price snapshot with the user's own prices in place."""
    snaps = api_snapshots()
    if name not in snaps:
        raise CliError(f"unknown price snapshot '{name}'; snapshots: {', '.join(snaps)}")
    return apply_api_overrides(snaps[name], load_overrides(home / OVERRIDES_FILE), today)


def edit_overrides(catalog: Catalog, args: argparse.Namespace, home: Path) -> bool:
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


def run_prices(args: argparse.Namespace, home: Path) -> int:
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
        snap = snapshot_with_overrides(args.snapshot, home, date.today().isoformat())
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
        print(write_rows(rows), end="")
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
