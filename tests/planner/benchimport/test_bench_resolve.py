"""resolve_rows: imported rows become Measurements on catalog entries; rows that cannot be
resolved give one reason each and never an exception."""

from __future__ import annotations

import pytest
from benchfiles import load

from planner.benchimport import ImportedRun, parse_text, resolve_rows
from planner.benchimport.names import model_candidates
from planner.catalog.load import bundled_catalog
from planner.estimate.measured import Measurement

README_MD = "llama-bench/DOCS-EXAMPLE_rtx4080_qwen2-7b-q4km_depth-sweep_md.md"
README_JSON = "llama-bench/DOCS-EXAMPLE_rtx4080_qwen2.5-7b-q4km_b5163.json"
CAT = bundled_catalog()


def test_gpu_given_on_the_command_line() -> None:
    run = load(README_MD)  # names no GPU and only "qwen2 7B"
    got, reasons = resolve_rows(CAT, run, gpu="RTX 4080", model="Qwen2.5-7B-Instruct")
    assert len(got) == 3
    assert {m.deployment.gpu.id for m in got} == {"rtx-4080"}
    assert {m.deployment.model.id for m in got} == {"qwen2.5-7b"}
    assert {m.deployment.quant.id for m in got} == {"q4_k_m"}
    assert {m.deployment.engine.id for m in got} == {"llama.cpp"}
    pp512 = got[0]
    assert isinstance(pp512, Measurement)
    assert (pp512.metric, pp512.value, pp512.batch, pp512.input_len, pp512.output_len) == (
        "prefill_tokens_per_s",
        7340.20,
        1,
        512,
        0,
    )
    assert pp512.source == f"{run.source_name}:1" and pp512.row == 1 and not pp512.suspect
    # tg128 @ d512: the 512 tokens already in the cache count as prompt for decode
    deep = got[2]
    assert (deep.metric, deep.input_len, deep.output_len) == ("decode_tokens_per_s", 512, 128)
    # pp512 @ d512 has no Measurement form
    assert reasons == [
        "row 3: prefill after 512 tokens already in the cache cannot be expressed as a measurement"
    ]


def test_without_a_gpu_every_row_gets_a_reason() -> None:
    run = load(README_MD)
    got, reasons = resolve_rows(CAT, run, model="Qwen2.5-7B-Instruct")
    assert got == []
    assert reasons == [f"row {i}: the file names no GPU: give --gpu" for i in range(1, 5)]


def test_everything_stated_in_the_file() -> None:
    got, reasons = resolve_rows(CAT, load(README_JSON))
    assert reasons == []
    dep = got[0].deployment
    # "models/Qwen2.5-7B-Instruct-Q4_K_M.gguf" on "NVIDIA GeForce RTX 4080"
    assert (dep.model.id, dep.quant.id, dep.kv_quant.id, dep.gpu.id) == (
        "qwen2.5-7b",
        "q4_k_m",
        "fp16",
        "rtx-4080",
    )
    assert dep.batched_tokens == 512 and dep.gpu_layers is None  # -ngl 99: all layers


def test_overrides_replace_what_the_file_states() -> None:
    got, reasons = resolve_rows(CAT, load(README_JSON), gpu="RTX 4090", quant="Q8_0")
    assert not reasons
    assert {(m.deployment.gpu.id, m.deployment.quant.id) for m in got} == {("rtx-4090", "q8_0")}


def test_gguf_file_names_resolve_after_stripping_the_quant() -> None:
    run = load("llama-bench/riscv-p550_rx580-vulkan_llama-3.2-3b-q4km_md-table_b4696_issue.txt")
    got, reasons = resolve_rows(CAT, run)
    assert len(reasons) == 3 and "unknown GPU 'AMD Radeon RX 580 Series'" in reasons[0]
    assert reasons[0].endswith("give --gpu")
    got, reasons = resolve_rows(CAT, run, gpu="RTX 4080")
    assert not reasons
    assert {m.deployment.model.id for m in got} == {"llama-3.2-3b"}


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("qwen2.5-7b-instruct-q4_k_m.gguf", "qwen2.5-7b"),
        ("/models/gguf/Llama-3.2-1B-Instruct-Q4_K_M.gguf", "llama-3.2-1b"),
        ("llama-2-7b.Q4_0.gguf", "llama-2-7b"),
        ("Qwen3-30B-A3B-UD-Q4_K_XL-00001-of-00003.gguf", "qwen3-30b-a3b"),
        ("llama3.2:3b", "llama-3.2-3b"),
        ("llama3.1:8b-instruct-q4_K_M", "llama-3.1-8b"),
        ("gemma3:1b", "gemma-3-1b"),
        ("mlx-community/Meta-Llama-3.1-8B-Instruct-4bit", "llama-3.1-8b"),
        ("meta-llama/Llama-3.3-70B-Instruct", "llama-3.3-70b"),
    ],
)
def test_model_spellings(name: str, model_id: str) -> None:
    found = None
    for candidate in model_candidates(name):
        try:
            found = CAT.model(candidate)
            break
        except LookupError:
            continue
    assert found is not None and found.id == model_id


