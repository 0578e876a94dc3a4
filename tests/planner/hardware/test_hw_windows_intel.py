"""Windows Win32_VideoController (AdapterRAM cap), Intel xpu-smi and intel_gpu_top, the host."""

from __future__ import annotations

import json
import sys

import pytest
from hwfakes import FakeRunner, sample

from planner.catalog.load import bundled_catalog
from planner.hardware.custom import match_gpu
from planner.hardware.detect import system_name
from planner.hardware.host import parse_cpuinfo, probe_host
from planner.hardware.intel import intel_name, parse_intel_gpu_top, parse_xpu_smi, probe_intel
from planner.hardware.runner import Deadline, Tools
from planner.hardware.windows import parse_win32_video, probe_windows

CAT = bundled_catalog()

# Written for this test in PowerShell's `Format-List` layout (the one real capture of this
# layout comes from a GPL-3.0 project and is not copied here); the wrapped value and the
# blank lines between records are what PowerShell prints.
FORMAT_LIST = """

Name                 : NVIDIA GeForce RTX 4090
AdapterCompatibility : NVIDIA
AdapterRAM           : 4293918720
DriverVersion        : 32.0.15.6590
PNPDeviceID          : PCI\\VEN_10DE&DEV_2684&SUBSYS_889C1043&REV_A1\\4&2F1A4D6C&0&0008
VideoProcessor       : NVIDIA GeForce RTX 4090

Name                 : AMD Radeon RX 6400
AdapterCompatibility : Advanced Micro Devices, Inc.
AdapterRAM           : 4278190080
DriverVersion        : 31.0.21921.1000
PNPDeviceID          : PCI\\VEN_1002&DEV_743F&SUBSYS_00000000&REV_C7\\6&1B6E1
                       A7F&0&00000019
VideoProcessor       : AMD Radeon Graphics Processor (0x743F)

Name                 : Intel(R) UHD Graphics 770
AdapterCompatibility : Intel Corporation
AdapterRAM           : 2147479552
DriverVersion        : 31.0.101.4502
PNPDeviceID          : PCI\\VEN_8086&DEV_4680&SUBSYS_88821043&REV_0C\\3&11583659&0&10
VideoProcessor       : Intel(R) UHD Graphics Family

Name                 : Microsoft Basic Display Adapter
AdapterCompatibility : (Standard display types)
AdapterRAM           :
DriverVersion        : 10.0.22621.1
PNPDeviceID          : ROOT\\BASICDISPLAY\\0000
VideoProcessor       :


"""


def test_format_list_adapters() -> None:
    found = parse_win32_video(FORMAT_LIST)
    rtx, radeon = found.gpus
    # AdapterRAM saturates at 4 GB: unknown, said in a note, never reported as memory.
    assert (rtx.vendor, rtx.memory_total_gib) == ("nvidia", None)
    assert match_gpu(rtx, CAT)[0].catalog_id == "rtx-4090"
    assert (radeon.vendor, radeon.memory_total_gib, radeon.driver) == (
        "amd",
        3.98,
        "31.0.21921.1000",
    )
    assert any("4 GB" in n and "RTX 4090" in n for n in found.notes)
    assert any("UHD Graphics 770" in n and "integrated" in n for n in found.notes)
    assert any("Basic Display Adapter" in n for n in found.notes)


def test_wmic_table_capture() -> None:
    found = parse_win32_video(
        sample(
            "windows/rtx4090-plus-uhd770_wmic-path-win32_videocontroller-get-name-adapterram.txt"
        )
    )
    (g,) = found.gpus
    assert (g.name, g.vendor, g.memory_total_gib) == ("NVIDIA GeForce RTX 4090", "nvidia", None)
    assert any("4 GB, the most its 32-bit field holds" in n for n in found.notes)
    m, notes = match_gpu(g, CAT)
    assert m.catalog_id == "rtx-4090"
    assert any("the catalog says 24 GiB" in n for n in notes)


def test_adapter_ram_only_capture_is_a_cap_note() -> None:
    found = parse_win32_video(
        sample("windows/radeon-16gb_Get-CimInstance-Win32_VideoController-Select-AdapterRAM.txt")
    )
    assert found.gpus == []
    assert "4 GB, the 32-bit cap" in found.notes[0]


def test_convert_to_json_output() -> None:
    text = json.dumps(
        {
            "Name": "AMD Radeon RX 7900 XTX",
            "AdapterRAM": 4293918720,
            "PNPDeviceID": "PCI\\VEN_1002&DEV_744C",
        }
    )
    (g,) = parse_win32_video(text).gpus
    assert (g.vendor, g.memory_total_gib) == ("amd", None)
    assert match_gpu(g, CAT)[0].catalog_id == "rx-7900-xtx"


def test_windows_probe_failure_is_a_note() -> None:
    runner = FakeRunner({"powershell": (1, "", "Get-CimInstance : Access denied")})
    found = probe_windows(Tools(runner, Deadline(5), per_command_s=5))
    assert found.gpus == []
    assert found.notes == [
        "powershell Win32_VideoController: exit code 1: Get-CimInstance : Access denied"
    ]


# --- Intel ----------------------------------------------------------------------------------


def test_xpu_smi_v2_table_with_wrapped_name() -> None:
    (g,) = parse_xpu_smi(sample("xpu-smi/arc-a770-16gb_xpu-smi-v2-default-table_PARTIAL.txt")).gpus
    assert (g.name, g.memory_total_gib, g.memory_free_gib) == (
        "Intel(R) Arc(TM) A770 Graphics",
        15.91,
        12.35,
    )
    assert match_gpu(g, CAT)[0].catalog_id == "arc-a770-16gb"


