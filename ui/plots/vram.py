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

    def redraw(self) -> None:
        d, st = self.dashboard, self.st
        self.reset(self.canvas)
        self.bar_items, self.context_item = [], None
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
            self.message(self.canvas, "No results yet")
            return
        self._bars()
        if d.context_curve:
            self._context()
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

    def _bars(self) -> None:
        d, st = self.dashboard, self.st
        assert d is not None
        mem = d.memory
        n = len(mem)
        gpu = d.estimate.deployment.gpu.name
        title = "Memory per GPU" if d.fits else "Memory per GPU: does not fit"
        plot = self.canvas.addPlot(row=0, col=0, axisItems=axes())
        many = n > 1  # stage numbers as ticks; "GPU (stage i, xN)" labels would not fit
        tp = d.estimate.deployment.tp
        per_stage = f", {tp} per stage" if tp > 1 else ""
        style_plot(
            plot,
            st,
            title=title,
            left="Memory (GiB)",
            bottom=f"Pipeline stage ({gpu}{per_stage})" if many else "",
        )
        if not d.fits:
            plot.titleLabel.setText(title, color=st.highlight, size=st.pt(10.5), bold=True)
        legend = LegendCell(st, cols=self.legend_cols(self._shares()[0], 135, 3))
        self.canvas.addItem(legend, row=1, col=0)
        x = np.arange(n, dtype=float)
        bottom = np.zeros(n)
        edge = st.pen(st.background, 1)
        for name, attr, colour in PARTS:
            h = np.array([getattr(g, attr) for g in mem])
            item = pg.BarGraphItem(
                x=x, height=h, y0=bottom.copy(), width=BAR_WIDTH, brush=brush(colour), pen=edge
            )
            plot.addItem(item)
            legend.addItem(item, name)
            self.bar_items.append(item)
            bottom += h
        half = BAR_WIDTH / 2 + 0.12
        seg_x = np.repeat(x, 2) + np.tile([-half, half], n)
        cap = pg.PlotDataItem(
            seg_x, np.repeat([g.capacity_gib for g in mem], 2), connect="pairs",
            pen=st.pen(st.foreground, 2.5),
        )  # fmt: skip
        usable = pg.PlotDataItem(
            seg_x, np.repeat([g.usable_gib for g in mem], 2), connect="pairs",
            pen=st.pen(st.highlight, 2.5, dash=True),
        )  # fmt: skip
        for item, name in ((cap, "Capacity"), (usable, "Usable limit")):
            plot.addItem(item)
            legend.addItem(item, name)
        ticks = [(i, str(i + 1) if many else label) for i, label in enumerate(d.gpu_labels)]
        plot.getAxis("bottom").setTicks([ticks])
        plot.getAxis("bottom").setGrid(False)
        plot.getAxis("bottom").setStyle(tickLength=0)
        top = max(max(g.total_gib, g.capacity_gib) for g in mem)
        plot.setXRange(-0.6, n - 0.4, padding=0)
        plot.setYRange(0, top * 1.08, padding=0)
        plot.setMouseEnabled(x=False, y=False)
        hover = self.hover(plot)
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
        hover.add(x, [g.total_gib / 2 for g in mem], texts)

    def _context(self) -> None:
        d, st = self.dashboard, self.st
        assert d is not None
        plot = self.canvas.addPlot(row=0, col=1, axisItems=axes())
        style_plot(
            plot,
            st,
            title="Largest context that fits",
            left="Context (tokens)",
            bottom="Concurrent sequences",
        )
        plot.setLogMode(x=True, y=True)
        cs = [float(c) for c, _ in d.context_curve]
        ctx = [float(t) for _, t in d.context_curve]
        legend = LegendCell(st, cols=self.legend_cols(self._shares()[1], 215, 2))
        self.canvas.addItem(legend, row=1, col=1)
        self.context_item = plot.plot(
            cs,
            ctx,
            pen=st.pen(st.colour(0), 2.5),
            symbol="o",
            symbolSize=6 * st.scale,
            symbolBrush=brush(st.colour(0)),
            symbolPen=None,
        )
        legend.addItem(self.context_item, "Largest context")
        est = d.estimate
        seq = est.workload.seq_tokens
        if est.batch >= 1 and seq > 0:
            here = pg.ScatterPlotItem(
                [math.log10(est.batch)],
                [math.log10(seq)],
                symbol="star",
                size=16 * st.scale,
                brush=brush(st.highlight),
                pen=st.pen(st.background, 1),
            )
            here.setZValue(10)
            plot.addItem(here)
            legend.addItem(here, f"This plan: {si(est.batch)} × {si(seq)} tokens")
        hover = self.hover(plot, x_only=True)
        hover.add(
            cs,
            ctx,
            [f"{si(c)} sequences\nup to {si(t)} tokens each" for c, t in zip(cs, ctx, strict=True)],
        )
        for c, t in d.context_curve:
            self.rows.append(["context", None, None, None, None, None, None, None, None, c, t])
