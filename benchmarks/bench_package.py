"""Budgets of the packaged binary, measured in one run.

- Size: the Linux one-folder build under 200 MB (1 MB = 10^6 bytes); also reports the
  compressed size (tar.gz of the folder) that users download.
- Start-up: the frozen app's start to a usable window within 1.2x of the same start from
  source, measured alternately in the same run. "Start to a usable window" is process start
  until the main window is shown with its first results and painted: `llm-planner gui
  --example` with LLM_PLANNER_QUIT_AFTER_SHOWN=1, which ui/app.py answers by printing a line
  at that moment and closing (exit 0); see benchmarks/startup.py. Offscreen, so it runs
  headless.
- Also reports the build time and the frozen `gui --self-test` time.

Run: python benchmarks/bench_package.py [--dist DIR] [--runs N]
(without --dist it builds with PyInstaller into a temporary folder first; needs the
`package` extra: pip install -e '.[package]').
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from startup import time_to_usable

ROOT = Path(__file__).resolve().parents[1]
SIZE_BUDGET_MB = 200.0
STARTUP_BUDGET_RATIO = 1.2
STARTUP_TIMEOUT_S = 60.0


def build(out: Path) -> tuple[Path, float]:
    """PyInstaller build.spec into out/dist; the one-folder path and the build seconds."""
    env = {k: v for k, v in os.environ.items() if k != "LLM_PLANNER_ONEFILE"}
    t0 = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            *("-m", "PyInstaller", "build.spec", "--noconfirm"),
            *("--distpath", str(out / "dist"), "--workpath", str(out / "build")),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"PyInstaller failed:\n{done.stderr[-4000:]}")
    return out / "dist" / "llm-planner", took


def exe_in(folder: Path) -> Path:
    return folder / ("llm-planner.exe" if sys.platform == "win32" else "llm-planner")


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def targz_bytes(folder: Path, tmp: Path) -> int:
    archive = tmp / "llm-planner.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=folder.name)
    return archive.stat().st_size


def timed(cmd: list[str], env: dict[str, str], timeout: float) -> float | None:
    """Wall seconds from process start to exit; None if it timed out or failed."""
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    took = time.perf_counter() - t0
    if done.returncode != 0:
        print(f"  ! {' '.join(cmd[-3:])} exited {done.returncode}: {done.stderr[-800:]!r}")
        return None
    return took


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dist", type=Path, help="an existing one-folder build (dist/llm-planner)")
    p.add_argument("--runs", type=int, default=5, help="start-up runs of each (default 5)")
    args = p.parse_args()

    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-package-") as tmp_name:
        tmp = Path(tmp_name)
        if args.dist:
            folder, build_s = args.dist.resolve(), None
        else:
            print("building with PyInstaller (build.spec) ...", flush=True)
            folder, build_s = build(tmp)
        exe = exe_in(folder)
        if not exe.is_file():
            sys.exit(f"no executable at {exe}")

        size = folder_bytes(folder)
        packed = targz_bytes(folder, tmp)
        size_ok = size / 1e6 < SIZE_BUDGET_MB
        ok &= size_ok
        print(f"\nbundle: {folder}")
        if build_s is not None:
            print(f"build time:           {build_s:6.1f} s")
        print(
            f"one-folder size:      {size / 1e6:6.1f} MB ({size / 2**20:.1f} MiB)   "
            f"budget {SIZE_BUDGET_MB:.0f} MB  ({size / 1e6 / SIZE_BUDGET_MB:.2f}x) "
            f"{'ok' if size_ok else 'OVER BUDGET'}"
        )
        print(f"tar.gz size:          {packed / 1e6:6.1f} MB ({packed / 2**20:.1f} MiB)")

        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            LLM_PLANNER_HOME=str(tmp / "home"),
        )
        t = timed([str(exe), "gui", "--self-test"], env, 300)
        print(f"frozen self-test:     {t:6.2f} s" if t else "frozen self-test:     FAILED")
        ok &= t is not None

        env["LLM_PLANNER_QUIT_AFTER_SHOWN"] = "1"
        commands = {
            "frozen": [str(exe), "gui", "--example"],
            "source": [sys.executable, "-m", "ui.entry", "gui", "--example"],
        }
        times: dict[str, list[float]] = {k: [] for k in commands}
        for i in range(args.runs + 1):  # the first round warms the file cache, not counted
            for name, cmd in commands.items():
                took = time_to_usable(cmd, env, STARTUP_TIMEOUT_S, cwd=ROOT)
                if took is None:
                    print(
                        f"start-up ({name}) did not report a usable window and exit 0 within "
                        f"{STARTUP_TIMEOUT_S:.0f} s (LLM_PLANNER_QUIT_AFTER_SHOWN=1)."
                    )
                    return 1
                if i:
                    times[name].append(took)
        frozen = statistics.median(times["frozen"])
        source = statistics.median(times["source"])
        ratio = frozen / source
        startup_ok = ratio <= STARTUP_BUDGET_RATIO
        ok &= startup_ok
        print(
            f"start to usable window, median of {args.runs}:\n"
            f"  from source:        {source:6.2f} s   (1.00x)\n"
            f"  frozen:             {frozen:6.2f} s   ({ratio:.2f}x of source; budget "
            f"{STARTUP_BUDGET_RATIO:.1f}x) {'ok' if startup_ok else 'OVER BUDGET'}"
        )
    print("\nall budgets met" if ok else "\nBUDGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
