"""Measured benchmark numbers bundled in resources/calibration, mapped to estimator inputs."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from planner.catalog.load import Catalog
from planner.catalog.resolve import UnknownNameError
from planner.estimate.inputs import Deployment, PlanInputError
from planner.estimate.scenario import build_deployment
from planner.paths import resources_dir

SPEED_FILES = ("llamacpp_xiongjiedai.csv", "trtllm_perf.csv", "lmdeploy.csv")

# Source metric -> (our output, factor to our unit)
METRIC_MAP: dict[str, tuple[str, float]] = {
    "pp_tokens_per_s": ("prefill_tokens_per_s", 1.0),
    "tg_tokens_per_s": ("decode_tokens_per_s", 1.0),
    "output_tokens_per_s_total": ("output_tokens_per_s_total", 1.0),
    "output_tokens_per_s_per_gpu": ("output_tokens_per_s_total", 1.0),
    "ttft_ms": ("ttft_ms", 1.0),
    "ttft_s_mean": ("ttft_ms", 1000.0),
    "token_latency_s_p50": ("tpot_ms", 1000.0),
}


@dataclass(frozen=True)
class Measurement:
    """One measured number and the configuration it was measured on."""

    deployment: Deployment
    batch: int | str  # int or "max"
    input_len: int
    output_len: int
    metric: str  # one of the Speed fields
    value: float
    source: str
    row: int
    suspect: bool

    @property
    def engine_family(self) -> str:
        return self.deployment.engine.family


@dataclass(frozen=True)
class Skipped:
    row: int
    file: str
    reason: str


def _quant_names(text: str) -> tuple[str, str]:
    t = text.strip()
    if t.upper().startswith("FP8"):
        # The bundled FP8 runs use FP8 weights and FP8 KV cache (SOURCES.md).
        return "fp8", "fp8"
    return t.split(" ")[0], "fp16"


def _engine_name(text: str) -> str:
    t = text.lower()
    if "tensorrt" in t:
        return "tensorrt-llm"
    if "lmdeploy" in t or "turbomind" in t:
        return "lmdeploy"
    if "llama.cpp" in t:
        return "llama.cpp"
    if "vllm" in t:
        return "vllm"
    return text


# Hardware names in the data that do not say which board they mean. Each reading is an
# assumption made here, with the reason.
ASSUMED_HARDWARE = {
    # LMDeploy's table names an 8-GPU A100 80GB node; 8-GPU A100 nodes are HGX (SXM) boards.
    "NVIDIA A100-80G (SXM/PCIe not stated; x8 node)": "a100-sxm-80gb",
    # TensorRT-LLM's methodology note states the A100s are 80GB; its multi-GPU runs use HGX.
    "NVIDIA A100 (80GB per methodology note)": "a100-sxm-80gb",
    # HBM3 H100s with 80 GB are SXM boards (the PCIe card has HBM2e).
    "NVIDIA H100 80GB (HBM3)": "h100-sxm",
}


def _hardware_name(text: str) -> str:
    if text in ASSUMED_HARDWARE:
        return ASSUMED_HARDWARE[text]
    # "NVIDIA H200 (written "H200 131GB HBM3" in source)" -> "NVIDIA H200"
    return re.sub(r"\s*\(.*\)\s*$", "", text).strip()


def _batch(text: str) -> int | str | None:
    t = text.strip().lower()
    if t.startswith("max-load"):
        return "max"
    if t.isdigit():
        return int(t)
    return None


def iter_measurements(
    catalog: Catalog, root: Path | None = None
) -> Iterator[Measurement | Skipped]:
    """Every speed measurement the estimator can be compared with, or why a row is skipped."""
    base = root or resources_dir() / "calibration"
    for fname in SPEED_FILES:
        with (base / fname).open(encoding="utf-8", newline="") as f:
            for i, r in enumerate(csv.DictReader(f), start=2):
                yield _measurement(catalog, fname, i, r)


def _measurement(catalog: Catalog, fname: str, i: int, r: dict[str, str]) -> Measurement | Skipped:
    mapped = METRIC_MAP.get(r["metric"])
    if mapped is None:
        return Skipped(i, fname, f"metric {r['metric']} not estimated")
    batch = _batch(r["batch_or_concurrency"])
    if batch is None:
        return Skipped(i, fname, f"load '{r['batch_or_concurrency']}' is not a static batch")
    metric, scale = mapped
    quant, kv = _quant_names(r["quantization"])
    par = r["parallelism"]
    gpus = int(r["gpu_count"] or 1)
    tp = pp = None
    m_tp = re.search(r"TP(\d+)", par)
    if m_tp:
        tp, pp = int(m_tp.group(1)), 1
    elif "layer" in par:
        tp, pp = 1, gpus
    # llama-bench runs that lowered the micro-batch to fit say so ("-ub 256").
    ub = re.search(r"-ub (\d+)", r["notes"])
    try:
        dep = build_deployment(
            catalog,
            model=r["model"],
            quant=quant,
            gpu=_hardware_name(r["hardware"]),
            gpu_count=gpus,
            engine=_engine_name(r["engine"]),
            tp=tp,
            pp=pp,
            kv_quant=kv,
            batched_tokens=int(ub.group(1)) if ub else None,
        )
    except (UnknownNameError, PlanInputError) as exc:
        return Skipped(i, fname, str(exc))
    value = float(r["value"]) * scale
    if r["metric"] == "output_tokens_per_s_per_gpu":
        value *= gpus
    out_len = int(r["output_len"] or 0)
    in_len = int(r["input_len"] or 0)
    if metric == "ttft_ms":
        out_len = max(out_len, 1)
    return Measurement(
        deployment=dep,
        batch=batch,
        input_len=in_len,
        output_len=out_len,
        metric=metric,
        value=value,
        source=f"{fname}:{i}",
        row=i,
        suspect="SUSPECT" in r["notes"],
    )
