"""Intel GPUs (Arc, Data Center Flex and Max) through `xpu-smi`; `intel_gpu_top` as a hint.

xpu-smi often names a device only by its PCI id ("Intel(R) Graphics [0x56c0]"); the ids
known here get their marketing name. intel_gpu_top reports neither model nor memory, so
it only adds a note.
"""

from __future__ import annotations

import csv
import re
from typing import Any

from planner.hardware.models import DetectedGpu, Found
from planner.hardware.runner import Tools
from planner.hardware.values import (
    clean,
    first_line,
    gib_from_bytes,
    gib_from_mib,
    in_range,
    integer,
    load_json,
)

TOOL = "xpu-smi"
# PCI device ids -> names, for xpu-smi's "Intel(R) Graphics [0x....]".
PCI_NAMES = {
    "56a0": "Intel Arc A770",
    "56a1": "Intel Arc A750",
    "56a5": "Intel Arc A380",
    "56c0": "Intel Data Center GPU Flex 170",
    "56c1": "Intel Data Center GPU Flex 140",
    "e20b": "Intel Arc B580",
    "e20c": "Intel Arc B570",
}
_PCI_NAME = re.compile(r"\[0x([0-9a-f]{3,4})\]", re.I)
_DETAIL = re.compile(r"^\|\s*(\d*)\s*\|\s*([^:|]+?):\s*(.*?)\s*\|$")
_TABLE_ROW = re.compile(r"^\|\s+(\d+)\s+(.+?)\s{2,}(On|Off)\s+\|\s*(\S+)")
_TABLE_MEM = re.compile(r"(\d+)\s*MiB\s*/\s*(\d+)\s*MiB")


def intel_name(raw: str | None) -> str:
    name = clean(raw) or "Intel GPU (name not reported)"
    m = _PCI_NAME.search(name)
    if m:
        return PCI_NAMES.get(m.group(1).lower().zfill(4), name)
    return name


def _from_fields(fields: dict[str, Any], index: int) -> DetectedGpu:
    lower = {str(k).strip().lower().replace(" ", "_"): v for k, v in fields.items()}
    memory = gib_from_bytes(lower.get("memory_physical_size_byte"))
    if memory is None:
        memory = gib_from_mib(lower.get("memory_physical_size"))
    idx = integer(lower.get("device_id"))
    return DetectedGpu(
        vendor="intel",
        name=intel_name(lower.get("device_name")),
        index=idx if idx is not None and 0 <= idx < 4096 else index,
        source=TOOL,
        memory_total_gib=memory,
        driver=clean(lower.get("driver_version")),
        pcie_gen=in_range(integer(lower.get("pcie_generation")), 1, 7),
        pcie_width=in_range(integer(lower.get("pcie_max_link_width")), 1, 64),
        uuid=clean(lower.get("uuid")),
        pci_bus_id=clean(lower.get("pci_bdf_address")),
    )


def _detail_tables(text: str) -> list[dict[str, str]]:
    """`xpu-smi discovery [-d N]` box tables: '| 0 | Device Name: ... |' rows."""
    devices: list[dict[str, str]] = []
    for line in text.splitlines():
        m = _DETAIL.match(line.strip())
        if not m:
            continue
        if m.group(1):
            devices.append({"device_id": m.group(1)})
        if devices:
            devices[-1].setdefault(m.group(2).strip(), m.group(3))
    return devices


def _default_table(text: str) -> list[DetectedGpu]:
    """xpu-smi v2's nvidia-smi-like table; long names wrap onto the next row."""
    gpus: list[DetectedGpu] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _TABLE_ROW.match(line)
        if not m:
            continue
        name = m.group(2).strip()
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        wrap = re.match(r"^\|\s{3,}(\S[^|]*?)\s*\|", nxt)
        if wrap and not _TABLE_MEM.search(nxt):
            name = f"{name} {wrap.group(1).strip()}"
        mem = next((mm for ln in lines[i + 1 : i + 4] if (mm := _TABLE_MEM.search(ln))), None)
        total = gib_from_mib(mem.group(2)) if mem else None
        used = gib_from_mib(mem.group(1)) if mem else None
        gpus.append(
            DetectedGpu(
                vendor="intel",
                name=intel_name(name),
                index=int(m.group(1)),
                source=TOOL,
                memory_total_gib=total,
                memory_free_gib=(
                    round(total - used, 2) if total is not None and used is not None else None
                ),
                pci_bus_id=m.group(4),
            )
        )
    return gpus


