"""Local calibration moves the matching estimates to the measurements and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner.calibrate import (
    CalibrationError,
    apply_calibration,
    fit_calibration,
    load_calibration,
    save_calibration,
)
from planner.catalog.load import bundled_catalog
from planner.estimate.efficiency import hardware_class, load_efficiency
from planner.estimate.measured import Measurement
from planner.estimate.scenario import build_deployment
from planner.estimate.speed import estimate_speed, factors_for

CAT = bundled_catalog()
TABLE = load_efficiency()
SETUPS = [
    ("llama-3.1-8b", "q4_k_m", "rtx-4080", 1, "llama.cpp"),
    ("llama-3.1-8b", "bf16", "h100-sxm", 1, "vllm"),
    ("qwen3-30b-a3b", "fp8", "l40s", 1, "vllm"),
    ("llama-3.1-70b", "q4_k_m", "apple-m2-ultra-76c", 1, "llama.cpp"),
    ("mixtral-8x7b", "awq-int4", "a100-sxm-80gb", 2, "tensorrt-llm"),
]
OTHERS = [
    ("llama-3.1-8b", "bf16", "mi300x", 1, "vllm"),
    ("llama-3.1-8b", "q4_k_m", "apple-m3-max-40c", 1, "llama.cpp"),
    ("llama-3.1-8b", "fp8", "h200-sxm", 1, "tensorrt-llm"),
]


def _dep(setup: tuple[str, str, str, int, str]):  # type: ignore[no-untyped-def]
    model, quant, gpu, n, engine = setup
    return build_deployment(CAT, model, quant, gpu, n, engine)


@settings(max_examples=60, deadline=None)
@given(
    setup=st.sampled_from(SETUPS),
    metric=st.sampled_from(["decode_tokens_per_s", "prefill_tokens_per_s", "tpot_ms", "ttft_ms"]),
    ratio=st.floats(0.4, 1.6),
    batch=st.sampled_from([1, 4, 16]),
)
def test_one_measurement_pulls_its_estimate_within_5_percent(
    setup: tuple[str, str, str, int, str], metric: str, ratio: float, batch: int
) -> None:
    dep = _dep(setup)
    in_len, out_len = (0, 128) if metric in ("decode_tokens_per_s", "tpot_ms") else (1024, 1)
    before = estimate_speed(dep, batch, in_len, out_len, table=TABLE).value(metric)
    f, _ = factors_for(dep, TABLE)
    # A faster measurement can only be met while no factor would pass 1 (the roofline).
    faster = ratio if not metric.endswith("_ms") else 1 / ratio
    assume(faster <= 1 or max(f.bandwidth, f.compute, f.prefill_compute) * faster <= 0.999)
    m = Measurement(dep, batch, in_len, out_len, metric, before * ratio, "mine.json:1", 1, False)
    cal = fit_calibration([m], TABLE, "2026-11-20")
    table = apply_calibration(TABLE, cal)
    after = estimate_speed(dep, batch, in_len, out_len, table=table)
    assert after.value(metric) == pytest.approx(before * ratio, rel=0.05)
    assert after.basis == "calibrated from 1 measurement on 2026-11-20"
    for other in OTHERS:
        od = _dep(other)
        if (od.engine.family, hardware_class(od.gpu)) == (
            dep.engine.family,
            hardware_class(dep.gpu),
        ):
            continue
        a = estimate_speed(od, 4, 512, 128, table=TABLE)
        b = estimate_speed(od, 4, 512, 128, table=table)
        assert a == b  # other hardware classes and engines are untouched


def test_calibration_narrows_the_band_and_round_trips(tmp_path: Path) -> None:
    dep = _dep(SETUPS[0])
    ms = [
        Measurement(
            dep,
            1,
            0,
            n,
            "decode_tokens_per_s",
            estimate_speed(dep, 1, 0, n, table=TABLE).decode_tokens_per_s * 0.9,
            "bench.md:1",
            i,
            False,
        )
        for i, n in enumerate((128, 256, 512), 1)
    ]
    cal = fit_calibration(ms, TABLE, "2026-11-20")
    table = apply_calibration(TABLE, cal)
    cls = hardware_class(dep.gpu)
    before = TABLE.band("llama.cpp", "decode")
    after = table.band("llama.cpp", "decode", cls)
    assert after.p90 - after.p10 < before.p90 - before.p10
    assert after.n == 3
    path = tmp_path / "cal.json"
    save_calibration(path, cal)
    assert load_calibration(path) == cal
    (tmp_path / "bad.json").write_text('{"kind": "something else"}')
    with pytest.raises(CalibrationError, match="not a calibration file"):
        load_calibration(tmp_path / "bad.json")
    with pytest.raises(CalibrationError, match="no such"):
        load_calibration(tmp_path / "missing.json")


def test_estimate_with_a_calibration_file_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from cli_runner import run_cli

    dep = _dep(SETUPS[0])
    est = estimate_speed(dep, 1, 0, 128, table=TABLE).decode_tokens_per_s
    m = Measurement(dep, 1, 0, 128, "decode_tokens_per_s", est * 0.8, "bench.md:1", 1, False)
    path = tmp_path / "cal.json"
    save_calibration(path, fit_calibration([m], TABLE, "2026-11-20"))
    argv = [
        "estimate",
        "--model",
        "llama-3.1-8b",
        "--quant",
        "q4_k_m",
        "--gpu",
        "rtx-4080",
        "--engine",
        "llama.cpp",
        "--input-tokens",
        "0",
        "--output-tokens",
        "128",
    ]
    rc, out, _ = run_cli(capsys, *argv, "--format", "json", "--calibration", str(path))
    doc = json.loads(out)
    assert rc == 0 and doc["basis"] == "calibrated from 1 measurement on 2026-11-20"
    assert doc["speed"]["decode_tokens_per_s"]["value"] == pytest.approx(est * 0.8, rel=0.01)
    rc, out, _ = run_cli(capsys, *argv, "--format", "json")
    assert json.loads(out)["basis"].startswith("fitted")  # off: the bundled factors
    rc, _, err = run_cli(capsys, *argv, "--calibration", str(tmp_path / "none.json"))
    assert rc == 2 and "no such calibration file" in err


SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "data/benchsamples/llama-bench/DOCS-EXAMPLE_rtx4080_qwen2.5-7b-q4km_b5163.json"
)


def test_calibrate_command_on_a_real_llama_bench_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import shutil

    from cli_runner import run_cli

    cal_file = tmp_path / "rtx4080.json"
    plan = tmp_path / "p.llmplan"
    example = Path(__file__).resolve().parents[2] / "resources/examples/enterprise-llama4.llmplan"
    shutil.copy(example, plan)
    rc, out, _ = run_cli(
        capsys,
        "calibrate",
        str(SAMPLE),
        "--save",
        str(cal_file),
        "--plan",
        str(plan),
        "--format",
        "json",
    )
    assert rc == 0
    doc = json.loads(out)
    rows = doc["measurements"]
    assert {r["metric"] for r in rows} == {"prefill_tokens_per_s", "decode_tokens_per_s"}
    for r in rows:
        assert r["calibrated"] == pytest.approx(r["measured"], rel=0.05)
    assert "effective bandwidth" in doc["implications"][0]
    assert load_calibration(cal_file).entries[0].hw_class == "nvidia-gddr-consumer"
    # The plan keeps it, so its report reproduces the calibrated numbers.
    from planner.cli_report import plan_table
    from planner.plan.io import load_plan

    table = plan_table(load_plan(plan, backup=False).plan)
    assert "llama.cpp:nvidia-gddr-consumer" in table.calibrated


def test_calibrate_needs_what_the_file_does_not_say(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli_runner import run_cli

    junk = tmp_path / "notes.txt"
    junk.write_text("hello, this is not a benchmark\n")
    rc, _, err = run_cli(capsys, "calibrate", str(junk))
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "not a recognised" in err
