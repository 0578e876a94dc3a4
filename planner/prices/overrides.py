"""The user's own prices, kept in a file of their own beside (never inside) the bundled data.

The caller chooses the file (the settings folder) and passes today's date in; nothing here
reads a clock or looks up user folders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, ValidationError

from planner.fileio import atomic_write_text
from planner.prices.load import PriceDataError, one_line, validation_message
from planner.prices.schema import ApiPrice, AsOf, CostDefault, Frozen, PriceSnapshot

Price = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_DATE: TypeAdapter[str] = TypeAdapter(AsOf)


class ApiOverride(Frozen):
    """The user's prices for one API price id; None keeps the bundled figure."""

    input_usd_per_mtok: Price | None = Field(default=None, description="USD per million input")
    output_usd_per_mtok: Price | None = Field(default=None, description="USD per million output")
    cached_input_usd_per_mtok: Price | None = Field(
        default=None, description="USD per million cached input tokens"
    )


class HardwareOverride(Frozen):
    """The user's prices for one catalog GPU; None keeps the bundled figure."""

    purchase_usd: Price | None = Field(default=None, description="Purchase price per GPU")
    rental_usd_per_hour: Price | None = Field(default=None, description="Rent per GPU-hour")


class PriceOverrides(Frozen):
    """Everything the user changed: API prices by id, GPU prices by id, cost defaults by key."""

    schema_version: Literal[1] = 1
    api: dict[str, ApiOverride] = Field(default_factory=dict, description="By API price id")
    hardware: dict[str, HardwareOverride] = Field(
        default_factory=dict, description="By catalog GPU id"
    )
    defaults: dict[str, Annotated[float, Field(allow_inf_nan=False)]] = Field(
        default_factory=dict, description="Cost-model defaults by key"
    )

    @property
    def is_empty(self) -> bool:
        return not (self.api or self.hardware or self.defaults)

    def with_api(self, price_id: str, override: ApiOverride | None) -> PriceOverrides:
        """A copy with one API override set, or removed when `override` is None."""
        api = {k: v for k, v in self.api.items() if k != price_id}
        if override is not None and override != ApiOverride():
            api[price_id] = override
        return self.model_copy(update={"api": api})

    def with_hardware(self, gpu_id: str, override: HardwareOverride | None) -> PriceOverrides:
        """A copy with one GPU override set, or removed when `override` is None."""
        hw = {k: v for k, v in self.hardware.items() if k != gpu_id}
        if override is not None and override != HardwareOverride():
            hw[gpu_id] = override
        return self.model_copy(update={"hardware": hw})

    def with_default(self, key: str, value: float | None) -> PriceOverrides:
        """A copy with one cost default set, or removed when `value` is None."""
        defaults = {k: v for k, v in self.defaults.items() if k != key}
        if value is not None:
            defaults[key] = value
        return self.model_copy(update={"defaults": defaults})


def load_overrides(path: Path) -> PriceOverrides:
    """The overrides saved at `path`; none when the file does not exist.

    A damaged file raises PriceDataError (one-line message), never another kind of error.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return PriceOverrides()
    except OSError as exc:
        raise PriceDataError(one_line(f"cannot read {path}: {exc}")) from exc
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PriceDataError(one_line(f"cannot read {path}: {exc}")) from exc
    if not isinstance(doc, dict):
        raise PriceDataError(f"{path}: expected a JSON object")
    try:
        return PriceOverrides.model_validate(doc)
    except ValidationError as exc:
        raise PriceDataError(validation_message(path, exc)) from exc


def save_overrides(path: Path, overrides: PriceOverrides) -> None:
    """Write the overrides atomically (a crash leaves the old file or the new one)."""
    text = json.dumps(overrides.model_dump(mode="json"), indent=1, sort_keys=True) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
    except OSError as exc:
        raise PriceDataError(one_line(f"cannot save {path}: {exc}")) from exc


def _check_today(today: str) -> str:
    try:
        return _DATE.validate_python(today)
    except ValidationError as exc:
        raise PriceDataError(one_line(f"today must be an ISO date: {today!r}")) from exc


def _fmt(value: float) -> str:
    return f"{value:g}"


_API_FIELDS = (
    ("input_usd_per_mtok", "input"),
    ("output_usd_per_mtok", "output"),
    ("cached_input_usd_per_mtok", "cached input"),
)


def _apply_one(price: ApiPrice, override: ApiOverride, today: str) -> ApiPrice:
    update: dict[str, float] = {}
    bundled: list[str] = []
    for field, label in _API_FIELDS:
        new = getattr(override, field)
        old = getattr(price, field)
        if new is None or new == old:
            continue
        update[field] = new
        bundled.append(f"{label} {'none' if old is None else _fmt(old)}")
    if not update:
        return price
    note = f"Bundled price as of {price.as_of} from: {price.source}."
    return price.model_copy(
        update=update
        | {
            "source": f"user override (bundled: {', '.join(bundled)} USD/Mtok)",
            "as_of": today,
            "notes": f"{price.notes} {note}".strip(),
        }
    )


def apply_api_overrides(
    snapshot: PriceSnapshot, overrides: PriceOverrides, today: str
) -> PriceSnapshot:
    """The snapshot with the user's prices in place of the bundled ones.

    An overridden price says "user override (bundled: <old values>)" in `source` and has
    `as_of` = `today` (ISO date, passed in by the caller). Overrides for ids the snapshot
    lacks are ignored (they may belong to another snapshot).
    """
    today = _check_today(today)
    prices = tuple(
        _apply_one(p, overrides.api[p.id], today) if p.id in overrides.api else p
        for p in snapshot.prices
    )
    return snapshot.model_copy(update={"prices": prices})


def apply_default_overrides(
    defaults: dict[str, CostDefault], overrides: PriceOverrides, today: str
) -> dict[str, CostDefault]:
    """Cost defaults with the user's values in place, marked like API overrides."""
    today = _check_today(today)
    out = dict(defaults)
    for key, value in overrides.defaults.items():
        old = out.get(key)
        if old is None or old.value == value:
            continue
        out[key] = old.model_copy(
            update={
                "value": value,
                "as_of": today,
                "source": f"user override (bundled: {_fmt(old.value)} {old.unit})",
                "assumption": False,
                "note": f"Bundled value as of {old.as_of} from: {old.source}. {old.note}".strip(),
            }
        )
    return out
