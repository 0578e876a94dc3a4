"""The recommender only returns deployments that fit, meet the targets and the constraints."""

from __future__ import annotations

import itertools
from typing import Literal

import pytest

from planner.catalog.load import bundled_catalog
from planner.catalog.schema import GpuSpec
from planner.cost import CostWorkload, HardwareCosts, OwnedCosts, RentedCosts
from planner.estimate.memory import estimate_memory
from planner.estimate.scenario import make_workload
from planner.recommend import Constraints, recommend

CAT = bundled_catalog()
WL = CostWorkload(
    tokens_per_month=2e10,
    input_tokens=2000,
    output_tokens=500,
    ttft_target_ms=2000,
    tpot_target_ms=60,
)


def costs_for(gpu: GpuSpec, mode: Literal["buy", "rent", "owned"]) -> HardwareCosts | None:
    # Stated test prices: a flat $20,000 per GPU, or $2 an hour.
    if mode == "rent":
        return RentedCosts(usd_per_gpu_hour=2.0)
    return OwnedCosts(
        gpu_price_usd=20_000,
        server_usd_per_node=50_000,
        amortization_years=3,
        gpu_draw_w=gpu.tdp_w or 300,
        host_power_w_per_node=1_500,
        electricity_usd_per_kwh=0.12,
        already_owned=mode == "owned",
    )


def _search(**constraints: object) -> list:  # type: ignore[type-arg]
    c = Constraints(gpus=("h100-sxm", "a100-sxm-80gb", "l40s", "rtx-4090", "mi300x"), **constraints)
    return recommend(CAT, CAT.model("llama-3.3-70b"), WL, c, costs_for).ranked


def test_every_result_fits_and_meets_the_targets() -> None:
    ranked = _search()
    assert ranked
    for cand in ranked:
        p = cand.plan
        mem = estimate_memory(p.deployment, make_workload(p.point.concurrency, 2000, 500))
        assert mem.fits
        assert p.point.ttft_ms <= 2000 and p.point.tpot_ms <= 60
    costs = [c.monthly_usd for c in ranked]
    assert costs == sorted(costs)
    assert "cheapest" in " ".join(ranked[0].why)


def test_constraints_are_respected() -> None:
    for cand in _search(max_gpus=4):
        assert cand.plan.gpus <= 4
    for cand in _search(vendors=("amd",)):
        assert cand.plan.deployment.gpu.vendor == "amd"
    for cand in _search(acquisition="rent"):
        assert cand.acquisition == "rent"
    budget = 6_000.0
    for cand in _search(monthly_budget_usd=budget):
        assert cand.monthly_usd <= budget


def test_a_floor_on_weight_bits_leaves_out_the_lossiest_formats() -> None:
    formats = ("q2_k", "q3_k_m", "q4_k_m", "q8_0")
    everything = _search(quants=formats)
    assert any(c.plan.deployment.quant.bit_class < 4 for c in everything)
    floored = _search(quants=formats, min_weight_bits=4)
    assert floored and all(c.plan.deployment.quant.bit_class >= 4 for c in floored)
    assert floored[0].monthly_usd >= everything[0].monthly_usd


@pytest.mark.parametrize(
    ("quant", "bits"),
    [("q3_k_m", 3), ("q4_k_m", 4), ("iq1_s", 1), ("awq-int4", 4), ("fp8", 8), ("bf16", 16)],
)
def test_bit_class(quant: str, bits: int) -> None:
    assert CAT.quant(quant).bit_class == bits


def test_hardware_already_owned_is_used_first() -> None:
    # Traffic that eight owned A100s can carry: using them costs no capital, so it ranks first.
    small = WL.model_copy(update={"tokens_per_month": 2e9})
    c = Constraints(gpus=("h100-sxm", "a100-sxm-80gb", "mi300x"), owned={"a100-sxm-80gb": 8})
    ranked = recommend(CAT, CAT.model("llama-3.3-70b"), small, c, costs_for).ranked
    assert ranked[0].acquisition == "owned"
    assert ranked[0].plan.deployment.gpu.id == "a100-sxm-80gb"
    assert ranked[0].plan.monthly.capital_usd == 0
    assert "already owned" in " ".join(ranked[0].why)
    # More traffic than they carry: the owned GPUs plus bought ones, capital only for the latter.
    big = recommend(
        CAT,
        CAT.model("llama-3.3-70b"),
        WL.model_copy(update={"tokens_per_month": 2e11}),
        c,
        costs_for,
    )
    mixed = [x for x in big.ranked if x.acquisition == "owned" and x.plan.gpus > 8]
    for x in mixed:
        bought = x.plan.gpus - 8
        assert x.plan.monthly.capex_usd >= bought * 20_000


def test_pareto_front_trades_cost_for_speed() -> None:
    res = recommend(
        CAT, CAT.model("llama-3.3-70b"), WL, Constraints(gpus=("h100-sxm", "l40s")), costs_for
    )
    front = res.pareto
    assert front
    for a, b in itertools.pairwise(front):
        assert b.monthly_usd >= a.monthly_usd and b.tpot_ms < a.tpot_ms


@pytest.mark.parametrize("target", [0.5, 1.0])
def test_impossible_targets_return_nothing(target: float) -> None:
    wl = WL.model_copy(update={"tpot_target_ms": target})
    res = recommend(CAT, CAT.model("llama-3.3-70b"), wl, Constraints(gpus=("h100-sxm",)), costs_for)
    assert res.ranked == [] and res.rejected.get("misses a latency target", 0) > 0
