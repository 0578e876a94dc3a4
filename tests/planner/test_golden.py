"""Golden cases: figures computed by hand (the arithmetic is in the comments) or measured.

Measured figures: llama.cpp load logs of Meta-Llama-3-8B Q4_K_M on an RTX 4090
(XiongjieDai/GPU-Benchmarks-on-LLM-Inference, bundled in resources/calibration/memory.csv)
and vLLM's profiled memory of Llama 3.1 8B on an H100 80GB (llm-d-planner's
empirical-vllm-memory-results, as the vLLM engine entry cites it).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog.load import bundled_catalog
from planner.estimate.memory import (
    GIB,
    GpuMemory,
    estimate_memory,
    kv_bytes_per_token,
    kv_bytes_per_token_layers,
    params_of,
    weight_bytes,
)
from planner.estimate.moe import experts_touched
from planner.estimate.scenario import build_deployment, make_workload

CAT = bundled_catalog()
BF16 = CAT.quants["bf16"]
MIB = 2**20
MEMORY_CSV = Path(__file__).parents[2] / "resources/calibration/memory.csv"


# --- KV cache per token ------------------------------------------------------------------


def test_llama_3_1_8b_kv_per_token() -> None:
    # 32 layers x 2 (K and V) x 8 KV heads x 128 head dim x 2 bytes = 131,072
    assert kv_bytes_per_token(CAT.models["llama-3.1-8b"], BF16) == 32 * 2 * 8 * 128 * 2
    assert kv_bytes_per_token(CAT.models["llama-3.1-8b"], BF16) == 131_072


def test_llama_3_1_70b_kv_per_token() -> None:
    # 80 layers x 2 x 8 KV heads x 128 x 2 bytes = 327,680
    assert kv_bytes_per_token(CAT.models["llama-3.1-70b"], BF16) == 80 * 2 * 8 * 128 * 2
    assert kv_bytes_per_token(CAT.models["llama-3.1-70b"], BF16) == 327_680


def test_deepseek_v3_mla_kv_per_token() -> None:
    # MLA caches one latent per layer: kv_lora_rank 512 + rope dims 64 = 576 values.
    # 61 layers x 576 x 2 bytes = 70,272 (no separate K and V, no per-head copies).
    m = CAT.models["deepseek-v3"]
    assert m.mla is not None
    assert m.mla.kv_lora_rank + m.mla.qk_rope_head_dim == 576
    assert kv_bytes_per_token(m, BF16) == 61 * 576 * 2 == 70_272


def test_mla_latent_is_replicated_under_tensor_parallelism() -> None:
    # The latent is not split by heads: every GPU of a tp=8 group holds all of it.
    m = CAT.models["deepseek-v3"]
    assert kv_bytes_per_token(m, BF16, tp=8) == 70_272


def test_llama_4_scout_kv_short_context() -> None:
    # 48 layers (36 chunked + 12 global) x 2 x 8 KV heads x 128 x 2 bytes = 196,608 a token.
    # Up to the 8192-token attention chunk nothing is capped, so n tokens hold n x that.
    m = CAT.models["llama-4-scout-17b-16e"]
    assert m.attention_chunk_size == 8192
    assert kv_bytes_per_token(m, BF16) == 48 * 2 * 8 * 128 * 2 == 196_608
    for n in (1, 1000, 8192):
        assert kv_bytes_per_token_layers(m, BF16, 1, n) == 196_608 * n


def test_llama_4_scout_kv_long_context_caps_chunked_layers() -> None:
    # At 100,000 tokens the 12 global layers hold every token, the 36 chunked layers at most
    # one 8192-token chunk:
    #   12 x 2 x 8 x 128 x 2 x 100,000 = 4,915,200,000
    # + 36 x 2 x 8 x 128 x 2 x   8,192 = 1,207,959,552
    #                                  = 6,123,159,552 bytes (5.70 GiB)
    m = CAT.models["llama-4-scout-17b-16e"]
    expected = 12 * 2 * 8 * 128 * 2 * 100_000 + 36 * 2 * 8 * 128 * 2 * 8192
    assert expected == 6_123_159_552
    assert kv_bytes_per_token_layers(m, BF16, 1, 100_000) == expected


@pytest.mark.parametrize(("model", "layers"), [("gpt-oss-20b", 24), ("gpt-oss-120b", 36)])
def test_gpt_oss_sliding_window_is_128(model: str, layers: int) -> None:
    # gpt-oss alternates sliding-window (128 tokens) and full layers, 8 KV heads of 64 dims:
    # one token in one layer is 2 x 8 x 64 x 2 = 2,048 bytes.
    m = CAT.models[model]
    assert m.sliding_window == 128
    assert m.num_layers == layers
    half = layers // 2
    assert kv_bytes_per_token(m, BF16) == layers * 2048
    # At 10,000 tokens: half the layers hold 10,000 tokens, the other half 128.
    assert kv_bytes_per_token_layers(m, BF16, 1, 10_000) == half * 2048 * (10_000 + 128)
    # Below the window nothing is capped.
    assert kv_bytes_per_token_layers(m, BF16, 1, 100) == layers * 2048 * 100


@pytest.mark.parametrize(
    ("tp", "heads_per_gpu"), [(1, 8), (2, 4), (4, 2), (8, 1), (16, 1), (32, 1)]
)
def test_tensor_parallel_splits_kv_heads(tp: int, heads_per_gpu: int) -> None:
    # Llama 3.1 70B has 8 KV heads. tp splits them until each GPU has one; past that
    # (tp=16, 32) a head cannot be split, so it is replicated: still one per GPU.
    m = CAT.models["llama-3.1-70b"]
    assert kv_bytes_per_token(m, BF16, tp=tp) == 80 * 2 * heads_per_gpu * 128 * 2


def test_kv_formats_scale_kv_bytes() -> None:
    # FP8 KV: one byte a value, half of BF16.
    m = CAT.models["llama-3.1-8b"]
    assert kv_bytes_per_token(m, CAT.quants["fp8"]) == 65_536


# --- weights -----------------------------------------------------------------------------


def test_llama_3_1_8b_parameter_count() -> None:
    # Embedding 128,256 x 4,096 = 525,336,576 (and the same again for the untied head);
    # a layer: q 4096x4096 + k,v 2 x 4096x1024 + o 4096x4096 = 41,943,040,
    #          MLP 3 x 4096 x 14,336 = 176,160,768, two norms 8,192: 218,112,000;
    # 32 layers = 6,979,584,000; final norm 4,096.
    # Total 2 x 525,336,576 + 6,979,584,000 + 4,096 = 8,030,261,248 (as Hugging Face counts).
    p = params_of(CAT.models["llama-3.1-8b"])
    assert p.total == pytest.approx(8_030_261_248, rel=1e-6)


def test_llama_4_scout_bf16_weights() -> None:
    # The catalog's computed total is 107.77e9 parameters; BF16 is 2 bytes each.
    m = CAT.models["llama-4-scout-17b-16e"]
    assert weight_bytes(m, BF16).total == pytest.approx(107.77e9 * 2, rel=0.01)


def test_llama_4_scout_awq_int4_weights() -> None:
    # AWQ INT4 (group 128) is 4.156 bits a weight for the body; the embeddings and the
    # output head stay at 16 bits:
    #   (total - embedding - lm_head) x 4.156 / 8 + (embedding + lm_head) x 2 bytes
    m = CAT.models["llama-4-scout-17b-16e"]
    awq = CAT.quants["awq-int4"]
    assert awq.bits_per_weight == 4.156
    assert awq.high_precision_embeddings
    p = params_of(m)
    # 202,048 vocab x 5,120 hidden = 1,034,485,760 for each of embedding and head.
    assert p.embedding == p.lm_head == 202_048 * 5_120
    body = p.total - p.embedding - p.lm_head
    expected = body * 4.156 / 8 + (p.embedding + p.lm_head) * 2
    # (The 5,120-weight final norm, ~3 kB here, may or may not be counted: rel 1e-6 is 59 kB.)
    assert weight_bytes(m, awq).total == pytest.approx(expected, rel=1e-6)
    # About 59.0e9 bytes: 54.9e9 body + 4.1e9 embeddings and head.
    assert expected == pytest.approx(59.05e9, rel=0.001)


# --- measured: llama.cpp load logs ---------------------------------------------------------


def _llama_cpp_log_value(what: str) -> float:
    with MEMORY_CSV.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if (
                r["model"] == "Meta-Llama-3-8B"
                and r["quantization"].startswith("Q4_K_M")
                and r["hardware"] == "NVIDIA GeForce RTX 4090 24GB"
                and r["gpu_count"] == "1"
                and r["input_len"] == "n_ctx 8192"
                and r["metric"] == f"buffer_mib: CUDA0 {what}"
            ):
                return float(r["value"])
    raise AssertionError(f"no {what} row in {MEMORY_CSV}")


@pytest.fixture(scope="module")
def llama3_8b_q4km_4090() -> GpuMemory:
    dep = build_deployment(
        CAT, "Meta-Llama-3-8B", "q4_k_m", "NVIDIA GeForce RTX 4090", engine="llama.cpp"
    )
    mem = estimate_memory(dep, make_workload(1, 8192, 0, context_len=8192))
    assert len(mem.gpus) == 1
    return mem.gpus[0]


def test_measured_values_are_the_bundled_ones() -> None:
    assert _llama_cpp_log_value("weights") == 4403.49
    assert _llama_cpp_log_value("KV cache") == 1024.00
    assert _llama_cpp_log_value("compute buffer") == 560.00


def test_llama_cpp_gpu_weights_match_the_load_log(llama3_8b_q4km_4090: GpuMemory) -> None:
    # llm_load_tensors: CUDA0 buffer size = 4403.49 MiB (token embeddings stay in the CPU
    # buffer, 281.81 MiB).
    assert llama3_8b_q4km_4090.weights_gib * GIB / MIB == pytest.approx(4403.49, rel=0.02)


def test_llama_cpp_kv_cache_matches_the_load_log_exactly(llama3_8b_q4km_4090: GpuMemory) -> None:
    # llama_kv_cache_init: CUDA0 KV buffer size = 1024.00 MiB (K 512 + V 512, f16):
    # 32 layers x 2 x 8 heads x 128 x 2 bytes x 8192 tokens = 1,073,741,824 B = 1024 MiB.
    assert llama3_8b_q4km_4090.kv_cache_gib * GIB / MIB == 1024.0


def test_llama_cpp_compute_buffer_matches_the_load_log(llama3_8b_q4km_4090: GpuMemory) -> None:
    # llama_new_context_with_model: CUDA0 compute buffer size = 560.00 MiB
    assert llama3_8b_q4km_4090.activation_gib * GIB / MIB == pytest.approx(560.0, rel=0.03)


# --- measured: vLLM profiling ---------------------------------------------------------------


def test_vllm_llama_3_1_8b_on_h100() -> None:
    # llm-d-planner measured, H100 80GB, --gpu-memory-utilization 0.9: model weights
    # 14.99 GiB, activation peak 4.8 GiB (8192 batched tokens).
    dep = build_deployment(CAT, "llama-3.1-8b", "bf16", "H100 SXM", engine="vllm")
    g = estimate_memory(dep, make_workload(1, 512, 128)).gpus[0]
    assert g.weights_gib == pytest.approx(14.99, rel=0.03)
    assert g.activation_gib == pytest.approx(4.8, rel=0.03)
    # vLLM claims 90% of the 80 GiB up front.
    assert g.usable_gib == pytest.approx(72.0)


# --- MoE routing ---------------------------------------------------------------------------


@pytest.mark.parametrize(("experts", "k"), [(8, 2), (16, 1), (128, 8), (256, 8), (32, 4)])
def test_experts_touched_by_one_token_is_k(experts: int, k: int) -> None:
    assert experts_touched(experts, k, 1) == pytest.approx(k, rel=1e-12)


@pytest.mark.parametrize(("experts", "k"), [(8, 2), (16, 1), (128, 8), (256, 8)])
def test_experts_touched_by_many_tokens_approaches_all(experts: int, k: int) -> None:
    # E x (1 - (1 - k/E)^n): with n = 10,000 every expert is practically touched.
    assert experts_touched(experts, k, 10_000) == pytest.approx(experts, rel=1e-9)
    assert experts_touched(experts, k, 10_000) <= experts


def test_experts_touched_worked_example() -> None:
    # Mixtral: 8 experts, 2 a token. Two tokens miss a given expert with probability
    # (6/8)^2 = 0.5625, so 8 x (1 - 0.5625) = 3.5 experts are touched.
    assert experts_touched(8, 2, 2) == pytest.approx(3.5)


def test_experts_touched_without_experts_or_tokens_is_zero() -> None:
    assert experts_touched(0, 0, 100) == 0
    assert experts_touched(8, 2, 0) == 0


@settings(max_examples=100, deadline=None)
@given(
    experts=st.integers(min_value=1, max_value=512),
    k_frac=st.floats(min_value=0.0, max_value=1.0),
    tokens=st.integers(min_value=1, max_value=100_000),
)
def test_experts_touched_is_monotone_and_bounded(experts: int, k_frac: float, tokens: int) -> None:
    k = max(1, round(k_frac * experts))
    now = experts_touched(experts, k, tokens)
    more = experts_touched(experts, k, tokens + 1)
    assert more >= now - 1e-9
    assert k - 1e-9 <= now <= min(experts, k * tokens) + 1e-9
