"""Custom-model importers: config.json, model folders (safetensors headers) and GGUF headers."""

from __future__ import annotations

import builtins
import json
import math
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.catalog import gguf_header
from planner.catalog.custom import (
    GGUFLimits,
    ImportedModel,
    ModelImportError,
    count_params,
    custom_id,
    import_model,
    model_from_folder,
    model_from_gguf,
    model_from_hf_config,
    quant_hint_from_config,
    read_gguf_header,
    read_safetensors_header,
)
from planner.catalog.imported import compress_pattern
from planner.catalog.schema import ModelSpec

CONFIGS = Path(__file__).resolve().parents[1] / "data" / "models" / "configs"
GIB = 1 << 30
MIB = 1 << 20


def load_config(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CONFIGS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def spec_of(name: str) -> ModelSpec:
    return model_from_hf_config(load_config(name), name=name, source=f"test fixture {name}")


# --------------------------------------------------------------------------------------------
# config.json

# fixture -> (total B, active B), the computed figures of the reference table.
PARAM_TARGETS: dict[str, tuple[float, float]] = {
    "llama-3.1-8b": (8.03, 8.03),
    "llama-3.1-70b": (70.55, 70.55),
    "mixtral-8x7b": (46.70, 12.88),
    "qwen3-30b-a3b": (30.53, 3.35),
    "deepseek-v3": (671.03, 37.55),
    "llama-4-scout-17b-16e": (107.77, 17.17),
    "llama-4-maverick-17b-128e": (400.71, 17.18),
    "gpt-oss-120b": (116.83, 5.71),
    "gemma-3-27b": (27.01, 27.01),
    "gemma-2-9b": (9.24, 9.24),
    "mistral-7b-v0.1": (7.24, 7.24),
    "qwen2.5-7b": (7.62, 7.62),
    "phi-3-medium-4k": (13.96, 13.96),
}


@pytest.mark.parametrize("name", sorted(PARAM_TARGETS))
def test_param_counts_within_one_percent(name: str) -> None:
    spec = spec_of(name)
    total_b, active_b = PARAM_TARGETS[name]
    assert spec.total_params_b == pytest.approx(total_b, rel=0.01)
    assert spec.active_params_b == pytest.approx(active_b, rel=0.01)
    assert spec.custom is True
    assert spec.id.startswith("custom-")
    assert spec.source == f"test fixture {name}"
    assert "total_params_b" in spec.assumptions
    # count_params works on a finished spec too and agrees with the stored figures.
    total, active = count_params(spec)
    assert total / 1e9 == pytest.approx(spec.total_params_b)
    assert active / 1e9 == pytest.approx(spec.active_params_b)


def test_llama_3_1_8b_dims() -> None:
    s = spec_of("llama-3.1-8b")
    assert (s.num_layers, s.hidden_size, s.num_attention_heads, s.num_kv_heads) == (32, 4096, 32, 8)
    assert (s.head_dim, s.intermediate_size, s.vocab_size) == (128, 14336, 128256)
    assert s.max_context == 131072
    assert s.attention_pattern == ("full",)
    assert not s.is_moe and not s.tie_word_embeddings and not s.qkv_bias
    assert s.native_quant == "bf16"
    assert s.family == "Llama"


def test_mixtral_is_moe_on_every_layer() -> None:
    s = spec_of("mixtral-8x7b")
    assert (s.num_routed_experts, s.experts_per_token, s.num_shared_experts) == (8, 2, 0)
    assert s.moe_intermediate_size == 14336
    assert s.intermediate_size == 14336  # the config's value, as in the catalog
    assert s.num_moe_layers == 32
    assert s.attention_pattern == ("full",)  # sliding_window: null
    assert s.head_dim == 128  # hidden / heads


def test_qwen3_moe() -> None:
    s = spec_of("qwen3-30b-a3b")
    assert (s.num_routed_experts, s.experts_per_token, s.moe_intermediate_size) == (128, 8, 768)
    assert s.num_moe_layers == 48
    assert (s.num_attention_heads, s.num_kv_heads, s.head_dim) == (32, 4, 128)
    assert s.max_context == 40960
    assert s.intermediate_size == 6144  # unused (no dense layers); kept as the catalog does
    assert s.attention_pattern == ("full",)


def test_deepseek_v3_mla() -> None:
    s = spec_of("deepseek-v3")
    assert s.mla is not None
    assert s.mla.kv_lora_rank == 512
    assert (s.mla.qk_rope_head_dim, s.mla.qk_nope_head_dim, s.mla.v_head_dim) == (64, 128, 128)
    assert s.mla.q_lora_rank == 1536
    assert s.attention_pattern == ("mla",)
    assert s.head_dim == 192
    assert (s.moe_first_dense_layers, s.num_moe_layers) == (3, 58)
    assert (s.num_routed_experts, s.num_shared_experts, s.experts_per_token) == (256, 1, 8)
    assert s.intermediate_size == 18432
    assert s.native_quant == "fp8"


def test_llama4_scout_text_config_and_chunked_layers() -> None:
    s = spec_of("llama-4-scout-17b-16e")
    assert (s.num_layers, s.hidden_size, s.vocab_size) == (48, 5120, 202048)
    assert s.attention_pattern == ("chunked", "chunked", "chunked", "full")
    assert s.attention_chunk_size == 8192
    kinds = s.layer_kinds()
    assert kinds.count("full") == 12 and kinds.count("chunked") == 36
    assert [i for i, k in enumerate(kinds) if k == "full"][:2] == [3, 7]
    assert (s.num_routed_experts, s.num_shared_experts, s.experts_per_token) == (16, 1, 1)
    assert s.num_moe_layers == 48
    assert s.max_context == 10485760
    assert s.intermediate_size == 16384  # intermediate_size_mlp


def test_llama4_maverick_interleaves_moe_layers() -> None:
    s = spec_of("llama-4-maverick-17b-128e")
    assert s.moe_layer_step == 2
    assert s.num_moe_layers == 24
    assert s.intermediate_size == 16384  # dense layers use intermediate_size_mlp
    assert s.moe_intermediate_size == 8192
    assert not s.is_moe_layer(0) and s.is_moe_layer(1)


def test_gemma3_text_config_sliding_pattern_and_defaults() -> None:
    s = spec_of("gemma-3-27b")
    assert (s.num_layers, s.hidden_size, s.head_dim) == (62, 5376, 128)
    assert (s.num_attention_heads, s.num_kv_heads) == (32, 16)
    assert s.attention_pattern == ("sliding",) * 5 + ("full",)
    assert s.sliding_window == 1024
    kinds = s.layer_kinds()
    assert kinds.count("full") == 10 and kinds.count("sliding") == 52
    assert s.tie_word_embeddings is True
    assert s.vocab_size == 262208 and "vocab_size" in s.assumptions
    assert s.max_context == 131072 and "max_context" in s.assumptions


def test_gemma2_alternates() -> None:
    s = spec_of("gemma-2-9b")
    assert s.attention_pattern == ("sliding", "full")
    assert s.sliding_window == 4096
    assert s.layer_kinds()[:2] == ("sliding", "full")


def test_gpt_oss_layer_types() -> None:
    s = spec_of("gpt-oss-120b")
    assert s.attention_pattern == ("sliding", "full")
    assert s.sliding_window == 128
    assert (s.num_routed_experts, s.experts_per_token, s.moe_intermediate_size) == (128, 4, 2880)
    assert s.num_moe_layers == 36
    assert s.qkv_bias is True
    assert s.head_dim == 64
    assert s.native_quant == "mxfp4"


def test_mistral_sliding_and_qwen2_full() -> None:
    mistral = spec_of("mistral-7b-v0.1")
    assert mistral.attention_pattern == ("sliding",) and mistral.sliding_window == 4096
    qwen = spec_of("qwen2.5-7b")
    assert qwen.attention_pattern == ("full",) and qwen.sliding_window is None
    assert qwen.qkv_bias is True


def llama_like(**overrides: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "model_type": "llama",
        "hidden_size": 256,
        "intermediate_size": 512,
        "num_hidden_layers": 4,
        "num_attention_heads": 8,
        "num_key_value_heads": 2,
        "vocab_size": 1000,
        "max_position_embeddings": 4096,
        "torch_dtype": "bfloat16",
    }
    cfg.update(overrides)
    return {k: v for k, v in cfg.items() if v is not ...}


def test_generic_fallback_and_defaults() -> None:
    s = model_from_hf_config(
        llama_like(model_type="somethingnew", num_key_value_heads=...), source="test"
    )
    assert s.family == "somethingnew"
    assert s.num_kv_heads == 8  # defaults to the head count
    assert s.head_dim == 32  # hidden / heads
    assert s.attention_pattern == ("full",)


def test_qwen2_moe_shared_expert_and_dense_prefix_exact_count() -> None:
    cfg = llama_like(
        model_type="qwen2_moe",
        num_experts=4,
        num_experts_per_tok=2,
        moe_intermediate_size=64,
        shared_expert_intermediate_size=128,
        decoder_sparse_step=1,
        mlp_only_layers=[0],
    )
    s = model_from_hf_config(cfg, source="test")
    assert s.qkv_bias is True  # Qwen2 attention has q/k/v biases
    assert (s.moe_first_dense_layers, s.num_moe_layers, s.num_shared_experts) == (1, 3, 1)
    assert s.shared_expert_intermediate_size == 128 and s.intermediate_size == 512
    # Worked by hand from the count_params layout (h=256, 4 layers, 8/2 heads of 32, V=1000).
    embed, final_norm = 2 * 1000 * 256, 256
    per_layer = 2 * 256 * 8 * 32 + 2 * 256 * 2 * 32 + 12 * 32 + 2 * 256
    dense = 3 * 256 * 512
    moe_common = 256 * 4 + 3 * 256 * 128
    base = embed + final_norm + 4 * per_layer + dense
    assert count_params(s) == (
        base + 3 * (3 * 256 * 64 * 4 + moe_common),
        base + 3 * (3 * 256 * 64 * 2 + moe_common),
    )


def test_phimoe_is_mixtral_like() -> None:
    cfg = llama_like(model_type="phimoe", num_local_experts=16, num_experts_per_tok=2)
    s = model_from_hf_config(cfg, source="test")
    assert (s.num_routed_experts, s.moe_intermediate_size, s.intermediate_size) == (16, 512, 512)
    assert s.family == "Phi-3.5 MoE"


def test_layer_types_compress_to_shortest_cycle() -> None:
    layer_types = (["sliding_attention"] * 3 + ["full_attention"]) * 3
    cfg = llama_like(num_hidden_layers=12, layer_types=layer_types, sliding_window=512)
    s = model_from_hf_config(cfg, source="test")
    assert s.attention_pattern == ("sliding", "sliding", "sliding", "full")
    assert s.sliding_window == 512
    assert compress_pattern(["full"] * 7) == ("full",)
    assert compress_pattern(["sliding", "full", "sliding", "full", "sliding"]) == (
        "sliding",
        "full",
    )


def test_sliding_window_not_smaller_than_context_is_full() -> None:
    s = model_from_hf_config(llama_like(model_type="mistral", sliding_window=4096), source="test")
    assert s.attention_pattern == ("full",)
    assert "attention_pattern" in s.assumptions


def test_qwen2_sliding_window_layers() -> None:
    cfg = llama_like(
        model_type="qwen2", use_sliding_window=True, sliding_window=1024, max_window_layers=2
    )
    s = model_from_hf_config(cfg, source="test")
    assert s.layer_kinds() == ("full", "full", "sliding", "sliding")


def test_llama4_no_rope_layers_list() -> None:
    cfg = load_config("llama-4-scout-17b-16e")
    cfg["text_config"]["no_rope_layers"] = [1, 0] * 24
    s = model_from_hf_config(cfg, source="test")
    assert s.attention_pattern == ("chunked", "full")


def test_deepseek_v2_lite_without_q_lora() -> None:
    cfg = load_config("deepseek-v3")
    cfg["q_lora_rank"] = None
    s = model_from_hf_config(cfg, source="test")
    assert s.mla is not None and s.mla.q_lora_rank is None
    assert s.total_params_b > 600


def test_name_and_id() -> None:
    s = model_from_hf_config(llama_like(), name="My Llama 3.1 8B (Instruct)!", source="test")
    assert s.id == "custom-my-llama-3.1-8b-instruct"
    assert s.name == "My Llama 3.1 8B (Instruct)!"
    assert custom_id("///") == "custom-model"
    s2 = model_from_hf_config(llama_like(_name_or_path="acme/Tiny-LM"), source="test")
    assert s2.name == "Tiny-LM" and s2.hf_repo == "acme/Tiny-LM"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "llama", "num_hidden_layers": 2}, "hidden_size"),
        (llama_like(vocab_size=...), "vocab_size"),
        (llama_like(max_position_embeddings=...), "max_position_embeddings"),
        ({"model_type": "t5", "d_model": 512, "is_encoder_decoder": True}, "encoder-decoder"),
        ({"model_type": "bart", "d_model": 512}, "encoder-decoder"),
        ({"model_type": "vit", "hidden_size": 768, "num_hidden_layers": 12}, "vision-only"),
        ({"model_type": "bert", "hidden_size": 768}, "encoder-only"),
        ({"architectures": ["ViTForImageClassification"], "hidden_size": 8}, "vision-only"),
        ({"model_type": "llava", "text_config": {"model_type": "llama"}}, "hidden_size"),
        (llama_like(hidden_size="big"), "hidden_size"),
        (llama_like(hidden_size=float("nan")), "hidden_size"),
        (llama_like(hidden_size=1.5), "hidden_size"),
        (llama_like(num_hidden_layers=10**12), "num_layers"),
        (llama_like(num_attention_heads=0), "num_attention_heads"),
        (llama_like(num_key_value_heads=3), "multiple"),
        (llama_like(layer_types=["mamba"] * 4), "layer type"),
        (
            llama_like(kv_lora_rank=-1, qk_rope_head_dim=64, qk_nope_head_dim=128, v_head_dim=128),
            "MLA",
        ),
        (llama_like(num_local_experts=8), "num_experts_per_tok"),
        (llama_like(model_type="gemma3", sliding_window_pattern=10**15), "sliding_window_pattern"),
    ],
)
def test_unsupported_configs_raise(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ModelImportError, match=message):
        model_from_hf_config(config, source="test")


