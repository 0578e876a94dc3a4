"""Cost tab: monthly cost against volume (self-hosted vs APIs), cost per million tokens,
hybrid routing and quality against price, on three sub-tabs that each read at 750x450."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from PySide6 import QtGui, QtWidgets  # before pyqtgraph, so that it binds to PySide6

# isort: split
import pyqtgraph as pg

from planner.dashboard import BreakEven, CostLine, Dashboard, QualityPoint
from ui.plots.style import (
    LegendCell,
    PlotView,
    axes,
    brush,
    curve,
    nice_ceiling,
    retitle,
    set_data,
    si,
    style_plot,
    usd,
)

KINDS = ("self", "closed", "hosted-open")  # bar items, in the order they are drawn
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


def _volume_text(c: CostLine, i: int) -> str:
    return f"{c.label}\n{si(c.tokens_per_month[i])} tokens/month\n{usd(c.usd_per_month[i])}/month"


def ordered_for_volume(lines: list[CostLine]) -> list[CostLine]:
    """The lines in the order the monthly-cost plot draws them (and gives them colours):
    self-hosted first, then the dearest first."""
    return sorted(lines, key=lambda c: (c.kind != "self", -c.usd_per_mtok))


def csv_rows(d: Dashboard) -> list[list[object]]:
    """The numbers the three sub-tabs plot, as CSV rows (see HEADER)."""
    lines = shown_lines(d)
    rows: list[list[object]] = []
    for c in ordered_for_volume(lines):
        rows += [
            ["monthly cost", c.label, c.kind, t, u] + [None] * 6
            for t, u in zip(c.tokens_per_month, c.usd_per_month, strict=True)
        ]
    rows += [
        ["break-even", b.api, "closed", b.tokens_per_month, b.usd_per_month] + [None] * 6
        for b in d.break_evens
        if b.tokens_per_month > 0 and b.usd_per_month > 0
    ]
    if d.volume_tokens_per_month:
        rows.append(["volume", "this scenario", "", d.volume_tokens_per_month] + [None] * 7)
    for c in sorted(lines, key=lambda c: c.usd_per_mtok):
        lo, hi = c.usd_per_mtok_low, c.usd_per_mtok_high
        rows.append(["per Mtok", c.label, c.kind, None, None, c.usd_per_mtok, lo, hi] + [None] * 3)
    if d.hybrid:
        rows += [
            ["hybrid", d.hybrid_api, "", None, u, None, None, None, s * 100, None, None]
            for s, u in d.hybrid
        ]
    rows += [
        ["quality", q.label, "self" if q.self_hosted else "api", None, None, q.usd_per_mtok,
         None, None, None, q.score, q.benchmark]
        for q in d.quality
        if q.usd_per_mtok > 0
    ]  # fmt: skip
    return rows


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
        self._brushes: dict[tuple[object, str], QtGui.QBrush] = {}
        self._stale: set[int] = set()  # sub-tabs drawn when they are next shown
        self.tabs.currentChanged.connect(self._draw_tab)
        self.redraw()

    def plot_widget(self) -> QtWidgets.QWidget:
        return self.tabs.currentWidget()

    def _brush(self, colour: str) -> QtGui.QBrush:
        """The same brush object for a colour every time: scatter plots cache each symbol
        they draw by the identity of its brush."""
        key = (self.st, colour)
        if key not in self._brushes:
            self._brushes[key] = brush(colour)
        return self._brushes[key]

    def _legend_place(self, entries: int) -> tuple[bool, int]:
        """Legend of the monthly-cost plot: beside it (one column) when it fits in the height,
        else below it."""
        below = entries * 17 * self.st.scale > self.height() - 70
        return below, self.legend_cols(1.0, 230, 3) if below else 1

    def layout_key(self) -> object:
        d = self.dashboard
        return self._legend_place(len(shown_lines(d)) + 1) if d and d.cost_lines else None

    def _why(self) -> str:
        d = self.dashboard
        return (
            "No results yet"
            if d is None
            else "No costs: the model does not fit"
            if not d.fits
            else "No costs: this scenario has no cost workload (monthly volume and prices)"
            if not d.cost_lines
            else ""
        )

    def redraw(self) -> None:
        d = self.dashboard
        font = QtWidgets.QApplication.font()
        font.setPointSizeF(font.pointSizeF() * self.st.scale)
        if self.tabs.tabBar().font() != font:
            self.tabs.tabBar().setFont(font)
        self.header, self.rows = list(HEADER), []
        why = self._why()
        if d is None or why:
            self._stale.clear()
            self.line_items, self.break_even_points, self.bar_values = {}, [], []
            self.break_even_key = None
            self.hybrid_item = self.quality_item = None
            for name, c in (
                ("volume", self.volume_canvas),
                ("bars", self.bars_canvas),
                ("extra", self.extra_canvas),
            ):
                if self.reshape(name, why):
                    self.reset(c)
                    self.message(c, why)
            return
        self.rows = csv_rows(d)
        # The sub-tab on screen now, the others when they are shown.
        self._stale = {0, 1, 2}
        self._draw_tab(self.tabs.currentIndex())

    def _draw_tab(self, index: int) -> None:
        d = self.dashboard
        if index not in self._stale or d is None:
            return
        self._stale.discard(index)
        lines = shown_lines(d)
        if index == 0:
            self._volume(d, lines)
        elif index == 1:
            self._bars(lines)
        else:
            self._extra(d)

    # --- monthly cost against volume -------------------------------------------------

    def _volume(self, d: Dashboard, lines: list[CostLine]) -> None:
        ordered = ordered_for_volume(lines)
        bes = [b for b in d.break_evens if b.tokens_per_month > 0 and b.usd_per_month > 0]
        vol = d.volume_tokens_per_month
        # Lines take the slot of their rank: a new order only relabels the slots.
        shape = (tuple(c.kind for c in ordered), bool(bes), bool(vol))
        if self.reshape("volume", shape):
            self._build_volume(ordered, bool(bes), bool(vol))
        plot = self.volume_plot
        self.line_items, self.break_even_points = {}, []
        colour_of: dict[str, str] = {}
        hover = self.volume_hover
        hover.clear()
        slots = zip(self.slots, self.slot_labels, self.slot_colours, ordered, strict=True)
        for item, label, colour, c in slots:
            if colour is not None:
                colour_of[c.label] = colour
            set_data(item, c.tokens_per_month, c.usd_per_month)
            self.line_items[c.label] = item
            self.volume_legend.relabel(label, short(c))
            hover.add(c.tokens_per_month, c.usd_per_month, partial(_volume_text, c))
        xs = [t for c in lines for t in c.tokens_per_month]
        ys = [u for c in lines for u in c.usd_per_month if u > 0]
        # Ends on quarter decades: small changes keep the axes (and their cached labels).
        y0, y1 = math.log10(min(ys)), math.log10(max(ys))
        x0, x1 = math.log10(min(xs)), math.log10(max(xs))
        plot.setXRange(math.floor(x0 * 4) / 4, math.ceil(x1 * 4) / 4, padding=0.02)
        plot.setYRange(math.floor(y0 * 4) / 4, math.ceil(y1 * 4) / 4, padding=0.03)
        if bes:
            self._break_evens(bes, colour_of)
        if vol and self.volume_line is not None:
            self.volume_line.setValue(math.log10(vol))
            text = f"your volume\n{si(vol)} tokens/month"
            if self.volume_line.label.format != text:
                self.volume_line.label.setFormat(text)

    def _build_volume(self, ordered: list[CostLine], bes: bool, vol: bool) -> None:
        st, canvas = self.st, self.volume_canvas
        self.reset(canvas)
        plot = self.add_plot(canvas, 0, 0, axes(left_prefix="$"))
        self.volume_plot = plot
        style_plot(
            plot,
            st,
            title="Monthly cost against volume",
            left="Cost per month (USD)",
            bottom="Tokens per month",
        )
        plot.setLogMode(x=True, y=True)
        below, cols = self._legend_place(len(ordered) + 1)
        legend = LegendCell(st, cols=cols)
        self.volume_legend = legend
        canvas.addItem(legend, row=1 if below else 0, col=0 if below else 1)
        self.volume_hover = self.hover(plot)
        self.slots: list[pg.PlotDataItem] = []
        self.slot_labels: list[pg.LabelItem] = []
        self.slot_colours: list[str | None] = []  # None: self-hosted (the highlight)
        apis = 0
        for i, c in enumerate(ordered):
            colour: str | None = None
            if c.kind == "self":
                kw = {"pen": st.pen(st.highlight, 3.5), "symbol": "o", "symbolPen": None}
                kw["symbolBrush"], kw["symbolSize"] = brush(st.highlight), 5 * st.scale
            else:
                colour = st.colour(apis)
                apis += 1
                sym = st.symbol(i - 1)
                kw = {"pen": st.pen(colour, 1.8, dash=c.kind == "hosted-open"), "symbol": sym}
                kw.update(symbolBrush=brush(colour), symbolPen=None, symbolSize=5 * st.scale)
            item = curve(plot, **kw)
            item.setZValue(5 if c.kind == "self" else 1)
            self.slots.append(item)
            self.slot_labels.append(legend.add(item, short(c)))
            self.slot_colours.append(colour)
        self.break_even_marks: pg.PlotDataItem | None = None
        self.break_even_numbers: list[pg.TextItem] = []
        self.break_even_key = None
        self.break_even_html = ""
        if bes:
            marks = curve(
                plot, pen=None, symbol="d", symbolSize=11 * st.scale,
                symbolPen=st.pen(st.foreground, 1.2), symbolBrush=[],
            )  # fmt: skip
            marks.setZValue(10)
            legend.addItem(marks, "Break-even")
            self.break_even_marks = marks
            box = pg.TextItem(html="", fill=brush(st.background, 215), anchor=(0, 0))
            box.setZValue(9.5)  # above the numbers
            plot.addItem(box, ignoreBounds=True)
            self.break_even_key = box
        self.volume_line: pg.InfiniteLine | None = None
        if vol:
            line = pg.InfiniteLine(
                pos=0, angle=90, pen=st.pen(st.foreground, 1.5, dot=True),
                label="your volume",
                labelOpts={"position": 0.03, "anchors": [(-0.05, 1), (-0.05, 1)],
                           "color": st.foreground, "fill": brush(st.background, 200)},
            )  # fmt: skip
            line.label.setFont(st.font(8))
            plot.addItem(line, ignoreBounds=True)
            self.volume_line = line
        plot.setMouseEnabled(x=False, y=False)
        canvas.ci.layout.setColumnStretchFactor(0, 1)
        canvas.ci.layout.setRowStretchFactor(0, 1)

    def _break_evens(self, bes: list[BreakEven], colour_of: dict[str, str]) -> None:
        st, plot = self.st, self.volume_plot
        assert self.break_even_marks is not None and self.break_even_key is not None
        self.break_even_points = [(b.tokens_per_month, b.usd_per_month) for b in bes]
        self.break_even_marks.setData(
            [b.tokens_per_month for b in bes], [b.usd_per_month for b in bes],
            symbolBrush=[self._brush(colour_of.get(b.api, st.muted)) for b in bes],
        )  # fmt: skip
        # Each distinct point gets a number beside it (alternately above and below, as they
        # crowd) and a line in a key in the top-left corner, which per-token prices leave empty.
        groups: dict[tuple[float, float], list[str]] = {}
        for b in bes:
            key = (round(math.log10(b.tokens_per_month), 3), round(math.log10(b.usd_per_month), 3))
            groups.setdefault(key, []).append(b.api)
        key_lines = []
        numbers = self.break_even_numbers
        for i, ((lx, ly), names) in enumerate(sorted(groups.items())):
            if i == len(numbers):
                num = pg.TextItem(str(i + 1), color=st.foreground)
                num.setFont(st.font(8, bold=True))
                num.setZValue(9)
                plot.addItem(num, ignoreBounds=True)
                numbers.append(num)
            num = numbers[i]
            anchor = (0.5, 1.1 if i % 2 else -0.1)
            if tuple(num.anchor) != anchor:
                num.setAnchor(anchor)
            num.setPos(lx, ly)
            num.setVisible(True)
            key_lines.append(f"<b>{i + 1}</b>&nbsp;{' / '.join(names)}: {si(10**lx)}")
        for num in numbers[len(groups) :]:
            num.setVisible(False)
        (x0, _), (_, y1) = plot.viewRange()
        box = self.break_even_key
        html = (
            f"<span style='color:{st.foreground}; font-size:{st.pt(8)}'>"
            "Break-even, tokens/month<br>" + "<br>".join(key_lines) + "</span>"
        )
        if html != self.break_even_html:
            box.setHtml(html)
            self.break_even_html = html
        box.setPos(x0, y1)

    # --- cost per million tokens -------------------------------------------------------

    def _bars(self, lines: list[CostLine]) -> None:
        st = self.st
        ordered = sorted(lines, key=lambda c: c.usd_per_mtok)
        n = len(ordered)
        own = next((c for c in ordered if c.kind == "self"), None)
        rng = own is not None and own.usd_per_mtok_high > own.usd_per_mtok_low
        counts = tuple(sum(c.kind == k for c in ordered) for k in KINDS)
        if self.reshape("bars", (counts, rng)):
            self._build_bars(n, counts, rng)
        plot = self.bars_plot
        self.bar_values = []
        ys = np.arange(n)[::-1].astype(float)  # cheapest at the top
        for kind, item in self.bar_items.items():
            idx = [i for i, c in enumerate(ordered) if c.kind == kind]
            item.setOpts(y=ys[idx], width=[ordered[i].usd_per_mtok for i in idx])
        top = max(max(c.usd_per_mtok_high, c.usd_per_mtok) for c in ordered)
        hover = self.bars_hover
        hover.clear()
        for y, c, t in zip(ys, ordered, self.bar_texts, strict=True):
            self.bar_values.append((c.label, c.usd_per_mtok))
            has_range = rng and c.kind == "self"
            if has_range and self.error_bar is not None:
                self.error_bar.setData(
                    x=np.array([c.usd_per_mtok]), y=np.array([y]),
                    left=np.array([c.usd_per_mtok - c.usd_per_mtok_low]),
                    right=np.array([c.usd_per_mtok_high - c.usd_per_mtok]),
                )  # fmt: skip
            label = f"${c.usd_per_mtok:.2f}" + (
                f" (${c.usd_per_mtok_low:.2f}–{c.usd_per_mtok_high:.2f})" if has_range else ""
            )
            bold = c.kind == "self"
            if t.textItem.font().bold() != bold:
                t.setFont(st.font(8, bold=bold))
            if t.textItem.toPlainText() != label:
                t.setText(label)
            t.setPos(max(c.usd_per_mtok, c.usd_per_mtok_high if has_range else 0) + top * 0.01, y)
            hover.add([c.usd_per_mtok / 2], [y], [f"{c.label}\n{label} per million tokens"])
        ticks = [[(float(y), short(c)) for y, c in zip(ys, ordered, strict=True)]]
        if ticks != self.bar_ticks:
            plot.getAxis("left").setTicks(ticks)
            self.bar_ticks = ticks
        plot.setXRange(0, nice_ceiling(top * 1.22), padding=0)

    def _build_bars(self, n: int, counts: tuple[int, ...], rng: bool) -> None:
        st, canvas = self.st, self.bars_canvas
        self.reset(canvas)
        plot = self.add_plot(canvas, 0, 0, axes(bottom_prefix="$"))
        self.bars_plot = plot
        style_plot(
            plot, st, title="Cost per million tokens at your volume", left="",
            bottom="Cost per million tokens (USD)",
        )  # fmt: skip
        colours = {"self": st.highlight, "closed": st.colour(0), "hosted-open": st.colour(2)}
        names = {"self": "Self-hosted", "closed": "Closed API", "hosted-open": "Hosted open model"}
        legend = LegendCell(st, cols=3)
        canvas.addItem(legend, row=1, col=0)
        self.bar_items: dict[str, pg.BarGraphItem] = {}
        for kind, count in zip(KINDS, counts, strict=True):
            if not count:
                continue
            item = pg.BarGraphItem(
                x0=0, y=np.zeros(count), height=0.7, width=np.zeros(count),
                brush=brush(colours[kind]), pen=st.pen(st.foreground if kind == "self" else
                                                       st.background, 1.5 if kind == "self" else 1),
            )  # fmt: skip
            plot.addItem(item)
            legend.addItem(item, names[kind])
            self.bar_items[kind] = item
        self.bars_hover = self.hover(plot)
        self.error_bar: pg.ErrorBarItem | None = None
        if rng:
            self.error_bar = pg.ErrorBarItem(beam=0.35, pen=st.pen(st.foreground, 1.5))
            plot.addItem(self.error_bar)
        self.bar_ticks: list[list[tuple[float, str]]] = []
        self.bar_texts: list[pg.TextItem] = []
        for _ in range(n):
            t = pg.TextItem("", color=st.foreground, anchor=(0, 0.5))
            t.setFont(st.font(8))
            plot.addItem(t)
            self.bar_texts.append(t)
        ax = plot.getAxis("left")
        ax.setStyle(tickFont=st.font(8.5 if n < 14 else 8), tickLength=0)
        plot.getAxis("left").setGrid(False)
        plot.setYRange(-0.6, n - 0.4, padding=0)
        plot.setMouseEnabled(x=False, y=False)
        canvas.ci.layout.setRowStretchFactor(0, 1)

    # --- hybrid routing and quality against price ---------------------------------------

    def _extra(self, d: Dashboard) -> None:
        pts = [q for q in d.quality if q.usd_per_mtok > 0]
        shape = (
            bool(d.hybrid),
            tuple((q.label, q.self_hosted) for q in pts),
            pts[0].benchmark if pts else None,
        )
        if self.reshape("extra", shape):
            self.reset(self.extra_canvas)
            self.hybrid_item = self.quality_item = None
            if d.hybrid:
                self._build_hybrid()
            else:
                self.extra_canvas.addLabel(
                    "No hybrid routing curve", row=0, col=0, color=self.st.muted
                )
            if pts:
                self._build_quality(pts)
            else:
                self.extra_canvas.addLabel(
                    "No quality scores for these models", row=0, col=1, color=self.st.muted
                )
        if d.hybrid:
            self._fill_hybrid(d)
        if pts:
            self._fill_quality(pts)

    def _build_hybrid(self) -> None:
        st, canvas = self.st, self.extra_canvas
        plot = self.add_plot(canvas, 0, 0, axes(left_prefix="$"))
        self.hybrid_plot = plot
        style_plot(
            plot, st, title="Hybrid", left="Cost per month (USD)",
            bottom="Traffic served self-hosted (%)",
        )  # fmt: skip
        self.hybrid_item = curve(
            plot, pen=st.pen(st.colour(0), 2.5), symbol="o", symbolSize=6 * st.scale,
            symbolBrush=brush(st.colour(0)), symbolPen=None,
        )  # fmt: skip
        plot.setXRange(0, 100, padding=0.03)
        plot.setMouseEnabled(x=False, y=False)
        self.hybrid_hover = self.hover(plot, x_only=True)
        canvas.ci.layout.setColumnStretchFactor(0, 2)

    def _fill_hybrid(self, d: Dashboard) -> None:
        assert self.hybrid_item is not None
        plot = self.hybrid_plot
        retitle(plot, self.st, f"Hybrid: self-hosted + {d.hybrid_api or 'API'}")
        xs = [s * 100 for s, _ in d.hybrid]
        ys = [u for _, u in d.hybrid]
        set_data(self.hybrid_item, xs, ys)
        plot.setYRange(0, max(ys) * 1.08, padding=0)
        self.hybrid_hover.clear()
        self.hybrid_hover.add(
            xs, ys, [f"{x:.0f}% self-hosted\n{usd(y)}/month" for x, y in zip(xs, ys, strict=True)]
        )

    def _build_quality(self, pts: list[QualityPoint]) -> None:
        st, canvas = self.st, self.extra_canvas
        plot = self.add_plot(canvas, 0, 1, axes(bottom_prefix="$"))
        self.quality_plot = plot
        bench = pts[0].benchmark
        style_plot(
            plot, st, title=f"Quality against price ({bench})", left=f"{bench} score",
            bottom="Cost per million tokens (USD, log)",
        )  # fmt: skip
        plot.setLogMode(x=True, y=False)
        self.quality_item = pg.ScatterPlotItem(pen=st.pen(st.background, 1))
        plot.addItem(self.quality_item)
        self.quality_texts: list[pg.TextItem] = []
        for q in pts:
            name = "Self-hosted" if q.self_hosted else q.label
            t = pg.TextItem(name, color=st.highlight if q.self_hosted else st.foreground)
            t.setFont(st.font(8, bold=q.self_hosted))
            plot.addItem(t)
            self.quality_texts.append(t)
        plot.setMouseEnabled(x=False, y=False)
        self.quality_hover = self.hover(plot)
        canvas.ci.layout.setColumnStretchFactor(1, 3)
        canvas.ci.layout.setRowStretchFactor(0, 1)

    def _fill_quality(self, pts: list[QualityPoint]) -> None:
        st, plot = self.st, self.quality_plot
        assert self.quality_item is not None
        xs = [math.log10(q.usd_per_mtok) for q in pts]
        self.quality_item.setData(
            xs, [q.score for q in pts],
            size=[(17 if q.self_hosted else 9) * st.scale for q in pts],
            symbol=["star" if q.self_hosted else "o" for q in pts],
            brush=[self._brush(st.highlight if q.self_hosted else st.colour(0)) for q in pts],
        )  # fmt: skip
        mid = (min(xs) + max(xs)) / 2
        for x, q, t in zip(xs, pts, self.quality_texts, strict=True):
            anchor = (1.08, 0.5) if x > mid else (-0.08, 0.5)
            if tuple(t.anchor) != anchor:
                t.setAnchor(anchor)
            t.setPos(x, q.score)
        scores = [q.score for q in pts]
        span = max(max(scores) - min(scores), 1.0)
        plot.setYRange(min(scores) - 0.08 * span, max(scores) + 0.08 * span, padding=0)
        plot.setXRange(min(xs), max(xs), padding=0.12)
        self.quality_hover.clear()
        self.quality_hover.add(
            [q.usd_per_mtok for q in pts], scores,
            [f"{q.label}\n{q.benchmark} {q.score:g}\n${q.usd_per_mtok:.2f} per Mtok" for q in pts],
        )  # fmt: skip
