"""Steady-state serving with continuous batching: what one replica sustains at a given
number of concurrent requests, and the largest concurrency that meets latency targets.

Each request's prompt is prefilled once (the engine slots it into the running batch) and
its output tokens are decoded together with the other requests'. Over one cycle every one
of the C requests is prefilled and decoded once, so the cycle lasts C x prefill(1 prompt) +
output_len x step(C), and each request sees one output token per cycle / output_len."""

from __future__ import annotations

from typing import NamedTuple

from planner.estimate.efficiency import EfficiencyTable, hardware_class, load_efficiency
from planner.estimate.inputs import Deployment, Workload
from planner.estimate.memory import max_batch
from planner.estimate.speed import factors_for, mean_context
from planner.estimate.work import decode_time_fn, decode_work, prefill_work


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
    t_pre = prefill_work(dep, 1, input_len).time_s(f, prefill=True)
    dec = decode_work(dep, concurrency, mean_context(input_len, output_len))
    band = table.band(dep.engine.family, "throughput", hardware_class(dep.gpu))
    return _point(
        concurrency,
        input_len,
        output_len,
        t_pre,
        dec.time_s(f, False),
        band.p10,
        band.p90,
        dec.bound(f, prefill=False),
    )


def _point(
    concurrency: int,
    input_len: int,
    output_len: int,
    t_pre: float,
    t_step: float,
    p10: float,
    p90: float,
    bound: str,
) -> ServingPoint:
    out = max(output_len, 1)
    cycle = concurrency * t_pre + out * t_step
    out_tps = concurrency * output_len / cycle
    return ServingPoint(
        concurrency=concurrency,
        output_tokens_per_s=out_tps,
        input_tokens_per_s=concurrency * input_len / cycle,
        ttft_ms=(t_pre + t_step) * 1e3,
        tpot_ms=cycle / out * 1e3,
        prefill_share=concurrency * t_pre / cycle,
        output_tokens_per_s_low=out_tps * p10,
        output_tokens_per_s_high=out_tps * p90,
        bound=bound,
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

    TTFT and TPOT only grow with concurrency, so the last one inside both targets is found
    by bisection."""
    table = table or load_efficiency()
    limit = max_batch(dep, Workload(batch="max", input_len=input_len, output_len=output_len))
    if limit < 1:
        return Capacity(None, 0, "memory: the model and one request do not fit")
    f, _ = factors_for(dep, table)
    t_pre = prefill_work(dep, 1, input_len).time_s(f, prefill=True)
    t_step = decode_time_fn(dep, f, mean_context(input_len, output_len))
    out = max(output_len, 1)

    def missed(c: int) -> str | None:
        """The first target concurrency `c` misses, if any."""
        step = t_step(c)
        if ttft_target_ms is not None and (t_pre + step) * 1e3 > ttft_target_ms:
            return f"time to first token target ({ttft_target_ms:g} ms)"
        if tpot_target_ms is not None and (c * t_pre + out * step) / out * 1e3 > tpot_target_ms:
            return f"time per output token target ({tpot_target_ms:g} ms)"
        return None

    why = missed(1)
    if why is not None:
        return Capacity(None, limit, f"{why} missed even by a single request")
    # Latency only grows with concurrency: bisect for the last concurrency inside the targets.
    if missed(limit) is None:
        best = limit
    else:
        lo, hi = 1, limit
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if missed(mid) is None:
                lo = mid
            else:
                hi = mid
        best = lo
    band = table.band(dep.engine.family, "throughput", hardware_class(dep.gpu))
    bound = decode_work(dep, best, mean_context(input_len, output_len)).bound(f, prefill=False)
    point = _point(best, input_len, output_len, t_pre, t_step(best), band.p10, band.p90, bound)
    if best < limit:
        binding = missed(best + 1) or "latency targets"
    elif limit < dep.engine.max_num_seqs:
        binding = "memory (KV cache for more requests)"
    else:
        binding = f"the engine's default cap of {limit} concurrent requests"
    return Capacity(point, limit, binding)
