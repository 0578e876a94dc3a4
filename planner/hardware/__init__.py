"""Local hardware detection: GPUs (NVIDIA, AMD, Intel, Apple), their links, CPU and RAM.

`detect()` runs one probe per vendor concurrently under one time budget and returns a
`Detection`; every failure is a note, never an exception.
"""

from planner.hardware.detect import detect
from planner.hardware.models import DetectedGpu, Detection, HostInfo, Interconnect, LinkPair
from planner.hardware.nvidia import NvmlLike
from planner.hardware.runner import CommandResult, CommandRunner, SubprocessRunner

__all__ = [
    "CommandResult",
    "CommandRunner",
    "DetectedGpu",
    "Detection",
    "HostInfo",
    "Interconnect",
    "LinkPair",
    "NvmlLike",
    "SubprocessRunner",
    "detect",
]
