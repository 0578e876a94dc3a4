"""macOS: the Apple Silicon chip, its GPU cores and unified memory (`sysctl`, `system_profiler`).

Intel Macs report their discrete GPUs (with VRAM) instead; virtual display adapters of macOS
VMs and shared-memory Intel graphics are left out with a note.
"""

from __future__ import annotations

import re
from typing import Any

from planner.catalog.schema import Vendor
from planner.hardware.models import DetectedGpu, Found
from planner.hardware.runner import Tools
from planner.hardware.values import (
    clean,
    gib_from_bytes,
    gib_from_text,
    integer,
    load_json,
    one_line,
)

SYSCTL_KEYS = (
    "hw.memsize",
    "hw.model",
    "hw.optional.arm64",
    "sysctl.proc_translated",
    "machdep.cpu.brand_string",
    "hw.physicalcpu",
    "hw.logicalcpu",
)
PROFILER_ARGS = (
    "system_profiler",
    "-json",
    "-detailLevel",
    "mini",
    "SPDisplaysDataType",
    "SPHardwareDataType",
)
_CHIP = re.compile(r"^Apple M\d+\b.*")
# Model identifiers of Apple Silicon Macs (Intel ones: MacBookPro11,x, Macmini6,x, iMacPro1,1).
_APPLE_SILICON_MODEL = re.compile(
    r"^(MacBookAir1[0-9]|MacBookPro1[78]|iMac2[1-9]|Macmini9|Mac1\d|VirtualMac)"
)
_VENDORS: dict[str, Vendor] = {"amd": "amd", "ati": "amd", "nvidia": "nvidia", "intel": "intel"}


def parse_sysctl(text: str) -> dict[str, str]:
    """`sysctl a b c` output ('key: value' lines) as a dict."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and re.fullmatch(r"[a-z0-9_.]+", key.strip()):
            out.setdefault(key.strip(), value.strip())
    return out


def parse_system_profiler(text: str) -> tuple[dict[str, list[dict[str, Any]]], str | None]:
    """`system_profiler -json ...` as {data type: [items]}, or a problem."""
    try:
        doc = load_json(text)
    except ValueError as exc:
        return {}, str(exc)
    if not isinstance(doc, dict):
        return {}, "not a JSON object"
    out = {
        k: [i for i in v if isinstance(i, dict)]
        for k, v in doc.items()
        if isinstance(k, str) and isinstance(v, list)
    }
    return out, None


def _chip_from_display(item: dict[str, Any]) -> tuple[str, int | None] | None:
    model = clean(item.get("sppci_model")) or ""
    if item.get("_name") == "kHW_AppleM1Item" and not model:
        model = "Apple M1"
    if not _CHIP.match(model):
        return None
    cores = integer(item.get("sppci_cores"))
    return model, cores if cores and 0 < cores < 1000 else None


def _other_gpu(item: dict[str, Any], index: int, notes: list[str]) -> DetectedGpu | None:
    """A GPU in an Intel Mac: discrete ones only."""
    name = clean(item.get("sppci_model")) or clean(item.get("_name")) or "GPU"
    vendor_key = str(item.get("spdisplays_vendor", "")).lower()
    vendor: Vendor = next((v for k, v in _VENDORS.items() if k in vendor_key), "other")
    if "paravirtual" in name.lower() or "virtual" in str(item.get("_metal_path", "")).lower():
        notes.append(
            f"system_profiler: '{name}' is a virtual display adapter, not a GPU to plan on"
        )
        return None
    vram = gib_from_text(item.get("spdisplays_vram") or item.get("_spdisplays_vram"))
    if vram is None or vendor == "intel":
        notes.append(f"system_profiler: '{name}' shares system memory; not counted as a GPU")
        return None
    return DetectedGpu(
        vendor=vendor, name=name, index=index, source="system_profiler", memory_total_gib=vram
    )


def apple_from_outputs(sysctl: dict[str, str], profiler: dict[str, list[dict[str, Any]]]) -> Found:
    """GPUs from parsed `sysctl` and `system_profiler` outputs (either may be empty)."""
    found = Found()
    hardware = (profiler.get("SPHardwareDataType") or [{}])[0]
    displays = profiler.get("SPDisplaysDataType", [])
    chip: tuple[str, int | None] | None = next(
        (c for item in displays if (c := _chip_from_display(item))), None
    )
    source = "system_profiler"
    if chip is None:
        for tool, candidate in (
            ("system_profiler", hardware.get("chip_type")),
            ("sysctl", sysctl.get("machdep.cpu.brand_string")),
        ):
            text = clean(candidate)
            if text and _CHIP.match(text):
                chip, source = (text, None), tool
                break
    if sysctl.get("sysctl.proc_translated") == "1":
        found.notes.append(
            "sysctl: this process runs under Rosetta 2 (x86_64 on Apple Silicon); "
            "use the native arm64 build for full speed"
        )
    memory = gib_from_bytes(sysctl.get("hw.memsize")) or gib_from_text(
        hardware.get("physical_memory")
    )
    if chip is None:
        model = str(hardware.get("machine_model", ""))
        if sysctl.get("hw.optional.arm64") == "1" or _APPLE_SILICON_MODEL.match(model):
            found.notes.append(
                f"system_profiler: an Apple Silicon Mac ({one_line(model, 30) or 'model unknown'}) "
                "but no chip name was reported (older macOS, or running under Rosetta 2)"
            )
        for item in displays:
            gpu = _other_gpu(item, len(found.gpus), found.notes)
            if gpu is not None:
                found.gpus.append(gpu)
        return found
    name, cores = chip
    virtual = "virtual" in name.lower() or sysctl.get("hw.model", "").startswith("VirtualMac")
    if virtual:
        # Keep it from matching the physical chip's catalog entry.
        name = name if "virtual" in name.lower() else f"{name} (Virtual)"
        found.notes.append(
            f"sysctl: '{one_line(name, 60)}' is a macOS virtual machine; its GPU is "
            "paravirtualised and slower than the physical chip"
        )
    found.gpus.append(
        DetectedGpu(
            vendor="apple",
            name=name,
            index=0,
            source=source,
            memory_total_gib=memory,
            gpu_cores=cores,
            unified_memory=True,
        )
    )
    return found


def probe_apple(tools: Tools) -> Found:
    sysctl_result = tools.run("sysctl", *SYSCTL_KEYS)
    notes: list[str] = []
    # sysctl exits 1 when one key is unknown (hw.optional.arm64 on Intel) but prints the rest.
    sysctl = parse_sysctl(sysctl_result.stdout) if sysctl_result.status == "ran" else {}
    if not sysctl:
        notes.append(f"sysctl: {sysctl_result.failure()}")
    profiler_result = tools.run(*PROFILER_ARGS)
    profiler: dict[str, list[dict[str, Any]]] = {}
    if profiler_result.status == "ran" and profiler_result.stdout.strip():
        profiler, problem = parse_system_profiler(profiler_result.stdout)
        if problem:
            notes.append(f"system_profiler: output is {problem}")
    else:
        notes.append(f"system_profiler: {profiler_result.failure()}")
    found = apple_from_outputs(sysctl, profiler)
    found.notes[:0] = notes
    return found
