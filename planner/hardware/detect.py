"""Detect this machine's accelerators and host: every probe in its own thread, one time budget.

A probe that hangs, fails or prints garbage costs at most ``timeout_s`` (plus a moment to
collect) and leaves a note; nothing here raises.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from planner.catalog.load import Catalog, CatalogError, bundled_catalog
from planner.hardware.amd import probe_amd
from planner.hardware.apple import probe_apple
from planner.hardware.custom import match_gpu
from planner.hardware.host import probe_host
from planner.hardware.intel import probe_intel
from planner.hardware.models import DetectedGpu, Detection, Found, HostInfo
from planner.hardware.nvidia import NvmlLike, load_pynvml, probe_nvidia
from planner.hardware.runner import CommandRunner, Deadline, SubprocessRunner, Tools
from planner.hardware.values import one_line
from planner.hardware.windows import probe_windows

# Time to collect results after the budget ends (killed tools closing their pipes).
GRACE_S = 0.5


def system_name(platform: str) -> str:
    """'linux', 'darwin', 'windows' or the platform string itself."""
    p = platform.lower()
    if p.startswith("linux"):
        return "linux"
    if p.startswith(("win", "cygwin", "msys")):
        return "windows"
    return "darwin" if p.startswith(("darwin", "mac")) else p


def _probes(system: str, tools: Tools, nvml: NvmlLike | None) -> dict[str, Callable[[], Found]]:
    probes: dict[str, Callable[[], Found]] = {}
    if system == "darwin":
        probes["apple"] = lambda: probe_apple(tools)
        return probes
    probes["nvidia"] = lambda: probe_nvidia(tools, nvml)
    if system == "linux":
        probes["amd"] = lambda: probe_amd(tools)
    if system == "windows":
        probes["windows"] = lambda: probe_windows(tools)
    if system in ("linux", "windows"):
        probes["intel"] = lambda: probe_intel(tools)
    return probes


def _run_all(
    probes: dict[str, Callable[[], Found]], wait_s: float
) -> tuple[dict[str, Found], list[str]]:
    """Each probe in its own daemon thread; what has not answered by ``wait_s`` is dropped."""
    results: dict[str, Found] = {}
    lock = threading.Lock()

    def guarded(name: str, fn: Callable[[], Found]) -> None:
        try:
            found = fn()
        except Exception as exc:  # a probe bug must not cost the other probes' results
            found = Found(
                notes=[f"{name} probe: unexpected {type(exc).__name__}: {one_line(str(exc))}"]
            )
        with lock:
            results[name] = found

    threads = [
        threading.Thread(target=guarded, args=(n, f), name=f"detect-{n}", daemon=True)
        for n, f in probes.items()
    ]
    deadline = Deadline(wait_s)
    for t in threads:
        t.start()
    for t in threads:
        t.join(deadline.remaining())
    with lock:
        late = [
            f"{name} probe: no answer within {wait_s - GRACE_S:.1f} s; skipped"
            for name in probes
            if name not in results
        ]
        return dict(results), late


def _merge(results: dict[str, Found]) -> Found:
    merged = Found()
    for name in ("nvidia", "amd", "intel", "apple"):
        if name in results:
            merged.extend(results[name])
    if "windows" in results:
        # Win32_VideoController lists every adapter; keep only vendors no better tool saw.
        seen = {g.vendor for g in merged.gpus}
        wmi = results["windows"]
        merged.gpus.extend(g for g in wmi.gpus if g.vendor not in seen)
        dropped = [f"'{g.name}'" for g in wmi.gpus if g.vendor in seen]
        merged.notes.extend(n for n in wmi.notes if not any(d in n for d in dropped))
    return merged


def detect(
    timeout_s: float = 5.0,
    runner: CommandRunner | None = None,
    nvml: NvmlLike | None = None,
    platform: str | None = None,
    catalog: Catalog | None = None,
) -> Detection:
    """Find GPUs (matched to the catalog), GPU links and the host; never raises.

    ``runner``, ``nvml`` and ``platform`` default to the real ones (subprocess, the pynvml
    module, ``sys.platform``); tests pass fakes.
    """
    timeout_s = max(float(timeout_s), 0.1)
    system = system_name(platform or sys.platform)
    tools = Tools(runner or SubprocessRunner(), Deadline(timeout_s), per_command_s=timeout_s)
    if nvml is None and system != "darwin":
        nvml = load_pynvml()
    probes = _probes(system, tools, nvml)
    probes["host"] = lambda: probe_host(system, tools)
    results, late = _run_all(probes, timeout_s + GRACE_S)
    found = _merge(results)
    host_found = results.get("host", Found())
    host = host_found.host or HostInfo()
    notes = [*found.notes, *host_found.notes, *late]
    gpus: list[DetectedGpu] = found.gpus
    try:
        cat = catalog or bundled_catalog()
        matched = [match_gpu(g, cat) for g in gpus]
        gpus = [g for g, _ in matched]
        notes.extend(n for _, ns in matched for n in ns)
    except CatalogError as exc:
        notes.append(f"catalog: cannot be loaded, GPUs not matched ({one_line(str(exc))})")
    for g in gpus:
        if g.mig_mode:
            notes.append(
                f"{g.source}: MIG is on for GPU {g.index} ({g.name}); a model runs inside one "
                "MIG instance and gets only that instance's share of the memory"
            )
    if not gpus:
        notes.append("no GPU found: plan for CPU only (catalog entry 'cpu-only') or pick a GPU")
    interconnect = found.interconnect if found.interconnect and found.interconnect.pairs else None
    return Detection(
        gpus=tuple(gpus),
        host=host,
        interconnect=interconnect,
        notes=tuple(dict.fromkeys(notes)),
        elapsed_s=round(tools.deadline.elapsed(), 3),
    )
