"""Model and weight-format names as benchmark tools print them, and how to read them."""

from __future__ import annotations

import re

# llama.cpp's names for file types (llama_model_ftype_name), as llama-bench prints them in
# the model column / model_type field: "qwen2 7B Q4_K - Medium", "llama 7B mostly Q4_0".
_FTYPE = re.compile(
    r"(?:^|\s)(?:mostly\s+)?(all F32|F32|F16|BF16|MXFP4(?: MoE)?|T?I?Q\d(?:_[A-Z0-9]+)*)"
    r"(?:\s*-\s*(Small|Medium|Large|XS|XXS|[\d.]+ bpw(?: ternary)?))?\s*$"
)
_SIZE_WORD = {"Small": "S", "Medium": "M", "Large": "L"}

_SPLIT = re.compile(r"-\d{5}-of-\d{5}$", re.IGNORECASE)
_GGUF_QUANT = re.compile(
    r"[-._](?:UD-)?(T?I?Q\d(?:_[A-Z0-9]+)*|BF16|F16|F32|FP16|MXFP4(?:_MOE)?)$", re.IGNORECASE
)
_HINTS = (
    (re.compile(r"(?:^|[-_.])awq(?:$|[-_.])", re.IGNORECASE), "AWQ"),
    (re.compile(r"(?:^|[-_.])gptq(?:$|[-_.])", re.IGNORECASE), "GPTQ"),
    (re.compile(r"(?:^|[-_.])nvfp4(?:$|[-_.])", re.IGNORECASE), "NVFP4"),
    (re.compile(r"(?:^|[-_.])mxfp4(?:$|[-_.])", re.IGNORECASE), "MXFP4"),
    (re.compile(r"(?:^|[-_.])fp8(?:$|[-_.])", re.IGNORECASE), "FP8"),
    (re.compile(r"(?:^|[-_.])bnb-4bit(?:$|[-_.])", re.IGNORECASE), "bnb-4bit"),
)
_BITS = re.compile(r"(?:^|[-_.])(\d)-?bit(?:$|[-_.])", re.IGNORECASE)
# Suffixes that name a format rather than the model, stripped before catalog lookup.
_FORMAT_SUFFIX = re.compile(
    r"([-_.](?:awq|gptq|fp8|fp8-dynamic|nvfp4|mxfp4|bnb|int4|int8|w4a16|w8a8|gguf|mlx"
    r"|\d-?bit|bf16|fp16|f16))+$",
    re.IGNORECASE,
)


def ftype_quant(model_type: str) -> str | None:
    """'qwen2 7B Q4_K - Medium' -> 'Q4_K_M'; 'llama 7B mostly Q4_0' -> 'Q4_0'."""
    m = _FTYPE.search(model_type.strip())
    if not m:
        return None
    base, size = m.group(1), m.group(2)
    if base == "all F32":
        return "F32"
    if base.startswith("MXFP4"):
        return "MXFP4"
    if size in _SIZE_WORD:
        # "Q2_K - Medium" is llama.cpp's plain Q2_K.
        return base if (base == "Q2_K" and size == "Medium") else f"{base}_{_SIZE_WORD[size]}"
    return base


def ftype_model(model_type: str) -> str:
    """'qwen2 7B Q4_K - Medium' -> 'qwen2 7B' (architecture and size as llama.cpp prints)."""
    m = _FTYPE.search(model_type.strip())
    return model_type[: m.start()].strip() if m else model_type.strip()


def file_stem(name: str) -> str:
    base = re.split(r"[\\/]", name.strip())[-1][-255:]
    if base.lower().endswith(".gguf"):
        base = base[:-5]
    return _SPLIT.sub("", base)


def gguf_quant(name: str) -> str | None:
    """The weight format a GGUF file name ends with: '...-Q4_K_M.gguf' -> 'Q4_K_M'."""
    m = _GGUF_QUANT.search(file_stem(name))
    return m.group(1).upper() if m else None


def quant_hint(name: str, mlx: bool = False) -> str | None:
    """A weight format the model name itself states (AWQ, GPTQ, FP8, MLX 4-bit, GGUF Q4_K_M)."""
    base = re.split(r"[\\/]", name.strip())[-1]
    if base.lower().endswith(".gguf"):
        return gguf_quant(base)
    for pattern, label in _HINTS:
        if pattern.search(base):
            return label
    m = _BITS.search(base)
    if m and mlx:
        return f"mlx-{m.group(1)}bit"
    return None


def model_candidates(name: str) -> list[str]:
    """Spellings to try in the catalog, most literal first.

    GGUF file names lose their directory, split-part and quant suffix; Ollama tags
    ('llama3.2:3b', 'llama3.1:8b-instruct-q4_K_M') become '<name> <size>'.
    """
    raw = name.strip()
    out = [raw]
    stem = file_stem(raw)
    stem = _GGUF_QUANT.sub("", stem)
    stem = _FORMAT_SUFFIX.sub("", stem)
    out.append(stem)
    if ":" in raw and "/" not in raw.split(":", 1)[1]:
        base, tag = raw.rsplit(":", 1)
        size = re.match(r"(\d+(?:\.\d+)?[bBmM])(?:$|-)", tag)
        if size:
            out += [f"{base}-{size.group(1)}", f"{base} {size.group(1)}"]
        out.append(base)
    seen: list[str] = []
    for c in out:
        if c and c not in seen:
            seen.append(c)
    return seen
