"""Memory per GPU: weights, KV cache, buffers and runtime overhead; what fits."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from planner.catalog.params import ParamBreakdown, breakdown
from planner.catalog.schema import AttentionKind, ModelSpec, QuantFormat
from planner.estimate.inputs import Deployment, Workload

GIB = 1024**3
EMBED_BITS = 16.0


_MEMO: dict[int, tuple[ModelSpec, ParamBreakdown, dict[AttentionKind, int]]] = {}


def _memo(model: ModelSpec) -> tuple[ModelSpec, ParamBreakdown, dict[AttentionKind, int]]:
    # Specs are frozen, so derived counts are computed once per spec object.
    hit = _MEMO.get(id(model))
    if hit is None or hit[0] is not model:
        if len(_MEMO) > 1024:
            _MEMO.clear()
        hit = (model, breakdown(model), dict(Counter(model.layer_kinds())))
        _MEMO[id(model)] = hit
    return hit


def params_of(model: ModelSpec) -> ParamBreakdown:
    return _memo(model)[1]


def layer_kind_counts(model: ModelSpec) -> dict[AttentionKind, int]:
    """How many layers use each attention kind."""
    return _memo(model)[2]


@dataclass(frozen=True)
class WeightBytes:
    """Bytes of each part of the model in the chosen format (whole model)."""

    embedding: float
    lm_head: float
    layer_non_expert: float  # one layer's attention, norms, dense FFN or shared experts (mean)
    expert: float  # one routed expert in one MoE layer
    num_layers: int
    num_moe_layers: int
    num_experts: int

    @property
    def output_head(self) -> float:
        """The output projection's bytes: the embedding matrix when they are tied."""
        return self.lm_head or self.embedding

    @property
    def experts_total(self) -> float:
        return self.expert * self.num_experts * self.num_moe_layers

    @property
    def body(self) -> float:
        return self.layer_non_expert * self.num_layers + self.experts_total

    @property
    def total(self) -> float:
        return self.embedding + self.lm_head + self.body


_WB_MEMO: dict[tuple[int, int], tuple[ModelSpec, QuantFormat, WeightBytes]] = {}


def weight_bytes(model: ModelSpec, quant: QuantFormat) -> WeightBytes:
    """Bytes of each part of the model in a format (memoised per frozen spec pair)."""
    key = (id(model), id(quant))
    hit = _WB_MEMO.get(key)
    if hit is not None and hit[0] is model and hit[1] is quant:
        return hit[2]
    if len(_WB_MEMO) > 4096:
        _WB_MEMO.clear()
    wb = _weight_bytes(model, quant)
    _WB_MEMO[key] = (model, quant, wb)
    return wb


def _weight_bytes(model: ModelSpec, quant: QuantFormat) -> WeightBytes:
    p = params_of(model)
    body_bits = quant.bits_per_weight
    expert_bits = quant.bits_per_weight
    if quant.experts_only and model.is_moe:
        body_bits = EMBED_BITS
    embed_bits = (
        EMBED_BITS if (quant.high_precision_embeddings or quant.experts_only) else body_bits
    )
    layer_non_expert = p.per_layer_non_expert * body_bits / 8
    return WeightBytes(
        embedding=p.embedding * embed_bits / 8,
        lm_head=p.lm_head * embed_bits / 8,
        layer_non_expert=layer_non_expert,
        expert=p.expert * expert_bits / 8,
        num_layers=p.num_layers,
        num_moe_layers=p.num_moe_layers,
        num_experts=p.num_experts,
    )


def kv_bytes_per_token_layers(model: ModelSpec, kv: QuantFormat, tp: int, context: int) -> float:
    """KV bytes one sequence of `context` tokens holds on one GPU, summed over all layers.

    Sliding-window and chunked layers hold at most their window. Under tensor parallelism
    each GPU keeps max(kv_heads / tp, 1) heads; MLA's latent is replicated on every GPU.
    """
    b = kv.bytes_per_element
    heads_per_gpu = max(math.ceil(model.num_kv_heads / tp), 1)
    per_token_full = 2 * heads_per_gpu * model.head_dim * b
    total = 0.0
    for kind, n in layer_kind_counts(model).items():
        if kind == "mla":
            assert model.mla is not None
            total += n * (model.mla.kv_lora_rank + model.mla.qk_rope_head_dim) * b * context
        elif kind == "sliding":
            total += n * per_token_full * min(context, model.sliding_window or context)
        elif kind == "chunked":
            total += n * per_token_full * min(context, model.attention_chunk_size or context)
        else:
            total += n * per_token_full * context
    return total


