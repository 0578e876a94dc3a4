"""Ollama: `ollama run --verbose` timing blocks and the final object of /api/generate or
/api/chat (prompt_eval_count, prompt_eval_duration, eval_count, eval_duration in ns)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from planner.benchimport.model import (
    BenchRow,
    ImportedRun,
    finish,
    make_row,
    num,
    short,
    small_int,
    text_of,
    whole,
)
from planner.benchimport.names import quant_hint

TOOL = "ollama"
ENGINE = "ollama"
# A prompt rate this many times the generation rate is beyond what batch-1 prefill gains
# over decode on any current accelerator; older runners timed only the last prompt batch
# (ollama PR 12742), which produces exactly such values.
SUSPECT_RATIO = 500.0

_KEYS = (
    "prompt eval count",
    "prompt eval duration",
    "prompt eval rate",
    "total duration",
    "load duration",
    "eval count",
    "eval duration",
    "eval rate",
)
_LINE = re.compile(r"(" + "|".join(_KEYS) + r"):\s*(.+?)\s*$")
_DUR_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|µs|μs|us|ns)")
_DUR_SCALE = {
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 1e-3,
    "µs": 1e-6,
    "μs": 1e-6,
    "us": 1e-6,
    "ns": 1e-9,
}
_RUN = re.compile(r"\bollama\s+run\s+(?:--?\w+(?:=\S+)?\s+)*([^\s\"'-][^\s\"']*)")
_MODEL_NAME = re.compile(r"^\s*model(?:_name)?\s*[=:]\s*(\S+)\s*$", re.IGNORECASE)
_LAYERS = re.compile(r"GPU loaded layers:\s*(\d+)\s*/\s*(\d+)", re.IGNORECASE)
_LIBRARY = re.compile(r"llm library:\s*(\S+)", re.IGNORECASE)


def go_duration(text: str) -> float | None:
    """Seconds in a Go duration string: '2m27.98s', '891.933µs', '231.416ms'."""
    t = text.strip()
    pos, total = 0, 0.0
    for m in _DUR_PART.finditer(t):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _DUR_SCALE[m.group(2)]
        pos = m.end()
    return total if pos and pos == len(t) else None


def has_verbose(text: str) -> bool:
    return "eval rate:" in text or ("eval count:" in text and "eval duration:" in text)


def parse_verbose(text: str, name: str) -> ImportedRun:
    rows: list[BenchRow] = []
    notes: list[str] = []
    block: dict[str, str] = {}
    model: str | None = None
    extra: list[str] = []
    layers: int | None = None
    start = 0

    def flush() -> None:
        nonlocal block, extra, layers
        if block:
            rows.extend(_block_rows(block, model, layers, extra, f"block at line {start}", notes))
        block, extra, layers = {}, [], None

    for i, line in enumerate(text.splitlines(), start=1):
        m = _LINE.search(line)
        if m:
            key = m.group(1)
            if key in block or (key == "total duration" and block):
                flush()
            if not block:
                start = i
            block[key] = m.group(2)
            continue
        if (lm := _LAYERS.search(line)) is not None:
            layers = small_int(lm.group(1))
            continue
        if (lib := _LIBRARY.search(line)) is not None:
            extra.append(f"llm library {lib.group(1)}")
            continue
        if block and line.strip():
            flush()
        run = _RUN.search(line)
        if run:
            model = run.group(1)
            continue
        mn = _MODEL_NAME.match(line)
        if mn:
            model = mn.group(1)
    flush()
    return finish(TOOL, "Ollama verbose timings", name, rows, notes)


def _rate(count: int | None, seconds: float | None, printed: str | None) -> float | None:
    if count and seconds and seconds > 0:
        return count / seconds
    if printed:
        return num(printed.split()[0]) if printed.split() else None
    return None


def _block_rows(
    block: Mapping[str, str],
    model: str | None,
    gpu_layers: int | None,
    extra: list[str],
    where: str,
    notes: list[str],
) -> list[BenchRow]:
    p_count = whole((block.get("prompt eval count") or "").split(" ")[0])
    e_count = whole((block.get("eval count") or "").split(" ")[0])
    p_dur = go_duration(block.get("prompt eval duration", ""))
    e_dur = go_duration(block.get("eval duration", ""))
    prefill = _rate(p_count, p_dur, block.get("prompt eval rate"))
    decode = _rate(e_count, e_dur, block.get("eval rate"))
    raw = "; ".join(f"{k}: {v}" for k, v in block.items())
    return _rows(prefill, decode, p_count, e_count, model, gpu_layers, extra, where, raw, notes)


def _rows(
    prefill: float | None,
    decode: float | None,
    p_count: int | None,
    e_count: int | None,
    model: str | None,
    gpu_layers: int | None,
    extra: list[str],
    where: str,
    raw: str,
    notes: list[str],
) -> list[BenchRow]:
    base = ["batch 1: one interactive request", *extra]
    if model is None:
        base.append("the model is not named")
    suspect = bool(prefill and decode and prefill > SUSPECT_RATIO * decode)
    common: dict[str, object] = {
        "batch": 1,
        "model": model,
        "quant": _tag_quant(model),
        "engine": ENGINE,
        "gpu_layers": gpu_layers,
        "raw": short(raw),
    }
    rows: list[BenchRow] = []
    if prefill is not None and p_count:
        pre_notes = list(base)
        if suspect:
            pre_notes.append(
                f"prompt rate is over {SUSPECT_RATIO:g}x the generation rate: older Ollama "
                "runners timed only the last prompt batch; check this value"
            )
        r = make_row(
            notes,
            where,
            metric="prefill_tokens_per_s",
            value=prefill,
            input_len=p_count,
            output_len=0,
            suspect=suspect,
            notes=tuple(pre_notes),
            **common,
        )
        if r is not None:
            rows.append(r)
    if decode is not None and e_count:
        r = make_row(
            notes,
            where,
            metric="decode_tokens_per_s",
            value=decode,
            input_len=p_count or 0,
            output_len=e_count,
            notes=tuple(base),
            **common,
        )
        if r is not None:
            rows.append(r)
    if not rows:
        notes.append(f"{where}: no prompt or generation timings")
    return rows


def _tag_quant(model: str | None) -> str | None:
    """Ollama tags may name the format: 'llama3.1:8b-instruct-q4_K_M'."""
    if not model:
        return None
    tag = model.rsplit(":", 1)[1] if ":" in model else ""
    m = re.search(r"(?:^|-)((?:i?q\d(?:_[a-z0-9]+)*)|fp16|bf16|f16)$", tag, re.IGNORECASE)
    if m:
        return m.group(1).upper()
    return quant_hint(model)


# ---- API JSON ------------------------------------------------------------------------------


def is_api_object(d: Mapping[str, object]) -> bool:
    return "eval_count" in d and "eval_duration" in d


def parse_api(objs: Sequence[Mapping[str, object]], name: str, fmt: str) -> ImportedRun:
    rows: list[BenchRow] = []
    notes: list[str] = []
    final = [d for d in objs if is_api_object(d)]
    for i, d in enumerate(final, start=1):
        p_count, e_count = whole(d.get("prompt_eval_count")), whole(d.get("eval_count"))
        p_ns, e_ns = num(d.get("prompt_eval_duration")), num(d.get("eval_duration"))
        prefill = p_count / (p_ns / 1e9) if p_count and p_ns else None
        decode = e_count / (e_ns / 1e9) if e_count and e_ns else None
        model = text_of(d.get("model"))
        extra: list[str] = []
        runtime = d.get("runtime")
        layers: int | None = None
        if isinstance(runtime, dict):
            lib = text_of(runtime.get("library"))
            if lib:
                extra.append(f"llm library {lib}")
            layers = whole(runtime.get("layers"))
        raw = ", ".join(
            f"{k}={d[k]}"
            for k in (
                "model",
                "prompt_eval_count",
                "prompt_eval_duration",
                "eval_count",
                "eval_duration",
            )
            if k in d
        )
        rows += _rows(
            prefill, decode, p_count, e_count, model, layers, extra, f"object {i}", raw, notes
        )
    return finish(TOOL, fmt, name, rows, notes)


_FIELD = re.compile(r'"(\w+)"\s*:\s*(-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*")')


def loose_api_object(text: str) -> dict[str, object] | None:
    """An Ollama response object whose JSON was shortened by hand ('context': [1, ...]).

    Only complete objects (closing brace present) are read, field by field.
    """
    t = text.strip()
    if not (t.startswith("{") and t.endswith("}")) or '"eval_duration"' not in t:
        return None
    out: dict[str, object] = {}
    for m in _FIELD.finditer(t):
        v = m.group(2)
        out.setdefault(m.group(1), v[1:-1] if v.startswith('"') else float(v))
    if "runtime" not in out and '"library"' in t:
        lib = out.get("library")
        out["runtime"] = {"library": lib, "layers": out.get("layers")}
    return out if is_api_object(out) else None
