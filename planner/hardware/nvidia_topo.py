"""`nvidia-smi topo -m`: which GPU pairs share NVLink and which only PCIe.

Works with tab- or space-separated matrices, ANSI underline escapes in the header, NIC
columns, and a missing legend.
"""

from __future__ import annotations

import re

from planner.hardware.models import Found, Interconnect, LinkKind, LinkPair
from planner.hardware.values import first_line, strip_ansi

TOOL = "nvidia-smi topo -m"
_GPU = re.compile(r"^GPU(\d+)$")
_NV = re.compile(r"^NV(\d+)$")
_PCIE = {
    "PIX": "PCIe through at most one PCIe switch",
    "PXB": "PCIe through several PCIe switches, not the host bridge",
    "PHB": "PCIe through the CPU's PCIe host bridge",
    "NODE": "PCIe between host bridges inside one NUMA node",
    "SYS": "PCIe plus the CPU-to-CPU link between NUMA nodes",
    "SOC": "PCIe plus the CPU-to-CPU link (older drivers)",
}


def _link(a: int, b: int, code: str) -> LinkPair:
    m = _NV.match(code)
    if m:
        n = int(m.group(1))
        return LinkPair(
            a=a,
            b=b,
            kind="nvlink",
            code=code,
            nvlinks=n if n >= 1 else None,
            description=f"{n} bonded NVLinks",
        )
    kind: LinkKind = "pcie" if code in _PCIE else "unknown"
    return LinkPair(a=a, b=b, kind=kind, code=code, description=_PCIE.get(code, ""))


def parse_nvidia_topo(text: str) -> Found:
    """GPU pairs and their link; a note when the output is not a topology matrix."""
    found = Found()
    lines = strip_ansi(text).splitlines()
    header: list[int] | None = None
    matrix: dict[int, list[str]] = {}
    for line in lines:
        tokens = line.split()
        if not tokens:
            continue
        if header is None:
            # The header lists the GPU columns after leading blank space; rows start with
            # their own label and a link code.
            starts_blank = line[:1].isspace()
            if _GPU.match(tokens[0]) and (
                starts_blank or (len(tokens) > 1 and _GPU.match(tokens[1]))
            ):
                header = [int(m.group(1)) for t in tokens if (m := _GPU.match(t))]
            continue
        m = _GPU.match(tokens[0])
        if m and len(tokens) > len(header):
            matrix[int(m.group(1))] = tokens[1 : 1 + len(header)]
    if header is None or not matrix:
        found.notes.append(f"{TOOL}: no GPU matrix in the output ({first_line(text)})")
        return found
    pairs: list[LinkPair] = []
    for row_gpu, cells in sorted(matrix.items()):
        for col, code in zip(header, cells, strict=True):
            if col > row_gpu and code != "X":
                pairs.append(_link(row_gpu, col, code))
    found.interconnect = Interconnect(source="nvidia-smi topo -m", pairs=tuple(pairs))
    return found
