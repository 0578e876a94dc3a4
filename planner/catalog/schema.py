"""Pydantic schemas for the bundled catalog (resources/catalog/*.json) and user entries.

Units: memory in GiB, bandwidth in GB/s (decimal), compute in TFLOPS (dense, no sparsity),
power in W, prices in USD. Every entry names its source; any figure that is not sourced is
listed in ``assumptions`` (field name -> why the value was assumed), and the UI shows that.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

AttentionKind = Literal["full", "sliding", "chunked", "mla"]
Vendor = Literal["nvidia", "amd", "intel", "apple", "cpu", "other"]
Precision = Literal["fp32", "fp16", "bf16", "fp8", "int8", "fp4"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(Frozen):
    source: str = Field(min_length=3, description="Where the figures come from")
    assumptions: dict[str, str] = Field(
        default_factory=dict,
        description="Fields whose value is assumed, not sourced, with the reason",
    )


class MLASpec(Frozen):
    """Multi-head latent attention (DeepSeek V2/V3) ranks."""

    kv_lora_rank: int = Field(gt=0)
    qk_rope_head_dim: int = Field(gt=0)
    qk_nope_head_dim: int = Field(gt=0)
    v_head_dim: int = Field(gt=0)
    q_lora_rank: int | None = Field(default=None, gt=0)


class ModelSpec(Sourced):
    """A decoder-only transformer, dense or mixture-of-experts."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="Catalog id")
    name: str = Field(description="Display name")
    family: str = Field(description="Model family, e.g. 'Llama 3.1'")
    hf_repo: str | None = Field(default=None, description="Hugging Face repo id")
    aliases: tuple[str, ...] = Field(default=(), description="Other names it is known by")
    license: str = Field(default="unknown", description="Weights licence")
    num_layers: int = Field(gt=0, description="Decoder layers")
    hidden_size: int = Field(gt=0)
    num_attention_heads: int = Field(gt=0)
    num_kv_heads: int = Field(gt=0, description="Key/value heads (GQA); equals heads for MHA")
    head_dim: int = Field(gt=0, description="Per-head dimension, as the config states it")
    intermediate_size: int = Field(
        ge=0, description="Dense-layer FFN width (unused when every layer is MoE)"
    )
    vocab_size: int = Field(gt=0)
    tie_word_embeddings: bool = False
    qkv_bias: bool = Field(default=False, description="Bias on Q/K/V projections")
    max_context: int = Field(gt=0, description="Longest supported context, tokens")
    # Mixture of experts
    num_routed_experts: int = Field(default=0, ge=0)
    num_shared_experts: int = Field(default=0, ge=0)
    experts_per_token: int = Field(default=0, ge=0)
    moe_intermediate_size: int | None = Field(default=None, gt=0)
    shared_expert_intermediate_size: int | None = Field(
        default=None, gt=0, description="Width of each shared expert (default: expert width)"
    )
    moe_first_dense_layers: int = Field(
        default=0, ge=0, description="Leading dense layers (DeepSeek first_k_dense_replace)"
    )
    moe_layer_step: int = Field(
        default=1, ge=1, description="Layer i is MoE when (i + 1) % step == 0 (Llama 4 Maverick: 2)"
    )
    # Attention layout
    attention_pattern: tuple[AttentionKind, ...] = Field(
        default=("full",),
        description="Per-layer attention kinds, repeated cyclically over the layers",
    )
    sliding_window: int | None = Field(default=None, gt=0, description="Window of sliding layers")
    attention_chunk_size: int | None = Field(
        default=None, gt=0, description="Chunk of chunked layers"
    )
    mla: MLASpec | None = None
    # Published figures, for display and cross-checks; memory uses the computed counts.
    total_params_b: float = Field(gt=0, description="Total parameters, billions")
    active_params_b: float = Field(gt=0, description="Parameters used per token, billions")
    native_quant: str | None = Field(default=None, description="Format the weights ship in")
    custom: bool = Field(default=False, description="Imported by the user, not from the catalog")

    @property
    def is_moe(self) -> bool:
        return self.num_routed_experts > 0

    def layer_kinds(self) -> tuple[AttentionKind, ...]:
        p = self.attention_pattern
        return tuple(p[i % len(p)] for i in range(self.num_layers))

    def is_moe_layer(self, i: int) -> bool:
        if not self.is_moe or i < self.moe_first_dense_layers:
            return False
        return (i + 1) % self.moe_layer_step == 0

    @property
    def num_moe_layers(self) -> int:
        return sum(self.is_moe_layer(i) for i in range(self.num_layers))

    @model_validator(mode="after")
    def _check(self) -> ModelSpec:
        kinds = set(self.attention_pattern)
        if "sliding" in kinds and self.sliding_window is None:
            raise ValueError("sliding layers need sliding_window")
        if "chunked" in kinds and self.attention_chunk_size is None:
            raise ValueError("chunked layers need attention_chunk_size")
        if "mla" in kinds and self.mla is None:
            raise ValueError("mla layers need the mla ranks")
        if self.num_attention_heads % self.num_kv_heads:
            raise ValueError("attention heads must be a multiple of kv heads")
        if self.is_moe:
            if not (0 < self.experts_per_token <= self.num_routed_experts):
                raise ValueError("experts_per_token must be in 1..num_routed_experts")
            if self.moe_intermediate_size is None:
                raise ValueError("MoE models need moe_intermediate_size")
        if self.active_params_b > self.total_params_b * 1.001:
            raise ValueError("active parameters exceed total")
        return self


