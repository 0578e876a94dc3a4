"""Recommendation search speed: configurations per second over the whole catalog, as a ratio
against a baseline measured in the same run.

Budget (DESIGN.md): at least 50,000 configurations per second; the whole catalog searched in
under a second. A configuration is one (GPU, count, format, engine, parallelism, buy or rent)
the constraints allow; those pruned early (no price, weights too large) count too.

Run: python benchmarks/bench_recommend.py [--reference]
(--reference also times the one-configuration-at-a-time evaluation the search is checked
against, for a before/after in the same run.)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_estimate import baseline, best_of

from planner.catalog.load import bundled_catalog
from planner.catalog.schema import GpuSpec
from planner.cost import CostWorkload, HardwareCosts
from planner.costinputs import Acquisition, hardware_costs
from planner.recommend import Constraints, recommend
from planner.recommend_reference import recommend_reference as _recommend_reference

BUDGET_CONFIGS_PER_S = 50_000
BUDGET_CATALOG_S = 1.0


def main() -> int:
    cat = bundled_catalog()
    wl = CostWorkload(
        tokens_per_month=2e10,
        input_tokens=2000,
        output_tokens=500,
        ttft_target_ms=2000,
        tpot_target_ms=50,
    )

    def costs_for(gpu: GpuSpec, mode: Acquisition) -> HardwareCosts | None:
        found = hardware_costs(gpu, mode)
        return None if found is None else found[0]

    t_base = best_of(baseline)
    print(f"baseline (fixed Python work): {t_base * 1e3:.3f} ms")
    worst_rate = float("inf")
    for model in ("llama-3.1-8b", "llama-3.3-70b", "llama-4-maverick-17b-128e", "deepseek-v3"):
        spec = cat.models[model]
        recommend(cat, spec, wl, Constraints(), costs_for)  # warm caches
        t0 = time.perf_counter()
        res = recommend(cat, spec, wl, Constraints(), costs_for)
        dt = time.perf_counter() - t0
        rate = res.searched / dt
        worst_rate = min(worst_rate, rate)
        per_config = dt / res.searched
        print(
            f"{model}: {res.searched:,} configurations in {dt:.2f} s = {rate:,.0f} per second "
            f"({per_config / t_base * 1e3:.2f} x baseline / 1000 per configuration); "
            f"{len(res.ranked)} ranked"
        )
        if "--reference" in sys.argv[1:]:
            _recommend_reference(cat, spec, wl, Constraints(), costs_for)  # warm caches
            t0 = time.perf_counter()
            ref = _recommend_reference(cat, spec, wl, Constraints(), costs_for)
            ref_dt = time.perf_counter() - t0
            print(
                f"  reference (per configuration): {ref.searched / ref_dt:,.0f} per second; "
                f"the search is {ref_dt / dt:.1f} x faster"
            )
    verdict = "meets" if worst_rate >= BUDGET_CONFIGS_PER_S else "BELOW"
    print(
        f"slowest: {worst_rate:,.0f} configurations per second: {verdict} the "
        f"{BUDGET_CONFIGS_PER_S:,} budget"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
