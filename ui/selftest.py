"""Headless checks of the whole app: `--self-test` and `--screenshots DIR` (also used by the
tests and the packaged-binary smoke test)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

SIZES = ((1366, 768), (1920, 1080))


def _settle(window) -> None:  # type: ignore[no-untyped-def]
    """Let queued work finish: debounced recomputes, background jobs, their signals."""
    app = QApplication.instance()
    assert app is not None
    for _ in range(3):
        window.jobs.wait(30_000)
        app.processEvents()
    window.p.recompute()
    app.processEvents()


def self_test(plan: Path | None) -> int:
    from ui.app import make_window
    from ui.exports import export_pdf

    start = time.perf_counter()
    problems: list[str] = []
    window = make_window(plan, offer_recovery=False)
    window.dialogs.error = lambda title, text: problems.append(f"{title}: {text}")  # type: ignore[method-assign]
    window.resize(*SIZES[0])
    window.show()
    _settle(window)
    last = window.p.last
    if last is None or last.dashboard is None:
        problems.append(f"no results computed ({last.error if last else 'nothing ran'})")
    image = window.grab().toImage()
    if image.isNull() or image.width() < 800:
        problems.append("the window did not render")
    for i in range(len(window.views)):
        window.tabs.setCurrentIndex(i)
        QApplication.processEvents()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "self-test.pdf"
        if not export_pdf(window, pdf):
            problems.append("the PDF export failed")
        elif not pdf.read_bytes().startswith(b"%PDF") or pdf.stat().st_size < 10_000:
            problems.append("the PDF export wrote no PDF")
    window.p.undo_stack.setClean()
    window.close()
    scenarios = len(window.p.plan.scenarios)
    for line in problems:
        print(f"self-test: {line}", file=sys.stderr)
    took = time.perf_counter() - start
    print(
        f"self-test: {'FAILED' if problems else 'ok'}: {scenarios} scenario(s), "
        f"catalog of {len(window.p.context.catalog.models)} models, PDF exported, {took:.1f} s"
    )
    return 1 if problems else 0


def screenshots(
    plan: Path | None,
    folder: Path,
    sizes: tuple[tuple[int, int], ...] = SIZES,
    themes: tuple[str, ...] = ("light", "dark"),
) -> int:
    from ui.app import make_window
    from ui.exports import present
    from ui.theme import apply_theme

    folder.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window = make_window(plan, offer_recovery=False)
    window.show()
    window.detect()
    _settle(window)
    window.recommend.search_requested.emit(window.recommend.constraints())
    _settle(window)
    written = 0
    for theme in themes:
        window.set_dark(apply_theme(app, theme))  # type: ignore[arg-type]
        for w, h in sizes:
            window.resize(w, h)
            tag = f"{w}x{h}-{theme}"
            for i, page in enumerate(window.pages):
                window.go_to_step(i)
                window.tabs.setCurrentIndex(min(i, len(window.views) - 1))
                _settle(window)
                window.grab().save(str(folder / f"{tag}-step{i + 1}-{page.title.lower()}.png"))
                written += 1
            window.go_to_step(0)
            for i, view in enumerate(window.views):
                window.tabs.setCurrentIndex(i)
                _settle(window)
                name = view.title.lower().replace(" ", "-")
                window.grab().save(str(folder / f"{tag}-result{i + 1}-{name}.png"))
                written += 1
            present(window, full_screen=False)
            show = window.presentation
            assert show is not None
            show.resize(w, h)
            for n in range(show.count):
                show.go(n)
                app.processEvents()
                show.grab().save(str(folder / f"{tag}-slide{n + 1}.png"))
                written += 1
            show.close()
            app.processEvents()
    window.p.undo_stack.setClean()
    window.close()
    print(f"screenshots: wrote {written} PNG files to {folder}")
    return 0
