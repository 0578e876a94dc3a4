"""llama.cpp's llama-batched-bench: the PP / TG / B table and its `main:` parameter line."""

from __future__ import annotations

import re
from collections.abc import Iterator

from planner.benchimport.llamacpp import ENGINE, Context, cells, is_separator
from planner.benchimport.model import (
    BenchRow,
    ImportedRun,
    finish,
    make_row,
    num,
    small_int,
    whole,
)
from planner.benchimport.names import gguf_quant

TOOL = "llama-batched-bench"

_MAIN = re.compile(r"^main:.*\bn_kv_max\s*=")
_KV = re.compile(r"\b(\w+)\s*=\s*(-?\d+)")


def _header(line: str) -> dict[str, int] | None:
    if not line.lstrip().startswith("|"):
        return None
    head = [c.upper() for c in cells(line)]
    if {"PP", "TG", "B"} <= set(head) and any(h.startswith("S_PP") for h in head):
        return {h.split()[0]: i for i, h in enumerate(head) if h}
    return None


def has_table(lines: list[str]) -> bool:
    return any(_header(ln) is not None for ln in lines)


def parse(text: str, name: str) -> ImportedRun:
    rows: list[BenchRow] = []
    notes: list[str] = []
    ctx = Context()
    params: dict[str, int] = {}
    header: dict[str, int] | None = None
    data_rows = 0
    for i, line in enumerate(text.splitlines(), start=1):
        if header is not None:
            if is_separator(line):
                continue
            if line.lstrip().startswith("|"):
                data_rows += 1
                rows.extend(_rows(cells(line), header, ctx, params, f"line {i}", notes))
                continue
            header = None
        h = _header(line)
        if h is not None:
            header = h
            continue
        if _MAIN.match(line.strip()):
            params = {k: n for k, v in _KV.findall(line) if (n := small_int(v)) is not None}
        ctx.read(line)
    why = "the table has no data rows" if not data_rows else ""
    return finish(TOOL, "llama-batched-bench table", name, rows, notes, why)


def _rows(
    row: list[str],
    header: dict[str, int],
    ctx: Context,
    params: dict[str, int],
    where: str,
    notes: list[str],
) -> Iterator[BenchRow]:
    def col(key: str) -> float | None:
        i = header.get(key)
        return num(row[i]) if i is not None and i < len(row) else None

    pp, tg, b = whole(col("PP")), whole(col("TG")), whole(col("B"))
    if pp is None or tg is None or not b:
        notes.append(f"{where}: PP, TG or B missing; skipped")
        return
    ngl = params.get("n_gpu_layers")
    common: dict[str, object] = {
        "batch": b,
        "model": ctx.gguf,
        "quant": gguf_quant(ctx.gguf) if ctx.gguf else None,
        "gpu": " + ".join(sorted(set(ctx.devices.values()))) or None,
        "gpu_count": len(ctx.devices) or None,
        "engine": ENGINE,
        "gpu_layers": ngl if ngl is not None and ngl >= 0 else None,
        "batched_tokens": params.get("n_ubatch") or None,
        "raw": "| " + " | ".join(row) + " |",
    }
    shared = params.get("is_pp_shared") == 1
    if pp > 0 and not shared:
        r = make_row(
            notes,
            where,
            metric="prefill_tokens_per_s",
            value=col("S_PP"),
            input_len=pp,
            output_len=0,
            **common,
        )
        if r is not None:
            yield r
    elif shared:
        notes.append(f"{where}: prompt shared across the batch (is_pp_shared = 1); prefill skipped")
    s_tg, total_s = col("S_TG"), col("T")
    if tg > 0 and s_tg:
        per_seq = s_tg / b
        r = make_row(
            notes,
            where,
            metric="decode_tokens_per_s",
            value=per_seq,
            input_len=pp,
            output_len=tg,
            notes=(f"per sequence: S_TG {s_tg:g} t/s / B {b}",),
            **common,
        )
        if r is not None:
            yield r
    if tg > 0 and total_s:
        r = make_row(
            notes,
            where,
            metric="output_tokens_per_s_total",
            value=b * tg / total_s,
            input_len=pp,
            output_len=tg,
            notes=(f"B x TG / T = {b} x {tg} / {total_s:g} s",),
            **common,
        )
        if r is not None:
            yield r
