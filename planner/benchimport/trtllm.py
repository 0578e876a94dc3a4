"""TensorRT-LLM `trtllm-bench` reports: the TensorRT-engine layout (ENGINE DETAILS, 0.1x) and
the PyTorch-backend layout (PYTORCH BACKEND / REQUEST DETAILS, 0.2x and 1.x)."""

from __future__ import annotations

import re

from planner.benchimport.model import (
    BenchImportError,
    BenchRow,
    ImportedRun,
    finish,
    make_row,
    num,
    short,
    text_of,
    whole,
)
from planner.benchimport.serving import label_values

TOOL = "trtllm-bench"
ENGINE = "tensorrt-llm"

_SECTION = re.compile(r"^=\s+([A-Z][A-Z +/&-]*?)\s*$")
_KNOWN = (
    "PERFORMANCE OVERVIEW",
    "ENGINE DETAILS",
    "PYTORCH BACKEND",
    "REQUEST DETAILS",
    "WORLD + RUNTIME INFORMATION",
)
_AVG_ROW = re.compile(r"^AVG:\s+([\d.]+)\s+([\d.]+)")


def _section(line: str) -> str | None:
    t = line.strip()
    m = _SECTION.match(t) if len(t) < 80 else None
    return m.group(1) if m else None


def is_report(text: str) -> bool:
    return any(_section(line) in _KNOWN for line in text.splitlines())


def parse_report(text: str, name: str) -> ImportedRun:
    lines = text.splitlines()
    fmt = "trtllm-bench throughput report"
    sections: list[tuple[str, int]] = []
    for i, line in enumerate(lines):
        title = _section(line)
        if title:
            sections.append((title, i))
    overviews = [k for k, (title, _) in enumerate(sections) if title == "PERFORMANCE OVERVIEW"]
    if not overviews:
        raise BenchImportError(
            f"{name}: {fmt}: no usable numbers: there is no PERFORMANCE OVERVIEW section "
            "(truncated output?)"
        )
    rows: list[BenchRow] = []
    notes: list[str] = []
    prev_end = 0
    for k in overviews:
        start = sections[k][1]
        end = sections[k + 1][1] if k + 1 < len(sections) else len(lines)
        # The dataset section after the overview belongs to the same report.
        after = end
        if k + 1 < len(sections) and sections[k + 1][0] == "DATASET DETAILS":
            after = sections[k + 2][1] if k + 2 < len(sections) else len(lines)
        setup = label_values(lines[prev_end:start])
        perf = label_values(lines[start:end])
        dataset = lines[end:after]
        layout = "TensorRT engine" if "engine directory" in setup else "PyTorch"
        rows += _report_rows(setup, perf, dataset, layout, f"line {start + 1}", notes)
        prev_end = after
    return finish(TOOL, fmt, name, rows, notes)


def _first(v: dict[str, str], *prefixes: str) -> str | None:
    for p in prefixes:
        for key, value in v.items():
            if key.startswith(p):
                return value
    return None


def _report_rows(
    setup: dict[str, str],
    perf: dict[str, str],
    dataset: list[str],
    layout: str,
    where: str,
    notes: list[str],
) -> list[BenchRow]:
    both = {**setup, **perf}
    row_notes = [f"{layout} layout"]
    in_len = whole(_first(both, "average input length"))
    out_len = whole(_first(both, "average output length"))
    if in_len is None or out_len is None:
        for line in dataset:
            m = _AVG_ROW.match(line.strip())
            if m:
                in_len, out_len = whole(m.group(1)), whole(m.group(2))
    if in_len is not None:
        row_notes.append("input/output lengths are means over the requests")
    conc = num(_first(both, "number of concurrent requests"))
    issue = num(_first(both, "issue rate"))
    max_batch = whole(_first(both, "max runtime batch size"))
    requests = whole(_first(both, "number of requests"))
    batch: int | None = None
    saturated = False
    if conc is not None and conc > 0 and whole(conc) is not None:
        batch = max(1, whole(conc) or 1)
        row_notes.append(f"batch = mean concurrency {conc:g} as measured, not fixed")
    elif issue is None or issue >= 1e6:
        saturated = True
        row_notes.append(
            f"all {requests or 'the'} requests issued at once: batch = what the engine fit"
            + (f" (max runtime batch size {max_batch})" if max_batch else "")
        )
    else:
        row_notes.append(f"issue rate {issue:g} req/s; concurrency not stated")
    quant = text_of(setup.get("quantization"))
    if quant is None:
        quant = text_of(setup.get("dtype"))
        if quant:
            row_notes.append(f"no quantization: weights in {quant}")
    tp = whole(setup.get("tp size")) or None
    pp = whole(setup.get("pp size")) or None
    ep = whole(setup.get("ep size")) or None
    common: dict[str, object] = {
        "batch": batch,
        "saturated": saturated,
        "input_len": in_len,
        "output_len": out_len,
        "model": text_of(setup.get("model")),
        "quant": quant,
        "kv_quant": text_of(setup.get("kv cache dtype")),
        "engine": ENGINE,
        "tp": tp,
        "pp": pp,
        "ep": ep,
        "gpu_count": tp * (pp or 1) if tp else None,
    }
    # 0.1x printed output throughput as "Token Throughput"; later versions split it into
    # "Total Output Throughput" and "Total Token Throughput" (prompt + output).
    outputs = (
        (
            "output_tokens_per_s_total",
            _first(perf, "total output throughput", "token throughput (tokens/sec)"),
        ),
        ("ttft_ms", _first(perf, "average time-to-first-token")),
        ("tpot_ms", _first(perf, "average time-per-output-token")),
    )
    rows: list[BenchRow] = []
    for metric, text in outputs:
        if text is None:
            continue
        r = make_row(
            notes,
            where,
            metric=metric,
            value=num(text.split()[0] if text else ""),
            notes=tuple(row_notes),
            raw=short(f"{metric}: {text}"),
            **common,
        )
        if r is not None:
            rows.append(r)
    if not rows:
        notes.append(f"{where}: the PERFORMANCE OVERVIEW has no output throughput or latency")
    return rows
