"""What online serving benchmarks (vLLM, SGLang) share: their summary numbers, how load maps
to a batch, and the command lines printed around them."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from planner.benchimport.model import BenchRow, ImportedRun, finish, make_row, num, text_of, whole
from planner.benchimport.names import quant_hint

# Client "backends" that name the engine behind the endpoint.
ENGINE_OF_BACKEND = {
    "vllm": "vllm",
    "sglang": "sglang",
    "sglang-native": "sglang",
    "sglang-oai": "sglang",
    "sglang-oai-chat": "sglang",
    "lmdeploy": "lmdeploy",
    "trt": "tensorrt-llm",
    "tensorrt-llm": "tensorrt-llm",
    "tensorrtllm": "tensorrt-llm",
    "llama.cpp": "llama.cpp",
    "ollama": "ollama",
}
GENERIC_BACKENDS = ("openai", "openai-chat", "openai-audio", "oai", "oai-chat")


@dataclass
class Serving:
    """One serving run's summary; None where the output does not give it."""

    model: str | None = None
    backend: str | None = None
    request_rate: float | None = None  # math.inf for "inf"
    max_concurrency: int | None = None
    num_prompts: int | None = None
    completed: int | None = None
    duration_s: float | None = None
    total_input: int | None = None
    total_output: int | None = None
    output_throughput: float | None = None
    mean_ttft_ms: float | None = None
    median_ttft_ms: float | None = None
    mean_tpot_ms: float | None = None
    mean_itl_ms: float | None = None
    median_itl_ms: float | None = None
    mean_e2e_ms: float | None = None
    concurrency: float | None = None  # mean in flight, as the tool measured it
    tp: int | None = None
    pp: int | None = None
    gpu: str | None = None
    notes: list[str] = field(default_factory=list)


def from_record(
    d: Mapping[str, object],
    *,
    model_keys: Sequence[str],
    e2e_key: str,
    tp_keys: Sequence[str],
    pp_keys: Sequence[str] = (),
    concurrency_key: str | None = None,
) -> Serving:
    """A serving result from one JSON record (vLLM and SGLang share most key names)."""

    def first(keys: Sequence[str]) -> object:
        return next((d.get(k) for k in keys if d.get(k)), None)

    return Serving(
        model=next((t for t in (text_of(d.get(k)) for k in model_keys) if t), None),
        backend=text_of(d.get("backend")),
        request_rate=rate(d.get("request_rate")),
        max_concurrency=whole(d.get("max_concurrency")) or None,
        num_prompts=whole(d.get("num_prompts")),
        completed=whole(d.get("completed")),
        duration_s=num(d.get("duration")),
        total_input=whole(d.get("total_input_tokens")),
        total_output=whole(d.get("total_output_tokens")),
        output_throughput=num(d.get("output_throughput")),
        mean_ttft_ms=num(d.get("mean_ttft_ms")),
        median_ttft_ms=num(d.get("median_ttft_ms")),
        mean_tpot_ms=num(d.get("mean_tpot_ms")),
        mean_itl_ms=num(d.get("mean_itl_ms")),
        median_itl_ms=num(d.get("median_itl_ms")),
        mean_e2e_ms=num(d.get(e2e_key)),
        concurrency=num(d.get(concurrency_key)) if concurrency_key else None,
        tp=whole(first(tp_keys)) or None,
        pp=whole(first(pp_keys)) or None if pp_keys else None,
    )


def rate(value: object) -> float | None:
    if isinstance(value, str) and value.strip().lower() in ("inf", "infinity"):
        return math.inf
    if isinstance(value, float) and math.isinf(value) and value > 0:
        return math.inf
    v = num(value)
    return v if v is not None and v > 0 else None


def _engine(s: Serving, own: str) -> tuple[str | None, list[str]]:
    b = (s.backend or "").strip().lower()
    if b in ENGINE_OF_BACKEND:
        return ENGINE_OF_BACKEND[b], []
    if not b or b in GENERIC_BACKENDS:
        said = f"backend '{s.backend}'" if b else "no backend named"
        return own, [f"engine assumed {own} ({said})"]
    return None, [f"backend '{s.backend}' does not name an engine this planner models"]


def _batch(s: Serving) -> tuple[int | None, list[str]]:
    sent = s.num_prompts or s.completed
    if s.max_concurrency:
        b = min(s.max_concurrency, sent) if sent else s.max_concurrency
        note = f"batch = max concurrency {s.max_concurrency}"
        if s.request_rate is not None and s.request_rate != math.inf:
            note += f" (an upper bound at request rate {s.request_rate:g}/s)"
        return b, [note]
    if s.request_rate == math.inf and sent:
        return sent, [f"request rate inf: all {sent} requests sent at once; batch = {sent}"]
    conc = s.concurrency
    how = "as measured by the tool"
    if conc is None and s.mean_e2e_ms and s.completed and s.duration_s:
        conc = s.completed * s.mean_e2e_ms / 1000.0 / s.duration_s
        how = "requests x mean end-to-end latency / duration"
    rounded = whole(conc)
    if conc is not None and rounded is not None and conc > 0:
        return max(1, rounded), [f"batch = mean concurrency {conc:.2f} ({how}), not fixed"]
    if s.request_rate is not None:
        return None, [
            f"request rate {s.request_rate:g}/s with no concurrency limit: "
            "the load has no fixed batch"
        ]
    return None, ["the output does not state the request rate or concurrency"]


