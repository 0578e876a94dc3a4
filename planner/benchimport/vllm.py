"""vLLM: `vllm bench serve` / benchmark_serving.py results (saved JSON and printed summary),
`vllm bench throughput` and `vllm bench latency` (JSON and printed), and the nightly
benchmark results table."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from planner.benchimport.model import (
    BenchImportError,
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
from planner.benchimport.serving import (
    Serving,
    from_record,
    namespace,
    parse_summaries,
    rate,
    serving_rows,
)

SERVE = "vllm bench serve"
THROUGHPUT = "vllm bench throughput"
LATENCY = "vllm bench latency"
ENGINE = "vllm"


# ---- serving result JSON -------------------------------------------------------------------


def is_serve_json(d: Mapping[str, object]) -> bool:
    return ("model_id" in d or "num_prompts" in d) and any(
        k in d for k in ("output_throughput", "mean_ttft_ms", "mean_tpot_ms", "mean_itl_ms")
    )


def parse_serve_json(d: Mapping[str, object], name: str) -> ImportedRun:
    s = from_record(
        d,
        model_keys=("model_id", "model"),
        e2e_key="mean_e2el_ms",
        tp_keys=("tensor_parallel_size", "tp"),
        pp_keys=("pipeline_parallel_size", "pp"),
    )
    if s.completed is None and s.num_prompts and s.total_input is None:
        s.notes.append("reduced result: no request or token totals")
    failed = whole(d.get("failed"))
    if failed:
        s.notes.append(f"{failed} requests failed")
    raw = short(
        ", ".join(
            f"{k}={d[k]}"
            for k in (
                "model_id",
                "backend",
                "request_rate",
                "max_concurrency",
                "num_prompts",
                "completed",
                "output_throughput",
                "mean_ttft_ms",
                "mean_tpot_ms",
            )
            if k in d
        )
    )
    notes: list[str] = []
    rows = serving_rows(s, ENGINE, "result", raw, notes)
    return finish(SERVE, "vLLM serve result JSON", name, rows, notes)


# ---- printed summary ---------------------------------------------------------------------


def parse_serve_printed(text: str, name: str) -> ImportedRun:
    return parse_summaries(text, name, SERVE, ENGINE, "vLLM serve printed summary")


# ---- nightly results table -----------------------------------------------------------------


def is_nightly_table(obj: object) -> bool:
    return (
        isinstance(obj, list)
        and bool(obj)
        and all(isinstance(r, dict) and "Test name" in r for r in obj)
    )


def parse_nightly_table(records: Sequence[Mapping[str, object]], name: str) -> ImportedRun:
    rows: list[BenchRow] = []
    notes: list[str] = []
    for i, rec in enumerate(records, start=1):
        test = str(rec.get("Test name", ""))
        tp = re.search(r"tp(\d+)", test)
        pp = re.search(r"pp(\d+)", test)
        qps = re.search(r"qps_?(inf|[\d.]+)", test)
        s = Serving(
            gpu=text_of(rec.get("GPU")),
            request_rate=rate(qps.group(1)) if qps else None,
            num_prompts=whole(rec.get("# of req.")),
            output_throughput=num(rec.get("Output Tput (tok/s)")),
            mean_ttft_ms=num(rec.get("Mean TTFT (ms)")),
            mean_tpot_ms=num(rec.get("Mean TPOT (ms)")),
            mean_itl_ms=num(rec.get("Mean ITL (ms)")),
            tp=small_int(tp.group(1)) or None if tp else None,
            pp=small_int(pp.group(1)) or None if pp else None,
            notes=["the table names neither the model nor the token lengths"],
        )
        raw = short(", ".join(f"{k}={v}" for k, v in list(rec.items())[:6]))
        rows += serving_rows(s, ENGINE, f"record {i} ({test})", raw, notes)
    return finish(SERVE, "vLLM nightly results table JSON", name, rows, notes)


# ---- bench throughput / bench latency ------------------------------------------------------


def is_throughput_json(d: Mapping[str, object]) -> bool:
    return "elapsed_time" in d and "tokens_per_second" in d and "num_requests" in d


def parse_throughput_json(d: Mapping[str, object], name: str) -> ImportedRun:
    out_tokens = whole(d.get("total_output_tokens"))
    elapsed = num(d.get("elapsed_time"))
    n = whole(d.get("num_requests"))
    total = whole(d.get("total_num_tokens"))
    if out_tokens and elapsed and n and total is not None:
        notes: list[str] = []
        r = make_row(
            notes,
            "result",
            metric="output_tokens_per_s_total",
            value=out_tokens / elapsed,
            saturated=True,
            input_len=round((total - out_tokens) / n),
            output_len=round(out_tokens / n),
            engine=ENGINE,
            notes=("offline run: the engine batched as many requests as fit",),
            raw=short(str(dict(d))),
        )
        return finish(THROUGHPUT, "vLLM bench throughput JSON", name, [r] if r else [], notes)
    raise BenchImportError(
        f"{name}: vLLM bench throughput JSON: no usable numbers: it gives requests/s and "
        "total (prompt + output) tokens/s only, without the output token count; import the "
        "printed output instead"
    )


def is_latency_json(d: Mapping[str, object]) -> bool:
    return "avg_latency" in d and ("latencies" in d or "percentiles" in d)


def latency_json_error(name: str) -> BenchImportError:
    return BenchImportError(
        f"{name}: vLLM bench latency JSON: no usable numbers: it gives request latency "
        "without the batch size and input/output lengths it was run with; import the "
        "printed output (with its Namespace line) instead"
    )


_THROUGHPUT = re.compile(
    r"Throughput:\s*([\d.]+)\s*requests/s,\s*([\d.]+)\s*(?:total\s+)?tokens/s"
    r"(?:,\s*([\d.]+)\s*output tokens/s)?"
)
_TOTAL_PROMPT = re.compile(r"Total num prompt tokens:\s*(\d+)")
_TOTAL_OUTPUT = re.compile(r"Total num output tokens:\s*(\d+)")
_AVG_LATENCY = re.compile(r"Avg latency:\s*([\d.eE+-]+)\s*seconds")


def has_throughput_printed(text: str) -> bool:
    return bool(_THROUGHPUT.search(text))


def has_latency_printed(text: str) -> bool:
    return bool(_AVG_LATENCY.search(text))


def _engine_setup(ns: dict[str, str]) -> dict[str, object]:
    model = ns.get("model") or None
    quant = ns.get("quantization")
    quant = quant if quant and quant != "None" else (quant_hint(model) if model else None)
    dtype = ns.get("dtype")
    if quant is None and dtype in ("bfloat16", "float16", "half"):
        quant = dtype
    kv = ns.get("kv_cache_dtype")
    tp = whole(ns.get("tensor_parallel_size")) or None
    pp = whole(ns.get("pipeline_parallel_size")) or None
    return {
        "model": model,
        "quant": quant,
        "kv_quant": kv if kv and kv != "auto" else None,
        "engine": ENGINE,
        "tp": tp,
        "pp": pp,
        "gpu_count": tp * (pp or 1) if tp else None,
    }


def _ns_of(text: str) -> dict[str, str]:
    for line in text.splitlines():
        ns = namespace(line)
        if ns:
            return ns
    return {}


def parse_throughput_printed(text: str, name: str) -> ImportedRun:
    fmt = "vLLM bench throughput printed"
    m = _THROUGHPUT.search(text)
    assert m is not None
    if m.group(3) is None:
        raise BenchImportError(
            f"{name}: {fmt}: no usable numbers: this vLLM version prints total tokens/s only, "
            "not output tokens/s"
        )
    ns = _ns_of(text)
    n = whole(ns.get("num_prompts"))
    p, o = _TOTAL_PROMPT.search(text), _TOTAL_OUTPUT.search(text)
    p_total = small_int(p.group(1)) if p else None
    o_total = small_int(o.group(1)) if o else None
    in_len = round(p_total / n) if p_total is not None and n else None
    out_len = round(o_total / n) if o_total is not None and n else None
    notes: list[str] = []
    row_notes = ["offline run: the engine batched as many requests as fit"]
    if ns.get("max_num_seqs") and ns["max_num_seqs"] != "None":
        row_notes.append(f"max_num_seqs = {ns['max_num_seqs']}")
    if in_len is None:
        row_notes.append("lengths unknown: no Namespace line or token totals")
    r = make_row(
        notes,
        "summary",
        metric="output_tokens_per_s_total",
        value=num(m.group(3)),
        saturated=True,
        input_len=in_len,
        output_len=out_len,
        notes=tuple(row_notes),
        raw=m.group(0),
        **_engine_setup(ns),
    )
    return finish(THROUGHPUT, fmt, name, [r] if r else [], notes)


def parse_latency_printed(text: str, name: str) -> ImportedRun:
    fmt = "vLLM bench latency printed"
    m = _AVG_LATENCY.search(text)
    assert m is not None
    ns = _ns_of(text)
    batch = whole(ns.get("batch_size"))
    in_len, out_len = whole(ns.get("input_len")), whole(ns.get("output_len"))
    latency = num(m.group(1))
    if not batch or in_len is None or not out_len or not latency:
        raise BenchImportError(
            f"{name}: {fmt}: no usable numbers: the batch size and input/output lengths are "
            "not stated (the Namespace line is missing)"
        )
    notes: list[str] = []
    r = make_row(
        notes,
        "summary",
        metric="output_tokens_per_s_total",
        value=batch * out_len / latency,
        batch=batch,
        input_len=in_len,
        output_len=out_len,
        notes=(f"batch x output_len / mean latency = {batch} x {out_len} / {latency:g} s",),
        raw=m.group(0),
        **_engine_setup(ns),
    )
    return finish(LATENCY, fmt, name, [r] if r else [], notes)
