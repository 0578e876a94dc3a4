"""The work of one forward pass (bytes moved, FLOPs, layer passes, communication) and its
time under a set of efficiency factors. Splitting the two lets the calibration fit factors
on precomputed work without re-running the model."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from planner.catalog.schema import Precision
from planner.estimate.comm import link_gbps_per_direction
from planner.estimate.efficiency import Factors
from planner.estimate.inputs import Deployment
from planner.estimate.memory import layer_kind_counts, params_of, weight_bytes
from planner.estimate.moe import experts_touched

ACT_BYTES = 2  # activations exchanged in 16 bits

# llama.cpp splits each n_batch (2048) into n_ubatch (512) pieces and pipelines those across
# its layer-split GPUs, synchronising between batches: at most 4 chunks overlap.
LLAMA_CPP_UBATCHES_PER_BATCH = 4


class Work(NamedTuple):
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
            self.bytes_gpu / (self.peak_bw_gbps * 1e9)
            + self.bytes_host / (self.host_bw_gbps * 1e9),
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

    def parts_s(self, f: Factors, prefill: bool) -> tuple[float, float, float, float]:
        """(memory incl. system RAM, compute, per-layer overhead, interconnect) seconds."""
        t_mem = self.bytes_gpu / (self.peak_bw_gbps * 1e9 * f.bandwidth)
        if self.bytes_host:
            t_mem += self.bytes_host / (self.host_bw_gbps * 1e9 * f.bandwidth)
        t_ovh = self.layer_passes * f.step_overhead_us_per_layer * 1e-6
        return t_mem, self._compute_s(f, prefill), t_ovh, self.comm_s / f.interconnect

    def time_s(self, f: Factors, prefill: bool) -> float:
        return self.total_s(self.parts_s(f, prefill))

    def total_s(self, parts: tuple[float, float, float, float]) -> float:
        t_mem, t_comp, t_ovh, t_comm = parts
        return (max(t_mem, t_comp) + t_ovh + t_comm) * self._pipeline()

    def bound(self, f: Factors, prefill: bool) -> str:
        """What the time is mostly spent on."""
        return self.bound_of(self.parts_s(f, prefill), f)

    def bound_of(self, parts: tuple[float, float, float, float], f: Factors) -> str:
        t_mem, t_comp, t_ovh, t_comm = parts
        if t_mem >= t_comp and self.bytes_host:
            host = self.bytes_host / (self.host_bw_gbps * 1e9 * f.bandwidth)
            mem_label = "system RAM (offload)" if host > t_mem / 2 else "memory bandwidth"
        else:
            mem_label = "memory bandwidth"
        named = {
            mem_label: t_mem,
            "compute": t_comp,
            "per-step overhead": t_ovh,
            "interconnect": t_comm,
        }
        return max(named, key=lambda k: named[k])


def peak_tflops(dep: Deployment) -> float:
    """Dense tensor peak for the format's compute precision.

    Serving engines run 16-bit matmuls with FP32 accumulation: the BF16 figure, which on
    GeForce cards is half the FP16-accumulate rate. llama.cpp asks cuBLAS for FP16
    accumulation, so it gets the FP16 figure.
    """
    g = dep.gpu
    order: tuple[Precision, ...] = (dep.quant.compute_precision, "bf16", "fp16", "fp32")
    if dep.quant.compute_precision in ("fp16", "bf16"):
        order = (
            ("fp16", "bf16", "fp32")
            if dep.engine.family == "llama.cpp"
            else ("bf16", "fp16", "fp32")
        )
    for p in order:
        v = g.tflops(p)
        if v:
            return v
    raise ValueError(f"{g.name} has no compute figure")


class _Static(NamedTuple):
    """What a deployment's passes share, computed once per model, format, GPU and layout."""

    tp: int
    layer_gpu_bytes: float  # one layer's non-expert bytes per GPU
    expert_layer_bytes: float  # one touched expert's bytes per GPU, averaged over layers
    gpu_layers: int
    offloaded: int
    lm_head_gpu_bytes: float
    num_experts: int
    experts_per_token: int
    decode_params: float  # parameters a token multiplies with (embeddings excluded)
    prefill_params: float  # the same without the output head (only last tokens need it)
    lm_head_params: float
    # per attention kind: (layers, KV bytes per token per GPU, window or 0, decode FLOP
    # coefficient per context token, prefill FLOP coefficient per causal pair)
    kinds: tuple[tuple[int, float, int, float, float], ...]
    comm_per_token_s: float  # link time of one token's activations (ring all-reduce)
    comm_latency_s: float
    peak_tflops: float
    chunk_cap: int
    overlap: int
    quantized: bool


