"""Cost tab: monthly cost against volume (self-hosted vs APIs), cost per million tokens,
hybrid routing and quality against price, on three sub-tabs that each read at 750x450."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtWidgets  # before pyqtgraph, so that it binds to PySide6

# isort: split
import pyqtgraph as pg

from planner.dashboard import CostLine, Dashboard
from ui.plots.style import LegendCell, PlotView, axes, brush, si, style_plot, usd

MAX_LINES = 12  # more than this: self-hosted, the closed APIs and the 3 cheapest hosted-open
HEADER = [
    "plot",
    "option",
    "kind",
    "tokens per month",
    "USD per month",
    "USD per Mtok",
    "USD per Mtok low",
    "USD per Mtok high",
    "self-hosted share (%)",
    "score",
    "benchmark",
]


def shown_lines(d: Dashboard) -> list[CostLine]:
    """The cost lines drawn: all of them, or when too many the self-hosted one, the closed
    APIs and the three cheapest hosted-open ones."""
    lines = list(d.cost_lines)
    if len(lines) <= MAX_LINES:
        return lines
    hosted = sorted((c for c in lines if c.kind == "hosted-open"), key=lambda c: c.usd_per_mtok)
    keep = {id(c) for c in hosted[:3]}
    return [c for c in lines if c.kind != "hosted-open" or id(c) in keep]


def short(line: CostLine) -> str:
    return "Self-hosted" if line.kind == "self" else line.label


class CostView(PlotView):
    title = "Cost"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setDocumentMode(True)
        self.volume_canvas = self.new_canvas()
        self.bars_canvas = self.new_canvas()
        self.extra_canvas = self.new_canvas()
        self.tabs.addTab(self.volume_canvas, "Monthly cost")
        self.tabs.addTab(self.bars_canvas, "Per million tokens")
        self.tabs.addTab(self.extra_canvas, "Hybrid · quality")
        self.body.addWidget(self.tabs)
        self.line_items: dict[str, pg.PlotDataItem] = {}
        self.break_even_points: list[tuple[float, float]] = []
        self.break_even_key: pg.TextItem | None = None
        self.bar_values: list[tuple[str, float]] = []
        self.hybrid_item: pg.PlotDataItem | None = None
        self.quality_item: pg.ScatterPlotItem | None = None
        self.redraw()

    def plot_widget(self) -> QtWidgets.QWidget:
        return self.tabs.currentWidget()

    def _legend_place(self, entries: int) -> tuple[bool, int]:
        """Legend of the monthly-cost plot: beside it (one column) when it fits in the height,
        else below it."""
        below = entries * 17 * self.st.scale > self.height() - 70
        return below, self.legend_cols(1.0, 230, 3) if below else 1

    def layout_key(self) -> object:
        d = self.dashboard
        return self._legend_place(len(shown_lines(d)) + 1) if d and d.cost_lines else None

    def redraw(self) -> None:
        d = self.dashboard
        font = QtWidgets.QApplication.font()
        font.setPointSizeF(font.pointSizeF() * self.st.scale)
        self.tabs.tabBar().setFont(font)
        for c in (self.volume_canvas, self.bars_canvas, self.extra_canvas):
            self.reset(c)
        self.line_items, self.break_even_points, self.bar_values = {}, [], []
        self.break_even_key = None
        self.hybrid_item = self.quality_item = None
        self.header, self.rows = list(HEADER), []
        why = (
            "No results yet"
            if d is None
            else "No costs: the model does not fit"
            if not d.fits
            else "No costs: this scenario has no cost workload (monthly volume and prices)"
            if not d.cost_lines
            else ""
        )
        if d is None or why:
            for c in (self.volume_canvas, self.bars_canvas, self.extra_canvas):
                self.message(c, why)
            return
        lines = shown_lines(d)
        self._volume(d, lines)
        self._bars(lines)
        self._hybrid(d)
        self._quality(d)

    def _volume(self, d: Dashboard, lines: list[CostLine]) -> None:
        st, canvas = self.st, self.volume_canvas
        plot = canvas.addPlot(row=0, col=0, axisItems=axes(left_prefix="$"))
        style_plot(
            plot,
            st,
            title="Monthly cost against volume",
            left="Cost per month (USD)",
            bottom="Tokens per month",
        )
        plot.setLogMode(x=True, y=True)
        ordered = sorted(lines, key=lambda c: (c.kind != "self", -c.usd_per_mtok))
        below, cols = self._legend_place(len(ordered) + 1)
        legend = LegendCell(st, cols=cols)
        canvas.addItem(legend, row=1 if below else 0, col=0 if below else 1)
        hover = self.hover(plot)
        colour_of: dict[str, str] = {}
        for i, c in enumerate(o for o in ordered if o.kind != "self"):
            colour_of[c.label] = st.colour(i)
        for i, c in enumerate(ordered):
            if c.kind == "self":
                kw = {"pen": st.pen(st.highlight, 3.5), "symbol": "o", "symbolPen": None}
                kw["symbolBrush"], kw["symbolSize"] = brush(st.highlight), 5 * st.scale
            else:
                colour = colour_of[c.label]
                sym = st.symbol(i - 1)
                kw = {"pen": st.pen(colour, 1.8, dash=c.kind == "hosted-open"), "symbol": sym}
                kw.update(symbolBrush=brush(colour), symbolPen=None, symbolSize=5 * st.scale)
            item = plot.plot(list(c.tokens_per_month), list(c.usd_per_month), **kw)
            item.setZValue(5 if c.kind == "self" else 1)
            self.line_items[c.label] = item
            legend.addItem(item, short(c))
            hover.add(
                c.tokens_per_month,
                c.usd_per_month,
                [f"{c.label}\n{si(t)} tokens/month\n{usd(u)}/month" for t, u in
                 zip(c.tokens_per_month, c.usd_per_month, strict=True)],
            )  # fmt: skip
            self.rows += [
                ["monthly cost", c.label, c.kind, t, u] + [None] * 6
                for t, u in zip(c.tokens_per_month, c.usd_per_month, strict=True)
            ]
        xs = [t for c in lines for t in c.tokens_per_month]
        ys = [u for c in lines for u in c.usd_per_month if u > 0]
        y0, y1 = math.log10(min(ys)), math.log10(max(ys))
        plot.setXRange(math.log10(min(xs)), math.log10(max(xs)), padding=0.02)
        plot.setYRange(y0, y1, padding=0.03)
        self._break_evens(d, plot, colour_of, legend)
        vol = d.volume_tokens_per_month
        if vol:
            line = pg.InfiniteLine(
                pos=math.log10(vol), angle=90, pen=st.pen(st.foreground, 1.5, dot=True),
                label=f"your volume\n{si(vol)} tokens/month",
                labelOpts={"position": 0.03, "anchors": [(-0.05, 1), (-0.05, 1)],
                           "color": st.foreground, "fill": brush(st.background, 200)},
            )  # fmt: skip
            line.label.setFont(st.font(8))
            plot.addItem(line, ignoreBounds=True)
            self.rows.append(["volume", "this scenario", "", vol] + [None] * 7)
        plot.setMouseEnabled(x=False, y=False)
        canvas.ci.layout.setColumnStretchFactor(0, 1)
        canvas.ci.layout.setRowStretchFactor(0, 1)

    def _break_evens(self, d, plot, colour_of, legend) -> None:  # type: ignore[no-untyped-def]
        st = self.st
        bes = [b for b in d.break_evens if b.tokens_per_month > 0 and b.usd_per_month > 0]
        if not bes:
            return
        self.break_even_points = [(b.tokens_per_month, b.usd_per_month) for b in bes]
        marks = plot.plot(
            [b.tokens_per_month for b in bes], [b.usd_per_month for b in bes], pen=None,
            symbol="d", symbolSize=11 * st.scale, symbolPen=st.pen(st.foreground, 1.2),
            symbolBrush=[brush(colour_of.get(b.api, st.muted)) for b in bes],
        )  # fmt: skip
        marks.setZValue(10)
        legend.addItem(marks, "Break-even")
        # Each distinct point gets a number beside it (alternately above and below, as they
        # crowd) and a line in a key in the top-left corner, which per-token prices leave empty.
        groups: dict[tuple[float, float], list[str]] = {}
        for b in bes:
            key = (round(math.log10(b.tokens_per_month), 3), round(math.log10(b.usd_per_month), 3))
            groups.setdefault(key, []).append(b.api)
        key_lines = []
        for i, ((lx, ly), names) in enumerate(sorted(groups.items())):
            num = pg.TextItem(str(i + 1), color=st.foreground, anchor=(0.5, 1.1 if i % 2 else -0.1))
            num.setFont(st.font(8, bold=True))
            num.setPos(lx, ly)
            num.setZValue(9)
            plot.addItem(num, ignoreBounds=True)
            key_lines.append(f"<b>{i + 1}</b>&nbsp;{' / '.join(names)}: {si(10**lx)}")
        (x0, _), (_, y1) = plot.viewRange()
        box = pg.TextItem(
            html=f"<span style='color:{st.foreground}; font-size:{st.pt(8)}'>"
            "Break-even, tokens/month<br>" + "<br>".join(key_lines) + "</span>",
            fill=brush(st.background, 215), anchor=(0, 0),
        )  # fmt: skip
        box.setPos(x0, y1)
        box.setZValue(9)
        plot.addItem(box, ignoreBounds=True)
        self.break_even_key = box
        self.rows += [
            ["break-even", b.api, "closed", b.tokens_per_month, b.usd_per_month] + [None] * 6
            for b in bes
        ]

    def _bars(self, lines: list[CostLine]) -> None:
        st, canvas = self.st, self.bars_canvas
        plot = canvas.addPlot(row=0, col=0, axisItems=axes(bottom_prefix="$"))
        style_plot(
            plot, st, title="Cost per million tokens at your volume", left="",
            bottom="Cost per million tokens (USD)",
        )  # fmt: skip
        ordered = sorted(lines, key=lambda c: c.usd_per_mtok)
        n = len(ordered)
        colours = {"self": st.highlight, "closed": st.colour(0), "hosted-open": st.colour(2)}
        names = {"self": "Self-hosted", "closed": "Closed API", "hosted-open": "Hosted open model"}
        legend = LegendCell(st, cols=3)
        canvas.addItem(legend, row=1, col=0)
        ys = np.arange(n)[::-1].astype(float)  # cheapest at the top
        for kind in ("self", "closed", "hosted-open"):
            idx = [i for i, c in enumerate(ordered) if c.kind == kind]
            if not idx:
                continue
            item = pg.BarGraphItem(
                x0=0, y=ys[idx], height=0.7, width=[ordered[i].usd_per_mtok for i in idx],
                brush=brush(colours[kind]), pen=st.pen(st.foreground if kind == "self" else
                                                       st.background, 1.5 if kind == "self" else 1),
            )  # fmt: skip
            plot.addItem(item)
            legend.addItem(item, names[kind])
        top = max(max(c.usd_per_mtok_high, c.usd_per_mtok) for c in ordered)
        hover = self.hover(plot)
        for y, c in zip(ys, ordered, strict=True):
            self.bar_values.append((c.label, c.usd_per_mtok))
            rng = c.kind == "self" and c.usd_per_mtok_high > c.usd_per_mtok_low
            if rng:
                plot.addItem(pg.ErrorBarItem(
                    x=np.array([c.usd_per_mtok]), y=np.array([y]), beam=0.35,
                    left=np.array([c.usd_per_mtok - c.usd_per_mtok_low]),
                    right=np.array([c.usd_per_mtok_high - c.usd_per_mtok]),
                    pen=st.pen(st.foreground, 1.5),
                ))  # fmt: skip
            label = f"${c.usd_per_mtok:.2f}" + (
                f" (${c.usd_per_mtok_low:.2f}–{c.usd_per_mtok_high:.2f})" if rng else ""
            )
            t = pg.TextItem(label, color=st.foreground, anchor=(0, 0.5))
            t.setFont(st.font(8, bold=c.kind == "self"))
            t.setPos(max(c.usd_per_mtok, c.usd_per_mtok_high if rng else 0) + top * 0.01, y)
            plot.addItem(t)
            hover.add([c.usd_per_mtok / 2], [y], [f"{c.label}\n{label} per million tokens"])
            lo, hi = c.usd_per_mtok_low, c.usd_per_mtok_high
            self.rows.append(
                ["per Mtok", c.label, c.kind, None, None, c.usd_per_mtok, lo, hi] + [None] * 3
            )
        ax = plot.getAxis("left")
        ax.setTicks([[(y, short(c)) for y, c in zip(ys, ordered, strict=True)]])
        ax.setStyle(tickFont=st.font(8.5 if n < 14 else 8), tickLength=0)
        plot.getAxis("left").setGrid(False)
        plot.setXRange(0, top * 1.22, padding=0)
        plot.setYRange(-0.6, n - 0.4, padding=0)
        plot.setMouseEnabled(x=False, y=False)
        canvas.ci.layout.setRowStretchFactor(0, 1)

    def _hybrid(self, d: Dashboard) -> None:
        st, canvas = self.st, self.extra_canvas
        if not d.hybrid:
            canvas.addLabel("No hybrid routing curve", row=0, col=0, color=st.muted)
            return
        plot = canvas.addPlot(row=0, col=0, axisItems=axes(left_prefix="$"))
        style_plot(
            plot, st, title=f"Hybrid: self-hosted + {d.hybrid_api or 'API'}",
            left="Cost per month (USD)", bottom="Traffic served self-hosted (%)",
        )  # fmt: skip
        xs = [s * 100 for s, _ in d.hybrid]
        ys = [u for _, u in d.hybrid]
        self.hybrid_item = plot.plot(
            xs, ys, pen=st.pen(st.colour(0), 2.5), symbol="o", symbolSize=6 * st.scale,
            symbolBrush=brush(st.colour(0)), symbolPen=None,
        )  # fmt: skip
        plot.setXRange(0, 100, padding=0.03)
        plot.setYRange(0, max(ys) * 1.08, padding=0)
        plot.setMouseEnabled(x=False, y=False)
        self.hover(plot, x_only=True).add(
            xs, ys, [f"{x:.0f}% self-hosted\n{usd(y)}/month" for x, y in zip(xs, ys, strict=True)]
        )
        self.rows += [
            ["hybrid", d.hybrid_api, "", None, y, None, None, None, x, None, None]
            for x, y in zip(xs, ys, strict=True)
        ]
        canvas.ci.layout.setColumnStretchFactor(0, 2)

    def _quality(self, d: Dashboard) -> None:
        st, canvas = self.st, self.extra_canvas
        pts = [q for q in d.quality if q.usd_per_mtok > 0]
        if not pts:
            canvas.addLabel("No quality scores for these models", row=0, col=1, color=st.muted)
            return
        plot = canvas.addPlot(row=0, col=1, axisItems=axes(bottom_prefix="$"))
        bench = pts[0].benchmark
        style_plot(
            plot, st, title=f"Quality against price ({bench})", left=f"{bench} score",
            bottom="Cost per million tokens (USD, log)",
        )  # fmt: skip
        plot.setLogMode(x=True, y=False)
        xs = [math.log10(q.usd_per_mtok) for q in pts]
        self.quality_item = pg.ScatterPlotItem(
            xs, [q.score for q in pts],
            size=[(17 if q.self_hosted else 9) * st.scale for q in pts],
            symbol=["star" if q.self_hosted else "o" for q in pts],
            brush=[brush(st.highlight if q.self_hosted else st.colour(0)) for q in pts],
            pen=st.pen(st.background, 1),
        )  # fmt: skip
        plot.addItem(self.quality_item)
        mid = (min(xs) + max(xs)) / 2
        for x, q in zip(xs, pts, strict=True):
            name = "Self-hosted" if q.self_hosted else q.label
            t = pg.TextItem(name, color=st.highlight if q.self_hosted else st.foreground,
                            anchor=(1.08, 0.5) if x > mid else (-0.08, 0.5))  # fmt: skip
            t.setFont(st.font(8, bold=q.self_hosted))
            t.setPos(x, q.score)
            plot.addItem(t)
            self.rows.append(["quality", q.label, "self" if q.self_hosted else "api", None, None,
                              q.usd_per_mtok, None, None, None, q.score, q.benchmark])  # fmt: skip
        scores = [q.score for q in pts]
        span = max(max(scores) - min(scores), 1.0)
        plot.setYRange(min(scores) - 0.08 * span, max(scores) + 0.08 * span, padding=0)
        plot.setXRange(min(xs), max(xs), padding=0.12)
        plot.setMouseEnabled(x=False, y=False)
        self.hover(plot).add(
            [q.usd_per_mtok for q in pts], scores,
            [f"{q.label}\n{q.benchmark} {q.score:g}\n${q.usd_per_mtok:.2f} per Mtok" for q in pts],
        )  # fmt: skip
        canvas.ci.layout.setColumnStretchFactor(1, 3)
        canvas.ci.layout.setRowStretchFactor(0, 1)
