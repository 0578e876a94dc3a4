"""Ollama (--verbose timing blocks, API final objects) and MLX-LM (generate --verbose,
mlx_lm.benchmark)."""

from __future__ import annotations

import json

import pytest
from benchfiles import load, rows_of

from planner.benchimport import BenchImportError, parse_text
from planner.benchimport.ollama import go_duration

OL = "ollama/"
M = "mlx-lm/"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2m27.989997625s", 147.989997625),
        ("2m7.682s", 127.682),
        ("891.933µs", 891.933e-6),
        ("231.416ms", 0.231416),
        ("1h2m3s", 3723.0),
        ("40ns", 40e-9),
        ("12 tokens", None),
        ("", None),
        ("5x", None),
    ],
)
def test_go_durations(text: str, seconds: float | None) -> None:
    got = go_duration(text)
    assert got == (pytest.approx(seconds) if seconds is not None else None)


def test_ollama_api_generate() -> None:
    run = load(OL + "DOCS-EXAMPLE_api-generate_no-stream_llama3.2.json")
    assert (run.tool, run.format) == ("ollama", "Ollama API response JSON")
    pre, dec = run.rows
    # prompt_eval_count 26 in 325953000 ns; eval_count 290 in 4709213000 ns
    assert pre.metric == "prefill_tokens_per_s" and pre.value == pytest.approx(26 / 0.325953)
    assert (pre.batch, pre.input_len, pre.output_len) == (1, 26, 0)
    assert dec.metric == "decode_tokens_per_s" and dec.value == pytest.approx(290 / 4.709213)
    assert (dec.input_len, dec.output_len) == (26, 290)
    assert (pre.model, pre.engine) == ("llama3.2", "ollama")
    assert len(load(OL + "DOCS-EXAMPLE_api-generate_stream-final-object_llama3.2.json").rows) == 2
    tagged = load(OL + "DOCS-EXAMPLE_api-generate_structured-output_done-reason_llama3.1-8b.json")
    assert tagged.rows[0].model == "llama3.1:8b"


def test_ollama_api_stream_and_shortened_object() -> None:
    lines = [
        {"model": "llama3.1:8b-instruct-q4_K_M", "response": "Hi", "done": False},
        {
            "model": "llama3.1:8b-instruct-q4_K_M",
            "response": "",
            "done": True,
            "prompt_eval_count": 10,
            "prompt_eval_duration": 50_000_000,
            "eval_count": 100,
            "eval_duration": 2_000_000_000,
        },
    ]
    run = parse_text("\n".join(json.dumps(x) for x in lines), "stream.ndjson")
    assert [r.value for r in run.rows] == [pytest.approx(200.0), pytest.approx(50.0)]
    assert run.rows[0].quant == "Q4_K_M"  # the tag names the format
    short = load(
        OL + "orca-mini_macos-metal_api-generate-final-json_context-elided_pr2163.json.txt"
    )
    assert short.format == "Ollama API response (shortened JSON)"
    assert short.rows[0].value == pytest.approx(42 / 0.558791)
    assert short.rows[1].value == pytest.approx(11 / 0.290096)
    assert any("metal" in n for n in short.rows[0].notes)


def test_ollama_verbose_session() -> None:
    run = load(OL + "mistral_run-verbose_session_issue1806.txt")
    assert run.format == "Ollama verbose timings"
    pre, dec = run.rows
    assert pre.value == pytest.approx(11 / 0.204563)  # printed: 53.77 tokens/s
    assert dec.value == pytest.approx(120 / 4.876787)  # printed: 24.61 tokens/s
    assert pre.model == "mistral"


