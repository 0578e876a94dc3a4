"""Compare: a plan's scenarios side by side, as a table and as overlaid curves.

The presenter computes `planner.recommend_plan.compare_plan(catalog, plan)` (rows and
dashboards, one per scenario; a dashboard is None where the scenario cannot be estimated)
and calls `show_plan(rows, dashboards)`. The table has the scenarios as columns and the
metrics as rows (units in the row labels, the best value of each ranked row in bold); the
plots overlay each scenario's throughput against concurrency and its monthly cost against
monthly tokens, with the cheapest closed API of the first scenario as reference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets  # before pyqtgraph, so that it binds to PySide6

# isort: split
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from planner.dashboard import CostLine, Dashboard, SweepPoint
from ui.plots.style import (
    LegendCell,
    PlotView,
    axes,
    brush,
    curve,
    set_data,
    si,
    style_plot,
    usd,
)

if TYPE_CHECKING:  # the comparison code loads when the tab is first shown
    from planner.recommend_plan import CompareMetric, CompareRow

# Metrics shown as words (left-aligned); the rest are numbers (right-aligned).
TEXT_KEYS = frozenset(
    {"model", "hardware", "quant", "engine", "fits", "api", "cheapest_api", "binding", "error"}
)
COLUMN_WIDTH = (100, 200)  # scenario columns, px: long texts are elided (the tooltip has them)
WIDE = 1000  # from this width on, the table and the plots sit side by side


def cell_text(key: str, value: object) -> str:
    """A metric's value as the table shows it."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return "–".join(cell_text(key.removesuffix("_range"), v) for v in value)
    if not isinstance(value, int | float):
        return str(value)
    v = float(value)
    if not math.isfinite(v):
        return "–"
    if key.endswith("usd_per_mtok"):
        return f"${v:,.2f}"
    if key.endswith("usd_per_month"):
        return f"-${-v:,.0f}" if v < 0 else f"${v:,.0f}"
    if key.endswith("tokens_per_month"):
        return si(v)
    if key.endswith("_ms"):
        return f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"
    if key.endswith("_gib"):
        return f"{v:,.1f}"
    if key.startswith("tokens_per_s"):
        return f"{v:,.0f}"
    return f"{v:,.0f}" if v == int(v) else f"{v:,.2f}"


