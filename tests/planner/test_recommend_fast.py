"""The recommender's fast search gives what evaluating each configuration on its own gives.

Two levels: the capacity sweep against the scalar `capacity`, deployment by deployment and
number by number (equal, not close); and `recommend` against `planner.recommend_reference` (every
configuration through `capacity` and `plan_self_hosted`): the same ranked list, front,
counts and rejections, without the fast search falling back to the reference."""

from __future__ import annotations

from typing import Literal

import pytest

from planner import recommend as recommend_module
from planner import recommend_reference as reference_module
from planner.catalog.load import bundled_catalog
from planner.catalog.schema import GpuSpec
from planner.cost import CostWorkload, HardwareCosts, OwnedCosts, RentedCosts
from planner.costinputs import hardware_costs
from planner.estimate.capacitysweep import capacity_sweep
from planner.estimate.inputs import Deployment, PlanInputError
from planner.estimate.scenario import build_deployment
from planner.estimate.serving import capacity
from planner.recommend import (
    Candidate,
    Constraints,
    SearchResult,
    configurations,
    deployment_label,
    recommend,
)

CAT = bundled_catalog()
REFERENCE = reference_module.recommend_reference
# Every vendor, engine, memory kind and link in a few GPUs: NVLink and PCIe HBM, data-center
# and consumer GDDR, AMD, Intel over Ethernet, Apple (MLX, a share of unified memory), FP4.
GPUS = (
    "h100-sxm",
    "a100-pcie-40gb",
    "l40s",
    "rtx-4090",
    "rtx-3070",
    "b200",
    "mi300x",
    "rx-7900-xtx",
    "gaudi2",
    "arc-b580",
    "apple-m2-ultra-76c",
    "apple-m1-7c",
    "dgx-spark-gb10",
)
WL = CostWorkload(
    tokens_per_month=2e10,
    input_tokens=2000,
    output_tokens=500,
    ttft_target_ms=2000,
    tpot_target_ms=50,
)


def _members(
    model: str, gpus: tuple[str, ...] = GPUS, **options: int
) -> tuple[list[tuple[Deployment, GpuSpec]], list[Deployment]]:
    """The search's deployments, as the sweep takes them (one representative per format,
    engine and layout) and each built on its own."""
    spec = CAT.model(model)
    reps: dict[tuple[object, ...], Deployment] = {}
    members, deps = [], []
    for gpu, q, e, n, tp, pp in configurations(CAT, spec, Constraints(gpus=gpus)):
        try:
            dep = build_deployment(CAT, spec, q, gpu, n, e, tp=tp, pp=pp, **options)
        except PlanInputError:
            continue
        members.append((reps.setdefault((q.id, e.id, n, tp, pp), dep), gpu))
        deps.append(dep)
    return members, deps


SWEEP_CASES = [
    # model, input, output, ttft target, tpot target, deployment options
    ("llama-3.1-8b", 2000, 500, 2000.0, 50.0, {}),
    ("llama-3.3-70b", 2000, 500, 2000.0, 50.0, {}),
    ("llama-4-maverick-17b-128e", 2000, 500, 2000.0, 50.0, {}),  # MoE, chunked attention
    ("deepseek-v3", 2000, 500, 2000.0, 50.0, {}),  # MLA
    ("gpt-oss-20b", 4000, 300, 800.0, 25.0, {}),  # MoE, sliding windows, MXFP4
    ("gemma-3-27b", 9000, 300, 3000.0, 80.0, {}),  # long prompts past the windows
    ("qwen3-30b-a3b", 512, 128, None, None, {}),  # no targets: memory or the engine cap
    ("llama-3.1-8b", 0, 128, None, 30.0, {}),  # no prompt
    ("llama-3.1-8b", 9000, 1, 500.0, None, {}),  # one output token
    ("llama-3.1-8b", 2000, 500, 400.0, 8.0, {}),  # tight: many miss
    ("llama-3.1-8b", 2000, 500, 2000.0, 50.0, {"memory_gib": 20}),
    ("llama-3.1-70b", 1000, 200, None, 400.0, {"gpu_layers": 40}),  # partly in system RAM
]


