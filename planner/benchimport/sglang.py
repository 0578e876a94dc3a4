"""SGLang `python -m sglang.bench_serving`: the printed summary and the --output-file JSONL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from planner.benchimport.model import BenchRow, ImportedRun, finish, short, text_of
from planner.benchimport.serving import from_record, parse_summaries, serving_rows, summary_blocks

TOOL = "sglang bench_serving"
ENGINE = "sglang"


def is_result(d: Mapping[str, object]) -> bool:
    """A bench_serving result object (vLLM's saved results carry model_id/date instead)."""
    if "total_output_tokens_retokenized" in d:
        return True
    return (
        "output_throughput" in d
        and "model_id" not in d
        and any(k in d for k in ("mean_e2e_latency_ms", "median_e2e_latency_ms", "median_itl_ms"))
    )


def parse_results(records: Sequence[Mapping[str, object]], name: str, fmt: str) -> ImportedRun:
    rows: list[BenchRow] = []
    notes: list[str] = []
    for i, d in enumerate(records, start=1):
        s = from_record(
            d,
            model_keys=("model_id", "model_path", "model"),
            e2e_key="mean_e2e_latency_ms",
            tp_keys=("tp_size", "tp"),
            concurrency_key="concurrency",
        )
        dataset = text_of(d.get("dataset_name"))
        if dataset:
            s.notes.append(f"dataset {dataset}")
        raw = short(
            ", ".join(
                f"{k}={d[k]}"
                for k in (
                    "backend",
                    "dataset_name",
                    "request_rate",
                    "max_concurrency",
                    "completed",
                    "output_throughput",
                    "median_ttft_ms",
                    "median_itl_ms",
                )
                if k in d
            )
        )
        rows += serving_rows(s, ENGINE, f"record {i}", raw, notes)
    return finish(TOOL, fmt, name, rows, notes)


def parse_printed(text: str, name: str) -> ImportedRun:
    return parse_summaries(text, name, TOOL, ENGINE, "SGLang bench_serving printed summary")


def is_printed(text: str) -> bool:
    """SGLang's summary block names the backend and counts retokenized output."""
    return any(
        "backend" in labels or "total generated tokens (retokenized)" in labels
        for _s, labels, _raw, _line in summary_blocks(text)
    )