def test_non_mapping_config_raises() -> None:
    with pytest.raises(ModelImportError):
        model_from_hf_config([1, 2], source="test")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("quant", "hint"),
    [
        ({"quant_method": "awq", "bits": 4, "group_size": 128}, "awq-int4"),
        ({"quant_method": "gptq", "bits": 8, "group_size": 128}, "gptq-int8"),
        ({"quant_method": "fp8", "weight_block_size": [128, 128]}, "fp8"),
        ({"quant_method": "mxfp4"}, "mxfp4"),
        (
            {
                "quant_method": "compressed-tensors",
                "config_groups": {"g0": {"weights": {"num_bits": 4, "type": "int"}}},
            },
            "int4",
        ),
        (
            {
                "quant_method": "compressed-tensors",
                "config_groups": {"g0": {"weights": {"num_bits": 8, "type": "float"}}},
            },
            "fp8",
        ),
        ({"quant_method": "bitsandbytes", "load_in_4bit": True}, "bnb-nf4"),
        (None, None),
    ],
)
def test_quant_hints(quant: dict[str, Any] | None, hint: str | None) -> None:
    cfg = llama_like(quantization_config=quant) if quant else llama_like()
    assert quant_hint_from_config(cfg) == hint
    s = model_from_hf_config(cfg, source="test")
    assert s.native_quant == (hint or "bf16")


