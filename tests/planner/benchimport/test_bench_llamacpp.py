"""llama-bench (markdown, JSON, JSONL, CSV, SQL; 2023 and current schemas) and
llama-batched-bench, checked against values read off the sample files by hand."""

from __future__ import annotations

import pytest
from benchfiles import load, rows_of

from planner.benchimport import BenchImportError, parse_text

LB = "llama-bench/"
README_MD = LB + "DOCS-EXAMPLE_rtx4080_qwen2-7b-q4km_depth-sweep_md.md"
NEW = "DOCS-EXAMPLE_rtx4080_qwen2.5-7b-q4km_b5163"
OLD = "DOCS-EXAMPLE_OLD-SCHEMA-2023_rtx3090ti_llama-7b-q4_0_b1275"


def test_markdown_pp_tg_and_depth() -> None:
    run = load(README_MD)
    assert (run.tool, run.format) == ("llama-bench", "llama-bench markdown")
    assert len(run.rows) == 4
    pp512, tg128, pp_d, tg_d = run.rows
    # | qwen2 7B Q4_K - Medium | 4.36 GiB | 7.62 B | CUDA | 99 | pp512 | 7340.20 ± 23.45 |
    assert pp512.metric == "prefill_tokens_per_s" and pp512.value == 7340.20
    assert (pp512.batch, pp512.input_len, pp512.output_len, pp512.context_len) == (1, 512, 0, None)
    assert tg128.metric == "decode_tokens_per_s" and tg128.value == 120.60
    assert (tg128.input_len, tg128.output_len) == (0, 128)
    # pp512 @ d512 / tg128 @ d512: the depth is the context already in the cache
    assert (pp_d.value, pp_d.context_len, pp_d.input_len) == (6425.91, 512, 512)
    assert (tg_d.value, tg_d.context_len, tg_d.output_len) == (116.71, 512, 128)
    assert pp512.quant == "Q4_K_M"
    assert pp512.model == "qwen2 7B"  # no file name in the output: architecture and size
    assert pp512.engine == "llama.cpp" and pp512.gpu_layers == 99
    assert pp512.gpu is None  # a CUDA backend, but no device named
    assert "7340.20" in pp512.raw


def test_markdown_report_with_several_tables_takes_each_tables_model() -> None:
    run = load(LB + "gtx1080ti_cuda_bonsai-q1_0-4-models_md-report-with-tables_b9596.md")
    assert len(run.rows) == 8
    by_model = {(r.model, r.metric): r.value for r in run.rows}
    assert by_model[("models/gguf/8B/Bonsai-8B-Q1_0.gguf", "prefill_tokens_per_s")] == 1007.80
    assert by_model[("models/gguf/27B/Bonsai-27B-Q1_0.gguf", "decode_tokens_per_s")] == 28.26
    assert by_model[("models/gguf/1.7B/Bonsai-1.7B-Q1_0.gguf", "prefill_tokens_per_s")] == 4047.44
    assert {r.quant for r in run.rows} == {"Q1_0"}


def test_markdown_without_padding_and_mixed_report() -> None:
    compact = load(
        LB + "rtx-pro-6000-blackwell-96gb_cuda-13.2_ternary-bonsai-27b-q2_0_md-report_"
        "compacted-table_b9596.md"
    )
    assert [r.value for r in compact.rows] == [4552.38, 129.92]
    assert compact.rows[0].gpu_layers == 9999
    mixed = load(
        LB + "apple-m5-pro-64gb_mtl-blas_ternary-bonsai-27b-q2_0_md-report-with-table_b9591.md"
    )
    assert [r.value for r in mixed.rows] == [130.47, 26.53]  # MLX lines in the prose are ignored
    assert mixed.rows[0].gpu is None
    assert any("Metal" in n for n in mixed.rows[0].notes)


