"""VRAM tab: memory per GPU as stacked bars against capacity, and the context that fits."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtWidgets  # before pyqtgraph, so that it binds to PySide6

# isort: split
import pyqtgraph as pg

from ui.plots.style import (
    BLUE,
    GREEN,
    ORANGE,
    PURPLE,
    LegendCell,
    PlotView,
    axes,
    brush,
    curve,
    relabel_axis,
    retitle,
    set_data,
    si,
    style_plot,
)

PARTS = (
    ("Weights", "weights_gib", BLUE),
    ("KV cache", "kv_cache_gib", ORANGE),
    ("Activations", "activation_gib", GREEN),
    ("Runtime overhead", "overhead_gib", PURPLE),
)
BAR_WIDTH = 0.6


class VramView(PlotView):
    title = "VRAM"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = self.new_canvas()
        self.body.addWidget(self.canvas)
        self.bar_items: list[pg.BarGraphItem] = []
        self.context_item: pg.PlotDataItem | None = None
        self.redraw()

    def plot_widget(self) -> QtWidgets.QWidget:
        return self.canvas

    def _shares(self) -> tuple[float, float]:
        n = len(self.dashboard.memory) if self.dashboard is not None else 1
        bars = 2 + min(n, 4)
        return bars / (bars + 5), 5 / (bars + 5)

    def layout_key(self) -> object:
        a, b = self._shares()
        return self.legend_cols(a, 135, 3), self.legend_cols(b, 215, 2)

    def shape(self) -> object:
        """What is drawn, not the numbers: a new dashboard of the same shape is set in place."""
        d = self.dashboard
        if d is None:
            return None
        est = d.estimate
        here = est.batch >= 1 and est.workload.seq_tokens > 0
        return len(d.memory), bool(d.context_curve), here

    def redraw(self) -> None:
        d = self.dashboard
        if self.reshape("canvas", self.shape()):
            self._build()
        self.header = [
            "series",
            "gpu",
            *(f"{name} (GiB)" for name, _, _ in PARTS),
            "total (GiB)",
            "capacity (GiB)",
            "usable (GiB)",
            "concurrency (sequences)",
            "largest context (tokens)",
        ]
        self.rows = []
        if d is None:
            return
        self._fill_bars()
        if d.context_curve:
            self._fill_context()

    def _build(self) -> None:
        d, st = self.dashboard, self.st
        self.reset(self.canvas)
        self.bar_items, self.context_item = [], None
        if d is None:
            self.message(self.canvas, "No results yet")
            return
        self._build_bars()
        if d.context_curve:
            self._build_context()
        else:
            self.canvas.addLabel(
                "Not even one short sequence fits:<br>no context curve",
                row=0,
                col=1,
                color=st.muted,
                size=st.pt(10),
            )
        lay = self.canvas.ci.layout
        a, b = self._shares()
        lay.setColumnStretchFactor(0, round(a * 100))
        lay.setColumnStretchFactor(1, round(b * 100))
        lay.setRowStretchFactor(0, 1)

    def _build_bars(self) -> None:
        d, st = self.dashboard, self.st
        assert d is not None
        plot = self.add_plot(self.canvas, 0, 0, axes())
        self.bar_plot = plot
        self.bar_ticks: list[list[tuple[int, str]]] = []
        self.many = many = len(d.memory) > 1  # stage numbers as ticks: labels would not fit
        style_plot(plot, st, title="", left="Memory (GiB)", bottom=" " if many else "")
        legend = LegendCell(st, cols=self.legend_cols(self._shares()[0], 135, 3))
        self.canvas.addItem(legend, row=1, col=0)
        edge = st.pen(st.background, 1)
        for name, _, colour in PARTS:
            item = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, brush=brush(colour), pen=edge)
            plot.addItem(item)
            legend.addItem(item, name)
            self.bar_items.append(item)
        self.capacity_item = curve(connect="pairs", pen=st.pen(st.foreground, 2.5))
        self.usable_item = curve(connect="pairs", pen=st.pen(st.highlight, 2.5, dash=True))
        for item, name in ((self.capacity_item, "Capacity"), (self.usable_item, "Usable limit")):
            plot.addItem(item)
            legend.addItem(item, name)
        plot.getAxis("bottom").setGrid(False)
        plot.getAxis("bottom").setStyle(tickLength=0)
        plot.setMouseEnabled(x=False, y=False)
        self.bar_hover = self.hover(plot)

    def _fill_bars(self) -> None:
        d, st = self.dashboard, self.st
        assert d is not None
        plot, mem, many = self.bar_plot, d.memory, self.many
        n = len(mem)
        title = "Memory per GPU" if d.fits else "Memory per GPU: does not fit"
        retitle(plot, st, title, None if d.fits else st.highlight)
        if many:
            tp = d.estimate.deployment.tp
            per_stage = f", {tp} per stage" if tp > 1 else ""
            gpu = d.estimate.deployment.gpu.name
            relabel_axis(plot, st, "bottom", f"Pipeline stage ({gpu}{per_stage})")
        x = np.arange(n, dtype=float)
        bottom = np.zeros(n)
        for item, (_, attr, _) in zip(self.bar_items, PARTS, strict=True):
            h = np.array([getattr(g, attr) for g in mem], dtype=float)
            item.setOpts(x=x, height=h, y0=bottom.copy())
            bottom += h
        half = BAR_WIDTH / 2 + 0.12
        seg_x = np.repeat(x, 2) + np.tile([-half, half], n)
        set_data(self.capacity_item, seg_x, np.repeat([g.capacity_gib for g in mem], 2))
        set_data(self.usable_item, seg_x, np.repeat([g.usable_gib for g in mem], 2))
        ticks = [(i, str(i + 1) if many else label) for i, label in enumerate(d.gpu_labels)]
        if [ticks] != self.bar_ticks:
            plot.getAxis("bottom").setTicks([ticks])
            self.bar_ticks = [ticks]
        top = max(max(g.total_gib, g.capacity_gib) for g in mem)
        plot.setXRange(-0.6, n - 0.4, padding=0)
        plot.setYRange(0, top * 1.08, padding=0)
        texts = []
        for label, g in zip(d.gpu_labels, mem, strict=True):
            lines = [f"{name}: {getattr(g, attr):.1f} GiB" for name, attr, _ in PARTS]
            texts.append(
                "\n".join(
                    [
                        label,
                        *lines,
                        f"Total: {g.total_gib:.1f} GiB",
                        f"Usable: {g.usable_gib:.1f} of {g.capacity_gib:.0f} GiB",
                    ]
                )
            )
            self.rows.append(
                [
                    "memory",
                    label,
                    *(getattr(g, attr) for _, attr, _ in PARTS),
                    g.total_gib,
                    g.capacity_gib,
                    g.usable_gib,
                    None,
                    None,
                ]
            )
        self.bar_hover.clear()
        self.bar_hover.add(x, [g.total_gib / 2 for g in mem], texts)

    def _build_context(self) -> None:
        d, st = self.dashboard, self.st
        assert d is not None
        plot = self.add_plot(self.canvas, 0, 1, axes())
        style_plot(
            plot,
            st,
            title="Largest context that fits",
            left="Context (tokens)",
            bottom="Concurrent sequences",
        )
        plot.setLogMode(x=True, y=True)
        legend = LegendCell(st, cols=self.legend_cols(self._shares()[1], 215, 2))
        self.context_legend = legend
        self.canvas.addItem(legend, row=1, col=1)
        self.context_item = curve(
            plot,
            pen=st.pen(st.colour(0), 2.5),
            symbol="o",
            symbolSize=6 * st.scale,
            symbolBrush=brush(st.colour(0)),
            symbolPen=None,
        )
        legend.addItem(self.context_item, "Largest context")
        self.here_item: pg.ScatterPlotItem | None = None
        est = d.estimate
        if est.batch >= 1 and est.workload.seq_tokens > 0:
            here = pg.ScatterPlotItem(
                symbol="star",
                size=16 * st.scale,
                brush=brush(st.highlight),
                pen=st.pen(st.background, 1),
            )
            here.setZValue(10)
            plot.addItem(here)
            self.here_label = legend.add(here, "This plan")
            self.here_item = here
        self.context_hover = self.hover(plot, x_only=True)

    def _fill_context(self) -> None:
        d = self.dashboard
        assert d is not None and self.context_item is not None
        cs = [float(c) for c, _ in d.context_curve]
        ctx = [float(t) for _, t in d.context_curve]
        set_data(self.context_item, cs, ctx)
        est = d.estimate
        seq = est.workload.seq_tokens
        if self.here_item is not None:
            self.here_item.setData([math.log10(est.batch)], [math.log10(seq)])
            text = f"This plan: {si(est.batch)} × {si(seq)} tokens"
            self.context_legend.relabel(self.here_label, text)
        self.context_hover.clear()
        self.context_hover.add(
            cs,
            ctx,
            [f"{si(c)} sequences\nup to {si(t)} tokens each" for c, t in zip(cs, ctx, strict=True)],
        )
        for c, t in d.context_curve:
            self.rows.append(["context", None, None, None, None, None, None, None, None, c, t])
