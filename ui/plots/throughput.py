"""Throughput tab: tokens/s and latency against concurrency, with p10..p90 bands and targets."""

from __future__ import annotations

import math

from PySide6 import QtWidgets  # before pyqtgraph, so that it binds to PySide6

# isort: split
import pyqtgraph as pg

from planner.dashboard import SweepPoint
from ui.plots.style import (
    LegendCell,
    PlotView,
    Style,
    axes,
    brush,
    curve,
    nice_ceiling,
    set_data,
    si,
    snapped_log_range,
    style_plot,
)

HEADER = [
    "concurrency (sequences)",
    "output tokens/s (all users)",
    "output tokens/s p10",
    "output tokens/s p90",
    "tokens/s per user",
    "TTFT (ms)",
    "TTFT p10 (ms)",
    "TTFT p90 (ms)",
    "TPOT (ms)",
    "TPOT p10 (ms)",
    "TPOT p90 (ms)",
]


def _ms(v: float) -> str:
    return f"{v / 1000:.3g} s" if v >= 1000 else f"{v:.3g} ms"


class Band:
    """A p10..p90 band: two edge curves and the fill between them (and a legend sample)."""

    def __init__(self, plot: pg.PlotItem, st: Style, colour: str) -> None:
        edge = st.pen(colour, 0.6)
        edge.setColor(pg.mkColor(colour).lighter(110))
        self.lo = curve(plot, pen=edge)
        self.hi = curve(plot, pen=edge)
        self.fill = pg.FillBetweenItem(self.lo, self.hi, brush=brush(colour, 60))
        plot.addItem(self.fill)
        self.sample = pg.PlotDataItem([], [], pen=edge, fillLevel=0, fillBrush=brush(colour, 60))

    def set(self, xs: list[float], lo: list[float], hi: list[float]) -> None:
        set_data(self.lo, xs, lo)
        set_data(self.hi, xs, hi)


