"""The work of one forward pass (bytes moved, FLOPs, layer passes, communication) and its
time under a set of efficiency factors. Splitting the two lets the calibration fit factors
on precomputed work without re-running the model."""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.catalog.schema import ModelSpec, Precision
from planner.estimate.comm import allreduce_s
from planner.estimate.efficiency import Factors
from planner.estimate.inputs import Deployment
from planner.estimate.memory import (
    kv_bytes_per_token_layers,
    layer_kind_counts,
    params_of,
    weight_bytes,
)
from planner.estimate.moe import experts_touched

ACT_BYTES = 2  # activations exchanged in 16 bits


@dataclass(frozen=True)
class Work:
    """One forward pass as one GPU of a replica sees it (pipeline stages summed)."""

    bytes_gpu: float  # read from GPU memory
    bytes_host: float  # read from system RAM (offloaded layers)
    flops: float  # matrix multiplications with the weights
    attention_flops: float  # attention over the cached context
    layer_passes: int
    comm_s: float
    peak_bw_gbps: float
    host_bw_gbps: float
    peak_tflops: float
    chunks: int = 1  # prefill chunks (ubatches) that overlap in the pipeline
    quantized: bool = False  # weights in an integer or block format (dequantised to compute)
    stages: int = 1  # pipeline stages the chunks flow through

    def roofline_s(self) -> float:
        """The physical floor: peak bandwidth and peak compute, nothing else."""
        serial = max(
            self.bytes_gpu / (self.peak_bw_gbps * 1e9) + self.bytes_host / (self.host_bw_gbps * 1e9),
            (self.flops + self.attention_flops) / (self.peak_tflops * 1e12),
        )
        return serial * self._pipeline()

    def _pipeline(self) -> float:
        """Chunks flowing through pipeline stages overlap: (chunks + stages - 1) slots of
        one stage's time instead of chunks x stages."""
        if self.stages <= 1:
            return 1.0
        return (self.chunks + self.stages - 1) / (self.chunks * self.stages)

    def _compute_s(self, f: Factors, prefill: bool) -> float:
        eff = f.prefill_compute if prefill else f.compute
        matmul = self.flops * (f.dequant_penalty if prefill and self.quantized else 1.0)
        flops = matmul + self.attention_flops * f.attention_penalty
        return flops / (self.peak_tflops * 1e12 * eff)

    def time_s(self, f: Factors, prefill: bool) -> float:
        t_mem = self.bytes_gpu / (self.peak_bw_gbps * 1e9 * f.bandwidth) + self.bytes_host / (
            self.host_bw_gbps * 1e9 * f.bandwidth
        )
        t = max(t_mem, self._compute_s(f, prefill))
        t += self.layer_passes * f.step_overhead_us_per_layer * 1e-6 + self.comm_s
        return t * self._pipeline()

    def bound(self, f: Factors, prefill: bool) -> str:
        t_mem = self.bytes_gpu / (self.peak_bw_gbps * 1e9 * f.bandwidth)
        t_host = self.bytes_host / (self.host_bw_gbps * 1e9 * f.bandwidth)
        t_comp = self._compute_s(f, prefill)
        t_ovh = self.layer_passes * f.step_overhead_us_per_layer * 1e-6
        parts = {
            "memory bandwidth": t_mem,
            "system RAM (offload)": t_host,
            "compute": t_comp,
            "per-step overhead": t_ovh,
            "interconnect": self.comm_s,
        }
        return max(parts, key=lambda k: parts[k])


def peak_tflops(dep: Deployment) -> float:
    """Dense tensor peak for the format's compute precision.

    Serving engines run 16-bit matmuls with FP32 accumulation: the BF16 figure, which on
    GeForce cards is half the FP16-accumulate rate. llama.cpp asks cuBLAS for FP16
    accumulation, so it gets the FP16 figure.
    """
    g = dep.gpu
    order: tuple[Precision, ...] = (dep.quant.compute_precision, "bf16", "fp16", "fp32")
    if dep.quant.compute_precision in ("fp16", "bf16"):
        order = ("fp16", "bf16", "fp32") if dep.engine.family == "llama.cpp" else ("bf16", "fp16", "fp32")
    for p in order:
        v = g.tflops(p)
        if v:
            return v
    raise ValueError(f"{g.name} has no compute figure")


def _attention_flops_per_token(m: ModelSpec, context: int) -> float:
    """FLOPs for one new token attending to `context` cached tokens, all layers."""
    total = 0.0
    for kind, n in layer_kind_counts(m).items():
        if kind == "mla":
            assert m.mla is not None
            width = 2 * m.mla.kv_lora_rank + m.mla.qk_rope_head_dim
            total += n * 2 * m.num_attention_heads * width * context
            continue
        span = context
        if kind == "sliding" and m.sliding_window:
            span = min(context, m.sliding_window)
        elif kind == "chunked" and m.attention_chunk_size:
            span = min(context, m.attention_chunk_size)
        total += n * 4 * m.num_attention_heads * m.head_dim * span
    return total