def test_saturated_and_serving_rows() -> None:
    trt = load(
        "trtllm-bench/DOCS-EXAMPLE_trtllm-0.17.0_throughput_tensorrt-engine_llama-3.1-8b-fp8_"
        "128-128_console.txt"
    )
    (m,), reasons = resolve_rows(CAT, trt, gpu="H100")
    assert not reasons
    assert m.batch == "max"  # offline: the engine batched what fit
    assert (m.deployment.quant.id, m.deployment.kv_quant.id, m.deployment.engine.id) == (
        "fp8",
        "fp8",
        "tensorrt-llm",
    )
    serve = load("vllm/a100-40gb-x8_llama-3.3-70b_tp8_sharegpt_qps-inf_vllm-0.8.3_save-result.json")
    got, reasons = resolve_rows(CAT, serve)
    assert reasons == [
        f"row {i}: the file does not state the weight format: give --quant" for i in (1, 2, 3)
    ]
    got, reasons = resolve_rows(CAT, serve, quant="bf16", gpu="A100 SXM4 40GB", gpus=8, tp=8)
    assert not reasons and len(got) == 3
    assert {(m.deployment.tp, m.deployment.gpu_count, m.batch) for m in got} == {(8, 8, 200)}
    ttft = next(m for m in got if m.metric == "ttft_ms")
    assert ttft.value == 360.36056903502185 and ttft.output_len == 212


def test_rows_without_a_fixed_load_or_lengths() -> None:
    log = load("vllm/a100-40gb-x8_llama-3.3-70b_tp8_vllm-0.8.3_benchmark-serving_console-log.txt")
    _, reasons = resolve_rows(CAT, log, quant="bf16", gpu="A100 SXM4 40GB", gpus=8, tp=8)
    assert "row 1: the file does not state a fixed batch or concurrency" in reasons
    reduced = load(
        "vllm/ascend-npu-likely-910b_llama-3-8b-instruct_tp1_qps-inf_serving-result_reduced-keys.json"
    )
    _, reasons = resolve_rows(CAT, reduced, quant="bf16", gpu="H100")
    assert reasons[0] == "row 1: the file does not state the input and output lengths"


def test_suspect_rows_stay_suspect() -> None:
    run = load("ollama/before-after_32k-prompt_verbose-blocks_pr12742.txt")
    got, reasons = resolve_rows(CAT, run, model="Llama-3.1-8B", quant="Q4_K_M", gpu="RTX 4090")
    assert not reasons
    assert [m.suspect for m in got] == [True, False, False, False]
    assert {m.deployment.engine.id for m in got} == {"llama.cpp"}  # "ollama" is an alias


@pytest.mark.parametrize(
    "overrides",
    [
        {"gpu": "no such board"},
        {"gpu": "RTX 4080", "gpus": 0},
        {"gpu": "RTX 4080", "gpus": 8, "tp": 3},
        {"gpu": "RTX 4080", "quant": "Q9_Z"},
        {"gpu": "RTX 4080", "engine": "warp-drive"},
        {"gpu": "RTX 4080", "model": "nothing-like-it-7b.gguf"},
    ],
)
def test_bad_overrides_give_reasons_not_exceptions(overrides: dict[str, object]) -> None:
    run = load(README_JSON)
    got, reasons = resolve_rows(CAT, run, **overrides)  # type: ignore[arg-type]
    assert got == [] and len(reasons) == 2
    assert all(r.startswith("row ") and "\n" not in r for r in reasons)


def test_every_sample_resolves_without_raising() -> None:
    from benchfiles import all_samples

    from planner.benchimport import BenchImportError, import_benchmark

    for path in all_samples():
        try:
            run: ImportedRun = import_benchmark(path)
        except BenchImportError:
            continue
        for kw in ({}, {"gpu": "H100", "quant": "bf16", "model": "Llama-3.1-8B"}):
            got, reasons = resolve_rows(CAT, run, **kw)  # type: ignore[arg-type]
            assert len(got) + len(reasons) == len(run.rows)


def test_parse_text_rows_resolve_the_same() -> None:
    text = (
        "ggml_cuda_init: found 1 CUDA devices:\n"
        "  Device 0: NVIDIA GeForce RTX 4080, compute capability 8.9, VMM: yes\n"
        "| model | size | params | backend | ngl | test | t/s |\n"
        "| --- | ---: | ---: | --- | --: | ---: | ---: |\n"
        "| llama 8B Q4_K - Medium | 4.58 GiB | 8.03 B | CUDA | 99 | tg128 | 130.1 ± 0.2 |\n"
    )
    run = parse_text(text, "cuda.md")
    assert run.rows[0].gpu == "NVIDIA GeForce RTX 4080"
    (m,), _ = resolve_rows(CAT, run, model="Llama-3.1-8B")
    assert m.deployment.gpu.id == "rtx-4080" and m.value == 130.1
