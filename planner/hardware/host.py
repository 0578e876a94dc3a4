"""The host: CPU model, cores, RAM (psutil), for CPU-only and offload planning."""

from __future__ import annotations

import platform as platform_module
import sys
from pathlib import Path

from planner.hardware.models import Found, HostInfo
from planner.hardware.runner import Tools
from planner.hardware.values import clean, gib_from_bytes, one_line

CPUINFO = Path("/proc/cpuinfo")


def parse_cpuinfo(text: str) -> str | None:
    """The CPU model from /proc/cpuinfo (x86 'model name'; some ARM boards 'Hardware')."""
    fallback = None
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key == "model name" and clean(value):
            return clean(value)
        if sep and key in ("hardware", "cpu model", "processor") and clean(value):
            candidate = clean(value)
            if candidate and not candidate.isdigit():
                fallback = fallback or candidate
    return fallback


def _cpu_model(system: str, tools: Tools, notes: list[str]) -> str | None:
    if system == "linux":
        try:
            return parse_cpuinfo(CPUINFO.read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            notes.append(f"host: /proc/cpuinfo cannot be read ({one_line(str(exc), 80)})")
            return None
    if system == "darwin":
        result = tools.run("sysctl", "-n", "machdep.cpu.brand_string")
        lines = result.stdout.strip().splitlines() if result.ok else []
        return clean(lines[0]) if lines else None
    if system == "windows" and sys.platform == "win32":
        import winreg

        key_path = r"HARDWARE\DESCRIPTION\System\CentralProcessor\0"
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, key_path) as key:
                value, _kind = winreg.QueryValueEx(key, "ProcessorNameString")
                return clean(value)
        except OSError:
            return None
    return clean(platform_module.processor())


def probe_host(system: str, tools: Tools) -> Found:
    """CPU and memory (in ``Found.host``); psutil failures become notes."""
    found = Found()
    physical = logical = None
    total = available = None
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
        logical = psutil.cpu_count(logical=True)
        mem = psutil.virtual_memory()
        total, available = gib_from_bytes(mem.total), gib_from_bytes(mem.available)
    except Exception as exc:  # psutil raises its own errors on odd kernels and containers
        found.notes.append(f"host: psutil cannot read CPU or memory ({one_line(str(exc), 80)})")
    model = _cpu_model(system, tools, found.notes)
    found.host = HostInfo(
        cpu_model=model or clean(platform_module.machine()),
        physical_cores=physical if isinstance(physical, int) and physical > 0 else None,
        logical_cores=logical if isinstance(logical, int) and logical > 0 else None,
        ram_total_gib=total,
        ram_available_gib=available,
        os=" ".join(
            p
            for p in (
                platform_module.system(),
                platform_module.release(),
                platform_module.machine(),
            )
            if p
        ),
    )
    return found