def test_xpu_smi_detail_table_has_memory_and_pcie() -> None:
    (g,) = parse_xpu_smi(sample("xpu-smi/pvc-0x020a-32gb_discovery-d_detail_DOCS-EXAMPLE.txt")).gpus
    assert (g.memory_total_gib, g.pcie_gen, g.pcie_width, g.pci_bus_id) == (
        32.0,
        4,
        16,
        "0000:4d:00.0",
    )
    assert match_gpu(g, CAT)[0].catalog_id is None


@pytest.mark.parametrize(
    "name",
    ["pvc-0x020a_discovery-j_DOCS-EXAMPLE.json", "pvc-0x020a_discovery_table_DOCS-EXAMPLE.txt"],
)
def test_xpu_smi_discovery_without_memory(name: str) -> None:
    found = parse_xpu_smi(sample("xpu-smi/" + name))
    (g,) = found.gpus
    assert g.name == "Intel(R) Graphics [0x020a]" and g.memory_total_gib is None
    assert "memory size not reported" in found.notes[0]


def test_xpu_smi_dump_csv_names_known_pci_ids() -> None:
    found = parse_xpu_smi(sample("xpu-smi/flex-0x56c0-x2_discovery-dump-1-2-3-6_DOCS-EXAMPLE.csv"))
    assert [g.name for g in found.gpus] == ["Intel Data Center GPU Flex 170"] * 2


def test_xpu_smi_metrics_dump_with_empty_fields_is_a_note() -> None:
    found = parse_xpu_smi(sample("xpu-smi/flex-170_dump-m-0-1-2-3_empty-fields.csv"))
    assert found.gpus == [] and found.notes[0].startswith("xpu-smi: no GPU")


def test_intel_name_mapping() -> None:
    assert intel_name("Intel(R) Graphics [0x56a0]") == "Intel Arc A770"
    assert intel_name("Intel(R) Graphics [0xffff]") == "Intel(R) Graphics [0xffff]"


def test_probe_intel_asks_for_detail_when_memory_is_missing() -> None:
    runner = FakeRunner(
        {
            "xpu-smi discovery -j": sample("xpu-smi/pvc-0x020a_discovery-j_DOCS-EXAMPLE.json"),
            "xpu-smi discovery -d 0": sample(
                "xpu-smi/pvc-0x020a-32gb_discovery-d_detail_DOCS-EXAMPLE.txt"
            ),
        }
    )
    found = probe_intel(Tools(runner, Deadline(5), per_command_s=5))
    (g,) = found.gpus
    assert g.memory_total_gib == 32.0
    assert found.notes == []


# intel_gpu_top -J prints engine load only. Written for this test in its layout (the one real
# capture comes from a GPL-3.0 project); the device line is the format of `intel_gpu_top -L`.
IGT_JSON = '{\n  "period": {"duration": 1000.0, "unit": "ms"},\n  "engines": {"Render/3D/0": {"busy": 3.1, "unit": "%"}}\n}\n'  # noqa: E501
IGT_LIST = (
    "card0                    Intel Alderlake_s (Gen12)         "
    "pci:vendor=8086,device=4680,card=0\n"
)


def test_intel_gpu_top_only_adds_notes() -> None:
    assert parse_intel_gpu_top(IGT_JSON).notes == [
        "intel_gpu_top: an Intel GPU is active; it reports no model or memory"
    ]
    found = parse_intel_gpu_top(IGT_LIST)
    assert found.gpus == [] and "8086:4680" in found.notes[0]


def test_probe_intel_falls_back_to_intel_gpu_top() -> None:
    runner = FakeRunner({"intel_gpu_top -L": IGT_LIST})
    found = probe_intel(Tools(runner, Deadline(5), per_command_s=5))
    assert found.gpus == [] and "8086:4680" in found.notes[0]


# --- host -----------------------------------------------------------------------------------


def test_parse_cpuinfo() -> None:
    x86 = (
        "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9654 96-Core Processor\n"
    )
    assert parse_cpuinfo(x86) == "AMD EPYC 9654 96-Core Processor"
    assert parse_cpuinfo("processor\t: 0\nHardware\t: BCM2835\n") == "BCM2835"
    assert parse_cpuinfo("garbage") is None


def test_host_probe_on_this_machine() -> None:
    host = probe_host(system_name(sys.platform), Tools(FakeRunner({}), Deadline(5), 5)).host
    assert host is not None
    assert host.logical_cores and host.logical_cores >= 1
    assert host.ram_total_gib and host.ram_total_gib > 0
    assert host.ram_available_gib is not None and host.ram_available_gib <= host.ram_total_gib
    assert host.os


def test_probe_intel_uses_the_default_table_when_discovery_fails() -> None:
    runner = FakeRunner(
        {
            "xpu-smi discovery": (1, "", "Error: unknown option -j"),
            "xpu-smi": sample("xpu-smi/arc-a770-16gb_xpu-smi-v2-default-table_PARTIAL.txt"),
        }
    )
    (g,) = probe_intel(Tools(runner, Deadline(5), per_command_s=5)).gpus
    assert (g.name, g.memory_total_gib) == ("Intel(R) Arc(TM) A770 Graphics", 15.91)
