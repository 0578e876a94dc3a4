"""NVIDIA: NVML (fakes and the real module), nvidia-smi CSV and XML, topo -m, error outputs."""

from __future__ import annotations

import pytest
from hwfakes import FakeNvml, FakeRunner, MissingNvml, sample

from planner.catalog.load import bundled_catalog
from planner.hardware.custom import match_gpu
from planner.hardware.nvidia import probe_nvidia, probe_nvml
from planner.hardware.nvidia_smi import QUERY_FIELDS, parse_nvidia_csv, parse_nvidia_xml
from planner.hardware.nvidia_topo import parse_nvidia_topo
from planner.hardware.runner import Deadline, Tools

CAT = bundled_catalog()
CSV = "nvidia-smi-csv/"
XML = "nvidia-smi-xml/"
TOPO = "nvidia-smi-topo/"
ERR = "nvidia-smi-errors/"


def tools(runner: FakeRunner, seconds: float = 5.0) -> Tools:
    return Tools(runner, Deadline(seconds), per_command_s=seconds)


def matched(gpu):  # type: ignore[no-untyped-def]
    return match_gpu(gpu, CAT)[0]


# --- nvidia-smi --query-gpu CSV -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "gpu", "catalog_id", "total", "cc", "gen", "power", "mig", "driver"),
    [
        (
            "linux-h100-80gb-hbm3_drv590.48.01",
            "NVIDIA H100 80GB HBM3",
            "h100-sxm",
            79.65,
            "9.0",
            5,
            700.0,
            False,
            "590.48.01",
        ),
        (
            "linux-h100-mig_drv590.48.01",
            "NVIDIA H100 80GB HBM3",
            "h100-sxm",
            79.65,
            "9.0",
            5,
            700.0,
            True,
            "590.48.01",
        ),
        (
            "linux-h200_drv590.48.01",
            "NVIDIA H200",
            "h200-sxm",
            140.4,
            "9.0",
            5,
            700.0,
            False,
            "590.48.01",
        ),
        (
            "linux-h200-mig_drv590.48.01",
            "NVIDIA H200",
            "h200-sxm",
            140.4,
            "9.0",
            5,
            700.0,
            True,
            "590.48.01",
        ),
        ("linux-l40s_drv595.80", "NVIDIA L40S", "l40s", 44.99, "8.9", 4, 350.0, None, "595.80"),
        (
            "linux-geforce-rtx-4080-super_drv595.71.05",
            "NVIDIA GeForce RTX 4080 SUPER",
            "rtx-4080-super",
            15.99,
            "8.9",
            4,
            320.0,
            None,
            "595.71.05",
        ),
        (
            "linux-geforce-rtx-2080-super_drv595.71.05",
            "NVIDIA GeForce RTX 2080 SUPER",
            None,
            8.0,
            "7.5",
            3,
            250.0,
            None,
            "595.71.05",
        ),
        (
            "linux-geforce-rtx-2080-super_drv610.57.04",
            "NVIDIA GeForce RTX 2080 SUPER",
            None,
            8.0,
            "7.5",
            3,
            250.0,
            None,
            "610.57.04",
        ),
        (
            "windows-geforce-rtx-2080-super_drv591.86",
            "NVIDIA GeForce RTX 2080 SUPER",
            None,
            8.0,
            "7.5",
            3,
            250.0,
            None,
            "591.86",
        ),
        (
            "windows-geforce-rtx-2080-super_drv610.62",
            "NVIDIA GeForce RTX 2080 SUPER",
            None,
            8.0,
            "7.5",
            3,
            250.0,
            None,
            "610.62",
        ),
    ],
)
def test_csv_all_fields_captures(name, gpu, catalog_id, total, cc, gen, power, mig, driver):  # type: ignore[no-untyped-def]
    found = parse_nvidia_csv(sample(f"{CSV}{name}_query-gpu-allfields_idle.csv"))
    assert found.notes == []
    (g,) = found.gpus
    assert (g.name, g.memory_total_gib, g.compute_capability) == (gpu, total, cc)
    assert (g.pcie_gen, g.pcie_width, g.power_limit_w, g.mig_mode, g.driver) == (
        gen,
        16,
        power,
        mig,
        driver,
    )
    assert 0 < g.memory_free_gib <= g.memory_total_gib
    assert g.uuid and g.uuid.startswith("GPU-")
    assert matched(g).catalog_id == catalog_id


def test_csv_idle_gpu_reports_max_pcie_generation_not_the_idle_link() -> None:
    # An idle GeForce drops its link to Gen1; planning needs what the slot can do.
    g = parse_nvidia_csv(
        sample(f"{CSV}linux-geforce-rtx-4080-super_drv595.71.05_query-gpu-allfields_idle.csv")
    ).gpus[0]
    assert g.pcie_gen == 4


