"""Dated API and hardware prices, cost-model defaults, and the user's own overrides."""

from planner.prices.load import (
    PriceDataError,
    api_snapshots,
    cost_defaults,
    hardware_prices,
    purchase_price,
    rental_price,
)
from planner.prices.overrides import (
    ApiOverride,
    HardwareOverride,
    PriceOverrides,
    apply_api_overrides,
    apply_default_overrides,
    load_overrides,
    save_overrides,
)
from planner.prices.schema import ApiPrice, CostDefault, HardwarePrice, PriceSnapshot

__all__ = [
    "ApiOverride",
    "ApiPrice",
    "CostDefault",
    "HardwareOverride",
    "HardwarePrice",
    "PriceDataError",
    "PriceOverrides",
    "PriceSnapshot",
    "api_snapshots",
    "apply_api_overrides",
    "apply_default_overrides",
    "cost_defaults",
    "hardware_prices",
    "load_overrides",
    "purchase_price",
    "rental_price",
    "save_overrides",
]