def serving_rows(
    s: Serving, own_engine: str, where: str, raw: str, notes: list[str]
) -> list[BenchRow]:
    """Output throughput, TTFT and TPOT rows of one serving run."""
    engine, eng_notes = _engine(s, own_engine)
    batch, batch_notes = _batch(s)
    done = s.completed or None
    in_len = round(s.total_input / done) if s.total_input is not None and done else None
    out_len = round(s.total_output / done) if s.total_output is not None and done else None
    shared: list[str] = [*s.notes, *eng_notes, *batch_notes]
    if in_len is not None:
        shared.append("input/output lengths are means over the completed requests")
    else:
        shared.append("the output does not give token totals: lengths unknown")
    common: dict[str, object] = {
        "batch": batch,
        "input_len": in_len,
        "output_len": out_len,
        "model": s.model,
        "quant": quant_hint(s.model) if s.model else None,
        "gpu": s.gpu,
        "engine": engine,
        "tp": s.tp,
        "pp": s.pp,
        "gpu_count": s.tp * (s.pp or 1) if s.tp else None,
        "raw": raw,
    }
    out: list[tuple[str, float | None, str | None]] = [
        ("output_tokens_per_s_total", s.output_throughput, None),
    ]
    if s.mean_ttft_ms is not None:
        out.append(("ttft_ms", s.mean_ttft_ms, "mean TTFT"))
    elif s.median_ttft_ms is not None:
        out.append(("ttft_ms", s.median_ttft_ms, "median TTFT (no mean in the file)"))
    if s.mean_tpot_ms is not None:
        out.append(("tpot_ms", s.mean_tpot_ms, "mean TPOT"))
    elif s.mean_itl_ms is not None:
        out.append(("tpot_ms", s.mean_itl_ms, "mean ITL (no TPOT in the file)"))
    elif s.median_itl_ms is not None:
        out.append(("tpot_ms", s.median_itl_ms, "median ITL (no mean in the file)"))
    rows: list[BenchRow] = []
    for metric, value, what in out:
        if value is None:
            continue
        row_notes = tuple(shared + ([what] if what else []))
        r = make_row(notes, where, metric=metric, value=value, notes=row_notes, **common)
        if r is not None:
            rows.append(r)
    return rows


# ---- printed output ------------------------------------------------------------------------

_NS_ITEM = re.compile(r"\b(\w+)=('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,()\[\]{}]*)")
_ARGS = {
    "model": re.compile(r"--model(?:-path)?(?:=|\s+)['\"]?([^\s'\"]+)"),
    "tp": re.compile(r"--(?:tp|tp-size|tensor-parallel-size)(?:=|\s+)(\d+)"),
    "pp": re.compile(r"--(?:pp|pp-size|pipeline-parallel-size)(?:=|\s+)(\d+)"),
    "num_prompts": re.compile(r"--num-prompts(?:=|\s+)(\d+)"),
    "max_concurrency": re.compile(r"--max-concurrency(?:=|\s+)(\d+)"),
    "request_rate": re.compile(r"--request-rate(?:=|\s+)([\d.]+|inf)"),
    "backend": re.compile(r"--backend(?:=|\s+)([\w.-]+)"),
}


def namespace(line: str) -> dict[str, str]:
    """Values of a printed argparse Namespace(...) line, unquoted."""
    start = line.find("Namespace(")
    if start < 0 or len(line) > 50_000:
        return {}
    out: dict[str, str] = {}
    for m in _NS_ITEM.finditer(line[start + len("Namespace(") :]):
        v = m.group(2).strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        out.setdefault(m.group(1), v)
    return out


def command_args(line: str) -> dict[str, str]:
    """Benchmark and server flags on a command line."""
    return {k: m.group(1) for k, p in _ARGS.items() if (m := p.search(line))}


def label_values(lines: list[str]) -> dict[str, str]:
    """'Mean TTFT (ms):   65.26' lines as {'mean ttft (ms)': '65.26'}."""
    out: dict[str, str] = {}
    for line in lines:
        if ":" not in line:
            continue
        label, _, value = line.rpartition(":")
        key = " ".join(label.strip().lower().split())
        if key and value.strip():
            out[key] = value.strip()
    return out


