"""What importing a model produces, and the checks every importer (config.json, model
folder, GGUF header) shares: bounded dimensions, one-line errors, ids for custom models."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

from planner.catalog.params import count_params
from planner.catalog.schema import AttentionKind, MLASpec, ModelSpec


class ModelImportError(ValueError):
    """A model config or weights file cannot be imported; the message says why, in one line."""


class ImportedModel(BaseModel):
    """A user-imported model: the spec plus what the weights files told us."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    spec: ModelSpec
    quant_hint: str | None = None
    file_bytes: int | None = None
    bits_per_weight: float | None = None
    notes: tuple[str, ...] = ()


# Sanity bounds for imported dimensions: a hostile or corrupt file must not produce a spec
# whose per-layer loops elsewhere would never end.
PLAUSIBLE_MAX: Final[dict[str, int]] = {
    "num_layers": 4096,
    "hidden_size": 1 << 18,
    "num_attention_heads": 1 << 14,
    "num_kv_heads": 1 << 14,
    "head_dim": 1 << 14,
    "intermediate_size": 1 << 22,
    "vocab_size": 1 << 24,
    "max_context": 1 << 31,
    "num_routed_experts": 1 << 16,
    "num_shared_experts": 1 << 10,
    "experts_per_token": 1 << 16,
    "moe_intermediate_size": 1 << 22,
    "shared_expert_intermediate_size": 1 << 22,
    "moe_first_dense_layers": 4096,
    "moe_layer_step": 4096,
    "sliding_window": 1 << 31,
    "attention_chunk_size": 1 << 31,
}


def one_line(value: object, limit: int = 160) -> str:
    """Text for a one-line error message: first pydantic error, no control characters."""
    if isinstance(value, ValidationError) and value.errors():
        first = value.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "model"
        value = f"{loc}: {first['msg']}"
    text = " ".join(str(value).split())
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text[:limit] + ("..." if len(text) > limit else "")


def slugify(name: str) -> str:
    """Lowercase, keep [a-z0-9._-], collapse the rest into single dashes."""
    s = re.sub(r"[^a-z0-9._-]+", "-", name.lower())
    s = re.sub(r"-{2,}", "-", s).strip("-._")
    return s[:80].rstrip("-._") or "model"


def custom_id(name: str) -> str:
    """The catalog id of a user-imported model: ``custom-`` + slug of its name."""
    return "custom-" + slugify(name)


def compress_pattern(kinds: Sequence[AttentionKind]) -> tuple[AttentionKind, ...]:
    """The shortest prefix that, repeated cyclically, reproduces ``kinds`` (KMP period)."""
    n = len(kinds)
    if n == 0:
        return ("full",)
    fail = [0] * n
    k = 0
    for i in range(1, n):
        while k and kinds[i] != kinds[k]:
            k = fail[k - 1]
        if kinds[i] == kinds[k]:
            k += 1
        fail[i] = k
    return tuple(kinds[: n - fail[-1]])


def periodic_pattern(kind: AttentionKind, every: int) -> list[AttentionKind]:
    """``every - 1`` layers of ``kind``, then one full layer (Gemma 3, Llama 4 layouts)."""
    return [kind if (i + 1) % every else "full" for i in range(max(every, 1))]


def build_spec(fields: dict[str, Any], what: str) -> ModelSpec:
    """Check imported dimensions for plausibility, then validate into a ``ModelSpec``."""
    for key, bound in PLAUSIBLE_MAX.items():
        value = fields.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > bound:
            raise ModelImportError(f"{what}: implausible {key} {value} (limit {bound})")
    mla = fields.get("mla")
    if isinstance(mla, MLASpec) and max(mla.model_dump(exclude_none=True).values()) > 1 << 16:
        raise ModelImportError(f"{what}: implausible MLA ranks {mla.model_dump()}")
    counted = "total_params_b" not in fields
    if counted:
        # Placeholders until the dimensions are validated and counted.
        fields = {**fields, "total_params_b": 1.0, "active_params_b": 1.0}
    if fields["total_params_b"] <= 0:
        raise ModelImportError(f"{what}: no parameters")
    try:
        spec = ModelSpec(**fields)
    except (TypeError, ValueError) as exc:
        raise ModelImportError(f"{what}: {one_line(exc)}") from None
    if counted:
        total, active = count_params(spec)
        spec = spec.model_copy(
            update={"total_params_b": total / 1e9, "active_params_b": active / 1e9}
        )
    return spec