def test_markdown_device_lines_name_the_gpu() -> None:
    vulkan = load(LB + "riscv-p550_rx580-vulkan_llama-3.2-3b-q4km_md-table_b4696_issue.txt")
    assert {r.gpu for r in vulkan.rows} == {"AMD Radeon RX 580 Series"}
    assert vulkan.rows[0].model == "models/Llama-3.2-3B-Instruct-Q4_K_M.gguf"
    assert [r.value for r in vulkan.rows] == [346.76, 255.79, 36.23]
    # pp4096+tg128 is a combined prompt+generation rate: skipped, with a note
    assert any("pp4096+tg128" in n for n in vulkan.notes)
    rocm = load(
        LB
        + "strix-halo-radeon8060s_rocm-7.2.3_glm-4.7-flash-q8_0_fa1_depth32768_md-table_b9187.txt"
    )
    pp, tg = rocm.rows
    assert pp.gpu == "AMD Radeon 8060S Graphics" and pp.gpu_count == 1
    assert (pp.value, pp.input_len, pp.context_len, pp.batched_tokens) == (95.82, 2048, 32768, 2048)
    assert (tg.value, tg.output_len, tg.context_len) == (21.96, 32, 32768)
    assert pp.quant == "Q8_0" and pp.model == "deepseek2 30B.A3B"


def test_json_current_schema() -> None:
    run = load(LB + "DOCS-EXAMPLE_rtx4080_qwen2.5-7b-q4km_b5163.json")
    assert run.format == "llama-bench JSON"
    pp, tg = run.rows
    assert pp.value == 7100.002165 and tg.value == 118.881588
    assert pp.gpu == "NVIDIA GeForce RTX 4080" and pp.gpu_count == 1
    assert pp.model == "models/Qwen2.5-7B-Instruct-Q4_K_M.gguf"
    assert (pp.quant, pp.kv_quant, pp.batched_tokens) == ("Q4_K_M", "f16", 512)


@pytest.mark.parametrize(
    ("name", "fmt", "pp", "tg"),
    [
        (NEW + ".jsonl", "llama-bench JSONL", 7263.609157, 119.844681),
        (NEW + ".csv", "llama-bench CSV", 7285.676949, 119.915244),
        (NEW + ".sql", "llama-bench SQL", 7324.546977, 120.346696),
        (OLD + ".json", "llama-bench JSON", 2410.974041, 130.965708),
        (OLD + "_compact.jsonl", "llama-bench JSONL", 2410.974041, 130.965708),
        (OLD + ".csv", "llama-bench CSV", 2413.341687, 132.052051),
        (OLD + ".sql", "llama-bench SQL", 2407.240204, 130.891159),
    ],
)
def test_every_output_format(name: str, fmt: str, pp: float, tg: float) -> None:
    run = load(LB + name)
    assert run.format == fmt
    assert [(r.metric, r.value) for r in run.rows] == [
        ("prefill_tokens_per_s", pp),
        ("decode_tokens_per_s", tg),
    ]
    assert run.rows[0].input_len == 512 and run.rows[1].output_len == 128
    assert run.rows[0].gpu in ("NVIDIA GeForce RTX 4080", "NVIDIA GeForce RTX 3090 Ti")


def test_old_schema_csv_with_an_extra_value_per_row() -> None:
    run = load(LB + "DOCS-EXAMPLE_OLD-SCHEMA-2023_rtx3090ti_llama-7b-q4_0_b1275.csv")
    assert any("aligned from the right" in n for n in run.notes)
    assert run.rows[0].quant == "Q4_0"  # from "llama 7B mostly Q4_0"
    assert run.rows[0].model == "models/7B/ggml-model-q4_0.gguf"


def test_jsonl_depth_sweep_and_many_concatenated_runs() -> None:
    sweep = load(
        LB + "strix-halo-radeon8060s_rocm-hip_llama-3.2-1b-q4km_fa1_depth-sweep_b6865.jsonl"
    )
    assert len(sweep.rows) == 10
    assert sorted({r.context_len or 0 for r in sweep.rows}) == [0, 1024, 4096, 16384, 65536]
    assert sweep.rows[0].value == 4703.284998 and sweep.rows[0].gpu == "Radeon 8060S Graphics"
    many = load(
        LB + "strix-halo-radeon8060s_rocm+vulkan_llama-2-7b-q4_0_concatenated-runs_b6077.jsonl"
    )
    assert len(many.rows) == 364
    assert many.rows[0].value == 50.041847 and many.rows[0].input_len == 1


