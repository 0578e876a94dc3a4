"""Read a benchmark file, tell its format by content (never by name), and parse it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.benchimport import batched, genaiperf, llamacpp, mlx, ollama, sglang, trtllm, vllm
from planner.benchimport.model import (
    EXPECTED,
    BenchImportError,
    ImportedRun,
    clean_text,
)
from planner.benchimport.serving import has_summary_block

DEFAULT_MAX_BYTES = 20_000_000
_WRAPPER_KEYS = ("raw_output", "stdout", "output")
# Substrings that tell which tool wrote a JSON file that no longer parses.
_JSON_FAMILIES = (
    ('"avg_ts"', "llama-bench JSON"),
    ('"time_to_first_token"', "GenAI-Perf/AIPerf JSON export"),
    ('"request_throughput"', "GenAI-Perf/AIPerf JSON export"),
    ('"total_output_tokens_retokenized"', "SGLang bench_serving JSON"),
    ('"mean_ttft_ms"', "vLLM serve result JSON"),
    ('"output_throughput"', "vLLM serve result JSON"),
    ('"eval_duration"', "Ollama API response JSON"),
    ('"elapsed_time"', "vLLM bench throughput JSON"),
    ('"avg_latency"', "vLLM bench latency JSON"),
)


def import_benchmark(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportedRun:
    """Parse a benchmark output file; BenchImportError (one line) for anything unusable."""
    name = path.name or str(path)
    try:
        if not path.is_file():
            raise BenchImportError(f"{name}: not a file")
        size = path.stat().st_size
    except OSError as exc:
        raise BenchImportError(f"{name}: cannot read the file: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise BenchImportError(_too_big(name, size, max_bytes))
    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise BenchImportError(f"{name}: cannot read the file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise BenchImportError(_too_big(name, len(data), max_bytes))
    return parse_text(_decode(data, name), name)


def _too_big(name: str, size: int, limit: int) -> str:
    return (
        f"{name}: the file is {size / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit for "
        "benchmark files"
    )


def _decode(data: bytes, name: str) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise BenchImportError(
            f"{name}: not a recognised benchmark output (binary data): {EXPECTED}"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def _binary(text: str) -> bool:
    head = text[:8192]
    if "\x00" in head:
        return True
    bad = sum(1 for c in head if c == "\ufffd" or (ord(c) < 32 and c not in "\n\t\f\v"))
    return bad > max(8, len(head) // 20)


def parse_text(text: str, name: str) -> ImportedRun:
    """Parse benchmark output held in a string; `name` is used in messages and results."""
    try:
        return _parse(text, name, nested=False)
    except BenchImportError:
        raise
    except (
        ValueError,
        LookupError,
        TypeError,
        AttributeError,
        ArithmeticError,
        RecursionError,
    ) as exc:
        raise BenchImportError(
            f"{name}: could not read the file (internal error: {type(exc).__name__}): {EXPECTED}"
        ) from None


def _parse(text: str, name: str, nested: bool) -> ImportedRun:
    t = clean_text(text.lstrip("\ufeff"))
    if _binary(t):
        raise BenchImportError(
            f"{name}: not a recognised benchmark output (binary data): {EXPECTED}"
        )
    s = t.strip()
    if not s:
        raise BenchImportError(f"{name}: the file is empty: {EXPECTED}")
    if s[0] in "{[":
        return _parse_json_text(s, t, name, nested)
    run = _parse_plain(t, name)
    if run is None:
        raise BenchImportError(f"{name}: not a recognised benchmark output: {EXPECTED}")
    return run


# ---- JSON ----------------------------------------------------------------------------------


def _parse_json_text(s: str, text: str, name: str, nested: bool) -> ImportedRun:
    try:
        return _dispatch_json(json.loads(s), name, nested)
    except json.JSONDecodeError as exc:
        first_error = exc
    except RecursionError:
        raise BenchImportError(f"{name}: JSON nested too deeply: {EXPECTED}") from None
    lines = [ln for ln in s.splitlines() if ln.strip()]
    if len(lines) > 1 and all(ln.lstrip().startswith("{") for ln in lines):
        objs: list[Any] = []
        for i, ln in enumerate(lines, start=1):
            try:
                objs.append(json.loads(ln))
            except json.JSONDecodeError:
                family = _json_family(s)
                what = family + " lines" if family else "JSON lines"
                raise BenchImportError(
                    f"{name}: {what}: line {i} is not valid JSON (truncated?)"
                ) from None
        return _dispatch_jsonl(objs, name)
    loose = ollama.loose_api_object(s)
    if loose is not None:
        run = ollama.parse_api([loose], name, "Ollama API response (shortened JSON)")
        return run.model_copy(
            update={"notes": ("not valid JSON: fields read one by one", *run.notes)}
        )
    plain = _parse_plain(text, name)
    if plain is not None:
        return plain
    family = _json_family(s)
    where = f"line {first_error.lineno}, column {first_error.colno}: {first_error.msg}"
    if family:
        raise BenchImportError(f"{name}: {family}: the JSON is truncated or invalid ({where})")
    raise BenchImportError(
        f"{name}: not a recognised benchmark output (invalid JSON at {where}): {EXPECTED}"
    )


def _json_family(s: str) -> str | None:
    for needle, family in _JSON_FAMILIES:
        if needle in s:
            return family
    return None


def _keys(d: Mapping[str, object]) -> str:
    keys = [str(k)[:30] for k in list(d)[:6]]
    return ", ".join(keys) + (", ..." if len(d) > 6 else "")


def _dispatch_json(obj: Any, name: str, nested: bool) -> ImportedRun:
    if isinstance(obj, dict):
        return _dispatch_object(obj, name, nested)
    if isinstance(obj, list):
        if not obj:
            raise BenchImportError(f"{name}: the JSON array is empty: {EXPECTED}")
        dicts = [o for o in obj if isinstance(o, dict)]
        if len(dicts) == len(obj):
            if vllm.is_nightly_table(dicts):
                return vllm.parse_nightly_table(dicts, name)
            run = _same_family(dicts, name, "JSON")
            if run is not None:
                return run
    raise BenchImportError(
        f"{name}: not a recognised benchmark output (JSON of another shape): {EXPECTED}"
    )


def _dispatch_object(d: dict[str, Any], name: str, nested: bool) -> ImportedRun:
    if not nested:
        for key in _WRAPPER_KEYS:
            inner = d.get(key)
            if isinstance(inner, str) and inner.strip():
                run = _parse(inner, name, nested=True)
                return run.model_copy(update={"format": f"{run.format} (in a JSON wrapper)"})
    if llamacpp.is_record(d):
        return llamacpp.parse_records([d], name, "llama-bench JSON")
    if ollama.is_api_object(d):
        return ollama.parse_api([d], name, "Ollama API response JSON")
    if sglang.is_result(d):
        return sglang.parse_results([d], name, "SGLang bench_serving JSON")
    if vllm.is_serve_json(d):
        return vllm.parse_serve_json(d, name)
    if vllm.is_throughput_json(d):
        return vllm.parse_throughput_json(d, name)
    if vllm.is_latency_json(d):
        raise vllm.latency_json_error(name)
    if genaiperf.is_export(d):
        return genaiperf.parse_export(d, name)
    raise BenchImportError(
        f"{name}: not a recognised benchmark output (JSON with keys {_keys(d)}): {EXPECTED}"
    )


def _same_family(dicts: list[dict[str, Any]], name: str, kind: str) -> ImportedRun | None:
    if all(llamacpp.is_record(d) for d in dicts):
        return llamacpp.parse_records(dicts, name, f"llama-bench {kind}")
    if any(sglang.is_result(d) for d in dicts):
        results = [d for d in dicts if sglang.is_result(d)]
        return sglang.parse_results(results, name, f"SGLang bench_serving {kind}")
    if any(ollama.is_api_object(d) for d in dicts):
        return ollama.parse_api(dicts, name, f"Ollama API response {kind}")
    return None


def _dispatch_jsonl(objs: list[Any], name: str) -> ImportedRun:
    dicts = [o for o in objs if isinstance(o, dict)]
    if len(dicts) == len(objs):
        run = _same_family(dicts, name, "JSONL")
        if run is not None:
            return run
        if all(vllm.is_serve_json(d) for d in dicts):
            runs = [vllm.parse_serve_json(d, name) for d in dicts]
            return runs[0].model_copy(
                update={
                    "format": "vLLM serve result JSONL",
                    "rows": tuple(r for run in runs for r in run.rows),
                    "notes": tuple(n for run in runs for n in run.notes),
                }
            )
    raise BenchImportError(
        f"{name}: not a recognised benchmark output (JSON lines of another shape): {EXPECTED}"
    )


# ---- plain text ----------------------------------------------------------------------------


def _parse_plain(text: str, name: str) -> ImportedRun | None:
    lines = text.splitlines()
    if has_summary_block(text):
        if sglang.is_printed(text):
            return sglang.parse_printed(text, name)
        return vllm.parse_serve_printed(text, name)
    if trtllm.is_report(text):
        return trtllm.parse_report(text, name)
    if genaiperf.has_console_table(text):
        return genaiperf.parse_console(text, name)
    if batched.has_table(lines):
        return batched.parse(text, name)
    if llamacpp.has_bench_table(lines):
        return llamacpp.parse_markdown(text, name)
    first = next((ln for ln in lines if ln.strip()), "")
    if llamacpp.csv_header(first) is not None:
        return llamacpp.parse_csv(text[text.index(first) :], name)
    if llamacpp.is_sql(text):
        return llamacpp.parse_sql(text, name)
    if mlx.has_benchmark(text):
        return mlx.parse_benchmark(text, name)
    if mlx.has_generate(text):
        return mlx.parse_generate(text, name)
    if ollama.has_verbose(text):
        return ollama.parse_verbose(text, name)
    if vllm.has_throughput_printed(text):
        return vllm.parse_throughput_printed(text, name)
    if vllm.has_latency_printed(text):
        return vllm.parse_latency_printed(text, name)
    return None
