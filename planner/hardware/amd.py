"""AMD GPUs: `amd-smi static` (ROCm 6+) first, then `rocm-smi` (older ROCm, Hygon DCU).

amd-smi prints JSON as a bare list or as ``{"gpu_data": [...]}`` (newer), sometimes after
Python warnings; its text form is an indented ``KEY: value`` tree. Both are read here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from planner.hardware.models import DetectedGpu, Found
from planner.hardware.rocm_smi import amd_display_name, parse_rocm_smi
from planner.hardware.runner import Tools
from planner.hardware.values import (
    clean,
    first_line,
    gib_from_text,
    in_range,
    integer,
    load_json,
    number,
    pcie_gen_from_rate,
)

TOOL = "amd-smi"
ROCM_VERSION_FILE = Path("/opt/rocm/.info/version")
ROCM_SMI_ARGS = (
    "rocm-smi",
    "--showproductname",
    "--showmeminfo",
    "vram",
    "--showbus",
    "--showmaxpower",
    "--showdriverversion",
    "--showtopotype",
    "--json",
)


def _text_tree(lines: list[str]) -> dict[str, Any]:
    """Indented 'KEY: value' lines -> nested dicts with lower-case keys."""
    root: dict[str, Any] = {}
    stack: list[tuple[int, dict[str, Any]]] = [(-1, root)]
    for line in lines:
        if ":" not in line or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        key, _, value = line.strip().partition(":")
        while len(stack) > 1 and indent <= stack[-1][0]:
            stack.pop()
        parent = stack[-1][1]
        node: dict[str, Any] = {"_value": value.strip()}
        parent[key.strip().lower()] = node
        stack.append((indent, node))
    return _collapse(root)


def _collapse(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, child in node.items():
        if isinstance(child, dict):
            inner = {k: v for k, v in child.items() if k != "_value"}
            out[key] = _collapse(inner) if inner else child.get("_value", "")
        else:
            out[key] = child
    return out


def _gpus_from_text(text: str) -> list[dict[str, Any]]:
    blocks: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if re.match(r"^GPU:\s*\d+", line):
            current = []
            blocks.append((line.partition(":")[2].strip(), current))
        elif line[:1].isspace() and current is not None:
            current.append(line)
        elif line.strip():
            current = None  # another top-level section (CPU: ...) ends the GPU block
    return [{**_text_tree(lines), "gpu": gpu} for gpu, lines in blocks]


def _value(node: Any, *path: str) -> str | None:
    """A leaf by path; amd-smi writes sizes either as '64 MB' or {'value': 64, 'unit': 'MB'}."""
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    if isinstance(node, dict) and "value" in node:
        return clean(f"{node.get('value')} {node.get('unit', '')}")
    return clean(node) if not isinstance(node, dict | list) else None


def _gpu(entry: dict[str, Any], position: int) -> DetectedGpu:
    market = _value(entry, "asic", "market_name")
    board = _value(entry, "board", "product_name")
    raw = market if market and re.search(r"(?i)instinct|radeon|firepro", market) else board
    name = amd_display_name(raw or market, _value(entry, "asic", "device_id"))
    if market and not re.search(r"(?i)instinct|radeon", name) and re.fullmatch(r"MI\d+\w*", market):
        name = f"AMD Instinct {market}"
    gen = in_range(integer(_value(entry, "bus", "pcie_interface_version")), 1, 7)
    gfx = _value(entry, "asic", "target_graphics_version")
    power = number(_value(entry, "limit", "max_power") or _value(entry, "limit", "socket_power"))
    index = integer(entry.get("gpu"))
    return DetectedGpu(
        vendor="amd",
        name=name,
        index=index if index is not None and 0 <= index < 4096 else position,
        source=TOOL,
        # amd-smi prints "MB" for what is MiB (64289 MB on a 64 GiB MI300A partition).
        memory_total_gib=gib_from_text(_value(entry, "vram", "size")),
        driver=_value(entry, "driver", "version"),
        compute_capability=gfx if gfx and gfx.lower().startswith("gfx") else None,
        pcie_gen=gen or pcie_gen_from_rate(_value(entry, "bus", "max_pcie_speed")),
        pcie_width=in_range(integer(_value(entry, "bus", "max_pcie_width")), 1, 64),
        power_limit_w=power if power is not None and power > 0 else None,
        pci_bus_id=_value(entry, "bus", "bdf"),
    )


def parse_amd_smi(text: str) -> Found:
    """`amd-smi static --json` (or its text form)."""
    found = Found()
    entries: list[dict[str, Any]] = []
    try:
        doc = load_json(text)
        if isinstance(doc, dict):
            doc = doc.get("gpu_data", [doc] if "asic" in doc else [])
        entries = [e for e in doc if isinstance(e, dict)] if isinstance(doc, list) else []
    except ValueError as exc:
        entries = _gpus_from_text(text)
        if not entries and ("{" in text or "[" in text):
            found.notes.append(f"{TOOL}: output is {exc}")
            return found
    for i, entry in enumerate(entries):
        if isinstance(entry.get("asic"), dict) or isinstance(entry.get("vram"), dict):
            found.gpus.append(_gpu(entry, i))
    if not found.gpus:
        found.notes.append(f"{TOOL}: no GPU in the output ({first_line(text)})")
    return found


def _rocm_version() -> str | None:
    try:
        return clean(ROCM_VERSION_FILE.read_text(encoding="utf-8", errors="replace")[:40])
    except OSError:
        return None


def probe_amd(tools: Tools) -> Found:
    """AMD GPUs; notes say which tool answered and why the others did not."""
    result = tools.run(TOOL, "static", "--json")
    found = Found()
    if result.status == "ran" and result.stdout.strip():
        found = parse_amd_smi(result.stdout)
        if result.returncode != 0 and not found.gpus:
            found.notes = [f"{TOOL}: {result.failure()}"]
    elif result.status != "missing":
        found.notes.append(f"{TOOL}: {result.failure()}")
    if not found.gpus:
        legacy = tools.run(*ROCM_SMI_ARGS)
        if (
            legacy.status == "ran"
            and legacy.stdout.strip()
            and (legacy.returncode == 0 or "card" in legacy.stdout)
        ):
            rocm = parse_rocm_smi(legacy.stdout)
        else:
            rocm = Found(notes=[f"rocm-smi: {legacy.failure()}"])
        if result.status == "missing" and legacy.status == "missing":
            return Found(notes=["AMD: neither amd-smi nor rocm-smi is installed"])
        found.gpus, found.interconnect = rocm.gpus, rocm.interconnect
        found.notes.extend(rocm.notes)
    version = _rocm_version()
    if version:
        found.gpus = [g.model_copy(update={"rocm_version": version}) for g in found.gpus]
    return found
