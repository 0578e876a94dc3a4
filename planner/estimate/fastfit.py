"""The fit's inner loop in numpy: a group of cases' predictions for one set of factors.

It mirrors `speed.speed_values` over arrays (times from `worksweep.time_arrays`); a test
checks that both give the same numbers, so the fit can try thousands of factor sets in
seconds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from planner.estimate.efficiency import Factors
from planner.estimate.speed import SPEED_FIELDS
from planner.estimate.worksweep import time_arrays

if TYPE_CHECKING:
    from planner.estimate.fit import Case

Array = npt.NDArray[np.float64]
_WORK_FIELDS = (
    "bytes_gpu",
    "bytes_host",
    "flops",
    "attention_flops",
    "layer_passes",
    "comm_s",
    "peak_bw_gbps",
    "host_bw_gbps",
    "peak_tflops",
    "chunks",
    "stages",
    "quantized",
)


class CaseArrays:
    """Column arrays of a list of cases."""

    def __init__(self, cases: Sequence[Case]) -> None:
        def col(values: Sequence[float]) -> Array:
            return np.asarray(values, dtype=np.float64)

        self.pre = {k: col([float(getattr(c.pre, k)) for c in cases]) for k in _WORK_FIELDS}
        self.dec = {k: col([float(getattr(c.dec, k)) for c in cases]) for k in _WORK_FIELDS}
        self.batch = col([c.batch for c in cases])
        self.running = col([c.concurrent for c in cases])
        self.input_len = col([c.m.input_len for c in cases])
        self.output_len = col([c.m.output_len for c in cases])
        self.replicas = col([c.m.deployment.replicas for c in cases])
        self.value = col([c.m.value for c in cases])
        self.metric = np.asarray([SPEED_FIELDS.index(c.m.metric) for c in cases])
        self.metric_masks = [self.metric == i for i in range(len(SPEED_FIELDS))]

    def predict(self, f: Factors) -> Array:
        """Each case's estimate of its own metric."""
        t_pre = time_arrays(self.pre, f, prefill=True)
        t_dec = time_arrays(self.dec, f, prefill=False)
        waves = np.ceil(self.batch / self.running)
        wave_time = t_pre + self.output_len * t_dec
        first = np.where(self.input_len > 0, t_pre, t_dec)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = (
                np.where(t_pre > 0, self.running * self.input_len / t_pre * self.replicas, 0.0),
                1.0 / t_dec,
                self.batch * self.output_len / (waves * wave_time) * self.replicas,
                (first + (waves - 1) / 2 * wave_time) * 1e3,
                t_dec * 1e3,
            )
        out = np.zeros_like(self.value)
        for mask, v in zip(self.metric_masks, values, strict=True):
            out[mask] = v[mask]
        return out

    def loss(self, f: Factors) -> float:
        """Mean absolute log error per metric, summed: each metric weighs the same."""
        err = np.abs(np.log(self.value / self.predict(f)))
        return float(sum(err[m].mean() for m in self.metric_masks if m.any()))