def test_batched_bench_docs_table() -> None:
    run = load("llama-batched-bench/DOCS-EXAMPLE_llama-7b-f16_batched-bench_table.md")
    assert (run.tool, run.format) == ("llama-batched-bench", "llama-batched-bench table")
    assert len(run.rows) == 36  # 12 table rows x (prefill, decode, output throughput)
    first = run.rows[0]
    assert (first.metric, first.value, first.batch, first.input_len) == (
        "prefill_tokens_per_s",
        1186.64,
        1,
        128,
    )
    # |   128 |    128 |   32 |   8192 |    3.408 |  1201.73 |    8.801 |   465.40 |   12.209 |
    b32 = [r for r in run.rows if r.batch == 32 and r.output_len == 128]
    decode = next(r for r in b32 if r.metric == "decode_tokens_per_s")
    total = next(r for r in b32 if r.metric == "output_tokens_per_s_total")
    assert decode.value == pytest.approx(465.40 / 32)  # per sequence
    assert total.value == pytest.approx(32 * 128 / 12.209)


def test_batched_bench_reads_its_parameter_line() -> None:
    run = load(
        "llama-batched-bench/apple-metal-blas-16t_qwen2-7b-q8_0_batched-bench_from-PR16894_issue.txt"
    )
    assert len(run.rows) == 18
    assert {r.batched_tokens for r in run.rows} == {2048}  # n_ubatch = 2048
    assert {r.gpu_layers for r in run.rows} == {None}  # n_gpu_layers = -1: all
    prefill = rows_of(run, "prefill_tokens_per_s")
    assert [(r.input_len, r.batch, r.value) for r in prefill][-1] == (4096, 4, 1532.06)


def test_old_style_test_names_and_gguf_mentions() -> None:
    text = (
        "./llama-bench -m models/llama-2-13b.Q5_K_M.gguf\n"
        "| model | size | params | backend | ngl | test | t/s |\n"
        "| --- | ---: | ---: | --- | --: | ---: | ---: |\n"
        "| llama 13B mostly Q5_K - Medium | 8.60 GiB | 13 B | CUDA | 99 | pp 512 | 1234.5 ± 6.7 |\n"
        "| llama 13B mostly Q5_K - Medium | 8.60 GiB | 13 B | CUDA | 99 | tg 128 | 55.1 ± 0.2 |\n"
    )
    run = parse_text(text, "old.md")
    assert [(r.metric, r.value, r.quant) for r in run.rows] == [
        ("prefill_tokens_per_s", 1234.5, "Q5_K_M"),
        ("decode_tokens_per_s", 55.1, "Q5_K_M"),
    ]
    assert run.rows[0].model == "models/llama-2-13b.Q5_K_M.gguf"


def test_cpu_backend_names_the_cpu() -> None:
    text = (
        "| model | size | params | backend | threads | test | t/s |\n"
        "| --- | ---: | ---: | --- | ---: | ---: | ---: |\n"
        "| llama 1B Q4_K - Medium | 636.18 MiB | 1.10 B | CPU | 12 | pp512 | 194.05 ± 0.65 |\n"
    )
    row = parse_text(text, "cpu.md").rows[0]
    assert (row.gpu, row.gpu_count) == ("CPU", 1)


def test_header_only_and_combined_only_tables_say_why() -> None:
    header = (
        "| model | size | params | backend | ngl | test | t/s |\n"
        "| --- | ---: | ---: | --- | --: | ---: | ---: |\n"
    )
    with pytest.raises(
        BenchImportError,
        match="llama-bench markdown: no usable numbers: the table has no data rows",
    ):
        parse_text(header, "h.md")
    combined = (
        header
        + "| llama 3B Q4_K - Medium | 1.87 GiB | 3.21 B | Vulkan | 99 | pp4096+tg128 | 182.59 |\n"
    )
    with pytest.raises(BenchImportError, match="pp4096\\+tg128"):
        parse_text(combined, "c.md")
