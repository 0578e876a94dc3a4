"""The `llm-planner gui` entry: headless modes, and a clear message where there is no display."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ui.entry import main as entry_main

ROOT = Path(__file__).resolve().parents[2]


def test_without_a_display_the_app_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert entry_main(["gui"]) == 2
    err = capsys.readouterr().err
    assert "no display" in err and err.count("\n") == 1


def test_self_test_runs_headless(tmp_path: Path) -> None:
    env = {"LLM_PLANNER_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "ui.entry", "gui", "--self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "self-test: ok: 2 scenario(s)" in done.stdout


def test_screenshots_of_one_size_and_theme(qtbot: object, tmp_path: Path) -> None:
    from ui.selftest import screenshots

    example = ROOT / "resources/examples/enterprise-llama4.llmplan"
    assert screenshots(example, tmp_path, sizes=((1366, 768),), themes=("light",)) == 0
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    steps = [n for n in names if "-step" in n]
    results = [n for n in names if "-result" in n]
    slides = [n for n in names if "-slide" in n]
    assert len(steps) == 5 and len(results) == 6 and len(slides) >= 4
    assert all((tmp_path / n).stat().st_size > 10_000 for n in names)


def test_switching_theme_keeps_the_style_and_changes_the_palette(qtbot: object) -> None:
    """The Fusion style is set once; a theme change only swaps the palette (a new style
    re-polishes every widget, and replacing it with widgets built since crashed at times)."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "light")
    style = app.style()
    assert style.name().lower() == "fusion"
    light = app.palette().color(QPalette.ColorRole.Window)
    assert apply_theme(app, "dark") is True
    assert app.style() is style
    assert app.palette().color(QPalette.ColorRole.Window) != light
    assert apply_theme(app, "light") is False and app.style() is style
