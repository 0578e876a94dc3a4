"""What a month of serving costs: owned hardware, rented GPUs, and pay-per-token APIs.

Owned: capital (GPUs, host servers, networking) amortised over N years, optionally as an
annuity at a cost of capital; power = (GPU draw x utilisation + host draw) x PUE x price;
operations as a share of capital per year and/or staff time; colocation per kW-month.
Hardware already owned counts only its running costs. Rented: price per GPU-hour, always on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

HOURS_PER_MONTH = 8760 / 12
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CostWorkload(_Frozen):
    """Traffic to serve in a month and the latency it must be served at."""

    tokens_per_month: float | None = Field(
        default=None, gt=0, description="Input plus output tokens per month"
    )
    requests_per_month: float | None = Field(default=None, gt=0, description="Requests per month")
    input_tokens: int = Field(
        default=2000, ge=0, le=10_000_000, description="Prompt tokens per request"
    )
    output_tokens: int = Field(
        default=500, ge=1, le=10_000_000, description="Output tokens per request"
    )
    cached_input_share: float = Field(
        default=0.0, ge=0, le=1, description="Share of input tokens an API bills as cached"
    )
    peak_to_average: float = Field(
        default=2.0, ge=1, le=100, description="Peak load over the average load of active hours"
    )
    active_hours_per_day: float = Field(
        default=24.0, gt=0, le=24, description="Hours a day the traffic arrives in"
    )
    ttft_target_ms: float | None = Field(default=None, gt=0, description="Time to first token")
    tpot_target_ms: float | None = Field(default=None, gt=0, description="Time per output token")

    @model_validator(mode="after")
    def _volume(self) -> CostWorkload:
        if (self.tokens_per_month is None) == (self.requests_per_month is None):
            raise ValueError("give exactly one of tokens_per_month and requests_per_month")
        return self

    @property
    def tokens_per_request(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def monthly_requests(self) -> float:
        if self.requests_per_month is not None:
            return self.requests_per_month
        assert self.tokens_per_month is not None
        return self.tokens_per_month / self.tokens_per_request

    @property
    def monthly_input_tokens(self) -> float:
        return self.monthly_requests * self.input_tokens

    @property
    def monthly_output_tokens(self) -> float:
        return self.monthly_requests * self.output_tokens

    @property
    def monthly_tokens(self) -> float:
        return self.monthly_input_tokens + self.monthly_output_tokens

    def peak_output_tokens_per_s(self) -> float:
        """Output tokens per second at the peak of the active hours."""
        active_s = SECONDS_PER_MONTH * self.active_hours_per_day / 24
        return self.monthly_output_tokens / active_s * self.peak_to_average

    def average_output_tokens_per_s(self) -> float:
        """Output tokens per second averaged over the whole month."""
        return self.monthly_output_tokens / SECONDS_PER_MONTH

    def scaled(self, factor: float) -> CostWorkload:
        """The same traffic shape at `factor` times the volume."""
        if self.tokens_per_month is not None:
            return self.model_copy(update={"tokens_per_month": self.tokens_per_month * factor})
        assert self.requests_per_month is not None
        return self.model_copy(update={"requests_per_month": self.requests_per_month * factor})


class OwnedCosts(_Frozen):
    """Buying (or already having) the hardware."""

    gpu_price_usd: float = Field(ge=0, description="Purchase price per GPU")
    gpus_per_node: int = Field(
        default=8, ge=1, le=64, description="GPUs per server (hosts are costed per GPU share)"
    )
    server_usd_per_node: float = Field(ge=0, description="Host server without GPUs, per node")
    networking_usd_per_node: float = Field(default=0.0, ge=0, description="Network per node")
    amortization_years: float = Field(gt=0, le=30, description="Years to write the capital off")
    cost_of_capital_per_year: float = Field(
        default=0.0, ge=0, le=1, description="Interest on the capital (0 = straight line)"
    )
    already_owned: bool = Field(
        default=False, description="Capital already spent: only running costs count"
    )
    gpu_draw_w: float = Field(ge=0, description="Power per GPU at full serving load, W")
    host_power_w_per_node: float = Field(ge=0, description="Host draw without GPUs, per node, W")
    pue: float = Field(default=1.4, ge=1, le=5, description="Power usage effectiveness")
    electricity_usd_per_kwh: float = Field(ge=0, description="Electricity price")
    ops_share_of_capex_per_year: float = Field(
        default=0.0, ge=0, le=2, description="Operations per year as a share of capital"
    )
    staff_usd_per_year: float = Field(default=0.0, ge=0, description="Staff time per year")
    colocation_usd_per_kw_month: float = Field(
        default=0.0, ge=0, description="Colocation per provisioned kW per month"
    )
    kind: Literal["owned"] = "owned"


class RentedCosts(_Frozen):
    """Renting GPUs by the hour, always on."""

    usd_per_gpu_hour: float = Field(gt=0, description="Price per GPU-hour")
    term: str = Field(default="on-demand", description="on-demand, 1-year reserved, ...")
    kind: Literal["rented"] = "rented"


HardwareCosts = OwnedCosts | RentedCosts


@dataclass(frozen=True)
class MonthlyCost:
    capital_usd: float
    power_usd: float
    operations_usd: float
    colocation_usd: float
    rental_usd: float
    capex_usd: float  # capital outlay behind capital_usd (0 when already owned or rented)

    @property
    def total_usd(self) -> float:
        return (
            self.capital_usd
            + self.power_usd
            + self.operations_usd
            + self.colocation_usd
            + self.rental_usd
        )

    @property
    def running_usd(self) -> float:
        """Everything but the capital charge."""
        return self.total_usd - self.capital_usd


def monthly_capital(capex_usd: float, years: float, rate: float) -> float:
    """Straight-line write-off, or an annuity when the capital costs interest."""
    if rate <= 0:
        return capex_usd / (years * 12)
    monthly_rate = rate / 12
    months = years * 12
    payment: float = capex_usd * monthly_rate / (1 - (1 + monthly_rate) ** -months)
    return payment


def monthly_cost(costs: HardwareCosts, gpus: int, utilisation: float) -> MonthlyCost:
    """Cost of running `gpus` accelerators for a month at an average `utilisation` (0..1)."""
    if isinstance(costs, RentedCosts):
        return MonthlyCost(0, 0, 0, 0, costs.usd_per_gpu_hour * gpus * HOURS_PER_MONTH, 0)
    # Hosts are sized to the GPUs they carry: a share of a full node per GPU.
    nodes = gpus / costs.gpus_per_node
    capex = gpus * costs.gpu_price_usd + nodes * (
        costs.server_usd_per_node + costs.networking_usd_per_node
    )
    util = min(max(utilisation, 0.0), 1.0)
    draw_w = gpus * costs.gpu_draw_w * util + nodes * costs.host_power_w_per_node
    power = draw_w / 1000 * costs.pue * costs.electricity_usd_per_kwh * HOURS_PER_MONTH
    provisioned_kw = (gpus * costs.gpu_draw_w + nodes * costs.host_power_w_per_node) / 1000
    ops = capex * costs.ops_share_of_capex_per_year / 12 + costs.staff_usd_per_year / 12
    capital = 0.0
    if not costs.already_owned:
        capital = monthly_capital(capex, costs.amortization_years, costs.cost_of_capital_per_year)
    return MonthlyCost(
        capital_usd=capital,
        power_usd=power,
        operations_usd=ops,
        colocation_usd=provisioned_kw * costs.colocation_usd_per_kw_month,
        rental_usd=0.0,
        capex_usd=0.0 if costs.already_owned else capex,
    )


class PerTokenPrice(Protocol):
    """Anything priced per token: a price snapshot's entry or a plain TokenPrice."""

    @property
    def input_usd_per_mtok(self) -> float: ...
    @property
    def output_usd_per_mtok(self) -> float: ...
    @property
    def cached_input_usd_per_mtok(self) -> float | None: ...


class TokenPrice(_Frozen):
    """Pay-per-token prices, USD per million tokens."""

    input_usd_per_mtok: float = Field(ge=0)
    output_usd_per_mtok: float = Field(ge=0)
    cached_input_usd_per_mtok: float | None = Field(default=None, ge=0)


def api_monthly_cost(price: PerTokenPrice, wl: CostWorkload) -> float:
    """What the workload costs on a pay-per-token API in a month."""
    cached = wl.cached_input_share if price.cached_input_usd_per_mtok is not None else 0.0
    cached_price = price.cached_input_usd_per_mtok or 0.0
    return (
        wl.monthly_input_tokens * (1 - cached) * price.input_usd_per_mtok
        + wl.monthly_input_tokens * cached * cached_price
        + wl.monthly_output_tokens * price.output_usd_per_mtok
    ) / 1e6
