"""Load and validate the bundled price data in resources/prices/.

`api_snapshots()` reads every ``api_*.json`` snapshot; `hardware_prices()` and
`cost_defaults()` read ``hardware.json``. Files are read once per process and folder.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from planner.paths import resources_dir
from planner.prices.schema import (
    CostDefault,
    HardwareKind,
    HardwarePrice,
    HardwarePriceFile,
    PriceSnapshot,
)

M = TypeVar("M", bound=BaseModel)

HARDWARE_FILE = "hardware.json"
SNAPSHOT_GLOB = "api_*.json"
SCHEMA_VERSION = 1

# Every cost-model default hardware.json must carry.
REQUIRED_DEFAULTS = (
    "pue",
    "electricity_usd_per_kwh",
    "amortization_years",
    "server_usd_per_node",
    "gpus_per_node",
    "host_power_w_per_node",
    "networking_usd_per_node",
    "ops_share_of_capex_per_year",
    "colocation_usd_per_kw_month",
    "cost_of_capital_per_year",
    "gpu_utilisation_power_share",
)


class PriceDataError(ValueError):
    """A price file (bundled data or the user's overrides) is missing or invalid."""


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def validation_message(path: Path, exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    where = f" {loc}:" if loc else ""
    return one_line(f"{path}:{where} {first['msg']}")


def read_json(path: Path) -> Any:
    """Parsed JSON, or PriceDataError with a one-line reason."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PriceDataError(f"price file not found: {path}") from exc
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PriceDataError(one_line(f"cannot read {path}: {exc}")) from exc


def validate_doc(path: Path, doc: Any, cls: type[M]) -> M:
    """Check the schema version and validate `doc` (without it) as `cls`."""
    if not isinstance(doc, dict):
        raise PriceDataError(f"{path}: expected a JSON object")
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION:
        raise PriceDataError(f"{path}: unsupported schema_version {version!r} (expected 1)")
    body = (
        doc
        if "schema_version" in cls.model_fields
        else {k: v for k, v in doc.items() if k != "schema_version"}
    )
    try:
        return cls.model_validate(body)
    except ValidationError as exc:
        raise PriceDataError(validation_message(path, exc)) from exc


def _folder(root: Path | None) -> Path:
    return (root if root is not None else resources_dir() / "prices").resolve()


@cache
def _snapshots(folder: Path) -> dict[str, PriceSnapshot]:
    paths = sorted(folder.glob(SNAPSHOT_GLOB))
    if not paths:
        raise PriceDataError(f"no API price snapshots ({SNAPSHOT_GLOB}) in {folder}")
    out: dict[str, PriceSnapshot] = {}
    for path in paths:
        snap = validate_doc(path, read_json(path), PriceSnapshot)
        if snap.name in out:
            raise PriceDataError(f"{path}: duplicate snapshot name '{snap.name}'")
        out[snap.name] = snap
    return out


def api_snapshots(root: Path | None = None) -> dict[str, PriceSnapshot]:
    """Every API price snapshot by name ('current', 'spring-2025', ...).

    `root` is the folder holding the price files (default: the bundled resources/prices).
    """
    return dict(_snapshots(_folder(root)))


@cache
def _hardware_file(folder: Path) -> HardwarePriceFile:
    path = folder / HARDWARE_FILE
    data = validate_doc(path, read_json(path), HardwarePriceFile)
    missing = [k for k in REQUIRED_DEFAULTS if k not in {d.key for d in data.defaults}]
    if missing:
        raise PriceDataError(f"{path}: defaults lack {', '.join(missing)}")
    return data


def hardware_prices(root: Path | None = None) -> tuple[HardwarePrice, ...]:
    """Every dated purchase and cloud price for catalog GPUs."""
    return _hardware_file(_folder(root)).hardware_prices


def cost_defaults(root: Path | None = None) -> dict[str, CostDefault]:
    """Owned-hardware cost-model defaults by key (see REQUIRED_DEFAULTS)."""
    return {d.key: d for d in _hardware_file(_folder(root)).defaults}


def purchase_price(gpu_id: str, root: Path | None = None) -> HardwarePrice | None:
    """The purchase price to start from for one GPU, or None when no source gives one.

    Choice, in order: new before used (resale); dated before undated; a single-unit price
    before a per-GPU share of a multi-GPU system or kit (a share includes some of the system);
    then the most recent `as_of` (a bare month sorts before the days in it); then the higher
    price (the conservative side of a cost estimate). Every candidate stays available in
    `hardware_prices()`.
    """
    rows = [p for p in hardware_prices(root) if p.gpu_id == gpu_id and p.kind == "purchase"]
    if not rows:
        return None
    return max(rows, key=lambda p: (not p.used, not p.undated, p.single_unit, p.as_of, p.usd))


def rental_price(
    gpu_id: str,
    kind: HardwareKind = "cloud_on_demand",
    root: Path | None = None,
    term_years: int | None = None,
) -> HardwarePrice | None:
    """The cloud price per GPU-hour to start from for one GPU, or None when none is known.

    Choice, in order: a firm list price before an indicative one (marketplace medians,
    community offers, on-demand equivalents of spot-only shapes); dated before undated; then
    the most recent `as_of`; then the higher price. Whether one GPU can be rented alone does
    not count: a per-GPU share of an 8-GPU instance is as real a price. For reserved prices
    `term_years` picks the term (default: any).
    """
    if kind == "purchase":
        raise ValueError("rental_price takes a cloud kind; use purchase_price for purchases")
    rows = [
        p
        for p in hardware_prices(root)
        if p.gpu_id == gpu_id
        and p.kind == kind
        and (term_years is None or p.term_years == term_years)
    ]
    if not rows:
        return None
    return max(rows, key=lambda p: (not p.indicative, not p.undated, p.as_of, p.usd))


def clear_cache() -> None:
    """Forget loaded files (tests, or after a maintainer regenerates them)."""
    _snapshots.cache_clear()
    _hardware_file.cache_clear()
