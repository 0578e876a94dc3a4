"""The PDF report (ui/pdf.py) and the presentation window (ui/presentation.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pdfcheck import pdf_string
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from planner.catalog.load import bundled_catalog
from planner.cli_report import render_plan
from planner.dashboard import Dashboard, dashboard
from planner.plan.io import load_plan
from planner.plan.schema import Plan
from planner.report.document import to_markdown
from ui.pdf import page_images, report_sections, write_pdf
from ui.presentation import PresentationWindow, Slide, scenario_slides, slides_for, usd

EXAMPLE = Path(__file__).parents[2] / "resources" / "examples" / "enterprise-llama4.llmplan"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(EXAMPLE, backup=False).plan


@pytest.fixture(scope="module")
def dashboards(plan: Plan) -> list[Dashboard]:
    catalog = bundled_catalog()
    return [dashboard(catalog, s) for s in plan.scenarios]


def _grab() -> QImage:
    image = QImage(800, 450, QImage.Format.Format_RGB32)
    image.fill(QColor("#dde4ee"))
    return image


# -- PDF ------------------------------------------------------------------------------------


def test_report_sections_are_those_of_the_report_command(plan: Plan) -> None:
    catalog = bundled_catalog()
    sections = report_sections(catalog, plan)
    assert sections[0].title == "Notes"
    assert to_markdown(plan.title, plan.client, sections) == render_plan(catalog, EXAMPLE, "md")


def test_write_pdf(qtbot: QtBot, tmp_path: Path, plan: Plan) -> None:
    sections = report_sections(bundled_catalog(), plan)
    assert any(sec.charts for sec in sections)
    out = tmp_path / "report.pdf"
    out.write_bytes(b"old")  # replaced whole
    write_pdf(out, plan.title, plan.client, sections, [("Throughput", _grab())])
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert data.rstrip().endswith(b"%%EOF")
    assert pdf_string(data, "Title") == plan.title
    assert pdf_string(data, "Creator")
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages > 1
    assert b"/Subtype /Image" in data  # the charts and the grab
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]  # no temp file left


def test_write_pdf_of_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "empty.pdf"
    write_pdf(out, "Untitled", "", [])
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1


def test_write_pdf_into_a_missing_folder_fails(qtbot: QtBot, tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_pdf(tmp_path / "nope" / "r.pdf", "T", "C", [])


def test_page_images_are_a4(qtbot: QtBot, plan: Plan) -> None:
    sections = report_sections(bundled_catalog(), plan)[:3]
    pages = page_images(plan.title, plan.client, sections, [("Throughput", _grab())], dpi=50)
    assert len(pages) >= 2  # the extra pictures start a page of their own
    for page in pages:
        assert abs(page.height() / page.width() - 297 / 210) < 0.01
    assert pages[0].pixelColor(2, 2) == QColor("white")


# -- presentation ---------------------------------------------------------------------------


def test_slides_for(plan: Plan, dashboards: list[Dashboard]) -> None:
    slides = slides_for(plan, dashboards)
    per_scenario = [scenario_slides(s, d) for s, d in zip(plan.scenarios, dashboards, strict=True)]
    assert [len(x) for x in per_scenario] == [4, 4]  # fit, speed, cost, savings
    assert len(slides) == 1 + 8 + 1
    title = slides[0]
    assert title.title_slide
    assert title.heading == plan.title
    assert "Prepared for Example Enterprise" in title.text()
    assert "29 November 2026" in title.text()
    assert slides[-1].heading == "Scenarios compared"
    assert slides[-1].table is not None
    assert [r[0] for r in slides[-1].table[1]] == [s.name for s in plan.scenarios]


def test_slides_show_the_dashboard_numbers(plan: Plan, dashboards: list[Dashboard]) -> None:
    slides = slides_for(plan, dashboards)
    d = dashboards[0]
    fit, speed, cost, savings = (s.text() for s in slides[1:5])
    est = d.estimate
    assert "Fits" in fit
    assert f"{est.memory.headroom_gib:.1f} GiB to spare per GPU" in fit
    assert f"{est.deployment.gpu_count} × {est.deployment.gpu.name}" in fit
    sp = est.speed
    assert sp is not None
    assert f"{sp.output_tokens_per_s_total:,.0f} tokens/s" in speed
    assert f"batch {sp.batch}" in speed
    assert f"{sp.ttft_ms:,.0f} ms" in speed and "2,000 ms target" in speed
    assert f"{sp.tpot_ms:.3g} ms" in speed and "50 ms target" in speed
    assert d.binding in speed
    own, cheap = d.self_hosted_line, d.cheapest_api
    assert own is not None and cheap is not None
    assert usd(own.usd_per_mtok) == "$1.51"
    assert "$1.51" in cost
    assert f"{usd(own.usd_per_mtok_low)}–{usd(own.usd_per_mtok_high)}" in cost
    assert f"{cheap.label} at {usd(cheap.usd_per_mtok)}" in cost
    cmp = d.result.comparison
    assert cmp is not None and cmp.break_even_tokens_per_month is not None
    assert f"${cmp.savings_usd:,.0f} a month" in savings
    assert "655 million tokens a month" in savings
    assert f"{cmp.payback_months:.1f} months" in savings
    table = slides[-1].table
    assert table is not None
    assert table[1][0][3] == "$1.51"


def test_formatting() -> None:
    assert usd(17289.26) == "$17,289"
    assert usd(1.5128) == "$1.51"
    assert usd(0.175) == "$0.175"
    assert usd(-15575.4) == "-$15,575"


def test_a_scenario_without_a_dashboard(plan: Plan, dashboards: list[Dashboard]) -> None:
    slides = slides_for(plan, [dashboards[0], None])
    assert len(slides) == 1 + 4 + 1 + 1
    assert "Not computed" in slides[5].text()
    assert slides[-1].table is not None
    assert slides[-1].table[1][1][1:] == ["–"] * 5


def test_window_keys(qtbot: QtBot, plan: Plan, dashboards: list[Dashboard]) -> None:
    slides = slides_for(plan, dashboards)
    w = PresentationWindow(plan.title, plan.client, slides)
    qtbot.addWidget(w)
    w.show()
    n = len(slides)
    assert w.counter_text() == f"1 / {n}"
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Space, Qt.Key.Key_PageDown):
        qtbot.keyClick(w, key)
    assert w.counter_text() == f"5 / {n}"
    for key in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp):
        qtbot.keyClick(w, key)
    assert w.counter_text() == f"2 / {n}"
    qtbot.keyClick(w, Qt.Key.Key_Backspace)
    qtbot.keyClick(w, Qt.Key.Key_Backspace)  # stays on the first
    assert w.counter_text() == f"1 / {n}"
    qtbot.keyClick(w, Qt.Key.Key_End)
    assert w.counter_text() == f"{n} / {n}"
    qtbot.keyClick(w, Qt.Key.Key_Right)  # stays on the last
    assert w.index == n - 1
    qtbot.keyClick(w, Qt.Key.Key_Home)
    assert w.index == 0
    qtbot.mouseClick(w, Qt.MouseButton.LeftButton)
    assert w.index == 1
    qtbot.mouseClick(w, Qt.MouseButton.RightButton)
    assert w.index == 0
    with qtbot.waitSignal(w.closed, timeout=1000):
        qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert not w.isVisible()


def test_window_renders_every_slide(qtbot: QtBot, plan: Plan, dashboards: list[Dashboard]) -> None:
    slides = slides_for(plan, dashboards)
    pixmap = QPixmap(600, 400)
    pixmap.fill(QColor("#88aabb"))
    slides[2].chart = pixmap
    chart = QWidget()
    slides[3].chart = chart
    w = PresentationWindow(plan.title, plan.client, slides)
    qtbot.addWidget(w)
    w.show()
    assert chart.parent() is w
    for size in ((1366, 768), (1920, 1080), (1024, 768)):
        w.resize(*size)
        for i in range(w.count):
            w.go(i)
            assert chart.isVisible() == (i == 3)
            image = w.grab().toImage()
            assert image.width() == size[0] * image.devicePixelRatio()
            assert not image.isNull()


def test_window_with_no_slides(qtbot: QtBot) -> None:
    w = PresentationWindow("T", "C", [])
    qtbot.addWidget(w)
    w.show()
    assert w.counter_text() == "1 / 1"
    assert isinstance(w.current(), Slide)
