"""The `llm-planner` command line, driven through planner.cli.main([...])."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run_cli

from planner.catalog.load import bundled_catalog
from planner.cli import main
from planner.estimate.speed import SPEED_FIELDS

CAT = bundled_catalog()
REPO = Path(__file__).resolve().parents[2]
METRICS = (
    "prefill_tokens_per_s",
    "decode_tokens_per_s",
    "output_tokens_per_s_total",
    "ttft_ms",
    "tpot_ms",
)


def assert_one_line_error(rc: int, out: str, err: str) -> str:
    assert rc == 2
    assert "Traceback" not in err and "Traceback" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error" in lines[0]
    return lines[0]


def est(model: str, quant: str, gpu: str, *extra: str) -> list[str]:
    return ["estimate", "--model", model, "--quant", quant, "--gpu", gpu, *extra]


ESTIMATE = est("Llama 3.1 8B", "bf16", "H100")


# --- estimate ----------------------------------------------------------------------------


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(capsys)
    assert rc == 0
    assert "estimate" in out and "catalog" in out and "validate" in out


def test_estimate_table(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, *ESTIMATE)
    assert rc == 0, err
    assert "Llama 3.1 8B in BF16 on 1 x NVIDIA H100 SXM 80GB with vLLM" in out
    assert "Fits: yes" in out
    for header in ("weights GiB", "KV GiB", "total GiB", "usable GiB"):
        assert header in out
    for label in ("Prefill", "Decode, per sequence", "Time to first token", "tokens/s", "ms"):
        assert label in out
    assert "Bound by:" in out


def test_estimate_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, *ESTIMATE, "--format", "json", "--batch", "4")
    assert rc == 0, err
    doc = json.loads(out)
    keys = [
        "model",
        "quant",
        "kv_quant",
        "gpu",
        "gpu_count",
        "engine",
        "tp",
        "pp",
        "ep",
        "replicas",
        "batch",
        "input_len",
        "output_len",
        "context_len",
        "fits",
        "headroom_gib",
        "max_batch",
        "max_context",
        "memory_per_gpu",
        "notes",
        "assumptions",
        "speed",
        "bound",
        "basis",
    ]
    for key in keys:
        assert key in doc, key
    ids = (doc["model"], doc["quant"], doc["gpu"], doc["engine"])
    assert ids == ("llama-3.1-8b", "bf16", "h100-sxm", "vllm")
    assert doc["batch"] == 4 and doc["input_len"] == 512 and doc["output_len"] == 128
    assert isinstance(doc["fits"], bool) and doc["fits"] is True
    assert doc["max_batch"] >= 4 and doc["max_context"] >= 640
    assert len(doc["memory_per_gpu"]) == 1
    g = doc["memory_per_gpu"][0]
    assert g["weights_gib"] > 0 and g["total_gib"] <= g["usable_gib"] <= g["capacity_gib"]
    assert set(doc["speed"]) == set(SPEED_FIELDS)
    for name, v in doc["speed"].items():
        for part in ("value", "p10", "p90"):
            assert math.isfinite(v[part]) and v[part] > 0, (name, part)
        assert v["p10"] <= v["p90"]


def test_estimate_json_that_does_not_fit(capsys: pytest.CaptureFixture[str]) -> None:
    argv = est("Llama 3.1 405B", "bf16", "RTX 4090", "--engine", "llama.cpp", "--format", "json")
    rc, out, err = run_cli(capsys, *argv)
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["fits"] is False
    assert "speed" not in doc
    assert doc["max_batch"] == 0
    assert any("does not fit" in n for n in doc["notes"])


def test_estimate_multi_gpu_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(
        capsys, *est("Llama 3.1 70B", "bf16", "H100", "--gpus", "4", "--format", "json")
    )
    assert rc == 0
    doc = json.loads(out)
    assert (doc["tp"], doc["pp"], doc["replicas"]) == (4, 1, 1)


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("Meta-Llama-3-8B", "llama-3-8b"),
        ("Llama-3.1-70B-Instruct", "llama-3.1-70b"),
        ("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"),
        ("Mixtral-8x7B", "mixtral-8x7b"),
    ],
)
def test_loose_model_names(capsys: pytest.CaptureFixture[str], name: str, model_id: str) -> None:
    rc, out, err = run_cli(capsys, *est(name, "q4_k_m", "H200", "--format", "json"))
    assert rc == 0, err
    assert json.loads(out)["model"] == model_id


@pytest.mark.parametrize(
    ("name", "gpu_id"),
    [
        ("NVIDIA GeForce RTX 4090", "rtx-4090"),
        ("NVIDIA H100 80GB HBM3", "h100-sxm"),
        ("AMD Instinct MI300X", "mi300x"),
        ("Apple M2 Ultra", "apple-m2-ultra-76c"),
        ("Apple M1 Pro (14-core GPU)", "apple-m1-pro-14c"),
        ("NVIDIA A100-SXM4-80GB", "a100-sxm-80gb"),
    ],
)
def test_loose_gpu_names(capsys: pytest.CaptureFixture[str], name: str, gpu_id: str) -> None:
    rc, out, err = run_cli(capsys, *est("Llama 3.2 1B", "q4_k_m", name, "--format", "json"))
    assert rc == 0, err
    assert json.loads(out)["gpu"] == gpu_id


# --- error paths: exit 2, exactly one line on stderr, no traceback -------------------------


def test_unknown_model_lists_nearest(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(
        *run_cli(capsys, "estimate", "--model", "Llama 9.1 8B", "--quant", "bf16", "--gpu", "H100")
    )
    assert "unknown model 'Llama 9.1 8B'" in line
    assert "nearest:" in line
    assert "llama-3.1-8b" in line


def test_unknown_gpu(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(
        *run_cli(capsys, "estimate", "--model", "Llama 3.1 8B", "--quant", "bf16", "--gpu", "H900")
    )
    assert "unknown GPU 'H900'" in line
    assert "nearest:" in line


@pytest.mark.parametrize(
    "extra",
    [
        ("--gpus", "2", "--tp", "4"),  # tp larger than the GPU count
        ("--gpus", "-1"),  # negative GPUs
        ("--gpus", "0"),
        ("--gpus", "two"),
        ("--input-tokens", "1000000000000"),  # absurd prompt
        ("--input-tokens", "-5"),
        ("--output-tokens", "1000000000000"),
        ("--batch", "-3"),
        ("--batch", "lots"),
        ("--memory-gib", "-80"),
        ("--engine", "no-such-engine"),
        ("--kv-quant", "awq-int4"),  # a weight-only format for the KV cache
        ("--gpus", "2", "--ep", "2"),  # expert parallelism on a dense model
        ("--gpus", "3", "--tp", "2"),  # 3 GPUs do not split into tp=2 replicas
    ],
)
def test_bad_numbers_and_choices(
    capsys: pytest.CaptureFixture[str], extra: tuple[str, ...]
) -> None:
    assert_one_line_error(*run_cli(capsys, *ESTIMATE, *extra))


def test_tp_larger_than_gpu_count_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(*run_cli(capsys, *ESTIMATE, "--gpus", "2", "--tp", "4"))
    assert "tp" in line and "2 GPU" in line


def test_negative_gpus(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(*run_cli(capsys, *ESTIMATE, "--gpus", "-1"))
    assert "--gpus" in line and "-1" in line


def test_absurd_input_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(*run_cli(capsys, *ESTIMATE, "--input-tokens", "1000000000000"))
    assert "input" in line


@pytest.mark.parametrize(
    ("quant", "gpu", "needs"),
    [("fp8", "A100 SXM 80GB", "FP8"), ("nvfp4", "H100", "FP4"), ("bf16", "V100", "BF16")],
)
def test_format_the_gpu_cannot_run(
    capsys: pytest.CaptureFixture[str], quant: str, gpu: str, needs: str
) -> None:
    line = assert_one_line_error(
        *run_cli(capsys, "estimate", "--model", "Llama 3.1 8B", "--quant", quant, "--gpu", gpu)
    )
    assert needs in line


def test_gguf_format_under_vllm(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(
        *run_cli(capsys, *est("Llama 3.1 8B", "q4_k_m", "H100", "--engine", "vllm"))
    )
    assert "vLLM" in line and "llama.cpp" in line


def test_missing_quant(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(
        *run_cli(capsys, "estimate", "--model", "Llama 3.1 8B", "--gpu", "H100")
    )
    assert "--quant" in line


def test_missing_model_and_gpu(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(*run_cli(capsys, "estimate", "--quant", "bf16"))
    assert "--model" in line and "--gpu" in line


def test_unknown_quant(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(
        *run_cli(capsys, "estimate", "--model", "Llama 3.1 8B", "--quant", "q9_z", "--gpu", "H100")
    )
    assert "unknown quantization" in line


def test_unknown_subcommand_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(*run_cli(capsys, *ESTIMATE, "--frobnicate"))


def _module_cli(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LLM_PLANNER_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "planner.cli", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_python_m_planner_cli_reports_lookup_errors_in_one_line(tmp_path: Path) -> None:
    p = _module_cli(tmp_path, "estimate", "--model", "Llama 9", "--quant", "bf16", "--gpu", "H100")
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_python_m_planner_cli_reports_missing_quant_in_one_line(tmp_path: Path) -> None:
    p = _module_cli(tmp_path, "estimate", "--model", "Llama 3.1 8B", "--gpu", "H100")
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


# --- catalog -------------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["models", "gpus", "quants", "engines"])
def test_catalog_lists_as_table(capsys: pytest.CaptureFixture[str], what: str) -> None:
    rc, out, _ = run_cli(capsys, "catalog", what)
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].startswith("id") and "name" in lines[0]
    assert set(lines[1]) <= {"-", " "}
    entries = getattr(CAT, what)
    assert len(lines) == 2 + len(entries)
    first_column = {ln.split()[0] for ln in lines[2:]}
    assert first_column == set(entries)


@pytest.mark.parametrize("what", ["models", "gpus", "quants", "engines"])
def test_catalog_lists_as_json(capsys: pytest.CaptureFixture[str], what: str) -> None:
    rc, out, _ = run_cli(capsys, "catalog", what, "--format", "json")
    assert rc == 0
    doc = json.loads(out)
    assert isinstance(doc, list)
    assert [e["id"] for e in doc] == list(getattr(CAT, what))
    for e in doc:
        assert e["name"] and len(e["source"]) >= 3


def test_catalog_show_a100(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(capsys, "catalog", "show", "NVIDIA A100-SXM4-80GB")
    assert rc == 0
    fields = {ln.split(None, 1)[0]: ln.split(None, 1)[-1] for ln in out.splitlines() if ln}
    assert fields["id"] == "a100-sxm-80gb"
    assert fields["name"] == "NVIDIA A100 SXM4 80GB"
    assert fields["source"] == CAT.gpus["a100-sxm-80gb"].source
    assert fields["memory_gib"] == "80.0"


def test_catalog_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(capsys, "catalog", "show", "A100 SXM 80GB", "--format", "json")
    assert rc == 0
    doc = json.loads(out)
    assert doc["id"] == "a100-sxm-80gb"
    assert doc["source"] == CAT.gpus["a100-sxm-80gb"].source


def test_catalog_show_lists_assumptions(capsys: pytest.CaptureFixture[str]) -> None:
    gpu = next(g for g in CAT.gpus.values() if g.assumptions)
    rc, out, _ = run_cli(capsys, "catalog", "show", gpu.name)
    assert rc == 0
    for field in gpu.assumptions:
        assert f"ASSUMPTION {field}:" in out


@pytest.mark.parametrize(
    ("name", "entry_id"),
    [("Mixtral-8x7B", "mixtral-8x7b"), ("Q4_K_M", "q4_k_m"), ("ollama", "llama.cpp")],
)
def test_catalog_show_any_kind(
    capsys: pytest.CaptureFixture[str], name: str, entry_id: str
) -> None:
    rc, out, _ = run_cli(capsys, "catalog", "show", name, "--format", "json")
    assert rc == 0
    assert json.loads(out)["id"] == entry_id


def test_catalog_show_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(*run_cli(capsys, "catalog", "show", "Frobnitz 9000"))
    assert "Frobnitz 9000" in line


ADD_GPU = ["catalog", "add-gpu", "--name", "Acme X1", "--memory-gib", "48"]
ADD_GPU += ["--bandwidth-gbps", "1200", "--fp16-tflops", "300"]


def test_add_gpu_then_estimate(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, *ADD_GPU, "--vendor", "nvidia", "--bf16-tflops", "300")
    assert rc == 0, err
    assert "custom-acme-x1" in out
    home = Path(os.environ["LLM_PLANNER_HOME"])
    assert (home / "gpus.json").is_file()
    rc, out, err = run_cli(capsys, *est("Llama 3.1 8B", "bf16", "Acme X1", "--format", "json"))
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["gpu"] == "custom-acme-x1"
    assert doc["memory_per_gpu"][0]["capacity_gib"] == 48
    assert doc["fits"] is True and doc["speed"]["decode_tokens_per_s"]["value"] > 0
    # It is listed and shown like a bundled entry.
    rc, out, _ = run_cli(capsys, "catalog", "gpus", "--format", "json")
    assert "custom-acme-x1" in [g["id"] for g in json.loads(out)]
    rc, out, _ = run_cli(capsys, "catalog", "show", "Acme X1", "--format", "json")
    assert json.loads(out)["custom"] is True


def test_add_gpu_default_vendor_runs_gguf(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run_cli(capsys, *ADD_GPU)
    assert rc == 0, err
    rc, out, err = run_cli(capsys, *est("Llama 3.1 8B", "q4_k_m", "Acme X1", "--format", "json"))
    assert rc == 0, err
    assert json.loads(out)["engine"] == "llama.cpp"


def test_add_gpu_default_vendor_runs_fp16_with_a_default_engine(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, _, err = run_cli(capsys, *ADD_GPU)
    assert rc == 0, err
    rc, out, err = run_cli(capsys, *est("Llama 3.1 8B", "fp16", "Acme X1", "--format", "json"))
    assert rc == 0, err
    assert json.loads(out)["engine"] == "llama.cpp"


def test_add_gpu_is_per_home(capsys: pytest.CaptureFixture[str]) -> None:
    # The conftest gives every test its own LLM_PLANNER_HOME: no GPU added elsewhere leaks in.
    line = assert_one_line_error(*run_cli(capsys, *est("Llama 3.1 8B", "q4_k_m", "Acme X1")))
    assert "unknown GPU" in line


def test_add_gpu_rejects_a_price_without_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(*run_cli(capsys, *ADD_GPU, "--price-usd", "9000"))


def test_add_gpu_rejects_negative_memory(capsys: pytest.CaptureFixture[str]) -> None:
    args = [("-48" if a == "48" else a) for a in ADD_GPU]
    assert_one_line_error(*run_cli(capsys, *args))


# --- validate ------------------------------------------------------------------------------


def test_validate_table(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(capsys, "validate")
    assert rc == 0
    assert "Median absolute percentage error" in out
    assert "MdAPE %" in out
    for metric in METRICS:
        assert metric in out
    assert "p10..p90" in out


@pytest.fixture(scope="module")
def validate_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    import contextlib
    import io

    buf = io.StringIO()
    # Module scope runs before the conftest's per-test home: set one here too.
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(buf):
        mp.setenv("LLM_PLANNER_HOME", str(tmp_path_factory.mktemp("home")))
        assert main(["validate", "--format", "json"]) == 0
    doc: dict[str, object] = json.loads(buf.getvalue())
    return doc


def test_validate_json_parses(validate_json: dict[str, object]) -> None:
    overall = validate_json["overall"]
    assert isinstance(overall, dict)
    assert set(overall) == set(METRICS)
    for m, r in overall.items():
        assert r["n"] > 0, m
        assert 0 <= r["mdape_pct"] <= r["target_pct"], m
        assert 0 <= r["in_band"] <= 1
    passes = validate_json["passes"]
    assert isinstance(passes, dict)
    assert all(isinstance(v, bool) for v in passes.values())


def test_validate_accuracy_targets_pass(validate_json: dict[str, object]) -> None:
    passes = validate_json["passes"]
    assert isinstance(passes, dict)
    for key in (*METRICS, "in_band"):
        assert passes[key] is True, key


def test_validate_all_passes_are_true(validate_json: dict[str, object]) -> None:
    passes = validate_json["passes"]
    assert isinstance(passes, dict)
    assert all(passes.values()), passes


def test_estimate_sweep_lists_each_concurrency(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(
        capsys,
        *est("Llama 3.1 8B", "bf16", "H100"),
        "--sweep",
        "1,4,16,64",
        "--format",
        "json",
    )
    assert rc == 0
    points = json.loads(out)["sweep"]
    assert [p["concurrency"] for p in points] == [1, 4, 16, 64]
    decode = [p["speed"]["decode_tokens_per_s"]["value"] for p in points]
    total = [p["speed"]["output_tokens_per_s_total"]["value"] for p in points]
    assert decode == sorted(decode, reverse=True)  # each sequence slows as the batch grows
    assert total == sorted(total)  # while the deployment as a whole speeds up
    rc, out, _ = run_cli(capsys, *est("Llama 3.1 8B", "bf16", "H100"), "--sweep")
    assert rc == 0 and "Against concurrency" in out and "256" in out


def test_estimate_sweep_rejects_bad_lists(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(*run_cli(capsys, *est("Llama 3.1 8B", "bf16", "H100"), "--sweep", "1,x"))


def test_detect_reports_this_machine_without_failing(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(capsys, "detect", "--format", "json", "--timeout", "3")
    assert rc == 0
    doc = json.loads(out)
    assert doc["host"]["ram_total_gib"] > 0 and isinstance(doc["gpus"], list)
    assert doc["notes"]  # every probe says what it found or why it found nothing
