"""Fakes for hardware-detection tests: sample files, a scripted command runner, fake NVML."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace

from planner.hardware.runner import CommandResult

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "hwsamples"


def sample(relpath: str) -> str:
    """A copied real tool output (see tests/data/hwsamples/INDEX.md)."""
    return (SAMPLES / relpath).read_text(encoding="utf-8", errors="replace")


Reply = str | tuple[int, str] | tuple[int, str, str] | CommandResult


class FakeRunner:
    """Answers commands by their longest matching prefix; anything else is 'not installed'."""

    def __init__(self, replies: Mapping[str, Reply]) -> None:
        self.replies = dict(replies)
        self.calls: list[tuple[str, ...]] = []
        self.lock = threading.Lock()

    def __call__(self, argv: Sequence[str], timeout_s: float) -> CommandResult:
        args = tuple(argv)
        with self.lock:
            self.calls.append(args)
        joined = " ".join(args)
        for prefix in sorted(self.replies, key=len, reverse=True):
            if joined.startswith(prefix):
                reply = self.replies[prefix]
                if isinstance(reply, CommandResult):
                    return reply
                if isinstance(reply, str):
                    return CommandResult(args, "ran", 0, reply)
                code, out, *err = reply
                return CommandResult(args, "ran", code, out, err[0] if err else "")
        return CommandResult(args, "missing")

    def ran(self, prefix: str) -> bool:
        return any(" ".join(c).startswith(prefix) for c in self.calls)


class NVMLError(Exception):
    """Stands in for pynvml.NVMLError."""


class NVMLErrorLibraryNotFound(NVMLError):
    def __str__(self) -> str:
        return "NVML Shared Library Not Found"


class NVMLErrorNotSupported(NVMLError):
    def __str__(self) -> str:
        return "Not Supported"


class MissingNvml:
    """A machine without the NVIDIA driver: nvmlInit raises LibraryNotFound."""

    NVMLError = NVMLError

    def __init__(self) -> None:
        self.init_calls = 0

    def nvmlInit(self) -> None:
        self.init_calls += 1
        raise NVMLErrorLibraryNotFound()

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"{name} called after a failed nvmlInit")


GIB = 1 << 30


class FakeNvml:
    """A working NVML with two GPUs: an H100 SXM (MIG off) and an L40S (no MIG support)."""

    NVMLError = NVMLError

    def __init__(self, names: Sequence[str | bytes] = (b"NVIDIA H100 80GB HBM3", "NVIDIA L40S")):
        self.names = list(names)
        self.shutdowns = 0

    def nvmlInit(self) -> None:
        pass

    def nvmlShutdown(self) -> None:
        self.shutdowns += 1

    def nvmlSystemGetDriverVersion(self) -> str:
        return "550.54.15"

    def nvmlSystemGetCudaDriverVersion(self) -> int:
        return 12040

    def nvmlDeviceGetCount(self) -> int:
        return len(self.names)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetName(self, handle: int) -> str | bytes:
        return self.names[handle]

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> SimpleNamespace:
        total = 80 * GIB if handle == 0 else 48 * GIB
        return SimpleNamespace(total=total, free=total - GIB, used=GIB)

    def nvmlDeviceGetCudaComputeCapability(self, handle: int) -> tuple[int, int]:
        return (9, 0) if handle == 0 else (8, 9)

    def nvmlDeviceGetMaxPcieLinkGeneration(self, handle: int) -> int:
        return 5 if handle == 0 else 4

    def nvmlDeviceGetMaxPcieLinkWidth(self, handle: int) -> int:
        return 16

    def nvmlDeviceGetEnforcedPowerLimit(self, handle: int) -> int:
        return 700_000 if handle == 0 else 350_000

    def nvmlDeviceGetMigMode(self, handle: int) -> list[int]:
        if handle == 1:
            raise NVMLErrorNotSupported()
        return [0, 0]

    def nvmlDeviceGetUUID(self, handle: int) -> str:
        return f"GPU-0000000{handle}-0000-0000-0000-000000000000"

    def nvmlDeviceGetPciInfo(self, handle: int) -> SimpleNamespace:
        return SimpleNamespace(busId=f"00000000:{0x19 + handle:02X}:00.0".encode())


class HangingNvml(FakeNvml):
    """nvmlInit blocks (a wedged driver) until the test releases it."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def nvmlInit(self) -> None:
        self.release.wait(30)


def write_tool(folder: Path, name: str, body: str, executable: bool = True) -> Path:
    """A fake command-line tool (a shell script) in ``folder``."""
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    mode = stat.S_IRUSR | stat.S_IWUSR
    if executable:
        mode |= stat.S_IXUSR
    os.chmod(path, mode)
    return path


def process_gone(pid: int) -> bool:
    """True when the process has ended (a zombie waiting for its parent counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")
