"""AMD: rocm-smi JSON and text across ROCm releases, amd-smi JSON and text, the AMD probe."""

from __future__ import annotations

import json

import pytest
from hwfakes import FakeRunner, sample

from planner.catalog.load import bundled_catalog
from planner.hardware.amd import parse_amd_smi, probe_amd
from planner.hardware.custom import match_gpu
from planner.hardware.rocm_smi import amd_display_name, parse_rocm_smi
from planner.hardware.runner import Deadline, Tools

CAT = bundled_catalog()
ROCM = "rocm-smi/"
AMDSMI = "amd-smi/"


def tools(runner: FakeRunner) -> Tools:
    return Tools(runner, Deadline(5.0), per_command_s=5.0)


@pytest.mark.parametrize(
    ("name", "count", "gpu", "total", "gen", "power", "driver"),
    [
        ("mi100-x4_rocm6.0.2.json", 4, "AMD Instinct MI100", 31.98, 4, 290.0, "6.3.6"),
        ("mi100-x6_rocm5.7.1.json", 6, "AMD Instinct MI100", 31.98, 3, 290.0, "6.2.4"),
        (
            "rx6700xt_rocm6.1.2.json",
            1,
            "AMD Radeon RX 6700/6700 XT / 6800M",
            11.98,
            4,
            211.0,
            "6.3.6",
        ),
        # ROCm 4.3 printed the vendor id instead of the name: fall back to the device id.
        ("rx6700xt_rocm4.3.0.json", 1, "AMD GPU (device 0x73df)", 11.98, 4, 211.0, "6.3.6"),
        (
            "mi50-32gb-vega20_amdgpu5.9.17.json",
            1,
            "AMD Radeon Instinct MI50 32GB",
            31.98,
            4,
            225.0,
            "5.9.17",
        ),
        (
            "vega10-xt-16gb_amdgpu5.9.25.json",
            1,
            "AMD GPU (device 0x6861)",
            15.98,
            3,
            170.0,
            "5.9.25",
        ),
        (
            "rx7800xt_rocm6.2.4_showproductname-meminfo-vram.json",
            1,
            "AMD Radeon RX 7700 XT / 7800 XT",
            15.98,
            None,
            None,
            None,
        ),
        (
            "rx7900xt_showproductname-showuse-meminfo-vram.json",
            1,
            "AMD Radeon RX 7900 XT",
            19.98,
            None,
            None,
            None,
        ),
        (
            "mi250-2gcd_showid-productname-use-memuse-meminfo-vram-P.json",
            2,
            "AMD INSTINCT MI250 (MCM) OAM AC MBA",
            63.98,
            None,
            None,
            None,
        ),
    ],
)
def test_rocm_smi_json(name, count, gpu, total, gen, power, driver):  # type: ignore[no-untyped-def]
    found = parse_rocm_smi(sample(ROCM + name))
    assert len(found.gpus) == count
    g = found.gpus[0]
    assert (g.vendor, g.name, g.memory_total_gib) == ("amd", gpu, total)
    assert (g.pcie_gen, g.power_limit_w, g.driver, g.source) == (gen, power, driver, "rocm-smi")
    assert g.memory_free_gib is not None and g.memory_free_gib <= total


def test_rocm_smi_gfx_target_and_unknown_gpus_keep_memory() -> None:
    g = parse_rocm_smi(sample(ROCM + "rx7900xt_showproductname-showuse-meminfo-vram.json")).gpus[0]
    assert g.compute_capability == "gfx1100"
    m = match_gpu(g, CAT)[0]
    assert m.catalog_id is None and m.memory_total_gib == 19.98
    assert "rx-7900-xtx" in m.suggestions


def test_rocm_smi_topology_link_types() -> None:
    found = parse_rocm_smi(sample(ROCM + "mi100-x4_rocm6.0.2.json"))
    ic = found.interconnect
    assert ic is not None and ic.source == "rocm-smi"
    assert (ic.kind, len(ic.pairs)) == ("pcie", 6)


def test_rocm_smi_mi250_dies_are_two_gpus_with_a_note() -> None:
    found = parse_rocm_smi(sample(ROCM + "mi250-2gcd_showproductname-P.json"))
    assert len(found.gpus) == 2
    assert any("each die as its own GPU" in n for n in found.notes)
    assert any("no VRAM size" in n for n in found.notes)
    assert found.gpus[1].power_limit_w is None


def test_rocm_smi_text_mi300x_resolves_to_catalog() -> None:
    found = parse_rocm_smi(sample(ROCM + "4x-mi300x_rocm-smi-a.txt"))
    assert [g.name for g in found.gpus] == ["AMD Instinct MI300X OAM"] * 4
    assert {match_gpu(g, CAT)[0].catalog_id for g in found.gpus} == {"mi300x"}
    assert found.gpus[0].driver == "6.7.0" and found.gpus[0].power_limit_w == 750.0