class ThroughputView(PlotView):
    title = "Throughput"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = self.new_canvas()
        self.body.addWidget(self.canvas)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.bands: list[pg.FillBetweenItem] = []
        self.target_lines: dict[str, pg.InfiniteLine] = {}
        self._user_box: pg.ViewBox | None = None
        self.redraw()

    def plot_widget(self) -> QtWidgets.QWidget:
        return self.canvas

    def layout_key(self) -> object:
        return self.legend_cols(0.5, 190, 2)

    def shape(self) -> object:
        """What is drawn, not the numbers: a new dashboard of the same shape is set in place."""
        d = self.dashboard
        if d is None:
            return None
        if not d.sweep:
            return "empty", d.fits
        return "sweep", bool(d.ttft_target_ms), bool(d.tpot_target_ms)

    def redraw(self) -> None:
        d = self.dashboard
        if self.reshape("canvas", self.shape()):
            self._build()
        self.header, self.rows = list(HEADER), []
        if d is None or not d.sweep:
            return
        pts = list(d.sweep)
        self.rows = [
            [
                p.concurrency,
                p.tokens_per_s,
                p.tokens_per_s_low,
                p.tokens_per_s_high,
                p.per_user_tokens_per_s,
                p.ttft_ms,
                p.ttft_ms_low,
                p.ttft_ms_high,
                p.tpot_ms,
                p.tpot_ms_low,
                p.tpot_ms_high,
            ]
            for p in pts
        ]
        self._fill_throughput(pts)
        self._fill_latency(pts)

    def _build(self) -> None:
        d = self.dashboard
        if self._user_box is not None and self._user_box.scene() is not None:
            self._user_box.scene().removeItem(self._user_box)
        self._user_box = None
        self.reset(self.canvas)
        self.curves, self.bands, self.target_lines = {}, [], {}
        if d is None:
            self.message(self.canvas, "No results yet")
            return
        if not d.sweep:
            why = "the model does not fit in memory" if not d.fits else "no batch can run"
            self.message(self.canvas, f"No throughput to show: {why}")
            return
        self._build_throughput()
        self._build_latency()
        lay = self.canvas.ci.layout
        lay.setColumnStretchFactor(0, 1)
        lay.setColumnStretchFactor(1, 1)
        lay.setRowStretchFactor(0, 1)

    def _build_throughput(self) -> None:
        st = self.st
        plot = self.add_plot(self.canvas, 0, 0, axes(right=True))
        self.throughput_plot = plot
        style_plot(
            plot,
            st,
            title="Output tokens per second",
            left="All users (tokens/s)",
            bottom="Concurrent sequences",
            right="Per user (tokens/s)",
        )
        plot.setLogMode(x=True, y=False)
        legend = LegendCell(st, cols=self.legend_cols(0.5, 190, 2))
        self.canvas.addItem(legend, row=1, col=0)
        total_c, user_c = st.colour(0), st.colour(1)
        self.total_band = Band(plot, st, total_c)
        self.bands.append(self.total_band.fill)
        total = curve(
            plot, pen=st.pen(total_c, 2.5), symbol="o",
            symbolSize=6 * st.scale, symbolBrush=brush(total_c), symbolPen=None,
        )  # fmt: skip
        self.curves["total"] = total
        legend.addItem(total, "All users")
        legend.addItem(self.total_band.sample, "p10–p90")
        # Per-user speed on the right axis: its own view box, x linked to the plot's.
        box = pg.ViewBox(enableMenu=False)
        plot.scene().addItem(box)
        plot.getAxis("right").linkToView(box)
        box.setXLink(plot)
        box.setMouseEnabled(x=False, y=False)
        user = curve(
            pen=st.pen(user_c, 2.5, dash=True),
            symbol="s", symbolSize=6 * st.scale, symbolBrush=brush(user_c), symbolPen=None,
        )  # fmt: skip
        user.setLogMode(True, False)
        box.setZValue(plot.getViewBox().zValue() + 1)  # above the band
        box.addItem(user)
        self.curves["per_user"] = user
        legend.addItem(user, "Per user (right axis)")
        self._user_box = box

        def sync() -> None:
            box.setGeometry(plot.getViewBox().sceneBoundingRect())
            box.linkedViewChanged(plot.getViewBox(), box.XAxis)

        plot.getViewBox().sigResized.connect(sync)
        sync()
        plot.setMouseEnabled(x=False, y=False)
        self.throughput_hover = self.hover(plot, x_only=True)

    def _fill_throughput(self, pts: list[SweepPoint]) -> None:
        plot, box = self.throughput_plot, self._user_box
        assert box is not None
        xs = [float(p.concurrency) for p in pts]
        self.total_band.set(
            xs, [p.tokens_per_s_low for p in pts], [p.tokens_per_s_high for p in pts]
        )
        set_data(self.curves["total"], xs, [p.tokens_per_s for p in pts])
        set_data(self.curves["per_user"], xs, [p.per_user_tokens_per_s for p in pts])
        top_user = max(p.per_user_tokens_per_s for p in pts)
        box.setYRange(0, nice_ceiling(top_user * 1.05), padding=0)
        plot.setYRange(0, nice_ceiling(max(p.tokens_per_s_high for p in pts) * 1.02), padding=0)
        self.throughput_hover.clear()
        self.throughput_hover.add(
            xs,
            [p.tokens_per_s for p in pts],
            [
                f"{p.concurrency} sequences\n"
                f"all users: {si(p.tokens_per_s)} tokens/s\n"
                f"  p10–p90: {si(p.tokens_per_s_low)}–{si(p.tokens_per_s_high)}\n"
                f"per user: {p.per_user_tokens_per_s:.3g} tokens/s"
                for p in pts
            ],
        )

    def _series(self) -> tuple[tuple[str, str, str, str, float | None], ...]:
        d, st = self.dashboard, self.st
        assert d is not None
        return (
            ("TTFT", "ttft_ms", st.colour(0), "o", d.ttft_target_ms),
            ("TPOT", "tpot_ms", st.colour(1), "s", d.tpot_target_ms),
        )

    def _build_latency(self) -> None:
        st = self.st
        plot = self.add_plot(self.canvas, 0, 1, axes())
        self.latency_plot = plot
        style_plot(plot, st, title="Latency", left="Latency (ms)", bottom="Concurrent sequences")
        plot.setLogMode(x=True, y=True)
        legend = LegendCell(st, cols=self.legend_cols(0.5, 190, 2))
        self.canvas.addItem(legend, row=1, col=1)
        self.latency_bands: dict[str, Band] = {}
        for name, attr, colour, sym, target in self._series():
            band = Band(plot, st, colour)
            self.latency_bands[attr] = band
            self.bands.append(band.fill)
            mid = curve(
                plot, pen=st.pen(colour, 2.5), symbol=sym, symbolSize=6 * st.scale,
                symbolBrush=brush(colour), symbolPen=None,
            )  # fmt: skip
            self.curves[attr] = mid
            legend.addItem(mid, f"{name} (p10–p90 band)")
            if target is not None and target > 0:
                line = pg.InfiniteLine(
                    pos=math.log10(target),
                    angle=0,
                    pen=st.pen(colour, 1.8, dash=True),
                    label=f"{name} target {_ms(target)}",
                    labelOpts={
                        "position": 0.02,
                        # TTFT's label above its line, TPOT's below: they sit between.
                        "anchors": [(0, 1), (0, 1)] if name == "TTFT" else [(0, 0), (0, 0)],
                        "color": colour,
                        "fill": brush(st.background, 200),
                    },
                )
                line.label.setFont(st.font(8))
                plot.addItem(line, ignoreBounds=True)
                self.target_lines[name] = line
                dashed = pg.PlotDataItem([], [], pen=st.pen(colour, 1.8, dash=True))
                legend.addItem(dashed, f"{name} target")
        plot.setMouseEnabled(x=False, y=False)
        self.latency_hover = self.hover(plot, x_only=True)

    def _fill_latency(self, pts: list[SweepPoint]) -> None:
        plot = self.latency_plot
        xs = [float(p.concurrency) for p in pts]
        values = []
        for name, attr, _, _, target in self._series():
            lo = [getattr(p, attr + "_low") for p in pts]
            hi = [getattr(p, attr + "_high") for p in pts]
            mid = [getattr(p, attr) for p in pts]
            values += lo + hi
            self.latency_bands[attr].set(xs, lo, hi)
            set_data(self.curves[attr], xs, mid)
            line = self.target_lines.get(name)
            if line is not None and target is not None:
                values.append(target)
                line.setValue(math.log10(target))
                text = f"{name} target {_ms(target)}"
                if line.label.format != text:
                    line.label.setFormat(text)
        positive = [v for v in values if v > 0]
        plot.setYRange(*snapped_log_range(min(positive), max(positive)), padding=0)
        self.latency_hover.clear()
        self.latency_hover.add(
            xs,
            [p.ttft_ms for p in pts],
            [
                f"{p.concurrency} sequences\n"
                f"TTFT: {_ms(p.ttft_ms)} ({_ms(p.ttft_ms_low)}–{_ms(p.ttft_ms_high)})\n"
                f"TPOT: {_ms(p.tpot_ms)} ({_ms(p.tpot_ms_low)}–{_ms(p.tpot_ms_high)})"
                for p in pts
            ],
        )
