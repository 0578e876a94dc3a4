"""Measured: the user's own benchmark numbers beside the estimates for the same configurations.

The view never computes. `ui.benchmarks.BenchmarkController` imports the files, turns them
into `planner.benchcalib.ComparisonRow`s with the presenter's current efficiency factors
and calls `show_rows(rows, status, details)`; it calls again whenever the factors change
(a calibration added or switched off), so the estimated column follows them. The buttons
only emit signals; the controller does the work.

A table lists every measurement (metric, configuration, measured, estimated, ratio, what
it implies, where the factors come from); below it one plot per metric puts the measured
value (y) against the estimate (x) on log axes, with the line where they agree and the
usual spread of the estimates (p10–p90) around it. After a calibration a hollow marker
shows where the estimate was with the bundled factors.
"""

from __future__ import annotations

import math

from PySide6 import QtWidgets  # before pyqtgraph, so that it binds to PySide6

# isort: split
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from planner.benchcalib import METRIC_ORDER, ComparisonRow
from ui.plots.style import LegendCell, PlotView, axes, brush, style_plot

COLUMNS = ("Metric", "Configuration", "Measured", "Estimated", "Ratio", "Implication")
NUMERIC = frozenset({2, 3, 4})
METRIC_SHORT = {
    "prefill_tokens_per_s": "Prefill tok/s",
    "decode_tokens_per_s": "Decode tok/s",
    "output_tokens_per_s_total": "Output tok/s",
    "ttft_ms": "TTFT ms",
    "tpot_ms": "TPOT ms",
}
CSV_HEADER = [
    "metric",
    "configuration",
    "measured",
    "estimated",
    "ratio (measured / estimated)",
    "estimated with the bundled factors",
    "usual spread p10 (measured / estimated)",
    "usual spread p90 (measured / estimated)",
    "implication",
    "basis",
    "source",
]
CONFIG_WIDTH = (140, 340)  # px; the configuration wraps within it, the last column takes the rest
IMPLICATION_WIDTH = 170  # px the last column keeps before the configuration gives way
TABLE_ROWS_SHOWN = 8  # the table starts this many rows tall; the plots get the rest
PLOT_TITLES = {
    "prefill_tokens_per_s": "Prefill",
    "decode_tokens_per_s": "Decode",
    "output_tokens_per_s_total": "Output, all users",
    "ttft_ms": "Time to first token",
    "tpot_ms": "Time per output token",
}
EMPTY = (
    "Bring your own benchmark: import the output of llama-bench, llama-batched-bench, vLLM, "
    "SGLang, trtllm-bench, GenAI-Perf/AIPerf, Ollama or MLX-LM (File ▸ Import benchmark "
    "results…, Ctrl+B, or drop the files on the window) to see your numbers beside the "
    "estimates, and calibrate the estimates to your hardware."
)
WIDE = 760  # from this canvas width on, three plots a row
TALL = 480  # from this height on, the notes under the status line are shown
PLOT_HEIGHT = 130  # px the plots keep when the table would take more
MOVES_SHOWN = 40  # a metric with more points than this shows no "before calibration" markers


def unit(metric: str) -> str:
    return "ms" if metric.endswith("_ms") else "tokens/s"


def number(metric: str, value: float | None) -> str:
    """A measured or estimated value as the table shows it."""
    if value is None or not math.isfinite(value):
        return "–"
    if metric.endswith("_ms"):
        return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def ratio_text(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f}×"