class InterconnectSpec(Frozen):
    kind: Literal["nvlink", "infinity-fabric", "pcie", "ethernet", "unified", "none"]
    bandwidth_gbps: float | None = Field(
        default=None, gt=0, description="GPU-to-GPU bandwidth per GPU, both directions, GB/s"
    )
    note: str = ""


class GpuSpec(Sourced):
    """An accelerator (GPU, APU, Apple chip) or the CPU-only pseudo device."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    vendor: Vendor
    segment: Literal["datacenter", "workstation", "consumer", "apple", "apu", "cpu"]
    generation: str = Field(description="Architecture, e.g. 'hopper', 'ada', 'rdna3', 'apple-m2'")
    aliases: tuple[str, ...] = Field(default=(), description="Names probes print")
    memory_gib: float = Field(gt=0, description="Memory per device, GiB")
    memory_options_gib: tuple[float, ...] = Field(
        default=(), description="Other memory sizes sold (Apple, APUs)"
    )
    memory_type: str = ""
    usable_memory_fraction: float = Field(
        default=1.0, gt=0, le=1, description="Share of memory the GPU may use (unified memory)"
    )
    bandwidth_gbps: float = Field(gt=0, description="Peak memory bandwidth, GB/s")
    fp32_tflops: float | None = Field(default=None, gt=0)
    fp16_tflops: float | None = Field(default=None, gt=0, description="Dense FP16 tensor TFLOPS")
    bf16_tflops: float | None = Field(default=None, gt=0, description="Dense BF16 tensor TFLOPS")
    fp8_tflops: float | None = Field(default=None, gt=0)
    int8_tops: float | None = Field(default=None, gt=0)
    fp4_tflops: float | None = Field(default=None, gt=0)
    tdp_w: float | None = Field(default=None, gt=0)
    interconnect: InterconnectSpec = InterconnectSpec(kind="pcie")
    pcie_gen: int | None = Field(default=None, ge=1, le=7)
    price_usd: float | None = Field(default=None, gt=0, description="Purchase price per device")
    price_as_of: str | None = Field(default=None, description="Date of the price")
    price_source: str | None = None
    custom: bool = False

    def tflops(self, precision: Precision) -> float | None:
        """Dense peak for a precision; None when the hardware has no such path."""
        if precision == "fp32":
            return self.fp32_tflops
        if precision == "fp16":
            return self.fp16_tflops or self.bf16_tflops
        if precision == "bf16":
            return self.bf16_tflops
        if precision == "fp8":
            return self.fp8_tflops
        if precision == "int8":
            return self.int8_tops
        return self.fp4_tflops

    @property
    def usable_memory_gib(self) -> float:
        return self.memory_gib * self.usable_memory_fraction

    @model_validator(mode="after")
    def _check(self) -> GpuSpec:
        if self.fp16_tflops is None and self.bf16_tflops is None and self.fp32_tflops is None:
            raise ValueError(f"{self.id}: needs at least one of fp16, bf16 or fp32 TFLOPS")
        if self.price_usd is not None and not self.price_as_of:
            raise ValueError(f"{self.id}: a price needs its as-of date")
        return self


class QuantFormat(Sourced):
    """A weight or KV-cache number format."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    aliases: tuple[str, ...] = ()
    family: Literal["float", "int", "gguf", "microscaling", "mlx"]
    applies_to: tuple[Literal["weights", "kv"], ...]
    bits_per_weight: float = Field(
        gt=0, le=32, description="Effective bits per weight, scales included"
    )
    high_precision_embeddings: bool = Field(
        default=False, description="Embeddings and output head stay at 16 bits"
    )
    experts_only: bool = Field(
        default=False, description="Only MoE expert weights use this format (gpt-oss MXFP4)"
    )
    compute_precision: Precision = Field(description="Precision the matrix units run in")
    requires: Precision | None = Field(
        default=None, description="Hardware precision needed to run it natively"
    )
    engines: tuple[str, ...] = Field(description="Engine ids that run it")
    quality_note: str = ""

    @property
    def bytes_per_element(self) -> float:
        return self.bits_per_weight / 8

    @property
    def bit_class(self) -> int:
        """The bit class the format belongs to: Q4_K_M and AWQ INT4 are 4-bit, FP8 is 8-bit.

        Effective bits include the scales (Q3_K_M stores 4.0 bits per weight, yet is a 3-bit
        format), so GGUF formats take it from their name; the others round down."""
        if self.family == "gguf":
            found = re.match(r"^i?q(\d+)", self.id)
            if found:
                return int(found.group(1))
        return max(math.floor(self.bits_per_weight + 1e-9), 1)


