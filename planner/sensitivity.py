"""Which inputs move the answer most: each varied by -20% and +20%, ranked by the swing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from planner.cost import (
    CostWorkload,
    HardwareCosts,
    OwnedCosts,
    PerTokenPrice,
    RentedCosts,
    TokenPrice,
)
from planner.costplan import NoCapacityError, compare, plan_self_hosted
from planner.estimate.efficiency import EfficiencyTable
from planner.estimate.inputs import Deployment

STEP = 0.2


@dataclass(frozen=True)
class Swing:
    name: str
    low_value: float  # the metric with the input at -20%
    high_value: float  # the metric with the input at +20%

    @property
    def swing(self) -> float:
        return abs(self.high_value - self.low_value)


def sensitivity(
    dep: Deployment,
    wl: CostWorkload,
    costs: HardwareCosts,
    price: PerTokenPrice | None = None,
    table: EfficiencyTable | None = None,
) -> tuple[str, float, list[Swing]]:
    """(metric name, its base value, swings largest first). The metric is the monthly saving
    against `price` when one is given, else the self-hosted cost per million tokens."""

    def metric(
        d: Deployment, w: CostWorkload, c: HardwareCosts, p: PerTokenPrice | None, scale: float
    ) -> float:
        plan = plan_self_hosted(d, w, c, table, throughput_scale=scale)
        if p is None:
            return plan.usd_per_mtok
        return compare(plan, p).savings_usd

    name = "monthly saving (USD)" if price is not None else "self-hosted USD per million tokens"
    base = metric(dep, wl, costs, price, 1.0)
    variations: list[tuple[str, Callable[[float], float]]] = [
        ("throughput (estimate)", lambda f: metric(dep, wl, costs, price, f)),
        ("monthly volume", lambda f: metric(dep, wl.scaled(f), costs, price, 1.0)),
        (
            "peak-to-average ratio",
            lambda f: metric(
                dep,
                wl.model_copy(update={"peak_to_average": max(1.0, wl.peak_to_average * f)}),
                costs,
                price,
                1.0,
            ),
        ),
    ]
    if isinstance(costs, RentedCosts):
        variations.append(
            (
                "GPU-hour price",
                lambda f: metric(dep, wl, _scaled(costs, "usd_per_gpu_hour", f), price, 1.0),
            )
        )
    elif isinstance(costs, OwnedCosts):
        for field, label in (
            ("gpu_price_usd", "GPU price"),
            ("server_usd_per_node", "server price"),
            ("amortization_years", "amortisation years"),
            ("electricity_usd_per_kwh", "electricity price"),
            ("pue", "PUE"),
            ("ops_share_of_capex_per_year", "operations share"),
            ("cost_of_capital_per_year", "cost of capital"),
            ("staff_usd_per_year", "staff cost"),
            ("colocation_usd_per_kw_month", "colocation price"),
        ):
            if getattr(costs, field):
                variations.append((label, _owned_variation(metric, dep, wl, costs, price, field)))
    if price is not None:
        variations.append(
            ("API price", lambda f: metric(dep, wl, costs, _scaled_price(price, f), 1.0))
        )
    swings = []
    for label, fn in variations:
        try:
            swings.append(Swing(label, fn(1 - STEP), fn(1 + STEP)))
        except NoCapacityError:
            continue
    swings.sort(key=lambda s: s.swing, reverse=True)
    return name, base, swings


def _owned_variation(
    metric: Callable[[Deployment, CostWorkload, HardwareCosts, PerTokenPrice | None, float], float],
    dep: Deployment,
    wl: CostWorkload,
    costs: OwnedCosts,
    price: PerTokenPrice | None,
    field: str,
) -> Callable[[float], float]:
    def fn(f: float) -> float:
        return metric(dep, wl, _scaled(costs, field, f), price, 1.0)

    return fn


def _scaled(costs: HardwareCosts, field: str, f: float) -> HardwareCosts:
    value = getattr(costs, field) * f
    if field == "pue":
        value = max(1.0, value)
    return costs.model_copy(update={field: value})


def _scaled_price(price: PerTokenPrice, f: float) -> TokenPrice:
    cached = price.cached_input_usd_per_mtok
    return TokenPrice(
        input_usd_per_mtok=price.input_usd_per_mtok * f,
        output_usd_per_mtok=price.output_usd_per_mtok * f,
        cached_input_usd_per_mtok=None if cached is None else cached * f,
    )
