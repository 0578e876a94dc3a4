"""Windows display adapters from `Get-CimInstance Win32_VideoController` (PowerShell).

AdapterRAM is a 32-bit field: any card with 4 GB or more reads 4293918720 (or 4294967295),
so that value is reported as "at least 4 GiB, real size unknown" in a note, never as memory.
NVIDIA cards are better read through NVML; the detector drops them here when NVML saw them.
"""

from __future__ import annotations

import re
from typing import Any

from planner.catalog.schema import Vendor
from planner.hardware.models import DetectedGpu, Found
from planner.hardware.runner import Tools
from planner.hardware.values import clean, first_line, gib_from_bytes, load_json, number

TOOL = "powershell Win32_VideoController"
PROPERTIES = "Name,AdapterCompatibility,AdapterRAM,DriverVersion,PNPDeviceID,VideoProcessor"
POWERSHELL_ARGS = (
    "powershell",
    "-NoProfile",
    "-NonInteractive",
    "-Command",
    f"Get-CimInstance Win32_VideoController | Format-List {PROPERTIES}",
)
# Largest values a uint32 AdapterRAM holds: the 4 GB cap.
ADAPTER_RAM_CAP = 4293918720
_PCI_VENDORS: dict[str, Vendor] = {"10DE": "nvidia", "1002": "amd", "1022": "amd", "8086": "intel"}
_NAME_VENDORS: tuple[tuple[str, Vendor], ...] = (
    ("nvidia", "nvidia"),
    ("geforce", "nvidia"),
    ("quadro", "nvidia"),
    ("radeon", "amd"),
    ("amd", "amd"),
    ("advanced micro devices", "amd"),
    ("intel", "intel"),
)
_VIDEO_KEYS = {"AdapterRAM", "AdapterCompatibility", "VideoProcessor", "VideoArchitecture"}
_NOT_A_GPU = re.compile(
    r"(?i)basic display|basic render|remote display|virtual|hyper-v|vmware|parsec|citrix"
)
_INTEGRATED_INTEL = re.compile(r"(?i)\b(uhd|iris|hd graphics)\b")


def _format_list(text: str) -> list[dict[str, str]]:
    """PowerShell Format-List: 'Key : value' blocks split by blank lines, wrapped values."""
    records: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last_key: str | None = None
    for line in text.splitlines():
        if not line.strip():
            if current:
                records.append(current)
            current, last_key = {}, None
            continue
        m = re.match(r"^(\w[\w ]*?)\s*:\s?(.*)$", line)
        if m and not line[:1].isspace():
            last_key = m.group(1).strip()
            current[last_key] = m.group(2).strip()
        elif last_key is not None:
            # A wrapped value continues on an indented line starting with ':' or text.
            current[last_key] += line.strip().lstrip(":").strip()
    if current:
        records.append(current)
    return records


def _table(text: str) -> list[dict[str, str]]:
    """A fixed-width table (wmic, or PowerShell's Format-Table) with a header row."""
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return []
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    rows = [ln for ln in lines[1:] if not re.fullmatch(r"[-\s]+", ln)]
    records = []
    for row in rows:
        cells = [
            row[s : (starts[i + 1] if i + 1 < len(starts) else None)].strip()
            for i, s in enumerate(starts)
        ]
        records.append(dict(zip(names, cells, strict=True)))
    return records


def _records(text: str) -> list[dict[str, Any]]:
    if re.search(r"^\s*[\[{]", text, re.MULTILINE):
        try:
            doc = load_json(text)
            items = doc if isinstance(doc, list) else [doc]
            return [i for i in items if isinstance(i, dict)]
        except ValueError:
            pass
    if re.search(r"^\w[\w ]*?\s+:", text, re.MULTILINE):
        return _format_list(text)
    return _table(text)


def _vendor(record: dict[str, Any], name: str) -> Vendor:
    pnp = str(record.get("PNPDeviceID") or "")
    m = re.search(r"VEN_([0-9A-F]{4})", pnp, re.I)
    if m and m.group(1).upper() in _PCI_VENDORS:
        return _PCI_VENDORS[m.group(1).upper()]
    text = f"{record.get('AdapterCompatibility') or ''} {name}".lower()
    return next((v for k, v in _NAME_VENDORS if k in text), "other")


def parse_win32_video(text: str) -> Found:
    """Win32_VideoController as Format-List, a wmic/Format-Table table, or ConvertTo-Json."""
    found = Found()
    for record in _records(text):
        kind = clean(record.get("CreationClassName"))
        if (kind and kind != "Win32_VideoController") or not _VIDEO_KEYS & set(record):
            continue
        name = clean(record.get("Name")) or clean(record.get("Caption"))
        ram = number(record.get("AdapterRAM"))
        if not name:
            if ram is not None and ram >= ADAPTER_RAM_CAP:
                found.notes.append(f"{TOOL}: an adapter's AdapterRAM reads 4 GB, the 32-bit cap")
            continue
        if _NOT_A_GPU.search(name):
            found.notes.append(f"{TOOL}: '{name}' is not a GPU to plan on; skipped")
            continue
        vendor = _vendor(record, name)
        if vendor == "intel" and _INTEGRATED_INTEL.search(name):
            found.notes.append(
                f"{TOOL}: '{name}' is integrated graphics sharing system RAM; skipped"
            )
            continue
        memory = None
        if ram is not None and ram >= ADAPTER_RAM_CAP:
            found.notes.append(
                f"{TOOL}: AdapterRAM of '{name}' reads 4 GB, the most its 32-bit field holds; "
                "the real memory is unknown (at least 4 GiB)"
            )
        elif ram is not None and ram > 0:
            memory = gib_from_bytes(ram)
        found.gpus.append(
            DetectedGpu(
                vendor=vendor,
                name=name,
                index=len(found.gpus),
                source=TOOL,
                memory_total_gib=memory,
                driver=clean(record.get("DriverVersion")),
            )
        )
    if not found.gpus and not found.notes:
        found.notes.append(f"{TOOL}: no display adapter in the output ({first_line(text)})")
    return found


def probe_windows(tools: Tools) -> Found:
    result = tools.run(*POWERSHELL_ARGS)
    if not result.ok:
        return Found(notes=[f"{TOOL}: {result.failure()}"])
    return parse_win32_video(result.stdout)