# --------------------------------------------------------------------------------------------
# Model folders (config.json + safetensors headers)

TOY = {"h": 64, "ff": 128, "heads": 4, "kv": 2, "layers": 2, "vocab": 256}


def toy_config(**extra: Any) -> dict[str, Any]:
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": TOY["h"],
        "intermediate_size": TOY["ff"],
        "num_hidden_layers": TOY["layers"],
        "num_attention_heads": TOY["heads"],
        "num_key_value_heads": TOY["kv"],
        "vocab_size": TOY["vocab"],
        "max_position_embeddings": 2048,
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        **extra,
    }


def toy_tensors() -> dict[str, list[int]]:
    h, ff, kvd, v = TOY["h"], TOY["ff"], TOY["kv"] * TOY["h"] // TOY["heads"], TOY["vocab"]
    shapes: dict[str, list[int]] = {"model.embed_tokens.weight": [v, h], "lm_head.weight": [v, h]}
    for i in range(TOY["layers"]):
        p = f"model.layers.{i}."
        shapes |= {
            p + "self_attn.q_proj.weight": [h, h],
            p + "self_attn.k_proj.weight": [kvd, h],
            p + "self_attn.v_proj.weight": [kvd, h],
            p + "self_attn.o_proj.weight": [h, h],
            p + "mlp.gate_proj.weight": [ff, h],
            p + "mlp.up_proj.weight": [ff, h],
            p + "mlp.down_proj.weight": [h, ff],
            p + "input_layernorm.weight": [h],
            p + "post_attention_layernorm.weight": [h],
        }
    shapes["model.norm.weight"] = [h]
    return shapes


def st_blob(header: dict[str, Any], data_bytes: int) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + bytes(data_bytes)


