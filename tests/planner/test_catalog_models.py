"""Checks of the bundled model catalog (resources/catalog/models.json).

The expected KV-cache sizes are the ``kv_bytes_per_token_bf16_computed`` column of the reference
facts sheet (facts_models.csv), copied here so the test does not read outside the repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.catalog.schema import ModelSpec

CATALOG = Path(__file__).parents[2] / "resources/catalog/models.json"

REQUIRED_IDS = {
    "llama-4-scout-17b-16e",
    "llama-4-maverick-17b-128e",
    "llama-3.1-8b",
    "llama-3.1-70b",
    "llama-3.1-405b",
    "llama-3.2-1b",
    "llama-3.2-3b",
    "llama-3.3-70b",
    "llama-3-8b",
    "llama-3-70b",
    "llama-2-7b",
    "llama-2-13b",
    "llama-2-70b",
    "mistral-7b-v0.1",
    "mistral-7b-v0.3",
    "mixtral-8x7b",
    "mixtral-8x22b",
    "mistral-small-24b-2501",
    "mistral-small-3.1-24b-2503",
    "mistral-nemo-12b-2407",
    "qwen2.5-7b",
    "qwen2.5-14b",
    "qwen2.5-32b",
    "qwen2.5-72b",
    "qwen2.5-coder-7b",
    "qwen3-8b",
    "qwen3-32b",
    "qwen3-30b-a3b",
    "qwen3-235b-a22b",
    "qwen3-coder-30b-a3b",
    "deepseek-v3",
    "deepseek-r1",
    "gemma-2-9b",
    "gemma-2-27b",
    "gemma-3-1b",
    "gemma-3-4b",
    "gemma-3-12b",
    "gemma-3-27b",
    "phi-3-medium-4k",
    "phi-4",
    "phi-3.5-moe",
    "gpt-oss-20b",
    "gpt-oss-120b",
}

# facts_models.csv, column kv_bytes_per_token_bf16_computed (all layers, windows ignored).
EXPECTED_KV_BYTES_PER_TOKEN_BF16 = {
    "llama-4-scout-17b-16e": 196608,
    "llama-4-maverick-17b-128e": 196608,
    "llama-3.1-8b": 131072,
    "llama-3.1-70b": 327680,
    "llama-3.1-405b": 516096,
    "llama-3.2-1b": 32768,
    "llama-3.2-3b": 114688,
    "llama-3.3-70b": 327680,
    "llama-3-8b": 131072,
    "llama-3-70b": 327680,
    "llama-2-7b": 524288,
    "llama-2-13b": 819200,
    "llama-2-70b": 327680,
    "mistral-7b-v0.1": 131072,
    "mistral-7b-v0.3": 131072,
    "mixtral-8x7b": 131072,
    "mixtral-8x22b": 229376,
    "mistral-small-24b-2501": 163840,
    "mistral-small-3.1-24b-2503": 163840,
    "mistral-nemo-12b-2407": 163840,
    "qwen2.5-7b": 57344,
    "qwen2.5-14b": 196608,
    "qwen2.5-32b": 262144,
    "qwen2.5-72b": 327680,
    "qwen2.5-coder-7b": 57344,
    "qwen3-8b": 147456,
    "qwen3-32b": 262144,
    "qwen3-30b-a3b": 98304,
    "qwen3-30b-a3b-2507": 98304,
    "qwen3-235b-a22b": 192512,
    "qwen3-coder-30b-a3b": 98304,
    "deepseek-v3": 70272,
    "deepseek-r1": 70272,
    "gemma-2-9b": 344064,
    "gemma-2-27b": 376832,
    "gemma-3-1b": 26624,
    "gemma-3-4b": 139264,
    "gemma-3-12b": 393216,
    "gemma-3-27b": 507904,
    "phi-3-medium-4k": 204800,
    "phi-4": 204800,
    "phi-3.5-moe": 131072,
    "gpt-oss-20b": 49152,
    "gpt-oss-120b": 73728,
}

# Names used in the calibration data (column `model`) and a few common repo ids.
EXPECTED_ALIASES = {
    "Meta-Llama-3-8B": "llama-3-8b",
    "Meta-Llama-3-8B-Instruct": "llama-3-8b",
    "Meta-Llama-3-70B": "llama-3-70b",
    "Llama-3.1-8B": "llama-3.1-8b",
    "Llama-3.1-70B": "llama-3.1-70b",
    "Llama-3.1-70B-Instruct": "llama-3.1-70b",
    "Llama-3.1-405B": "llama-3.1-405b",
    "Mistral-7B": "mistral-7b-v0.1",
    "Mixtral-8x7B": "mixtral-8x7b",
    "Mixtral-8x7B-Instruct-v0.1": "mixtral-8x7b",
    "Mixtral-8x22B": "mixtral-8x22b",
    "Llama-2-7B": "llama-2-7b",
    "Llama-2-7b-hf": "llama-2-7b",
    "Llama-2-7b-chat-hf": "llama-2-7b",
    "Llama-2-13B": "llama-2-13b",
    "Llama-2-70B": "llama-2-70b",
    "DeepSeek-R1": "deepseek-r1",
    "Qwen/Qwen3-32B": "qwen3-32b",
}


def _load() -> list[ModelSpec]:
    data = json.loads(CATALOG.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1
    return [ModelSpec.model_validate(entry) for entry in data["models"]]


@pytest.fixture(scope="module")
def specs() -> dict[str, ModelSpec]:
    loaded = _load()
    by_id = {s.id: s for s in loaded}
    assert len(by_id) == len(loaded), "duplicate ids"
    return by_id


def _kv_bytes_bf16(spec: ModelSpec) -> int:
    if spec.mla is not None:
        return spec.num_layers * (spec.mla.kv_lora_rank + spec.mla.qk_rope_head_dim) * 2
    return 2 * spec.num_layers * spec.num_kv_heads * spec.head_dim * 2


def test_required_ids_present(specs: dict[str, ModelSpec]) -> None:
    assert REQUIRED_IDS - specs.keys() == set()


def test_ids_names_aliases_unique(specs: dict[str, ModelSpec]) -> None:
    owner: dict[str, str] = {}
    for spec in specs.values():
        own = {spec.id.casefold(), spec.name.casefold()}
        keys = list(own)
        seen: set[str] = set()
        for alias in spec.aliases:
            key = alias.casefold()
            assert key not in seen, f"{spec.id}: alias {alias!r} repeated"
            seen.add(key)
            if key not in own:
                keys.append(key)
        for key in keys:
            assert owner.setdefault(key, spec.id) == spec.id, (
                f"{key!r} used by both {owner[key]} and {spec.id}"
            )


def test_expected_aliases(specs: dict[str, ModelSpec]) -> None:
    for alias, model_id in EXPECTED_ALIASES.items():
        matches = [
            s.id
            for s in specs.values()
            if alias.casefold() in {a.casefold() for a in (s.id, s.name, *s.aliases)}
        ]
        assert matches == [model_id], alias


def test_every_entry_sourced(specs: dict[str, ModelSpec]) -> None:
    fields = set(ModelSpec.model_fields)
    for spec in specs.values():
        assert spec.source.strip(), spec.id
        assert len(spec.source) <= 450, spec.id
        assert not spec.custom, spec.id
        assert set(spec.assumptions) <= fields, (spec.id, set(spec.assumptions) - fields)
        assert all(reason.strip() for reason in spec.assumptions.values()), spec.id


def test_moe_fields_consistent(specs: dict[str, ModelSpec]) -> None:
    for spec in specs.values():
        if spec.is_moe:
            assert spec.moe_intermediate_size is not None, spec.id
            assert 0 < spec.experts_per_token <= spec.num_routed_experts, spec.id
            assert spec.num_moe_layers > 0, spec.id
            assert spec.active_params_b < spec.total_params_b, spec.id
            if spec.num_moe_layers < spec.num_layers:
                assert spec.intermediate_size > 0, f"{spec.id}: dense layers need a width"
        else:
            assert spec.num_shared_experts == 0, spec.id
            assert spec.experts_per_token == 0, spec.id
            assert spec.moe_intermediate_size is None, spec.id
            assert spec.shared_expert_intermediate_size is None, spec.id
            assert spec.moe_first_dense_layers == 0, spec.id
            assert spec.moe_layer_step == 1, spec.id
            assert spec.intermediate_size > 0, spec.id
            assert spec.active_params_b == spec.total_params_b, spec.id


@pytest.mark.parametrize("model_id", sorted(EXPECTED_KV_BYTES_PER_TOKEN_BF16))
def test_kv_bytes_per_token_match_facts(specs: dict[str, ModelSpec], model_id: str) -> None:
    assert _kv_bytes_bf16(specs[model_id]) == EXPECTED_KV_BYTES_PER_TOKEN_BF16[model_id]


def test_moe_layer_counts(specs: dict[str, ModelSpec]) -> None:
    assert specs["llama-4-maverick-17b-128e"].num_moe_layers == 24
    assert specs["llama-4-scout-17b-16e"].num_moe_layers == 48
    assert specs["deepseek-v3"].num_moe_layers == 58
    assert specs["deepseek-r1"].num_moe_layers == 58
    assert specs["mixtral-8x7b"].num_moe_layers == 32
    assert specs["qwen3-235b-a22b"].num_moe_layers == 94
    assert specs["gpt-oss-120b"].num_moe_layers == 36


def test_attention_layouts(specs: dict[str, ModelSpec]) -> None:
    def count(model_id: str, kind: str) -> int:
        return specs[model_id].layer_kinds().count(kind)

    # Llama 4: layer i global (NoPE) when (i + 1) % 4 == 0 -> 12 global + 36 chunked.
    for model_id in ("llama-4-scout-17b-16e", "llama-4-maverick-17b-128e"):
        assert count(model_id, "full") == 12
        assert count(model_id, "chunked") == 36
        assert specs[model_id].attention_chunk_size == 8192
    # Gemma 3: 5 local : 1 global.
    assert (count("gemma-3-1b", "full"), count("gemma-3-1b", "sliding")) == (4, 22)
    assert (count("gemma-3-4b", "full"), count("gemma-3-4b", "sliding")) == (5, 29)
    assert (count("gemma-3-12b", "full"), count("gemma-3-12b", "sliding")) == (8, 40)
    assert (count("gemma-3-27b", "full"), count("gemma-3-27b", "sliding")) == (10, 52)
    assert specs["gemma-3-1b"].sliding_window == 512
    assert specs["gemma-3-27b"].sliding_window == 1024
    # Gemma 2 and gpt-oss alternate.
    assert (count("gemma-2-9b", "full"), count("gemma-2-9b", "sliding")) == (21, 21)
    assert (count("gpt-oss-120b", "full"), count("gpt-oss-120b", "sliding")) == (18, 18)
    assert specs["gpt-oss-20b"].sliding_window == 128
    assert specs["deepseek-v3"].layer_kinds() == ("mla",) * 61
    assert specs["mistral-7b-v0.1"].sliding_window == 4096
    assert specs["mistral-7b-v0.3"].attention_pattern == ("full",)


def test_spot_values(specs: dict[str, ModelSpec]) -> None:
    assert specs["qwen3-32b"].head_dim == 128
    assert specs["gpt-oss-120b"].head_dim == 64
    assert specs["gpt-oss-120b"].native_quant == "mxfp4"
    assert specs["gpt-oss-120b"].qkv_bias
    assert specs["deepseek-v3"].native_quant == "fp8"
    assert specs["deepseek-v3"].moe_first_dense_layers == 3
    assert specs["qwen2.5-7b"].qkv_bias and specs["qwen2.5-coder-7b"].qkv_bias
    assert not specs["qwen3-8b"].qkv_bias
    assert specs["mixtral-8x7b"].intermediate_size == 14336
    assert specs["mixtral-8x7b"].moe_intermediate_size == 14336
    scout, oss = specs["llama-4-scout-17b-16e"], specs["gpt-oss-120b"]
    assert (scout.total_params_b, scout.active_params_b) == (109, 17)
    assert (oss.total_params_b, oss.active_params_b) == (117, 5.1)
    assert specs["mistral-7b-v0.1"].vocab_size == 32000
    assert specs["mistral-7b-v0.3"].vocab_size == 32768
