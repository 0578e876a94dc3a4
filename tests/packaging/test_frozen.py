"""The packaged binary works: build it with PyInstaller (build.spec, once per session) and run
its headless modes, its command line and a plan opened from the desktop.

Slow (a build takes ~35 s, the screenshots ~30 s): marked `packaging`; skip it locally with
`pytest -m "not packaging"`. Set LLM_PLANNER_FROZEN_EXE to an already built executable to
test that one instead of building (e.g. after packaging/build.sh).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

pytest.importorskip(
    "PyInstaller",
    reason="PyInstaller is not installed: pip install -e '.[package]' to test the binary",
)

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "enterprise-llama4.llmplan"
SIZE_BUDGET_MB = 200
BUILD_TIMEOUT_S = 1200
CLI = ["estimate", "--model", "llama-3.1-8b", "--gpu", "rtx-4090", "--quant", "bf16"]


def _exe_in(dist: Path) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    if sys.platform == "darwin":
        app = dist / "LLM Deployment Planner.app" / "Contents" / "MacOS" / "llm-planner"
        if app.exists():
            return app
    return dist / "llm-planner" / f"llm-planner{suffix}"


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The frozen executable, built once for the module into a temporary folder."""
    given = os.environ.get("LLM_PLANNER_FROZEN_EXE")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("pyinstaller")
    env = {k: v for k, v in os.environ.items() if k != "LLM_PLANNER_ONEFILE"}
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
        timeout=BUILD_TIMEOUT_S,
    )
    assert done.returncode == 0, f"PyInstaller failed:\n{done.stderr[-6000:]}"
    exe = _exe_in(out / "dist")
    assert exe.is_file(), f"no executable at {exe}"
    return exe


def run(
    args: Sequence[str | Path],
    extra_env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run headless, with the test's private LLM_PLANNER_HOME (set by tests/conftest.py)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(extra_env or {}))
    return subprocess.run(
        [str(a) for a in args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_version(frozen: Path) -> None:
    import planner

    done = run([frozen, "--version"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"llm-planner {planner.__version__}"


def test_self_test(frozen: Path) -> None:
    done = run([frozen, "gui", "--self-test"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test: ok" in done.stdout


def test_screenshots(frozen: Path, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    done = run([frozen, "gui", "--screenshots", shots], timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    pngs = sorted(shots.glob("*.png"))
    assert len(pngs) >= 20, f"only {len(pngs)} PNG files"
    for pattern in ("*-light-step1-*.png", "*-dark-result1-*.png", "*-slide1.png"):
        found = sorted(shots.glob(pattern))
        assert found, f"no {pattern}"
        data = found[0].read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, found[0].name


def test_cli_prints_the_same_json_as_from_source(frozen: Path) -> None:
    frozen_run = run([frozen, *CLI, "--format", "json"])
    source_run = run([sys.executable, "-m", "ui.entry", *CLI, "--format", "json"])
    assert frozen_run.returncode == 0, frozen_run.stderr
    assert source_run.returncode == 0, source_run.stderr
    assert json.loads(frozen_run.stdout) == json.loads(source_run.stdout)


def test_opens_a_plan_file_like_a_file_manager(frozen: Path) -> None:
    """`llm-planner FILE.llmplan` (.desktop Exec, Windows association) opens the GUI."""
    done = run([frozen, EXAMPLE], {"LLM_PLANNER_QUIT_AFTER_SHOWN": "1"}, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "usage" not in done.stderr.lower()


def test_bundle_contents(frozen: Path) -> None:
    if sys.platform == "darwin" and ".app" in str(frozen):
        internal = frozen.parents[1] / "Resources"
    else:
        internal = frozen.parent / "_internal"
    assert (internal / "resources" / "catalog" / "models.json").is_file()
    assert (internal / "resources" / "icons" / "llm-planner.png").is_file()
    names = {p.relative_to(internal).as_posix() for p in internal.rglob("*")}
    unwanted = ("PyQt5", "PyQt6", "PySide2", "tkinter", "matplotlib", "scipy", "IPython")
    for prefix in unwanted:
        assert not any(n.startswith(prefix) for n in names), prefix
    assert not any("/translations/" in n for n in names)
    assert not any("qgtk3" in n for n in names)
    assert not any("QtWebEngine" in n for n in names)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the size budget is for Linux")
def test_linux_size_budget(frozen: Path) -> None:
    folder = frozen.parent
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    assert size / 1e6 < SIZE_BUDGET_MB, f"{size / 1e6:.1f} MB"
    assert (folder / "_internal" / "fonts" / "DejaVuSans.ttf").is_file() or not Path(
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    ).is_file()