class MeasuredView(PlotView):
    """Measurements beside estimates, with the calibration controls."""

    title = "Measured"

    import_requested = Signal()
    calibrate_requested = Signal()
    use_calibration_toggled = Signal(bool)
    export_requested = Signal()
    import_calibration_requested = Signal()
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.comparison: list[ComparisonRow] = []
        self.header = list(CSV_HEADER)
        self.plots: dict[str, pg.PlotItem] = {}
        self.points: dict[str, pg.PlotDataItem] = {}  # by metric: measured vs estimated
        self.before: dict[str, pg.PlotDataItem] = {}  # by metric: the bundled estimates
        self.legend: LegendCell | None = None
        self._sized = False
        self._widths: tuple[int, int] = (0, 0)  # configuration and implication, rows fitted to
        self._bold = QFont()
        self._bold.setBold(True)

        self.import_button = QPushButton("Import results…")
        self.import_button.setToolTip(
            "Import benchmark output files (llama-bench, vLLM, SGLang, trtllm-bench, "
            "GenAI-Perf/AIPerf, Ollama, MLX-LM); Ctrl+B"
        )
        self.import_button.clicked.connect(self.import_requested.emit)
        self.calibrate_button = QPushButton("Calibrate from these")
        self.calibrate_button.setToolTip(
            "Fit the efficiency factors of these engines and hardware classes to the "
            "measurements and store the calibration in the plan (Undo removes it)"
        )
        self.calibrate_button.clicked.connect(self.calibrate_requested.emit)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip(
            "Forget the imported measurements (the plan keeps its calibration)"
        )
        self.clear_button.clicked.connect(self.clear_requested.emit)
        self.export_button = QPushButton("Export calibration…")
        self.export_button.setToolTip("Save the plan's latest calibration to a file, to share it")
        self.export_button.clicked.connect(self.export_requested.emit)
        self.import_cal_button = QPushButton("Import calibration…")
        self.import_cal_button.setToolTip("Add a calibration file to the plan")
        self.import_cal_button.clicked.connect(self.import_calibration_requested.emit)
        self.use_box = QCheckBox("Use calibration")
        self.use_box.setChecked(True)
        self.use_box.setToolTip(
            "Estimate with the plan's calibrations (on) or with the bundled factors (off)"
        )
        self.use_box.toggled.connect(self.use_calibration_toggled.emit)

        self.status = QLabel("estimated (bundled efficiency factors)")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setStyleSheet("color: palette(mid);")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setVisible(False)
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setStyleSheet("color: palette(mid); padding: 12px 2px;")

        # Two short rows of controls, so that the tab fits the narrowest window.
        row1 = QHBoxLayout()
        row1.addWidget(self.import_button)
        row1.addWidget(self.calibrate_button)
        row1.addWidget(self.clear_button)
        row1.addStretch(1)
        row2 = QHBoxLayout()
        row2.addWidget(self.use_box)
        row2.addStretch(1)
        row2.addWidget(self.export_button)
        row2.addWidget(self.import_cal_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().setVisible(False)
        # Rows as tall as their wrapped texts: fitted once after filling and when the columns
        # change width (ResizeToContents would refit every row on every cell set).
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setMinimumSectionSize(40)

        self.table.viewport().installEventFilter(self)

        self.canvas = self.new_canvas()
        self.canvas.installEventFilter(self)
        self.canvas.setMinimumHeight(PLOT_HEIGHT)
        self.canvas.setToolTip(
            "Each point is one measurement: the estimate for its configuration across, the "
            "measured value up.\nOn the line they agree; the shaded strip is the usual spread "
            "of the estimates (p10–p90).\nHollow: the estimate with the bundled factors, "
            "before calibration."
        )
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.table)
        self.split.addWidget(self.canvas)
        self.split.setChildrenCollapsible(False)

        self.body.setContentsMargins(6, 6, 6, 6)
        self.body.addLayout(row1)
        self.body.addLayout(row2)
        self.body.addWidget(self.status)
        self.body.addWidget(self.details)
        self.body.addWidget(self.empty, 1)  # only one of these two is shown
        self.body.addWidget(self.split, 1)
        self.set_calibration_state(False, True)
        self._show_empty(True)
        self.draw()

    def plot_widget(self) -> QtWidgets.QWidget:
        return self.canvas

    # --- what the controller calls ------------------------------------------------------

    def show_rows(self, rows: list[ComparisonRow], status: str, details: str = "") -> None:
        """Show the measurements beside their estimates, where the factors come from (one
        line) and notes (rows skipped, what a calibration implies)."""
        self.comparison = list(rows)
        self.status.setText(status)
        self.status.setToolTip("\n".join(filter(None, (status, details))))
        self.details.setText(details)
        self._show_details()
        self.calibrate_button.setEnabled(any(r.estimated is not None for r in rows))
        self.clear_button.setEnabled(bool(rows))
        self._show_empty(not rows)
        self._fill_table()
        self._fill_csv()
        self.draw()
        self._size_split()

    def set_calibration_state(self, has_calibration: bool, use: bool) -> None:
        """Whether the plan holds a calibration, and whether it is used (emits nothing)."""
        self.use_box.blockSignals(True)
        self.use_box.setChecked(use and has_calibration)  # nothing to use: shown off
        self.use_box.blockSignals(False)
        self.use_box.setEnabled(has_calibration)
        self.export_button.setEnabled(has_calibration)
        if not self.comparison:
            self.calibrate_button.setEnabled(False)
            self.clear_button.setEnabled(False)

    def show_dashboard(self, dashboard: object) -> None:
        """The scenario's results do not change the measurements; the controller re-estimates
        them when the factors change (see show_rows)."""
        self.dashboard = dashboard  # type: ignore[assignment]

    def _show_details(self) -> None:
        """The notes under the status line, unless the tab is too short for them and the
        plots (the status line's tooltip has them too)."""
        self.details.setVisible(bool(self.details.text()) and self.height() >= TALL)

    def _show_empty(self, empty: bool) -> None:
        self.empty.setVisible(empty)
        self.split.setVisible(not empty)

    # --- the table ----------------------------------------------------------------------

    def _fill_table(self) -> None:
        rows = self.comparison
        self.table.setUpdatesEnabled(False)
        self.table.clearContents()
        self._widths = (0, 0)  # fit the rows to the new texts
        self.table.setRowCount(len(rows))
        align_num = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        align_text = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        for i, r in enumerate(rows):
            cells = (
                METRIC_SHORT.get(r.metric, r.metric_label),
                r.configuration,
                number(r.metric, r.measured),
                number(r.metric, r.estimated),
                ratio_text(r.ratio),
                r.implication,
            )
            tip = self._tooltip(r)
            outside = (
                r.ratio is not None and r.band is not None and not r.band[0] <= r.ratio <= r.band[1]
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(align_num if c in NUMERIC else align_text)
                item.setToolTip(tip)
                if c == 4 and outside:
                    item.setFont(self._bold)
                self.table.setItem(i, c, item)
        for c in range(len(COLUMNS) - 1):
            if c != 1:
                self.table.resizeColumnToContents(c)
        self._fit_columns()
        self.table.setUpdatesEnabled(True)

    def _fit_columns(self) -> None:
        """The configuration as wide as leaves the implication its room (wrapping both)."""
        header = self.table.horizontalHeader()
        fixed = sum(header.sectionSize(c) for c in range(len(COLUMNS) - 1) if c != 1)
        room = self.table.viewport().width() - fixed - IMPLICATION_WIDTH
        lo, hi = CONFIG_WIDTH
        width = max(lo, min(hi, room))
        last = self.table.viewport().width() - fixed - width
        if (width, last) != self._widths:
            self._widths = (width, last)
            header.resizeSection(1, width)
            self.table.resizeRowsToContents()

    def _size_split(self) -> None:
        """The table as tall as its first rows need (at most 45 %), the plots the rest."""
        if not self.comparison:
            return
        vh = self.table.verticalHeader()
        shown = min(len(self.comparison), TABLE_ROWS_SHOWN)
        need = (
            self.table.horizontalHeader().height()
            + sum(vh.sectionSize(i) for i in range(shown))
            + 2 * self.table.frameWidth()
            + 2
        )
        total = max(self.split.height(), 1)
        table = max(min(need, int(total * 0.45), total - PLOT_HEIGHT), 60)
        self.split.setSizes([table, max(total - table, 1)])

    @staticmethod
    def _tooltip(r: ComparisonRow) -> str:
        lines = [
            r.configuration,
            f"{r.metric_label}: measured {number(r.metric, r.measured)}, estimated "
            f"{number(r.metric, r.estimated)} (ratio {ratio_text(r.ratio)})",
        ]
        if r.bundled is not None and r.estimated is not None and r.bundled != r.estimated:
            lines.append(f"with the bundled factors: {number(r.metric, r.bundled)}")
        lines += [r.implication, f"basis: {r.provenance}", f"from {r.source}"]
        return "\n".join(lines)

    def _fill_csv(self) -> None:
        self.rows = [
            [
                r.metric_label,
                r.configuration,
                r.measured,
                r.estimated,
                r.ratio,
                r.bundled,
                r.band[0] if r.band else None,
                r.band[1] if r.band else None,
                r.implication,
                r.provenance,
                r.source,
            ]
            for r in self.comparison
        ]

    # --- layout -------------------------------------------------------------------------

    def _columns(self, n: int) -> int:
        wide = self.canvas.width() >= WIDE * self.st.scale
        return max(1, min(n, 3 if wide else 2))

    def layout_key(self) -> object:
        return self._columns(len(self._metrics()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            if watched is self.canvas:
                self._fit_legend()
            elif watched is self.table.viewport():
                self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_legend(self) -> None:
        """As many legend entries a row as the canvas is wide enough for."""
        legend = self.legend
        if legend is None or not legend.items:
            return
        widest = max(
            s.boundingRect().width() + lab.item.boundingRect().width() for s, lab in legend.items
        )
        fits = int(max(self.canvas.width() - 20, 1) // (widest + 20 * self.st.scale))
        columns = max(1, min(len(legend.items), fits))
        if legend.columnCount != columns:
            legend.setColumnCount(columns)
            legend.updateSize()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._show_details()
        super().resizeEvent(event)  # redraws when the layout key changes
        if not self._sized and self.comparison and self.split.height() > 50:
            self._sized = True
            self._size_split()

    # --- the plots ----------------------------------------------------------------------

    def _metrics(self) -> list[str]:
        present = {r.metric for r in self.comparison if r.estimated is not None}
        return [m for m in METRIC_ORDER if m in present]

    def redraw(self) -> None:
        st = self.st
        self.reset(self.canvas)
        self.plots, self.points, self.before, self.legend = {}, {}, {}, None
        metrics = self._metrics()
        if not metrics:
            text = "No measurements yet" if not self.comparison else "Nothing to plot"
            self.message(self.canvas, text)
            return
        cols = self._columns(len(metrics))
        legend = LegendCell(st, cols=4)
        self.legend = legend
        self.canvas.addItem(legend, row=0, col=0, colspan=cols)
        colour = st.colour(0)
        calibrated = any(
            r.bundled is not None
            and r.estimated is not None
            and abs(r.bundled / r.estimated - 1) > 0.005
            for r in self.comparison
        )
        samples: dict[str, pg.GraphicsObject] = {}
        for i, metric in enumerate(metrics):
            rows = [r for r in self.comparison if r.metric == metric and r.estimated is not None]
            plot = self.canvas.addPlot(
                row=1 + i // cols, col=i % cols, axisItems=axes(), enableMenu=False
            )
            self.plots[metric] = plot
            u = unit(metric)
            style_plot(
                plot,
                st,
                title=f"{PLOT_TITLES.get(metric, metric)} ({u})",
                left="Measured",
                bottom="Estimated",
            )
            plot.setLogMode(x=True, y=True)
            plot.setMouseEnabled(x=False, y=False)
            xs = [float(r.estimated) for r in rows if r.estimated is not None]
            ys = [r.measured for r in rows]
            moves = calibrated and len(rows) <= MOVES_SHOWN
            olds = [float(r.bundled) for r in rows if r.bundled is not None] if moves else []
            values = [v for v in xs + ys + olds if v > 0]
            lo, hi = min(values) / 1.6, max(values) * 1.6
            # One shaded spread where the points share it (one engine and hardware class);
            # each point's own spread is in its tooltip and the table.
            groups = {(r.family, r.hw_class) for r in rows}
            band = rows[0].band if len(groups) == 1 else None
            if band is not None:
                edge = st.pen(colour, 0.6)
                a = plot.plot([lo, hi], [lo * band[0], hi * band[0]], pen=edge)
                b = plot.plot([lo, hi], [lo * band[1], hi * band[1]], pen=edge)
                plot.addItem(pg.FillBetweenItem(a, b, brush=brush(colour, 45)))
                samples.setdefault(
                    "band",
                    pg.PlotDataItem([], [], pen=edge, fillLevel=0, fillBrush=brush(colour, 45)),
                )
            same = plot.plot([lo, hi], [lo, hi], pen=st.pen(st.muted, 1.5, dash=True))
            samples.setdefault("line", same)
            if moves:
                pairs_x, pairs_y = [], []
                for r in rows:
                    if r.bundled is not None and r.estimated is not None:
                        pairs_x += [float(r.bundled), float(r.estimated)]
                        pairs_y += [r.measured, r.measured]
                plot.plot(pairs_x, pairs_y, pen=st.pen(st.muted, 1), connect="pairs")
                old = plot.plot(
                    olds,
                    [r.measured for r in rows if r.bundled is not None],
                    pen=None,
                    symbol="o",
                    symbolSize=8 * st.scale,
                    symbolBrush=None,
                    symbolPen=st.pen(st.muted, 1.5),
                )
                self.before[metric] = old
                samples.setdefault("before", old)
            pts = plot.plot(
                xs,
                ys,
                pen=None,
                symbol="o",
                symbolSize=9 * st.scale,
                symbolBrush=brush(colour),
                symbolPen=st.pen(st.background, 1),
            )
            pts.setZValue(5)
            self.points[metric] = pts
            samples.setdefault("points", pts)
            plot.setXRange(math.log10(lo), math.log10(hi), padding=0)
            plot.setYRange(math.log10(lo), math.log10(hi), padding=0)
            hover = self.hover(plot)
            hover.add(xs, ys, [self._tooltip(r) for r in rows])
        for key, label in (
            ("points", "Measured vs estimated"),
            ("before", "Before calibration"),
            ("line", "Measured = estimated"),
            ("band", "Usual spread (p10–p90)"),
        ):
            if key in samples:
                legend.addItem(samples[key], label)
        lay = self.canvas.ci.layout
        for c in range(cols):
            lay.setColumnStretchFactor(c, 1)
        for row in range(1, 1 + math.ceil(len(metrics) / cols)):
            lay.setRowStretchFactor(row, 1)
        self._fit_legend()
