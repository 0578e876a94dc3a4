"""macOS: Apple Silicon M1 to M5 from sysctl and system_profiler, Intel Macs, VMs, Rosetta."""

from __future__ import annotations

import json

import pytest
from hwfakes import FakeRunner, sample

from planner.catalog.load import bundled_catalog
from planner.hardware.apple import (
    apple_from_outputs,
    parse_sysctl,
    parse_system_profiler,
    probe_apple,
)
from planner.hardware.custom import match_gpu
from planner.hardware.models import Found
from planner.hardware.runner import CommandResult, Deadline, Tools

CAT = bundled_catalog()
MAC = "macos/"


def from_samples(sysctl: str | None = None, *profiler: str) -> Found:
    merged: dict[str, list[dict[str, object]]] = {}
    for name in profiler:
        data, problem = parse_system_profiler(sample(MAC + name))
        assert problem is None
        merged.update(data)
    return apple_from_outputs(parse_sysctl(sample(MAC + sysctl)) if sysctl else {}, merged)


def one_gpu(found: Found):  # type: ignore[no-untyped-def]
    (g,) = found.gpus
    return match_gpu(g, CAT)


def test_m1_pro_with_14_core_gpu() -> None:
    found = from_samples(
        "apple-m1-pro-16gb_monterey_sysctl.txt",
        "apple-m1-pro-macbookpro-14core-gpu_SPDisplaysDataType_3-displays.json",
    )
    g, notes = one_gpu(found)
    assert (g.name, g.gpu_cores, g.memory_total_gib, g.unified_memory) == (
        "Apple M1 Pro",
        14,
        16.0,
        True,
    )
    assert g.catalog_id == "apple-m1-pro-14c"
    assert notes == [] and found.notes == []


def test_m1_7_core_gpu_from_old_style_display_item() -> None:
    g, _ = one_gpu(
        from_samples(
            None,
            "m1-macbook-air-7core-gpu_SPDisplaysDataType.json",
            "apple-m1-macbookair-16gb_SPHardwareDataType.json",
        )
    )
    assert (g.catalog_id, g.gpu_cores, g.memory_total_gib) == ("apple-m1-7c", 7, 16.0)


@pytest.mark.parametrize(
    ("sysctl", "chip", "catalog_id", "memory"),
    [
        ("apple-m2-16gb_monterey_sysctl.txt", "Apple M2", "apple-m2-10c", 16.0),
        ("apple-m3-max-36gb_sequoia_sysctl.txt", "Apple M3 Max", "apple-m3-max-40c", 36.0),
        ("apple-m4-max-64gb_sequoia_sysctl.txt", "Apple M4 Max", "apple-m4-max-40c", 64.0),
        ("apple-m5-24gb_tahoe_sysctl.txt", "Apple M5", None, 24.0),
    ],
)
def test_chip_from_sysctl_alone(
    sysctl: str, chip: str, catalog_id: str | None, memory: float
) -> None:
    g, notes = one_gpu(from_samples(sysctl))
    assert (g.name, g.catalog_id, g.memory_total_gib, g.source) == (
        chip,
        catalog_id,
        memory,
        "sysctl",
    )
    if catalog_id:
        # Without system_profiler the GPU core count is unknown: the match says what it assumed.
        assert any("core count" in n and catalog_id in n for n in notes)
    else:
        assert g.suggestions and all(s.startswith("apple-m") for s in g.suggestions)
        assert any("not in the catalog" in n and "24 GiB" in n for n in notes)


def test_m5_max_is_unknown_with_its_memory() -> None:
    g, _ = one_gpu(from_samples(None, "apple-m5-max-macbookpro-128gb_SPHardwareDataType.json"))
    assert (g.name, g.catalog_id, g.memory_total_gib) == ("Apple M5 Max", None, 128.0)
    assert "apple-m4-max-40c" in g.suggestions


def test_rosetta_hides_the_chip_name() -> None:
    found = from_samples(None, "apple-m1-macbookair-16gb_SPHardwareDataType_UNDER-ROSETTA.json")
    assert found.gpus == []
    assert "Rosetta 2" in found.notes[0] and "MacBookAir10,1" in found.notes[0]


