"""Benchmark files beside the estimates: what a file leaves unsaid, its measurements, the
comparison rows and the calibration, on the real samples in tests/data/benchsamples."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.benchcalib import (
    FIELDS,
    calibrate,
    calibration_status,
    comparison_rows,
    configuration,
    implications,
    measurements_for,
    missing_fields,
    scenario_defaults,
    stated,
    stored_calibrations,
    unusable_reason,
    usable_rows,
    without_flags,
)
from planner.benchimport import import_benchmark, resolve_rows
from planner.calibrate import apply_calibration, compare, implication
from planner.catalog.load import bundled_catalog
from planner.estimate.efficiency import load_efficiency
from planner.estimate.measured import Measurement
from planner.estimate.scenario import build_deployment
from planner.plan.io import load_plan

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "benchsamples"
EXAMPLE = ROOT / "resources" / "examples" / "enterprise-llama4.llmplan"
CAT = bundled_catalog()
TABLE = load_efficiency()

RTX4080 = SAMPLES / "llama-bench" / "DOCS-EXAMPLE_rtx4080_qwen2.5-7b-q4km_b5163.json"
VLLM_LOG = (
    SAMPLES / "vllm" / "a100-40gb-x8_llama-3.3-70b_tp8_vllm-0.8.3_benchmark-serving_console-log.txt"
)
RX580 = (
    SAMPLES / "llama-bench" / "riscv-p550_rx580-vulkan_llama-3.2-3b-q4km_md-table_b4696_issue.txt"
)
STRIX = (
    SAMPLES
    / "llama-bench"
    / "strix-halo-radeon8060s_rocm+vulkan_llama-2-7b-q4_0_concatenated-runs_b6077.jsonl"
)
GENAI = (
    SAMPLES
    / "genai-perf"
    / "DOCS-EXAMPLE_genai-perf_console_gpt2_openai-completions_nonstreaming.txt"
)
OLLAMA = (
    SAMPLES / "ollama" / "DOCS-EXAMPLE_api-generate_structured-output_done-reason_llama3.1-8b.json"
)


def test_a_file_that_states_everything_misses_nothing() -> None:
    run = import_benchmark(RTX4080)
    assert missing_fields(run, CAT) == []
    assert unusable_reason(run) is None
    says = stated(run)
    assert says["gpu"] == "NVIDIA GeForce RTX 4080"
    assert says["quant"] == "Q4_K_M"
    assert says["gpus"] == "1"
    assert says["engine"] == "llama.cpp"


def test_missing_fields_of_files_that_do_not_say() -> None:
    assert missing_fields(import_benchmark(VLLM_LOG), CAT) == ["quant", "gpu", "gpus"]
    # Ollama's API answer names the model in a spelling the catalog knows, nothing else.
    assert missing_fields(import_benchmark(OLLAMA), CAT) == ["quant", "gpu", "gpus"]
    assert set(missing_fields(import_benchmark(OLLAMA))) <= set(FIELDS)


def test_a_stated_name_the_catalog_does_not_know_must_be_chosen() -> None:
    run = import_benchmark(RX580)
    assert missing_fields(run) == []  # the file says it...
    assert missing_fields(run, CAT) == ["gpu"]  # ...but the catalog has no RX 580
    # Rows that differ are listed by their spellings.
    strix = stated(import_benchmark(STRIX))
    assert ", " in strix["gpu"]


def test_a_file_no_answer_can_fix_says_why() -> None:
    run = import_benchmark(GENAI)
    assert usable_rows(run) == []
    reason = unusable_reason(run)
    assert reason is not None
    assert reason.startswith(f"{GENAI.name}: ")
    assert "does not state a fixed batch" in reason


def test_measurements_are_those_of_the_planner_resolver() -> None:
    run = import_benchmark(RTX4080)
    ms, problems = measurements_for([run], {}, CAT)
    direct, reasons = resolve_rows(CAT, run)
    assert problems == reasons == []
    assert [(m.metric, m.value, m.deployment) for m in ms] == [
        (m.metric, m.value, m.deployment) for m in direct
    ]
    assert {m.deployment.gpu.id for m in ms} == {"rtx-4080"}


def test_answers_fill_in_what_the_file_does_not_say() -> None:
    run = import_benchmark(VLLM_LOG)
    none, problems = measurements_for([run], {}, CAT)
    assert none == []
    assert problems and problems[0].startswith(f"{VLLM_LOG.name}: row 1: ")
    answers = {"quant": "bf16", "gpu": "a100-sxm-40gb", "gpus": 8}
    ms, _ = measurements_for([run], answers, CAT)
    direct, _ = resolve_rows(CAT, run, quant="bf16", gpu="a100-sxm-40gb", gpus=8)
    assert len(ms) == len(direct) > 0
    assert all(m.deployment.gpu.id == "a100-sxm-40gb" for m in ms)
    assert all(m.deployment.gpu_count == 8 for m in ms)
    assert all(m.deployment.model.id == "llama-3.3-70b" for m in ms)  # from the file


def test_an_answer_wins_over_the_file() -> None:
    run = import_benchmark(RTX4080)
    ms, _ = measurements_for([run], {"gpu": "rtx-4080-super"}, CAT)
    assert {m.deployment.gpu.id for m in ms} == {"rtx-4080-super"}


def test_reasons_read_without_command_line_flags() -> None:
    assert without_flags("row 1: the file names no GPU: give --gpu") == (
        "row 1: the file names no GPU: choose the GPU"
    )
    assert without_flags("x: give --gpus") == "x: choose the number of GPUs"


def test_comparison_rows_hold_the_planner_estimates() -> None:
    ms, _ = measurements_for([import_benchmark(RTX4080)], {}, CAT)
    rows = comparison_rows(ms)
    expected = compare(ms, TABLE)
    assert [r.estimated for r in rows] == [c.estimate for c in expected]
    assert [r.bundled for r in rows] == [c.estimate for c in expected]
    assert [r.measured for r in rows] == [m.value for m in ms]
    for r, c in zip(rows, expected, strict=True):
        assert r.ratio == pytest.approx(c.ratio)
        assert r.provenance == "fitted: llama.cpp on nvidia-gddr-consumer"
        assert r.configuration == configuration(c.measurement)
        assert "RTX 4080" in r.configuration and "llama.cpp" in r.configuration
    prefill, decode = rows
    assert prefill.metric_label == "Prefill (tokens/s)"
    assert prefill.implication.startswith(f"{(prefill.ratio - 1) * 100:.0f}% faster")
    assert "usual spread" in decode.implication
    assert prefill.source == f"{RTX4080.name}:1"


def test_calibration_moves_the_estimates_to_the_measurements() -> None:
    ms, _ = measurements_for([import_benchmark(RTX4080)], {}, CAT)
    cal = calibrate(ms, "2026-11-20T10:11:12+00:00")
    assert cal.created == "2026-11-20"
    table = apply_calibration(TABLE, cal)
    rows = comparison_rows(ms, table)
    for r in rows:
        assert r.estimated == pytest.approx(r.measured, rel=0.05)
        assert r.bundled != r.estimated
        assert r.implication.startswith("matches the estimate")
        assert r.provenance == "calibrated from 2 measurements on 2026-11-20"
    assert [r.estimated for r in rows] == [c.calibrated for c in compare(ms, TABLE, table)]


def test_time_metrics_read_the_other_way_round() -> None:
    dep = build_deployment(CAT, "llama-3.1-8b", "q4_k_m", "rtx-4080", 1, "llama.cpp")
    est = compare([Measurement(dep, 1, 512, 1, "ttft_ms", 100.0, "m:1", 1, False)], TABLE)[0]
    slow = Measurement(dep, 1, 512, 1, "ttft_ms", est.estimate * 2, "m:1", 1, True)
    (row,) = comparison_rows([slow])
    assert row.ratio == pytest.approx(2.0)
    assert row.faster == pytest.approx(0.5)
    assert row.implication.startswith("50% slower than estimated")
    assert row.implication.endswith("the tool flagged this run as suspect")


def test_a_measurement_that_does_not_fit_has_no_estimate() -> None:
    dep = build_deployment(CAT, "llama-3.1-405b", "q4_k_m", "rtx-4080", 1, "llama.cpp")
    m = Measurement(dep, 1, 512, 128, "decode_tokens_per_s", 10.0, "big.json:1", 1, False)
    (row,) = comparison_rows([m])
    assert row.estimated is None and row.ratio is None and row.faster is None
    assert row.implication.startswith("cannot be estimated")


def test_status_and_implications_of_stored_calibrations() -> None:
    ms, _ = measurements_for([import_benchmark(RTX4080)], {}, CAT)
    cal = calibrate(ms, "2026-11-20")
    docs = [cal.model_dump(mode="json")]
    assert calibration_status([]) == "estimated (bundled efficiency factors)"
    assert calibration_status(docs) == (
        "calibrated from 2 measurements on 2026-11-20 (llama.cpp on nvidia-gddr-consumer)"
    )
    assert calibration_status(docs, use_calibration=False).startswith("estimated")
    assert implications(docs) == [implication(cal.entries[0], TABLE)]
    assert stored_calibrations([*docs, {"kind": "something else"}]) == [cal]


def test_defaults_come_from_the_scenario() -> None:
    plan = load_plan(EXAMPLE, backup=False).plan
    s = plan.scenarios[0]
    d = scenario_defaults(CAT, s)
    assert d == {
        "model": s.model,
        "quant": s.quant,
        "gpu": s.deployed.gpu,
        "gpus": s.deployed.count,
        "engine": s.engine,
    }
    usual = scenario_defaults(CAT, s.replace(engine=None))
    assert usual["engine"] in CAT.engines
    assert scenario_defaults(CAT, None) == {}