@pytest.mark.parametrize(("model", "inp", "out", "ttft", "tpot", "options"), SWEEP_CASES)
def test_the_sweep_equals_capacity_deployment_by_deployment(
    model: str,
    inp: int,
    out: int,
    ttft: float | None,
    tpot: float | None,
    options: dict[str, int],
) -> None:
    members, deps = _members(model, **options)
    assert len(deps) > 50
    sweep = capacity_sweep(members, inp, out, ttft, tpot)
    wrong = []
    points = 0
    for i, dep in enumerate(deps):
        cap = capacity(dep, inp, out, ttft, tpot)
        p = cap.point
        want: tuple[object, ...] = (cap.memory_limit, cap.binding, 0)
        if p is not None:
            points += 1
            want = (
                cap.memory_limit,
                cap.binding,
                p.concurrency,
                p.output_tokens_per_s,
                p.input_tokens_per_s,
                p.ttft_ms,
                p.tpot_ms,
                p.prefill_share,
                p.output_tokens_per_s_low,
                p.output_tokens_per_s_high,
            )
        got = (sweep.memory_limit[i], sweep.binding[i], sweep.concurrency[i])
        if p is not None:
            got = (
                *got,
                sweep.output_tokens_per_s[i],
                sweep.input_tokens_per_s[i],
                sweep.ttft_ms[i],
                sweep.tpot_ms[i],
                sweep.prefill_share[i],
                sweep.output_tokens_per_s_low[i],
                sweep.output_tokens_per_s_high[i],
            )
        if got != want:
            wrong.append((deployment_label(dep), got, want))
    assert wrong == []
    assert points > 0


def test_the_cases_reach_every_kind_of_answer() -> None:
    """The sweep cases above meet each way capacity can end."""
    seen = set()
    for model, inp, out, ttft, tpot, options in SWEEP_CASES:
        members, _ = _members(model, **options)
        for binding in capacity_sweep(members, inp, out, ttft, tpot).binding:
            seen.add(
                "one request"
                if "single request" in binding
                else "target"
                if "target" in binding
                else binding.split(" (")[0].split(" of ")[0]
            )
    assert seen == {
        "one request",
        "target",
        "memory: the model and one request do not fit",
        "memory",
        "the engine's default cap",
    }


def test_an_empty_sweep() -> None:
    assert capacity_sweep([], 2000, 500, 2000, 50).concurrency == []


def _catalog_costs(gpu: GpuSpec, mode: Literal["buy", "rent", "owned"]) -> HardwareCosts | None:
    found = hardware_costs(gpu, mode)
    return None if found is None else found[0]


def _flat_costs(gpu: GpuSpec, mode: Literal["buy", "rent", "owned"]) -> HardwareCosts | None:
    if mode == "rent":
        return None if gpu.vendor == "intel" else RentedCosts(usd_per_gpu_hour=2.0)
    return OwnedCosts(
        gpu_price_usd=20_000,
        server_usd_per_node=50_000,
        amortization_years=3,
        cost_of_capital_per_year=0.08,
        gpu_draw_w=gpu.tdp_w or 300,
        host_power_w_per_node=1_500,
        electricity_usd_per_kwh=0.12,
        colocation_usd_per_kw_month=150,
        already_owned=mode == "owned",
    )


def _row(c: Candidate) -> tuple[object, ...]:
    p = c.plan
    return (
        deployment_label(p.deployment),
        p.deployment.gpu.id,
        c.acquisition,
        p.monthly,
        p.monthly_low_usd,
        p.monthly_high_usd,
        p.point,
        p.binding,
        p.replicas,
        p.gpus,
        p.utilisation,
        tuple(c.why),
        tuple(c.also_engines),
    )


def _same(fast: SearchResult, ref: SearchResult) -> None:
    assert [_row(c) for c in fast.ranked] == [_row(c) for c in ref.ranked]
    assert [_row(c) for c in fast.pareto] == [_row(c) for c in ref.pareto]
    assert fast.searched == ref.searched
    assert list(fast.rejected.items()) == list(ref.rejected.items())  # in the same order


