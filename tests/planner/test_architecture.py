"""The domain layer stays free of Qt, reads nothing outside the project, and never networks."""

from __future__ import annotations

import json
import pkgutil
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_socket import SocketBlockedError

import planner

ROOT = Path(__file__).resolve().parents[2]
QT_MODULES = ("PySide6", "pyqtgraph", "shiboken6", "ui")


def test_planner_imports_no_qt_in_a_fresh_interpreter() -> None:
    modules = [m.name for m in pkgutil.walk_packages(planner.__path__, "planner.")]
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = json.loads(out.stdout)
    assert len(modules) > 10
    bad = [m for m in loaded if m.split(".")[0] in QT_MODULES]
    assert bad == []


def test_import_linter_contract_holds() -> None:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    out = subprocess.run([exe], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 kept, 0 broken" in out.stdout


def test_project_code_never_reads_shared_folder() -> None:
    # The reference folder beside a developer's checkout is not in a clone or an install.
    needle = "/".join(("..", "shared"))
    offenders = []
    for folder in ("planner", "tests", "benchmarks", ".ci"):
        for path in (ROOT / folder).rglob("*"):
            if (
                path.is_file()
                and path.suffix in (".py", "")
                and needle in path.read_text(encoding="utf-8", errors="ignore")
            ):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")
def test_sockets_are_disabled_in_tests() -> None:
    with pytest.raises(SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9), timeout=0.5)
