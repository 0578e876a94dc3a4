"""Name resolution, unknown GPUs as plannable custom specs, and the `detect` command."""

from __future__ import annotations

import argparse
import functools
import json

import pytest
from hwfakes import FakeNvml, FakeRunner, MissingNvml, sample

from planner.catalog.load import bundled_catalog
from planner.estimate.scenario import build_deployment, estimate, make_workload
from planner.hardware import DetectedGpu, detect
from planner.hardware import cli as hwcli
from planner.hardware.custom import PLACEHOLDER_BANDWIDTH_GBPS, match_gpu

CAT = bundled_catalog()


def gpu(
    name: str, vendor: str = "nvidia", memory: float | None = None, **kw: object
) -> DetectedGpu:
    return DetectedGpu(
        vendor=vendor, name=name, index=0, source="test", memory_total_gib=memory, **kw
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "vendor", "cores", "catalog_id"),
    [
        ("NVIDIA H100 80GB HBM3", "nvidia", None, "h100-sxm"),
        ("NVIDIA L40S", "nvidia", None, "l40s"),
        ("NVIDIA GeForce RTX 4080 SUPER", "nvidia", None, "rtx-4080-super"),
        ("NVIDIA H200", "nvidia", None, "h200-sxm"),
        ("NVIDIA A100-SXM4-80GB", "nvidia", None, "a100-sxm-80gb"),
        ("Apple M1 Pro", "apple", 14, "apple-m1-pro-14c"),
        ("Apple M1 Pro", "apple", 16, "apple-m1-pro-16c"),
        ("AMD Instinct MI300X", "amd", None, "mi300x"),
        ("AMD Instinct MI300X VF", "amd", None, "mi300x"),
        ("Intel(R) Arc(TM) A770 Graphics", "intel", None, "arc-a770-16gb"),
    ],
)
def test_known_names(name: str, vendor: str, cores: int | None, catalog_id: str) -> None:
    matched, _ = match_gpu(gpu(name, vendor, gpu_cores=cores), CAT)
    assert matched.catalog_id == catalog_id and matched.suggestions == ()


@pytest.mark.parametrize(
    ("name", "memory"),
    [("NVIDIA GeForce RTX 2080 SUPER", 8.0), ("Tesla P100-PCIE-16GB", 15.89), ("Tesla T4", 15.0)],
)
def test_unknown_names_keep_memory_and_suggestions(name: str, memory: float) -> None:
    matched, notes = match_gpu(gpu(name, memory=memory), CAT)
    assert matched.catalog_id is None and matched.memory_total_gib == memory
    assert notes == [
        f"test: '{name}' ({memory:g} GiB) is not in the catalog"
        + (f"; nearest: {', '.join(matched.suggestions)}" if matched.suggestions else "")
    ]


def test_apple_chip_with_unlisted_core_count_is_not_guessed() -> None:
    matched, _ = match_gpu(gpu("Apple M2 Pro", "apple", 16.0, gpu_cores=12), CAT)
    assert matched.catalog_id is None
    assert "apple-m2-pro-16c" in matched.suggestions


def test_memory_far_from_the_catalog_is_noted() -> None:
    _, notes = match_gpu(gpu("NVIDIA GeForce RTX 3080", memory=12.0), CAT)
    assert notes and "check the variant" in notes[0] and "--memory-gib 12" in notes[0]
    _, notes = match_gpu(gpu("NVIDIA L40S", memory=44.99), CAT)  # ECC reserve: within tolerance
    assert notes == []
    _, notes = match_gpu(gpu("Apple M1 Pro", "apple", 16.0, gpu_cores=14), CAT)  # a memory option
    assert notes == []


def test_cross_vendor_loose_match_is_refused() -> None:
    matched, _ = match_gpu(gpu("AMD Instinct MI300X", "intel"), CAT)
    assert matched.catalog_id is None


