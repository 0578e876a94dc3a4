"""Speed of a deployment under a workload: prefill, decode, serving throughput, latency."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from planner.estimate.efficiency import (
    Band,
    EfficiencyTable,
    Factors,
    hardware_class,
    load_efficiency,
)
from planner.estimate.inputs import Deployment
from planner.estimate.work import Work, decode_work, prefill_work

SPEED_FIELDS = (
    "prefill_tokens_per_s",
    "decode_tokens_per_s",
    "output_tokens_per_s_total",
    "ttft_ms",
    "tpot_ms",
)
# Which residual band applies to which output.
BAND_OF = {
    "prefill_tokens_per_s": "prefill",
    "decode_tokens_per_s": "decode",
    "output_tokens_per_s_total": "throughput",
    "ttft_ms": "ttft",
    "tpot_ms": "tpot",
}


class Speed(NamedTuple):
    """Point estimates with their p10..p90 ranges. Rates for the whole deployment are
    summed over its data-parallel replicas; per-sequence rates are for one sequence."""

    batch: int
    prefill_tokens_per_s: float
    decode_tokens_per_s: float
    output_tokens_per_s_total: float
    ttft_ms: float
    tpot_ms: float
    low: dict[str, float]
    high: dict[str, float]
    bound: str
    basis: str

    def value(self, name: str) -> float:
        v: float = getattr(self, name)
        return v


def mean_context(input_len: int, output_len: int) -> int:
    """Context at the middle of the output: decode cost is linear in it, so this is the mean."""
    return int(input_len + max(output_len, 1) / 2)


def speed_values(
    pre: Work,
    dec: Work,
    batch: int,
    input_len: int,
    output_len: int,
    replicas: int,
    f: Factors,
    concurrent: int | None = None,
) -> dict[str, float]:
    """The five speed outputs from the work of a prefill and a mean decode step.

    `pre` and `dec` are for the `concurrent` sequences that fit at once (default: all of
    `batch`); the rest queue, and the batch runs in waves.
    """
    t_prefill = pre.time_s(f, prefill=True)
    t_step = dec.time_s(f, prefill=False)
    return _values(t_prefill, t_step, batch, input_len, output_len, replicas, concurrent)


def _values(
    t_prefill: float,
    t_step: float,
    batch: int,
    input_len: int,
    output_len: int,
    replicas: int,
    concurrent: int | None,
) -> dict[str, float]:
    running = concurrent or batch
    waves = math.ceil(batch / running)
    wave_time = t_prefill + output_len * t_step
    first = t_prefill if input_len > 0 else t_step
    return {
        "prefill_tokens_per_s": running * input_len / t_prefill * replicas
        if t_prefill > 0
        else 0.0,
        "decode_tokens_per_s": 1.0 / t_step,
        "output_tokens_per_s_total": (
            batch * output_len / (waves * wave_time) * replicas if wave_time > 0 else 0.0
        ),
        # Mean over the batch: later waves wait for the earlier ones.
        "ttft_ms": (first + (waves - 1) / 2 * wave_time) * 1e3,
        "tpot_ms": t_step * 1e3,
    }


def _bands(dep: Deployment, table: EfficiencyTable) -> dict[str, Band]:
    cls = hardware_class(dep.gpu)
    return {name: table.band(dep.engine.family, metric, cls) for name, metric in BAND_OF.items()}


def factors_for(dep: Deployment, table: EfficiencyTable | None = None) -> tuple[Factors, str]:
    table = table or load_efficiency()
    return table.lookup(dep.engine.family, hardware_class(dep.gpu))


def estimate_speed(
    dep: Deployment,
    batch: int,
    input_len: int,
    output_len: int,
    factors: tuple[Factors, str] | None = None,
    table: EfficiencyTable | None = None,
    concurrent: int | None = None,
) -> Speed:
    """Static batch of `batch` requests of input_len -> output_len tokens on each replica.

    TTFT is the prefill of all `batch` prompts together (they arrive at once); decode speed
    and TPOT are averaged over the output, at the mean context length. When only
    `concurrent` sequences fit in memory, the others queue for a later wave.
    """
    table = table or load_efficiency()
    f, basis = factors or factors_for(dep, table)
    bands = _bands(dep, table)
    return _speed(dep, batch, input_len, output_len, f, basis, bands, concurrent)


def _speed(
    dep: Deployment,
    batch: int,
    input_len: int,
    output_len: int,
    f: Factors,
    basis: str,
    bands: dict[str, Band],
    concurrent: int | None,
) -> Speed:
    running = min(concurrent or batch, batch)
    pre = prefill_work(dep, running, input_len)
    dec = decode_work(dep, running, mean_context(input_len, output_len))
    pre_parts = pre.parts_s(f, True)
    dec_parts = dec.parts_s(f, False)
    values = _values(
        pre.total_s(pre_parts),
        dec.total_s(dec_parts),
        batch,
        input_len,
        output_len,
        dep.replicas,
        running,
    )
    low = {name: v * bands[name].p10 for name, v in values.items()}
    high = {name: v * bands[name].p90 for name, v in values.items()}
    bound = dec.bound_of(dec_parts, f) if output_len > 0 else pre.bound_of(pre_parts, f)
    return Speed(
        batch,
        values["prefill_tokens_per_s"],
        values["decode_tokens_per_s"],
        values["output_tokens_per_s_total"],
        values["ttft_ms"],
        values["tpot_ms"],
        low,
        high,
        bound,
        basis,
    )


def speed_sweep(
    dep: Deployment,
    concurrencies: list[int],
    input_len: int,
    output_len: int,
    table: EfficiencyTable | None = None,
) -> list[Speed]:
    """`estimate_speed` at every concurrency at once (numpy), factors looked up once."""
    from planner.estimate.worksweep import (
        bounds_arrays,
        decode_arrays,
        prefill_arrays,
        time_arrays,
    )

    if not concurrencies:
        return []
    table = table or load_efficiency()
    f, basis = factors_for(dep, table)
    bands = _bands(dep, table)
    b = np.asarray(concurrencies, dtype=np.float64)
    pre = prefill_arrays(dep, b, input_len)
    dec = decode_arrays(dep, b, mean_context(input_len, output_len))
    t_pre = time_arrays(pre, f, prefill=True)
    t_step = time_arrays(dec, f, prefill=False)
    replicas = dep.replicas
    wave = t_pre + output_len * t_step
    first = t_pre if input_len > 0 else t_step
    with np.errstate(divide="ignore", invalid="ignore"):
        values = {
            "prefill_tokens_per_s": np.where(t_pre > 0, b * input_len / t_pre * replicas, 0.0),
            "decode_tokens_per_s": 1.0 / t_step,
            "output_tokens_per_s_total": np.where(wave > 0, b * output_len / wave * replicas, 0.0),
            "ttft_ms": first * 1e3,
            "tpot_ms": t_step * 1e3,
        }
    bound = bounds_arrays(dec, f, prefill=False) if output_len > 0 else bounds_arrays(pre, f, True)
    rows = {name: v.tolist() for name, v in values.items()}
    out = []
    for i, c in enumerate(concurrencies):
        point = {name: rows[name][i] for name in SPEED_FIELDS}
        out.append(
            Speed(
                c,
                point["prefill_tokens_per_s"],
                point["decode_tokens_per_s"],
                point["output_tokens_per_s_total"],
                point["ttft_ms"],
                point["tpot_ms"],
                {n: v * bands[n].p10 for n, v in point.items()},
                {n: v * bands[n].p90 for n, v in point.items()},
                bound[i],
                basis,
            )
        )
    return out