def kv_bytes_per_token(model: ModelSpec, kv: QuantFormat, tp: int = 1) -> float:
    """KV bytes per token with no window capping (the long-context cost of one token)."""
    return kv_bytes_per_token_layers(model, kv, tp, 1)


@dataclass(frozen=True)
class GpuMemory:
    """One GPU's memory use, GiB."""

    weights_gib: float
    kv_cache_gib: float
    activation_gib: float
    overhead_gib: float
    capacity_gib: float
    usable_gib: float

    @property
    def total_gib(self) -> float:
        return self.weights_gib + self.kv_cache_gib + self.activation_gib + self.overhead_gib

    @property
    def headroom_gib(self) -> float:
        return self.usable_gib - self.total_gib


@dataclass(frozen=True)
class MemoryEstimate:
    gpus: tuple[GpuMemory, ...]  # one per pipeline stage of one replica
    host_weights_gib: float  # weights kept in system RAM (embeddings, offloaded layers)
    batch: int
    seq_tokens: int

    @property
    def worst(self) -> GpuMemory:
        return min(self.gpus, key=lambda g: g.headroom_gib)

    @property
    def fits(self) -> bool:
        return all(g.headroom_gib >= 0 for g in self.gpus) and self.batch >= 1

    @property
    def headroom_gib(self) -> float:
        return self.worst.headroom_gib


def _stage_layers(dep: Deployment, layer_bytes: float, head_bytes: float) -> list[int]:
    """Layers on each pipeline stage (GPU layers only), balancing bytes: the last stage
    also holds the output head, so it takes fewer layers (as llama.cpp's split does)."""
    n = dep.model.num_layers - dep.offloaded_layers
    stages = dep.pp
    if stages == 1:
        return [n]
    head_eq = head_bytes / layer_bytes if layer_bytes > 0 else 0.0
    last = min(n, max(0, round((n + head_eq) / stages - head_eq)))
    base, extra = divmod(n - last, stages - 1)
    return [base + (1 if i < extra else 0) for i in range(stages - 1)] + [last]


