"""NVIDIA GenAI-Perf and its successor AIPerf: the console 'LLM Metrics' table and the
profile_export JSON (per-metric {unit, avg, p50, ...} objects)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from planner.benchimport.model import (
    BenchRow,
    ImportedRun,
    finish,
    make_row,
    num,
    text_of,
    whole,
)
from planner.benchimport.names import quant_hint

TOOL = "genai-perf"
_TITLE = re.compile(r"(GenAI-Perf|AIPerf)\s*\|\s*LLM Metrics", re.IGNORECASE)
_BARS = "│┃|"
_ARG = {
    "model": re.compile(r"(?:\s-m|--model)(?:=|\s+)['\"]?([^\s'\"]+)"),
    "concurrency": re.compile(r"--concurrency(?:=|\s+)(\d+)"),
    "backend": re.compile(r"--(?:backend|service-kind)(?:=|\s+)([\w-]+)"),
}
_ENGINES = {"tensorrtllm": "tensorrt-llm", "trtllm": "tensorrt-llm", "vllm": "vllm"}
_TO_MS = {"ms": 1.0, "ns": 1e-6, "us": 1e-3, "µs": 1e-3, "s": 1e3, "sec": 1e3}
# metric key -> (our field, kind)
_METRICS = {
    "time_to_first_token": ("ttft_ms", "time"),
    "inter_token_latency": ("tpot_ms", "time"),
    "output_token_throughput": ("output_tokens_per_s_total", "rate"),
}


def _cells(line: str) -> list[str]:
    t = line.strip()
    for ch in _BARS:
        t = t.replace(ch, "\x00")
    return [c.strip() for c in t.strip("\x00").split("\x00")]


def has_console_table(text: str) -> bool:
    return bool(_TITLE.search(text))


def _label_key(label: str) -> tuple[str, str | None]:
    """'Time to first token (ms)' -> ('time_to_first_token', 'ms')."""
    m = re.match(r"^(.*?)\s*(?:\(([^)]*)\))?\s*$", label[:120])
    base, unit = (m.group(1), m.group(2)) if m else (label, None)
    return "_".join(base.lower().split()), unit


def parse_console(text: str, name: str) -> ImportedRun:
    rows: list[BenchRow] = []
    notes: list[str] = []
    tables = 0
    args: dict[str, str] = {}
    values: dict[str, tuple[float | None, str | None]] = {}
    avg_col: int | None = None
    title_line = 0
    for i, line in enumerate(text.splitlines(), start=1):
        if _TITLE.search(line):
            if tables:
                rows += _console_rows(values, args, f"line {title_line}", notes)
            tables += 1
            title_line = i
            values, avg_col = {}, None
            continue
        if tables == 0 or not any(ch in line for ch in "│┃"):
            for key, pattern in _ARG.items():
                m = pattern.search(line)
                if m:
                    args[key] = m.group(1)
            continue
        c = _cells(line)
        if len(c) < 2:
            continue
        if c[0].lower() == "statistic" or "avg" in [x.lower() for x in c]:
            lowered = [x.lower() for x in c]
            avg_col = lowered.index("avg") if "avg" in lowered else None
            continue
        key, unit = _label_key(c[0])
        col = avg_col if avg_col is not None and avg_col < len(c) else 1
        values[key] = (num(c[col]), unit)
    if tables:
        rows += _console_rows(values, args, f"line {title_line}", notes)
    return finish(
        TOOL,
        "GenAI-Perf console table",
        name,
        rows,
        notes,
        "the table has no TTFT, inter-token latency or output throughput rows",
    )


def _console_rows(
    values: dict[str, tuple[float | None, str | None]],
    args: dict[str, str],
    where: str,
    notes: list[str],
) -> list[BenchRow]:
    metrics: dict[str, tuple[float | None, str | None]] = {}
    for key, (value, unit) in values.items():
        for name in _METRICS:
            if key.startswith(name) and "per_user" not in key:
                metrics[name] = (value, unit)
    in_len = values.get("input_sequence_length", (None, None))[0]
    out_len = values.get("output_sequence_length", (None, None))[0]
    setup = {
        "model": args.get("model"),
        "concurrency": whole(args.get("concurrency")),
        "backend": args.get("backend"),
    }
    return list(_rows(metrics, in_len, out_len, setup, where, notes))


def _rows(
    metrics: Mapping[str, tuple[float | None, str | None]],
    in_len: float | None,
    out_len: float | None,
    setup: Mapping[str, object],
    where: str,
    notes: list[str],
) -> Iterator[BenchRow]:
    row_notes: list[str] = []
    conc = setup.get("concurrency")
    batch = conc if isinstance(conc, int) and conc > 0 else None
    if batch is None:
        row_notes.append("the concurrency is not stated (GenAI-Perf's default is 1)")
    else:
        row_notes.append(f"batch = concurrency {batch}")
    backend = str(setup.get("backend") or "").lower()
    engine = _ENGINES.get(backend)
    if engine is None:
        row_notes.append("the serving engine is not stated")
    if in_len is not None:
        row_notes.append("input/output lengths are means over the requests")
    model = setup.get("model")
    model_s = model if isinstance(model, str) else None
    for key, (value, unit) in metrics.items():
        field, kind = _METRICS[key]
        v = value
        if v is not None and kind == "time":
            scale = _TO_MS.get((unit or "ms").strip().lower())
            if scale is None:
                notes.append(f"{where}: {key} in unknown unit '{unit}'; skipped")
                continue
            v *= scale
        r = make_row(
            notes,
            f"{where} {key}",
            metric=field,
            value=v,
            batch=batch,
            input_len=round(in_len) if in_len is not None and in_len >= 0 else None,
            output_len=round(out_len) if out_len is not None and out_len >= 0 else None,
            model=model_s,
            quant=quant_hint(model_s) if model_s else None,
            engine=engine,
            notes=tuple(row_notes),
            raw=f"{key} avg {value} {unit or ''}".strip(),
        )
        if r is not None:
            yield r


# ---- JSON export ---------------------------------------------------------------------------

_JSON_KEYS = (
    "time_to_first_token",
    "inter_token_latency",
    "output_token_throughput",
    "request_throughput",
    "request_latency",
)


def _metric_dict(d: Mapping[str, object]) -> Mapping[str, object]:
    for key in ("records", "metrics"):
        inner = d.get(key)
        if isinstance(inner, dict):
            return inner
        if isinstance(inner, list):
            return {str(r.get("tag")): r for r in inner if isinstance(r, dict) and r.get("tag")}
    return d


def is_export(d: Mapping[str, object]) -> bool:
    m = _metric_dict(d)
    for key in _JSON_KEYS:
        v = m.get(key)
        if isinstance(v, dict) and "avg" in v:
            return True
    return False


def _find(obj: object, keys: tuple[str, ...], depth: int = 0) -> object:
    """The first value under any of `keys`, searching nested objects (input_config)."""
    if depth > 6:
        return None
    if isinstance(obj, dict):
        for k in keys:
            if k in obj and obj[k] not in (None, "", []):
                return obj[k]
        for v in obj.values():
            found = _find(v, keys, depth + 1)
            if found is not None:
                return found
    return None


def parse_export(d: Mapping[str, object], name: str) -> ImportedRun:
    m = _metric_dict(d)

    def avg(key: str) -> tuple[float | None, str | None]:
        v = m.get(key)
        if isinstance(v, dict):
            return num(v.get("avg")), text_of(v.get("unit"))
        return None, None

    metrics = {k: avg(k) for k in _METRICS if isinstance(m.get(k), dict)}
    config = d.get("input_config")
    model = _find(config, ("model_names", "model", "model_name"))
    if isinstance(model, list):
        model = model[0] if model else None
    conc = whole(_find(config, ("concurrency",)))
    backend = _find(config, ("backend", "service_kind"))
    setup = {
        "model": model if isinstance(model, str) else None,
        "concurrency": conc or None,
        "backend": backend if isinstance(backend, str) else None,
    }
    notes: list[str] = []
    rows = list(
        _rows(
            metrics,
            avg("input_sequence_length")[0],
            avg("output_sequence_length")[0],
            setup,
            "export",
            notes,
        )
    )
    return finish(
        "genai-perf/aiperf",
        "GenAI-Perf/AIPerf JSON export",
        name,
        rows,
        notes,
        "it has no time_to_first_token, inter_token_latency or output_token_throughput averages",
    )
