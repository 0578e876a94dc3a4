"""detect(): probes in threads under one time budget; hangs, garbage and failures become notes."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
from hwfakes import (
    FakeNvml,
    FakeRunner,
    HangingNvml,
    MissingNvml,
    process_gone,
    sample,
    write_tool,
)

from planner.hardware import detect
from planner.hardware.runner import SubprocessRunner

POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="fake tools are shell scripts")


def detect_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("detect-")]


def test_linux_machine_with_nvml_gpus_topology_and_host() -> None:
    runner = FakeRunner(
        {"nvidia-smi topo -m": sample("nvidia-smi-topo/2x-a100-nv12-plus-8-mlx5_topo-m.txt")}
    )
    d = detect(timeout_s=5, runner=runner, nvml=FakeNvml(), platform="linux")
    assert [(g.catalog_id, g.source) for g in d.gpus] == [("h100-sxm", "nvml"), ("l40s", "nvml")]
    assert d.interconnect is not None and d.interconnect.kind == "nvlink"
    assert d.host.ram_total_gib and d.host.logical_cores
    assert "AMD: neither amd-smi nor rocm-smi is installed" in d.notes
    assert "Intel: neither xpu-smi nor intel_gpu_top is installed" in d.notes
    assert all("\n" not in n for n in d.notes)
    assert 0 <= d.elapsed_s < 5
    assert detect_threads() == []


def test_machine_without_any_gpu_tool() -> None:
    d = detect(timeout_s=2, runner=FakeRunner({}), nvml=MissingNvml(), platform="linux")
    assert d.gpus == ()
    assert d.notes[0] == "NVIDIA: no driver (NVML library not found, nvidia-smi not installed)"
    assert d.notes[-1].startswith("no GPU found: plan for CPU only")


def test_nvidia_smi_fallback_and_amd_on_one_machine() -> None:
    runner = FakeRunner(
        {
            "nvidia-smi --query-gpu": "0, NVIDIA GeForce RTX 2080 SUPER, GPU-1, 00000000:0C:00.0, 595.71.05, 8192, 7571, 7.5, 3, 16, 250.00, [N/A]",  # noqa: E501
            "nvidia-smi -q -x": sample(
                "nvidia-smi-errors/driver-library-version-mismatch_legacy-one-line.txt"
            ),
            "rocm-smi": sample("rocm-smi/rx7900xt_showproductname-showuse-meminfo-vram.json"),
        }
    )
    d = detect(timeout_s=5, runner=runner, nvml=MissingNvml(), platform="linux")
    rtx, radeon = d.gpus
    assert (rtx.vendor, rtx.catalog_id, rtx.memory_total_gib) == ("nvidia", None, 8.0)
    assert rtx.suggestions and rtx.suggestions[0].startswith("rtx-")
    assert (radeon.vendor, radeon.memory_total_gib) == ("amd", 19.98)
    assert any(
        "'NVIDIA GeForce RTX 2080 SUPER' (8 GiB) is not in the catalog" in n for n in d.notes
    )
    assert any("nvidia-smi -q -x: driver/library version mismatch" in n for n in d.notes)


def test_windows_drops_adapters_nvml_already_reported() -> None:
    wmic = sample(
        "windows/rtx4090-plus-uhd770_wmic-path-win32_videocontroller-get-name-adapterram.txt"
    )
    runner = FakeRunner({"powershell": wmic})
    d = detect(timeout_s=5, runner=runner, nvml=FakeNvml(), platform="win32")
    assert [g.source for g in d.gpus] == ["nvml", "nvml"]
    assert not any("RTX 4090" in n for n in d.notes)
    assert not runner.ran("rocm-smi") and not runner.ran("sysctl")


def test_windows_without_nvidia_driver_reports_the_wmi_adapter() -> None:
    wmic = sample(
        "windows/rtx4090-plus-uhd770_wmic-path-win32_videocontroller-get-name-adapterram.txt"
    )
    d = detect(
        timeout_s=5, runner=FakeRunner({"powershell": wmic}), nvml=MissingNvml(), platform="win32"
    )
    (g,) = d.gpus
    assert (g.catalog_id, g.memory_total_gib, g.source) == (
        "rtx-4090",
        None,
        "powershell Win32_VideoController",
    )
    assert any("32-bit field" in n for n in d.notes)


def test_macos_runs_only_the_apple_probe() -> None:
    runner = FakeRunner({"sysctl": sample("macos/apple-m3-max-36gb_sequoia_sysctl.txt")})
    nvml = MissingNvml()
    d = detect(timeout_s=5, runner=runner, nvml=nvml, platform="darwin")
    (g,) = d.gpus
    assert (g.vendor, g.catalog_id, g.memory_total_gib) == ("apple", "apple-m3-max-40c", 36.0)
    assert nvml.init_calls == 0
    assert not runner.ran("nvidia-smi")


def test_a_probe_bug_is_a_note_not_an_exception() -> None:
    class Broken(FakeNvml):
        def nvmlDeviceGetCount(self) -> int:
            raise ZeroDivisionError("boom")

    d = detect(timeout_s=2, runner=FakeRunner({}), nvml=Broken(), platform="linux")
    assert any(n == "nvidia probe: unexpected ZeroDivisionError: boom" for n in d.notes)


def test_hanging_nvml_costs_the_timeout_and_a_note() -> None:
    nvml = HangingNvml()
    start = time.monotonic()
    try:
        d = detect(timeout_s=0.5, runner=FakeRunner({}), nvml=nvml, platform="linux")
        assert time.monotonic() - start < 1.5
        assert any(n.startswith("nvidia probe: no answer within 0.5 s") for n in d.notes)
    finally:
        nvml.release.set()
        for t in detect_threads():
            t.join(5)
    assert detect_threads() == []


# --- real subprocesses: fake tools on PATH ----------------------------------------------------


@pytest.fixture
def fake_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(
        "PATH", f"{tmp_path}{__import__('os').pathsep}{__import__('os').environ['PATH']}"
    )
    return tmp_path


@POSIX_ONLY
def test_hanging_tool_is_stopped_within_timeout(fake_path: Path) -> None:
    pidfile = fake_path / "sleep.pid"
    write_tool(fake_path, "nvidia-smi", f"sleep 60 &\necho $! > {pidfile}\nwait")
    start = time.monotonic()
    d = detect(timeout_s=1.0, nvml=MissingNvml(), platform="linux")
    took = time.monotonic() - start
    assert took < 2.0, took
    assert any(n == "nvidia-smi: no answer within 1.0 s (stopped)" for n in d.notes)
    # The whole process group went, not just the shell.
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 2
    while not process_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process_gone(pid)
    assert detect_threads() == []


@POSIX_ONLY
def test_garbage_printing_tool(fake_path: Path) -> None:
    write_tool(fake_path, "nvidia-smi", r"printf '\377\376\000 <<garbage>> ,,,, [N/A]\n\033[4mX\n'")
    write_tool(fake_path, "rocm-smi", 'echo \'{"card0": {"Card Series": \' ; exit 0')
    d = detect(timeout_s=3, nvml=MissingNvml(), platform="linux")
    assert d.gpus == ()
    assert any(
        n.startswith("nvidia-smi: 2 line(s) of the CSV output were not understood") for n in d.notes
    )
    assert any(n.startswith("nvidia-smi -q -x: output is not valid XML") for n in d.notes)
    assert any(n.startswith("rocm-smi: no GPU in the output") for n in d.notes)


@POSIX_ONLY
def test_tool_exiting_non_zero(fake_path: Path) -> None:
    write_tool(
        fake_path,
        "nvidia-smi",
        "echo 'Failed to initialize NVML: Driver/library version mismatch'\nexit 18",
    )
    write_tool(fake_path, "amd-smi", "echo 'amdsmi: permission denied' >&2\nexit 2")
    d = detect(timeout_s=3, nvml=MissingNvml(), platform="linux")
    assert d.gpus == ()
    assert any(n.startswith("nvidia-smi: driver/library version mismatch") for n in d.notes)
    assert any(n == "amd-smi: exit code 2: amdsmi: permission denied" for n in d.notes)


@POSIX_ONLY
def test_tool_that_is_not_executable(fake_path: Path) -> None:
    write_tool(fake_path, "nvidia-smi", "echo never runs", executable=False)
    d = detect(timeout_s=3, nvml=MissingNvml(), platform="linux")
    note = next(n for n in d.notes if n.startswith("nvidia-smi:"))
    assert note == f"nvidia-smi: cannot be run: {fake_path / 'nvidia-smi'} is not executable"


@POSIX_ONLY
def test_subprocess_runner_reports_each_status(fake_path: Path) -> None:
    run = SubprocessRunner()
    write_tool(fake_path, "ok-tool", "echo hello; echo warn >&2")
    ok = run(["ok-tool", "a"], 5)
    assert (ok.status, ok.returncode, ok.stdout, ok.stderr, ok.ok) == (
        "ran",
        0,
        "hello\n",
        "warn\n",
        True,
    )
    assert run(["surely-not-installed-tool-xyz"], 5).status == "missing"
    assert run([], 5).status == "error"
    write_tool(fake_path, "bad-binary", "")
    (fake_path / "bad-binary").write_bytes(b"\x7fELF garbage")
    assert run(["bad-binary"], 5).status == "error"