def test_ollama_verbose_edge_cases() -> None:
    minutes = load(OL + "timing-block-only_minutes-format_llm-ollama-issue32.txt")
    assert minutes.rows[1].value == pytest.approx(1133 / 127.682)
    assert minutes.rows[0].model is None
    ansi = load(
        OL + "mac-mini-arm64-14cpu-20gpu-64gb_gemma3-1b_llm_benchmark_verbose-capture_with-ANSI.log"
    )
    assert len(ansi.rows) == 10
    assert {r.model for r in ansi.rows} == {"gemma3:1b"}
    assert rows_of(ansi, "decode_tokens_per_s")[0].value == pytest.approx(642 / 4.665623125)


def test_ollama_flags_an_implausible_prompt_rate() -> None:
    run = load(OL + "before-after_32k-prompt_verbose-blocks_pr12742.txt")
    before, after = rows_of(run, "prefill_tokens_per_s")
    assert before.suspect and before.value == pytest.approx(32768 / 0.235137439)
    assert any("last prompt batch" in n for n in before.notes)
    assert not after.suspect and after.value == pytest.approx(4212.03, rel=1e-5)


def test_mlx_generate_verbose() -> None:
    run = load(M + "mac-mini-m4-pro-64gb_llama-3.1-8b-instruct-4bit_32k-prompt_generate-verbose")
    assert (run.tool, run.format) == ("mlx_lm.generate", "MLX-LM generate verbose")
    pre, dec = run.rows
    assert (pre.value, pre.input_len, pre.output_len) == (261.786, 32159, 0)
    assert (dec.value, dec.input_len, dec.output_len) == (23.146, 32159, 1000)
    assert (pre.model, pre.quant, pre.engine) == (
        "mlx-community/Meta-Llama-3.1-8B-Instruct-4bit",
        "mlx-4bit",
        "mlx",
    )
    prompt_only = load(
        M + "m2-ultra_mistral-7b-4bit_33k-prompt_pre-post_prompt+peak-only_mlx-lm-pr40_PARTIAL.txt"
    )
    assert [(r.metric, r.value) for r in prompt_only.rows] == [
        ("prefill_tokens_per_s", 676.212),
        ("prefill_tokens_per_s", 869.279),
    ]


def test_mlx_benchmark() -> None:
    run = load(M + "mlx_lm.benchmark_p2048-g128_5-trials_mlx-lm-pr396.txt")
    assert (run.tool, run.format) == ("mlx_lm.benchmark", "MLX-LM benchmark report")
    pre, dec = run.rows
    assert (pre.value, pre.input_len, pre.output_len) == (2902.166, 2048, 0)
    assert (dec.value, dec.input_len, dec.output_len) == (205.099, 2048, 128)
    report = load(M + "apple-m4-pro-64gb_mlx_lm.benchmark_ternary-bonsai-27b-2bit_md-report.md")
    assert [r.value for r in report.rows] == [119.782, 24.822]
    assert report.rows[0].model == "models/Ternary-Bonsai-27B-mlx-2bit"
    assert report.rows[0].quant == "mlx-2bit" and report.rows[0].input_len == 512


def test_mlx_benchmark_trials_without_averages_and_batches() -> None:
    text = (
        "Timing with prompt_tokens=512, generation_tokens=128, batch_size=4.\n"
        "Trial 1:  prompt_tps=1000.0, generation_tps=80.0, peak_memory=3.2\n"
        "Trial 2:  prompt_tps=1100.0, generation_tps=82.0, peak_memory=3.2\n"
    )
    run = parse_text(text, "b.txt")
    (row,) = run.rows  # generation_tps at batch 4 is a total: not a per-sequence rate
    assert (row.metric, row.batch, row.value) == ("prefill_tokens_per_s", 4, pytest.approx(1050.0))
    assert any("mean of 2 trials" in n for n in run.notes)
    assert any("batch 4" in n for n in run.notes)


def test_ollama_block_without_counts() -> None:
    with pytest.raises(BenchImportError, match="Ollama verbose timings: no usable numbers"):
        parse_text("total duration: 1s\nload duration: 2ms\neval rate: n/a\n", "o.txt")
