"""Formats are told apart by content; damaged, foreign and oversized files give one clear
line (BenchImportError) and nothing else, including under random and mutated input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from benchfiles import SAMPLES, all_samples, load, sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.benchimport import (
    BenchImportError,
    BenchRow,
    ImportedRun,
    import_benchmark,
    parse_text,
)
from planner.benchimport.model import EXPECTED
from planner.estimate.speed import SPEED_FIELDS

# Samples that hold no usable numbers by design (truncated, or a layout without them).
REFUSED = {
    "aiperf_profile_export_aiperf.json_dynamo_issue340_PARTIAL_TRUNCATED.json",
    "ascend-npu-likely-910b_llama-3-8b-instruct_tp1_benchmark-latency_output-json.json",
    "ascend-npu-likely-910b_llama-3-8b-instruct_tp1_benchmark-throughput_output-json.json",
}
USABLE = [p for p in all_samples() if p.name not in REFUSED]


def _one_line(exc: BenchImportError) -> str:
    msg = str(exc)
    assert msg and "\n" not in msg
    assert "internal error" not in msg
    return msg


@pytest.mark.parametrize("path", USABLE, ids=lambda p: p.name[:60])
def test_every_usable_sample_imports(path: Path) -> None:
    run = import_benchmark(path)
    assert run.rows and run.source_name == path.name
    for row in run.rows:
        assert row.metric in SPEED_FIELDS and row.value > 0
        assert len(row.raw) <= 240


@pytest.mark.parametrize("path", USABLE, ids=lambda p: p.name[:60])
def test_detection_ignores_the_file_name(path: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "results.dat"
    shutil.copyfile(path, renamed)
    a, b = import_benchmark(path), import_benchmark(renamed)
    assert (b.tool, b.format, b.rows) == (a.tool, a.format, a.rows)
    assert b.source_name == "results.dat"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_samples_say_which_format(name: str) -> None:
    path = next(SAMPLES.rglob(name))
    with pytest.raises(BenchImportError) as exc:
        import_benchmark(path)
    msg = _one_line(exc.value)
    assert any(k in msg for k in ("AIPerf", "vLLM bench latency", "vLLM bench throughput"))


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "the file is empty"),
        (b"   \n\n\t\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary data"),
        (bytes(range(128, 256)) * 40, "binary data"),
        (b"hello world\nthis is a note\n", "not a recognised benchmark output: " + EXPECTED),
        (b"| a | b | c |\n|---|---|---|\n| 1 | 2 | 3 |\n", "not a recognised benchmark output"),
        (
            b"| model | size | backend | t/s |\n|--|--|--|--|\n| x | 1 | CPU | 5 |\n",
            "not a recognised benchmark output",
        ),
        (b'{"foo": 1, "bar": [1, 2]}', "JSON with keys foo, bar"),
        (b"[1, 2, 3]", "JSON of another shape"),
        (b"[]", "the JSON array is empty"),
        (
            b'{"avg_ts": 12.5, "n_prompt": 512, "n_gen": 0, "model_type"',
            "llama-bench JSON: the JSON is truncated or invalid",
        ),
        (
            b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            "invalid JSON",
        ),
        (b"build_commit,n_prompt,n_gen,avg_ts\n", "llama-bench CSV: no usable numbers"),
        (b'{"avg_latency": 1.5, "latencies": [1.5]}', "vLLM bench latency JSON"),
    ],
)
def test_damaged_and_foreign_input(content: bytes, needle: str, tmp_path: Path) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    with pytest.raises(BenchImportError) as exc:
        import_benchmark(path)
    msg = _one_line(exc.value)
    assert needle in msg
    assert msg.startswith("input.txt: ")


def test_truncated_json_and_jsonl_samples(tmp_path: Path) -> None:
    full = sample("llama-bench/DOCS-EXAMPLE_rtx4080_qwen2.5-7b-q4km_b5163.json").read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(full[: len(full) // 2])
    with pytest.raises(BenchImportError, match="llama-bench JSON: the JSON is truncated"):
        import_benchmark(cut)
    lines = sample(
        "sglang/h200x4_llama-3.3-70b_bench-serving_online_random+sharegpt.jsonl"
    ).read_bytes()
    cut.write_bytes(lines[: len(lines) - 100])
    with pytest.raises(
        BenchImportError, match="SGLang bench_serving JSON lines: line 7 is not valid"
    ):
        import_benchmark(cut)


def test_wrong_columns_in_a_llama_bench_csv(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("n_prompt,n_gen,avg_ts,model_type\n512,0\n", encoding="utf-8")
    with pytest.raises(BenchImportError, match="llama-bench CSV: no usable numbers: line 2: fewer"):
        import_benchmark(path)


def test_oversized_files_are_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(BenchImportError, match=r"over the 0\.001 MB limit"):
        import_benchmark(path, max_bytes=1000)
    ok = sample("ollama/mistral_run-verbose_session_issue1806.txt")
    assert import_benchmark(ok, max_bytes=10_000).rows


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(BenchImportError, match="not a file"):
        import_benchmark(tmp_path / "nope.json")
    with pytest.raises(BenchImportError, match="not a file"):
        import_benchmark(tmp_path)


def test_utf16_and_bom_text_decodes(tmp_path: Path) -> None:
    text = sample("ollama/mistral_run-verbose_session_issue1806.txt").read_text(encoding="utf-8")
    for enc, name in (("utf-16", "a.txt"), ("utf-8-sig", "b.txt")):
        path = tmp_path / name
        path.write_bytes(text.encode(enc))
        assert len(import_benchmark(path).rows) == 2


def test_result_models_are_frozen() -> None:
    run = load("llama-bench/DOCS-EXAMPLE_rtx4080_qwen2.5-7b-q4km_b5163.json")
    with pytest.raises(ValueError):
        run.rows[0].value = 1.0  # type: ignore[misc]
    assert isinstance(run, ImportedRun) and isinstance(run.rows[0], BenchRow)


# ---- fuzz ----------------------------------------------------------------------------------

FUZZ = settings(
    max_examples=int(__import__("os").environ.get("BENCH_FUZZ", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SMALL_TEXTS = [
    p.read_text(encoding="utf-8", errors="replace")
    for p in all_samples()
    if p.stat().st_size < 30_000
]
WORDS = [
    "pp512",
    "tg128",
    "| model | test | t/s |",
    "|---|---|",
    "avg_ts",
    "n_prompt",
    "Infinity",
    "============ Serving Benchmark Result ============",
    "= PERFORMANCE OVERVIEW",
    "Mean TTFT (ms):",
    "Prompt: 5 tokens, 1.0 tokens-per-sec",
    "eval rate:",
    "{",
    "}",
    "[",
    '"eval_duration": 1',
    "NaN",
    "-1",
    "1e999",
    "± ",
    "\x1b[K",
    "\x00",
    "Namespace(",
    "Concurrency:",
    "Trial 1:  prompt_tps=1, generation_tps=2",
    "GenAI-Perf | LLM Metrics",
]


def _check(text: str) -> None:
    try:
        run = parse_text(text, "fuzz.txt")
    except BenchImportError as exc:
        _one_line(exc)
        return
    assert isinstance(run, ImportedRun) and run.rows
    for row in run.rows:
        assert row.value > 0


@FUZZ
@given(st.text(max_size=3000))
def test_random_text(text: str) -> None:
    _check(text)


@FUZZ
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=20), max_size=40).map(" \n".join))
def test_random_benchmark_words(text: str) -> None:
    _check(text)


@FUZZ
@given(
    st.sampled_from(SMALL_TEXTS),
    st.lists(
        st.tuples(
            st.sampled_from(["cut", "drop", "insert", "swap"]),
            st.floats(0, 1),
            st.floats(0, 1),
            st.text(max_size=30) | st.sampled_from(WORDS),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_samples(base: str, edits: list[tuple[str, float, float, str]]) -> None:
    text = base
    for op, a, b, ins in edits:
        i, j = sorted((int(a * len(text)), int(b * len(text))))
        if op == "cut":
            text = text[:j]
        elif op == "drop":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + ins + text[i:]
        else:
            text = text[:i] + text[j:] + text[i:j]
    _check(text)


@FUZZ
@given(st.sampled_from([p for p in all_samples() if p.suffix in (".json", ".jsonl")]), st.data())
def test_mutated_json_values(path: Path, data: st.DataObject) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    docs: list[object] = []
    try:
        docs = [json.loads("\n".join(lines))]
    except json.JSONDecodeError:
        try:
            docs = [json.loads(ln) for ln in lines if ln.strip()]
        except json.JSONDecodeError:
            return
    junk = (
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) | st.just([])
    )

    def mutate(obj: object) -> object:
        if isinstance(obj, dict):
            return {
                k: (data.draw(junk) if data.draw(st.integers(0, 4)) == 0 else mutate(v))
                for k, v in obj.items()
            }
        if isinstance(obj, list) and len(obj) < 50:
            return [mutate(v) for v in obj]
        return obj

    text = "\n".join(json.dumps(mutate(d)) for d in docs)
    _check(text)