def test_rosetta_flag_in_sysctl_is_reported() -> None:
    sysctl = parse_sysctl(sample(MAC + "apple-m1-pro-16gb_monterey_sysctl.txt"))
    found = apple_from_outputs({**sysctl, "sysctl.proc_translated": "1"}, {})
    assert any("Rosetta 2" in n for n in found.notes)
    assert found.gpus[0].name == "Apple M1 Pro"


def test_big_sur_m1_brand_string_is_not_a_chip_name() -> None:
    found = from_samples("apple-m1_bigsur_sysctl.txt")
    assert found.gpus == [] and "no chip name" in found.notes[0]


def test_virtual_mac_is_not_matched_as_the_physical_chip() -> None:
    found = from_samples(
        "github-runner-macos26-apple-m1-virtual_sysctl.txt",
        "github-runner-macos26-apple-m1-virtual-7gb_SPHardwareDataType.json",
    )
    g, _ = one_gpu(found)
    assert (g.name, g.catalog_id, g.memory_total_gib) == ("Apple M1 (Virtual)", None, 7.0)
    assert any("virtual machine" in n for n in found.notes)


@pytest.mark.parametrize(
    ("sysctl", "profiler"),
    [
        (
            "github-runner-macos15-intel-i7-8700b_sysctl.txt",
            (
                "github-runner-macos15-intel-vm-paravirt-gpu_SPDisplaysDataType.json",
                "github-runner-macos15-intel-i7-8700b-14gb_SPHardwareDataType.json",
            ),
        ),
        (
            "intel-i7-4980hq-16gb_sysctl-hw-machdep.txt",
            ("intel-imacpro-xeon-w-32gb_SPHardwareDataType.json",),
        ),
        ("intel-i7-6700k_mojave_sysctl.txt", ()),
    ],
)
def test_intel_macs_have_no_apple_gpu(sysctl: str, profiler: tuple[str, ...]) -> None:
    found = from_samples(sysctl, *profiler)
    assert found.gpus == []
    assert not any("Rosetta" in n for n in found.notes)


def test_paravirtual_display_adapter_is_skipped_with_a_note() -> None:
    found = from_samples(
        None, "github-runner-macos15-intel-vm-paravirt-gpu_SPDisplaysDataType.json"
    )
    assert found.gpus == []
    assert "virtual display adapter" in found.notes[0]


def test_intel_mac_discrete_gpu_is_reported() -> None:
    item = {
        "_name": "AMD Radeon Pro 5500M",
        "sppci_model": "AMD Radeon Pro 5500M",
        "spdisplays_vendor": "sppci_vendor_amd",
        "spdisplays_vram": "8 GB",
    }
    found = apple_from_outputs({"hw.memsize": "17179869184"}, {"SPDisplaysDataType": [item]})
    (g,) = found.gpus
    assert (g.vendor, g.memory_total_gib, g.unified_memory) == ("amd", 8.0, False)


def test_probe_runs_both_tools_and_ignores_stderr_noise() -> None:
    displays = json.loads(
        sample(MAC + "apple-m1-pro-macbookpro-14core-gpu_SPDisplaysDataType_3-displays.json")
    )
    hardware = json.loads(sample(MAC + "apple-m1-macbookair-16gb_SPHardwareDataType.json"))
    runner = FakeRunner(
        {
            # sysctl exits 1 when one of the keys is unknown, but prints the others.
            "sysctl": (1, sample(MAC + "apple-m1-pro-16gb_monterey_sysctl.txt"), "unknown oid"),
            "system_profiler": CommandResult(
                ("system_profiler",),
                "ran",
                0,
                json.dumps({**displays, **hardware}, indent=2),
                sample(MAC + "github-runner-macos15-intel-vm_SPDisplaysDataType.stderr.txt"),
            ),
        }
    )
    found = probe_apple(Tools(runner, Deadline(5), per_command_s=5))
    (g,) = found.gpus
    assert (g.name, g.gpu_cores, g.memory_total_gib) == ("Apple M1 Pro", 14, 16.0)
    assert found.notes == []


def test_probe_without_tools() -> None:
    found = probe_apple(Tools(FakeRunner({}), Deadline(5), per_command_s=5))
    assert found.gpus == []
    assert [n.split(":")[0] for n in found.notes] == ["sysctl", "system_profiler"]


def test_system_profiler_garbage_is_a_problem_not_an_error() -> None:
    data, problem = parse_system_profiler("Segmentation fault\n{ truncated")
    assert data == {} and problem is not None
