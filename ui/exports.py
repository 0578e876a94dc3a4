"""File > Export, the presentation, and the Help dialogs of the main window."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from planner import __version__
from planner.fileio import atomic_write_text

if TYPE_CHECKING:
    from ui.main_window import MainWindow

REPORT_FILTERS = {
    "md": "Markdown (*.md)",
    "html": "HTML (*.html)",
    "csv": "CSV (*.csv)",
    "pdf": "PDF (*.pdf)",
    "png": "PNG image (*.png)",
    "svg": "SVG image (*.svg)",
}


def _target(w: MainWindow, what: str, suffix: str, stem: str | None = None) -> Path | None:
    folder = w.docs.last_dir or Path.home()
    base = stem or w.docs._stem()
    path = w.dialogs.save_path(
        f"Export {what}", folder / f"{base}.{suffix}", REPORT_FILTERS[suffix]
    )
    if path is None:
        return None
    return path if path.suffix.lower() == f".{suffix}" else path.with_name(f"{path.name}.{suffix}")


def chart_images(w: MainWindow) -> list[tuple[str, QImage]]:
    """The current scenario's plots as pictures, for the PDF: each drawn from the latest
    results, at least the size of the results pane (a tab never shown has no size yet)."""
    name = w.p.scenario.name if w.p.scenario else ""
    pane = w.tabs.currentWidget().size()
    out = []
    for view in (w.vram, w.throughput, w.cost):
        w.bring_up_to_date(view)
        view.resize(max(pane.width(), 900), max(pane.height(), 500))
        out.append((f"{name}: {view.title}", view.grab().toImage()))
    return out


def export_pdf(w: MainWindow, path: Path | None = None, background: bool = False) -> bool:
    """Write the PDF report. The content and the chart pictures are taken on the UI thread;
    with `background` the PDF is laid out and written on the thread pool (the menu does
    that), and the status bar says when it is done."""
    path = path or _target(w, "report as PDF", "pdf")
    if path is None:
        return False
    from ui.pdf import report_sections, write_pdf

    title = w.p.plan.title or w.docs._stem()
    client = w.p.plan.client
    try:
        sections = report_sections(w.p.context.catalog, w.p.plan)
        images = chart_images(w)
    except (OSError, ValueError) as exc:
        w.dialogs.error("Cannot export the report", str(exc))
        return False

    def write() -> Path:
        write_pdf(path, title, client, sections, images)
        return path

    w.statusBar().showMessage(f"Writing {path.name}…")
    if background:
        w.jobs.submit("export", write)
        return True
    try:
        write()
    except (OSError, ValueError) as exc:
        w.dialogs.error("Cannot export the report", str(exc))
        return False
    w.statusBar().showMessage(f"Wrote {path}", 8000)
    return True


def export_report(w: MainWindow, fmt: str, path: Path | None = None) -> bool:
    path = path or _target(w, f"report as {fmt.upper()}", fmt)
    if path is None:
        return False
    from planner.cli_report import plan_text

    plan = w.p.plan
    try:
        text = plan_text(w.p.context.catalog, plan, fmt, plan.title or w.docs._stem())
        atomic_write_text(path, text)
    except (OSError, ValueError) as exc:
        w.dialogs.error("Cannot export the report", str(exc))
        return False
    w.statusBar().showMessage(f"Wrote {path}", 8000)
    return True


def export_plot(w: MainWindow, fmt: str, path: Path | None = None) -> bool:
    view = w.tabs.currentWidget()
    from ui.plots.base import ResultView

    if not isinstance(view, ResultView):
        return False
    stem = f"{w.docs._stem()}-{view.title.lower()}"
    path = path or _target(w, f"{view.title} as {fmt.upper()}", fmt, stem)
    if path is None:
        return False
    from ui.plots.export import export_png, export_svg

    try:
        if fmt == "csv":
            atomic_write_text(path, view.csv_text())
        elif fmt == "png":
            export_png(view.plot_widget() or view, path)
        else:
            export_svg(view.plot_widget() or view, path)
    except (OSError, ValueError, RuntimeError) as exc:
        w.dialogs.error("Cannot export the plot", str(exc))
        return False
    w.statusBar().showMessage(f"Wrote {path}", 8000)
    return True


def present(w: MainWindow, full_screen: bool = True) -> None:
    from ui.presentation import PresentationWindow, slides_for

    plan = w.p.plan
    slides = slides_for(plan, w.p.dashboards())
    win = PresentationWindow(plan.title or w.docs._stem(), plan.client, slides)
    win.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    win.closed.connect(lambda: setattr(w, "presentation", None))
    w.presentation = win
    if full_screen:
        win.show_presentation()
    else:
        win.show()


def edit_plan_details(w: MainWindow) -> None:
    plan = w.p.plan
    dlg = QDialog(w)
    dlg.setWindowTitle("Plan details")
    form = QFormLayout(dlg)
    title = QLineEdit(plan.title)
    title.setToolTip("Shown on reports and on the presentation's title slide")
    client = QLineEdit(plan.client)
    client.setToolTip("Who the plan is prepared for")
    notes = QPlainTextEdit(plan.notes)
    notes.setToolTip("The question the plan answers; printed at the top of reports")
    form.addRow("Title:", title)
    form.addRow("Client:", client)
    form.addRow("Notes:", notes)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dlg.accept)
    buttons.rejected.connect(dlg.reject)
    form.addRow(buttons)
    dlg.resize(560, 360)
    if dlg.exec() == QDialog.DialogCode.Accepted:
        w.p.set_plan_fields(
            title=title.text().strip(), client=client.text().strip(), notes=notes.toPlainText()
        )


def data_sources(w: MainWindow) -> None:
    from planner.sources import data_sources as rows_of

    rows = rows_of(w.p.context.catalog, w.p.context.snapshots)
    dlg = QDialog(w)
    dlg.setWindowTitle("Data sources")
    lay = QVBoxLayout(dlg)
    lay.addWidget(
        QLabel(
            f"{len(rows)} figures and where they come from. Assumed values are "
            "marked in the last column."
        )
    )
    table = QTableWidget(len(rows), 5)
    table.setHorizontalHeaderLabels(["Kind", "Entry", "As of", "Source", "Assumed"])
    for r, row in enumerate(rows):
        for c, text in enumerate((row.kind, row.name, row.as_of, row.source, row.assumed)):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(r, c, item)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.setColumnWidth(0, 120)
    table.setColumnWidth(1, 260)
    table.setColumnWidth(2, 80)
    table.setColumnWidth(3, 420)
    header.setStretchLastSection(True)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSortingEnabled(True)
    lay.addWidget(table)
    close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    close.rejected.connect(dlg.reject)
    lay.addWidget(close)
    dlg.resize(1100, 640)
    dlg.exec()


def about_text(w: MainWindow) -> str:
    import numpy
    import pydantic
    import pyqtgraph
    import PySide6
    from PySide6.QtCore import qVersion

    from planner.sources import data_dates

    dates = "".join(f"<li>{k}: {v}</li>" for k, v in data_dates(w.p.context.snapshots).items())
    return (
        f"<h3>LLM Deployment Planner {__version__}</h3>"
        "<p>Plans open-weight LLM deployments offline: memory fit, speed and cost against "
        "closed APIs. No network access, ever.</p>"
        f"<p>Python {platform.python_version()}, Qt {qVersion()}, PySide6 {PySide6.__version__}, "
        f"pyqtgraph {pyqtgraph.__version__}, numpy {numpy.__version__}, "
        f"pydantic {pydantic.__version__}</p>"
        f"<p>Data as of:</p><ul>{dates}</ul>"
        "<p>Help &gt; Data sources lists every figure's source.</p>"
    )


def about(w: MainWindow) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.about(w, "About LLM Deployment Planner", about_text(w))
