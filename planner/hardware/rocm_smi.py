"""AMD GPUs from `rocm-smi` output: ``--json`` (ROCm 4 to 6) or the ``GPU[n] : key: value`` text.

Key names change between releases ("Card series" / "Card Series", "GPU ID" / "Device ID",
"VRAM Total Memory (B)" / Hygon's "vram Total Memory (MiB)"), so keys are matched without case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from planner.catalog.schema import Vendor
from planner.hardware.models import DetectedGpu, Found, Interconnect, LinkKind, LinkPair
from planner.hardware.values import (
    clean,
    first_line,
    gib_from_bytes,
    gib_from_mib,
    in_range,
    load_json,
    number,
    pcie_gen_from_rate,
)

TOOL = "rocm-smi"
_TEXT_LINE = re.compile(r"^GPU\[(\d+)\]\s*:\s*(.+?):\s*(.*)$")
_LINK_KEY = re.compile(r"link type between drm devices (\d+) and (\d+)", re.I)
_RATE = re.compile(r"(\d+(?:\.\d+)?)\s*GT/s\s*x(\d+)", re.I)
_HEX_ONLY = re.compile(r"^0x[0-9a-f]+$", re.I)


def _get(card: Mapping[str, Any], *keys: str) -> str | None:
    """The first of these keys present (any case), cleaned."""
    lowered = {str(k).strip().lower(): v for k, v in card.items()}
    for key in keys:
        value = clean(lowered.get(key.lower()))
        if value is not None:
            return value
    return None


def amd_display_name(raw: str | None, device_id: str | None = None) -> str:
    """'Navi 31 [Radeon RX 7900 XT]' -> 'AMD Radeon RX 7900 XT'; hex-only names -> device id."""
    name = clean(raw)
    if name and _HEX_ONLY.match(name):
        name = None
    if name:
        bracket = re.search(r"\[([^\]]+)\]", name)
        if bracket and not re.search(r"AMD/ATI", bracket.group(1)):
            name = bracket.group(1).strip()
        if not re.match(r"(?i)amd\b", name) and re.search(r"(?i)radeon|instinct|firepro", name):
            name = f"AMD {name}"
        return name
    return f"AMD GPU (device {device_id})" if device_id else "AMD GPU (name not reported)"


def _vendor(card: Mapping[str, Any]) -> Vendor:
    vendor = (_get(card, "Card Vendor") or "").lower()
    if not vendor or "advanced micro devices" in vendor or vendor in ("0x1002", "amd"):
        return "amd"
    return "other"


def _max_pcie(card: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """Fastest PCIe level the card lists ('1': '16.0GT/s x16 *')."""
    best: tuple[float, int] | None = None
    for value in card.values():
        m = _RATE.search(str(value))
        if m:
            rate, width = float(m.group(1)), int(m.group(2))
            if best is None or (rate, width) > best:
                best = (rate, width)
    if best is None:
        return None, None
    return pcie_gen_from_rate(best[0]), in_range(best[1], 1, 64)


def _gpu_from_card(card: Mapping[str, Any], index: int, driver: str | None) -> DetectedGpu:
    device_id = _get(card, "Device ID", "GPU ID", "Card Model")
    vendor = _vendor(card)
    raw_name = _get(card, "Card Series", "Device Name")
    name = amd_display_name(raw_name, device_id)
    if vendor == "other":
        # Hygon's DCU ships a rocm-smi fork; its names are not AMD's.
        hygon = "haiguang" in (_get(card, "Card Vendor") or "").lower()
        name = f"{'Hygon ' if hygon else ''}{raw_name or 'GPU (name not reported)'}"
    total = gib_from_bytes(_get(card, "VRAM Total Memory (B)"))
    used = gib_from_bytes(_get(card, "VRAM Total Used Memory (B)"))
    if total is None:
        total = gib_from_mib(_get(card, "vram Total Memory (MiB)"))
        used = gib_from_mib(_get(card, "vram Total Used Memory (MiB)"))
    gen, width = _max_pcie(card)
    power = number(_get(card, "Max Graphics Package Power (W)"))
    gfx = _get(card, "GFX Version")
    return DetectedGpu(
        vendor=vendor,
        name=name,
        index=index,
        source=TOOL,
        memory_total_gib=total,
        memory_free_gib=(
            round(total - used, 2)
            if total is not None and used is not None and used <= total
            else None
        ),
        driver=driver,
        compute_capability=gfx if gfx and gfx.lower().startswith("gfx") else None,
        pcie_gen=gen,
        pcie_width=width,
        power_limit_w=power if power is not None and power > 0 else None,
        uuid=_get(card, "Unique ID"),
        pci_bus_id=_get(card, "PCI Bus"),
    )


def _cards_from_text(text: str) -> tuple[dict[int, dict[str, str]], dict[str, str]]:
    cards: dict[int, dict[str, str]] = {}
    system: dict[str, str] = {}
    for line in text.splitlines():
        m = _TEXT_LINE.match(line.strip())
        if m:
            cards.setdefault(int(m.group(1)), {}).setdefault(m.group(2).strip(), m.group(3).strip())
        elif line.lower().startswith("driver version:"):
            system["Driver version"] = line.split(":", 1)[1].strip()
    return cards, system


def _cards_from_json(doc: Any) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    cards: dict[int, dict[str, Any]] = {}
    system: dict[str, Any] = {}
    if not isinstance(doc, dict):
        return cards, system
    for key, value in doc.items():
        m = re.fullmatch(r"card(\d+)", str(key))
        if m and isinstance(value, dict):
            cards[int(m.group(1))] = value
        elif str(key) == "system" and isinstance(value, dict):
            system = value
    return cards, system


def _links(system: Mapping[str, Any], indexes: list[int]) -> Interconnect | None:
    pairs = []
    for key, value in system.items():
        m = _LINK_KEY.search(str(key))
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        code = (clean(value) or "?").upper()
        kind: LinkKind = "xgmi" if code == "XGMI" else "pcie" if code == "PCIE" else "unknown"
        if a in indexes and b in indexes:
            pairs.append(LinkPair(a=a, b=b, kind=kind, code=code))
    return (
        Interconnect(source=TOOL, pairs=tuple(sorted(pairs, key=lambda p: (p.a, p.b))))
        if pairs
        else None
    )


def parse_rocm_smi(text: str) -> Found:
    """rocm-smi JSON (``--json``) or text output."""
    found = Found()
    cards: Mapping[int, Mapping[str, Any]]
    try:
        cards, system = _cards_from_json(load_json(text))
    except ValueError:
        cards, system = {}, {}
    if not cards:
        cards, system = _cards_from_text(text)
    if not cards:
        found.notes.append(f"{TOOL}: no GPU in the output ({first_line(text)})")
        return found
    driver = _get(system, "Driver version")
    for index, card in sorted(cards.items()):
        found.gpus.append(_gpu_from_card(card, index, driver))
    secondary = any("secondary die" in str(v).lower() for c in cards.values() for v in c.values())
    if secondary and len(cards) > 1:
        found.notes.append(
            f"{TOOL}: a multi-die accelerator (e.g. MI250) shows each die as its own GPU"
        )
    buses: dict[str, list[int]] = {}
    for gpu in found.gpus:
        if gpu.pci_bus_id and "." in gpu.pci_bus_id:
            buses.setdefault(gpu.pci_bus_id.rsplit(".", 1)[0], []).append(gpu.index)
    for bus, members in buses.items():
        if len(members) > 1:
            found.notes.append(
                f"{TOOL}: GPUs {', '.join(map(str, members))} are functions of one PCI device "
                f"({bus}): compute partitions of one accelerator, not separate cards"
            )
    if not any(g.memory_total_gib for g in found.gpus):
        found.notes.append(f"{TOOL}: the output has no VRAM size (run with --showmeminfo vram)")
    found.interconnect = _links(system, [g.index for g in found.gpus])
    return found
