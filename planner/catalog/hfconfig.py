"""Custom models from a Hugging Face ``config.json``.

``model_from_hf_config`` turns a config dict into a ``ModelSpec`` with ``custom=True`` that the
estimators treat exactly like a catalog entry. Values the config leaves out and that come from
the transformers defaults are listed in ``assumptions``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from planner.catalog.imported import (
    PLAUSIBLE_MAX,
    ModelImportError,
    build_spec,
    compress_pattern,
    custom_id,
    one_line,
    periodic_pattern,
)
from planner.catalog.schema import AttentionKind, MLASpec, ModelSpec


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ENCODER_DECODER: Final = _words(
    "t5 mt5 umt5 longt5 bart mbart marian pegasus pegasus_x whisper led blenderbot "
    "blenderbot-small m2m_100 nllb-moe switch_transformers seamless_m4t seamless_m4t_v2 "
    "speecht5 encoder-decoder prophetnet fsmt plbart bigbird_pegasus"
)
_ENCODER_ONLY: Final = _words(
    "bert roberta xlm-roberta deberta deberta-v2 distilbert electra albert modernbert "
    "camembert mpnet"
)
_VISION_ONLY: Final = _words(
    "vit clip clip_vision_model siglip siglip_vision_model siglip2_vision_model dinov2 "
    "convnext convnextv2 resnet swin swinv2 deit beit sam yolos detr mobilevit pixtral"
)

_FAMILY: Final[dict[str, str]] = {
    "llama": "Llama",
    "mistral": "Mistral",
    "mixtral": "Mixtral",
    "qwen2": "Qwen2",
    "qwen3": "Qwen3",
    "qwen2_moe": "Qwen2 MoE",
    "qwen3_moe": "Qwen3 MoE",
    "gemma": "Gemma",
    "gemma2": "Gemma 2",
    "gemma3": "Gemma 3",
    "llama4": "Llama 4",
    "deepseek_v2": "DeepSeek V2",
    "deepseek_v3": "DeepSeek V3",
    "gpt_oss": "gpt-oss",
    "phi3": "Phi-3",
    "phimoe": "Phi-3.5 MoE",
}

# transformers config defaults for keys that published configs sometimes leave out.
_TYPE_DEFAULTS: Final[dict[str, dict[str, Any]]] = {
    "gemma": {"vocab_size": 256000, "max_position_embeddings": 8192, "head_dim": 256},
    "gemma2": {
        "vocab_size": 256000,
        "max_position_embeddings": 8192,
        "head_dim": 256,
        "sliding_window": 4096,
    },
    "gemma3": {
        "vocab_size": 262208,
        "max_position_embeddings": 131072,
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "head_dim": 256,
        "sliding_window": 4096,
    },
    "llama4": {
        "vocab_size": 202048,
        "max_position_embeddings": 131072,
        "head_dim": 128,
        "intermediate_size_mlp": 16384,
        "num_local_experts": 16,
        "num_experts_per_tok": 1,
    },
}
_TIED_BY_DEFAULT: Final = frozenset({"gemma", "gemma2", "gemma3"})
_QKV_BIAS_BY_DEFAULT: Final = frozenset({"qwen2", "qwen2_moe", "gpt_oss"})
_LAYER_TYPES: Final[dict[str, AttentionKind]] = {
    "full_attention": "full",
    "global_attention": "full",
    "attention": "full",
    "full": "full",
    "sliding_attention": "sliding",
    "local_attention": "sliding",
    "sliding": "sliding",
    "chunked_attention": "chunked",
    "chunked": "chunked",
}
_REPO_RE: Final = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


# ---------------------------------------------------------------------------------------------
# config.json


class _Cfg:
    """Typed reads from a config dict with per-model-type defaults that are recorded."""

    def __init__(self, cfg: Mapping[str, Any], kind: str, assumptions: dict[str, str]) -> None:
        self.cfg = cfg
        self.kind = kind
        self.defaults = _TYPE_DEFAULTS.get(kind, {})
        self.assumptions = assumptions

    def int_or_none(self, *keys: str, field: str | None = None) -> int | None:
        """The first key that is present and not null; a type default when none is."""
        for key in keys:
            if self.cfg.get(key) is not None:
                return _as_int(self.cfg[key], key)
        if keys and keys[0] not in self.cfg and keys[0] in self.defaults:
            value = self.defaults[keys[0]]
            self.assumptions[field or keys[0]] = (
                f"{keys[0]} not in config.json; transformers default for {self.kind}: {value}"
            )
            return int(value)
        return None

    def need(self, *keys: str, field: str | None = None) -> int:
        value = self.int_or_none(*keys, field=field)
        if value is None:
            raise ModelImportError(
                f"unsupported config ({one_line(self.kind or 'no model_type', 40)}): no {keys[0]}"
            )
        return value


def _as_int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelImportError(f"config.json: {key} must be a number, got {value!r:.40}")
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise ModelImportError(f"config.json: {key} is not finite")
    if isinstance(value, float) and not value.is_integer():
        raise ModelImportError(f"config.json: {key} must be a whole number, got {value}")
    return int(value)


def _text_config(config: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    top_type = str(config.get("model_type") or "").lower()
    if "hidden_size" not in config:
        for key in ("text_config", "llm_config", "language_config"):
            sub = config.get(key)
            if isinstance(sub, Mapping):
                merged = dict(sub)
                for inherit in ("tie_word_embeddings", "torch_dtype", "quantization_config"):
                    if inherit not in merged and inherit in config:
                        merged[inherit] = config[inherit]
                sub_type = str(sub.get("model_type") or top_type).lower()
                return merged, sub_type
    return config, top_type


def _normalise_kind(model_type: str) -> str:
    kind = model_type.removesuffix("_text")
    return "deepseek_v3" if kind == "deepseek_v32" else kind


def _reject_unsupported(config: Mapping[str, Any], model_type: str) -> None:
    archs = config.get("architectures")
    arch_names = [a for a in archs if isinstance(a, str)] if isinstance(archs, list) else []
    if config.get("is_encoder_decoder") is True or model_type in _ENCODER_DECODER:
        raise ModelImportError(
            f"encoder-decoder model ({one_line(model_type or 'is_encoder_decoder', 40)}) "
            "is not supported: "
            "only decoder-only language models can be imported"
        )
    if model_type in _ENCODER_ONLY:
        raise ModelImportError(f"encoder-only model ({model_type}) is not supported")
    if model_type in _VISION_ONLY or (
        arch_names
        and all(
            re.search(r"(ImageClassification|VisionModel|ForImage|Detection)", a)
            for a in arch_names
        )
    ):
        raise ModelImportError(
            f"vision-only model ({one_line(model_type or arch_names[0], 40)}) is not supported: "
            "no language model in config.json"
        )


def model_from_hf_config(
    config: Mapping[str, Any], *, name: str | None = None, source: str
) -> ModelSpec:
    """A custom ``ModelSpec`` from a Hugging Face ``config.json`` dict.

    Raises ``ModelImportError`` (a ``ValueError``) naming what is missing or unsupported,
    and nothing else.
    """
    try:
        return _from_hf_config(config, name=name, source=source)
    except ModelImportError:
        raise
    except (ValueError, TypeError, ArithmeticError, LookupError, MemoryError) as exc:
        raise ModelImportError(f"config.json cannot be imported: {one_line(exc)}") from None


def _from_hf_config(config: Mapping[str, Any], *, name: str | None, source: str) -> ModelSpec:
    if not isinstance(config, Mapping):
        raise ModelImportError("config.json must hold a JSON object")
    top_type = str(config.get("model_type") or "").lower()
    _reject_unsupported(config, top_type)
    text, sub_type = _text_config(config)
    kind = _normalise_kind(sub_type or top_type)
    _reject_unsupported(text, kind)
    assumptions: dict[str, str] = {}
    c = _Cfg(text, kind, assumptions)

    hidden = c.need("hidden_size", "n_embd", "d_model")
    layers = c.need("num_hidden_layers", "n_layer", "num_layers", "n_layers", field="num_layers")
    heads = c.need("num_attention_heads", "n_head", "num_heads", "n_heads")
    kv_heads = c.int_or_none(
        "num_key_value_heads", "num_kv_heads", "n_head_kv", field="num_kv_heads"
    )
    if kv_heads is None:
        kv_heads = 1 if text.get("multi_query") is True else heads
    vocab = c.need("vocab_size", "padded_vocab_size", "n_vocab")
    max_context = c.need(
        "max_position_embeddings",
        "n_positions",
        "max_sequence_length",
        "seq_length",
        field="max_context",
    )
    if heads <= 0 or hidden <= 0:
        raise ModelImportError("config.json: hidden_size and num_attention_heads must be > 0")

    fields: dict[str, Any] = {
        "hidden_size": hidden,
        "num_layers": layers,
        "num_attention_heads": heads,
        "num_kv_heads": kv_heads,
        "vocab_size": vocab,
        "max_context": max_context,
    }

    # Attention: MLA (DeepSeek-style) or regular multi-head / grouped-query.
    pattern: tuple[AttentionKind, ...]
    if text.get("kv_lora_rank") is not None:
        ranks = {
            k: c.need(k)
            for k in ("kv_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim")
        }
        q_lora = c.int_or_none("q_lora_rank") or None
        if min(ranks.values()) <= 0 or (q_lora is not None and q_lora <= 0):
            raise ModelImportError("config.json: MLA ranks must be positive integers")
        mla = MLASpec(**ranks, q_lora_rank=q_lora)
        fields["mla"] = mla
        fields["head_dim"] = mla.qk_nope_head_dim + mla.qk_rope_head_dim
        pattern = ("mla",)
    else:
        head_dim = c.int_or_none("head_dim")
        if head_dim is None:
            head_dim = hidden // heads
            if hidden % heads:
                assumptions["head_dim"] = f"no head_dim; hidden/heads rounded down to {head_dim}"
        fields["head_dim"] = head_dim
        pattern = _attention_pattern(c, fields, layers, max_context)

    fields["attention_pattern"] = pattern
    fields["qkv_bias"] = _flag(
        text, ("attention_bias", "qkv_bias", "bias"), kind in _QKV_BIAS_BY_DEFAULT
    )
    tie = text.get("tie_word_embeddings")
    if not isinstance(tie, bool):
        tie = kind in _TIED_BY_DEFAULT
        if kind in _TIED_BY_DEFAULT:
            assumptions["tie_word_embeddings"] = f"not in config.json; {kind} ties by default"
    fields["tie_word_embeddings"] = tie

    _moe_fields(c, fields, layers)

    display = name or _default_name(config, kind)
    fields.update(
        id=custom_id(display),
        name=display,
        family=_FAMILY.get(kind, kind or "custom"),
        source=source if len(source) >= 3 else f"{source} (imported)",
        assumptions=assumptions,
        custom=True,
        native_quant=quant_hint_from_config(config) or _dtype_hint(text),
    )
    repo = config.get("_name_or_path")
    if isinstance(repo, str) and _REPO_RE.match(repo) and not repo.startswith((".", "/")):
        fields["hf_repo"] = repo
    assumptions["total_params_b"] = (
        "computed from the config dimensions (planner.catalog.params.count_params)"
    )
    return build_spec(fields, "config.json")


def _flag(cfg: Mapping[str, Any], keys: Sequence[str], default: bool) -> bool:
    for key in keys:
        if isinstance(cfg.get(key), bool):
            return bool(cfg[key])
    return default


def _default_name(config: Mapping[str, Any], kind: str) -> str:
    path = config.get("_name_or_path")
    if isinstance(path, str) and path.strip():
        return path.rstrip("/").split("/")[-1][:120]
    archs = config.get("architectures")
    if isinstance(archs, list) and archs and isinstance(archs[0], str):
        return archs[0][:120]
    return kind or "custom model"


def _dtype_hint(cfg: Mapping[str, Any]) -> str | None:
    dtype = cfg.get("torch_dtype") or cfg.get("dtype")
    return {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32"}.get(str(dtype))


def _attention_pattern(
    c: _Cfg, fields: dict[str, Any], layers: int, max_context: int
) -> tuple[AttentionKind, ...]:
    text, kind = c.cfg, c.kind
    window = c.int_or_none("sliding_window") if kind in ("gemma2", "gemma3") else None
    if window is None and text.get("sliding_window") is not None:
        window = _as_int(text["sliding_window"], "sliding_window")
    kinds: list[AttentionKind]
    layer_types = text.get("layer_types")
    if isinstance(layer_types, list) and layer_types:
        kinds = []
        for t in layer_types:
            if not isinstance(t, str) or t not in _LAYER_TYPES:
                raise ModelImportError(f"config.json: unsupported layer type {t!r:.40}")
            kinds.append(_LAYER_TYPES[t])
        if len(kinds) != layers:
            c.assumptions["attention_pattern"] = (
                f"layer_types lists {len(kinds)} layers, config has {layers}; repeated cyclically"
            )
    elif kind == "llama4":
        chunk = c.int_or_none("attention_chunk_size")
        if chunk is None and "attention_chunk_size" not in text:
            chunk = 8192
            c.assumptions["attention_chunk_size"] = "not in config.json; transformers default 8192"
        if chunk is None:
            return ("full",)
        fields["attention_chunk_size"] = chunk
        no_rope = text.get("no_rope_layers")
        if isinstance(no_rope, list) and no_rope:
            kinds = ["chunked" if v else "full" for v in no_rope]
        else:
            interval = _bounded(
                c.int_or_none("no_rope_layer_interval") or 4, "no_rope_layer_interval"
            )
            kinds = periodic_pattern("chunked", interval)
        return compress_pattern(kinds)
    elif kind == "gemma2":
        kinds = ["sliding", "full"]
    elif kind == "gemma3":
        every = _bounded(c.int_or_none("sliding_window_pattern") or 6, "sliding_window_pattern")
        kinds = periodic_pattern("sliding", every)
    elif "use_sliding_window" in text or kind in ("qwen2", "qwen2_moe", "qwen3", "qwen3_moe"):
        if text.get("use_sliding_window") is not True or window is None:
            return ("full",)
        first_full = c.int_or_none("max_window_layers") or 0
        kinds = ["full" if i < first_full else "sliding" for i in range(min(layers, 4096))]
    elif window is not None:
        kinds = ["sliding"]
    else:
        return ("full",)
    pattern = compress_pattern(kinds)
    if "sliding" in pattern:
        if window is None or window <= 0:
            raise ModelImportError("config.json: sliding layers but no sliding_window")
        if window >= max_context:
            c.assumptions["attention_pattern"] = (
                f"sliding_window {window} >= context {max_context}: treated as full attention"
            )
            pattern = compress_pattern(["full" if k == "sliding" else k for k in pattern])
        else:
            fields["sliding_window"] = window
    return pattern


def _bounded(value: int, key: str) -> int:
    if not 0 < value <= PLAUSIBLE_MAX["num_layers"]:
        raise ModelImportError(f"config.json: implausible {key} {value}")
    return value


def _moe_fields(c: _Cfg, fields: dict[str, Any], layers: int) -> None:
    text, kind = c.cfg, c.kind
    dense_i = c.int_or_none(
        "intermediate_size", "n_inner", "ffn_hidden_size", "ffn_dim", field="intermediate_size"
    )
    experts = 0
    shared = 0
    i_moe: int | None = None
    i_shared: int | None = None
    first_dense = 0
    step = 1
    if (c.int_or_none("n_routed_experts") or 0) > 0:  # DeepSeek V2/V3, Kimi K2
        experts = c.need("n_routed_experts")
        shared = c.int_or_none("n_shared_experts") or 0
        i_moe = c.need("moe_intermediate_size")
        first_dense = c.int_or_none("first_k_dense_replace") or 0
        step = c.int_or_none("moe_layer_freq") or 1
        if step > 1:
            c.assumptions["moe_layer_step"] = (
                f"moe_layer_freq {step} (layer i % freq == 0) mapped to the (i+1) % step rule"
            )
    elif kind == "llama4":
        experts = c.need("num_local_experts")
        shared = 1
        i_moe = c.need("intermediate_size")
        i_shared = i_moe
        dense_i = c.need("intermediate_size_mlp")
        step = c.int_or_none("interleave_moe_layer_step") or 1
        moe_layers = text.get("moe_layers")
        if isinstance(moe_layers, list) and moe_layers and 0 < layers <= 4096:
            expect = [i for i in range(layers) if (i + 1) % step == 0]
            if sorted(x for x in moe_layers if isinstance(x, int)) != expect:
                c.assumptions["moe_layer_step"] = (
                    f"moe_layers list does not follow step {step}; step kept"
                )
    elif (c.int_or_none("num_local_experts") or 0) > 0:  # Mixtral, PhiMoE, gpt-oss
        experts = c.need("num_local_experts")
        i_moe = c.int_or_none("moe_intermediate_size") or dense_i
    elif (c.int_or_none("num_experts") or 0) > 0:  # Qwen2/Qwen3 MoE
        experts = c.need("num_experts")
        i_moe = c.int_or_none("moe_intermediate_size") or dense_i
        step = c.int_or_none("decoder_sparse_step") or 1
        i_shared = c.int_or_none("shared_expert_intermediate_size") or None
        shared = 1 if i_shared else 0
        mlp_only = text.get("mlp_only_layers")
        if isinstance(mlp_only, list) and mlp_only:
            prefix = sorted(x for x in mlp_only if isinstance(x, int))
            if prefix == list(range(len(prefix))):
                first_dense = len(prefix)
            else:
                c.assumptions["moe_first_dense_layers"] = (
                    f"mlp_only_layers {prefix[:8]} is not a leading block; treated as MoE"
                )
    if dense_i is None:
        if experts == 0:
            raise ModelImportError(
                f"unsupported config ({one_line(kind or 'no model_type', 40)}): "
                "no intermediate_size"
            )
        dense_i = 0
    if experts > 0:
        k = c.int_or_none("num_experts_per_tok", "experts_per_token", "moe_topk")
        if k is None:
            raise ModelImportError("config.json: MoE model without num_experts_per_tok")
        if i_moe is None:
            raise ModelImportError("config.json: MoE model without moe_intermediate_size")
        fields.update(
            num_routed_experts=experts,
            num_shared_experts=shared,
            experts_per_token=k,
            moe_intermediate_size=i_moe,
            moe_first_dense_layers=first_dense,
            moe_layer_step=max(step, 1),
        )
        if i_shared and i_shared != i_moe:
            fields["shared_expert_intermediate_size"] = i_shared
    # As in the bundled catalog, intermediate_size keeps the config's value even when every
    # layer is MoE; the estimators only apply it to dense layers.
    fields["intermediate_size"] = dense_i


# ---------------------------------------------------------------------------------------------
# quantization_config


def quant_hint_from_config(config: Mapping[str, Any]) -> str | None:
    """A short quantization hint ("awq-int4", "gptq-int4", "fp8", "mxfp4", ...) or None."""
    q = config.get("quantization_config") or config.get("compression_config")
    if not isinstance(q, Mapping):
        text = config.get("text_config")
        if isinstance(text, Mapping) and isinstance(text.get("quantization_config"), Mapping):
            q = text["quantization_config"]
        else:
            return None
    method = str(q.get("quant_method") or q.get("quant_algo") or "").lower().replace("_", "-")
    bits = q.get("bits") if isinstance(q.get("bits"), int) else None
    if method in ("awq", "gptq", "autoround", "auto-round", "hqq", "eetq", "quanto"):
        return f"{method.replace('auto-round', 'autoround')}-int{bits or 4}"
    if method in ("fp8", "fbgemm-fp8", "fp8-block"):
        return "fp8"
    if method in ("mxfp4", "nvfp4", "bitnet"):
        return method
    if method == "bitsandbytes":
        if q.get("load_in_8bit") is True:
            return "bnb-int8"
        return f"bnb-{str(q.get('bnb_4bit_quant_type') or 'nf4').lower()}"
    if method in ("compressed-tensors", "modelopt"):
        return _compressed_tensors_hint(q) or method
    return method or None


def _compressed_tensors_hint(q: Mapping[str, Any]) -> str | None:
    fmt = str(q.get("format") or q.get("quant_algo") or "").lower()
    if "nvfp4" in fmt:
        return "nvfp4"
    if fmt in ("fp8",):
        return "fp8"
    groups = q.get("config_groups")
    if isinstance(groups, Mapping):
        for group in groups.values():
            weights = group.get("weights") if isinstance(group, Mapping) else None
            if isinstance(weights, Mapping):
                bits = weights.get("num_bits")
                wtype = str(weights.get("type") or "int").lower()
                if wtype == "float" and bits == 8:
                    return "fp8"
                if wtype == "float" and bits == 4:
                    return "nvfp4" if weights.get("group_size") == 16 else "fp4"
                if isinstance(bits, int):
                    return f"int{bits}"
    return None
