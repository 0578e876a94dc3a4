"""Cost inputs for a GPU from the bundled price data, the user's overrides and explicit
values, each with where it came from, so that every figure shown can say its source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from planner.catalog.schema import GpuSpec
from planner.cost import HardwareCosts, OwnedCosts, RentedCosts
from planner.prices.load import cost_defaults, purchase_price, rental_price
from planner.prices.overrides import HardwareOverride
from planner.prices.schema import CostDefault

Acquisition = Literal["buy", "rent", "owned"]


@dataclass(frozen=True)
class Provenance:
    """One cost input: its value and where it came from."""

    label: str
    value: float
    unit: str
    source: str
    as_of: str | None
    assumption: bool


def _from_default(d: CostDefault, label: str) -> Provenance:
    return Provenance(label, d.value, d.unit, d.source, d.as_of, d.assumption)


def _given(label: str, value: float, unit: str) -> Provenance:
    return Provenance(label, value, unit, "set for this plan", None, False)


def hardware_costs(
    gpu: GpuSpec,
    mode: Acquisition,
    explicit: dict[str, float] | None = None,
    default_overrides: dict[str, float] | None = None,
    gpu_override: HardwareOverride | None = None,
) -> tuple[HardwareCosts, list[Provenance]] | None:
    """Costs of running `gpu` bought, rented or already owned; None when no price is known.

    `explicit` values (this plan's) win over `default_overrides` (the user's saved ones),
    which win over the bundled defaults. Keys are OwnedCosts / RentedCosts field names."""
    explicit = explicit or {}
    saved = default_overrides or {}
    defaults = cost_defaults()
    used: list[Provenance] = []

    def pick(key: str, label: str, default_key: str | None = None) -> float:
        if key in explicit:
            used.append(
                _given(
                    label,
                    explicit[key],
                    defaults[default_key or key].unit if (default_key or key) in defaults else "",
                )
            )
            return explicit[key]
        d = defaults[default_key or key]
        if (default_key or key) in saved:
            value = saved[default_key or key]
            used.append(Provenance(label, value, d.unit, "user override", None, False))
            return value
        used.append(_from_default(d, label))
        return d.value

    rental = gpu_override.rental_usd_per_hour if gpu_override else None
    purchase = gpu_override.purchase_usd if gpu_override else None
    if mode == "rent":
        if "usd_per_gpu_hour" in explicit:
            used.append(_given("GPU-hour price", explicit["usd_per_gpu_hour"], "USD per GPU-hour"))
            return RentedCosts(usd_per_gpu_hour=explicit["usd_per_gpu_hour"]), used
        if rental is not None:
            used.append(
                Provenance(
                    "GPU-hour price", rental, "USD per GPU-hour", "user override", None, False
                )
            )
            return RentedCosts(usd_per_gpu_hour=rental), used
        hp = rental_price(gpu.id)
        if hp is None:
            return None
        used.append(
            Provenance(
                f"GPU-hour price ({hp.provider})",
                hp.usd,
                "USD per GPU-hour",
                hp.source,
                hp.as_of,
                False,
            )
        )
        return RentedCosts(usd_per_gpu_hour=hp.usd, term="on-demand"), used

    if "gpu_price_usd" in explicit:
        price = explicit["gpu_price_usd"]
        used.append(_given("GPU price", price, "USD per GPU"))
    elif purchase is not None:
        price = purchase
        used.append(Provenance("GPU price", price, "USD per GPU", "user override", None, False))
    else:
        hp = purchase_price(gpu.id)
        if hp is None and gpu.price_usd is not None:
            price = gpu.price_usd
            used.append(
                Provenance(
                    "GPU price",
                    price,
                    "USD per GPU",
                    gpu.price_source or gpu.source,
                    gpu.price_as_of,
                    False,
                )
            )
        elif hp is not None:
            price = hp.usd
            used.append(
                Provenance(
                    f"GPU price ({hp.provider})", price, "USD per GPU", hp.source, hp.as_of, False
                )
            )
        elif mode == "owned":
            price = 0.0  # only the operations share uses it; say so
            used.append(Provenance("GPU price", 0.0, "USD per GPU", "not known", None, True))
        else:
            return None
    integrated = gpu.segment in ("apple", "apu")
    server_class = gpu.segment == "datacenter"
    if integrated:
        # The price is the whole machine's; there is no separate host to buy or power.
        server, per_node, host_w = 0.0, 1, 0.0
        used.append(
            Provenance("host", 0.0, "USD", "the machine price includes the host", None, False)
        )
    elif server_class:
        server = pick("server_usd_per_node", "server per node")
        per_node = int(pick("gpus_per_node", "GPUs per node"))
        host_w = pick("host_power_w_per_node", "host power per node")
    else:
        server = pick("server_usd_per_node", "workstation host", "workstation_host_usd_per_node")
        per_node = int(pick("gpus_per_node", "GPUs per workstation", "workstation_gpus_per_node"))
        host_w = pick("host_power_w_per_node", "workstation host power", "workstation_host_power_w")
    if gpu.tdp_w is not None:
        tdp = gpu.tdp_w
        tdp_source = Provenance("GPU TDP", tdp, "W", gpu.source, None, "tdp_w" in gpu.assumptions)
    else:
        tdp = 300.0
        tdp_source = Provenance("GPU TDP", tdp, "W", "no TDP in the catalog entry", None, True)
    used.append(tdp_source)
    share = pick(
        "gpu_draw_share", "GPU draw at full load (share of TDP)", "gpu_utilisation_power_share"
    )
    costs = OwnedCosts(
        gpu_price_usd=price,
        gpus_per_node=max(per_node, 1),
        server_usd_per_node=server,
        networking_usd_per_node=(
            pick("networking_usd_per_node", "networking per node") if server_class else 0.0
        ),
        amortization_years=pick("amortization_years", "amortisation"),
        cost_of_capital_per_year=pick("cost_of_capital_per_year", "cost of capital"),
        already_owned=mode == "owned",
        gpu_draw_w=explicit.get("gpu_draw_w", tdp * share),
        host_power_w_per_node=host_w,
        pue=pick("pue", "PUE"),
        electricity_usd_per_kwh=pick("electricity_usd_per_kwh", "electricity"),
        ops_share_of_capex_per_year=pick("ops_share_of_capex_per_year", "operations share"),
        staff_usd_per_year=explicit.get("staff_usd_per_year", 0.0),
        colocation_usd_per_kw_month=explicit.get("colocation_usd_per_kw_month", 0.0),
    )
    return costs, used
