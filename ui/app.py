"""`llm-planner gui [PLAN] [--screenshots DIR] [--self-test]`: the desktop application."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

EXAMPLE_PLAN = "examples/enterprise-llama4.llmplan"
# Set to 1 to quit right after the window is shown with its first results and painted (the
# startup benchmark and the packaged-binary smoke test use it); the app then prints
# USABLE_LINE to stdout at that moment.
ENV_QUIT_AFTER_SHOWN = "LLM_PLANNER_QUIT_AFTER_SHOWN"
USABLE_LINE = "usable"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="llm-planner gui", description="Open the desktop planner (optionally with a plan)."
    )
    p.add_argument("plan", nargs="?", type=Path, help="a .llmplan file to open")
    p.add_argument(
        "--screenshots",
        type=Path,
        metavar="DIR",
        help="render every step, plot and slide offscreen to PNG files in DIR, then exit",
    )
    p.add_argument(
        "--self-test",
        action="store_true",
        help="load the example plan, compute, render and export a PDF offscreen; exit 0 if all "
        "worked",
    )
    p.add_argument("--example", action="store_true", help="open the bundled example plan")
    return p.parse_args(list(argv))


def example_plan() -> Path:
    from planner.paths import resources_dir

    return resources_dir() / EXAMPLE_PLAN


def _app(offscreen: bool) -> QApplication:
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("LLM Deployment Planner")
    app.setOrganizationName("llm-planner")
    app.setDesktopFileName("llm-planner")
    return app


def make_window(  # type: ignore[no-untyped-def]
    plan_path: Path | None, offer_recovery: bool = True, compute: bool = True
):
    """The context, presenter and main window, with `plan_path` opened (or a new plan), and
    its results computed unless `compute` is False (the caller then shows the window first,
    so the plots are drawn once, at the window's size)."""
    from planner.paths import state_dir, user_dir
    from ui.context import load_context
    from ui.main_window import MainWindow
    from ui.presenter import Presenter
    from ui.settings import config_dir, load_settings
    from ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    settings = load_settings(config_dir())
    dark = apply_theme(app, settings.theme)
    context = load_context(user_dir(), state_dir())
    presenter = Presenter(context)
    window = MainWindow(presenter, settings, dark)
    recovered = offer_recovery and window.docs.offer_recovery()
    if plan_path is not None and not recovered:
        window.docs.load(plan_path)
    if compute:
        presenter.recompute()
    return window


def no_display() -> bool:
    """True on a Linux machine without a graphical session (an SSH login, a container)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    headless = args.screenshots is not None or args.self_test
    if not headless and no_display():
        print(
            "llm-planner: error: no display for the desktop app (DISPLAY and WAYLAND_DISPLAY are "
            "unset); the command line works without one (llm-planner --help)",
            file=sys.stderr,
        )
        return 2
    app = _app(offscreen=headless)
    plan = args.plan or (example_plan() if (args.example or headless) else None)
    if args.self_test:
        from ui.selftest import self_test

        return self_test(plan)
    if args.screenshots is not None:
        from ui.selftest import screenshots

        return screenshots(plan, args.screenshots)
    window = make_window(plan, compute=False)
    _follow_system_theme(app, window)
    if sys.platform == "darwin":  # only macOS sends FileOpen; a filter sees every event
        app.installEventFilter(_FileOpener(window))
    window.show()
    window.p.recompute()
    if os.environ.get(ENV_QUIT_AFTER_SHOWN) == "1":
        # Startup measurements: leave as soon as the window is shown with its results.
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: _usable_then_close(app, window))
    code = app.exec()
    from ui.settings import config_dir, save_settings

    save_settings(config_dir(), window.settings)
    return int(code)


def _usable_then_close(app: QApplication, window) -> None:  # type: ignore[no-untyped-def]
    app.processEvents()  # the first paint
    if sys.stdout is not None:  # a windowed Windows build has none
        print(USABLE_LINE, flush=True)
    window.p.undo_stack.setClean()
    window.close()


class _FileOpener(QObject):
    """macOS hands a plan opened in Finder to the running app as a FileOpen event."""

    def __init__(self, window) -> None:  # type: ignore[no-untyped-def]
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            path = event.file()
            if path:
                self.window.docs.open(Path(path))
                return True
        return super().eventFilter(watched, event)


def _follow_system_theme(app: QApplication, window) -> None:  # type: ignore[no-untyped-def]
    from ui.theme import apply_theme

    def changed(_scheme: object) -> None:
        if window.settings.theme == "system":
            window.set_dark(apply_theme(app, "system"))

    app.styleHints().colorSchemeChanged.connect(changed)


if __name__ == "__main__":
    raise SystemExit(main())
