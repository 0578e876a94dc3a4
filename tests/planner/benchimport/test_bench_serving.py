"""vLLM (bench serve / benchmark_serving.py JSON and printed, bench throughput, bench latency,
nightly table) and SGLang bench_serving (printed and JSONL)."""

from __future__ import annotations

import pytest
from benchfiles import load, rows_of

from planner.benchimport import BenchImportError, parse_text

V = "vllm/"
SAVE_RESULT = V + "a100-40gb-x8_llama-3.3-70b_tp8_sharegpt_qps-inf_vllm-0.8.3_save-result.json"
CONSOLE = V + "a100-40gb-x8_llama-3.3-70b_tp8_vllm-0.8.3_benchmark-serving_console-log.txt"
NEW_STDOUT = V + "rtx5090_vllm-0.12.0_llama-3.1-8b-instruct_tp1_bench-serve_qps4_stdout_DECODED"
WRAPPED = (
    V + "rtx5090_vllm-0.12.0_llama-3.1-8b-instruct_tp1_bench-serve_qps4_stdout-in-wrapper-json.json"
)
SG = "sglang/"


def test_vllm_save_result_json() -> None:
    run = load(SAVE_RESULT)
    assert (run.tool, run.format) == ("vllm bench serve", "vLLM serve result JSON")
    out, ttft, tpot = run.rows
    # "output_throughput": 1780.3566341089636, "mean_ttft_ms": 360.36056903502185
    assert (out.metric, out.value) == ("output_tokens_per_s_total", 1780.3566341089636)
    assert (ttft.metric, ttft.value) == ("ttft_ms", 360.36056903502185)
    assert (tpot.metric, tpot.value) == ("tpot_ms", 39.06266014106353)
    # request_rate "inf", max_concurrency null, 200 prompts: all sent at once
    assert out.batch == 200
    # 42659 input and 42398 output tokens over 200 completed requests
    assert (out.input_len, out.output_len) == (213, 212)
    assert out.model == "meta-llama/Llama-3.3-70B-Instruct" and out.engine == "vllm"
    assert out.gpu is None and out.quant is None


def test_vllm_reduced_key_result_has_latencies_only() -> None:
    run = load(
        V
        + "ascend-npu-likely-910b_llama-3-8b-instruct_tp1_qps-inf_serving-result_reduced-keys.json"
    )
    assert [r.metric for r in run.rows] == ["ttft_ms", "tpot_ms"]
    assert run.rows[0].value == 13479.216601336375
    assert run.rows[0].input_len is None and run.rows[0].batch == 200


def test_vllm_console_log_with_four_old_layout_blocks() -> None:
    run = load(CONSOLE)
    assert run.format == "vLLM serve printed summary"
    out = rows_of(run, "output_tokens_per_s_total")
    assert [r.value for r in out] == [208.18, 673.92, 1354.37, 1780.36]
    ttft = rows_of(run, "ttft_ms")
    assert ttft[0].value == 65.26
    assert rows_of(run, "tpot_ms")[0].value == 24.56
    # qps 1, 4, 16 are Poisson arrivals without a concurrency limit: no fixed batch
    assert [r.batch for r in out] == [None, None, None, 200]
    assert any("request rate 1/s" in n for n in out[0].notes)
    assert out[0].model == "meta-llama/Llama-3.3-70B-Instruct"


def test_vllm_new_layout_stdout_and_its_json_wrapper() -> None:
    plain = load(NEW_STDOUT)
    wrapped = load(WRAPPED)
    assert plain.format == "vLLM serve printed summary"
    assert wrapped.format == "vLLM serve printed summary (in a JSON wrapper)"
    assert [(r.metric, r.value) for r in plain.rows] == [
        ("output_tokens_per_s_total", 807.79),
        ("ttft_ms", 38.75),
        ("tpot_ms", 12.77),
    ]
    assert [r.value for r in wrapped.rows] == [r.value for r in plain.rows]
    row = plain.rows[0]
    assert row.model == "meta-llama/Meta-Llama-3.1-8B-Instruct"
    assert (row.input_len, row.output_len) == (round(145810 / 720), round(152175 / 720))
    assert any("peak concurrency 29" in n for n in row.notes)
    assert any("engine assumed vllm" in n for n in row.notes)


def test_vllm_nightly_results_table() -> None:
    run = load(V + "a100-40gb-x8_llama-3.3-70b_tp8_vllm-nightly-style_benchmark_results_table.json")
    assert run.format == "vLLM nightly results table JSON"
    assert len(run.rows) == 12
    assert {(r.tp, r.pp) for r in run.rows} == {(8, 1)}
    inf = [r for r in rows_of(run, "output_tokens_per_s_total") if r.batch is not None]
    assert [(r.batch, r.value) for r in inf] == [(200, 1780.3566341089636)]


def test_vllm_throughput_and_latency_json_have_no_usable_numbers() -> None:
    with pytest.raises(BenchImportError, match="vLLM bench throughput JSON: no usable numbers"):
        load(
            V
            + "ascend-npu-likely-910b_llama-3-8b-instruct_tp1_benchmark-throughput_output-json.json"
        )
    with pytest.raises(BenchImportError, match="vLLM bench latency JSON: no usable numbers"):
        load(
            V + "ascend-npu-likely-910b_llama-3-8b-instruct_tp1_benchmark-latency_output-json.json"
        )


