"""Self-hosting against APIs: replicas for the peak, monthly cost and cost per token with
ranges, break-even volume, payback, hybrid routing and the inputs that move the answer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from planner.cost import (
    CostWorkload,
    HardwareCosts,
    MonthlyCost,
    OwnedCosts,
    PerTokenPrice,
    api_monthly_cost,
    monthly_cost,
)
from planner.estimate.efficiency import EfficiencyTable
from planner.estimate.inputs import Deployment, PlanInputError
from planner.estimate.serving import Capacity, ServingPoint, capacity

MAX_GPUS_SEARCHED = 100_000
HYBRID_SHARES = tuple(i / 10 for i in range(11))


class NoCapacityError(PlanInputError):
    """The deployment cannot serve the workload: it does not fit or misses a target."""


@dataclass(frozen=True)
class SelfHosted:
    """A deployment sized for a workload's peak, and what it costs."""

    deployment: Deployment
    workload: CostWorkload
    costs: HardwareCosts
    point: ServingPoint  # one replica at its best concurrency under the targets
    binding: str  # what limits that concurrency
    replicas: int
    gpus: int
    utilisation: float  # average load over the month, 0..1
    monthly: MonthlyCost
    monthly_low_usd: float  # with the throughput at its p90
    monthly_high_usd: float  # with the throughput at its p10

    @property
    def usd_per_mtok(self) -> float:
        return self.monthly.total_usd / (self.workload.monthly_tokens / 1e6)

    @property
    def usd_per_mtok_range(self) -> tuple[float, float]:
        mtok = self.workload.monthly_tokens / 1e6
        return self.monthly_low_usd / mtok, self.monthly_high_usd / mtok

    @property
    def usd_per_mtok_input(self) -> float:
        """Prompt tokens carry the share of the replicas' time spent on prompts."""
        share = self.point.prefill_share
        return self.monthly.total_usd * share / max(self.workload.monthly_input_tokens / 1e6, 1e-12)

    @property
    def usd_per_mtok_output(self) -> float:
        share = 1 - self.point.prefill_share
        return self.monthly.total_usd * share / (self.workload.monthly_output_tokens / 1e6)


def _replicas(peak_tps: float, per_replica_tps: float) -> int:
    return max(1, math.ceil(peak_tps / per_replica_tps - 1e-9))


def plan_self_hosted(
    dep: Deployment,
    wl: CostWorkload,
    costs: HardwareCosts,
    table: EfficiencyTable | None = None,
    throughput_scale: float = 1.0,
    cap: Capacity | None = None,
) -> SelfHosted:
    """Size the deployment (as one replica of tp x pp GPUs) for the workload's peak.

    `cap` may pass in a capacity already computed for this deployment and workload."""
    if cap is None:
        cap = capacity(
            dep, wl.input_tokens, wl.output_tokens, wl.ttft_target_ms, wl.tpot_target_ms, table
        )
    if cap.point is None:
        raise NoCapacityError(
            f"{dep.model.name} on {dep.gpu.name} cannot serve this: {cap.binding}"
        )
    point = cap.point
    per_gpu_group = dep.tp * dep.pp
    peak = wl.peak_output_tokens_per_s()
    avg = wl.average_output_tokens_per_s()

    def at(tps: float) -> tuple[int, float, MonthlyCost]:
        replicas = _replicas(peak, tps)
        util = avg / (replicas * tps)
        return replicas, util, monthly_cost(costs, replicas * per_gpu_group, util)

    replicas, util, month = at(point.output_tokens_per_s * throughput_scale)
    _, _, low = at(point.output_tokens_per_s_high * throughput_scale)
    _, _, high = at(point.output_tokens_per_s_low * throughput_scale)
    return SelfHosted(
        deployment=dep,
        workload=wl,
        costs=costs,
        point=point,
        binding=cap.binding,
        replicas=replicas,
        gpus=replicas * per_gpu_group,
        utilisation=util,
        monthly=month,
        monthly_low_usd=low.total_usd,
        monthly_high_usd=high.total_usd,
    )