def test_rocm_smi_partitions_of_one_device_are_flagged() -> None:
    found = parse_rocm_smi(sample(ROCM + "mi300-tpx-partitions-as-3-gpus_showbus_text.txt"))
    assert len(found.gpus) == 3
    assert any("compute partitions of one accelerator" in n for n in found.notes)


def test_rocm_smi_concise_table_is_a_note() -> None:
    found = parse_rocm_smi(sample(ROCM + "4x-mi300x_rocm-smi-concise.txt"))
    assert found.gpus == [] and found.notes[0].startswith("rocm-smi: no GPU")


def test_hygon_dcu_fork_is_not_called_amd() -> None:
    (g,) = parse_rocm_smi(sample(ROCM + "hygon-dcu-k100-ai_dtk24.04.3_REDACTED.json")).gpus
    assert (g.vendor, g.name, g.memory_total_gib) == ("other", "Hygon DCU xxxx", 63.98)
    m = match_gpu(g, CAT)[0]
    assert m.catalog_id is None


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Arcturus GL-XL [Instinct MI100]", "AMD Instinct MI100"),
        ("Navi 31 [Radeon RX 7900 XT/7900 XTX]", "AMD Radeon RX 7900 XT/7900 XTX"),
        ("AMD Instinct MI300X", "AMD Instinct MI300X"),
        ("0x1002", "AMD GPU (device 0x73df)"),
    ],
)
def test_amd_display_names(raw: str, name: str) -> None:
    assert amd_display_name(raw, "0x73df") == name


def test_amd_smi_text_docs_example() -> None:
    found = parse_amd_smi(sample(AMDSMI + "4x-mi300a_amd-smi-static_text_DOCS-EXAMPLE.txt"))
    assert len(found.gpus) == 4
    g = found.gpus[0]
    assert (g.name, g.memory_total_gib, g.pcie_gen, g.power_limit_w) == (
        "AMD Instinct MI300A",
        62.78,
        5,
        550.0,
    )
    assert g.driver == "6.9.0-rc5+"
    assert match_gpu(g, CAT)[0].suggestions[0] == "mi300x"


def test_amd_smi_partial_text() -> None:
    (g,) = parse_amd_smi(
        sample(AMDSMI + "mi350x_amd-smi-static-selected-sections_text_PARTIAL.txt")
    ).gpus
    assert (g.name, g.compute_capability, g.pcie_width) == ("AMD Instinct MI350X", "gfx950", 16)
    assert g.memory_total_gib is None


def test_amd_smi_json_with_warnings_before_it() -> None:
    doc = {
        "gpu_data": [
            {
                "gpu": 0,
                "asic": {"market_name": "AMD Instinct MI300X", "target_graphics_version": "gfx942"},
                "bus": {
                    "bdf": "0000:05:00.0",
                    "max_pcie_width": 16,
                    "max_pcie_speed": {"value": 32, "unit": "GT/s"},
                },
                "vram": {"type": "HBM", "size": {"value": 196592, "unit": "MB"}},
                "limit": {"max_power": {"value": 750, "unit": "W"}},
                "driver": {"name": "amdgpu", "version": "6.8.5"},
            }
        ]
    }
    warnings = "/usr/lib/amdsmi_interface.py:3569: SyntaxWarning: 'return' in a 'finally' block\n"
    (g,) = parse_amd_smi(warnings + json.dumps(doc, indent=1)).gpus
    assert (g.name, g.memory_total_gib, g.pcie_gen, g.power_limit_w) == (
        "AMD Instinct MI300X",
        191.98,
        5,
        750.0,
    )
    assert match_gpu(g, CAT)[0].catalog_id == "mi300x"


def test_amd_smi_truncated_json_is_a_note() -> None:
    found = parse_amd_smi(
        sample(AMDSMI + "rx7800xt_amd-smi-static-json_stderr-warnings_TRUNCATED.txt")
    )
    assert found.gpus == []
    assert found.notes[0].startswith("amd-smi: output is not valid JSON")


def test_probe_falls_back_to_rocm_smi_when_amd_smi_output_is_broken() -> None:
    runner = FakeRunner(
        {
            "amd-smi static": sample(
                AMDSMI + "rx7800xt_amd-smi-static-json_stderr-warnings_TRUNCATED.txt"
            ),
            "rocm-smi": sample(ROCM + "mi100-x4_rocm6.0.2.json"),
        }
    )
    found = probe_amd(tools(runner))
    assert len(found.gpus) == 4 and found.interconnect is not None
    assert any(n.startswith("amd-smi: output is not valid JSON") for n in found.notes)


def test_probe_without_tools_is_one_note() -> None:
    found = probe_amd(tools(FakeRunner({})))
    assert found.gpus == []
    assert found.notes == ["AMD: neither amd-smi nor rocm-smi is installed"]


def test_probe_rocm_smi_failure_is_a_note() -> None:
    runner = FakeRunner({"rocm-smi": (1, "", "ERROR: GPU[0] : Permission denied")})
    found = probe_amd(tools(runner))
    assert found.gpus == []
    assert any("rocm-smi: exit code 1: ERROR: GPU[0] : Permission denied" in n for n in found.notes)