def write_safetensors(
    path: Path, tensors: dict[str, list[int]], dtype: str = "BF16", bytes_per: float = 2
) -> int:
    """A real safetensors file: 8-byte length, JSON header, zero bytes. Returns data bytes."""
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in tensors.items():
        n = math.ceil(math.prod(shape) * bytes_per)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        f.truncate(8 + len(raw) + offset)
    return offset


def toy_param_count() -> int:
    return sum(math.prod(s) for s in toy_tensors().values())


@pytest.fixture
def toy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "Toy-Llama-1M"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(toy_config()))
    write_safetensors(folder / "model.safetensors", toy_tensors())
    return folder


def test_folder_exact_params_and_bf16(toy_folder: Path) -> None:
    m = model_from_folder(toy_folder)
    exact = toy_param_count()
    assert m.spec.total_params_b * 1e9 == pytest.approx(exact, abs=0.5)
    assert m.spec.active_params_b == m.spec.total_params_b
    assert m.file_bytes == exact * 2
    assert m.bits_per_weight == pytest.approx(16.0)
    assert m.quant_hint is None
    assert m.spec.native_quant == "bf16"
    assert m.spec.id == "custom-toy-llama-1m"
    assert m.spec.custom
    assert "safetensors" in m.spec.assumptions["total_params_b"]
    # The dimension-based count agrees exactly with the tensors for a llama layout.
    assert count_params(m.spec)[0] == exact


def test_sharded_folder_with_index(tmp_path: Path) -> None:
    folder = tmp_path / "sharded"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(toy_config()))
    tensors = toy_tensors()
    names = sorted(tensors)
    parts = {
        "model-00001-of-00002.safetensors": names[:10],
        "model-00002-of-00002.safetensors": names[10:],
    }
    total = 0
    weight_map: dict[str, str] = {}
    for fname, tnames in parts.items():
        total += write_safetensors(folder / fname, {n: tensors[n] for n in tnames})
        weight_map |= dict.fromkeys(tnames, fname)
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    m = import_model(folder)
    assert m.spec.total_params_b * 1e9 == pytest.approx(toy_param_count(), abs=0.5)
    assert m.file_bytes == total
    # A missing shard: fall back to the config dimensions and the index's declared size.
    (folder / "model-00002-of-00002.safetensors").unlink()
    m2 = import_model(folder)
    assert m2.file_bytes == total
    assert any("missing" in n for n in m2.notes)


def test_folder_moe_active_from_exact_count(tmp_path: Path) -> None:
    cfg = toy_config(num_local_experts=4, num_experts_per_tok=1, model_type="mixtral")
    folder = tmp_path / "moe"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(cfg))
    h, ff = TOY["h"], TOY["ff"]
    tensors = {k: v for k, v in toy_tensors().items() if ".mlp." not in k}
    for i in range(TOY["layers"]):
        tensors[f"model.layers.{i}.block_sparse_moe.gate.weight"] = [4, h]
        for e in range(4):
            p = f"model.layers.{i}.block_sparse_moe.experts.{e}."
            tensors |= {
                p + "w1.weight": [ff, h],
                p + "w2.weight": [h, ff],
                p + "w3.weight": [ff, h],
            }
    write_safetensors(folder / "model.safetensors", tensors)
    m = model_from_folder(folder)
    exact = sum(math.prod(s) for s in tensors.values())
    assert m.spec.total_params_b * 1e9 == pytest.approx(exact, abs=0.5)
    inactive = TOY["layers"] * 3 * 3 * h * ff
    assert m.spec.active_params_b * 1e9 == pytest.approx(exact - inactive, abs=0.5)


def test_folder_awq_packed_weights(tmp_path: Path) -> None:
    folder = tmp_path / "awq"
    folder.mkdir()
    q = {"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemm"}
    (folder / "config.json").write_text(json.dumps(toy_config(quantization_config=q)))
    tensors = {
        k.replace(".weight", ".qweight") if "proj" in k else k: v for k, v in toy_tensors().items()
    }
    packed = {k: ([v[1], v[0] // 8] if k.endswith("qweight") else v) for k, v in tensors.items()}
    nbytes = write_safetensors(folder / "model.safetensors", packed, dtype="I32", bytes_per=4)
    m = model_from_folder(folder)
    assert m.quant_hint == "awq-int4"
    assert m.spec.native_quant == "awq-int4"
    assert m.file_bytes == nbytes
    assert m.spec.total_params_b * 1e9 == pytest.approx(toy_param_count(), abs=0.5)
    assert m.bits_per_weight is not None and m.bits_per_weight < 16
    assert any("group size 128" in n for n in m.notes)


def test_folder_refuses_huge_config(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(toy_config(pad="x" * (5 * MIB))))
    with pytest.raises(ModelImportError, match="4 MiB"):
        model_from_folder(tmp_path)


def test_folder_without_config(tmp_path: Path) -> None:
    with pytest.raises(ModelImportError, match=r"config\.json"):
        model_from_folder(tmp_path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"\x01\x02"), "too short"),
        (lambda p: p.write_bytes(struct.pack("<Q", 200 * MIB) + b"{}"), "100 MiB"),
        (lambda p: p.write_bytes(struct.pack("<Q", 1000) + b"{}"), "truncated"),
        (lambda p: p.write_bytes(struct.pack("<Q", 4) + b"{{{{"), "JSON"),
        (lambda p: p.write_bytes(struct.pack("<Q", 2) + b"[]"), "object"),
        (
            lambda p: p.write_bytes(
                st_blob({"a": {"dtype": "F16", "shape": [4], "data_offsets": [0, 99]}}, 8)
            ),
            "offsets",
        ),
        (
            lambda p: p.write_bytes(
                st_blob({"a": {"dtype": "F16", "shape": [4], "data_offsets": [0, 2]}}, 2)
            ),
            "do not fit",
        ),
        (
            lambda p: p.write_bytes(
                st_blob({"a": {"dtype": "F16", "shape": [-4], "data_offsets": [0, 2]}}, 2)
            ),
            "shape",
        ),
        (
            lambda p: p.write_bytes(
                st_blob({"a": {"dtype": "X9", "shape": [10**300] * 9, "data_offsets": [0, 2]}}, 2)
            ),
            "shape",
        ),
    ],
)
def test_damaged_safetensors(tmp_path: Path, make: Callable[[Path], Any], message: str) -> None:
    path = tmp_path / "model.safetensors"
    make(path)
    with pytest.raises(ModelImportError, match=message):
        read_safetensors_header(path)
    (tmp_path / "config.json").write_text(json.dumps(toy_config()))
    with pytest.raises(ModelImportError):
        model_from_folder(tmp_path)