@dataclass(frozen=True)
class ApiComparison:
    """Self-hosting against one pay-per-token API at the same workload."""

    api_monthly_usd: float
    self_monthly_usd: float
    savings_usd: float  # per month; negative when the API is cheaper
    savings_pct: float
    savings_range_usd: tuple[float, float]  # from the self-hosted cost range
    break_even_tokens_per_month: float | None  # None: the API stays cheaper at any volume
    payback_months: float | None  # on capital; None when rented, owned, or never

    @property
    def self_hosting_wins(self) -> bool:
        return self.savings_usd > 0


def compare(plan: SelfHosted, price: PerTokenPrice) -> ApiComparison:
    api = api_monthly_cost(price, plan.workload)
    own = plan.monthly.total_usd
    savings = api - own
    payback = None
    if isinstance(plan.costs, OwnedCosts) and plan.monthly.capex_usd > 0:
        margin = api - plan.monthly.running_usd
        if margin > 0:
            payback = plan.monthly.capex_usd / margin
    return ApiComparison(
        api_monthly_usd=api,
        self_monthly_usd=own,
        savings_usd=savings,
        savings_pct=savings / api * 100 if api > 0 else 0.0,
        savings_range_usd=(api - plan.monthly_high_usd, api - plan.monthly_low_usd),
        break_even_tokens_per_month=break_even(plan, price),
        payback_months=payback,
    )


def break_even(plan: SelfHosted, price: PerTokenPrice) -> float | None:
    """Smallest monthly volume (tokens) from which self-hosting costs no more than the API.

    The API costs a fixed amount per token. Self-hosting steps up a replica at a time; between
    steps its cost is affine in volume (power follows utilisation), so each step is solved
    exactly. A fuller step never costs more per token than an emptier one (servers fill up),
    so if a large, full deployment cannot beat the API, no volume can."""
    wl = plan.workload
    api_per_token = api_monthly_cost(price, wl) / wl.monthly_tokens
    tps = plan.point.output_tokens_per_s
    per_group = plan.deployment.tp * plan.deployment.pp
    # Volume (tokens a month) one replica carries at the peak, with this traffic shape.
    volume_per_replica = wl.monthly_tokens * tps / wl.peak_output_tokens_per_s()
    util_per_volume = wl.average_output_tokens_per_s() / wl.monthly_tokens / tps

    def cost(k: int, volume: float) -> float:
        return monthly_cost(plan.costs, k * per_group, volume * util_per_volume / k).total_usd

    k_max = max(1, MAX_GPUS_SEARCHED // per_group)
    if cost(k_max, volume_per_replica * k_max) > api_per_token * volume_per_replica * k_max:
        return None
    for k in range(1, k_max + 1):
        lo, hi = volume_per_replica * (k - 1), volume_per_replica * k
        idle = cost(k, 0.0)
        slope = (cost(k, hi) - idle) / hi
        if api_per_token > slope:
            v = idle / (api_per_token - slope)
            if v <= hi:
                return max(v, lo)
    return None


@dataclass(frozen=True)
class HybridPoint:
    self_hosted_share: float  # of the traffic
    self_monthly_usd: float
    api_monthly_usd: float

    @property
    def total_usd(self) -> float:
        return self.self_monthly_usd + self.api_monthly_usd


def hybrid_curve(
    dep: Deployment,
    wl: CostWorkload,
    costs: HardwareCosts,
    price: PerTokenPrice,
    shares: Sequence[float] = HYBRID_SHARES,
    table: EfficiencyTable | None = None,
    cap: Capacity | None = None,
) -> list[HybridPoint]:
    """Monthly cost when a share of the traffic is self-hosted and the rest goes to the API.

    `cap` may pass in the deployment's capacity for this traffic shape (it does not depend
    on the volume)."""
    if cap is None:
        cap = capacity(
            dep, wl.input_tokens, wl.output_tokens, wl.ttft_target_ms, wl.tpot_target_ms, table
        )
    out = []
    for s in shares:
        own = (
            plan_self_hosted(dep, wl.scaled(s), costs, table, cap=cap).monthly.total_usd
            if s > 0
            else 0.0
        )
        api = api_monthly_cost(price, wl.scaled(1 - s)) if s < 1 else 0.0
        out.append(HybridPoint(s, own, api))
    return out