def _activation_gib(dep: Deployment, kv_tokens: int, stage_layers: int, last: bool) -> float:
    e, m = dep.engine, dep.model
    tokens = dep.chunk_tokens
    heads = max(m.num_attention_heads // dep.tp, 1)
    logits = tokens * m.vocab_size * e.logits_bytes_per_vocab if last else 0.0
    hidden = tokens * m.hidden_size * e.activation_bytes_per_hidden / dep.tp
    scores = e.attention_score_bytes * tokens * kv_tokens * heads if stage_layers else 0.0
    return (logits + hidden + scores) / GIB


class _StageTerms(NamedTuple):
    """One stage's memory as a function of the batch: GiB = const + batch x per_seq."""

    weights_gib: float
    kv_gib_per_seq: float
    act_gib: float  # activation/compute buffers at batch 0
    act_gib_per_seq: float  # and what each sequence adds (llama.cpp attention scores)
    overhead_gib: float
    capacity_gib: float


_TERMS: dict[tuple[int, int], tuple[Deployment, list[_StageTerms], float]] = {}


def _terms(dep: Deployment, seq: int) -> tuple[list[_StageTerms], float]:
    """Per-stage memory terms at `seq` tokens per sequence, and the host GiB (memoised)."""
    key = (id(dep), seq)
    hit = _TERMS.get(key)
    if hit is not None and hit[0] is dep:
        return hit[1], hit[2]
    if len(_TERMS) > 8192:
        _TERMS.clear()
    m, e = dep.model, dep.engine
    wb = weight_bytes(m, dep.quant)
    embed_on_host = e.family == "llama.cpp"
    expert_div = dep.ep if dep.ep > 1 else dep.tp
    layer_bytes = (
        wb.layer_non_expert / dep.tp
        + wb.expert * wb.num_experts * (wb.num_moe_layers / wb.num_layers) / expert_div
    )
    stages = _stage_layers(dep, layer_bytes, wb.output_head / dep.tp)
    sharded = dep.tp * dep.pp > 1
    overhead = e.runtime_overhead_gib + (e.multi_gpu_overhead_gib if sharded else 0.0)
    kv_seq_all = kv_bytes_per_token_layers(m, dep.kv_quant, dep.tp, seq)
    terms = []
    for i, n_layers in enumerate(stages):
        first, last = i == 0, i == len(stages) - 1
        w = n_layers * layer_bytes
        embedding_here = first and not embed_on_host
        if embedding_here:
            w += wb.embedding / dep.tp
        # A tied output head shares the embedding's memory only where the embedding is.
        if last and not (wb.lm_head == 0 and embedding_here):
            w += wb.output_head / dep.tp
        # llama.cpp sizes every device's compute buffer for its largest graph split.
        with_logits = last or e.family == "llama.cpp"
        act0 = _activation_gib(dep, 0, n_layers, with_logits)
        act_per_seq = _activation_gib(dep, seq, n_layers, with_logits) - act0
        terms.append(
            _StageTerms(
                weights_gib=w / GIB,
                kv_gib_per_seq=kv_seq_all * n_layers / m.num_layers / GIB,
                act_gib=act0,
                act_gib_per_seq=act_per_seq,
                overhead_gib=overhead,
                capacity_gib=dep.capacity_gib,
            )
        )
    host = dep.offloaded_layers * layer_bytes * dep.tp + (wb.embedding if embed_on_host else 0.0)
    _TERMS[key] = (dep, terms, host / GIB)
    return terms, host / GIB


def _usable(dep: Deployment, t: _StageTerms, fixed: float) -> float:
    e = dep.engine
    if e.reserve == "fraction-of-total":
        return t.capacity_gib * e.memory_fraction
    if e.reserve == "fraction-of-free":
        return fixed + max(t.capacity_gib - fixed, 0.0) * e.memory_fraction
    return t.capacity_gib


def _stage_rows(
    dep: Deployment, batch: int, seq: int
) -> tuple[list[tuple[float, float, float, float, float, float]], float]:
    """Per stage (weights, KV, buffers, runtime, capacity, usable) in GiB, and host GiB."""
    terms, host = _terms(dep, seq)
    rows = []
    for t in terms:
        act = t.act_gib + batch * t.act_gib_per_seq
        fixed = t.weights_gib + act + t.overhead_gib
        rows.append(
            (
                t.weights_gib,
                batch * t.kv_gib_per_seq,
                act,
                t.overhead_gib,
                t.capacity_gib,
                _usable(dep, t, fixed),
            )
        )
    return rows, host


def _fits(dep: Deployment, batch: int, seq: int) -> bool:
    terms, _ = _terms(dep, seq)
    for t in terms:
        act = t.act_gib + batch * t.act_gib_per_seq
        fixed = t.weights_gib + act + t.overhead_gib
        if fixed + batch * t.kv_gib_per_seq > _usable(dep, t, fixed):
            return False
    return True


def estimate_memory(
    dep: Deployment, wl: Workload, batch: int | None = None, seq_tokens: int | None = None
) -> MemoryEstimate:
    """Memory per GPU for `batch` sequences (default: the workload's) of `seq_tokens` tokens
    of KV cache each (default: the workload's context)."""
    seq = seq_tokens if seq_tokens is not None else wl.seq_tokens
    if batch is None:
        batch = 1 if wl.batch == "max" else wl.batch
    rows, host = _stage_rows(dep, batch, seq)
    return MemoryEstimate(
        gpus=tuple(GpuMemory(*r) for r in rows),
        host_weights_gib=host,
        batch=batch,
        seq_tokens=seq,
    )


def max_batch(dep: Deployment, wl: Workload) -> int:
    """Most sequences of the workload's length that fit, capped by the engine's default.

    Each GPU's memory grows linearly with the batch (KV cache, score buffers), so the limit
    is solved per stage in closed form and then checked at the boundary."""
    seq = wl.seq_tokens
    cap = dep.engine.max_num_seqs
    terms, _ = _terms(dep, seq)
    e = dep.engine
    best = cap
    for t in terms:
        base = t.weights_gib + t.act_gib + t.overhead_gib
        if e.reserve == "fraction-of-free":
            room = e.memory_fraction * (t.capacity_gib - base)
            per_seq = t.kv_gib_per_seq + e.memory_fraction * t.act_gib_per_seq
        else:
            room = _usable(dep, t, base) - base
            per_seq = t.kv_gib_per_seq + t.act_gib_per_seq
        if room < per_seq:
            return 1 if _fits(dep, 1, seq) else 0
        if per_seq > 0:
            best = min(best, math.floor(room / per_seq))
    # Guard the rounding at the boundary: the answer fits and one more does not.
    if not _fits(dep, best, seq):
        best -= 1
    elif best < cap and _fits(dep, best + 1, seq):
        best += 1
    return max(best, 0)


def max_context(dep: Deployment, batch: int = 1) -> int:
    """Longest context per sequence that fits at `batch`, up to the model's limit."""
    limit = dep.model.max_context
    if not _fits(dep, batch, 1):
        return 0
    if _fits(dep, batch, limit):
        return limit
    lo, hi = 1, limit
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _fits(dep, batch, mid):
            lo = mid
        else:
            hi = mid
    return lo