def parse_xpu_smi(text: str) -> Found:
    """`xpu-smi discovery -j`, its table forms, `--dump` CSV, or the v2 default table."""
    found = Found()
    try:
        doc = load_json(text)
        items = doc.get("device_list", [doc]) if isinstance(doc, dict) else []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("device_name"):
                found.gpus.append(_from_fields(item, len(found.gpus)))
    except ValueError:
        if "Device Name" in text and "," in text.splitlines()[0]:
            try:
                rows = list(csv.DictReader(text.splitlines(), skipinitialspace=True))
            except csv.Error:
                rows = []
            found.gpus = [_from_fields(r, i) for i, r in enumerate(rows) if r.get("Device Name")]
        elif devices := _detail_tables(text):
            found.gpus = [_from_fields(d, i) for i, d in enumerate(devices) if "Device Name" in d]
        else:
            found.gpus = _default_table(text)
    if not found.gpus:
        found.notes.append(f"{TOOL}: no GPU in the output ({first_line(text)})")
    elif all(g.memory_total_gib is None for g in found.gpus):
        found.notes.append(f"{TOOL}: memory size not reported (see `xpu-smi discovery -d N`)")
    return found


def parse_intel_gpu_top(text: str) -> Found:
    """`intel_gpu_top -J` or `-L`: whether an Intel GPU is there (no model, no memory)."""
    found = Found()
    devices = re.findall(r"pci:vendor=8086,device=([0-9A-Fa-f]{4})", text)
    if devices:
        ids = ", ".join(f"8086:{d.lower()}" for d in devices)
        found.notes.append(f"intel_gpu_top: Intel GPU(s) present ({ids}); model and memory unknown")
        return found
    try:
        doc = load_json(text)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("engines"), dict):
        found.notes.append("intel_gpu_top: an Intel GPU is active; it reports no model or memory")
    else:
        found.notes.append(f"intel_gpu_top: no Intel GPU in the output ({first_line(text)})")
    return found


def _with_memory(tools: Tools, gpu: DetectedGpu) -> DetectedGpu:
    """Discovery lists devices without memory; the per-device detail has it."""
    if gpu.memory_total_gib is not None or tools.deadline.remaining() < 0.5:
        return gpu
    detail = tools.run(TOOL, "discovery", "-d", str(gpu.index), "-j")
    parsed = parse_xpu_smi(detail.stdout) if detail.ok else Found()
    return parsed.gpus[0] if parsed.gpus else gpu


def probe_intel(tools: Tools) -> Found:
    result = tools.run(TOOL, "discovery", "-j")
    if result.status == "missing":
        top = tools.run("intel_gpu_top", "-L")
        if top.status == "missing":
            return Found(notes=["Intel: neither xpu-smi nor intel_gpu_top is installed"])
        if not top.ok:
            return Found(notes=[f"intel_gpu_top: {top.failure()}"])
        return parse_intel_gpu_top(top.stdout)
    if not result.ok and result.status == "ran":
        # Some xpu-smi builds have no discovery JSON; the default table names the GPUs.
        table = tools.run(TOOL)
        result = table if table.ok else result
    if not result.ok:
        return Found(notes=[f"{TOOL}: {result.failure()}"])
    found = parse_xpu_smi(result.stdout)
    gpus = [_with_memory(tools, g) for g in found.gpus]
    notes = [n for n in found.notes if "memory size" not in n]
    if gpus and all(g.memory_total_gib is None for g in gpus):
        notes.append(f"{TOOL}: memory size not reported")
    return Found(gpus=gpus, notes=notes)
