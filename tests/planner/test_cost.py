"""Cost model: golden cases worked by hand, and the properties of break-even and scale."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog.load import bundled_catalog
from planner.cost import (
    HOURS_PER_MONTH,
    CostWorkload,
    OwnedCosts,
    RentedCosts,
    TokenPrice,
    api_monthly_cost,
    monthly_capital,
    monthly_cost,
)
from planner.costplan import (
    NoCapacityError,
    SelfHosted,
    break_even,
    compare,
    hybrid_curve,
    plan_self_hosted,
)
from planner.estimate.scenario import build_deployment
from planner.estimate.serving import ServingPoint
from planner.sensitivity import sensitivity

CAT = bundled_catalog()
OWNED = OwnedCosts(
    gpu_price_usd=30_000,
    server_usd_per_node=60_000,
    amortization_years=3,
    gpu_draw_w=700,
    host_power_w_per_node=2_000,
    pue=1.4,
    electricity_usd_per_kwh=0.12,
)
GPT4O = TokenPrice(input_usd_per_mtok=2.5, output_usd_per_mtok=10.0, cached_input_usd_per_mtok=1.25)


def test_eight_owned_gpus_monthly_cost_by_hand() -> None:
    # Capital: 8 x $30,000 + one 8-GPU server at $60,000 = $300,000 over 36 months.
    # Power at 50% utilisation: (8 x 700 W x 0.5 + 2,000 W host) = 4.8 kW
    #   x PUE 1.4 x $0.12/kWh x 730 h (8,760 / 12) = $588.672.
    m = monthly_cost(OWNED, gpus=8, utilisation=0.5)
    assert m.capital_usd == pytest.approx(300_000 / 36)
    assert m.power_usd == pytest.approx(4.8 * 1.4 * 0.12 * 730)
    assert m.total_usd == pytest.approx(8_333.333 + 588.672, abs=0.01)
    assert m.capex_usd == 300_000


def test_hosts_are_costed_per_gpu_share() -> None:
    # A 2-GPU deployment pays a quarter of an 8-GPU server's price and host power.
    two = monthly_cost(OWNED, gpus=2, utilisation=0)
    assert two.capex_usd == 2 * 30_000 + 60_000 / 4
    assert two.power_usd == pytest.approx(2_000 / 4 / 1000 * 1.4 * 0.12 * 730)


def test_already_owned_hardware_counts_only_running_costs() -> None:
    owned = OWNED.model_copy(update={"already_owned": True, "ops_share_of_capex_per_year": 0.1})
    m = monthly_cost(owned, gpus=8, utilisation=0.5)
    assert m.capital_usd == 0 and m.capex_usd == 0
    assert m.power_usd == pytest.approx(588.672, abs=1e-3)
    # Operations still follow what the hardware cost: 10% of $300,000 a year.
    assert m.operations_usd == pytest.approx(2_500)


def test_cost_of_capital_is_an_annuity() -> None:
    # $100,000 over 3 years at 12% a year (1% a month): the textbook payment is $3,321.43.
    assert monthly_capital(100_000, 3, 0.12) == pytest.approx(3_321.43, abs=0.01)
    assert monthly_capital(100_000, 3, 0.0) == pytest.approx(100_000 / 36)


def test_rented_gpus_cost_hours_times_price() -> None:
    m = monthly_cost(RentedCosts(usd_per_gpu_hour=2.0), gpus=8, utilisation=0.1)
    assert m.total_usd == pytest.approx(8 * 2.0 * HOURS_PER_MONTH) == pytest.approx(11_680)


def test_api_cost_with_cached_input_by_hand() -> None:
    # 1e9 tokens a month at 3:1 input:output (1,500 in, 500 out per request):
    # 750M input (20% cached at $1.25, 80% at $2.50) and 250M output at $10.
    wl = CostWorkload(
        tokens_per_month=1e9, input_tokens=1500, output_tokens=500, cached_input_share=0.2
    )
    want = 750 * 0.8 * 2.5 + 750 * 0.2 * 1.25 + 250 * 10.0
    assert api_monthly_cost(GPT4O, wl) == pytest.approx(want) == pytest.approx(4_187.5)


def _fixed_plan(tps: float, wl: CostWorkload, costs: RentedCosts | OwnedCosts) -> SelfHosted:
    """A plan with a stated per-replica throughput (no estimator), 8 GPUs per replica."""
    dep = build_deployment(CAT, "llama-3.1-70b", "bf16", "h100-sxm", 8)
    point = ServingPoint(64, tps, 3 * tps, 100.0, 30.0, 0.3, tps, tps, "memory bandwidth")
    month = monthly_cost(costs, 8, wl.average_output_tokens_per_s() / tps)
    return SelfHosted(
        dep, wl, costs, point, "stated", 1, 8, 0.5, month, month.total_usd, month.total_usd
    )


def test_break_even_against_gpt4o_by_hand() -> None:
    # 8 rented GPUs at $2/h cost $11,680 a month whatever the load. GPT-4o at $2.50 in and
    # $10 out with a 3:1 input:output mix costs (3 x 2.5 + 10) / 4 = $4.375 per million
    # tokens, so the two meet at 11,680 / 4.375 = 2,669.714M tokens a month, which one replica
    # at 1,000 output tokens/s (4 x 2.628e9 = 10,512M tokens a month) can carry.
    wl = CostWorkload(tokens_per_month=1e9, input_tokens=1500, output_tokens=500, peak_to_average=1)
    plan = _fixed_plan(1000.0, wl, RentedCosts(usd_per_gpu_hour=2.0))
    no_cache = TokenPrice(input_usd_per_mtok=2.5, output_usd_per_mtok=10.0)
    assert break_even(plan, no_cache) == pytest.approx(11_680 / 4.375e-6, rel=1e-9)


def test_break_even_is_none_when_the_api_is_cheaper_at_any_volume() -> None:
    wl = CostWorkload(tokens_per_month=1e9, input_tokens=1500, output_tokens=500, peak_to_average=1)
    plan = _fixed_plan(1000.0, wl, RentedCosts(usd_per_gpu_hour=2.0))
    # At full load 8 GPUs cost $11,680 for 10,512M tokens: $1.11 per million. Cheaper: never.
    assert break_even(plan, TokenPrice(input_usd_per_mtok=0.5, output_usd_per_mtok=1.0)) is None


@settings(max_examples=60, deadline=None)
@given(
    price_in=st.floats(0.05, 20),
    price_out=st.floats(0.1, 60),
    dearer=st.floats(1.0, 5.0),
    tps=st.floats(50, 20_000),
    owned=st.booleans(),
)
def test_a_dearer_api_never_raises_the_break_even_volume(
    price_in: float, price_out: float, dearer: float, tps: float, owned: bool
) -> None:
    wl = CostWorkload(tokens_per_month=1e9, input_tokens=1500, output_tokens=500)
    costs = OWNED if owned else RentedCosts(usd_per_gpu_hour=2.5)
    plan = _fixed_plan(tps, wl, costs)
    cheap = TokenPrice(input_usd_per_mtok=price_in, output_usd_per_mtok=price_out)
    dear = TokenPrice(input_usd_per_mtok=price_in * dearer, output_usd_per_mtok=price_out * dearer)
    v_cheap, v_dear = break_even(plan, cheap), break_even(plan, dear)
    if v_cheap is not None:
        assert v_dear is not None and v_dear <= v_cheap * (1 + 1e-9)


@settings(max_examples=60, deadline=None)
@given(
    gpus=st.integers(1, 64), u1=st.floats(0.01, 1.0), u2=st.floats(0.01, 1.0), owned=st.booleans()
)
def test_more_volume_never_raises_cost_per_token_on_fixed_hardware(
    gpus: int, u1: float, u2: float, owned: bool
) -> None:
    costs = OWNED if owned else RentedCosts(usd_per_gpu_hour=2.5)
    lo, hi = sorted((u1, u2))
    # Volume is proportional to utilisation on fixed hardware.
    per_token_lo = monthly_cost(costs, gpus, lo).total_usd / lo
    per_token_hi = monthly_cost(costs, gpus, hi).total_usd / hi
    assert per_token_hi <= per_token_lo * (1 + 1e-9)


def _scout_plan(tokens: float = 5e9, **targets: float) -> SelfHosted:
    dep = build_deployment(CAT, "llama-4-scout-17b-16e", "fp8", "h100-sxm", 2)
    wl = CostWorkload(tokens_per_month=tokens, input_tokens=2000, output_tokens=500, **targets)
    return plan_self_hosted(dep, wl, OWNED)


def test_plan_sizes_replicas_for_the_peak_and_meets_targets() -> None:
    small = _scout_plan(5e9, tpot_target_ms=60, ttft_target_ms=2000)
    big = _scout_plan(5e11, tpot_target_ms=60, ttft_target_ms=2000)
    assert small.replicas == 1 and big.replicas > 1
    assert big.gpus == big.replicas * 2
    for p in (small, big):
        assert p.point.tpot_ms <= 60 and p.point.ttft_ms <= 2000
        assert 0 < p.utilisation <= 1
        peak = p.workload.peak_output_tokens_per_s()
        assert p.replicas * p.point.output_tokens_per_s >= peak * (1 - 1e-9)
        low, high = p.usd_per_mtok_range
        assert low <= p.usd_per_mtok <= high


def test_an_impossible_latency_target_is_a_clear_error() -> None:
    with pytest.raises(NoCapacityError, match="time per output token"):
        _scout_plan(5e9, tpot_target_ms=0.5)


def test_compare_savings_payback_and_hybrid() -> None:
    plan = _scout_plan(5e9)
    cmp = compare(plan, GPT4O)
    assert cmp.savings_usd == pytest.approx(cmp.api_monthly_usd - plan.monthly.total_usd)
    assert cmp.self_hosting_wins
    assert cmp.payback_months is not None and cmp.payback_months > 0
    assert cmp.break_even_tokens_per_month is not None
    assert cmp.break_even_tokens_per_month < plan.workload.monthly_tokens
    curve = hybrid_curve(plan.deployment, plan.workload, OWNED, GPT4O)
    assert curve[0].self_monthly_usd == 0 and curve[0].total_usd == pytest.approx(
        cmp.api_monthly_usd
    )
    assert curve[-1].api_monthly_usd == 0
    assert curve[-1].total_usd == pytest.approx(plan.monthly.total_usd)


def test_sensitivity_ranks_inputs_by_swing() -> None:
    plan = _scout_plan(5e9)
    name, base, swings = sensitivity(plan.deployment, plan.workload, OWNED, GPT4O)
    assert "saving" in name and base == pytest.approx(compare(plan, GPT4O).savings_usd)
    assert [s.swing for s in swings] == sorted((s.swing for s in swings), reverse=True)
    names = {s.name for s in swings}
    assert {"GPU price", "electricity price", "monthly volume", "API price"} <= names