# --------------------------------------------------------------------------------------------
# import_model dispatch


def test_import_model_dispatch(tmp_path: Path, toy_folder: Path) -> None:
    assert import_model(toy_folder).file_bytes is not None
    cfg = toy_folder / "config.json"
    from_json = import_model(cfg)
    assert from_json.spec.name == "Toy-Llama-1M" and from_json.file_bytes is None
    gguf_path = write_toy_gguf(tmp_path / "toy.gguf")
    assert import_model(gguf_path).quant_hint == "f16"
    renamed = tmp_path / "weights.bin"
    renamed.write_bytes(gguf_path.read_bytes())
    assert import_model(renamed).spec.num_layers == 2  # GGUF magic, any suffix
    only_gguf = tmp_path / "gguf-only"
    only_gguf.mkdir()
    (only_gguf / "m.gguf").write_bytes(gguf_path.read_bytes())
    assert import_model(only_gguf).spec.hidden_size == 64
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ModelImportError, match="unsupported file"):
        import_model(tmp_path / "notes.txt")
    with pytest.raises(ModelImportError, match="no such file"):
        import_model(tmp_path / "missing")
    with pytest.raises(ModelImportError, match="architecture"):
        import_model(toy_folder / "model.safetensors")
    empty = tmp_path / "empty-dir"
    empty.mkdir()
    with pytest.raises(ModelImportError, match=r"no config\.json"):
        import_model(empty)


# --------------------------------------------------------------------------------------------
# GGUF


