"""Speed budgets of the estimator, as ratios against a baseline measured in the same run.

Budgets (DESIGN.md): one full scenario estimate (memory, limits, a 64-point concurrency
sweep) under 2 ms. Also reports batch-mode rows per second. The baseline is a fixed piece of
pure-Python work, so the ratio says how the estimator's cost compares on any machine.

Run: python benchmarks/bench_estimate.py
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.batch import run_batch
from planner.catalog.load import bundled_catalog
from planner.estimate.inputs import Deployment, Workload
from planner.estimate.scenario import build_deployment, estimate, make_workload, sweep

BUDGET_SCENARIO_MS = 2.0
CONCURRENCY = list(range(1, 65))


def best_of(fn: Callable[[], object], repeat: int = 7, number: int = 20) -> float:
    """Median seconds per call over `repeat` rounds of `number` calls."""
    rounds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - t0) / number)
    return statistics.median(rounds)


def baseline() -> int:
    """Fixed reference work: 20,000 float multiply-adds in a Python loop."""
    acc = 0.0
    for i in range(20_000):
        acc += i * 1.000001
    return int(acc)


def main() -> int:
    cat = bundled_catalog()
    cases = {
        "Llama 3.1 8B, BF16, 1 x H100, vLLM": ("llama-3.1-8b", "bf16", "h100-sxm", 1),
        "Llama 4 Maverick, FP8, 8 x H200, vLLM": (
            "llama-4-maverick-17b-128e",
            "fp8",
            "h200-sxm",
            8,
        ),
        "DeepSeek V3, FP8, 8 x H200, vLLM": ("deepseek-v3", "fp8", "h200-sxm", 8),
        "Llama 3 70B, Q4_K_M, 2 x RTX 4090, llama.cpp": ("llama-3-70b", "q4_k_m", "rtx-4090", 2),
    }
    t_base = best_of(baseline)
    print(f"baseline (fixed Python work): {t_base * 1e3:.3f} ms")
    worst = 0.0
    for label, (model, quant, gpu, n) in cases.items():
        dep = build_deployment(cat, model, quant, gpu, n)
        wl = make_workload("max", 1024, 256)

        def scenario(dep: Deployment = dep, wl: Workload = wl) -> None:
            estimate(dep, wl)
            sweep(dep, wl, CONCURRENCY)

        scenario()
        t = best_of(scenario)
        worst = max(worst, t)
        print(
            f"{label}: {t * 1e3:.3f} ms per full scenario "
            f"({t / t_base:.2f} x baseline; budget {BUDGET_SCENARIO_MS} ms)"
        )
    rows = "\n".join(
        f"{m},{q},{g},{n},,{b},1024,256"
        for (m, q, g, n) in cases.values()
        for b in (1, 8, 64, "max")
    )
    csv_text = "model,quant,gpu,gpu_count,engine,batch,input_len,output_len\n" + rows + "\n"

    def batch() -> None:
        run_batch(cat, io.StringIO(csv_text), io.StringIO())

    t_batch = best_of(batch, repeat=5, number=3)
    n_rows = csv_text.count("\n") - 1
    print(
        f"batch mode: {n_rows / t_batch:,.0f} rows/s "
        f"({t_batch / n_rows / t_base:.2f} x baseline per row)"
    )
    verdict = "within" if worst * 1e3 <= BUDGET_SCENARIO_MS else "OVER"
    print(
        f"slowest full scenario {worst * 1e3:.3f} ms: {verdict} the {BUDGET_SCENARIO_MS} ms budget"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