def test_csv_four_gpus_without_header() -> None:
    fields = "index,name,temperature.gpu,memory.used,memory.total,utilization.gpu,power.draw"
    found = parse_nvidia_csv(
        sample(f"{CSV}4x-a10_beszel-fields_noheader-nounits.csv"), fields.split(",")
    )
    assert [g.index for g in found.gpus] == [0, 1, 2, 3]
    assert {g.name for g in found.gpus} == {"NVIDIA A10"}
    assert {g.memory_total_gib for g in found.gpus} == {22.49}
    assert {matched(g).catalog_id for g in found.gpus} == {"a10"}


@pytest.mark.parametrize(
    "name",
    [
        "2gb-gpu_fan-NA_noheader-nounits_newer-driver.csv",
        "2gb-gpu_fan-Not-Supported_noheader-nounits_older-driver.csv",
    ],
)
def test_csv_na_and_not_supported_fields_are_empty_not_errors(name: str) -> None:
    fields = "memory.total,memory.free,memory.used,temperature.gpu,fan.speed,utilization.gpu,utilization.memory"  # noqa: E501
    found = parse_nvidia_csv(sample(CSV + name), fields.split(","))
    (g,) = found.gpus
    assert g.memory_total_gib == 1.96
    assert g.name == "NVIDIA GPU (name not reported)"
    assert found.notes == []


def test_csv_row_with_not_supported_values_in_our_own_query() -> None:
    row = "0, NVIDIA GeForce RTX 3090, GPU-1, 00000000:01:00.0, 550.1, 24576, 24000, [Not Supported], [N/A], [N/A], [Unknown Error], [N/A]"  # noqa: E501
    (g,) = parse_nvidia_csv(row, QUERY_FIELDS).gpus
    assert (g.compute_capability, g.pcie_gen, g.power_limit_w, g.mig_mode) == (None,) * 4
    assert g.memory_total_gib == 24.0


def test_csv_with_wrong_column_count_is_a_note() -> None:
    found = parse_nvidia_csv("0, NVIDIA A10, 23028\n", QUERY_FIELDS)
    assert found.gpus == []
    assert "not understood" in found.notes[0]


# --- nvidia-smi -q -x -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "gpus", "catalog_id", "total", "cuda", "power", "mig"),
    [
        (
            "a100-sxm4-80gb-4gpu-mig-enabled_drv535.54.03_v12.xml",
            1,
            "a100-sxm-80gb",
            80.0,
            "12.2",
            500.0,
            True,
        ),
        ("a10g_drv515.105.01_v11.xml", 1, "a10g", 22.49, "11.7", 300.0, None),
        ("dual-rtx-a5000_drv590.44.01_v13.xml", 2, "rtx-a5000", 23.99, "13.1", 230.0, None),
        ("rtx-3080-10gb-windows_drv536.40_v12.xml", 1, "rtx-3080-10gb", 10.0, "12.2", 336.0, None),
        ("rtx-3090-24gb_drv590.44.01_v13.xml", 1, "rtx-3090", 24.0, "13.1", 350.0, None),
        (
            "rtx-pro-6000-blackwell-maxq-96gb_drv590.44.01_v13.xml",
            1,
            "rtx-pro-6000-blackwell",
            95.59,
            "13.1",
            300.0,
            None,
        ),
        ("tesla-t4_drv515.105.01_v11.xml", 1, None, 15.0, "11.7", 70.0, None),
        ("rtx-4000-sff-ada-20gb_drv595.84_v13.xml", 1, None, 20.0, "13.2", 70.0, None),
        ("quadro-p2000_drv525.125.06_v12.xml", 1, None, 5.0, "12.0", 75.0, None),
        ("grid-p4-1q-vgpu-windows_drv513.46_v11.xml", 1, None, 1.0, "11.6", None, None),
        ("gtx-1660-ti-shows-as-graphics-device_drv418.43.xml", 1, None, 5.77, "10.1", 130.0, None),
        ("gtx-1070-ti_v10_PARTIAL.xml", 1, None, 4.0, None, None, None),
    ],
)
def test_xml_logs(name, gpus, catalog_id, total, cuda, power, mig):  # type: ignore[no-untyped-def]
    found = parse_nvidia_xml(sample(XML + name))
    assert found.notes == []
    assert len(found.gpus) == gpus
    g = found.gpus[-1]
    assert (g.memory_total_gib, g.cuda_version, g.power_limit_w, g.mig_mode) == (
        total,
        cuda,
        power,
        mig,
    )
    assert g.source == "nvidia-smi -q -x"
    assert matched(g).catalog_id == catalog_id


