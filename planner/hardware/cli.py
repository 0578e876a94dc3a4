"""`llm-planner detect`: this machine's GPUs, their links, CPU and RAM, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from planner.catalog.load import Catalog
from planner.cli_args import positive_float
from planner.hardware.detect import detect
from planner.hardware.models import DetectedGpu, Detection
from planner.table import render

DEFAULT_TIMEOUT_S = 5.0


def add_detect_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add `detect` to the `llm-planner` subcommands."""
    d: argparse.ArgumentParser = subparsers.add_parser(
        "detect", help="find this machine's GPUs, CPU and memory (offline, a few seconds)"
    )
    d.add_argument("--format", choices=("table", "json"), default="table")
    d.add_argument(
        "--timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"seconds the probes may take in all (default {DEFAULT_TIMEOUT_S:g})",
    )
    return d


def _catalog_cell(gpu: DetectedGpu) -> str:
    if gpu.catalog_id:
        return gpu.catalog_id
    if gpu.suggestions:
        return f"unknown (nearest: {', '.join(gpu.suggestions[:3])})"
    return "unknown"


def _pcie(gpu: DetectedGpu) -> str | None:
    if gpu.pcie_gen is None and gpu.pcie_width is None:
        return None
    gen = f"Gen{gpu.pcie_gen}" if gpu.pcie_gen else "Gen?"
    return f"{gen} x{gpu.pcie_width}" if gpu.pcie_width else gen


def _mig(gpu: DetectedGpu) -> str | None:
    return None if gpu.mig_mode is None else ("on" if gpu.mig_mode else "off")


def format_detection(d: Detection) -> str:
    """The table a person reads."""
    out: list[str] = []
    if d.gpus:
        out.append(
            render(
                [
                    "#",
                    "GPU",
                    "catalog",
                    "memory GiB",
                    "free GiB",
                    "driver",
                    "CUDA/ROCm",
                    "CC/GFX",
                    "PCIe",
                    "power W",
                    "MIG",
                    "source",
                ],
                [
                    [
                        g.index,
                        g.name + (f" ({g.gpu_cores}-core GPU)" if g.gpu_cores else ""),
                        _catalog_cell(g),
                        g.memory_total_gib,
                        g.memory_free_gib,
                        g.driver,
                        g.cuda_version or g.rocm_version,
                        g.compute_capability,
                        _pcie(g),
                        g.power_limit_w,
                        _mig(g),
                        g.source,
                    ]
                    for g in d.gpus
                ],
            )
        )
    else:
        out.append("No GPU found.")
    if d.interconnect is not None:
        out.append("")
        out.append(f"GPU links ({d.interconnect.source}): {d.interconnect.summary()}")
        out.append(
            render(
                ["GPU", "GPU", "link", "code"],
                [[p.a, p.b, p.kind, p.code] for p in d.interconnect.pairs],
            )
        )
    h = d.host
    out.append("")
    out.append(
        render(
            ["host", "value"],
            [
                ["CPU", h.cpu_model],
                [
                    "cores (physical / logical)",
                    f"{h.physical_cores or '-'} / {h.logical_cores or '-'}",
                ],
                ["RAM total GiB", h.ram_total_gib],
                ["RAM available GiB", h.ram_available_gib],
                ["OS", h.os or None],
            ],
        )
    )
    if d.notes:
        out.append("")
        out.append("Notes:")
        out.extend(f"- {n}" for n in d.notes)
    out.append("")
    out.append(f"Detection took {d.elapsed_s:.2f} s.")
    return "\n".join(out)


def detection_json(d: Detection) -> dict[str, Any]:
    doc = d.model_dump(mode="json")
    if d.interconnect is not None:
        doc["interconnect"]["kind"] = d.interconnect.kind
    return doc


def run_detect(catalog: Catalog, args: argparse.Namespace) -> int:
    """Run detection and print it; 0 even when nothing is found (that is an answer too)."""
    timeout = getattr(args, "timeout", DEFAULT_TIMEOUT_S)
    d = detect(timeout_s=timeout, catalog=catalog)
    if getattr(args, "format", "table") == "json":
        print(json.dumps(detection_json(d), indent=1))
    else:
        print(format_detection(d))
    return 0
