"""Parameter counts computed from the catalog's dimensions against the published counts."""

from __future__ import annotations

import pytest

from planner.catalog.load import bundled_catalog
from planner.catalog.params import breakdown, count_params

# Totals and active counts (billions) computed from the model configs in the reference fact
# sheet (facts_models.csv, columns total/active_params_computed_B).
COMPUTED_B = {
    "llama-3.1-8b": (8.03, 8.03),
    "llama-3.1-70b": (70.55, 70.55),
    "llama-3.1-405b": (405.85, 405.85),
    "mixtral-8x7b": (46.70, 12.88),
    "mixtral-8x22b": (140.62, 39.15),
    "qwen3-30b-a3b": (30.53, 3.35),
    "qwen3-235b-a22b": (235.09, 22.19),
    "deepseek-v3": (671.03, 37.55),
    "llama-4-scout-17b-16e": (107.77, 17.17),
    "llama-4-maverick-17b-128e": (400.71, 17.18),
    "gemma-3-27b": (27.01, 27.01),
}


@pytest.mark.parametrize("model_id", sorted(COMPUTED_B))
def test_counts_match_the_fact_sheet(model_id: str) -> None:
    total, active = count_params(bundled_catalog().models[model_id])
    want_total, want_active = COMPUTED_B[model_id]
    assert total / 1e9 == pytest.approx(want_total, rel=0.005)
    assert active / 1e9 == pytest.approx(want_active, rel=0.005)


def test_every_catalog_model_is_near_its_published_size() -> None:
    # Published sizes are rounded names ("7B" for 6.74B) or exclude embeddings (gpt-oss
    # active), so this only catches gross dimension errors.
    for m in bundled_catalog().models.values():
        total, _ = count_params(m)
        assert total / 1e9 == pytest.approx(m.total_params_b, rel=0.06), m.id


def test_maverick_interleaves_dense_and_moe_layers() -> None:
    b = breakdown(bundled_catalog().models["llama-4-maverick-17b-128e"])
    assert (b.num_moe_layers, b.num_dense_layers, b.num_experts) == (24, 24, 128)
    # A dense layer's FFN (3 x 5120 x 16384) is twice one expert (3 x 5120 x 8192).
    assert b.dense_mlp_per_layer == 2 * b.expert