def test_xml_multi_gpu_keeps_order_and_bus_ids() -> None:
    found = parse_nvidia_xml(sample(XML + "dual-rtx-a5000_drv590.44.01_v13.xml"))
    assert [(g.index, g.pci_bus_id) for g in found.gpus] == [
        (0, "00000000:81:00.0"),
        (1, "00000000:C1:00.0"),
    ]
    assert found.gpus[0].pcie_gen == 4 and found.gpus[0].pcie_width == 16


def test_xml_unknown_gpu_keeps_memory_and_gets_suggestions() -> None:
    g = matched(parse_nvidia_xml(sample(XML + "rtx-4000-sff-ada-20gb_drv595.84_v13.xml")).gpus[0])
    assert g.catalog_id is None
    assert g.memory_total_gib == 20.0
    assert "rtx-4000-ada" in g.suggestions


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("no-devices-were-found.txt", "no GPU is usable"),
        ("driver-library-version-mismatch_legacy-one-line.txt", "version mismatch"),
        ("driver-library-version-mismatch_with-nvml-version-line.txt", "version mismatch"),
        ("couldnt-communicate-with-nvidia-driver.txt", "cannot talk to the NVIDIA driver"),
        ("unable-to-determine-device-handle-unknown-error.txt", "lost or in error"),
        ("windows-topo-m-option-error_drv591.86.txt", "not understood"),
        ("h100-q-text-truncated-and-corrupted_TEST-MODIFIED.txt", "not understood"),
        ("geforce-fan-ERR-truncated-name_default-table_drv525.125.06.txt", "not understood"),
    ],
)
def test_error_outputs_become_notes(name: str, says: str) -> None:
    text = sample(ERR + name)
    for found in (parse_nvidia_csv(text), parse_nvidia_xml(text)):
        assert found.gpus == []
        assert len(found.notes) == 1
        assert "\n" not in found.notes[0]
    assert says in parse_nvidia_csv(text).notes[0]


def test_probe_explains_no_devices_with_nonzero_exit() -> None:
    runner = FakeRunner({"nvidia-smi": (6, sample(ERR + "no-devices-were-found.txt"))})
    found = probe_nvidia(tools(runner), MissingNvml())
    assert found.gpus == []
    assert any("nvidia-smi: the driver is loaded but no GPU is usable" in n for n in found.notes)
    assert any(
        n.startswith("NVML: not available (NVML Shared Library Not Found)") for n in found.notes
    )


# --- topo -m --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "pairs", "codes"),
    [
        ("2x-a100-nv12-plus-8-mlx5_topo-m.txt", "nvlink", 1, {"NV12"}),
        ("4x-h100-nv6-plus-4-nic_topo-m_SPACES_PARTIAL.txt", "nvlink", 6, {"NV6"}),
        ("gb200-4gpu-nv18_topo-m_SPACES_PARTIAL.txt", "nvlink", 6, {"NV18"}),
        ("2x-rtx5090-pcie-phb_topo-m.txt", "pcie", 1, {"PHB"}),
        ("2x-rtx3090-sys-cross-numa_topo-m_PARTIAL.txt", "pcie", 1, {"SYS"}),
        ("5-gpu-mixed-pcie-2-numa_topo-m_SPACES.txt", "pcie", 10, {"SYS", "PHB", "NODE"}),
        ("h100-sxm-80gb-single-visible-gpu_drv590.48.01.txt", "none", 0, set()),
        ("rtx-4080-super-single-gpu_drv595.71.05.txt", "none", 0, set()),
        ("2x-rtx5090_topo-p2p-rw_GNS.txt", "unknown", 1, {"GNS"}),
    ],
)
def test_topology(name: str, kind: str, pairs: int, codes: set[str]) -> None:
    found = parse_nvidia_topo(sample(TOPO + name))
    assert found.notes == []
    ic = found.interconnect
    assert ic is not None
    assert (ic.kind, len(ic.pairs), {p.code for p in ic.pairs}) == (kind, pairs, codes)


def test_topology_nvlink_counts_and_pairs() -> None:
    ic = parse_nvidia_topo(
        sample(TOPO + "4x-h100-nv6-plus-4-nic_topo-m_SPACES_PARTIAL.txt")
    ).interconnect
    assert ic is not None
    assert [(p.a, p.b) for p in ic.pairs] == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert {p.nvlinks for p in ic.pairs} == {6}


def test_topology_error_output_is_a_note() -> None:
    found = parse_nvidia_topo(sample(ERR + "windows-topo-m-option-error_drv591.86.txt"))
    assert found.interconnect is None
    assert "Option -m is missing its value" in found.notes[0]


# --- NVML -----------------------------------------------------------------------------------


def test_nvml_library_not_found_is_a_note() -> None:
    found = probe_nvml(MissingNvml())
    assert found.gpus == []
    assert found.notes == ["NVML: not available (NVML Shared Library Not Found)"]


