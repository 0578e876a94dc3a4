"""Random text fed to every parser never raises: it gives no GPUs or a note, never a traceback."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hwfakes import MissingNvml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.hardware import Detection, detect
from planner.hardware.amd import parse_amd_smi
from planner.hardware.apple import apple_from_outputs, parse_sysctl, parse_system_profiler
from planner.hardware.host import parse_cpuinfo
from planner.hardware.intel import parse_intel_gpu_top, parse_xpu_smi
from planner.hardware.models import Found
from planner.hardware.nvidia_smi import explain_failure, parse_nvidia_csv, parse_nvidia_xml
from planner.hardware.nvidia_topo import parse_nvidia_topo
from planner.hardware.rocm_smi import parse_rocm_smi
from planner.hardware.runner import CommandResult
from planner.hardware.windows import parse_win32_video


def _apple(text: str) -> Found:
    data, _problem = parse_system_profiler(text)
    return apple_from_outputs(parse_sysctl(text), data)


PARSERS: dict[str, Callable[[str], Found]] = {
    "nvidia-smi csv": parse_nvidia_csv,
    "nvidia-smi xml": parse_nvidia_xml,
    "nvidia-smi topo": parse_nvidia_topo,
    "rocm-smi": parse_rocm_smi,
    "amd-smi": parse_amd_smi,
    "apple": _apple,
    "win32": parse_win32_video,
    "xpu-smi": parse_xpu_smi,
    "intel_gpu_top": parse_intel_gpu_top,
}

# Pieces of real outputs, so that random text also reaches the parsers' deeper branches.
TOKENS = [
    "GPU0", "GPU1", "X", "NV12", "PHB", "SYS", "\t", " ", "\n", ",", ":", "|", "[N/A]",
    "[Not Supported]", "81559 MiB", "NVIDIA H100 80GB HBM3", "9.0", "0", "16", "-1", "1e309",
    "<nvidia_smi_log>", "<gpu id='x'>", "<product_name>", "</gpu>", "{", "}", "[", "]", '"card0"',
    '"Card Series"', '"VRAM Total Memory (B)"', '"gpu_data"', '"asic"', "GPU[0]", "Card series",
    "GPU: 0", "    ASIC:", "        MARKET_NAME: MI300X", "hw.memsize: 17179869184",
    "machdep.cpu.brand_string: Apple M9 Ultra", "sppci_cores", "Name : x", "AdapterRAM : 99",
    "Device Name: Intel(R) Graphics [0x56a0]", "Memory Physical Size: -5 MiB", "\x00", "\x1b[4m",
    "pci:vendor=8086,device=zzzz", "No devices were found", "GT/s x16",
]  # fmt: skip
fragments = st.lists(st.sampled_from(TOKENS) | st.text(max_size=8), max_size=60).map("".join)
any_text = st.text(max_size=400) | fragments


def _check(found: Found) -> None:
    assert isinstance(found, Found)
    assert all(isinstance(n, str) and "\n" not in n and "\r" not in n for n in found.notes)
    for gpu in found.gpus:
        assert gpu.name
        assert gpu.memory_total_gib is None or gpu.memory_total_gib >= 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text)
def test_no_parser_raises_on_random_text(text: str) -> None:
    for name, parse in PARSERS.items():
        found = parse(text)
        _check(found)
        if name not in ("apple",):
            # Nothing usable always comes with a reason.
            assert found.gpus or found.notes or found.interconnect, name


@settings(max_examples=200, deadline=None)
@given(text=any_text)
def test_small_readers_never_raise(text: str) -> None:
    explained = explain_failure(text)
    assert explained is None or "\n" not in explained
    parse_cpuinfo(text)
    parse_sysctl(text)
    parse_nvidia_csv(text, ("name", "memory.total"))


class _Echo:
    """Every tool prints the same random text and exits with the same code."""

    def __init__(self, text: str, code: int) -> None:
        self.text, self.code = text, code

    def __call__(self, argv: Sequence[str], timeout_s: float) -> CommandResult:
        return CommandResult(tuple(argv), "ran", self.code, self.text, self.text[:50])


@settings(max_examples=60, deadline=None)
@given(
    text=any_text,
    code=st.sampled_from([0, 1, 6, 255]),
    platform=st.sampled_from(["linux", "win32", "darwin", "freebsd14"]),
)
def test_detect_with_random_tool_output_never_raises(text: str, code: int, platform: str) -> None:
    d = detect(timeout_s=2, runner=_Echo(text, code), nvml=MissingNvml(), platform=platform)
    assert isinstance(d, Detection)
    assert all("\n" not in n for n in d.notes)


def test_a_runner_that_raises_is_a_note() -> None:
    def explode(argv: Sequence[str], timeout_s: float) -> CommandResult:
        raise RuntimeError("runner broke")

    d = detect(timeout_s=2, runner=explode, nvml=MissingNvml(), platform="linux")
    assert "nvidia-smi: cannot be run: RuntimeError: runner broke" in d.notes