def test_unknown_gpu_as_custom_spec_copies_the_nearest_same_vendor_entry() -> None:
    matched, _ = match_gpu(
        gpu("NVIDIA GeForce RTX 2080 SUPER", memory=8.0, power_limit_w=250.0, pcie_gen=3), CAT
    )
    spec = matched.as_custom_spec(CAT)
    base = CAT.gpus[matched.suggestions[0]]
    assert (spec.custom, spec.memory_gib, spec.tdp_w, spec.pcie_gen) == (True, 8.0, 250.0, 3)
    assert spec.id == "detected-nvidia-geforce-rtx-2080-super"
    assert spec.bandwidth_gbps == base.bandwidth_gbps
    assert base.id in spec.assumptions["bandwidth_gbps"]
    assert "memory_gib" not in spec.assumptions and "tdp_w" not in spec.assumptions
    # It plans like any catalog GPU.
    dep = build_deployment(CAT, "llama-3.1-8b", "q4_k_m", spec)
    est = estimate(dep, make_workload())
    assert est.fits and est.speed is not None
    assert CAT.with_entries(gpus=[spec]).gpu("NVIDIA GeForce RTX 2080 SUPER").id == spec.id


def test_custom_spec_without_any_similar_entry_uses_marked_placeholders() -> None:
    hygon = gpu("Hygon DCU xxxx", "other", 63.98)
    spec = hygon.as_custom_spec(CAT)
    assert spec.bandwidth_gbps == PLACEHOLDER_BANDWIDTH_GBPS
    assert spec.assumptions["bandwidth_gbps"].startswith("UNKNOWN: placeholder")
    assert spec.assumptions["fp16_tflops"].startswith("UNKNOWN: placeholder")


def test_custom_spec_memory_unknown() -> None:
    capped = match_gpu(gpu("NVIDIA GeForce RTX 4090"), CAT)[0]
    spec = capped.as_custom_spec(CAT)
    assert spec.memory_gib == 24 and "not measured" in spec.assumptions["memory_gib"]
    assert capped.as_custom_spec(CAT, memory_gib=23.5).memory_gib == 23.5
    with pytest.raises(ValueError, match="memory of Mystery GPU is unknown"):
        gpu("Mystery GPU", "other").as_custom_spec(CAT)


def test_apple_custom_spec_keeps_unified_memory_traits() -> None:
    m5 = match_gpu(gpu("Apple M5", "apple", 24.0, unified_memory=True), CAT)[0]
    spec = m5.as_custom_spec(CAT)
    assert (spec.vendor, spec.segment, spec.interconnect.kind) == ("apple", "apple", "unified")
    assert spec.usable_memory_fraction < 1 and "usable_memory_fraction" in spec.assumptions


# --- the command ----------------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="llm-planner")
    sub = parser.add_subparsers(dest="command")
    hwcli.add_detect_command(sub)
    return parser.parse_args(["detect", *argv])


@pytest.fixture
def fake_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = FakeRunner(
        {
            "nvidia-smi topo -m": sample("nvidia-smi-topo/2x-rtx5090-pcie-phb_topo-m.txt"),
            "rocm-smi": sample("rocm-smi/rx7900xt_showproductname-showuse-meminfo-vram.json"),
        }
    )
    fake = functools.partial(detect, runner=runner, nvml=FakeNvml(), platform="linux")
    monkeypatch.setattr(hwcli, "detect", fake)


def test_cli_defaults() -> None:
    args = parse()
    assert (args.format, args.timeout) == ("table", 5.0)
    with pytest.raises(SystemExit):
        parse("--timeout", "0")


def test_cli_table(fake_machine: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert hwcli.run_detect(CAT, parse("--timeout", "2")) == 0
    out = capsys.readouterr().out
    assert "h100-sxm" in out and "l40s" in out
    assert "unknown (nearest: rx-7900-xtx" in out
    assert "Gen5 x16" in out and "12.4" in out
    assert "GPU links (nvidia-smi topo -m): pcie (PHB)" in out
    assert "Notes:" in out and "RAM total GiB" in out


def test_cli_json(fake_machine: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert hwcli.run_detect(CAT, parse("--format", "json")) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [g["catalog_id"] for g in doc["gpus"]] == ["h100-sxm", "l40s", None]
    assert doc["gpus"][2]["suggestions"][0] == "rx-7900-xtx"
    assert doc["interconnect"]["kind"] == "pcie"
    assert doc["host"]["ram_total_gib"] > 0
    assert isinstance(doc["notes"], list) and doc["elapsed_s"] >= 0


def test_cli_without_gpus(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = functools.partial(detect, runner=FakeRunner({}), nvml=MissingNvml(), platform="linux")
    monkeypatch.setattr(hwcli, "detect", fake)
    assert hwcli.run_detect(CAT, parse()) == 0
    out = capsys.readouterr().out
    assert out.startswith("No GPU found.") and "cpu-only" in out