_STATIC: dict[tuple[object, ...], tuple[tuple[object, ...], _Static]] = {}


def _static_key(dep: Deployment) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """(key, the objects its ids stand for). Deployments that differ only in what the work
    of a pass does not depend on (the engine's memory settings) share their statics."""
    refs: tuple[object, ...] = (dep.model, dep.quant, dep.kv_quant, dep.gpu)
    key = (
        *(id(r) for r in refs),
        dep.tp,
        dep.pp,
        dep.ep,
        dep.gpu_layers,
        dep.chunk_tokens,
        dep.engine.family == "llama.cpp",
        dep.host_bandwidth_gbps,
    )
    return key, refs


def _static(dep: Deployment) -> _Static:
    key, refs = _static_key(dep)
    hit = _STATIC.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], refs, strict=True)):
        return hit[1]
    if len(_STATIC) > 4096:
        _STATIC.clear()
    m = dep.model
    wb = weight_bytes(m, dep.quant)
    p = params_of(m)
    tp = dep.tp
    expert_div = dep.ep if dep.ep > 1 else tp
    heads = m.num_attention_heads
    kv_heads = max(math.ceil(m.num_kv_heads / tp), 1)
    kv_b = dep.kv_quant.bytes_per_element
    kinds = []
    for kind, n in layer_kind_counts(m).items():
        if kind == "mla":
            assert m.mla is not None
            a = m.mla
            kinds.append(
                (
                    n,
                    (a.kv_lora_rank + a.qk_rope_head_dim) * kv_b,
                    0,
                    2.0 * heads * (2 * a.kv_lora_rank + a.qk_rope_head_dim),
                    2.0 * heads * (a.qk_nope_head_dim + a.qk_rope_head_dim + a.v_head_dim),
                )
            )
            continue
        window = 0
        if kind == "sliding":
            window = m.sliding_window or 0
        elif kind == "chunked":
            window = m.attention_chunk_size or 0
        coef = 4.0 * heads * m.head_dim
        kinds.append((n, 2.0 * kv_heads * m.head_dim * kv_b, window, coef, coef))
    link_gbps, latency = link_gbps_per_direction(dep.gpu)
    st = _Static(
        tp=tp,
        layer_gpu_bytes=wb.layer_non_expert / tp,
        expert_layer_bytes=wb.expert * wb.num_moe_layers / max(wb.num_layers, 1) / expert_div,
        gpu_layers=m.num_layers - dep.offloaded_layers,
        offloaded=dep.offloaded_layers,
        lm_head_gpu_bytes=wb.output_head / tp,
        num_experts=m.num_routed_experts,
        experts_per_token=m.experts_per_token,
        decode_params=float(p.active - p.embedding - p.lm_head + p.output_head),
        prefill_params=float(p.active - p.embedding - p.lm_head),
        lm_head_params=float(p.output_head),
        kinds=tuple(kinds),
        comm_per_token_s=(
            2 * (tp - 1) / tp * m.hidden_size * ACT_BYTES / (link_gbps * 1e9) if tp > 1 else 0.0
        ),
        comm_latency_s=latency if tp > 1 else 0.0,
        peak_tflops=peak_tflops(dep),
        chunk_cap=dep.chunk_tokens,
        overlap=LLAMA_CPP_UBATCHES_PER_BATCH if dep.engine.family == "llama.cpp" else 1_000_000,
        quantized=dep.quant.family != "float" and dep.quant.compute_precision in ("fp16", "bf16"),
    )
    _STATIC[key] = (refs, st)
    return st


def _weights_read(st: _Static, tokens: int) -> tuple[float, float]:
    """(GPU bytes, host bytes) of weights one pass over `tokens` tokens reads."""
    touched = experts_touched(st.num_experts, st.experts_per_token, tokens)
    per_layer = st.layer_gpu_bytes + st.expert_layer_bytes * touched
    return (
        st.gpu_layers * per_layer + st.lm_head_gpu_bytes,
        st.offloaded * per_layer * st.tp,
    )


