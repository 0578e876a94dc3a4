"""The work and time of many passes at once (numpy), for sweeps over concurrency and for the
fit. It mirrors `work.decode_work`, `work.prefill_work` and `Work.time_s` element by element;
a test checks that both give the same numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.estimate.efficiency import Factors
from planner.estimate.inputs import Deployment
from planner.estimate.work import _static

Array = npt.NDArray[np.float64]
WorkArrays = dict[str, Any]  # arrays, or scalars where a field is the same for all


def _touched(num_experts: int, k: int, tokens: Array) -> Array:
    if num_experts == 0:
        return np.zeros_like(tokens)
    return num_experts * (1.0 - (1.0 - min(k, num_experts) / num_experts) ** tokens)


def decode_arrays(dep: Deployment, batches: Array, context: int) -> WorkArrays:
    """`work.decode_work` for every batch size in `batches`."""
    st = _static(dep)
    b = np.asarray(batches, dtype=np.float64)
    per_layer = st.layer_gpu_bytes + st.expert_layer_bytes * _touched(
        st.num_experts, st.experts_per_token, b
    )
    kv_per_seq = attn_per_seq = 0.0
    for n, kv_tok, window, dec_coef, _ in st.kinds:
        span = min(context, window) if window else context
        kv_per_seq += n * kv_tok * span
        attn_per_seq += n * dec_coef * span
    layers = dep.model.num_layers
    off = st.offloaded / layers
    kv = b * kv_per_seq
    comm = 2 * layers * (st.comm_latency_s + b * st.comm_per_token_s) if dep.tp > 1 else 0.0 * b
    # Fields that do not vary with the batch stay scalars: numpy broadcasts them.
    return {
        "bytes_gpu": st.gpu_layers * per_layer + st.lm_head_gpu_bytes + kv * (1 - off),
        "bytes_host": st.offloaded * per_layer * dep.tp + kv * off,
        "flops": 2.0 * b * st.decode_params / dep.tp,
        "attention_flops": b * attn_per_seq / dep.tp,
        "layer_passes": layers,
        "comm_s": comm,
        "peak_bw_gbps": dep.gpu.bandwidth_gbps,
        "host_bw_gbps": dep.host_bandwidth_gbps,
        "peak_tflops": st.peak_tflops,
        "chunks": 1.0,
        "stages": 1.0,
        "quantized": 0.0,
    }


def prefill_arrays(dep: Deployment, batches: Array, input_len: int) -> WorkArrays:
    """`work.prefill_work` for every batch size in `batches` (prompts of `input_len`)."""
    st = _static(dep)
    b = np.asarray(batches, dtype=np.float64)
    tokens = b * input_len
    chunk = np.maximum(np.minimum(st.chunk_cap, tokens), 1.0)
    chunks = np.where(tokens > 0, np.ceil(tokens / chunk), 0.0)
    per_layer = st.layer_gpu_bytes + st.expert_layer_bytes * _touched(
        st.num_experts, st.experts_per_token, chunk
    )
    full_pairs = input_len * (input_len - 1) / 2
    attn = 0.0
    for n, _, window, _, pre_coef in st.kinds:
        pairs = full_pairs
        if window and input_len > window:
            pairs = window * (window - 1) / 2 + (input_len - window) * window
        attn += n * pre_coef * pairs
    layers = dep.model.num_layers
    body = 2.0 * tokens * st.prefill_params + 2.0 * b * st.lm_head_params * (tokens > 0)
    comm = (
        2 * layers * (chunks * st.comm_latency_s + tokens * st.comm_per_token_s)
        if dep.tp > 1
        else 0.0 * b
    )
    return {
        "bytes_gpu": chunks * (st.gpu_layers * per_layer + st.lm_head_gpu_bytes),
        "bytes_host": chunks * st.offloaded * per_layer * dep.tp,
        "flops": body / dep.tp,
        "attention_flops": b * attn * (tokens > 0) / dep.tp,
        "layer_passes": chunks * layers,
        "comm_s": comm,
        "peak_bw_gbps": np.full_like(b, dep.gpu.bandwidth_gbps),
        "host_bw_gbps": np.full_like(b, dep.host_bandwidth_gbps),
        "peak_tflops": np.full_like(b, st.peak_tflops),
        "chunks": np.maximum(np.minimum(chunks, st.overlap), 1.0),
        "stages": np.full_like(b, dep.pp),
        "quantized": np.full_like(b, 1.0 if st.quantized else 0.0),
    }


def parts_arrays(w: Mapping[str, Any], f: Factors, prefill: bool) -> tuple[Array, ...]:
    """(memory, compute, per-layer overhead, interconnect) seconds, as `Work.parts_s`."""
    t_mem = w["bytes_gpu"] / (w["peak_bw_gbps"] * 1e9 * f.bandwidth)
    t_mem = t_mem + w["bytes_host"] / (w["host_bw_gbps"] * 1e9 * f.bandwidth)
    eff = f.prefill_compute if prefill else f.compute
    matmul = w["flops"]
    if prefill:
        matmul = matmul * np.where(w["quantized"] > 0, f.dequant_penalty, 1.0)
    t_comp = (matmul + w["attention_flops"] * f.attention_penalty) / (w["peak_tflops"] * 1e12 * eff)
    t_ovh = w["layer_passes"] * f.step_overhead_us_per_layer * 1e-6
    return t_mem, t_comp, t_ovh, w["comm_s"] / f.interconnect


def time_arrays(w: Mapping[str, Any], f: Factors, prefill: bool) -> Array:
    """Seconds per pass, as `Work.time_s`."""
    t_mem, t_comp, t_ovh, t_comm = parts_arrays(w, f, prefill)
    chunks, stages = w["chunks"], w["stages"]
    pipe = np.where(stages > 1, (chunks + stages - 1) / (chunks * np.maximum(stages, 1)), 1.0)
    return np.asarray((np.maximum(t_mem, t_comp) + t_ovh + t_comm) * pipe, dtype=np.float64)


BOUND_LABELS = ("memory bandwidth", "compute", "per-step overhead", "interconnect")


def bounds_arrays(w: Mapping[str, Any], f: Factors, prefill: bool) -> list[str]:
    """What each pass mostly spends its time on (as `Work.bound`)."""
    t_mem, t_comp, t_ovh, t_comm = np.broadcast_arrays(*parts_arrays(w, f, prefill))
    host = np.broadcast_to(w["bytes_host"] / (w["host_bw_gbps"] * 1e9 * f.bandwidth), t_mem.shape)
    which = np.argmax(np.stack([t_mem, t_comp, t_ovh, t_comm]), axis=0)
    out = []
    for i, j in enumerate(which):
        label = BOUND_LABELS[j]
        if j == 0 and t_mem[i] >= t_comp[i] and host[i] > t_mem[i] / 2:
            label = "system RAM (offload)"
        out.append(label)
    return out
