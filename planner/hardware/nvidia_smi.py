"""NVIDIA GPUs through `nvidia-smi` when NVML cannot be used: CSV query, `-q -x` XML, errors.

The CSV query gives everything but the CUDA version; the XML log gives the CUDA version (and
everything but the compute capability), so the probe runs both and merges.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from planner.hardware.models import DetectedGpu, Found
from planner.hardware.nvidia_topo import parse_nvidia_topo
from planner.hardware.runner import CommandResult, Tools
from planner.hardware.values import (
    clean,
    first_line,
    gib_from_mib,
    in_range,
    integer,
    number,
    one_line,
    strip_ansi,
)

TOOL = "nvidia-smi"
QUERY_FIELDS: tuple[str, ...] = (
    "index",
    "name",
    "uuid",
    "pci.bus_id",
    "driver_version",
    "memory.total",
    "memory.free",
    "compute_cap",
    "pcie.link.gen.max",
    "pcie.link.width.max",
    "power.limit",
    "mig.mode.current",
)

# Known failure messages -> what to tell the user.
_KNOWN_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"no devices were found", re.I), "the driver is loaded but no GPU is usable"),
    (
        re.compile(r"driver/library version mismatch", re.I),
        "driver/library version mismatch (the driver was updated; a reboot usually fixes it)",
    ),
    (
        re.compile(r"couldn't communicate with the nvidia driver", re.I),
        "cannot talk to the NVIDIA driver (not installed or not loaded)",
    ),
    (re.compile(r"unable to determine the device handle", re.I), "a GPU is lost or in error"),
    (re.compile(r"insufficient permissions", re.I), "insufficient permissions"),
    (re.compile(r"failed to initialize nvml", re.I), "NVML cannot start"),
)
_INVALID_FIELD = re.compile(r'field "([^"]+)" is not a valid field', re.I)


def explain_failure(text: str) -> str | None:
    """A known nvidia-smi failure in this output, explained, or None."""
    for pattern, meaning in _KNOWN_ERRORS:
        m = pattern.search(text)
        if m:
            line = next(ln for ln in text.splitlines() if pattern.search(ln))
            return f"{meaning}: {one_line(line)}"
    return None


def _header_fields(row: list[str]) -> list[str] | None:
    """Field names if this row is nvidia-smi's header ('memory.total [MiB]' -> 'memory.total')."""
    names = [re.sub(r"\s*\[[^\]]*\]\s*$", "", c.strip()) for c in row]
    known = {"name", "index", "uuid", "memory.total", "memory.free", "memory.used", "pci.bus_id"}
    return names if known & set(names) else None


def _mig(value: str | None) -> bool | None:
    text = clean(value)
    if text is None:
        return None
    low = text.lower()
    return True if low == "enabled" else False if low == "disabled" else None


def _gpu_from_row(row: dict[str, str], position: int) -> DetectedGpu | None:
    total = gib_from_mib(row.get("memory.total"))
    free = gib_from_mib(row.get("memory.free"))
    if total is None and free is not None:
        # Some field lists leave out memory.total: it is reserved + used + free.
        parts = [number(row.get(k)) for k in ("memory.reserved", "memory.used")]
        total = gib_from_mib(sum(p or 0 for p in parts) + free * 1024)
    if total is None:
        return None
    name = clean(row.get("name")) or "NVIDIA GPU (name not reported)"
    index = integer(row.get("index"))
    cc = clean(row.get("compute_cap"))
    return DetectedGpu(
        vendor="nvidia",
        name=name,
        index=index if index is not None and 0 <= index < 4096 else position,
        source=TOOL,
        memory_total_gib=total,
        memory_free_gib=free if free is not None and free <= total else None,
        driver=clean(row.get("driver_version")),
        compute_capability=cc if cc and re.fullmatch(r"\d+\.\d+", cc) else None,
        pcie_gen=in_range(integer(row.get("pcie.link.gen.max")), 1, 7),
        pcie_width=in_range(integer(row.get("pcie.link.width.max")), 1, 64),
        power_limit_w=_positive(number(row.get("power.limit") or row.get("enforced.power.limit"))),
        mig_mode=_mig(row.get("mig.mode.current")),
        uuid=clean(row.get("uuid")),
        pci_bus_id=clean(row.get("pci.bus_id")),
    )


def _positive(v: float | None) -> float | None:
    return v if v is not None and v > 0 else None


def parse_nvidia_csv(text: str, fields: Sequence[str] = QUERY_FIELDS) -> Found:
    """`nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]` output.

    A header row, when present, names the columns; otherwise they are ``fields``.
    """
    found = Found()
    explained = explain_failure(text)
    if explained:
        found.notes.append(f"{TOOL}: {explained}")
        return found
    try:
        rows = [r for r in csv.reader(strip_ansi(text).splitlines(), skipinitialspace=True) if r]
    except csv.Error as exc:
        found.notes.append(f"{TOOL}: output is not CSV ({one_line(str(exc), 80)})")
        return found
    columns = list(fields)
    if rows and (header := _header_fields(rows[0])):
        columns, rows = header, rows[1:]
    skipped = 0
    for row in rows:
        if len(row) != len(columns):
            skipped += 1
            continue
        gpu = _gpu_from_row(dict(zip(columns, row, strict=True)), len(found.gpus))
        if gpu is None:
            skipped += 1
        else:
            found.gpus.append(gpu)
    if skipped:
        found.notes.append(f"{TOOL}: {skipped} line(s) of the CSV output were not understood")
    if not found.gpus and not skipped:
        found.notes.append(f"{TOOL}: no GPU in the output ({first_line(text)})")
    return found


