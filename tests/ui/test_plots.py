"""The VRAM, Throughput and Cost plots draw what the dashboard holds, and export it."""

from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtGui

# isort: split
import pyqtgraph as pg
from pytestqt.qtbot import QtBot

from planner.catalog.load import bundled_catalog
from planner.dashboard import Dashboard, dashboard
from planner.plan.io import load_plan
from tests.ui.conftest import EXAMPLE
from ui.plots.cost import MAX_LINES, CostView, shown_lines
from ui.plots.export import export_png, export_svg
from ui.plots.style import PlotView, si
from ui.plots.throughput import ThroughputView
from ui.plots.vram import PARTS, VramView

CASES = ("first", "second", "no-costs", "no-fit", "none")


@pytest.fixture(scope="module")
def boards() -> dict[str, Dashboard | None]:
    cat = bundled_catalog()
    plan = load_plan(EXAMPLE, backup=False).plan
    s0 = plan.scenarios[0]
    small = s0.replace(
        hardware=(s0.hardware[0].replace(count=1, gpu="rtx-4090"),), tp=None, pp=None, ep=None
    )
    # Longer prompts: other numbers, the same shape (what is drawn, on which plots).
    longer = s0.workload.replace(input_tokens=s0.workload.input_tokens + 500)
    assert s0.cost_workload is not None
    costs = s0.cost_workload.model_copy(
        update={"input_tokens": s0.cost_workload.input_tokens + 500}
    )
    out: dict[str, Dashboard | None] = {
        "first": dashboard(cat, s0),
        "first-longer": dashboard(cat, s0.replace(workload=longer, cost_workload=costs)),
        "second": dashboard(cat, plan.scenarios[1]),
        "no-costs": dashboard(cat, s0.replace(cost_workload=None)),
        "no-fit": dashboard(cat, small),
        "none": None,
    }
    assert len(plan.scenarios) == 2
    assert out["no-fit"] is not None and not out["no-fit"].fits
    assert out["no-costs"] is not None and not out["no-costs"].cost_lines
    return out


def _view(qtbot: QtBot, cls: type[PlotView], board: Dashboard | None) -> PlotView:
    view = cls()
    qtbot.addWidget(view)
    view.resize(760, 460)
    view.show()
    qtbot.waitExposed(view)
    view.show_dashboard(board)
    return view


def _rows(view: PlotView) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(view.csv_text()))
    header = next(reader)
    return header, [dict(zip(header, r, strict=True)) for r in reader]