def test_nvml_two_gpus() -> None:
    nvml = FakeNvml()
    found = probe_nvml(nvml)
    h100, l40s = found.gpus
    assert (h100.name, h100.memory_total_gib, h100.memory_free_gib) == (
        "NVIDIA H100 80GB HBM3",
        80.0,
        79.0,
    )
    assert (h100.compute_capability, h100.pcie_gen, h100.pcie_width) == ("9.0", 5, 16)
    assert (h100.power_limit_w, h100.mig_mode, h100.cuda_version) == (700.0, False, "12.4")
    assert h100.pci_bus_id == "00000000:19:00.0" and h100.driver == "550.54.15"
    assert (l40s.name, l40s.mig_mode, l40s.memory_total_gib) == ("NVIDIA L40S", None, 48.0)
    assert nvml.shutdowns == 1
    assert [matched(g).catalog_id for g in found.gpus] == ["h100-sxm", "l40s"]


def test_nvml_with_two_gpus_asks_topo_for_links() -> None:
    runner = FakeRunner(
        {"nvidia-smi topo -m": sample(TOPO + "2x-a100-nv12-plus-8-mlx5_topo-m.txt")}
    )
    found = probe_nvidia(tools(runner), FakeNvml())
    assert len(found.gpus) == 2
    assert found.interconnect is not None and found.interconnect.kind == "nvlink"
    assert not runner.ran("nvidia-smi --query-gpu")


def test_nvml_device_error_is_a_note_for_that_gpu() -> None:
    class Flaky(FakeNvml):
        def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
            if index == 1:
                raise self.NVMLError("GPU is lost")
            return index

    found = probe_nvml(Flaky())
    assert len(found.gpus) == 1
    assert found.notes == ["NVML: GPU 1 cannot be read (GPU is lost)"]


def test_real_pynvml_module_never_raises() -> None:
    pynvml = pytest.importorskip("pynvml")
    found = probe_nvml(pynvml)
    # Without a driver: one note; with one: the GPUs.
    assert found.gpus or found.notes[0].startswith("NVML: ")


def test_nvidia_smi_fallback_merges_cuda_version_from_xml() -> None:
    runner = FakeRunner(
        {
            "nvidia-smi --query-gpu": "0, NVIDIA H200, GPU-1, 00000000:83:00.0, 590.48.01, 143771, 143158, 9.0, 5, 16, 700.00, Disabled",  # noqa: E501
            "nvidia-smi -q -x": sample(XML + "a10g_drv515.105.01_v11.xml"),
        }
    )
    found = probe_nvidia(tools(runner), MissingNvml())
    (g,) = found.gpus
    assert (g.name, g.cuda_version, g.compute_capability, g.mig_mode) == (
        "NVIDIA H200",
        "11.7",
        "9.0",
        False,
    )
    assert g.source == "nvidia-smi"


def test_nvidia_smi_old_driver_drops_fields_it_does_not_know() -> None:
    class OldDriver(FakeRunner):
        def __call__(self, argv, timeout_s):  # type: ignore[no-untyped-def]
            result = super().__call__(argv, timeout_s)
            if "compute_cap" in " ".join(argv):
                return type(result)(
                    tuple(argv), "ran", 2, 'Field "compute_cap" is not a valid field to query.\n'
                )
            return result

    runner = OldDriver(
        {
            "nvidia-smi --query-gpu": (
                "0, Tesla T4, GPU-1, 00000000:00:1E.0, 470.1, 15109, 15000, 3, 16, 70.00, [N/A]"
            )
        }
    )
    found = probe_nvidia(tools(runner), MissingNvml())
    (g,) = found.gpus
    assert (g.name, g.memory_total_gib, g.compute_capability, g.power_limit_w) == (
        "Tesla T4",
        14.75,
        None,
        70.0,
    )


def test_nvidia_smi_xml_used_when_csv_is_garbage() -> None:
    runner = FakeRunner(
        {
            "nvidia-smi --query-gpu": "\x00\x01 garbage ,,,\n",
            "nvidia-smi -q -x": sample(XML + "dual-rtx-a5000_drv590.44.01_v13.xml"),
            "nvidia-smi topo -m": sample(TOPO + "2x-rtx5090-pcie-phb_topo-m.txt"),
        }
    )
    found = probe_nvidia(tools(runner), MissingNvml())
    assert [g.name for g in found.gpus] == ["NVIDIA RTX A5000"] * 2
    assert found.interconnect is not None and found.interconnect.kind == "pcie"
    assert any("not understood" in n for n in found.notes)


def test_pynvml_library_not_found_class_is_caught() -> None:
    pynvml = pytest.importorskip("pynvml")

    class NoDriver:
        NVMLError = pynvml.NVMLError

        def nvmlInit(self) -> None:
            raise pynvml.NVMLError_LibraryNotFound()

    assert probe_nvml(NoDriver()).notes == ["NVML: not available (NVML Shared Library Not Found)"]  # type: ignore[arg-type]