def write_toy_gguf(
    path: Path,
    *,
    layers: int = 2,
    h: int = 64,
    ff: int = 128,
    heads: int = 4,
    kv: int = 2,
    vocab: int = 256,
    tie: bool = False,
    experts: int = 0,
    q8: bool = False,
    arch: str = "llama",
    endian: gguf.GGUFEndian = gguf.GGUFEndian.LITTLE,
    extra_kv: Callable[[gguf.GGUFWriter], None] | None = None,
) -> Path:
    """A small but real GGUF written by gguf.GGUFWriter (zero tensors)."""
    w = gguf.GGUFWriter(str(path), arch, endianess=endian)
    w.add_name("Toy Llama")
    w.add_block_count(layers)
    w.add_embedding_length(h)
    w.add_feed_forward_length(ff)
    w.add_head_count(heads)
    w.add_head_count_kv(kv)
    w.add_context_length(2048)
    w.add_rope_dimension_count(h // heads)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if q8 else gguf.LlamaFileType.MOSTLY_F16)
    if experts:
        w.add_expert_count(experts)
        w.add_expert_used_count(2)
    if extra_kv is not None:
        extra_kv(w)
    w.add_tokenizer_model("llama")
    w.add_token_list([f"tok{i}" for i in range(vocab)])
    w.add_token_scores([0.0] * vocab)
    dt = np.float16

    def add(name: str, shape: tuple[int, ...]) -> None:
        if q8 and len(shape) >= 2:
            rows = math.prod(shape[:-1])
            data = np.zeros((rows, shape[-1] // 32 * 34), dtype=np.uint8)
            w.add_tensor(
                name, data.reshape(*shape[:-1], -1), raw_dtype=gguf.GGMLQuantizationType.Q8_0
            )
        else:
            w.add_tensor(name, np.zeros(shape, dt if len(shape) >= 2 else np.float32))

    kvd = kv * h // heads
    add("token_embd.weight", (vocab, h))
    for i in range(layers):
        add(f"blk.{i}.attn_norm.weight", (h,))
        add(f"blk.{i}.attn_q.weight", (h, h))
        add(f"blk.{i}.attn_k.weight", (kvd, h))
        add(f"blk.{i}.attn_v.weight", (kvd, h))
        add(f"blk.{i}.attn_output.weight", (h, h))
        add(f"blk.{i}.ffn_norm.weight", (h,))
        if experts:
            add(f"blk.{i}.ffn_gate_inp.weight", (experts, h))
            add(f"blk.{i}.ffn_gate_exps.weight", (experts, ff, h))
            add(f"blk.{i}.ffn_up_exps.weight", (experts, ff, h))
            add(f"blk.{i}.ffn_down_exps.weight", (experts, h, ff))
        else:
            add(f"blk.{i}.ffn_gate.weight", (ff, h))
            add(f"blk.{i}.ffn_up.weight", (ff, h))
            add(f"blk.{i}.ffn_down.weight", (h, ff))
    add("output_norm.weight", (h,))
    if not tie:
        add("output.weight", (vocab, h))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def toy_dims_params(
    layers: int = 2, h: int = 64, ff: int = 128, vocab: int = 256, kvd: int = 32, tie: bool = False
) -> int:
    per_layer = 2 * h * h + 2 * kvd * h + 3 * ff * h + 2 * h
    return vocab * h * (1 if tie else 2) + layers * per_layer + h


def test_gguf_dense_f16(tmp_path: Path) -> None:
    m = model_from_gguf(write_toy_gguf(tmp_path / "toy.gguf"))
    s = m.spec
    assert (s.num_layers, s.hidden_size, s.intermediate_size) == (2, 64, 128)
    assert (s.num_attention_heads, s.num_kv_heads, s.head_dim) == (4, 2, 16)
    assert (s.vocab_size, s.max_context) == (256, 2048)
    assert s.tie_word_embeddings is False
    params = toy_dims_params()
    assert s.total_params_b * 1e9 == pytest.approx(params, abs=0.5)
    assert count_params(s)[0] == params  # dims and tensors agree
    assert m.quant_hint == "f16" and s.native_quant == "f16"
    assert m.bits_per_weight is not None and 16 < m.bits_per_weight < 16.2  # F32 norms
    assert s.name == "Toy Llama" and s.id == "custom-toy-llama" and s.custom
    assert s.source == "GGUF header of toy.gguf"


def test_gguf_tied_moe_q8(tmp_path: Path) -> None:
    m = model_from_gguf(write_toy_gguf(tmp_path / "moe.gguf", experts=4, tie=True, q8=True))
    s = m.spec
    assert s.tie_word_embeddings is True
    assert (s.num_routed_experts, s.experts_per_token, s.moe_intermediate_size) == (4, 2, 128)
    assert s.num_moe_layers == 2 and s.intermediate_size == 128
    expert_params = 2 * 3 * 4 * 128 * 64
    assert (s.total_params_b - s.active_params_b) * 1e9 == pytest.approx(expert_params / 2)
    assert m.quant_hint == "q8_0"
    assert m.bits_per_weight is not None and 8.5 <= m.bits_per_weight < 9


def test_gguf_big_endian(tmp_path: Path) -> None:
    path = write_toy_gguf(tmp_path / "be.gguf", endian=gguf.GGUFEndian.BIG)
    header = read_gguf_header(path)
    assert header.endian == "big"
    assert model_from_gguf(path).spec.hidden_size == 64


def test_gguf_split_files(tmp_path: Path) -> None:
    single = model_from_gguf(write_toy_gguf(tmp_path / "single.gguf"))
    w = gguf.GGUFWriter(str(tmp_path / "split.gguf"), "llama", split_max_tensors=8)
    # Re-create the same model through the splitting writer.
    src = read_gguf_header(tmp_path / "single.gguf")
    for key in (
        "block_count",
        "embedding_length",
        "feed_forward_length",
        "context_length",
        "attention.head_count",
        "attention.head_count_kv",
    ):
        value = src.kv[f"llama.{key}"]
        assert isinstance(value, int)
        w.add_uint32(f"llama.{key}", value)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    h, kvd, ff, vocab = 64, 32, 128, 256
    shapes = {
        "token_embd.weight": (vocab, h),
        "output.weight": (vocab, h),
        "output_norm.weight": (h,),
    }
    for i in range(2):
        shapes |= {
            f"blk.{i}.attn_q.weight": (h, h),
            f"blk.{i}.attn_k.weight": (kvd, h),
            f"blk.{i}.attn_v.weight": (kvd, h),
            f"blk.{i}.attn_output.weight": (h, h),
            f"blk.{i}.ffn_gate.weight": (ff, h),
            f"blk.{i}.ffn_up.weight": (ff, h),
            f"blk.{i}.ffn_down.weight": (h, ff),
            f"blk.{i}.attn_norm.weight": (h,),
            f"blk.{i}.ffn_norm.weight": (h,),
        }
    for name, shape in shapes.items():
        w.add_tensor(name, np.zeros(shape, np.float16 if len(shape) == 2 else np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    parts = sorted(tmp_path.glob("split-*-of-*.gguf"))
    assert len(parts) == 3
    for part in (parts[0], parts[2]):  # any part finds its siblings
        m = model_from_gguf(part)
        assert m.spec.total_params_b == pytest.approx(single.spec.total_params_b)
        assert m.file_bytes == single.file_bytes
        assert m.spec.tie_word_embeddings is False
    parts[1].unlink()
    m = model_from_gguf(parts[0])
    assert any("missing" in n for n in m.notes)
    assert m.file_bytes is None


def header_only_gguf(path: Path, arch: str, kvs: Callable[[gguf.GGUFWriter], None]) -> Path:
    w = gguf.GGUFWriter(str(path), arch)
    kvs(w)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_gguf_deepseek_mla_without_tensors(tmp_path: Path) -> None:
    def kvs(w: gguf.GGUFWriter) -> None:
        w.add_block_count(61)
        w.add_embedding_length(7168)
        w.add_feed_forward_length(18432)
        w.add_head_count(128)
        w.add_head_count_kv(1)
        w.add_context_length(163840)
        w.add_vocab_size(129280)
        w.add_rope_dimension_count(64)
        w.add_kv_lora_rank(512)
        w.add_q_lora_rank(1536)
        w.add_key_length(576)
        w.add_value_length(512)
        w.add_key_length_mla(192)
        w.add_value_length_mla(128)
        w.add_expert_count(256)
        w.add_expert_used_count(8)
        w.add_expert_shared_count(1)
        w.add_expert_feed_forward_length(2048)
        w.add_leading_dense_block_count(3)

    m = model_from_gguf(header_only_gguf(tmp_path / "ds.gguf", "deepseek2", kvs))
    s = m.spec
    assert s.mla is not None
    assert (s.mla.kv_lora_rank, s.mla.qk_rope_head_dim, s.mla.qk_nope_head_dim) == (512, 64, 128)
    assert (s.mla.v_head_dim, s.mla.q_lora_rank) == (128, 1536)
    assert s.attention_pattern == ("mla",)
    assert s.num_moe_layers == 58
    assert s.total_params_b == pytest.approx(671.03, rel=0.01)  # computed, untied (no tensors)
    assert m.file_bytes is None and m.bits_per_weight is None
    assert any("no tensors" in n for n in m.notes)


@pytest.mark.parametrize(
    ("arch", "pattern"),
    [
        ("gemma3", ("sliding",) * 5 + ("full",)),
        ("gemma2", ("sliding", "full")),
        ("gpt-oss", ("sliding", "full")),
    ],
)
def test_gguf_sliding_patterns(tmp_path: Path, arch: str, pattern: tuple[str, ...]) -> None:
    def kvs(w: gguf.GGUFWriter) -> None:
        w.add_sliding_window(1024)

    path = write_toy_gguf(tmp_path / f"{arch}.gguf", arch=arch, layers=6, extra_kv=kvs)
    s = model_from_gguf(path).spec
    assert s.attention_pattern == pattern
    assert s.sliding_window == 1024


def test_gguf_sliding_window_pattern_array(tmp_path: Path) -> None:
    def kvs(w: gguf.GGUFWriter) -> None:
        w.add_sliding_window(512)
        w.add_sliding_window_pattern([True, True, False, True, True, False])

    path = write_toy_gguf(tmp_path / "swa.gguf", layers=6, extra_kv=kvs)
    assert model_from_gguf(path).spec.attention_pattern == ("sliding", "sliding", "full")


class CountingFile:
    """Wraps a binary file and counts the bytes actually read."""

    def __init__(self, inner: Any, counter: list[int]) -> None:
        self.inner = inner
        self.counter = counter

    def read(self, n: int = -1) -> bytes:
        data: bytes = self.inner.read(n)
        self.counter[0] += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __enter__(self) -> CountingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.close()


@pytest.fixture
def count_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    counter = [0]
    real_open = builtins.open

    def counting_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        f = real_open(file, mode, *args, **kwargs)
        return CountingFile(f, counter) if "b" in mode else f

    monkeypatch.setattr(gguf_header, "open", counting_open, raising=False)
    yield counter


def test_gguf_header_only_on_huge_sparse_file(tmp_path: Path, count_reads: list[int]) -> None:
    """An 8 GiB (sparse) GGUF with a 32k vocab imports in well under 1 s, reading < 64 MiB."""
    path = tmp_path / "big.gguf"
    h, ff, layers, vocab = 4096, 14336, 32, 32000
    w = gguf.GGUFWriter(str(path), "llama")
    for key, value in (
        ("block_count", layers),
        ("embedding_length", h),
        ("feed_forward_length", ff),
        ("context_length", 8192),
        ("attention.head_count", 32),
        ("attention.head_count_kv", 8),
    ):
        w.add_uint32(f"llama.{key}", value)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_0)
    w.add_token_list([f"token-{i}" for i in range(vocab)])
    w.add_token_scores([0.0] * vocab)
    w.add_token_types([1] * vocab)
    q4 = gguf.GGMLQuantizationType.Q4_0

    def info(name: str, shape: tuple[int, ...]) -> None:
        nbytes = math.prod(shape) // 32 * 18
        w.add_tensor_info(name, shape, np.dtype(np.float16), nbytes, raw_dtype=q4)

    info("token_embd.weight", (vocab, h))
    for i in range(layers):
        for name, shape in (
            ("attn_q", (h, h)),
            ("attn_k", (1024, h)),
            ("attn_v", (1024, h)),
            ("attn_output", (h, h)),
            ("ffn_gate", (ff, h)),
            ("ffn_up", (ff, h)),
            ("ffn_down", (h, ff)),
        ):
            info(f"blk.{i}.{name}.weight", shape)
    info("output.weight", (vocab, h))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    w.close()
    with open(path, "r+b") as f:
        f.truncate(8 * GIB)
    count_reads[0] = 0
    start = time.perf_counter()
    m = model_from_gguf(path)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    assert 0 < count_reads[0] < 64 * MIB
    assert count_reads[0] < 2 * MIB  # the header plus one read-ahead chunk
    assert m.spec.total_params_b == pytest.approx(7.24, rel=0.01)
    assert m.bits_per_weight == pytest.approx(4.5)
    assert m.file_bytes is not None and m.file_bytes > 3 * GIB
    assert m.quant_hint == "q4_0" and m.spec.vocab_size == vocab


def test_gguf_tensor_data_past_eof_is_truncation(tmp_path: Path) -> None:
    path = write_toy_gguf(tmp_path / "toy.gguf")
    data = path.read_bytes()
    path.write_bytes(data[:-100])
    with pytest.raises(ModelImportError, match="truncated"):
        model_from_gguf(path)


# -- hand-built hostile headers ----------------------------------------------------------------


def gstr(s: str | bytes) -> bytes:
    raw = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(raw)) + raw


def ghead(n_tensors: int, n_kv: int, version: int = 3) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", version, n_tensors, n_kv)


def kv_u32(key: str, value: int) -> bytes:
    return gstr(key) + struct.pack("<II", gguf.GGUFValueType.UINT32, value)


ARCH_KV = (
    gstr("general.architecture") + struct.pack("<I", gguf.GGUFValueType.STRING) + gstr("llama")
)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "empty"),
        (b"GG", "truncated"),
        (b"GGML" + bytes(20), "bad magic"),
        (b"\x00" * 64, "bad magic"),
        (b"PK\x03\x04" + bytes(60), "bad magic"),
        (ghead(0, 0, version=1), "version 1"),
        (ghead(0, 0, version=7), "version 7"),
        (ghead(0, 1) + gstr("k") + struct.pack("<I", 99) + bytes(8), "unknown value type 99"),
        (
            ghead(0, 1) + gstr("k") + struct.pack("<IIQ", 9, 4, 1 << 40),
            r"array of 1099511627776 elements exceeds the limit",
        ),
        (
            ghead(0, 1) + gstr("k") + struct.pack("<IIQ", 9, 99, 3),
            "unknown item type 99",
        ),
        (ghead(0, 1) + gstr("k") + struct.pack("<IQ", 8, 1 << 40), "exceeds the 16 MiB limit"),
        (ghead(0, 1) + struct.pack("<Q", 1 << 40), "16 MiB limit"),
        (ghead(0, 1) + gstr("k") + struct.pack("<IQ", 8, 5000) + b"abc", "truncated"),
        (ghead(1 << 40, 0), "tensors, over the limit"),
        (ghead(0, 1 << 40), "metadata pairs, over the limit"),
        (ghead(0, 2) + kv_u32("a", 1) + kv_u32("a", 2), "appears twice"),
        (ghead(0, 1) + gstr(b"\xff\xfe") + struct.pack("<II", 4, 1), "UTF-8"),
        (
            ghead(1, 1) + ARCH_KV + gstr("t") + struct.pack("<I", 9) + bytes(80),
            "9 dimensions",
        ),
        (
            ghead(1, 1) + ARCH_KV + gstr("t") + struct.pack("<IQIQ", 1, 32, 999, 0),
            "unknown type 999",
        ),
        (
            ghead(1, 1) + ARCH_KV + gstr("t") + struct.pack("<IQIQ", 1, 33, 8, 0),
            "not a multiple of 32",
        ),
        (
            ghead(1, 1) + ARCH_KV + gstr("t") + struct.pack("<IQIQ", 1, 32, 0, 3),
            "not aligned",
        ),
        (
            ghead(1, 1) + ARCH_KV + gstr("t") + struct.pack("<IQIQ", 1, 1 << 62, 0, 0),
            "tensor data truncated",
        ),
        (
            ghead(1, 2) + ARCH_KV + kv_u32("general.alignment", 3) + gstr("t"),
            "power of two",
        ),
        (ghead(0, 1) + ARCH_KV, "block_count"),
        (ghead(0, 0), "general.architecture"),
        (
            ghead(0, 1) + gstr("general.architecture") + struct.pack("<I", 8) + gstr("clip"),
            "vision projector",
        ),
        (
            ghead(0, 6)
            + ARCH_KV
            + kv_u32("llama.block_count", 1 << 30)
            + kv_u32("llama.embedding_length", 64)
            + kv_u32("llama.attention.head_count", 4)
            + kv_u32("llama.context_length", 64)
            + kv_u32("llama.vocab_size", 100),
            "implausible num_layers",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_hostile_gguf_headers(tmp_path: Path, blob: bytes, message: str) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(blob)
    with pytest.raises(ModelImportError, match=message):
        import_model(path)


def test_nested_arrays_are_walked_with_limits(tmp_path: Path) -> None:
    inner = struct.pack("<IQ", 4, 2) + struct.pack("<II", 1, 2)
    nested = gstr("n") + struct.pack("<IIQ", 9, 9, 3) + inner * 3
    path = tmp_path / "nested.gguf"
    path.write_bytes(ghead(0, 2) + ARCH_KV + nested)
    header = read_gguf_header(path)
    assert header.kv["n"] == gguf_header.ArraySummary("ARRAY", 3)
    deep = gstr("d") + struct.pack("<I", 9) + struct.pack("<IQ", 9, 1) * 10
    path.write_bytes(ghead(0, 1) + deep)
    with pytest.raises(ModelImportError, match="nested"):
        read_gguf_header(path)


def test_limits_header_size_and_deadline(tmp_path: Path) -> None:
    path = write_toy_gguf(tmp_path / "toy.gguf", vocab=5000)
    with pytest.raises(ModelImportError, match="larger than"):
        read_gguf_header(path, GGUFLimits(max_header_bytes=4096))
    with pytest.raises(ModelImportError, match="longer than"):
        read_gguf_header(path, GGUFLimits(deadline_s=-1.0))
    with pytest.raises(ModelImportError, match="elements exceeds"):
        read_gguf_header(path, GGUFLimits(max_array_elements=1000))
    header = read_gguf_header(path)
    tokens = header.kv["tokenizer.ggml.tokens"]
    assert tokens == gguf_header.ArraySummary("STRING", 5000)  # walked, not stored


@pytest.fixture(scope="module")
def small_gguf_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as d:
        path = write_toy_gguf(Path(d) / "tiny.gguf", layers=1, h=32, ff=32, heads=2, kv=1, vocab=8)
        return path.read_bytes()


def header_end(blob: bytes) -> int:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.gguf"
        p.write_bytes(blob)
        return read_gguf_header(p).data_offset


def test_every_truncation_raises(tmp_path: Path, small_gguf_bytes: bytes) -> None:
    end = header_end(small_gguf_bytes)
    path = tmp_path / "cut.gguf"
    cuts = list(range(end + 1)) + list(range(end + 1, len(small_gguf_bytes), 97))
    for n in cuts:
        path.write_bytes(small_gguf_bytes[:n])
        with pytest.raises(ModelImportError):
            model_from_gguf(path)
    path.write_bytes(small_gguf_bytes)
    assert isinstance(model_from_gguf(path), ImportedModel)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_gguf_only_raises_import_error(
    small_gguf_bytes: bytes, data: st.DataObject
) -> None:
    end = header_end(small_gguf_bytes)
    blob = bytearray(small_gguf_bytes)
    for _ in range(data.draw(st.integers(1, 8), label="mutations")):
        kind = data.draw(st.sampled_from(["byte", "u64", "cut", "insert"]))
        pos = data.draw(st.integers(0, max(end - 1, 0)))
        if kind == "byte":
            blob[pos] = data.draw(st.integers(0, 255))
        elif kind == "u64":
            value = data.draw(st.sampled_from([0, 1, 2**31, 2**32 - 1, 2**40, 2**63, 2**64 - 1]))
            blob[pos : pos + 8] = value.to_bytes(8, "little")
        elif kind == "cut":
            del blob[pos : pos + data.draw(st.integers(1, 64))]
        else:
            blob[pos:pos] = data.draw(st.binary(min_size=1, max_size=16))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "mutant.gguf"
        path.write_bytes(bytes(blob))
        try:
            result = import_model(path)
        except ModelImportError as exc:
            assert "\n" not in str(exc)
        else:
            assert isinstance(result, ImportedModel)
