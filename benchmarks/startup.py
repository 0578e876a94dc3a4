"""Start-up timing shared by the benchmarks.

"Start to a usable window" is the wall time from starting a process to the line it prints
once its window is shown and painted (`ui.app.USABLE_LINE`; the app prints it when
LLM_PLANNER_QUIT_AFTER_SHOWN=1, after its first results are computed and drawn). The process
then closes and must exit 0; its exit is not counted.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ui.app import USABLE_LINE


def time_to_usable(
    cmd: list[str], env: dict[str, str], timeout: float = 120.0, cwd: Path | None = None
) -> float | None:
    """Seconds from starting `cmd` to its usable line; None if it never printed it, did not
    exit 0, or ran past `timeout`."""
    start = time.perf_counter()
    child = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    killer = threading.Timer(timeout, child.kill)
    killer.start()
    try:
        assert child.stdout is not None
        took = None
        for line in child.stdout:
            if took is None and line.strip() == USABLE_LINE:
                took = time.perf_counter() - start
        _, err = child.communicate()
    finally:
        killer.cancel()
    if child.returncode != 0 or took is None:
        print(f"  ! {' '.join(cmd[-3:])} exited {child.returncode}: {err[-800:]!r}")
        return None
    return took


def start_medians(
    commands: list[list[str]], env: dict[str, str], rounds: int = 7, cwd: Path | None = None
) -> list[float] | None:
    """Median start time of each command, the commands run in turn each round (the first
    round warms the file cache and is not counted); None if any run failed."""
    times: list[list[float]] = [[] for _ in commands]
    for i in range(rounds + 1):
        for cmd, out in zip(commands, times, strict=True):
            took = time_to_usable(cmd, env, cwd=cwd)
            if took is None:
                return None
            if i:
                out.append(took)
    return [statistics.median(t) for t in times]
