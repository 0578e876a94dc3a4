"""Steady-state serving with continuous batching: what one replica sustains at a given
number of concurrent requests, and the largest concurrency that meets latency targets.

Each request's prompt is prefilled once (the engine slots it into the running batch) and
its output tokens are decoded together with the other requests'. Over one cycle every one
of the C requests is prefilled and decoded once, so the cycle lasts C x prefill(1 prompt) +
output_len x step(C), and each request sees one output token per cycle / output_len."""

from __future__ import annotations

from typing import NamedTuple

from planner.estimate.efficiency import EfficiencyTable, load_efficiency
from planner.estimate.inputs import Deployment, Workload
from planner.estimate.memory import max_batch
from planner.estimate.speed import factors_for, mean_context
from planner.estimate.work import decode_work, prefill_work


class ServingPoint(NamedTuple):
    """One replica at `concurrency` requests in flight, with p10..p90 of its throughput."""

    concurrency: int
    output_tokens_per_s: float
    input_tokens_per_s: float
    ttft_ms: float
    tpot_ms: float
    prefill_share: float  # share of the replica's time spent on prompts
    output_tokens_per_s_low: float
    output_tokens_per_s_high: float
    bound: str


def serving_point(
    dep: Deployment,
    concurrency: int,
    input_len: int,
    output_len: int,
    table: EfficiencyTable | None = None,
) -> ServingPoint:
    table = table or load_efficiency()
    f, _ = factors_for(dep, table)
    pre = prefill_work(dep, 1, input_len)
    dec = decode_work(dep, concurrency, mean_context(input_len, output_len))
    t_pre = pre.time_s(f, prefill=True)
    t_step = dec.time_s(f, prefill=False)
    out = max(output_len, 1)
    cycle = concurrency * t_pre + out * t_step
    band = table.band(dep.engine.family, "throughput")
    out_tps = concurrency * output_len / cycle
    return ServingPoint(
        concurrency=concurrency,
        output_tokens_per_s=out_tps,
        input_tokens_per_s=concurrency * input_len / cycle,
        ttft_ms=(t_pre + t_step) * 1e3,
        tpot_ms=cycle / out * 1e3,
        prefill_share=concurrency * t_pre / cycle,
        output_tokens_per_s_low=out_tps * band.p10,
        output_tokens_per_s_high=out_tps * band.p90,
        bound=dec.bound(f, prefill=False),
    )


class Capacity(NamedTuple):
    """The best point one replica can run at under the targets, or why there is none."""

    point: ServingPoint | None
    memory_limit: int  # most concurrent requests that fit in memory
    binding: str  # what stops the concurrency going higher


def capacity(
    dep: Deployment,
    input_len: int,
    output_len: int,
    ttft_target_ms: float | None = None,
    tpot_target_ms: float | None = None,
    table: EfficiencyTable | None = None,
) -> Capacity:
    """Largest concurrency that fits in memory and meets both latency targets.

    TTFT and TPOT only grow with concurrency, so the limit is found by bisection."""
    table = table or load_efficiency()
    limit = max_batch(dep, Workload(batch="max", input_len=input_len, output_len=output_len))
    if limit < 1:
        return Capacity(None, 0, "memory: the model and one request do not fit")

    def ok(c: int) -> tuple[bool, str]:
        p = serving_point(dep, c, input_len, output_len, table)
        if ttft_target_ms is not None and p.ttft_ms > ttft_target_ms:
            return False, f"time to first token target ({ttft_target_ms:g} ms)"
        if tpot_target_ms is not None and p.tpot_ms > tpot_target_ms:
            return False, f"time per output token target ({tpot_target_ms:g} ms)"
        return True, ""

    good, why = ok(1)
    if not good:
        return Capacity(None, limit, f"{why} missed even by a single request")
    top_ok, why_top = ok(limit)
    if top_ok:
        binding = (
            "memory (KV cache for more requests)"
            if limit < dep.engine.max_num_seqs
            else f"the engine's default cap of {limit} concurrent requests"
        )
        return Capacity(serving_point(dep, limit, input_len, output_len, table), limit, binding)
    lo, hi = 1, limit
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid)[0]:
            lo = mid
        else:
            hi = mid
    _, why_next = ok(lo + 1)
    return Capacity(
        serving_point(dep, lo, input_len, output_len, table), limit, why_next or why_top
    )
