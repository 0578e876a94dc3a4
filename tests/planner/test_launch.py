"""Engine launch configs: every flag is one the engine defines, with the planned values."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from planner.catalog.load import Catalog, load_catalog
from planner.errors import CliError
from planner.estimate.inputs import Deployment, Workload
from planner.estimate.scenario import Estimate, build_deployment, estimate, make_workload
from planner.launch import (
    LAUNCH_ENGINES,
    LaunchConfig,
    LaunchError,
    add_launch_command,
    launch_config,
    launch_engine,
    launch_text,
    run_launch,
)

FLAGS = Path(__file__).resolve().parents[1] / "data" / "engine_flags"
FIXTURE = {
    "vllm": "vllm",
    "k8s": "vllm",
    "sglang": "sglang",
    "trtllm": "trtllm",
    "llamacpp": "llamacpp",
    "ollama": "ollama",
}
# argv words before the engine's own options (the program and its positional model).
PREFIX = {"vllm": 3, "k8s": 3, "sglang": 3, "trtllm": 2, "llamacpp": 1}


def _lines(name: str) -> list[str]:
    text = (FLAGS / name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@cache
def defined(fixture: str) -> frozenset[str]:
    return frozenset(_lines(f"{fixture}.txt"))


@cache
def allowed_values(fixture: str) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    path = FLAGS / f"{fixture}_values.txt"
    if path.exists():
        for ln in _lines(path.name):
            flag, value = ln.split(" ", 1)
            out.setdefault(flag, set()).add(value)
    return {k: frozenset(v) for k, v in out.items()}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def plan(
    catalog: Catalog, engine: str, wl: Workload | None = None, **kw: object
) -> tuple[Deployment, Workload, Estimate]:
    dep = build_deployment(catalog, engine=engine, **kw)  # type: ignore[arg-type]
    wl = wl or make_workload("max", 2000, 500)
    return dep, wl, estimate(dep, wl)


def launch(
    catalog: Catalog, target: str, engine: str, wl: Workload | None = None, **kw: object
) -> tuple[LaunchConfig, Deployment, Workload, Estimate]:
    dep, wl, est = plan(catalog, engine, wl, **kw)
    return launch_config(dep, wl, est, target), dep, wl, est


def options(argv: tuple[str, ...], target: str) -> Iterator[tuple[str, str | None]]:
    """(flag, the word after it) for every option in a command line."""
    words = list(argv[PREFIX[target] :])
    for i, w in enumerate(words):
        if w.startswith("-"):
            yield w, words[i + 1] if i + 1 < len(words) else None


def check_flags(cfg: LaunchConfig) -> None:
    """Every flag is defined by the engine; every choice-valued flag has an allowed value."""
    fixture = FIXTURE[cfg.engine]
    if cfg.kind == "modelfile":
        for line in cfg.text.splitlines():
            instr, _, rest = line.partition(" ")
            assert instr in defined(fixture), line
            if instr == "PARAMETER":
                assert f"PARAMETER {rest.split()[0]}" in defined(fixture), line
        envs = defined("ollama_env")
        values = allowed_values("ollama")
        for key, value in cfg.env.items():
            assert key in envs, key
            if key in values:
                assert value in values[key], (key, value)
        return
    values = allowed_values(fixture)
    for flag, value in options(cfg.argv, cfg.engine):
        assert flag in defined(fixture), f"{flag} is not a {fixture} flag"
        if flag in values:
            assert value in values[flag], f"{flag} {value} is not an accepted value"


def arg(cfg: LaunchConfig, flag: str) -> str | None:
    for f, v in options(cfg.argv, cfg.engine):
        if f == flag:
            return v
    return None


def has(cfg: LaunchConfig, flag: str) -> bool:
    return any(f == flag for f, _ in options(cfg.argv, cfg.engine))


# --- the fixtures themselves -------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "vllm",
        "vllm_values",
        "sglang",
        "sglang_values",
        "trtllm",
        "trtllm_values",
        "llamacpp",
        "llamacpp_values",
        "ollama",
        "ollama_env",
        "ollama_values",
    ],
)
def test_fixture_names_its_source(name: str) -> None:
    text = (FLAGS / f"{name}.txt").read_text(encoding="utf-8")
    header = [ln for ln in text.splitlines() if ln.startswith("#")]
    assert header, "each fixture starts with where it came from"
    assert any(ch.isdigit() for ch in " ".join(header)), "the header names a version"
    assert _lines(f"{name}.txt")
    assert f"{name}.txt" in (FLAGS / "SOURCES.md").read_text(encoding="utf-8")


def test_fixtures_hold_the_flags_the_brief_names() -> None:
    assert {
        "--tensor-parallel-size",
        "--pipeline-parallel-size",
        "--enable-expert-parallel",
        "--quantization",
        "--dtype",
        "--kv-cache-dtype",
        "--max-model-len",
        "--max-num-seqs",
        "--gpu-memory-utilization",
        "--max-num-batched-tokens",
    } <= defined("vllm")
    assert {"--model-path", "--tp-size", "--dp-size", "--context-length"} <= defined("sglang")
    assert {"--max-running-requests", "--mem-fraction-static"} <= defined("sglang")
    assert {"-m", "-ngl", "-c", "-np", "--split-mode", "-ts", "-ctk", "-ctv", "-ub"} <= defined(
        "llamacpp"
    )
    assert {"--tp_size", "--pp_size", "--ep_size", "--max_batch_size"} <= defined("trtllm")
    assert {"PARAMETER num_ctx", "PARAMETER num_gpu", "PARAMETER num_batch"} <= defined("ollama")
    assert {"OLLAMA_NUM_PARALLEL", "OLLAMA_KV_CACHE_TYPE", "OLLAMA_FLASH_ATTENTION"} <= defined(
        "ollama_env"
    )


def test_a_made_up_flag_is_caught() -> None:
    cfg = LaunchConfig(
        engine="vllm", kind="command", text="", argv=("vllm", "serve", "m", "--nope")
    )
    with pytest.raises(AssertionError):
        check_flags(cfg)
    cfg = LaunchConfig(
        engine="vllm", kind="command", text="", argv=("vllm", "serve", "m", "--dtype", "fp4")
    )
    with pytest.raises(AssertionError):
        check_flags(cfg)


# --- every engine, several deployments: only defined flags --------------------------------

MATRIX = [
    ("vllm", "vllm", {"model": "llama-3.1-8b", "quant": "bf16", "gpu": "H100 SXM"}),
    ("vllm", "vllm", {"model": "llama-3.3-70b", "quant": "fp8", "gpu": "H100 SXM", "gpu_count": 4}),
    (
        "vllm",
        "vllm",
        {"model": "mixtral-8x7b", "quant": "awq-int4", "gpu": "A100 SXM 80GB", "gpu_count": 2},
    ),
    (
        "vllm",
        "vllm",
        {"model": "deepseek-v3", "quant": "fp8", "gpu": "H200 SXM", "gpu_count": 8, "ep": 8},
    ),
    (
        "vllm",
        "vllm",
        {"model": "gpt-oss-120b", "quant": "mxfp4", "gpu": "H100 SXM", "batched_tokens": 4096},
    ),
    ("vllm", "vllm", {"model": "qwen3-32b", "quant": "nvfp4", "gpu": "B200", "kv_quant": "fp8"}),
    ("vllm", "vllm", {"model": "qwen3-32b", "quant": "gptq-int4", "gpu": "L40S", "gpu_count": 4}),
    (
        "k8s",
        "vllm",
        {"model": "llama-3.3-70b", "quant": "fp8", "gpu": "H100 SXM", "gpu_count": 16, "tp": 4},
    ),
    ("sglang", "sglang", {"model": "llama-3.1-8b", "quant": "bf16", "gpu": "H100 SXM"}),
    (
        "sglang",
        "sglang",
        {"model": "deepseek-v3", "quant": "fp8", "gpu": "H200 SXM", "gpu_count": 8, "ep": 8},
    ),
    (
        "sglang",
        "sglang",
        {
            "model": "mixtral-8x7b",
            "quant": "awq-int4",
            "gpu": "A100 SXM 80GB",
            "gpu_count": 4,
            "tp": 2,
            "kv_quant": "fp8",
            "batched_tokens": 4096,
        },
    ),
    (
        "trtllm",
        "tensorrt-llm",
        {
            "model": "llama-3.3-70b",
            "quant": "fp8",
            "gpu": "H100 SXM",
            "gpu_count": 4,
            "kv_quant": "fp8",
            "batched_tokens": 8192,
        },
    ),
    (
        "trtllm",
        "tensorrt-llm",
        {"model": "deepseek-v3", "quant": "fp8", "gpu": "H200 SXM", "gpu_count": 8, "ep": 8},
    ),
    (
        "llamacpp",
        "llama.cpp",
        {
            "model": "llama-3-8b",
            "quant": "q4_k_m",
            "gpu": "RTX 3070",
            "gpu_count": 2,
            "gpu_layers": 24,
        },
    ),
    (
        "llamacpp",
        "llama.cpp",
        {
            "model": "qwen2.5-32b",
            "quant": "q4_k_m",
            "gpu": "RTX 4090",
            "gpu_count": 2,
            "tp": 2,
            "kv_quant": "q8_0",
            "batched_tokens": 4096,
        },
    ),
    ("llamacpp", "llama.cpp", {"model": "llama-3.1-8b", "quant": "q8_0", "gpu": "RTX 4090"}),
    (
        "ollama",
        "llama.cpp",
        {
            "model": "llama-3-8b",
            "quant": "q4_k_m",
            "gpu": "RTX 3070",
            "gpu_count": 2,
            "gpu_layers": 24,
            "kv_quant": "q8_0",
            "batched_tokens": 1024,
        },
    ),
    ("ollama", "llama.cpp", {"model": "llama-3.1-8b", "quant": "q4_k_m", "gpu": "RTX 4090"}),
]


@pytest.mark.parametrize(("target", "engine", "kw"), MATRIX)
def test_every_flag_is_defined_by_the_engine(
    catalog: Catalog, target: str, engine: str, kw: dict[str, object]
) -> None:
    cfg, *_ = launch(catalog, target, engine, **kw)
    assert cfg.engine == target
    check_flags(cfg)
    assert cfg.notes and all("\n" not in n for n in cfg.notes)
    if cfg.kind == "command":
        assert shlex.split(cfg.text) == list(cfg.argv)


# --- the right values ---------------------------------------------------------------------


def test_llama_31_8b_bf16_on_one_gpu(catalog: Catalog) -> None:
    cfg, _, wl, est = launch(
        catalog, "vllm", "vllm", model="llama-3.1-8b", quant="bf16", gpu="H100 SXM"
    )
    assert cfg.kind == "command" and cfg.argv[:3] == (
        "vllm",
        "serve",
        "meta-llama/Llama-3.1-8B-Instruct",
    )
    assert arg(cfg, "--tensor-parallel-size") == "1"
    assert arg(cfg, "--pipeline-parallel-size") == "1"
    assert not has(cfg, "--quantization") and not has(cfg, "--enable-expert-parallel")
    assert not has(cfg, "--data-parallel-size")
    assert arg(cfg, "--dtype") == "bfloat16"
    assert arg(cfg, "--kv-cache-dtype") == "auto"
    assert arg(cfg, "--max-model-len") == "2500" == str(wl.seq_tokens)
    assert arg(cfg, "--max-num-seqs") == str(est.max_batch)  # batch 'max'
    assert arg(cfg, "--gpu-memory-utilization") == "0.9"
    assert not has(cfg, "--max-num-batched-tokens")
    assert any("batch 'max'" in n for n in cfg.notes)


def test_llama_33_70b_fp8_tp4(catalog: Catalog) -> None:
    wl = make_workload(32, 1000, 1000)
    cfg, *_ = launch(
        catalog,
        "vllm",
        "vllm",
        wl,
        model="llama-3.3-70b",
        quant="fp8",
        gpu="H100 SXM",
        gpu_count=4,
    )
    assert arg(cfg, "--tensor-parallel-size") == "4"
    assert arg(cfg, "--quantization") == "fp8"
    assert arg(cfg, "--max-num-seqs") == "32"
    assert arg(cfg, "--max-model-len") == "2000"
    assert cfg.argv[2] == "meta-llama/Llama-3.3-70B-Instruct"
    assert any("online quantization" in n for n in cfg.notes)


def test_mixtral_awq_tp2_needs_a_quantized_checkpoint(catalog: Catalog) -> None:
    cfg, *_ = launch(
        catalog,
        "vllm",
        "vllm",
        model="mixtral-8x7b",
        quant="awq-int4",
        gpu="A100 SXM 80GB",
        gpu_count=2,
    )
    assert arg(cfg, "--tensor-parallel-size") == "2"
    assert arg(cfg, "--quantization") == "awq"
    assert cfg.argv[2].startswith("/models/")
    assert any("placeholder" in n and "pre-quantized" in n for n in cfg.notes)
    given = launch_config(
        *plan(
            catalog,
            "vllm",
            model="mixtral-8x7b",
            quant="awq-int4",
            gpu="A100 SXM 80GB",
            gpu_count=2,
        ),
        "vllm",
        model_path="/data/my mixtral awq",
    )
    assert given.argv[2] == "/data/my mixtral awq"
    assert "'/data/my mixtral awq'" in given.text  # quoted for the shell


def test_deepseek_v3_fp8_tp8_with_expert_parallel(catalog: Catalog) -> None:
    kw = {"model": "deepseek-v3", "quant": "fp8", "gpu": "H200 SXM", "gpu_count": 8, "ep": 8}
    vllm, *_ = launch(catalog, "vllm", "vllm", **kw)
    assert arg(vllm, "--tensor-parallel-size") == "8"
    assert has(vllm, "--enable-expert-parallel")
    assert arg(vllm, "--quantization") == "fp8"
    assert vllm.argv[2] == "deepseek-ai/DeepSeek-V3"  # published in fp8
    sgl, *_ = launch(catalog, "sglang", "sglang", **kw)
    assert arg(sgl, "--tp-size") == "8" and arg(sgl, "--ep-size") == "8"
    assert not has(sgl, "--moe-dp-size")
    assert arg(sgl, "--model-path") == "deepseek-ai/DeepSeek-V3"
    trt, *_ = launch(catalog, "trtllm", "tensorrt-llm", **kw)
    assert arg(trt, "--tp_size") == "8" and arg(trt, "--ep_size") == "8"
    assert arg(trt, "--pp_size") == "1"


def test_llama_3_8b_q4_k_m_on_llamacpp_two_gpus_partial_offload(catalog: Catalog) -> None:
    wl = make_workload(4, 1000, 500)
    cfg, *_ = launch(
        catalog,
        "llamacpp",
        "llama.cpp",
        wl,
        model="llama-3-8b",
        quant="q4_k_m",
        gpu="RTX 3070",
        gpu_count=2,
        gpu_layers=24,
    )
    assert cfg.argv[0] == "llama-server"
    assert arg(cfg, "-m") == "/models/Meta-Llama-3-8B-Instruct-Q4_K_M.gguf"
    assert any("placeholder" in n and "GGUF" in n for n in cfg.notes)
    assert arg(cfg, "-ngl") == "24"
    assert arg(cfg, "-np") == "4"
    assert arg(cfg, "-c") == str(1500 * 4)
    assert arg(cfg, "--split-mode") == "layer"
    assert arg(cfg, "-ts") == "1,1"
    assert arg(cfg, "-ctk") == "f16" and arg(cfg, "-ctv") == "f16"
    assert not has(cfg, "-fa") and not has(cfg, "-ub")
    assert any("8 run from system RAM" in n for n in cfg.notes)


def test_llamacpp_full_offload_row_split_quantized_cache(catalog: Catalog) -> None:
    cfg, *_ = launch(
        catalog,
        "llamacpp",
        "llama.cpp",
        make_workload(2, 1000, 1000),
        model="qwen2.5-32b",
        quant="q4_k_m",
        gpu="RTX 4090",
        gpu_count=2,
        tp=2,
        kv_quant="q8_0",
        batched_tokens=4096,
    )
    assert arg(cfg, "-ngl") == "999"
    assert arg(cfg, "--split-mode") == "row"
    assert arg(cfg, "-ctk") == "q8_0" and arg(cfg, "-ctv") == "q8_0"
    assert arg(cfg, "-fa") == "on"
    assert arg(cfg, "-ub") == "4096" and arg(cfg, "-b") == "4096"


def test_ollama_modelfile_and_environment(catalog: Catalog) -> None:
    cfg, *_ = launch(
        catalog,
        "ollama",
        "llama.cpp",
        make_workload(4, 1000, 500),
        model="llama-3-8b",
        quant="q4_k_m",
        gpu="RTX 3070",
        gpu_count=2,
        gpu_layers=24,
        kv_quant="q8_0",
        batched_tokens=1024,
    )
    assert cfg.kind == "modelfile" and cfg.argv == ()
    lines = cfg.text.splitlines()
    assert lines[0] == "FROM /models/Meta-Llama-3-8B-Instruct-Q4_K_M.gguf"
    assert "PARAMETER num_ctx 1500" in lines
    assert "PARAMETER num_gpu 24" in lines
    assert "PARAMETER num_batch 1024" in lines
    assert cfg.env == {
        "OLLAMA_NUM_PARALLEL": "4",
        "OLLAMA_KV_CACHE_TYPE": "q8_0",
        "OLLAMA_FLASH_ATTENTION": "1",
        "OLLAMA_SCHED_SPREAD": "1",
    }
    plain, *_ = launch(
        catalog, "ollama", "llama.cpp", model="llama-3.1-8b", quant="q4_k_m", gpu="RTX 4090"
    )
    assert plain.env["OLLAMA_KV_CACHE_TYPE"] == "f16"
    assert "OLLAMA_FLASH_ATTENTION" not in plain.env
    assert not any(ln.startswith("PARAMETER num_gpu") for ln in plain.text.splitlines())


def test_sglang_values(catalog: Catalog) -> None:
    cfg, _, wl, est = launch(
        catalog,
        "sglang",
        "sglang",
        model="mixtral-8x7b",
        quant="awq-int4",
        gpu="A100 SXM 80GB",
        gpu_count=4,
        tp=2,
        kv_quant="fp8",
        batched_tokens=4096,
    )
    assert cfg.argv[:3] == ("python3", "-m", "sglang.launch_server")
    assert arg(cfg, "--tp-size") == "2" and arg(cfg, "--dp-size") == "2"
    assert arg(cfg, "--quantization") == "awq"
    assert arg(cfg, "--kv-cache-dtype") == "fp8_e4m3"
    assert arg(cfg, "--context-length") == str(wl.seq_tokens)
    assert arg(cfg, "--max-running-requests") == str(est.batch)
    assert arg(cfg, "--mem-fraction-static") == "0.88"
    assert arg(cfg, "--chunked-prefill-size") == "4096"


def test_trtllm_values(catalog: Catalog) -> None:
    cfg, _, wl, est = launch(
        catalog,
        "trtllm",
        "tensorrt-llm",
        model="llama-3.3-70b",
        quant="fp8",
        gpu="H100 SXM",
        gpu_count=4,
        kv_quant="fp8",
        batched_tokens=8192,
    )
    assert cfg.argv[0] == "trtllm-serve"
    assert arg(cfg, "--tp_size") == "4" and not has(cfg, "--ep_size")
    assert arg(cfg, "--max_batch_size") == str(est.batch)
    assert arg(cfg, "--max_seq_len") == str(wl.seq_tokens)
    assert arg(cfg, "--max_num_tokens") == "8192"
    assert arg(cfg, "--kv_cache_free_gpu_memory_fraction") == "0.9"
    assert arg(cfg, "--kv_cache_dtype") == "fp8"
    assert any("pre-quantized" in n for n in cfg.notes)  # no online quantization there


def test_vllm_extra_options(catalog: Catalog) -> None:
    cfg, *_ = launch(
        catalog,
        "vllm",
        "vllm",
        model="llama-3.1-8b",
        quant="fp8",
        gpu="H100 SXM",
        gpu_count=4,
        tp=2,
        kv_quant="fp8",
        batched_tokens=16384,
        memory_gib=40,
    )
    assert arg(cfg, "--data-parallel-size") == "2"
    assert arg(cfg, "--kv-cache-dtype") == "fp8"
    assert arg(cfg, "--max-num-batched-tokens") == "16384"
    assert arg(cfg, "--gpu-memory-utilization") == "0.45"  # 0.9 of 40 of 80 GiB


def test_k8s_manifest_replicas_and_gpus(catalog: Catalog) -> None:
    cfg, dep, *_ = launch(
        catalog,
        "k8s",
        "vllm",
        model="llama-3.3-70b",
        quant="fp8",
        gpu="H100 SXM",
        gpu_count=16,
        tp=2,
        pp=2,
    )
    assert dep.replicas == 4
    assert cfg.kind == "manifest"
    assert "  replicas: 4\n" in cfg.text
    assert '              nvidia.com/gpu: "4"\n' in cfg.text
    assert cfg.argv[:2] == ("vllm", "serve")
    assert arg(cfg, "--tensor-parallel-size") == "2" and arg(cfg, "--pipeline-parallel-size") == "2"
    assert not has(cfg, "--data-parallel-size")  # the replicas are pods
    for word in cfg.argv:
        assert f"            - {json.dumps(word)}\n" in cfg.text or word in ("vllm", "serve")
    yaml = pytest.importorskip("yaml")
    deployment, service = list(yaml.safe_load_all(cfg.text))
    assert deployment["kind"] == "Deployment" and deployment["spec"]["replicas"] == 4
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "4"
    assert [*container["command"], *container["args"]] == list(cfg.argv)
    assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": 8000}
    shm = next(m for m in container["volumeMounts"] if m["mountPath"] == "/dev/shm")
    volume = next(v for v in pod["volumes"] if v["name"] == shm["name"])
    assert volume["emptyDir"]["medium"] == "Memory"
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == labels == service["spec"]["selector"]
    assert service["kind"] == "Service" and service["spec"]["ports"][0]["port"] == 8000


# --- refusals: one clear line ---------------------------------------------------------------


REFUSALS = [
    # (target, engine, kw, workload, words in the message)
    (
        "sglang",
        "vllm",
        {"model": "llama-3.1-8b", "quant": "bf16", "gpu": "H100 SXM"},
        None,
        "estimated for vLLM",
    ),
    (
        "vllm",
        "vllm",
        {"model": "llama-3.1-70b", "quant": "bf16", "gpu": "RTX 4090"},
        None,
        "does not fit",
    ),
    (
        "vllm",
        "vllm",
        {"model": "llama-3.1-8b", "quant": "nf4", "gpu": "H100 SXM"},
        None,
        "bitsandbytes",
    ),
    (
        "vllm",
        "vllm",
        {"model": "llama-3.1-8b", "quant": "bf16", "gpu": "H100 SXM", "kv_quant": "q8_0"},
        None,
        "no Q8_0 KV cache",
    ),
    (
        "vllm",
        "vllm",
        {"model": "qwen3-30b-a3b", "quant": "bf16", "gpu": "H100 SXM", "gpu_count": 4, "ep": 2},
        None,
        "expert-parallel size",
    ),
    (
        "sglang",
        "sglang",
        {
            "model": "deepseek-v3",
            "quant": "fp8",
            "gpu": "H200 SXM",
            "gpu_count": 16,
            "tp": 8,
            "ep": 16,
        },
        None,
        "does not divide",
    ),
    (
        "llamacpp",
        "llama.cpp",
        {"model": "mixtral-8x7b", "quant": "q4_k_m", "gpu": "RTX 4090", "gpu_count": 2, "ep": 2},
        None,
        "no expert parallelism",
    ),
    (
        "llamacpp",
        "llama.cpp",
        {
            "model": "llama-3.1-8b",
            "quant": "q4_k_m",
            "gpu": "RTX 4090",
            "gpu_count": 4,
            "tp": 2,
            "pp": 2,
        },
        None,
        "not both",
    ),
    (
        "ollama",
        "llama.cpp",
        {"model": "llama-3.1-8b", "quant": "q4_k_m", "gpu": "RTX 4090", "gpu_count": 2, "tp": 2},
        None,
        "by layers only",
    ),
    (
        "ollama",
        "llama.cpp",
        {"model": "llama-3.1-8b", "quant": "q4_k_m", "gpu": "RTX 4090", "kv_quant": "q5_1"},
        None,
        "no Q5_1 KV cache",
    ),
    (
        "k8s",
        "vllm",
        {"model": "llama-3.1-8b", "quant": "bf16", "gpu": "MI300X"},
        None,
        "NVIDIA GPUs",
    ),
    (
        "vllm",
        "vllm",
        {"model": "llama-3-8b", "quant": "bf16", "gpu": "H100 SXM"},
        ("ctx", 16384),
        "exceeds",
    ),
]


@pytest.mark.parametrize(("target", "engine", "kw", "wl", "words"), REFUSALS)
def test_refusals_are_one_clear_line(
    catalog: Catalog,
    target: str,
    engine: str,
    kw: dict[str, object],
    wl: tuple[str, int] | None,
    words: str,
) -> None:
    workload = make_workload(1, 512, 128, context_len=wl[1]) if wl else None
    dep, w, est = plan(catalog, engine, workload, **kw)
    with pytest.raises(LaunchError) as err:
        launch_config(dep, w, est, target)
    msg = str(err.value)
    assert words in msg
    assert "\n" not in msg and len(msg) < 300
    assert isinstance(err.value, ValueError)


def test_unknown_engine_names_the_choices(catalog: Catalog) -> None:
    dep, wl, est = plan(catalog, "vllm", model="llama-3.1-8b", quant="bf16", gpu="H100 SXM")
    with pytest.raises(LaunchError, match="choose from vllm, sglang, trtllm, llamacpp"):
        launch_config(dep, wl, est, "tgi")


def test_engine_spellings() -> None:
    assert launch_engine("TensorRT-LLM") == "trtllm"
    assert launch_engine("llama.cpp") == "llamacpp"
    assert launch_engine("kubernetes") == "k8s"
    assert set(LAUNCH_ENGINES) == set(FIXTURE)


def test_launch_config_is_frozen(catalog: Catalog) -> None:
    cfg, *_ = launch(catalog, "vllm", "vllm", model="llama-3.1-8b", quant="bf16", gpu="H100 SXM")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.text = "rm -rf /"  # type: ignore[misc]
    assert json.loads(json.dumps(cfg.to_dict()))["argv"] == list(cfg.argv)


# --- the command-line helpers ---------------------------------------------------------------


def _parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="llm-planner")
    sub = p.add_subparsers(dest="command")
    add_launch_command(sub)
    return p.parse_args(["launch", *argv])


def test_run_launch_prints_the_command(
    catalog: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _parse(
        "--engine",
        "vllm",
        "--model",
        "Llama 3.3 70B",
        "--quant",
        "fp8",
        "--gpu",
        "H100 SXM",
        "--gpus",
        "4",
        "--batch",
        "16",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "200",
    )
    assert run_launch(catalog, args) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    argv = shlex.split(first)
    assert argv[:2] == ["vllm", "serve"]
    assert argv[argv.index("--max-num-seqs") + 1] == "16"
    assert argv[argv.index("--max-model-len") + 1] == "1200"
    assert "# Notes:" in out


def test_run_launch_json_and_engine_mapping(
    catalog: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _parse(
        "--engine",
        "ollama",
        "--model",
        "llama-3-8b",
        "--quant",
        "q4_k_m",
        "--gpu",
        "RTX 4090",
        "--batch",
        "2",
        "--context",
        "4096",
        "--format",
        "json",
    )
    assert run_launch(catalog, args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["engine"] == "ollama" and doc["kind"] == "modelfile"
    assert "PARAMETER num_ctx 4096" in doc["text"]
    assert doc["env"]["OLLAMA_NUM_PARALLEL"] == "2"
    assert doc["notes"]


def test_run_launch_errors_are_cli_errors(catalog: Catalog) -> None:
    with pytest.raises(CliError, match="unknown launch engine"):
        run_launch(catalog, _parse("--engine", "tgi", "--model", "x", "--gpu", "y"))
    with pytest.raises(CliError, match="missing --engine"):
        run_launch(catalog, _parse("--model", "llama-3.1-8b", "--gpu", "H100 SXM"))
    args = _parse(
        "--engine",
        "vllm",
        "--model",
        "llama-3.1-70b",
        "--quant",
        "bf16",
        "--gpu",
        "RTX 4090",
    )
    with pytest.raises(CliError, match="does not fit") as err:
        run_launch(catalog, args)
    assert "\n" not in str(err.value)


def test_launch_text_for_a_deployment_from_elsewhere(catalog: Catalog) -> None:
    dep = build_deployment(catalog, "llama-3.1-8b", "bf16", "H100 SXM", engine="sglang")
    wl = make_workload(8, 1000, 1000)
    text = launch_text(dep, wl, "sglang")
    assert text.startswith("python3 -m sglang.launch_server --model-path ")
    doc = json.loads(launch_text(dep, wl, "sglang", "json"))
    assert doc["argv"][doc["argv"].index("--max-running-requests") + 1] == "8"
