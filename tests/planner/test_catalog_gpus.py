"""The bundled accelerator catalog: schema, uniqueness, coverage and sanity of the figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from planner.catalog.schema import GpuSpec

GPUS_JSON = Path(__file__).parents[2] / "resources/catalog/gpus.json"

REQUIRED_IDS = [
    # NVIDIA data center
    "v100-sxm2-32gb", "v100-sxm2-16gb", "v100-pcie-32gb",
    "a100-sxm-40gb", "a100-sxm-80gb", "a100-pcie-40gb", "a100-pcie-80gb",
    "a10", "a10g", "a40", "l4", "l40s",
    "h100-sxm", "h100-pcie", "h100-nvl", "h200-sxm", "h200-nvl", "gh200", "b200", "gb200",
    # NVIDIA GeForce
    "rtx-3070", "rtx-3080-10gb", "rtx-3080-ti", "rtx-3090", "rtx-3090-ti",
    "rtx-4070-ti", "rtx-4080", "rtx-4080-super", "rtx-4090",
    "rtx-5060-ti-16gb", "rtx-5070-ti", "rtx-5080", "rtx-5090",
    # NVIDIA workstation
    "rtx-a5000", "rtx-a6000", "rtx-4000-ada", "rtx-5000-ada", "rtx-6000-ada",
    "rtx-pro-6000-blackwell", "rtx-pro-6000-blackwell-server", "dgx-spark-gb10",
    # AMD
    "mi250x", "mi300x", "mi325x", "mi355x",
    "rx-7900-xtx", "rx-9070", "rx-9070-xt", "radeon-ai-pro-r9700", "ryzen-ai-max-plus-395",
    # Intel
    "gaudi2", "gaudi3", "arc-a770-16gb", "arc-b580",
    # Apple: one entry per GPU-core variant
    "apple-m1-7c", "apple-m1-8c", "apple-m1-pro-14c", "apple-m1-pro-16c",
    "apple-m1-max-24c", "apple-m1-max-32c", "apple-m1-ultra-48c", "apple-m1-ultra-64c",
    "apple-m2-8c", "apple-m2-10c", "apple-m2-pro-16c", "apple-m2-pro-19c",
    "apple-m2-max-30c", "apple-m2-max-38c", "apple-m2-ultra-60c", "apple-m2-ultra-76c",
    "apple-m3-8c", "apple-m3-10c", "apple-m3-pro-14c", "apple-m3-pro-18c",
    "apple-m3-max-30c", "apple-m3-max-40c", "apple-m3-ultra-60c", "apple-m3-ultra-80c",
    "apple-m4-8c", "apple-m4-10c", "apple-m4-pro-16c", "apple-m4-pro-20c",
    "apple-m4-max-32c", "apple-m4-max-40c",
    # CPU only
    "cpu-only",
]  # fmt: skip

# Names real probes print (hwsamples) and calibration hardware strings, with their entry.
PROBE_NAMES = {
    "NVIDIA H100 80GB HBM3": "h100-sxm",
    "NVIDIA H100 NVL": "h100-nvl",
    "NVIDIA H100 PCIe 80GB": "h100-pcie",
    "NVIDIA H200": "h200-sxm",
    "NVIDIA A100-SXM4-80GB": "a100-sxm-80gb",
    "NVIDIA A100-SXM4-40GB": "a100-sxm-40gb",
    "NVIDIA A100 80GB PCIe": "a100-pcie-80gb",
    "NVIDIA A10": "a10",
    "NVIDIA A10G": "a10g",
    "NVIDIA A40 48GB": "a40",
    "NVIDIA L40S": "l40s",
    "NVIDIA GeForce RTX 3070 8GB": "rtx-3070",
    "NVIDIA GeForce RTX 3080": "rtx-3080-10gb",
    "NVIDIA GeForce RTX 3090": "rtx-3090",
    "NVIDIA GeForce RTX 4080 SUPER": "rtx-4080-super",
    "NVIDIA GeForce RTX 4090": "rtx-4090",
    "NVIDIA RTX A5000": "rtx-a5000",
    "NVIDIA RTX A6000": "rtx-a6000",
    "NVIDIA RTX 6000 Ada Generation": "rtx-6000-ada",
    "NVIDIA GH200 480GB": "gh200",
    "AMD Instinct MI300X": "mi300x",
    "AMD Instinct MI300X OAM": "mi300x",
    "Radeon RX 7900 XTX": "rx-7900-xtx",
    "Intel(R) Arc(TM) A770 Graphics": "arc-a770-16gb",
    "Apple M1": "apple-m1-8c",
    "Apple M1 Pro": "apple-m1-pro-16c",
    "Apple M1 Pro (14-core GPU)": "apple-m1-pro-14c",
    "Apple M2 Ultra": "apple-m2-ultra-76c",
    "Apple M3 Max": "apple-m3-max-40c",
    "Apple M4 Max": "apple-m4-max-40c",
    "Apple M1 Max (32-core GPU) 64GB": "apple-m1-max-32c",
}

DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _norm(s: str) -> str:
    # Same folding as the catalog's name resolver: case and punctuation do not count.
    return re.sub(r"[^a-z0-9]", "", s.lower())


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(GPUS_JSON.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gpus(doc: dict) -> list[GpuSpec]:
    return [GpuSpec.model_validate(e) for e in doc["gpus"]]


@pytest.fixture(scope="module")
def by_id(gpus: list[GpuSpec]) -> dict[str, GpuSpec]:
    return {g.id: g for g in gpus}


def test_file_shape(doc: dict) -> None:
    assert doc["schema_version"] == 1
    assert isinstance(doc["gpus"], list)


def test_at_least_50_entries(gpus: list[GpuSpec]) -> None:
    assert len(gpus) >= 50


def test_ids_unique(gpus: list[GpuSpec]) -> None:
    ids = [g.id for g in gpus]
    assert len(ids) == len(set(ids))


def test_names_and_aliases_unique_across_entries(gpus: list[GpuSpec]) -> None:
    owner: dict[str, str] = {}
    clashes = []
    for g in gpus:
        for s in {_norm(x) for x in (g.id, g.name, *g.aliases)}:
            if s in owner and owner[s] != g.id:
                clashes.append((s, owner[s], g.id))
            owner.setdefault(s, g.id)
    assert not clashes


def test_aliases_case_insensitive_unique(gpus: list[GpuSpec]) -> None:
    seen: dict[str, str] = {}
    for g in gpus:
        for a in g.aliases:
            key = a.casefold()
            assert key not in seen or seen[key] == g.id, (a, seen.get(key), g.id)
            seen[key] = g.id
    ids_and_names = {g.id.casefold(): g.id for g in gpus} | {g.name.casefold(): g.id for g in gpus}
    for g in gpus:
        for a in g.aliases:
            other = ids_and_names.get(a.casefold())
            assert other in (None, g.id), (a, other, g.id)


def test_sources_present(gpus: list[GpuSpec]) -> None:
    for g in gpus:
        assert g.source.strip(), g.id
        assert len(g.source) <= 400, g.id


def test_prices_dated(gpus: list[GpuSpec]) -> None:
    for g in gpus:
        if g.price_usd is not None:
            assert g.price_as_of and DATE.match(g.price_as_of), g.id
            assert g.price_source, g.id


def test_assumptions_name_real_fields(gpus: list[GpuSpec]) -> None:
    fields = set(GpuSpec.model_fields)
    for g in gpus:
        for key, why in g.assumptions.items():
            assert key in fields, (g.id, key)
            assert why.strip(), (g.id, key)


def test_required_entries_present(by_id: dict[str, GpuSpec]) -> None:
    missing = [i for i in REQUIRED_IDS if i not in by_id]
    assert not missing


def test_no_m4_ultra(gpus: list[GpuSpec]) -> None:
    assert not [g.id for g in gpus if "m4-ultra" in g.id or "M4 Ultra" in g.name]


def test_apple_entries(gpus: list[GpuSpec]) -> None:
    apple = [g for g in gpus if g.vendor == "apple"]
    assert len(apple) >= 30
    for g in apple:
        assert g.segment == "apple"
        assert g.generation.startswith("apple-m")
        assert 0 < g.usable_memory_fraction < 1, g.id
        assert g.interconnect.kind == "unified", g.id
        assert g.memory_options_gib and g.memory_gib == max(g.memory_options_gib), g.id


def test_plain_apple_names_go_to_largest_variant(gpus: list[GpuSpec]) -> None:
    apple = [g for g in gpus if g.vendor == "apple"]
    for g in apple:
        plain = [a for a in g.aliases if re.fullmatch(r"Apple M\d( (Pro|Max|Ultra))?", a)]
        for a in plain:
            family = [x for x in apple if x.name.startswith(a + " (")]
            biggest = max(family, key=lambda x: x.fp32_tflops or 0)
            assert biggest.id == g.id, (a, g.id)


def test_probe_and_calibration_names_map(gpus: list[GpuSpec]) -> None:
    index: dict[str, str] = {}
    for g in gpus:
        for s in (g.id, g.name, *g.aliases):
            index.setdefault(_norm(s), g.id)
    got = {n: index.get(_norm(n)) for n in PROBE_NAMES}
    wrong = {n: g for n, g in got.items() if g != PROBE_NAMES[n]}
    assert not wrong


def test_tflops_ordering(gpus: list[GpuSpec]) -> None:
    for g in gpus:
        fp8, bf16, fp4 = g.fp8_tflops, g.bf16_tflops, g.fp4_tflops
        if g.generation in ("hopper", "blackwell", "ada", "grace-blackwell") and fp8 and bf16:
            assert fp8 >= bf16, g.id
        if g.generation in ("blackwell", "grace-blackwell") and fp4 and fp8:
            assert fp4 >= fp8, g.id
        for v in (g.fp32_tflops, g.fp16_tflops, g.bf16_tflops, g.fp8_tflops, g.fp4_tflops):
            assert v is None or v < 20_000, g.id


def test_pcie_cards_and_interconnects(gpus: list[GpuSpec]) -> None:
    for g in gpus:
        ic = g.interconnect
        if ic.kind == "pcie":
            assert ic.bandwidth_gbps is None, g.id
        if g.segment in ("apu",):
            assert ic.kind == "unified", g.id
        if g.pcie_gen is not None:
            assert 3 <= g.pcie_gen <= 6, g.id


def test_cpu_only_entry(by_id: dict[str, GpuSpec]) -> None:
    cpu = by_id["cpu-only"]
    assert (cpu.vendor, cpu.segment, cpu.generation) == ("cpu", "cpu", "cpu")
    assert cpu.bandwidth_gbps == pytest.approx(2 * 8 * 5600 / 1000)
    assert {"memory_gib", "fp32_tflops"} <= set(cpu.assumptions)


def test_known_figures(by_id: dict[str, GpuSpec]) -> None:
    h100 = by_id["h100-sxm"]
    assert (h100.memory_gib, h100.bandwidth_gbps, h100.bf16_tflops) == (80, 3350, 989)
    assert h100.interconnect.kind == "nvlink" and h100.interconnect.bandwidth_gbps == 900
    assert by_id["apple-m3-max-30c"].bandwidth_gbps == 300
    assert by_id["apple-m3-max-40c"].bandwidth_gbps == 400
    assert by_id["apple-m4-max-32c"].bandwidth_gbps == 410
    assert by_id["apple-m4-max-40c"].bandwidth_gbps == 546
    assert by_id["apple-m1-max-32c"].usable_memory_fraction == pytest.approx(0.75)