def decode_work(dep: Deployment, batch: int, context: int) -> Work:
    """One decode step: `batch` sequences each adding a token after `context` cached ones."""
    st = _static(dep)
    w_gpu, w_host = _weights_read(st, batch)
    kv_per_seq = 0.0
    attn_per_seq = 0.0
    for n, kv_tok, window, dec_coef, _ in st.kinds:
        span = min(context, window) if window else context
        kv_per_seq += n * kv_tok * span
        attn_per_seq += n * dec_coef * span
    kv = batch * kv_per_seq
    off = st.offloaded / dep.model.num_layers
    layers = dep.model.num_layers
    comm = 2 * layers * (st.comm_latency_s + batch * st.comm_per_token_s) if dep.tp > 1 else 0.0
    return Work(
        bytes_gpu=w_gpu + kv * (1 - off),
        bytes_host=w_host + kv * off,
        flops=2.0 * batch * st.decode_params / dep.tp,
        attention_flops=batch * attn_per_seq / dep.tp,
        layer_passes=layers,
        comm_s=comm,
        peak_bw_gbps=dep.gpu.bandwidth_gbps,
        host_bw_gbps=dep.host_bandwidth_gbps,
        peak_tflops=st.peak_tflops,
    )


def prefill_work(dep: Deployment, batch: int, input_len: int) -> Work:
    """Prefill of `batch` prompts of `input_len` tokens, in chunks the engine's buffers allow."""
    st = _static(dep)
    tokens = batch * input_len
    if tokens == 0:
        return Work(
            0, 0, 0, 0, 0, 0, dep.gpu.bandwidth_gbps, dep.host_bandwidth_gbps, st.peak_tflops
        )
    chunk = min(st.chunk_cap, tokens)
    chunks = math.ceil(tokens / chunk)
    w_gpu, w_host = _weights_read(st, chunk)
    # Causal attention: token i attends to the i tokens before it (capped by windows).
    full_pairs = input_len * (input_len - 1) / 2
    attn = 0.0
    for n, _, window, _, pre_coef in st.kinds:
        pairs = full_pairs
        if window and input_len > window:
            pairs = window * (window - 1) / 2 + (input_len - window) * window
        attn += n * pre_coef * pairs
    body = 2.0 * tokens * st.prefill_params + 2.0 * batch * st.lm_head_params
    layers = dep.model.num_layers
    # Every chunk pays the latency; the link time is for the tokens actually sent.
    comm = (
        2 * layers * (chunks * st.comm_latency_s + tokens * st.comm_per_token_s)
        if dep.tp > 1
        else 0.0
    )
    return Work(
        bytes_gpu=chunks * w_gpu,
        bytes_host=chunks * w_host,
        flops=body / dep.tp,
        attention_flops=batch * attn / dep.tp,
        layer_passes=chunks * layers,
        comm_s=comm,
        peak_bw_gbps=dep.gpu.bandwidth_gbps,
        host_bw_gbps=dep.host_bandwidth_gbps,
        peak_tflops=st.peak_tflops,
        chunks=min(chunks, st.overlap),
        stages=dep.pp,
        quantized=st.quantized,
    )


def decode_time_fn(dep: Deployment, f: Factors, context: int) -> Callable[[int], float]:
    """Seconds of one decode step as a function of the batch: `decode_work(dep, batch,
    context).time_s(f, False)` with everything that does not depend on the batch worked out
    once, for searches that try many batch sizes."""
    st = _static(dep)
    kv_per_seq = attn_per_seq = 0.0
    for n, kv_tok, window, dec_coef, _ in st.kinds:
        span = min(context, window) if window else context
        kv_per_seq += n * kv_tok * span
        attn_per_seq += n * dec_coef * span
    layers = dep.model.num_layers
    off = st.offloaded / layers
    tp = dep.tp
    bw = dep.gpu.bandwidth_gbps * 1e9 * f.bandwidth
    host_bw = dep.host_bandwidth_gbps * 1e9 * f.bandwidth
    per_flop = 1 / (st.peak_tflops * 1e12 * f.compute)
    overhead = layers * f.step_overhead_us_per_layer * 1e-6
    comm_fixed = 2 * layers * st.comm_latency_s / f.interconnect if tp > 1 else 0.0
    comm_per_seq = 2 * layers * st.comm_per_token_s / f.interconnect if tp > 1 else 0.0
    n_exp, k = st.num_experts, min(st.experts_per_token, max(st.num_experts, 1))
    miss = 1.0 - k / n_exp if n_exp else 0.0

    def t_step(batch: int) -> float:
        touched = n_exp * (1.0 - miss**batch) if n_exp else 0.0
        per_layer = st.layer_gpu_bytes + st.expert_layer_bytes * touched
        kv = batch * kv_per_seq
        t_mem = (st.gpu_layers * per_layer + st.lm_head_gpu_bytes + kv * (1 - off)) / bw
        if st.offloaded:
            t_mem += (st.offloaded * per_layer * tp + kv * off) / host_bw
        flops = (2.0 * batch * st.decode_params + batch * attn_per_seq * f.attention_penalty) / tp
        return max(t_mem, flops * per_flop) + overhead + comm_fixed + batch * comm_per_seq

    return t_step