@pytest.fixture
def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast search must not need its fallback to get these right."""

    def refuse(*args: object, **kwargs: object) -> SearchResult:
        raise AssertionError("the fast search disagreed with the scalar path and fell back")

    monkeypatch.setattr(reference_module, "recommend_reference", refuse)


@pytest.mark.usefixtures("no_fallback")
@pytest.mark.parametrize("model", ["llama-3.1-8b", "llama-3.3-70b", "deepseek-v3"])
def test_the_whole_catalog_ranks_as_the_reference(model: str) -> None:
    spec = CAT.model(model)
    fast = recommend(CAT, spec, WL, Constraints(), _catalog_costs)
    ref = REFERENCE(CAT, spec, WL, Constraints(), _catalog_costs)
    assert len(fast.ranked) == 20 and len(fast.pareto) > 1
    _same(fast, ref)


OWNED_GPUS = ("h100-sxm", "a100-pcie-40gb", "l40s", "mi300x")
CONSTRAINED = [
    ("llama-3.3-70b", WL, Constraints(gpus=GPUS)),
    ("llama-3.3-70b", WL, Constraints(gpus=GPUS, acquisition="rent", max_gpus=8)),
    ("llama-3.3-70b", WL, Constraints(gpus=GPUS, acquisition="buy", capex_budget_usd=250_000)),
    ("llama-3.3-70b", WL, Constraints(gpus=GPUS, monthly_budget_usd=9_000, counts=(2, 4))),
    # Hardware already owned: free, owned first with the rest bought, or not enough of it.
    (
        "llama-3.3-70b",
        WL.model_copy(update={"tokens_per_month": 2e9}),
        Constraints(gpus=GPUS, owned={"a100-pcie-40gb": 8, "mi300x": 2}),
    ),
    (
        "llama-3.3-70b",
        WL.model_copy(update={"tokens_per_month": 1e11}),
        Constraints(gpus=OWNED_GPUS, owned={"h100-sxm": 8, "mi300x": 4}, acquisition="buy"),
    ),
    ("llama-3.3-70b", WL, Constraints(gpus=OWNED_GPUS, owned={"h100-sxm": 4})),
    (
        "llama-3.3-70b",
        WL.model_copy(update={"tokens_per_month": 2e11}),
        Constraints(gpus=GPUS, owned={"h100-sxm": 8}, acquisition="rent"),
    ),
    (
        "llama-4-maverick-17b-128e",
        WL.model_copy(update={"ttft_target_ms": None, "tpot_target_ms": None}),
        Constraints(gpus=GPUS, vendors=("amd", "apple"), min_weight_bits=4),
    ),
    (
        "gpt-oss-20b",
        WL.model_copy(update={"input_tokens": 8000, "output_tokens": 200, "tpot_target_ms": 20}),
        Constraints(gpus=GPUS, engines=("llama.cpp", "vllm"), quants=("mxfp4", "q4_k_m", "bf16")),
    ),
    ("llama-3.1-8b", WL.model_copy(update={"tpot_target_ms": 1.0}), Constraints(gpus=GPUS)),
]


@pytest.mark.usefixtures("no_fallback")
@pytest.mark.parametrize(("model", "wl", "constraints"), CONSTRAINED)
@pytest.mark.parametrize("costs_for", [_flat_costs, _catalog_costs])
def test_constrained_searches_rank_as_the_reference(
    model: str, wl: CostWorkload, constraints: Constraints, costs_for: recommend_module.CostsFor
) -> None:
    spec = CAT.model(model)
    _same(
        recommend(CAT, spec, wl, constraints, costs_for),
        REFERENCE(CAT, spec, wl, constraints, costs_for),
    )


@pytest.mark.usefixtures("no_fallback")
def test_a_shorter_list_ranks_as_the_reference() -> None:
    spec, c = CAT.model("llama-3.3-70b"), Constraints(gpus=GPUS)
    fast = recommend(CAT, spec, WL, c, _flat_costs, limit=3)
    assert len(fast.ranked) == 3
    _same(fast, REFERENCE(CAT, spec, WL, c, _flat_costs, limit=3))


def test_a_disagreement_falls_back_to_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the sweep ever disagree with the scalar path on a returned candidate, the
    scalar evaluation of every configuration is what is returned."""
    spec = CAT.model("llama-3.3-70b")
    c = Constraints(gpus=("h100-sxm", "l40s"))
    ref = REFERENCE(CAT, spec, WL, c, _flat_costs)
    real = recommend_module.capacity_sweep

    def off_by_a_little(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        sweep = real(*args, **kwargs)  # type: ignore[arg-type]
        return sweep._replace(tpot_ms=[t * (1 + 1e-12) for t in sweep.tpot_ms])

    monkeypatch.setattr(recommend_module, "capacity_sweep", off_by_a_little)
    _same(recommend(CAT, spec, WL, c, _flat_costs), ref)


def test_the_comparisons_cover_merged_engines_and_owned_hardware() -> None:
    """What the constrained comparisons above reach: rows merged over engines, owned GPUs
    used for free and topped up with bought ones, and every reason to reject."""
    merged = free = topped_up = 0
    reasons: set[str] = set()
    for model, wl, constraints in CONSTRAINED:
        for costs_for in (_flat_costs, _catalog_costs):
            res = recommend(CAT, CAT.model(model), wl, constraints, costs_for)
            reasons |= set(res.rejected)
            for cand in res.ranked:
                merged += len(cand.also_engines)
                if cand.acquisition == "owned":
                    free += cand.plan.monthly.capex_usd == 0
                    topped_up += cand.plan.monthly.capex_usd > 0
    assert merged and free and topped_up
    assert reasons == {
        "does not fit",
        "misses a latency target",
        "no purchase price for the GPU",
        "no rental price for the GPU",
        "needs more GPUs than are owned",
        "needs more GPUs than allowed",
        "over the monthly budget",
        "over the capital budget",
    }
