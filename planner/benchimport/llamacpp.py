"""llama.cpp's llama-bench: markdown tables, JSON, JSONL, CSV and SQL, in the 2023 and the
current schema. The table and log helpers are shared with llama-batched-bench."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from planner.benchimport.model import (
    BenchImportError,
    BenchRow,
    ImportedRun,
    finish,
    gguf_mention,
    make_row,
    num,
    short,
    small_int,
    text_of,
    whole,
)
from planner.benchimport.names import ftype_model, ftype_quant, gguf_quant

TOOL = "llama-bench"
ENGINE = "llama.cpp"

_TEST = re.compile(
    r"^(pp|tg)\s*(\d+)(?:\s*\+\s*(pp|tg)\s*(\d+))?(?:\s*@\s*d\s*(\d+))?$", re.IGNORECASE
)
_TS = re.compile(r"^\s*([\d.,eE+-]+)\s*(?:±|\+/-|\+-)?")
_GPU_BACKENDS = (
    "cuda",
    "rocm",
    "hip",
    "vulkan",
    "metal",
    "mtl",
    "sycl",
    "opencl",
    "cann",
    "musa",
    "kompute",
    "rpc",
    "webgpu",
    "zdnn",
)
_OLD_FLAGS = ("cuda", "opencl", "vulkan", "kompute", "metal", "sycl", "gpu_blas", "blas")

_VULKAN_DEV = re.compile(r"ggml_vulkan:\s*(\d+)\s*=\s*([^(|]+?)\s*(?:\(|\||$)")
_CUDA_DEV = re.compile(r"^\s*Device\s+(\d+):\s*([^,]+?)\s*(?:,|$)")
_METAL_DEV = re.compile(r"ggml_metal\w*:\s*(?:GPU name|found device):\s*(.+?)\s*$")
_FOUND = re.compile(r"\bfound\s+\d+\s+\w+\s+devices?\b", re.IGNORECASE)
_BUILD = re.compile(r"build:\s*([0-9a-f]{6,})\s*\((\d+)\)")


# ---- shared pieces -----------------------------------------------------------------------


def cells(line: str) -> list[str]:
    t = line.strip()
    if t.startswith("|"):
        t = t[1:]
    if t.endswith("|"):
        t = t[:-1]
    return [c.strip() for c in t.split("|")]


def is_separator(line: str) -> bool:
    t = line.strip()
    return t.startswith("|") and set(t) <= set("|-: ") and "-" in t


@dataclass
class Context:
    """What the lines around a table state: GPUs, the GGUF file, the build."""

    devices: dict[int, str] = field(default_factory=dict)
    gguf: str | None = None
    build: str | None = None

    def read(self, line: str) -> None:
        if len(line) > 4000:
            return
        if _FOUND.search(line):
            self.devices = {}
        for pattern in (_VULKAN_DEV, _CUDA_DEV):
            m = pattern.search(line)
            if m:
                self.devices[small_int(m.group(1)) or 0] = m.group(2).strip()
                return
        m = _METAL_DEV.search(line)
        if m:
            self.devices[0] = m.group(1)
            return
        g = gguf_mention(line)
        if g:
            self.gguf = g
        b = _BUILD.search(line)
        if b:
            self.build = f"{b.group(1)} ({b.group(2)})"

    def gpu(self, backend: str | None, notes: list[str]) -> tuple[str | None, int | None]:
        b = (backend or "").lower()
        gpu_backend = any(k in b for k in _GPU_BACKENDS)
        if backend is not None and not gpu_backend:
            return "CPU", 1
        if self.devices:
            names = sorted(set(self.devices.values()))
            if len(names) > 1:
                notes.append(f"devices differ: {', '.join(names)}")
            if "rpc" in b:
                notes.append("RPC backend: devices on other machines are not counted")
            return " + ".join(names), len(self.devices)
        if "metal" in b or "mtl" in b:
            notes.append("Metal backend: an Apple GPU, not named in the file")
        return None, None


def _test(text: str) -> tuple[str, int, int, int | None] | None:
    """'pp512' -> (prefill, 512, 0, None); 'tg128 @ d4096' -> (decode, 0, 128, 4096)."""
    m = _TEST.match(text.strip())
    if not m or m.group(3):
        return None
    n = small_int(m.group(2))
    depth = small_int(m.group(5))
    if n is None:
        return None
    if m.group(1).lower() == "pp":
        return "prefill_tokens_per_s", n, 0, depth
    return "decode_tokens_per_s", 0, n, depth


# ---- markdown tables ---------------------------------------------------------------------


def has_bench_table(lines: list[str]) -> bool:
    return any(_bench_header(ln) is not None for ln in lines)


def _bench_header(line: str) -> dict[str, int] | None:
    if not line.lstrip().startswith("|"):
        return None
    head = [c.lower() for c in cells(line)]
    if "test" in head and "t/s" in head and "model" in head:
        return {name: i for i, name in enumerate(head)}
    return None


def parse_markdown(text: str, name: str) -> ImportedRun:
    lines = text.splitlines()
    rows: list[BenchRow] = []
    notes: list[str] = []
    ctx = Context()
    header: dict[str, int] | None = None
    tables = data_rows = 0
    for i, line in enumerate(lines, start=1):
        if header is not None:
            if is_separator(line):
                continue
            if line.lstrip().startswith("|"):
                data_rows += 1
                rows.extend(_md_row(cells(line), header, ctx, f"line {i}", line, notes))
                continue
            header = None
            ctx.gguf = None
        h = _bench_header(line)
        if h is not None:
            header = h
            tables += 1
            continue
        ctx.read(line)
    why = "the table has no data rows" if tables and not data_rows else ""
    return finish(TOOL, "llama-bench markdown", name, rows, notes, why)


def _md_row(
    row: list[str],
    header: dict[str, int],
    ctx: Context,
    where: str,
    raw: str,
    notes: list[str],
) -> Iterator[BenchRow]:
    def col(key: str) -> str | None:
        i = header.get(key)
        return row[i] if i is not None and i < len(row) and row[i] else None

    test, ts = col("test"), col("t/s")
    if test is None or ts is None:
        notes.append(f"{where}: no test or t/s value; skipped")
        return
    parsed = _test(test)
    if parsed is None:
        notes.append(f"{where}: test '{test}' is not a pp or tg run; skipped")
        return
    m = _TS.match(ts)
    value = num(m.group(1)) if m else None
    metric, in_len, out_len, depth = parsed
    model_cell = col("model") or ""
    row_notes: list[str] = []
    gpu, count = ctx.gpu(col("backend"), row_notes)
    model = ctx.gguf or ftype_model(model_cell) or None
    if ctx.gguf is None and model:
        row_notes.append("model named by llama.cpp architecture and size only")
    quant = ftype_quant(model_cell) or (gguf_quant(ctx.gguf) if ctx.gguf else None)
    ngl = whole(col("ngl") or col("n_gpu_layers"))
    r = make_row(
        notes,
        where,
        metric=metric,
        value=value,
        batch=1,
        input_len=in_len,
        output_len=out_len,
        context_len=depth,
        model=model,
        quant=quant,
        kv_quant=text_of(col("type_k")),
        gpu=gpu,
        gpu_count=count,
        engine=ENGINE,
        gpu_layers=ngl,
        batched_tokens=whole(col("n_ubatch")) or None,
        notes=tuple(row_notes),
        raw=raw,
    )
    if r is not None:
        yield r


# ---- records: JSON, JSONL, CSV, SQL --------------------------------------------------------


def is_record(obj: object) -> bool:
    return isinstance(obj, dict) and "avg_ts" in obj and ("n_prompt" in obj or "n_gen" in obj)


def _truthy(v: object) -> bool:
    return v is True or v == 1 or (isinstance(v, str) and v.strip().lower() in ("1", "true"))


def parse_records(records: Sequence[Mapping[str, object]], name: str, fmt: str) -> ImportedRun:
    rows: list[BenchRow] = []
    notes: list[str] = []
    for i, rec in enumerate(records, start=1):
        r = _record_row(rec, f"record {i}", notes)
        if r is not None:
            rows.append(r)
    return finish(TOOL, fmt, name, rows, notes)


def _record_row(rec: Mapping[str, object], where: str, notes: list[str]) -> BenchRow | None:
    n_prompt = whole(rec.get("n_prompt")) or 0
    n_gen = whole(rec.get("n_gen")) or 0
    if n_prompt and n_gen:
        notes.append(f"{where}: pp{n_prompt}+tg{n_gen} is a combined rate; skipped")
        return None
    if not n_prompt and not n_gen:
        notes.append(f"{where}: neither n_prompt nor n_gen is set; skipped")
        return None
    metric = "prefill_tokens_per_s" if n_prompt else "decode_tokens_per_s"
    depth = whole(rec.get("n_depth"))
    model_file = text_of(rec.get("model_filename"))
    model_type = text_of(rec.get("model_type")) or ""
    row_notes: list[str] = []
    backends = text_of(rec.get("backends"))
    gpu_info = text_of(rec.get("gpu_info"))
    if backends is None and not gpu_info and any(k in rec for k in _OLD_FLAGS):
        # 2023 schema: one flag per backend. Only trusted when no GPU is named, because
        # that schema's CSV/SQL rows carry an unnamed extra flag that shifts these columns.
        on = [k for k in _OLD_FLAGS if _truthy(rec.get(k)) and k not in ("gpu_blas", "blas")]
        backends = ",".join(on) if on else "CPU"
    gpu: str | None = None
    count: int | None = None
    b = (backends or "").lower()
    if backends is not None and not any(k in b for k in _GPU_BACKENDS):
        gpu, count = "CPU", 1
    elif gpu_info:
        parts = [p.strip() for p in gpu_info.split(",") if p.strip()]
        names = sorted(set(parts))
        gpu, count = " + ".join(names), len(parts)
        if len(names) > 1:
            row_notes.append(f"devices differ: {gpu_info}")
    elif "metal" in b:
        row_notes.append("Metal backend: an Apple GPU, not named in the file")
    if "rpc" in b:
        row_notes.append("RPC backend: devices on other machines are not counted")
    ngl = whole(rec.get("n_gpu_layers"))
    return make_row(
        notes,
        where,
        metric=metric,
        value=num(rec.get("avg_ts")),
        batch=1,
        input_len=n_prompt,
        output_len=n_gen,
        context_len=depth or None,
        model=model_file or ftype_model(model_type) or None,
        quant=ftype_quant(model_type) or (gguf_quant(model_file) if model_file else None),
        kv_quant=text_of(rec.get("type_k")),
        gpu=gpu,
        gpu_count=count,
        engine=ENGINE,
        gpu_layers=ngl,
        batched_tokens=whole(rec.get("n_ubatch")) or None,
        notes=tuple(row_notes),
        raw=_record_raw(rec),
    )


def _record_raw(rec: Mapping[str, object]) -> str:
    keys = (
        "model_filename",
        "model_type",
        "gpu_info",
        "backends",
        "n_prompt",
        "n_gen",
        "n_depth",
        "avg_ts",
    )
    return short(", ".join(f"{k}={rec[k]}" for k in keys if k in rec))


def _aligned(header: list[str], values: list[str], where: str, notes: list[str]) -> dict[str, str]:
    if len(values) > len(header):
        # llama-bench of 2023 wrote one value more than its header names (an unnamed
        # column early in the row); the measurements sit at the end, so align from the right.
        notes.append(
            f"{where}: {len(values)} values for {len(header)} columns; aligned from the right"
        )
        values = values[len(values) - len(header) :]
    elif len(values) < len(header):
        return {}
    return dict(zip(header, values, strict=True))


def csv_header(first_line: str) -> list[str] | None:
    head = [h.strip().strip('"') for h in first_line.split(",")]
    if "avg_ts" in head and ("n_prompt" in head or "n_gen" in head):
        return head
    return None


def parse_csv(text: str, name: str) -> ImportedRun:
    fmt = "llama-bench CSV"
    try:
        table = [r for r in csv.reader(io.StringIO(text)) if r]
    except csv.Error as exc:
        raise BenchImportError(f"{name}: {fmt}: cannot read it: {exc}") from None
    if len(table) < 2:
        raise BenchImportError(f"{name}: {fmt}: no usable numbers: header only")
    header = [h.strip() for h in table[0]]
    notes: list[str] = []
    records: list[Mapping[str, object]] = []
    for i, values in enumerate(table[1:], start=2):
        rec = _aligned(header, values, f"line {i}", notes)
        if rec:
            records.append(rec)
        else:
            notes.append(f"line {i}: fewer values than columns; skipped")
    if not records:
        raise BenchImportError(f"{name}: {fmt}: no usable numbers: {notes[-1]}")
    run = parse_records(records, name, fmt)
    return run.model_copy(update={"notes": tuple(notes) + run.notes})


_INSERT = re.compile(r"INSERT\s+INTO\s+\w+\s*\(([^)]*)\)\s*VALUES\s*\((.*)\)\s*;?\s*$", re.I)


def _sql_values(s: str) -> list[str]:
    """The values of an SQL VALUES list: 'quoted' (with '' escapes) or bare."""
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        while i < n and s[i] in " \t":
            i += 1
        if i < n and s[i] == "'":
            i += 1
            buf: list[str] = []
            while i < n:
                if s[i] == "'":
                    if s[i + 1 : i + 2] == "'":
                        buf.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(s[i])
                i += 1
            out.append("".join(buf))
            comma = s.find(",", i)
        else:
            comma = s.find(",", i)
            out.append((s[i:] if comma < 0 else s[i:comma]).strip())
        i = n if comma < 0 else comma + 1
    return out


def is_sql(text: str) -> bool:
    return bool(re.search(r"INSERT\s+INTO\s+\w+\s*\([^)]*avg_ts", text, re.I))


def parse_sql(text: str, name: str) -> ImportedRun:
    notes: list[str] = []
    records: list[Mapping[str, object]] = []
    for i, line in enumerate(text.splitlines(), start=1):
        m = _INSERT.match(line.strip())
        if not m:
            continue
        header = [c.strip() for c in m.group(1).split(",")]
        values = _sql_values(m.group(2))
        rec = _aligned(header, values, f"line {i}", notes)
        if rec:
            records.append(rec)
        else:
            notes.append(f"line {i}: fewer values than columns; skipped")
    if not records:
        raise BenchImportError(f"{name}: llama-bench SQL: no usable numbers: no complete INSERT")
    run = parse_records(records, name, "llama-bench SQL")
    return run.model_copy(update={"notes": tuple(notes) + run.notes})