def _weights_read(dep: Deployment, tokens: int) -> tuple[float, float]:
    """(GPU bytes, host bytes) of weights one pass over `tokens` tokens reads."""
    m = dep.model
    wb = weight_bytes(m, dep.quant)
    touched = experts_touched(m.num_routed_experts, m.experts_per_token, tokens)
    expert_div = dep.ep if dep.ep > 1 else dep.tp
    per_layer = wb.layer_non_expert / dep.tp + (
        wb.expert * touched * wb.num_moe_layers / max(wb.num_layers, 1)
    ) / expert_div
    gpu_layers = m.num_layers - dep.offloaded_layers
    gpu = gpu_layers * per_layer + wb.lm_head / dep.tp
    host = dep.offloaded_layers * per_layer * dep.tp
    return gpu, host


def decode_work(dep: Deployment, batch: int, context: int) -> Work:
    """One decode step: `batch` sequences each adding a token after `context` cached ones."""
    m = dep.model
    p = params_of(m)
    w_gpu, w_host = _weights_read(dep, batch)
    kv = batch * kv_bytes_per_token_layers(m, dep.kv_quant, dep.tp, context)
    off = dep.offloaded_layers / m.num_layers
    matmul = 2.0 * batch * (p.active - p.embedding)
    comm = 2 * m.num_layers * allreduce_s(dep.gpu, dep.tp, batch * m.hidden_size * ACT_BYTES)
    return Work(
        bytes_gpu=w_gpu + kv * (1 - off),
        bytes_host=w_host + kv * off,
        flops=matmul / dep.tp,
        attention_flops=batch * _attention_flops_per_token(m, context) / dep.tp,
        layer_passes=m.num_layers,
        comm_s=comm,
        peak_bw_gbps=dep.gpu.bandwidth_gbps,
        host_bw_gbps=dep.host_bandwidth_gbps,
        peak_tflops=peak_tflops(dep),
    )


def prefill_work(dep: Deployment, batch: int, input_len: int) -> Work:
    """Prefill of `batch` prompts of `input_len` tokens, in chunks the engine's buffers allow."""
    m = dep.model
    p = params_of(m)
    tokens = batch * input_len
    if tokens == 0:
        return Work(0, 0, 0, 0, 0, 0, dep.gpu.bandwidth_gbps, dep.host_bandwidth_gbps, peak_tflops(dep))
    chunk = min(dep.engine.max_batched_tokens, tokens)
    chunks = math.ceil(tokens / chunk)
    w_gpu, w_host = _weights_read(dep, chunk)
    # Causal attention: token i attends to i earlier tokens (capped by windows).
    attn = batch * _causal_attention_flops(m, input_len)
    body = 2.0 * tokens * (p.active - p.embedding - p.lm_head) + 2.0 * batch * p.lm_head
    comm = 2 * m.num_layers * chunks * allreduce_s(
        dep.gpu, dep.tp, chunk * m.hidden_size * ACT_BYTES
    )
    return Work(
        bytes_gpu=chunks * w_gpu,
        bytes_host=chunks * w_host,
        flops=body / dep.tp,
        attention_flops=attn / dep.tp,
        layer_passes=chunks * m.num_layers,
        comm_s=comm,
        peak_bw_gbps=dep.gpu.bandwidth_gbps,
        host_bw_gbps=dep.host_bandwidth_gbps,
        peak_tflops=peak_tflops(dep),
        chunks=min(chunks, _overlapping_chunks(dep)),
        stages=dep.pp,
        quantized=dep.quant.family != "float" and dep.quant.compute_precision in ("fp16", "bf16"),
    )


# llama.cpp splits each n_batch (2048) into n_ubatch (512) pieces and pipelines those across
# its layer-split GPUs, synchronising between batches: at most 4 chunks overlap.
LLAMA_CPP_UBATCHES_PER_BATCH = 4


def _overlapping_chunks(dep: Deployment) -> int:
    if dep.engine.family == "llama.cpp":
        return LLAMA_CPP_UBATCHES_PER_BATCH
    return 1_000_000


def _causal_attention_flops(m: ModelSpec, length: int) -> float:
    total = 0.0
    full_pairs = length * (length - 1) / 2
    for kind, n in layer_kind_counts(m).items():
        window = None
        if kind == "sliding":
            window = m.sliding_window
        elif kind == "chunked":
            window = m.attention_chunk_size
        pairs = full_pairs
        if window and length > window:
            pairs = window * (window - 1) / 2 + (length - window) * window
        if kind == "mla":
            assert m.mla is not None
            # Prefill runs MLA uncompressed: per head q.k over nope+rope dims, then v.
            width = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim + m.mla.v_head_dim
            total += n * 2 * m.num_attention_heads * width * pairs
        else:
            total += n * 4 * m.num_attention_heads * m.head_dim * pairs
    return total

