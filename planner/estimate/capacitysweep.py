"""`serving.capacity` for many deployments at once, for the recommender's search.

The deployments come in groups that differ only in their GPU: a validated representative
of the group (model, formats, engine, tp, pp) and, per member, the GPU it runs on instead.
What does not depend on the GPU (the work statics, the memory terms, the attention work of
a prompt) is worked out once per group; the rest runs as numpy arrays over all members, and
the bisection for the largest concurrency inside the targets runs for all of them together.

Every number is computed with the operations of the scalar path, in the same order
(`memory.max_batch`, `work.prefill_work(...).time_s`, `work.decode_time_fn`, `capacity`), so
the results are equal, not merely close: tests/planner/test_recommend_fast.py checks it over
the catalog. Powers (expert routing) are taken with Python's float power, as the scalar path
does, because numpy's vectorised power may round differently in the last place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from planner.catalog.schema import GpuSpec
from planner.estimate.comm import link_gbps_per_direction
from planner.estimate.efficiency import (
    Band,
    EfficiencyTable,
    Factors,
    hardware_class,
    load_efficiency,
)
from planner.estimate.inputs import Deployment, Workload
from planner.estimate.memory import _terms
from planner.estimate.moe import experts_touched
from planner.estimate.speed import mean_context
from planner.estimate.work import ACT_BYTES, _static, peak_tflops

Array = npt.NDArray[np.float64]

NO_MISS, TTFT_MISS, TPOT_MISS = 0, 1, 2
_RESERVE = {"fraction-of-total": 0.0, "fraction-of-free": 1.0, "exact": 2.0}
NO_FIT = "memory: the model and one request do not fit"
MEMORY_BOUND = "memory (KV cache for more requests)"


class CapacitySweep(NamedTuple):
    """Per member, what `capacity` gives: the memory limit, the concurrency chosen (0 when
    there is none), what binds, and the serving point's numbers at that concurrency (0.0
    when there is no point). The point's `bound` is not worked out here."""

    memory_limit: list[int]
    concurrency: list[int]
    binding: list[str]
    output_tokens_per_s: list[float]
    input_tokens_per_s: list[float]
    ttft_ms: list[float]
    tpot_ms: list[float]
    prefill_share: list[float]
    output_tokens_per_s_low: list[float]
    output_tokens_per_s_high: list[float]


class _Group(NamedTuple):
    """What the members of a group share (nothing here depends on the GPU)."""

    columns: tuple[float, ...]  # in the order of _GROUP_COLUMNS
    stages: tuple[tuple[float, float, float, float, float], ...]  # memory terms per stage


_GROUP_COLUMNS = (
    "layers",
    "tp",
    "gpu_layers",
    "offloaded",
    "layer_gpu_bytes",
    "expert_layer_bytes",
    "lm_head_gpu_bytes",
    "decode_params",
    "kv_per_seq",
    "attn_per_seq",
    "off",
    "one_minus_off",
    "host_gbps",
    "n_exp",
    "miss",
    # the prefill of one prompt
    "pre_tokens",
    "pre_chunks",
    "pre_bytes_gpu",
    "pre_bytes_host",
    "pre_flops",
    "pre_attn",
    "pre_passes",
    "pre_quantized",
    "pre_pipe",
    # memory
    "max_num_seqs",
    "memory_gib",  # NaN: the GPU's own
    "reserve",  # _RESERVE
    "memory_fraction",
    "stages",
)
_GC = {name: i for i, name in enumerate(_GROUP_COLUMNS)}


