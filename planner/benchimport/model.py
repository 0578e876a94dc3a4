"""What an imported benchmark file holds: rows of measured numbers and the setup it states."""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Metric = Literal[
    "prefill_tokens_per_s",
    "decode_tokens_per_s",
    "output_tokens_per_s_total",
    "ttft_ms",
    "tpot_ms",
]

EXPECTED = (
    "expected llama-bench, llama-batched-bench, vLLM, SGLang, trtllm-bench, "
    "GenAI-Perf/AIPerf, Ollama or MLX-LM output"
)
RAW_MAX = 240


class BenchImportError(ValueError):
    """A benchmark file that cannot be imported; the message is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class BenchRow(BaseModel):
    """One measured number, the load it was measured at, and the setup the file states.

    Setup fields are strings as the file writes them (None where the file does not say);
    `resolve_rows` turns them into catalog entries.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: Metric
    value: float = Field(gt=0, allow_inf_nan=False)
    batch: int | None = Field(default=None, ge=1, description="Sequences in flight")
    saturated: bool = Field(
        default=False,
        description="Offline run that kept the engine full: the batch is the most that fit",
    )
    input_len: int | None = Field(default=None, ge=0, description="Prompt tokens per request")
    output_len: int | None = Field(default=None, ge=0, description="Output tokens per request")
    context_len: int | None = Field(
        default=None, ge=0, description="Tokens already in the KV cache (llama-bench depth)"
    )
    model: str | None = None
    quant: str | None = None
    kv_quant: str | None = None
    gpu: str | None = None
    gpu_count: int | None = Field(default=None, ge=1)
    engine: str | None = None
    tp: int | None = Field(default=None, ge=1)
    pp: int | None = Field(default=None, ge=1)
    ep: int | None = Field(default=None, ge=1)
    gpu_layers: int | None = Field(default=None, ge=0, description="llama.cpp -ngl")
    batched_tokens: int | None = Field(default=None, ge=1, description="llama.cpp -ub")
    suspect: bool = False
    notes: tuple[str, ...] = ()
    raw: str = ""


class ImportedRun(BaseModel):
    """Everything usable in one benchmark file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tool: str
    format: str
    source_name: str
    rows: tuple[BenchRow, ...]
    notes: tuple[str, ...] = ()


def short(text: str, limit: int = RAW_MAX) -> str:
    t = " ".join(text.split())
    return t if len(t) <= limit else t[: limit - 3] + "..."


def make_row(skipped: list[str], where: str, /, **fields: object) -> BenchRow | None:
    """A validated row, or None with the reason added to `skipped`."""
    value = fields.get("value")
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        skipped.append(f"{where}: value {value!r} is not a positive number; skipped")
        return None
    if isinstance(fields.get("raw"), str):
        fields["raw"] = short(str(fields["raw"]))
    try:
        return BenchRow.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        skipped.append(f"{where}: {loc} {err['msg']}; skipped")
        return None


def finish(
    tool: str,
    fmt: str,
    name: str,
    rows: list[BenchRow],
    notes: list[str],
    why_empty: str = "",
) -> ImportedRun:
    """The run, or a one-line error naming the format when nothing usable was found."""
    if not rows:
        reason = why_empty or (notes[0] if notes else "it holds no measurements")
        raise BenchImportError(f"{name}: {fmt}: no usable numbers: {reason}")
    return ImportedRun(
        tool=tool, format=fmt, source_name=name, rows=tuple(rows), notes=tuple(notes[:200])
    )


# ---- small readers shared by the parsers -------------------------------------------------

_NUM = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$")


def num(text: object) -> float | None:
    """A finite number from a JSON value or a printed cell ('1,915.41', '7.2E+3'); else None."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        try:
            v = float(text)
        except OverflowError:
            return None
        return v if math.isfinite(v) else None
    if not isinstance(text, str):
        return None
    t = text.strip()
    if not t or len(t) > 40 or not _NUM.match(t) or not any(c.isdigit() for c in t):
        return None
    try:
        v = float(t.replace(",", ""))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def whole(value: object) -> int | None:
    """A non-negative whole number (rounded) or None."""
    v = num(value)
    if v is None or v < 0 or v > 1e12:
        return None
    return round(v)


def small_int(text: str | None) -> int | None:
    """A whole number written with at most 12 digits (longer ones are not counts); else None."""
    if text is None:
        return None
    t = text.strip()
    digits = t[1:] if t[:1] in "+-" else t
    return int(t) if digits.isdigit() and len(digits) <= 12 else None


def text_of(value: object) -> str | None:
    """A non-empty string value or None."""
    if isinstance(value, str) and value.strip() and value.strip().lower() not in ("none", "null"):
        return value.strip()[:300]
    return None


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")


def clean_text(text: str) -> str:
    """Text without terminal escapes and carriage returns."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


_MODEL_ARG = re.compile(r"--model(?:-path)?(?:=|\s+)['\"]?([^\s'\"]+)")
_GGUF = re.compile(r"(?<![^\s\"'`|()\[\]<>=])([^\s\"'`|()\[\]<>=]+\.gguf)\b", re.IGNORECASE)


def model_from_command(line: str) -> str | None:
    m = _MODEL_ARG.search(line)
    return m.group(1) if m else None


def gguf_mention(line: str) -> str | None:
    if ".gguf" not in line.lower():
        return None
    m = _GGUF.search(line)
    return m.group(1) if m else None