def _xml_text(node: ET.Element | None, path: str) -> str | None:
    if node is None:
        return None
    child = node.find(path)
    return clean(child.text) if child is not None else None


def _xml_gpu(gpu: ET.Element, position: int, driver: str | None, cuda: str | None) -> DetectedGpu:
    power = None
    for path in (
        "gpu_power_readings/current_power_limit",
        "power_readings/enforced_power_limit",
        "power_readings/power_limit",
        "power_readings/current_power_limit",
    ):
        power = _positive(number(_xml_text(gpu, path)))
        if power is not None:
            break
    link = gpu.find("pci/pci_gpu_link_info")
    gen = _xml_text(link, "pcie_gen/max_link_gen") or _xml_text(link, "pcie_gen/current_link_gen")
    width = _xml_text(link, "link_widths/max_link_width") or _xml_text(
        link, "link_widths/current_link_width"
    )
    total = gib_from_mib(_xml_text(gpu, "fb_memory_usage/total"))
    free = gib_from_mib(_xml_text(gpu, "fb_memory_usage/free"))
    return DetectedGpu(
        vendor="nvidia",
        name=_xml_text(gpu, "product_name") or "NVIDIA GPU (name not reported)",
        index=position,
        source=f"{TOOL} -q -x",
        memory_total_gib=total,
        memory_free_gib=free if free is not None and (total is None or free <= total) else None,
        driver=driver,
        cuda_version=cuda,
        pcie_gen=in_range(integer(gen), 1, 7),
        pcie_width=in_range(integer(width), 1, 64),
        power_limit_w=power,
        mig_mode=_mig(_xml_text(gpu, "mig_mode/current_mig")),
        uuid=_xml_text(gpu, "uuid"),
        pci_bus_id=_xml_text(gpu, "pci/pci_bus_id") or clean(gpu.get("id")),
    )


def parse_nvidia_xml(text: str) -> Found:
    """`nvidia-smi -q -x` (the XML log, DTD v10 to v13)."""
    found = Found()
    explained = explain_failure(text)
    start = text.find("<")
    if explained and start < 0:
        found.notes.append(f"{TOOL} -q -x: {explained}")
        return found
    try:
        root = ET.fromstring(text[max(start, 0) :])
    except (ET.ParseError, ValueError) as exc:
        found.notes.append(f"{TOOL} -q -x: output is not valid XML ({one_line(str(exc), 80)})")
        return found
    if root.tag != "nvidia_smi_log":
        found.notes.append(f"{TOOL} -q -x: unexpected XML (root <{one_line(root.tag, 40)}>)")
        return found
    driver = _xml_text(root, "driver_version")
    cuda = _xml_text(root, "cuda_version")
    for i, gpu in enumerate(root.findall("gpu")):
        found.gpus.append(_xml_gpu(gpu, i, driver, cuda))
    if not found.gpus:
        found.notes.append(f"{TOOL} -q -x: the log lists no GPU")
    return found


def _query(tools: Tools) -> tuple[Found, CommandResult]:
    """The CSV query, dropping fields an older driver does not know (compute_cap: 510+)."""
    fields = list(QUERY_FIELDS)
    while True:
        result = tools.run(TOOL, f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits")
        bad = _INVALID_FIELD.search(result.stdout + result.stderr)
        if result.status == "ran" and bad and bad.group(1) in fields and len(fields) > 3:
            fields.remove(bad.group(1))
            continue
        if result.status != "ran":
            return Found(notes=[f"{TOOL}: {result.failure()}"]), result
        if result.returncode != 0:
            explained = explain_failure(result.stdout + "\n" + result.stderr)
            return Found(notes=[f"{TOOL}: {explained or result.failure()}"]), result
        return parse_nvidia_csv(result.stdout, fields), result


def _merge_cuda(gpus: list[DetectedGpu], xml: Found) -> list[DetectedGpu]:
    cuda = next((g.cuda_version for g in xml.gpus if g.cuda_version), None)
    return [g.model_copy(update={"cuda_version": cuda}) if cuda else g for g in gpus]


def probe_nvidia_smi(tools: Tools) -> Found:
    """NVIDIA GPUs from nvidia-smi: CSV query first, the XML log for the CUDA version."""
    found, result = _query(tools)
    if result.status in ("missing", "denied", "timeout"):
        found.absent = result.status == "missing"
        return found
    xml_result = tools.run(TOOL, "-q", "-x")
    xml = (
        parse_nvidia_xml(xml_result.stdout)
        if xml_result.status == "ran" and xml_result.stdout.strip()
        else Found(notes=[f"{TOOL} -q -x: {xml_result.failure()}"])
    )
    if found.gpus:
        found.gpus = _merge_cuda(found.gpus, xml)
        found.notes.extend(xml.notes)
        return found
    # The CSV query gave nothing usable: the XML log may still list the GPUs.
    if xml.gpus:
        return Found(gpus=xml.gpus, notes=[*found.notes, *xml.notes])
    found.notes.extend(n for n in xml.notes if n not in found.notes)
    return found


def probe_topology(tools: Tools) -> Found:
    """NVLink versus PCIe between GPUs, from `nvidia-smi topo -m`."""
    result = tools.run(TOOL, "topo", "-m")
    if result.status != "ran":
        return Found(notes=[f"{TOOL} topo -m: {result.failure()}"])
    if result.returncode != 0:
        explained = explain_failure(result.stdout + "\n" + result.stderr)
        return Found(notes=[f"{TOOL} topo -m: {explained or result.failure()}"])
    return parse_nvidia_topo(result.stdout)