def _group(rep: Deployment, input_len: int, context: int, seq: int) -> _Group:
    st = _static(rep)
    m = rep.model
    layers = m.num_layers
    kv_per_seq = attn_per_seq = 0.0
    for n, kv_tok, window, dec_coef, _ in st.kinds:
        span = min(context, window) if window else context
        kv_per_seq += n * kv_tok * span
        attn_per_seq += n * dec_coef * span
    off = st.offloaded / layers
    n_exp, k = st.num_experts, min(st.experts_per_token, max(st.num_experts, 1))
    miss = 1.0 - k / n_exp if n_exp else 0.0
    # prefill_work(rep, 1, input_len), less what depends on the GPU
    tokens = 1 * input_len
    if tokens == 0:
        chunks = 0
        pre: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    else:
        chunk = min(st.chunk_cap, tokens)
        chunks = math.ceil(tokens / chunk)
        touched = experts_touched(st.num_experts, st.experts_per_token, chunk)
        per_layer = st.layer_gpu_bytes + st.expert_layer_bytes * touched
        w_gpu = st.gpu_layers * per_layer + st.lm_head_gpu_bytes
        w_host = st.offloaded * per_layer * st.tp
        full_pairs = input_len * (input_len - 1) / 2
        attn = 0.0
        for n, _, window, _, pre_coef in st.kinds:
            pairs = full_pairs
            if window and input_len > window:
                pairs = window * (window - 1) / 2 + (input_len - window) * window
            attn += n * pre_coef * pairs
        body = 2.0 * tokens * st.prefill_params + 2.0 * 1 * st.lm_head_params
        piped = min(chunks, st.overlap)
        stages = rep.pp
        pipe = 1.0 if stages <= 1 else (piped + stages - 1) / (piped * stages)
        pre = (
            float(chunks * w_gpu),
            float(chunks * w_host),
            body / rep.tp,
            1 * attn / rep.tp,
            float(chunks * layers),
            1.0 if st.quantized else 0.0,
            pipe,
        )
    columns = (
        float(layers),
        float(rep.tp),
        float(st.gpu_layers),
        float(st.offloaded),
        st.layer_gpu_bytes,
        st.expert_layer_bytes,
        st.lm_head_gpu_bytes,
        st.decode_params,
        kv_per_seq,
        attn_per_seq,
        off,
        1 - off,
        rep.host_bandwidth_gbps,
        float(n_exp),
        miss,
        float(tokens),
        float(chunks),
        *pre,
        float(rep.engine.max_num_seqs),
        math.nan if rep.memory_gib is None else rep.memory_gib,
        _RESERVE[rep.engine.reserve],
        rep.engine.memory_fraction,
    )
    terms, _ = _terms(rep, seq)
    stage_terms = tuple(
        (t.weights_gib, t.act_gib, t.act_gib_per_seq, t.kv_gib_per_seq, t.overhead_gib)
        for t in terms
    )
    return _Group(columns=(*columns, float(len(stage_terms))), stages=stage_terms)


def _usable(reserve: Array, fraction: Array, capacity_gib: Array, fixed: Array) -> Array:
    """`memory._usable` for each member."""
    free = fixed + np.maximum(capacity_gib - fixed, 0.0) * fraction
    by_reserve: Array = np.where(
        reserve == 0.0, capacity_gib * fraction, np.where(reserve == 1.0, free, capacity_gib)
    )
    return by_reserve