# Layout of vLLM's benchmark_throughput.py / `vllm bench throughput` printout (written here;
# no captured sample exists in the reference collection).
THROUGHPUT_PRINTED = """\
Namespace(backend='vllm', dataset_name='random', input_len=1024, output_len=256, n=1, \
num_prompts=1000, model='Qwen/Qwen2.5-7B-Instruct', tensor_parallel_size=2, \
quantization=None, dtype='auto', kv_cache_dtype='fp8', max_num_seqs=256)
Throughput: 7.50 requests/s, 9600.00 total tokens/s, 1920.00 output tokens/s
Total num prompt tokens:  1024000
Total num output tokens:  256000
"""


def test_vllm_throughput_printed() -> None:
    run = parse_text(THROUGHPUT_PRINTED, "tp.log")
    assert (run.tool, run.format) == ("vllm bench throughput", "vLLM bench throughput printed")
    (row,) = run.rows
    assert (row.metric, row.value, row.batch, row.saturated) == (
        "output_tokens_per_s_total",
        1920.0,
        None,
        True,
    )
    assert (row.input_len, row.output_len) == (1024, 256)
    assert (row.model, row.tp, row.gpu_count, row.kv_quant) == (
        "Qwen/Qwen2.5-7B-Instruct",
        2,
        2,
        "fp8",
    )
    old = THROUGHPUT_PRINTED.replace(
        " 9600.00 total tokens/s, 1920.00 output tokens/s", " 9600.00 tokens/s"
    )
    with pytest.raises(BenchImportError, match="total tokens/s only"):
        parse_text(old, "old.log")


LATENCY_PRINTED = """\
Namespace(model='meta-llama/Llama-3.1-8B-Instruct', tensor_parallel_size=1, input_len=32, \
output_len=128, batch_size=8, n=1, num_iters_warmup=10, num_iters=30)
Warming up...
Avg latency: 1.6 seconds
10% percentile latency: 1.55 seconds
99% percentile latency: 1.7 seconds
"""


def test_vllm_latency_printed() -> None:
    run = parse_text(LATENCY_PRINTED, "lat.log")
    (row,) = run.rows
    assert run.tool == "vllm bench latency"
    assert row.metric == "output_tokens_per_s_total"
    assert row.value == pytest.approx(8 * 128 / 1.6)
    assert (row.batch, row.input_len, row.output_len) == (8, 32, 128)
    no_args = "\n".join(LATENCY_PRINTED.splitlines()[1:])
    with pytest.raises(BenchImportError, match="Namespace line is missing"):
        parse_text(no_args, "lat.log")


def test_sglang_jsonl_online() -> None:
    run = load(SG + "h200x4_llama-3.3-70b_bench-serving_online_random+sharegpt.jsonl")
    assert (run.tool, run.format) == ("sglang bench_serving", "SGLang bench_serving JSONL")
    assert len(run.rows) == 21
    out, ttft, itl = run.rows[:3]
    assert out.value == 537.4142851849319
    # no mean TTFT/ITL in this version's JSONL: the medians are used and say so
    assert ttft.value == 85.74514742940664 and "median" in ttft.notes[-1]
    assert itl.metric == "tpot_ms" and itl.value == 13.638956006616354
    # request rate 1/s: mean concurrency = 300 x 7840.6 ms / 298.37 s
    assert out.batch == round(300 * 7.840616212638561 / 298.3675805060193) == 8
    assert (out.input_len, out.output_len) == (round(152612 / 300), round(160347 / 300))
    assert out.engine == "sglang"


def test_sglang_jsonl_offline_and_infinity() -> None:
    off = load(SG + "h200x4_llama-3.3-70b_bench-serving_offline_random+sharegpt.jsonl")
    assert off.rows[0].batch == 3000 and off.rows[0].value == 4520.698730654741
    one = load(
        SG + "h200x8_deepseek-v2_dp-attention_bench-serving.jsonl"
    )  # "request_rate": Infinity
    assert one.rows[0].batch == 10000 and one.rows[0].value == 12412.394674113431
    assert (one.rows[0].input_len, one.rows[0].output_len) == (1, 512)
    assert len(load(SG + "h200x8_llama-3.1-405b_bench-serving_online.jsonl").rows) == 18


def test_sglang_printed_summary_with_server_command() -> None:
    run = load(
        SG
        + "h200x8_deepseek-v3-tp8_bench-serving_printed-summary_qps1-4-8_main-vs-pr4918_SECTION.md"
    )
    assert run.format == "SGLang bench_serving printed summary"
    assert len(run.rows) == 18
    out, ttft, itl = run.rows[:3]
    assert (out.value, ttft.value, itl.value) == (190.52, 402.01, 35.95)
    assert out.batch == 7  # "Concurrency: 7.18"
    assert (out.model, out.tp, out.gpu_count) == ("deepseek-ai/DeepSeek-V3", 8, 8)
    assert {r.model for r in run.rows} == {"deepseek-ai/DeepSeek-V3"}
    assert [r.value for r in rows_of(run, "output_tokens_per_s_total")][2] == 500.61