def apply_context(s: Serving, args: dict[str, str]) -> None:
    """Fill what the lines before a summary block state (Namespace, command lines)."""
    if s.model is None and args.get("model"):
        s.model = args["model"]
    if s.backend is None and args.get("backend"):
        s.backend = args["backend"]
    if s.num_prompts is None:
        s.num_prompts = whole(args.get("num_prompts"))
    if s.max_concurrency is None:
        s.max_concurrency = whole(args.get("max_concurrency")) or None
    if s.request_rate is None:
        s.request_rate = rate(args.get("request_rate"))
    if s.tp is None:
        s.tp = whole(args.get("tp") or args.get("tensor_parallel_size")) or None
    if s.pp is None:
        s.pp = whole(args.get("pp") or args.get("pipeline_parallel_size")) or None


_BLOCK_TITLE = re.compile(r"=+\s*Serving Benchmark Result\s*=+")
_RULE = re.compile(r"^\s*={10,}\s*$")
_LABEL_LINE = re.compile(r"^[^:=]+:\s*\S")


def _body_line(line: str) -> bool:
    """A summary line: "Label:   value" or a "-----Time to First Token-----" heading."""
    t = line.strip()
    if t.startswith("---") and t.endswith("---"):
        return True
    return bool(_LABEL_LINE.match(t)) and not _RULE.match(t)


_CONTEXT_LINES = {
    "maximum request concurrency": "max_concurrency",
    "traffic request rate": "request_rate",
}


def has_summary_block(text: str) -> bool:
    return bool(_BLOCK_TITLE.search(text))


def summary_blocks(text: str) -> list[tuple[Serving, dict[str, str], str, int]]:
    """Every printed 'Serving Benchmark Result' block with what the lines before it state.

    Returns (summary, block labels, raw text, line number) per block.
    """
    lines = text.splitlines()
    out: list[tuple[Serving, dict[str, str], str, int]] = []
    args: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if not _BLOCK_TITLE.search(line):
            ns = namespace(line)
            for key in (
                "model",
                "max_concurrency",
                "num_prompts",
                "request_rate",
                "backend",
                "tensor_parallel_size",
                "pipeline_parallel_size",
            ):
                if key in ns:
                    args[key] = ns[key]
            args.update(command_args(line))
            label, _, value = line.partition(":")
            ctx_key = _CONTEXT_LINES.get(" ".join(label.strip().lower().split()))
            if ctx_key and value.strip():
                args[ctx_key] = value.strip()
            i += 1
            continue
        start = i
        i += 1
        body: list[str] = []
        while i < len(lines) and _body_line(lines[i]):
            body.append(lines[i])
            i += 1
        labels = label_values(body)
        s = _from_labels(labels)
        apply_context(s, args)
        raw = " ".join(ln.strip() for ln in body[:6])
        out.append((s, labels, raw, start + 1))
        args = {}
    return out


def _from_labels(v: dict[str, str]) -> Serving:
    def f(*keys: str) -> float | None:
        for k in keys:
            if k in v:
                x = num(v[k].split()[0]) if v[k].split() else None
                if x is not None:
                    return x
        return None

    s = Serving(
        backend=v.get("backend"),
        completed=whole(f("successful requests")),
        duration_s=f("benchmark duration (s)"),
        total_input=whole(f("total input tokens")),
        total_output=whole(f("total generated tokens")),
        output_throughput=f("output token throughput (tok/s)"),
        mean_ttft_ms=f("mean ttft (ms)"),
        median_ttft_ms=f("median ttft (ms)"),
        mean_tpot_ms=f("mean tpot (ms)"),
        mean_itl_ms=f("mean itl (ms)"),
        median_itl_ms=f("median itl (ms)"),
        mean_e2e_ms=f("mean e2el (ms)", "mean e2e latency (ms)"),
        concurrency=f("concurrency"),
    )
    for k in ("request rate configured (rps)", "traffic request rate"):
        if k in v:
            s.request_rate = rate(v[k])
            break
    for k in ("max request concurrency", "max reqeuest concurrency", "maximum request concurrency"):
        if k in v:
            s.max_concurrency = whole(v[k]) or None
            break
    peak = f("peak concurrent requests")
    if peak is not None:
        s.notes.append(f"peak concurrency {peak:g}")
    failed = whole(f("failed requests"))
    if failed:
        s.notes.append(f"{failed} requests failed")
    return s


def parse_summaries(text: str, name: str, tool: str, engine: str, fmt: str) -> ImportedRun:
    """Every printed summary block of a vLLM or SGLang serving benchmark log."""
    rows: list[BenchRow] = []
    notes: list[str] = []
    for s, _labels, raw, line in summary_blocks(text):
        rows += serving_rows(s, engine, f"line {line}", raw, notes)
    return finish(
        tool, fmt, name, rows, notes, "the summary block has no throughput or latency lines"
    )