class _Memory(NamedTuple):
    """Per member: the GPU's capacity, the engine's reserve, and the memory terms of each
    pipeline stage (GiB = weights + act + batch x act_per_seq + batch x kv + overhead)."""

    capacity_gib: Array
    reserve: Array
    fraction: Array
    stages: Array  # how many stages the member has
    terms: npt.NDArray[np.float64]  # (stage, term, member), zero beyond a member's stages

    def fits(self, batch: Array) -> npt.NDArray[np.bool_]:
        """`memory._fits` for each member at its `batch`."""
        ok = np.ones(len(batch), dtype=bool)
        for s, (w, act0, act_seq, kv, ovh) in enumerate(self.terms):
            act = act0 + batch * act_seq
            fixed = w + act + ovh
            over = fixed + batch * kv > _usable(
                self.reserve, self.fraction, self.capacity_gib, fixed
            )
            ok &= ~(over & (self.stages > s))
        return ok

    def max_batch(self, cap: Array) -> npt.NDArray[np.int64]:
        """`memory.max_batch` for each member, capped at `cap` (the engine's default): the
        closed form per stage, the early answer when a stage cannot take one more
        sequence, and the check at the boundary."""
        n = len(cap)
        best = cap.copy()
        early = np.zeros(n, dtype=bool)
        free = self.reserve == 1.0
        for s, (w, act0, act_seq, kv, ovh) in enumerate(self.terms):
            live = (self.stages > s) & ~early
            base = w + act0 + ovh
            room = np.where(
                free,
                self.fraction * (self.capacity_gib - base),
                _usable(self.reserve, self.fraction, self.capacity_gib, base) - base,
            )
            per_seq = np.where(free, kv + self.fraction * act_seq, kv + act_seq)
            stop = live & (room < per_seq)
            early |= stop
            step = live & ~stop & (per_seq > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                best = np.where(step, np.minimum(best, np.floor(room / per_seq)), best)
        one = np.where(self.fits(np.ones(n)), 1.0, 0.0)
        below = np.where(self.fits(best), best, best - 1)
        grow = (best < cap) & self.fits(best) & self.fits(best + 1)
        guarded = np.maximum(np.where(grow, best + 1, below), 0.0)
        return np.where(early, one, guarded).astype(np.int64)


_GPU_COLUMNS = (
    "bw_gbps",
    "peak",
    "comm_per_token",
    "comm_latency",
    "f_bandwidth",
    "f_compute",
    "f_prefill_compute",
    "f_step",
    "f_attention",
    "f_interconnect",
    "f_dequant",
    "p10",
    "p90",
    "memory_gib",
    "usable_memory_fraction",
)
_UC = {name: i for i, name in enumerate(_GPU_COLUMNS)}


def capacity_sweep(
    members: Sequence[tuple[Deployment, GpuSpec]],
    input_len: int,
    output_len: int,
    ttft_target_ms: float | None = None,
    tpot_target_ms: float | None = None,
    table: EfficiencyTable | None = None,
) -> CapacitySweep:
    """`capacity(rep with gpu, ...)` for every (rep, gpu) member.

    `rep` is a validated deployment; the member is that deployment on `gpu` instead (the
    caller makes sure that deployment is valid too). Members sharing a rep object share
    what does not depend on the GPU."""
    table = table or load_efficiency()
    seq = Workload(batch="max", input_len=input_len, output_len=output_len).seq_tokens
    context = mean_context(input_len, output_len)
    out = max(output_len, 1)
    groups: dict[int, int] = {}
    group_list: list[_Group] = []
    gpu_rows = _GpuRows(table)
    kinds: dict[tuple[object, ...], int] = {}
    kind_of: list[int] = []  # per group: what its members' GPU rows depend on, as a number
    g_idx: list[int] = []
    u_idx: list[int] = []
    for rep, gpu in members:
        gi = groups.get(id(rep))
        if gi is None:
            gi = groups[id(rep)] = len(group_list)
            group_list.append(_group(rep, input_len, context, seq))
            kind = (rep.engine.family, rep.tp, rep.model.hidden_size, rep.quant.compute_precision)
            kind_of.append(kinds.setdefault(kind, len(kinds)))
        g_idx.append(gi)
        u_idx.append(gpu_rows.index(kind_of[gi], rep, gpu))
    n = len(g_idx)
    if n == 0:
        return CapacitySweep([], [], [], [], [], [], [], [], [], [])
    gsel = np.array(g_idx)
    gcols = np.array([g.columns for g in group_list], dtype=np.float64)[gsel]
    ucols = np.array(gpu_rows.values, dtype=np.float64)[np.array(u_idx)]
    most = max(len(g.stages) for g in group_list)
    padded = np.zeros((len(group_list), most, 5))
    for i, g in enumerate(group_list):
        padded[i, : len(g.stages)] = g.stages
    terms = padded[gsel].transpose(1, 2, 0)  # (stage, term, member)

    def gc(name: str) -> Array:
        """A group column, for each member."""
        column: Array = gcols[:, _GC[name]]
        return column

    def uc(name: str) -> Array:
        """A GPU column, for each member."""
        column: Array = ucols[:, _UC[name]]
        return column

    tp = gc("tp")
    sharded = tp > 1
    layers = gc("layers")
    bw_gbps, peak = uc("bw_gbps"), uc("peak")
    f_bw, f_ic, f_step, f_att = (
        uc("f_bandwidth"),
        uc("f_interconnect"),
        uc("f_step"),
        uc("f_attention"),
    )
    cpt, clat = uc("comm_per_token"), uc("comm_latency")
    # work.decode_time_fn's constants
    bw = bw_gbps * 1e9 * f_bw
    host_bw = gc("host_gbps") * 1e9 * f_bw
    per_flop = 1 / (peak * 1e12 * uc("f_compute"))
    overhead = layers * f_step * 1e-6
    comm_fixed = np.where(sharded, 2 * layers * clat / f_ic, 0.0)
    comm_per_seq = np.where(sharded, 2 * layers * cpt / f_ic, 0.0)
    gpu_layers, offloaded = gc("gpu_layers"), gc("offloaded")
    lgb, elb, lm = gc("layer_gpu_bytes"), gc("expert_layer_bytes"), gc("lm_head_gpu_bytes")
    decode_params, kv_per_seq, attn_per_seq = (
        gc("decode_params"),
        gc("kv_per_seq"),
        gc("attn_per_seq"),
    )
    off, one_minus_off = gc("off"), gc("one_minus_off")
    has_offload = offloaded > 0
    n_exp = gc("n_exp")
    moe = np.flatnonzero(n_exp > 0)
    moe_miss = gc("miss")[moe].tolist()
    moe_n = n_exp[moe].tolist()

    def t_step(batch: Array) -> Array:
        touched = np.zeros(n)
        if len(moe):
            b = batch[moe].tolist()
            touched[moe] = [e * (1.0 - m**x) for e, m, x in zip(moe_n, moe_miss, b, strict=True)]
        per_layer = lgb + elb * touched
        kv = batch * kv_per_seq
        t_mem = (gpu_layers * per_layer + lm + kv * one_minus_off) / bw
        t_mem = np.where(
            has_offload, t_mem + (offloaded * per_layer * tp + kv * off) / host_bw, t_mem
        )
        flops = (2.0 * batch * decode_params + batch * attn_per_seq * f_att) / tp
        step: Array = np.maximum(t_mem, flops * per_flop) + overhead + comm_fixed
        return step + batch * comm_per_seq

    # work.prefill_work(dep, 1, input_len).time_s(f, prefill=True)
    pre_bytes_host = gc("pre_bytes_host")
    t_pre_mem = gc("pre_bytes_gpu") / (bw_gbps * 1e9 * f_bw)
    t_pre_mem = np.where(
        pre_bytes_host != 0, t_pre_mem + pre_bytes_host / (gc("host_gbps") * 1e9 * f_bw), t_pre_mem
    )
    matmul = gc("pre_flops") * np.where(gc("pre_quantized") > 0, uc("f_dequant"), 1.0)
    t_pre_comp = (matmul + gc("pre_attn") * f_att) / (peak * 1e12 * uc("f_prefill_compute"))
    t_pre_ovh = gc("pre_passes") * f_step * 1e-6
    pre_comm = np.where(
        sharded, 2 * layers * (gc("pre_chunks") * clat + gc("pre_tokens") * cpt), 0.0
    )
    t_pre = (np.maximum(t_pre_mem, t_pre_comp) + t_pre_ovh + pre_comm / f_ic) * gc("pre_pipe")
    t_pre = np.where(gc("pre_tokens") > 0, t_pre, 0.0)

    def missed(c: Array) -> npt.NDArray[np.int64]:
        """capacity's `missed`: which target concurrency `c` misses first (0: none)."""
        step = t_step(c)
        code = np.zeros(n, dtype=np.int64)
        if tpot_target_ms is not None:
            code[(c * t_pre + out * step) / out * 1e3 > tpot_target_ms] = TPOT_MISS
        if ttft_target_ms is not None:
            code[(t_pre + step) * 1e3 > ttft_target_ms] = TTFT_MISS
        return code

    own = gc("memory_gib")
    memory = _Memory(
        capacity_gib=np.where(np.isnan(own), uc("memory_gib"), own) * uc("usable_memory_fraction"),
        reserve=gc("reserve"),
        fraction=gc("memory_fraction"),
        stages=gc("stages"),
        terms=terms,
    )
    limit = memory.max_batch(gc("max_num_seqs"))
    limits: list[int] = limit.tolist()
    fits = limit >= 1
    first = missed(np.ones(n))
    live = fits & (first == NO_MISS)
    at_limit = missed(limit.astype(np.float64))
    lo = np.ones(n, dtype=np.int64)
    hi = limit.copy()
    searching = live & (at_limit != NO_MISS)
    active = searching & (hi - lo > 1)
    while active.any():
        mid = (lo + hi) // 2
        ok = missed(mid.astype(np.float64)) == NO_MISS
        lo = np.where(active & ok, mid, lo)
        hi = np.where(active & ~ok, mid, hi)
        active = searching & (hi - lo > 1)
    best = np.where(live, np.where(searching, lo, limit), 0)
    best_f = best.astype(np.float64)
    step = t_step(best_f)
    nxt = missed(best_f + 1)
    cycle = best_f * t_pre + out * step
    with np.errstate(divide="ignore", invalid="ignore"):
        out_tps = np.where(live, best_f * output_len / cycle, 0.0)
        in_tps = np.where(live, best_f * input_len / cycle, 0.0)
        tpot = np.where(live, cycle / out * 1e3, 0.0)
        share = np.where(live, best_f * t_pre / cycle, 0.0)
    ttft = np.where(live, (t_pre + step) * 1e3, 0.0)

    why: dict[int, str] = {}
    if ttft_target_ms is not None:
        why[TTFT_MISS] = f"time to first token target ({ttft_target_ms:g} ms)"
    if tpot_target_ms is not None:
        why[TPOT_MISS] = f"time per output token target ({tpot_target_ms:g} ms)"
    binding = []
    max_num_seqs = gc("max_num_seqs").tolist()
    for i, (lim, b, f1, nx) in enumerate(
        zip(limits, best.tolist(), first.tolist(), nxt.tolist(), strict=True)
    ):
        if lim < 1:
            binding.append(NO_FIT)
        elif f1 != NO_MISS:
            binding.append(f"{why[f1]} missed even by a single request")
        elif b < lim:
            binding.append(why.get(nx, "latency targets"))
        elif lim < max_num_seqs[i]:
            binding.append(MEMORY_BOUND)
        else:
            binding.append(f"the engine's default cap of {lim} concurrent requests")
    return CapacitySweep(
        memory_limit=limits,
        concurrency=best.tolist(),
        binding=binding,
        output_tokens_per_s=out_tps.tolist(),
        input_tokens_per_s=in_tps.tolist(),
        ttft_ms=ttft.tolist(),
        tpot_ms=tpot.tolist(),
        prefill_share=share.tolist(),
        output_tokens_per_s_low=(out_tps * uc("p10")).tolist(),
        output_tokens_per_s_high=(out_tps * uc("p90")).tolist(),
    )


class _GpuRows:
    """What a member's GPU brings: its peaks, its link, the factors and band of its class;
    each piece looked up once per thing it depends on."""

    def __init__(self, table: EfficiencyTable) -> None:
        self.table = table
        self.rows: dict[tuple[int, int], int] = {}
        self.values: list[tuple[float, ...]] = []
        self._peaks: dict[tuple[object, ...], float] = {}
        self._classes: dict[tuple[str, str], tuple[Factors, Band]] = {}

    def index(self, kind: int, rep: Deployment, gpu: GpuSpec) -> int:
        """The row of `gpu` for deployments of one kind (engine family, tp, model width
        and compute precision: what the row depends on besides the GPU)."""
        key = (kind, id(gpu))
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = len(self.values)
            self.values.append(self._row(rep, gpu))
        return row

    def _row(self, rep: Deployment, gpu: GpuSpec) -> tuple[float, ...]:
        family = rep.engine.family
        # work.peak_tflops reads the GPU, the format's compute precision and the family.
        pkey = (id(gpu), rep.quant.compute_precision, family == "llama.cpp")
        peak = self._peaks.get(pkey)
        if peak is None:
            on_gpu = rep if rep.gpu is gpu else rep.model_copy(update={"gpu": gpu})
            peak = self._peaks[pkey] = peak_tflops(on_gpu)
        cls = hardware_class(gpu)
        fb = self._classes.get((family, cls))
        if fb is None:
            fb = self._classes[(family, cls)] = (
                self.table.lookup(family, cls)[0],
                self.table.band(family, "throughput", cls),
            )
        f, band = fb
        link_gbps, latency = link_gbps_per_direction(gpu)
        tp = rep.tp
        # work._static's communication terms
        per_token = (
            2 * (tp - 1) / tp * rep.model.hidden_size * ACT_BYTES / (link_gbps * 1e9)
            if tp > 1
            else 0.0
        )
        return (
            gpu.bandwidth_gbps,
            peak,
            per_token,
            latency if tp > 1 else 0.0,
            f.bandwidth,
            f.compute,
            f.prefill_compute,
            f.step_overhead_us_per_layer,
            f.attention_penalty,
            f.interconnect,
            f.dequant_penalty,
            band.p10,
            band.p90,
            gpu.memory_gib,
            gpu.usable_memory_fraction,
        )