class EngineSpec(Sourced):
    """An inference engine and how it uses memory."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    aliases: tuple[str, ...] = ()
    family: Literal["llama.cpp", "vllm", "trtllm", "lmdeploy", "mlx"] = Field(
        description="Efficiency factors are fitted per family"
    )
    reserve: Literal["fraction-of-total", "fraction-of-free", "exact"] = Field(
        description="fraction-of-total: the engine claims that share of GPU memory up front "
        "(vLLM gpu_memory_utilization); fraction-of-free: weights first, then a share of what "
        "is left for KV (TensorRT-LLM); exact: only what the context needs (llama.cpp, MLX)"
    )
    memory_fraction: float = Field(default=1.0, gt=0, le=1)
    runtime_overhead_gib: float = Field(
        ge=0, description="Per GPU: driver context, allocator, libraries"
    )
    multi_gpu_overhead_gib: float = Field(
        default=0, ge=0, description="Per GPU, extra when sharded: communication buffers"
    )
    logits_bytes_per_vocab: float = Field(
        ge=0, description="Compute buffer per batched token per vocabulary entry (fp32 logits)"
    )
    activation_bytes_per_hidden: float = Field(
        ge=0, description="Compute buffer per batched token per unit of hidden size"
    )
    attention_score_bytes: float = Field(
        default=0,
        ge=0,
        description="Buffer per batched token per context token per head (0 with flash attention)",
    )
    max_batched_tokens: int = Field(
        gt=0, description="Tokens per forward pass the buffers are sized for"
    )
    max_num_seqs: int = Field(gt=0, description="Default cap on concurrent sequences")
    multi_gpu_default: Literal["tp", "layer-split"]
    parallelism: tuple[Literal["tp", "pp", "ep", "dp", "layer-split"], ...]
    vendors: tuple[Vendor, ...]
    continuous_batching: bool = True
