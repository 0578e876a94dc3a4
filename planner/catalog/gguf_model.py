"""A custom model from a GGUF file's header: ``model_from_gguf`` maps the metadata to a
``ModelSpec`` and counts parameters and bytes exactly from the tensor shapes and types."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Final

from gguf.constants import (
    Keys,
    LlamaFileType,
)

from planner.catalog.gguf_header import (
    ArraySummary,
    GGUFHeader,
    GGUFLimits,
    KVValue,
    _clean,
    read_gguf_header,
)
from planner.catalog.imported import (
    PLAUSIBLE_MAX,
    ImportedModel,
    ModelImportError,
    build_spec,
    compress_pattern,
    custom_id,
    one_line,
    periodic_pattern,
)
from planner.catalog.schema import AttentionKind, MLASpec

_NOT_LLM: Final[dict[str, str]] = {
    "clip": "a vision projector (mmproj), not a language model",
    "bert": "an encoder-only model",
    "nomic-bert": "an encoder-only model",
    "nomic-bert-moe": "an encoder-only model",
    "jina-bert-v2": "an encoder-only model",
    "modern-bert": "an encoder-only model",
    "t5": "an encoder-decoder model",
    "t5encoder": "an encoder-only model",
    "wavtokenizer-dec": "an audio decoder",
}
# llama.cpp's fixed layer patterns (sliding layers, then a full one).
_FIXED_PATTERNS: Final[dict[str, tuple[AttentionKind, ...]]] = {
    "gemma2": ("sliding", "full"),
    "gpt-oss": ("sliding", "full"),
    "cohere2": ("sliding", "sliding", "sliding", "full"),
}
_SPLIT_RE: Final = re.compile(r"^(?P<stem>.+)-(?P<no>\d{5})-of-(?P<count>\d{5})\.gguf$")


def _as_int(v: KVValue | None) -> int | None:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    return None


class _Meta:
    def __init__(self, h: GGUFHeader, arch: str, notes: list[str]) -> None:
        self.h = h
        self.arch = arch
        self.notes = notes

    def get(self, suffix: str) -> int | None:
        key = f"{self.arch}.{suffix}"
        v = self.h.kv.get(key)
        if isinstance(v, tuple) and v and all(_as_int(x) is not None for x in v):
            ints = [int(x) for x in v if isinstance(x, int)]
            top = max(ints)
            if min(ints) != top:
                self.notes.append(f"{key} varies per layer ({min(ints)}..{top}); used {top}")
            return top
        return _as_int(v)

    def need(self, suffix: str) -> int:
        v = self.get(suffix)
        if v is None:
            raise ModelImportError(f"GGUF has no {_clean(self.arch)}.{suffix}")
        return v


def model_from_gguf(path: Path, *, limits: GGUFLimits | None = None) -> ImportedModel:
    """A custom model from a GGUF file, reading only its header (and its split siblings')."""
    path = Path(path)
    lim = limits or GGUFLimits()
    deadline = time.monotonic() + lim.deadline_s
    notes: list[str] = []
    h = read_gguf_header(path, lim, deadline=deadline)
    try:
        count = _as_int(h.kv.get(Keys.Split.LLM_KV_SPLIT_COUNT)) or 1
        exact = True
        if count > 1:
            h, exact = _merge_splits(path, h, count, lim, deadline, notes)
        return _imported(h, path, notes, exact)
    except ModelImportError:
        raise
    except (ValueError, TypeError, ArithmeticError, LookupError, MemoryError) as exc:
        raise ModelImportError(f"GGUF {path.name}: unusable metadata: {one_line(exc)}") from None


def _merge_splits(
    path: Path, h: GGUFHeader, count: int, lim: GGUFLimits, deadline: float, notes: list[str]
) -> tuple[GGUFHeader, bool]:
    m = _SPLIT_RE.match(path.name)
    if m is None or count > 10_000:
        notes.append(
            f"split GGUF ({count} parts) with an unexpected file name: "
            "parameters computed from the dimensions"
        )
        return h, False
    parts = [
        path.with_name(f"{m['stem']}-{i:05d}-of-{count:05d}.gguf") for i in range(1, count + 1)
    ]
    missing = [p.name for p in parts if not p.is_file()]
    if missing:
        notes.append(
            f"split GGUF: {len(missing)} of {count} parts missing "
            f"(e.g. {missing[0]}); parameters computed from the dimensions"
        )
        return h, False
    first = read_gguf_header(parts[0], lim, deadline=deadline) if parts[0] != path else h
    merged = first
    for part in parts[1:]:
        other = h if part == path else read_gguf_header(part, lim, deadline=deadline)
        merged.total_params += other.total_params
        merged.total_bytes += other.total_bytes
        for n_exp, elements in other.expert_params_by_count.items():
            by = merged.expert_params_by_count
            by[n_exp] = by.get(n_exp, 0) + elements
        merged.moe_blocks |= other.moe_blocks
        merged.has_tensor |= other.has_tensor
        merged.bytes_read += other.bytes_read
        for k, v in other.params_by_type.items():
            merged.params_by_type[k] = merged.params_by_type.get(k, 0) + v
        for name, dims in other.shapes.items():
            merged.shapes.setdefault(name, dims)
    notes.append(f"split GGUF: read the headers of all {count} parts")
    return merged, True


def _imported(h: GGUFHeader, path: Path, notes: list[str], exact: bool) -> ImportedModel:
    arch = h.kv.get(Keys.General.ARCHITECTURE)
    if not isinstance(arch, str) or not arch:
        raise ModelImportError("GGUF has no general.architecture")
    if arch in _NOT_LLM:
        raise ModelImportError(f"GGUF architecture '{arch}' is {_NOT_LLM[arch]}")
    meta = _Meta(h, arch, notes)
    fields = _dimension_fields(meta)
    name_v = h.kv.get(Keys.General.NAME)
    name = name_v if isinstance(name_v, str) and name_v.strip() else path.stem
    quant = _quant_hint(h, notes)
    basename = h.kv.get(Keys.General.BASENAME)
    licence = h.kv.get(Keys.General.LICENSE)
    fields.update(
        id=custom_id(name),
        name=name[:120],
        family=basename if isinstance(basename, str) and basename else arch,
        source=f"GGUF header of {path.name}",
        custom=True,
        native_quant=quant,
        license=licence if isinstance(licence, str) and licence else "unknown",
    )
    file_bytes: int | None = None
    bpw: float | None = None
    if exact and h.total_params > 0:
        fields["total_params_b"] = h.total_params / 1e9
        k = fields.get("experts_per_token") or 0
        inactive = sum(n * (e - k) // e for e, n in h.expert_params_by_count.items() if 0 < k <= e)
        active = h.total_params - inactive
        fields["active_params_b"] = max(active, 1) / 1e9
        file_bytes = h.total_bytes
        bpw = h.total_bytes * 8 / h.total_params
    else:
        fields.setdefault("assumptions", {})["total_params_b"] = "computed from the GGUF dimensions"
        if h.tensor_count == 0:
            notes.append("GGUF holds no tensors: parameters computed from the dimensions")
    spec = build_spec(fields, f"GGUF {path.name}")
    return ImportedModel(
        spec=spec, quant_hint=quant, file_bytes=file_bytes, bits_per_weight=bpw, notes=tuple(notes)
    )


def _dimension_fields(m: _Meta) -> dict[str, Any]:
    h = m.h
    layers = m.need("block_count")
    nextn = m.get("nextn_predict_layers") or 0
    if 0 < nextn < layers:
        layers -= nextn
        m.notes.append(f"{nextn} multi-token-prediction layer(s) not counted as decoder layers")
    hidden = m.need("embedding_length")
    heads = m.need("attention.head_count")
    kv_heads = m.get("attention.head_count_kv") or heads
    context = m.need("context_length")
    fields: dict[str, Any] = {
        "num_layers": layers,
        "hidden_size": hidden,
        "num_attention_heads": heads,
        "num_kv_heads": kv_heads,
        "max_context": context,
        "vocab_size": _vocab(m),
        "tie_word_embeddings": "output.weight" not in h.has_tensor,
        "qkv_bias": bool(h.has_tensor & {"blk.0.attn_q.bias", "blk.0.attn_qkv.bias"}),
    }
    kv_lora = m.get("attention.kv_lora_rank")
    if kv_lora:
        rope = m.need("rope.dimension_count")
        k_len = m.get("attention.key_length_mla") or m.need("attention.key_length")
        v_len = m.get("attention.value_length_mla") or m.need("attention.value_length")
        if k_len <= rope:
            raise ModelImportError(f"GGUF MLA key length {k_len} <= rope dimensions {rope}")
        fields["mla"] = MLASpec(
            kv_lora_rank=kv_lora,
            qk_rope_head_dim=rope,
            qk_nope_head_dim=k_len - rope,
            v_head_dim=v_len,
            q_lora_rank=m.get("attention.q_lora_rank") or None,
        )
        fields["head_dim"] = k_len
        fields["attention_pattern"] = ("mla",)
    else:
        fields["head_dim"] = m.get("attention.key_length") or (hidden // heads if heads else 0)
        _attention(m, fields, context)
    _experts(m, fields, layers)
    return fields


def _vocab(m: _Meta) -> int:
    emb = m.h.shapes.get("token_embd.weight")
    if emb is not None and len(emb) >= 2:
        return emb[1]
    tokens = m.h.kv.get(Keys.Tokenizer.LIST)
    if isinstance(tokens, ArraySummary):
        return tokens.count
    if isinstance(tokens, tuple):
        return len(tokens)
    return m.need("vocab_size")


def _attention(m: _Meta, fields: dict[str, Any], context: int) -> None:
    window = m.get("attention.sliding_window")
    pattern_v = m.h.kv.get(f"{m.arch}.attention.sliding_window_pattern")
    kinds: tuple[AttentionKind, ...] = ("full",)
    if m.arch == "llama4":
        fields["attention_chunk_size"] = 8192
        fields["assumptions"] = {
            "attention_chunk_size": "llama.cpp's fixed Llama 4 chunk (8192), not in the GGUF",
            "attention_pattern": "llama.cpp's fixed Llama 4 layout: 3 chunked + 1 full",
        }
        fields["attention_pattern"] = ("chunked", "chunked", "chunked", "full")
        return
    if window:
        if isinstance(pattern_v, tuple) and pattern_v and len(pattern_v) <= 4096:
            kinds = compress_pattern(["sliding" if x else "full" for x in pattern_v])
        elif 0 < (every := _as_int(pattern_v) or 0) <= 4096:
            kinds = compress_pattern(periodic_pattern("sliding", every))
        elif m.arch == "gemma3":
            kinds = ("sliding",) * 5 + ("full",)
        elif m.arch in _FIXED_PATTERNS:
            kinds = _FIXED_PATTERNS[m.arch]
        else:
            m.notes.append(
                f"sliding window {window} declared but the layer layout is unknown: "
                "treated as full attention (a safe over-estimate of KV memory)"
            )
    if "sliding" in kinds:
        if window is None or window >= context:
            kinds = compress_pattern(["full" if k == "sliding" else k for k in kinds])
        else:
            fields["sliding_window"] = window
    fields["attention_pattern"] = kinds


def _experts(m: _Meta, fields: dict[str, Any], layers: int) -> None:
    h = m.h
    ff = m.get("feed_forward_length") or 0
    experts = m.get("expert_count") or 0
    if experts <= 0:
        if ff <= 0:
            down = h.shapes.get("blk.N.ffn_down.weight")
            ff = down[0] if down else 0
        fields["intermediate_size"] = ff
        return
    k = m.need("expert_used_count")
    down = h.shapes.get("blk.N.ffn_down_exps.weight")
    i_moe = m.get("expert_feed_forward_length") or (down[0] if down else ff)
    shared = m.get("expert_shared_count") or 0
    i_shared = m.get("expert_shared_feed_forward_length")
    if not shared and (i_shared or "blk.N.ffn_down_shexp.weight" in h.shapes):
        shared = 1
    if shared and not i_shared:
        sh = h.shapes.get("blk.N.ffn_down_shexp.weight")
        if sh and shared == 1 and sh[0] != i_moe:
            i_shared = sh[0]
    first = max(m.get("leading_dense_block_count") or 0, 0)
    step = max(m.get("interleave_moe_layer_step") or 1, 1)
    first, step = _moe_layout(m, layers, first, step)
    fields.update(
        num_routed_experts=experts,
        num_shared_experts=shared,
        experts_per_token=k,
        moe_intermediate_size=i_moe or None,
        moe_first_dense_layers=first,
        moe_layer_step=step,
        intermediate_size=ff,  # like the catalog: kept even when every layer is MoE
    )
    if i_shared and i_shared != i_moe:
        fields["shared_expert_intermediate_size"] = i_shared


def _moe_layout(m: _Meta, layers: int, first: int, step: int) -> tuple[int, int]:
    """(first dense layers, step) that reproduce the blocks holding expert tensors."""
    blocks = sorted(b for b in m.h.moe_blocks if b < layers)
    if not blocks or not 0 < layers <= PLAUSIBLE_MAX["num_layers"]:
        return first, step

    def rule(f: int, s: int) -> list[int]:
        return [i for i in range(f, layers) if (i + 1) % s == 0]

    if blocks == rule(first, step):
        return first, step
    gap = blocks[1] - blocks[0] if len(blocks) > 1 else 1
    for f, s in ((blocks[0], 1), (0, gap), (blocks[0] - gap + 1, gap)):
        if f >= 0 and s >= 1 and blocks == rule(f, s):
            return f, s
    m.notes.append(
        f"MoE layers {blocks[:6]}... follow no simple rule; modelled as "
        f"{first} leading dense layers, then every {step}"
    )
    return first, step


def _quant_hint(h: GGUFHeader, notes: list[str]) -> str | None:
    ftype = _as_int(h.kv.get(Keys.General.FILE_TYPE))
    if ftype is not None:
        try:
            name = LlamaFileType(ftype & ~int(LlamaFileType.GUESSED)).name
        except ValueError:
            notes.append(f"unknown general.file_type {ftype}")
        else:
            return name.removeprefix("MOSTLY_").removeprefix("ALL_").lower()
    if h.params_by_type:
        top = max(h.params_by_type.items(), key=lambda kv: kv[1])[0]
        notes.append(f"no general.file_type; most weights are {top}")
        return top.lower()
    return None
