"""trtllm-bench throughput reports (both layouts) and GenAI-Perf / AIPerf output."""

from __future__ import annotations

import json

import pytest
from benchfiles import load, load_text

from planner.benchimport import BenchImportError, parse_text

T = "trtllm-bench/"
G = "genai-perf/"


def test_trtllm_engine_layout() -> None:
    run = load(T + "DOCS-EXAMPLE_trtllm-0.17.0_throughput_tensorrt-engine_llama-3.1-8b-fp8_128-128")
    assert (run.tool, run.format) == ("trtllm-bench", "trtllm-bench throughput report")
    (row,) = run.rows
    # "Token Throughput (tokens/sec):  28390.4265" is output tokens only in 0.17:
    # 3000 requests x 128 output tokens / 13.5256862 s total latency
    assert row.metric == "output_tokens_per_s_total" and row.value == 28390.4265
    assert row.value == pytest.approx(3000 * 128 / 13.5256862, rel=1e-6)
    assert (row.input_len, row.output_len) == (128, 128)
    assert row.saturated and row.batch is None  # all requests issued at once
    assert (row.model, row.quant, row.kv_quant) == ("meta-llama/Llama-3.1-8B", "FP8", "FP8")
    assert (row.tp, row.pp, row.gpu_count, row.engine) == (1, 1, 1, "tensorrt-llm")
    assert any("TensorRT engine layout" in n for n in row.notes)


def test_trtllm_pytorch_layout_with_latencies() -> None:
    run = load(
        T + "DOCS-EXAMPLE_trtllm-0.21.0rc0_throughput_pytorch_streaming_llama-3.1-8b-instruct_"
        "128-128_nvidia-blog.txt"
    )
    assert [(r.metric, r.value) for r in run.rows] == [
        ("output_tokens_per_s_total", 11076.77),
        ("ttft_ms", 162.6706),
        ("tpot_ms", 7.3272),
    ]
    row = run.rows[0]
    assert row.batch == 95  # "Number of concurrent requests:  94.6050"
    assert row.quant == "bfloat16"  # "Quantization: None", "Dtype: bfloat16"
    assert row.kv_quant is None
    assert any("PyTorch layout" in n for n in row.notes)


def test_trtllm_pytorch_layout_variants() -> None:
    vl = load(
        T + "DOCS-EXAMPLE_trtllm_throughput_pytorch-backend_qwen2-vl-2b_multimodal_report.txt"
    )
    (row,) = vl.rows
    assert (row.value, row.input_len, row.output_len, row.batch) == (185.8351, 412, 129, 5)
    ds = load(
        T + "trtllm-1.1.0rc1_throughput_pytorch_deepseek-r1-nvfp4_tp4-ep4_1k-1k_pr7104_PARTIAL.txt"
    )
    (row,) = ds.rows
    assert (row.value, row.tp, row.ep, row.gpu_count) == (7517.2584, 4, 4, 4)
    assert (row.quant, row.kv_quant, row.model) == ("NVFP4", "FP8", "deepseek-ai/DeepSeek-R1")
    partial = load(
        T
        + "h100_trtllm_throughput_llama-3.1-8b-instruct-fp8_128-128_30000req_issue6294_PARTIAL.txt"
    )
    (row,) = partial.rows
    assert row.value == 6957.303 and row.saturated and row.input_len is None


def test_trtllm_report_without_overview() -> None:
    text = (
        "===========================================================\n"
        "= ENGINE DETAILS\n"
        "===========================================================\n"
        "Model:                  meta-llama/Llama-3.1-8B\n"
    )
    with pytest.raises(BenchImportError, match="no PERFORMANCE OVERVIEW"):
        parse_text(text, "cut.txt")


def test_genai_perf_console_streaming() -> None:
    run = load(G + "DOCS-EXAMPLE_genai-perf_console_gpt2_triton-tensorrtllm_streaming.txt")
    assert (run.tool, run.format) == ("genai-perf", "GenAI-Perf console table")
    assert [(r.metric, r.value) for r in run.rows] == [
        ("ttft_ms", 13.68),
        ("tpot_ms", 1.86),  # inter-token latency
        ("output_tokens_per_s_total", 504.02),
    ]
    row = run.rows[0]
    assert (row.input_len, row.output_len, row.batch) == (200, 103, None)


def test_genai_perf_console_variants() -> None:
    chat = load(G + "DOCS-EXAMPLE_genai-perf_console_zephyr-7b-beta_openai-chat_streaming.txt")
    assert [r.value for r in chat.rows] == [37.99, 19.19, 51.55]
    plain = load(G + "DOCS-EXAMPLE_genai-perf_console_gpt2_openai-completions_nonstreaming.txt")
    assert [(r.metric, r.value) for r in plain.rows] == [("output_tokens_per_s_total", 257.21)]
    with_cmd = parse_text(
        "genai-perf profile -m gpt2 --backend vllm --concurrency 4 --streaming\n"
        + load_text(G + "DOCS-EXAMPLE_genai-perf_console_gpt2_triton-vllm_streaming.txt"),
        "cmd.txt",
    )
    row = with_cmd.rows[0]
    assert (row.batch, row.model, row.engine, row.value) == (4, "gpt2", "vllm", 22.04)


def test_aiperf_truncated_export_is_refused() -> None:
    with pytest.raises(BenchImportError) as exc:
        load(G + "aiperf_profile_export_aiperf.json_dynamo_issue340_PARTIAL_TRUNCATED.json")
    assert "GenAI-Perf/AIPerf JSON export: the JSON is truncated or invalid" in str(exc.value)
    assert "\n" not in str(exc.value)


def _export(unit: str = "ms", scale: float = 1.0) -> dict[str, object]:
    # Built from the tensorrtllm console table above, in profile_export_genai_perf.json layout.
    def stat(unit: str, avg: float) -> dict[str, object]:
        return {"unit": unit, "avg": avg, "p50": avg, "min": avg, "max": avg}

    return {
        "time_to_first_token": stat(unit, 13.68 * scale),
        "inter_token_latency": stat(unit, 1.86 * scale),
        "request_latency": stat(unit, 203.70 * scale),
        "output_sequence_length": stat("tokens", 103.46),
        "input_sequence_length": stat("tokens", 200.0),
        "output_token_throughput": {"unit": "tokens/sec", "avg": 504.02},
        "request_throughput": {"unit": "requests/sec", "avg": 4.87},
        "input_config": {
            "model": ["gpt2"],
            "backend": "tensorrtllm",
            "perf_analyzer": {"stimulus": {"concurrency": 2}},
        },
    }


@pytest.mark.parametrize(("unit", "scale"), [("ms", 1.0), ("ns", 1e6), ("s", 1e-3)])
def test_genai_perf_json_export(unit: str, scale: float) -> None:
    run = parse_text(json.dumps(_export(unit, scale)), "profile_export.json")
    assert run.format == "GenAI-Perf/AIPerf JSON export"
    values = {r.metric: r.value for r in run.rows}
    assert values["ttft_ms"] == pytest.approx(13.68)
    assert values["tpot_ms"] == pytest.approx(1.86)
    assert values["output_tokens_per_s_total"] == 504.02
    row = run.rows[0]
    assert (row.batch, row.model, row.engine, row.input_len, row.output_len) == (
        2,
        "gpt2",
        "tensorrt-llm",
        200,
        103,
    )


def test_genai_perf_json_without_averages() -> None:
    d = {"request_throughput": {"unit": "requests/sec", "avg": 0.15}}
    with pytest.raises(BenchImportError, match="GenAI-Perf/AIPerf JSON export: no usable numbers"):
        parse_text(json.dumps(d), "x.json")