def _close(text: str, value: float) -> bool:
    return math.isclose(float(text), value, rel_tol=1e-8, abs_tol=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_vram_bars_and_context(qtbot: QtBot, boards: dict, case: str) -> None:
    d = boards[case]
    view = _view(qtbot, VramView, d)
    assert view.title == "VRAM"
    header, rows = _rows(view)
    assert "Weights (GiB)" in header and "largest context (tokens)" in header
    if d is None:
        assert rows == [] and view.bar_items == []
        return
    assert len(view.bar_items) == len(PARTS)
    for item, (_, attr, _) in zip(view.bar_items, PARTS, strict=True):
        assert list(item.opts["height"]) == pytest.approx([getattr(g, attr) for g in d.memory])
    mem_rows = [r for r in rows if r["series"] == "memory"]
    assert len(mem_rows) == len(d.memory)
    for r, g in zip(mem_rows, d.memory, strict=True):
        assert _close(r["Weights (GiB)"], g.weights_gib)
        assert _close(r["total (GiB)"], g.total_gib)
        assert _close(r["usable (GiB)"], g.usable_gib)
    ctx_rows = [r for r in rows if r["series"] == "context"]
    assert [(int(r["concurrency (sequences)"]), int(r["largest context (tokens)"])) for r in
            ctx_rows] == list(d.context_curve)  # fmt: skip
    if d.context_curve:
        assert view.context_item is not None
        assert list(view.context_item.yData) == [float(t) for _, t in d.context_curve]
    title = view.canvas.ci.getItem(0, 0).titleLabel.text
    assert ("does not fit" in title) == (not d.fits)
    # Hovering over the bar shows its numbers.
    text = view.hovers[0].hover_data(0, d.memory[0].total_gib / 2)
    assert text is not None and f"{d.memory[0].weights_gib:.1f} GiB" in text


@pytest.mark.parametrize("case", CASES)
def test_throughput_curves_bands_and_targets(qtbot: QtBot, boards: dict, case: str) -> None:
    d = boards[case]
    view = _view(qtbot, ThroughputView, d)
    assert view.title == "Throughput"
    header, rows = _rows(view)
    assert "TTFT (ms)" in header and "output tokens/s (all users)" in header
    if d is None or not d.sweep:
        assert rows == [] and view.curves == {} and view.target_lines == {}
        return
    assert len(rows) == len(d.sweep)
    for r, p in zip(rows, d.sweep, strict=True):
        assert int(r["concurrency (sequences)"]) == p.concurrency
        assert _close(r["output tokens/s (all users)"], p.tokens_per_s)
        assert _close(r["output tokens/s p90"], p.tokens_per_s_high)
        assert _close(r["tokens/s per user"], p.per_user_tokens_per_s)
        assert _close(r["TPOT p10 (ms)"], p.tpot_ms_low)
    assert set(view.curves) == {"total", "per_user", "ttft_ms", "tpot_ms"}
    assert list(view.curves["ttft_ms"].yData) == [p.ttft_ms for p in d.sweep]
    assert len(view.bands) == 3
    expected = {n for n, t in (("TTFT", d.ttft_target_ms), ("TPOT", d.tpot_target_ms)) if t}
    assert set(view.target_lines) == expected
    if d.ttft_target_ms:
        assert view.target_lines["TTFT"].value() == pytest.approx(math.log10(d.ttft_target_ms))
    p = d.sweep[len(d.sweep) // 2]
    text = view.hovers[0].hover_data(p.concurrency, p.tokens_per_s)
    assert text is not None and f"{p.concurrency} sequences" in text and si(p.tokens_per_s) in text


def test_targets_only_when_set(qtbot: QtBot, boards: dict) -> None:
    d = boards["first"]
    assert d.ttft_target_ms and d.tpot_target_ms
    assert set(_view(qtbot, ThroughputView, d).target_lines) == {"TTFT", "TPOT"}
    assert _view(qtbot, ThroughputView, boards["no-costs"]).target_lines == {}


@pytest.mark.parametrize("case", CASES)
def test_cost_lines_bars_break_evens(qtbot: QtBot, boards: dict, case: str) -> None:
    d = boards[case]
    view = _view(qtbot, CostView, d)
    assert view.title == "Cost"
    header, rows = _rows(view)
    assert "USD per month" in header and "tokens per month" in header
    if d is None or not d.cost_lines:
        assert rows == [] and view.line_items == {} and view.break_even_points == []
        return
    shown = shown_lines(d)
    if len(d.cost_lines) > MAX_LINES:
        hosted = sorted(c.usd_per_mtok for c in d.cost_lines if c.kind == "hosted-open")
        assert sorted(c.usd_per_mtok for c in shown if c.kind == "hosted-open") == hosted[:3]
    closed = {c.label for c in d.cost_lines if c.kind in ("self", "closed")}
    assert closed <= set(view.line_items) == {c.label for c in shown}
    for c in shown:
        assert list(view.line_items[c.label].yData) == list(c.usd_per_month)
        line_rows = [r for r in rows if r["plot"] == "monthly cost" and r["option"] == c.label]
        assert [float(r["tokens per month"]) for r in line_rows] == pytest.approx(
            c.tokens_per_month
        )
    # Break-even markers are exactly the dashboard's.
    assert view.break_even_points == [(b.tokens_per_month, b.usd_per_month) for b in d.break_evens]
    assert len([r for r in rows if r["plot"] == "break-even"]) == len(d.break_evens)
    if d.break_evens:
        assert view.break_even_key is not None
        assert d.break_evens[0].api in view.break_even_key.textItem.toPlainText()
    # Bars: sorted, one per shown option, self-hosted with its range.
    bars = [r for r in rows if r["plot"] == "per Mtok"]
    assert [r["option"] for r in bars] == [
        c.label for c in sorted(shown, key=lambda c: c.usd_per_mtok)
    ]
    own = next(r for r in bars if r["kind"] == "self")
    assert d.self_hosted_line is not None
    assert _close(own["USD per Mtok low"], d.self_hosted_line.usd_per_mtok_low)
    assert _close(own["USD per Mtok"], d.self_hosted_line.usd_per_mtok)
    vol = [r for r in rows if r["plot"] == "volume"]
    assert len(vol) == 1 and _close(vol[0]["tokens per month"], d.volume_tokens_per_month)
    # Hybrid curve and quality points (a sub-tab is drawn when it is shown).
    view.tabs.setCurrentIndex(2)
    assert view.hybrid_item is not None
    assert list(view.hybrid_item.yData) == [u for _, u in d.hybrid]
    assert d.hybrid_api in view.extra_canvas.ci.getItem(0, 0).titleLabel.text
    assert view.quality_item is not None and len(view.quality_item.data) == len(d.quality)
    q_rows = [r for r in rows if r["plot"] == "quality"]
    assert sorted(float(r["score"]) for r in q_rows) == sorted(q.score for q in d.quality)
    # Hover on a line point names the line.
    view.tabs.setCurrentIndex(0)
    own_line = d.self_hosted_line
    i = len(own_line.tokens_per_month) // 2
    text = view.hovers[0].hover_data(own_line.tokens_per_month[i], own_line.usd_per_month[i])
    assert text is not None and "Self-hosted" in text


def test_theme_and_presentation_scale(qtbot: QtBot, boards: dict) -> None:
    d = boards["first"]
    for cls in (VramView, ThroughputView, CostView):
        view = _view(qtbot, cls, d)
        widget = view.plot_widget()
        assert isinstance(widget, type(view.plot_widget()))
        light = widget.backgroundBrush().color().lightness()
        view.set_theme(True)
        assert view.plot_widget().backgroundBrush().color().lightness() < light
        plot = view.plot_widget().ci.getItem(0, 0)
        small = plot.getAxis("bottom").style["tickFont"].pointSizeF()
        view.set_scale(1.5)
        plot = view.plot_widget().ci.getItem(0, 0)
        assert plot.getAxis("bottom").style["tickFont"].pointSizeF() == pytest.approx(small * 1.5)
        assert view.csv_text().count("\n") > 3  # redrawn, not emptied


def _varied(path: Path) -> int:
    img = QtGui.QImage(str(path))
    assert not img.isNull()
    step = max(1, img.width() // 80)
    return len(
        {img.pixel(x, y) for x in range(0, img.width(), step) for y in range(0, img.height(), step)}
    )


@pytest.mark.parametrize("cls", [VramView, ThroughputView, CostView])
def test_export_png_and_svg(qtbot: QtBot, boards: dict, cls: type[PlotView], tmp_path: Path):
    view = _view(qtbot, cls, boards["first"])
    png = export_png(view.plot_widget(), tmp_path / "plot.png")
    assert png.stat().st_size > 5000 and _varied(png) > 20
    wide = export_png(view.plot_widget(), tmp_path / "wide.png", width=1400)
    assert QtGui.QImage(str(wide)).width() == 1400
    svg = export_svg(view.plot_widget(), tmp_path / "plot.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert len([e for e in root.iter() if e.tag.endswith("path")]) > 5


def test_export_png_of_a_plain_widget(qtbot: QtBot, boards: dict, tmp_path: Path) -> None:
    view = _view(qtbot, CostView, boards["first"])
    png = export_png(view.tabs, tmp_path / "tabs.png", width=500)
    assert QtGui.QImage(str(png)).width() == 500
    svg = export_svg(view.tabs, tmp_path / "tabs.svg")
    assert ET.parse(svg).getroot().tag.endswith("svg")


def _plot_items(view: PlotView) -> list[pg.PlotItem]:
    canvases = (
        [view.volume_canvas, view.bars_canvas, view.extra_canvas]
        if isinstance(view, CostView)
        else [view.plot_widget()]
    )
    return [i for c in canvases for i in c.ci.items if isinstance(i, pg.PlotItem)]


def _plotted(item: pg.PlotDataItem) -> tuple[list[float], list[float]]:
    """What a curve draws (`getData()`, log-mapped where its plot is), in data units."""
    xs, ys = item.getData()
    assert xs is not None and ys is not None
    log_x, log_y = item.opts["logMode"]
    return (
        list(10 ** np.asarray(xs) if log_x else xs),
        list(10 ** np.asarray(ys) if log_y else ys),
    )


def _check_plotted(view: PlotView, d: Dashboard) -> None:
    """The view's items draw `d`'s numbers."""
    approx = pytest.approx
    if isinstance(view, VramView):
        assert view.context_item is not None
        assert _plotted(view.context_item) == (
            approx([float(c) for c, _ in d.context_curve]),
            approx([float(t) for _, t in d.context_curve]),
        )
        for item, (_, attr, _) in zip(view.bar_items, PARTS, strict=True):
            assert list(item.opts["height"]) == approx([getattr(g, attr) for g in d.memory])
    elif isinstance(view, ThroughputView):
        xs = [float(p.concurrency) for p in d.sweep]
        for key, attr in (
            ("total", "tokens_per_s"),
            ("per_user", "per_user_tokens_per_s"),
            ("ttft_ms", "ttft_ms"),
            ("tpot_ms", "tpot_ms"),
        ):
            ys = [getattr(p, attr) for p in d.sweep]
            assert _plotted(view.curves[key]) == (approx(xs), approx(ys))
        assert d.tpot_target_ms
        assert view.target_lines["TPOT"].value() == approx(math.log10(d.tpot_target_ms))
    else:
        assert isinstance(view, CostView)
        # Each sub-tab draws the new numbers when it is shown.
        view.tabs.setCurrentIndex(1)
        view.tabs.setCurrentIndex(2)
        view.tabs.setCurrentIndex(0)
        shown = shown_lines(d)
        assert set(view.line_items) == {c.label for c in shown}
        for c in shown:
            assert _plotted(view.line_items[c.label]) == (
                approx(c.tokens_per_month),
                approx(c.usd_per_month),
            )
        assert view.break_even_points == [
            (b.tokens_per_month, b.usd_per_month) for b in d.break_evens
        ]
        assert view.hybrid_item is not None
        assert _plotted(view.hybrid_item)[1] == approx([u for _, u in d.hybrid])
        assert view.bar_values == [
            (c.label, c.usd_per_mtok) for c in sorted(shown, key=lambda c: c.usd_per_mtok)
        ]


@pytest.mark.parametrize("cls", [VramView, ThroughputView, CostView])
def test_a_dashboard_of_the_same_shape_is_drawn_on_the_same_plots(
    qtbot: QtBot, boards: dict, cls: type[PlotView]
) -> None:
    first, longer = boards["first"], boards["first-longer"]
    assert first.sweep != longer.sweep and first.cost_lines != longer.cost_lines
    view = _view(qtbot, cls, first)
    _check_plotted(view, first)
    plots = _plot_items(view)
    assert plots
    view.show_dashboard(longer)
    _check_plotted(view, longer)
    again = _plot_items(view)
    assert len(again) == len(plots) and all(a is b for a, b in zip(again, plots, strict=True))
    # The CSV is what a new view of that dashboard writes, and the hover has the new numbers.
    assert view.csv_text() == _view(qtbot, cls, longer).csv_text()
    if cls is ThroughputView:
        p = longer.sweep[len(longer.sweep) // 2]
        text = view.hovers[0].hover_data(p.concurrency, p.tokens_per_s)
        assert text is not None and si(p.tokens_per_s) in text
    # Another shape is built anew, and back again too.
    view.show_dashboard(boards["no-fit"])
    view.show_dashboard(first)
    _check_plotted(view, first)
    rebuilt = _plot_items(view)
    assert len(rebuilt) == len(plots) and not any(a is b for a in rebuilt for b in plots)
    # So is a new theme.
    view.set_theme(True)
    _check_plotted(view, first)
    themed = _plot_items(view)
    assert len(themed) == len(plots) and not any(a is b for a in themed for b in rebuilt)
