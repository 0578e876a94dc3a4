"""The whole window: the guided flow, files through faked dialogs, undo, export, presenting."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pdfcheck import pdf_string
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

import planner.hardware.detect  # noqa: F401  (the module whose detect() is faked)
from planner.hardware.models import DetectedGpu, Detection, HostInfo
from planner.plan.io import load_plan
from planner.plan.recent import Recovery
from planner.plan.schema import Plan
from ui.context import AppContext
from ui.documents import Answer
from ui.main_window import MainWindow
from ui.pages.model import ID_ROLE
from ui.presenter import Presenter
from ui.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "resources/examples/enterprise-llama4.llmplan"


class FakeDialogs:
    def __init__(self) -> None:
        self.open_answer: Path | None = None
        self.save_answer: Path | None = None
        self.unsaved: Answer = "discard"
        self.errors: list[tuple[str, str]] = []

    def open_path(self, caption: str, filter: str) -> Path | None:
        return self.open_answer

    def save_path(self, caption: str, suggested: Path, filter: str) -> Path | None:
        return self.save_answer

    def ask_unsaved(self, name: str) -> Answer:
        return self.unsaved

    def ask_recover(self, recovery: Recovery) -> bool:
        return False

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))


def make(qtbot: QtBot, context: AppContext, plan: Plan | None = None) -> MainWindow:
    w = MainWindow(Presenter(context, plan), Settings())
    fake = FakeDialogs()
    w.dialogs = fake  # type: ignore[assignment]
    w.docs.dialogs = fake
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    with qtbot.waitSignal(w.p.computed, timeout=5000):
        w.p.schedule()
    return w


def click_id(qtbot: QtBot, table: QTableView, item_id: str) -> None:
    model = table.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(ID_ROLE) == item_id)
    index = model.index(row, 0)
    table.scrollTo(index)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )


def fake_detection(**_: Any) -> Detection:
    gpu = DetectedGpu(
        vendor="nvidia",
        name="NVIDIA H100 80GB HBM3",
        index=0,
        source="nvml",
        catalog_id="h100-sxm",
        memory_total_gib=79.6,
    )
    return Detection(
        gpus=(gpu, gpu.model_copy(update={"index": 1})),
        host=HostInfo(cpu_model="Test CPU", logical_cores=64, ram_total_gib=512.0),
        notes=("AMD: neither amd-smi nor rocm-smi is installed",),
    )


def test_guided_flow_model_quant_detect(
    qtbot: QtBot, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = make(qtbot, context)
    assert w.p.last is not None and w.p.last.dashboard is not None
    assert w.summary.fit.big.text() == "Fits"  # the default: Llama 3.1 8B on one L40S
    # 1. Model: a 70B model in 16-bit does not fit one 48 GB card.
    w.go_to_step(0)
    with qtbot.waitSignal(w.p.computed, timeout=5000) as sig:
        click_id(qtbot, w.model_page.table, "llama-3.1-70b")
    assert w.p.scenario is not None and w.p.scenario.model == "llama-3.1-70b"
    assert sig.args[0].dashboard is not None and not sig.args[0].dashboard.fits
    assert w.summary.fit.big.text() == "Does not fit"
    # 2. Quantization: the suggestion (smallest loss that fits) makes it fit.
    w.go_to_step(1)
    assert w.quant_page.use_button.isEnabled()
    with qtbot.waitSignal(w.p.computed, timeout=5000) as sig:
        qtbot.mouseClick(w.quant_page.use_button, Qt.MouseButton.LeftButton)
    assert sig.args[0].dashboard.fits
    assert w.summary.fit.big.text() == "Fits"
    chosen = w.p.scenario.quant
    assert context.catalog.quants[chosen].bits_per_weight < 16
    # 3. Hardware: detection (a fake probe) off the UI thread, then use what it found.
    import sys

    monkeypatch.setattr(sys.modules["planner.hardware.detect"], "detect", fake_detection)
    w.go_to_step(2)
    with qtbot.waitSignal(w.jobs.result, timeout=5000):
        qtbot.mouseClick(w.hardware_page.detect_button, Qt.MouseButton.LeftButton)
        assert not w.hardware_page.detect_button.isEnabled()  # busy while it runs
    assert w.hardware_page.detect_button.isEnabled()
    assert "neither amd-smi nor rocm-smi" in w.hardware_page.notes_label.text()
    with qtbot.waitSignal(w.p.computed, timeout=5000) as sig:
        w.hardware_page.use_button.click()  # below the fold of the page's scroll area
    item = w.p.scenario.deployed
    assert (item.gpu, item.count, item.acquisition) == ("h100-sxm", 2, "owned")
    assert w.p.scenario.detected_hardware is not None
    d = sig.args[0].dashboard
    assert d.estimate.deployment.gpu.id == "h100-sxm"
    assert "H100" in w.summary.fit.small.text()
    # Every change was one undo step, and undo walks back through them.
    assert w.p.undo_stack.count() == 3
    w.p.undo_stack.undo()
    assert w.p.scenario.deployed.gpu == "l40s"
    w.p.undo_stack.undo()
    assert w.p.scenario.quant == "bf16"
    w.p.undo_stack.redo()
    assert w.p.scenario.quant == chosen
    w.p.undo_stack.setClean()


def test_open_save_and_a_damaged_file(qtbot: QtBot, context: AppContext, tmp_path: Path) -> None:
    w = make(qtbot, context)
    src = tmp_path / "example.llmplan"
    shutil.copy(EXAMPLE, src)
    w.dialogs.open_answer = src  # type: ignore[attr-defined]
    w.docs.open()
    assert w.p.path == src
    assert w.scenario_box.count() == 2
    assert "example.llmplan" in w.windowTitle()
    w.p.apply({"kv_quant": "fp8"})
    assert w.isWindowModified()
    w.dialogs.save_answer = tmp_path / "saved.llmplan"  # type: ignore[attr-defined]
    assert w.docs.save_as()
    assert not w.isWindowModified() and "saved.llmplan" in w.windowTitle()
    assert load_plan(tmp_path / "saved.llmplan", backup=False).plan.scenarios[0].kv_quant == "fp8"
    # A damaged file: a message, and the plan on screen stays.
    bad = tmp_path / "bad.llmplan"
    bad.write_bytes(b"\x00garbage")
    before = w.p.plan
    w.docs.open(bad)
    assert w.dialogs.errors  # type: ignore[attr-defined]
    assert w.p.plan is before and w.p.path == tmp_path / "saved.llmplan"


def test_scenario_box_switches_scenarios(
    qtbot: QtBot, context: AppContext, example_plan: Plan
) -> None:
    w = make(qtbot, context, example_plan)
    with qtbot.waitSignal(w.p.computed, timeout=5000) as sig:
        w.scenario_box.activated.emit(1)
    assert w.p.plan.selected == 1
    assert sig.args[0].dashboard.estimate.deployment.model.id == "llama-4-maverick-17b-128e"
    assert not w.p.dirty  # selecting is not an edit


def test_export_pdf_and_reports(
    qtbot: QtBot, context: AppContext, example_plan: Plan, tmp_path: Path
) -> None:
    from ui import exports

    w = make(qtbot, context, example_plan)
    # The charts come from every plot tab, drawn from the latest results even when their tab
    # was never shown.
    for name, image in exports.chart_images(w):
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 7)
            for y in range(0, image.height(), 7)
        }
        assert len(colours) > 20, f"{name} is blank"
    pdf = tmp_path / "report.pdf"
    assert exports.export_pdf(w, pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    title = example_plan.title
    assert pdf_string(data, "Title") == title
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert pages > 1  # the report and its charts
    # From the menu the PDF is written on the thread pool; the window stays responsive.
    later = tmp_path / "later.pdf"
    with qtbot.waitSignal(w.jobs.result, timeout=20000) as sig:
        assert exports.export_pdf(w, later, background=True)
    assert sig.args == ["export", later]
    assert later.read_bytes().startswith(b"%PDF")
    assert "later.pdf" in w.statusBar().currentMessage()
    md = tmp_path / "report.md"
    assert exports.export_report(w, "md", md)
    text = md.read_text()
    assert title in text and example_plan.scenarios[1].name in text
    w.tabs.setCurrentWidget(w.throughput)
    csv = tmp_path / "throughput.csv"
    assert exports.export_plot(w, "csv", csv)
    assert csv.read_text().count("\n") > 3
    png = tmp_path / "throughput.png"
    assert exports.export_plot(w, "png", png)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_presentation_keys(qtbot: QtBot, context: AppContext, example_plan: Plan) -> None:
    from ui import exports

    w = make(qtbot, context, example_plan)
    exports.present(w, full_screen=False)
    show = w.presentation
    assert show is not None
    qtbot.addWidget(show)
    assert show.counter_text() == f"1 / {show.count}"
    qtbot.keyClick(show, Qt.Key.Key_Right)
    qtbot.keyClick(show, Qt.Key.Key_Right)
    assert show.index == 2
    qtbot.keyClick(show, Qt.Key.Key_Left)
    assert show.index == 1
    qtbot.keyClick(show, Qt.Key.Key_End)
    assert show.index == show.count - 1
    with qtbot.waitSignal(show.closed, timeout=2000):
        qtbot.keyClick(show, Qt.Key.Key_Escape)


def test_dropping_a_plan_opens_it(qtbot: QtBot, context: AppContext, tmp_path: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    w = make(qtbot, context)
    src = tmp_path / "dropped.llmplan"
    shutil.copy(EXAMPLE, src)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(src))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    w.dropEvent(event)
    assert w.p.path == src


def test_menus_have_standard_shortcuts(qtbot: QtBot, context: AppContext) -> None:
    from PySide6.QtGui import QKeySequence

    w = make(qtbot, context)
    shortcuts = {
        a.text().replace("&", ""): a.shortcut()
        for menu in w.menuBar().findChildren(type(w.menuBar().addMenu("x")))
        for a in menu.actions()
    }
    std = QKeySequence.StandardKey
    assert shortcuts["New plan"] == QKeySequence(std.New)
    assert shortcuts["Open…"] == QKeySequence(std.Open)
    assert shortcuts["Save"] == QKeySequence(std.Save)
    assert shortcuts["Undo"] == QKeySequence(std.Undo)
    assert shortcuts["Presentation mode"] == QKeySequence("F5")


def test_a_plan_opened_from_the_desktop_while_running(
    qtbot: QtBot, context: AppContext, tmp_path: Path
) -> None:
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from ui.app import _FileOpener

    w = make(qtbot, context)
    src = tmp_path / "from-finder.llmplan"
    shutil.copy(EXAMPLE, src)
    app = QApplication.instance()
    opener = _FileOpener(w)
    app.installEventFilter(opener)
    try:
        QApplication.sendEvent(app, QFileOpenEvent(str(src)))
    finally:
        app.removeEventFilter(opener)
    assert w.p.path == src


def test_window_state_is_remembered(qtbot: QtBot, context: AppContext, tmp_path: Path) -> None:
    from ui.settings import load_settings, save_settings

    w = make(qtbot, context)
    w.resize(1200, 700)
    w.go_to_step(3)
    w.tabs.setCurrentWidget(w.cost)
    w.remember()
    save_settings(tmp_path, w.settings)
    again = MainWindow(Presenter(context), load_settings(tmp_path))
    qtbot.addWidget(again)
    assert again.stack.currentIndex() == 3
    assert again.tabs.currentWidget() is again.cost
    # The size comes back (the offscreen screen may narrow the width to fit it).
    assert again.height() == 700 and again.width() <= 1200
    # Only what differs from the defaults is written; a damaged file gives the defaults.
    (tmp_path / "settings.json").write_text("{not json")
    assert load_settings(tmp_path) == Settings()


def test_steps_and_result_tabs_are_built_when_first_shown(
    qtbot: QtBot, context: AppContext, example_plan: Plan
) -> None:
    """The window opens with the page and result tab on screen built; every other one is
    built when it is first shown, and then shows the current scenario and results."""
    from ui.plots.compare import CompareView
    from ui.plots.style import Style
    from ui.plots.throughput import ThroughputView
    from ui.plots.vram import VramView

    w = make(qtbot, context, example_plan)
    assert [s.widget is not None for s in w._pages] == [True, False, False, False, False]
    built = w.tabs.built_pages()
    assert isinstance(w.tabs.currentWidget(), VramView)
    assert not any(isinstance(v, ThroughputView | CompareView) for v in built)

    scenario = w.p.scenario
    assert scenario is not None
    w.go_to_step(1)  # Quantization, built now, shows the scenario's format
    assert w._pages[1].widget is w.quant_page and w.current_page() is w.quant_page
    assert w.quant_page._current == scenario.quant
    assert w.quant_page.table_model.options  # its options were computed for it

    w.set_dark(True)
    w.tabs.setCurrentIndex(1)  # Throughput: built, themed and drawn from the latest results
    view = w.tabs.currentWidget()
    assert isinstance(view, ThroughputView) and view is w.throughput
    assert view.st == Style(dark=True)
    assert view.dashboard is w.p.last.dashboard  # type: ignore[union-attr]
    assert view.rows
    assert w.tabs.indexOf(view) == 1 and w.tabs.widget(1) is view
    w.tabs.setCurrentWidget(w.vram)
    assert w.tabs.currentIndex() == 0

    w.tabs.setCurrentWidget(w.compare)  # the plan's scenarios side by side
    table = w.compare.table
    assert table.columnCount() == len(example_plan.scenarios)
    assert [table.horizontalHeaderItem(i).text() for i in range(2)] == [
        s.name for s in example_plan.scenarios
    ]
