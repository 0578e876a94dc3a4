"""The numpy sweep and the scalar estimator give the same numbers, point for point."""

from __future__ import annotations

import pytest

from planner.catalog.load import bundled_catalog
from planner.estimate.scenario import build_deployment
from planner.estimate.serving import capacity, serving_point
from planner.estimate.speed import SPEED_FIELDS, estimate_speed, speed_sweep

CAT = bundled_catalog()
CASES = [
    ("llama-3.1-8b", "bf16", "h100-sxm", 1, None, None),
    ("llama-4-maverick-17b-128e", "fp8", "h200-sxm", 8, None, None),
    ("deepseek-v3", "fp8", "h200-sxm", 8, None, None),
    ("llama-3-70b", "q4_k_m", "rtx-4090", 2, None, None),
    ("gpt-oss-20b", "mxfp4", "rtx-4090", 1, "llama.cpp", None),
    ("gemma-3-27b", "q4_k_m", "apple-m2-ultra-76c", 1, None, None),
    ("llama-3.1-70b", "q4_k_m", "rtx-4090", 1, None, 40),  # partly in system RAM
]


@pytest.mark.parametrize(("model", "quant", "gpu", "n", "engine", "layers"), CASES)
@pytest.mark.parametrize(
    ("input_len", "output_len"), [(512, 128), (0, 128), (2000, 0), (9000, 300)]
)
def test_sweep_equals_single_estimates(
    model: str,
    quant: str,
    gpu: str,
    n: int,
    engine: str | None,
    layers: int | None,
    input_len: int,
    output_len: int,
) -> None:
    dep = build_deployment(CAT, model, quant, gpu, n, engine, gpu_layers=layers)
    batches = [1, 2, 3, 7, 16, 64]
    for b, swept in zip(batches, speed_sweep(dep, batches, input_len, output_len), strict=True):
        single = estimate_speed(dep, b, input_len, output_len)
        for name in SPEED_FIELDS:
            assert swept.value(name) == pytest.approx(single.value(name), rel=1e-12, abs=1e-12)
        assert swept.bound == single.bound


@pytest.mark.parametrize(("model", "quant", "gpu", "n", "engine", "layers"), CASES[:4])
def test_capacity_is_the_largest_concurrency_inside_the_targets(
    model: str, quant: str, gpu: str, n: int, engine: str | None, layers: int | None
) -> None:
    dep = build_deployment(CAT, model, quant, gpu, n, engine, gpu_layers=layers)
    one = serving_point(dep, 1, 1000, 300)
    ttft, tpot = one.ttft_ms * 3, one.tpot_ms * 2
    cap = capacity(dep, 1000, 300, ttft, tpot)
    assert cap.point is not None
    c = cap.point.concurrency
    assert cap.point == serving_point(dep, c, 1000, 300)
    assert cap.point.ttft_ms <= ttft and cap.point.tpot_ms <= tpot
    if c < cap.memory_limit:
        nxt = serving_point(dep, c + 1, 1000, 300)
        assert nxt.ttft_ms > ttft or nxt.tpot_ms > tpot
        assert "target" in cap.binding