def _csv_value(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


class CompareView(PlotView):
    """The scenarios of a plan side by side."""

    title = "Compare"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.compare_rows: list[CompareRow] = []
        self.dashboards: list[Dashboard | None] = []
        self.metrics: list[CompareMetric] = []
        self.speed_curves: dict[str, pg.PlotDataItem] = {}  # by scenario name
        self.cost_curves: dict[str, pg.PlotDataItem] = {}
        self.legend: LegendCell | None = None
        self._sized = False
        self._bold = QFont()
        self._bold.setBold(True)

        self.empty = QLabel("Add a second scenario to the plan to compare them here.")
        self.empty.setWordWrap(True)
        self.empty.setVisible(False)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        self.canvas = self.new_canvas()
        self.canvas.setToolTip(
            "Left or top: output tokens per second against requests in flight, with the "
            "p10-p90 band.\nThe other: monthly cost against monthly tokens; the dot is the "
            "scenario's volume, the dashed line the cheapest closed API."
        )
        self.canvas.installEventFilter(self)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.table)
        self.split.addWidget(self.canvas)
        self.split.setChildrenCollapsible(False)

        self.body.setContentsMargins(6, 6, 6, 6)
        self.body.addWidget(self.empty)
        self.body.addWidget(self.split, 1)
        self.draw()

    def plot_widget(self) -> QtWidgets.QWidget:
        return self.canvas

    # --- layout -------------------------------------------------------------------------

    @property
    def wide(self) -> bool:
        return self.width() >= WIDE

    def layout_key(self) -> object:
        """Wide or narrow: the legend's place and the plots' arrangement depend on it."""
        return self.width() >= WIDE

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Side by side when wide (the plots stacked); the table above the plots when narrow.
        orientation = Qt.Orientation.Horizontal if self.wide else Qt.Orientation.Vertical
        if self.split.orientation() != orientation or not self._sized:
            self._sized = True
            self.split.setOrientation(orientation)
            self._size_split()
        super().resizeEvent(event)  # redraws when the layout key changes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.canvas and event.type() == QEvent.Type.Resize:
            self._fit_legend()
        return super().eventFilter(watched, event)

    def _size_split(self) -> None:
        if self.split.orientation() == Qt.Orientation.Vertical:
            self.split.setSizes([430, 570])
            return
        # As wide as the table needs, up to 60 %.
        header = self.table.horizontalHeader()
        need = (
            self.table.verticalHeader().width()
            + sum(header.sectionSize(i) for i in range(self.table.columnCount()))
            + self.table.verticalScrollBar().sizeHint().width()
            + 2 * self.table.frameWidth()
            + 4
        )
        total = max(self.width(), 1)
        table = min(need, int(total * 0.6))
        self.split.setSizes([table, total - table])

    def _fit_legend(self) -> None:
        """As many legend entries a row as the canvas is wide enough for."""
        legend = self.legend
        if legend is None or not legend.items:
            return
        # What the entries need (their hints), not what the legend's layout gave them.
        pref = QtCore.Qt.SizeHint.PreferredSize
        widest = max(
            s.boundingRect().width() + lab.effectiveSizeHint(pref).width()
            for s, lab in legend.items
        )
        fits = int(max(self.canvas.width() - 20, 1) // (widest + 20 * self.st.scale))
        columns = max(1, min(len(legend.items), fits))
        if legend.columnCount != columns:
            legend.setColumnCount(columns)
            legend.updateSize()

    # --- what the presenter calls -------------------------------------------------------

    def show_plan(self, rows: list[CompareRow], dashboards: list[Dashboard | None]) -> None:
        """Show the plan's scenarios: one row and one dashboard (or None) each, in order."""
        self.compare_rows = list(rows)
        self.dashboards = list(dashboards)
        self.empty.setVisible(len(rows) < 2)
        self._fill_table()
        self._fill_csv()
        self.draw()
        self._size_split()

    def show_dashboard(self, dashboard: Dashboard | None) -> None:
        """Nothing to do: the comparison covers every scenario (see show_plan)."""

    # --- the table ----------------------------------------------------------------------

    def _fill_table(self) -> None:
        rows = self.compare_rows
        from planner.recommend_plan import COMPARE_METRICS, CompareMetric, best_of

        metrics = list(COMPARE_METRICS)
        if any(r.error for r in rows):
            metrics.append(CompareMetric("error", "Cannot be estimated"))
        self.metrics = metrics
        self.table.clear()
        self.table.setColumnCount(len(rows))
        self.table.setRowCount(len(metrics))
        self.table.setHorizontalHeaderLabels([r.name for r in rows])
        self.table.setVerticalHeaderLabels([m.label for m in metrics])
        self._colour_headers()
        for m_i, metric in enumerate(metrics):
            best = best_of(rows, metric)
            for c_i, row in enumerate(rows):
                text = cell_text(metric.key, getattr(row, metric.key))
                item = QTableWidgetItem(text)
                item.setToolTip(f"{row.name}\n{metric.label}: {text}")
                words = metric.key in TEXT_KEYS
                align = Qt.AlignmentFlag.AlignLeft if words else Qt.AlignmentFlag.AlignRight
                item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
                if c_i in best:
                    item.setFont(self._bold)
                    item.setToolTip(item.toolTip() + " (the best)")
                self.table.setItem(m_i, c_i, item)
        header = self.table.horizontalHeader()
        self.table.resizeColumnsToContents()
        lo, hi = COLUMN_WIDTH
        for c_i in range(len(rows)):
            header.resizeSection(c_i, min(max(header.sectionSize(c_i), lo), hi))

    def _colour_headers(self) -> None:
        """Each scenario's name in the colour of its curves."""
        for i, r in enumerate(self.compare_rows):
            head = self.table.horizontalHeaderItem(i)
            if head is not None:
                head.setForeground(QColor(self.st.colour(i)))
                head.setFont(self._bold)
                head.setToolTip(r.name)

    def _fill_csv(self) -> None:
        rows = self.compare_rows
        self.header = ["metric", *(r.name for r in rows)]
        self.rows = []
        for metric in self.metrics:
            if metric.key == "tokens_per_s_range":
                self.rows.append(["Output p10 (tok/s)", *(r.tokens_per_s_low for r in rows)])
                self.rows.append(["Output p90 (tok/s)", *(r.tokens_per_s_high for r in rows)])
            else:
                values = (_csv_value(getattr(r, metric.key)) for r in rows)
                self.rows.append([metric.label, *values])

    # --- the plots (show_plan, set_theme and set_scale redraw) ---------------------------

    def _pairs(self) -> list[tuple[int, CompareRow, Dashboard]]:
        return [
            (i, r, d)
            for i, (r, d) in enumerate(zip(self.compare_rows, self.dashboards, strict=False))
            if d is not None
        ]

    def shape(self) -> object:
        """What is drawn, not the numbers: a plan of the same shape is set in place."""
        pairs = self._pairs()
        if not pairs:
            return bool(self.compare_rows)
        return tuple(
            (
                i,
                row.name,
                bool(d.sweep),
                d.self_hosted_line is not None,
                d.result.self_hosted is not None and bool(d.volume_tokens_per_month),
            )
            for i, row, d in pairs
        ), any(d.cheapest_api is not None for _, _, d in pairs)

    def redraw(self) -> None:
        self._colour_headers()  # the palette follows the theme
        if self.reshape("canvas", self.shape()):
            self._build()
        pairs = self._pairs()
        if not pairs:
            return
        self.speed_hover.clear()
        self.cost_hover.clear()
        reference = None
        for i, row, d in pairs:
            if d.sweep:
                lo, hi, mid = self.speed_items[i]
                xs = [float(p.concurrency) for p in d.sweep]
                set_data(lo, xs, [p.tokens_per_s_low for p in d.sweep])
                set_data(hi, xs, [p.tokens_per_s_high for p in d.sweep])
                set_data(mid, xs, [p.tokens_per_s for p in d.sweep])
                self.speed_hover.add(
                    xs,
                    [p.tokens_per_s for p in d.sweep],
                    partial(_speed_text, row.name, d.sweep),
                )
            own = d.self_hosted_line
            if own is not None:
                set_data(self.cost_curves[row.name], own.tokens_per_month, own.usd_per_month)
                sh = d.result.self_hosted
                if sh is not None and d.volume_tokens_per_month:
                    set_data(self.dots[i], [d.volume_tokens_per_month], [sh.monthly.total_usd])
                    self.cost_hover.add(
                        [d.volume_tokens_per_month],
                        [sh.monthly.total_usd],
                        [
                            f"{row.name}\n{si(d.volume_tokens_per_month)} tokens/month: "
                            f"{usd(sh.monthly.total_usd)}/month, {usd(sh.usd_per_mtok)}/Mtok"
                        ],
                    )
            if self.legend_labels.get(i) is not None:
                assert self.legend is not None
                self.legend.relabel(self.legend_labels[i], row.name)
            if reference is None and d.cheapest_api is not None:
                reference = d.cheapest_api
        if reference is not None and self.reference is not None:
            ref, label = self.reference
            set_data(ref, reference.tokens_per_month, reference.usd_per_month)
            assert self.legend is not None
            self.legend.relabel(label, f"{reference.label} (cheapest API)")
            self.cost_hover.add(
                list(reference.tokens_per_month),
                list(reference.usd_per_month),
                partial(_reference_text, reference),
            )
        self._fit_legend()

    def _build(self) -> None:
        st = self.st
        self.reset(self.canvas)
        self.speed_curves, self.cost_curves, self.legend = {}, {}, None
        self.speed_items: dict[int, tuple[pg.PlotDataItem, ...]] = {}
        self.dots: dict[int, pg.PlotDataItem] = {}
        self.legend_labels: dict[int, pg.LabelItem] = {}
        self.reference: tuple[pg.PlotDataItem, pg.LabelItem] | None = None
        pairs = self._pairs()
        if not pairs:
            text = "No scenario to compare yet" if not self.compare_rows else "Nothing to plot"
            self.message(self.canvas, text)
            return
        stacked = self.wide
        legend = LegendCell(st, cols=3)
        self.legend = legend
        self.canvas.addItem(legend, row=0, col=0, colspan=1 if stacked else 2)
        speed = self.add_plot(self.canvas, 1, 0, axes())
        cost = self.add_plot(
            self.canvas, 2 if stacked else 1, 0 if stacked else 1, axes(left_prefix="$")
        )
        style_plot(speed, st, title=None, left="Output (tok/s)", bottom="Concurrent requests")
        style_plot(cost, st, title=None, left="Cost (USD/month)", bottom="Tokens per month")
        for plot in (speed, cost):
            plot.setTitle(None)  # no title rows: the legend and the axes say what they are
        speed.setLogMode(x=True, y=False)
        cost.setLogMode(x=True, y=True)
        self.speed_hover, self.cost_hover = self.hover(speed), self.hover(cost)
        reference = None
        for i, row, d in pairs:
            colour = st.colour(i)
            pen = st.pen(colour, 2)
            if d.sweep:
                edge = st.pen(colour, 0.6)
                lo = curve(speed, pen=edge)
                hi = curve(speed, pen=edge)
                speed.addItem(pg.FillBetweenItem(lo, hi, brush=brush(colour, 45)))
                mid = curve(
                    speed,
                    pen=pen,
                    symbol=st.symbol(i) or "o",
                    symbolSize=5 * st.scale,
                    symbolBrush=brush(colour),
                    symbolPen=None,
                )
                self.speed_curves[row.name] = mid
                self.speed_items[i] = (lo, hi, mid)
            own = d.self_hosted_line
            if own is not None:
                self.cost_curves[row.name] = curve(cost, pen=pen)
                if d.result.self_hosted is not None and d.volume_tokens_per_month:
                    dot = curve(
                        cost,
                        pen=None,
                        symbol="o",
                        symbolSize=9 * st.scale,
                        symbolBrush=brush(colour),
                        symbolPen=st.pen(st.background, 1),
                    )
                    dot.setZValue(5)
                    self.dots[i] = dot
            sample = self.speed_curves.get(row.name) or self.cost_curves.get(row.name)
            if sample is not None:
                self.legend_labels[i] = legend.add(sample, row.name)
            if reference is None and d.cheapest_api is not None:
                reference = d.cheapest_api
        if reference is not None:
            ref = curve(cost, pen=st.pen(st.muted, 1.8, dash=True))
            self.reference = ref, legend.add(ref, f"{reference.label} (cheapest API)")
        lay = self.canvas.ci.layout
        lay.setRowStretchFactor(1, 1)
        if stacked:
            lay.setRowStretchFactor(2, 1)
        else:
            lay.setColumnStretchFactor(0, 1)
            lay.setColumnStretchFactor(1, 1)


def _speed_text(name: str, sweep: Sequence[SweepPoint], i: int) -> str:
    p = sweep[i]
    return (
        f"{name}\n{p.concurrency} requests: {p.tokens_per_s:,.0f} tok/s\n"
        f"p10-p90 {p.tokens_per_s_low:,.0f}-{p.tokens_per_s_high:,.0f}"
    )


def _reference_text(line: CostLine, i: int) -> str:
    t, u = line.tokens_per_month[i], line.usd_per_month[i]
    return f"{line.label}\n{si(t)} tokens/month: {usd(u)}/month"
