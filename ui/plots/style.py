"""Look of the result plots: colours (Okabe-Ito, light and dark), pens, axes, legends, hover.

Every view draws its dashboard with a `Style` (theme + presentation scale). Building plots,
legends and items is slow (a PlotItem alone takes ~10 ms), so a view builds them only when the
shape of what it shows changes (see `PlotView.reshape`) and otherwise updates the items it
has in place; re-theming or enlarging changes the shape, so it rebuilds.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets  # before pyqtgraph, so that it binds to PySide6

# isort: split
import pyqtgraph as pg

from planner.dashboard import Dashboard
from ui.plots.base import ResultView
from ui.text import si

# Okabe & Ito (2008), colour-blind-safe. Vermillion is kept for "your deployment".
BLUE, ORANGE, GREEN, PURPLE = "#0072B2", "#E69F00", "#009E73", "#CC79A7"
SKY, VERMILLION, YELLOW = "#56B4E9", "#D55E00", "#F0E442"
SYMBOLS = (None, "o", "s", "t", "d")
AXIS_TEXT_WIDTH, AXIS_TEXT_HEIGHT = 30, 18  # what pyqtgraph's AxisItem starts with


_NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The next 'round' number at or above `value` (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k).

    Axis ranges snapped to these stay put while the data moves a little, so pyqtgraph keeps
    its cached axis pictures instead of laying out every tick label again on each refresh."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    scale = 10 ** math.floor(math.log10(value))
    return next(n * scale for n in _NICE if n * scale >= value * (1 - 1e-12))


def snapped_log_range(low: float, high: float, step: float = 0.25) -> tuple[float, float]:
    """log10 range around [low, high] with ends on multiples of `step` decades."""
    return (
        math.floor((math.log10(low) - 0.1) / step) * step,
        math.ceil((math.log10(high) + 0.15) / step) * step,
    )


@dataclass(frozen=True)
class Style:
    dark: bool = False
    scale: float = 1.0

    @property
    def background(self) -> str:
        return "#1E1E1E" if self.dark else "#FFFFFF"

    @property
    def foreground(self) -> str:
        return "#E0E0E0" if self.dark else "#202020"

    @property
    def muted(self) -> str:
        return "#9A9A9A" if self.dark else "#6A6A6A"

    @property
    def highlight(self) -> str:
        return VERMILLION

    @property
    def palette(self) -> tuple[str, ...]:
        """Line colours, most distinct first (no vermillion: that is the highlight)."""
        base = (BLUE, ORANGE, GREEN, PURPLE, SKY)
        return (SKY, ORANGE, GREEN, PURPLE, YELLOW, "#B0B0B0") if self.dark else (*base, "#555555")

    def colour(self, i: int) -> str:
        return self.palette[i % len(self.palette)]

    def symbol(self, i: int) -> str | None:
        return SYMBOLS[(i // len(self.palette)) % len(SYMBOLS)]

    def pt(self, size: float) -> str:
        return f"{size * self.scale:.0f}pt"

    def font(self, size: float, bold: bool = False) -> QtGui.QFont:
        f = QtGui.QFont()
        f.setPointSizeF(size * self.scale)
        f.setBold(bold)
        return f

    def pen(
        self, colour: str, width: float = 2.0, dash: bool = False, dot: bool = False
    ) -> QtGui.QPen:
        p = pg.mkPen(colour, width=width * self.scale)
        if dash or dot:
            p.setStyle(QtCore.Qt.PenStyle.DotLine if dot else QtCore.Qt.PenStyle.DashLine)
        p.setCosmetic(True)
        return p


@functools.cache
def no_pen() -> QtGui.QPen:
    """One "no outline" pen for every symbol: scatter plots cache each symbol they draw by
    the identity of its pen, and `symbolPen=None` would make a new pen on every `setData`."""
    return pg.mkPen(None)


def curve(plot: pg.PlotItem | None = None, **opts: object) -> pg.PlotDataItem:
    """An empty PlotDataItem, in `plot` when given, for `setData` to fill on each refresh.

    No dynamic range limit (it re-sets the data on every change of the y range, and our
    values stay far inside what Qt draws), and no new pen per `setData` for the symbols."""
    opts.setdefault("dynamicRangeLimit", None)
    if "symbolPen" in opts and opts["symbolPen"] is None:
        opts["symbolPen"] = no_pen()
    item = pg.PlotDataItem(**opts)
    if plot is not None:
        plot.addItem(item)
    return item


def set_data(item: pg.PlotDataItem, xs: Sequence[float], ys: Sequence[float]) -> None:
    """`item.setData(xs, ys)`, skipped when the item already plots these numbers (an API's
    line, say, after a change that only moves the self-hosted one)."""
    x0, y0 = item.xData, item.yData
    if x0 is None:
        if len(xs) == 0:
            return
    elif len(x0) == len(xs) and np.array_equal(x0, xs) and np.array_equal(y0, ys):
        return
    item.setData(xs, ys)


def brush(colour: str, alpha: int = 255) -> QtGui.QBrush:
    c = QtGui.QColor(colour)
    c.setAlpha(alpha)
    return QtGui.QBrush(c)


def usd(value: float) -> str:
    return f"${value:,.2f}" if abs(value) < 100 else f"${si(value)}"


class SIAxis(pg.AxisItem):
    """Axis whose tick labels read 1k, 10M, 2B (also in log mode) with an optional prefix."""

    def __init__(self, orientation: str, prefix: str = "", **kw: object) -> None:
        super().__init__(orientation, **kw)
        self.prefix = prefix
        self.enableAutoSIPrefix(False)

    def _updateWidth(self) -> None:
        before = self.minimumWidth()
        super()._updateWidth()
        if self.minimumWidth() != before:
            self._relayout()

    def _updateHeight(self) -> None:
        before = self.minimumHeight()
        super()._updateHeight()
        if self.minimumHeight() != before:
            self._relayout()

    def _relayout(self) -> None:
        # The axis resizes itself to its tick labels while it paints. Qt then lays out the
        # plot again, but not the canvas around it: a plot updated in place would keep the
        # share of the canvas it had for the old labels (a new plot gets laid out anyway).
        plot = self.parentItem()
        if isinstance(plot, QtWidgets.QGraphicsWidget):
            plot.updateGeometry()

    def tickStrings(self, values, scale, spacing):  # type: ignore[no-untyped-def]
        # Called while painting, where an exception would take the whole process down.
        try:
            if self.logMode:
                return self.logTickStrings(values, scale, spacing)
            return [self.prefix + si(v * scale) for v in values]
        except Exception:
            return [f"{v:g}" for v in values]

    def logTickStrings(self, values, scale, spacing):  # type: ignore[no-untyped-def]
        # Label decades and, when few decades are shown, 2x and 5x; other minor ticks blank.
        vals = [float(v) for v in values]
        few = len(vals) > 0 and max(vals) - min(vals) <= 2.5
        out = []
        for v in vals:
            x = 10**v * (scale or 1.0)
            lead = round(x / 10 ** math.floor(math.log10(x) + 1e-9), 3) if x > 0 else 0
            keep = lead == 1 or (few and lead in (2, 5))
            out.append(self.prefix + si(x, 2) if keep else "")
        return out


def axes(left_prefix: str = "", bottom_prefix: str = "", right: bool = False) -> dict:
    """axisItems for a PlotItem: SI tick labels on every axis."""
    out = {"left": SIAxis("left", left_prefix), "bottom": SIAxis("bottom", bottom_prefix)}
    if right:
        out["right"] = SIAxis("right")
    return out


def style_plot(
    plot: pg.PlotItem,
    st: Style,
    *,
    title: str | None,
    left: str,
    bottom: str,
    right: str | None = None,
    grid: bool = True,
) -> None:
    """Colours, fonts and unit labels of a plot's axes and title."""
    plot.setTitle(title or "", color=st.foreground, size=st.pt(10.5), bold=True)
    labels = {"left": left, "bottom": bottom, "right": right}
    for name in ("left", "bottom", "right", "top"):
        ax = plot.getAxis(name)
        ax.setPen(st.pen(st.muted, 1))
        ax.setTextPen(st.pen(st.foreground, 1))
        ax.setStyle(tickFont=st.font(8.5), tickTextOffset=int(4 * st.scale))
        if labels.get(name):
            ax.setLabel(labels[name], color=st.foreground, **{"font-size": st.pt(9.5)})
    if right:
        plot.showAxis("right")
    if grid:
        plot.showGrid(x=True, y=True, alpha=0.16 if st.dark else 0.22)
    plot.setMenuEnabled(False)


class LegendCell(pg.LegendItem):
    """A legend that lives in its own GraphicsLayout cell, so it never covers data."""

    def __init__(self, st: Style, cols: int = 1) -> None:
        super().__init__(
            colCount=cols,
            labelTextColor=st.foreground,
            labelTextSize=st.pt(8.5),
            frame=False,
            verSpacing=-4,
            horSpacing=int(12 * st.scale),
        )

    def updateSize(self) -> None:
        hint = self.layout.effectiveSizeHint(QtCore.Qt.SizeHint.PreferredSize)
        self.setMinimumHeight(hint.height())  # width may shrink: the view picks the columns
        self.setPreferredSize(hint)
        self.setMaximumHeight(hint.height())
        self.updateGeometry()

    def mouseDragEvent(self, ev) -> None:  # type: ignore[no-untyped-def]
        ev.ignore()

    def add(self, item: pg.GraphicsObject, name: str) -> pg.LabelItem:
        """Add an entry; returns its label, for `relabel`."""
        self.addItem(item, name)
        return self.items[-1][1]

    def relabel(self, label: pg.LabelItem, text: str) -> None:
        """Change an entry's text in place (nothing to do when it is the same)."""
        if label.text != text:
            label.setText(text)
            self.updateSize()


def retitle(plot: pg.PlotItem, st: Style, title: str, colour: str | None = None) -> None:
    """Change a plot's title (as `style_plot` sets it) when it differs."""
    colour = colour or st.foreground
    label = plot.titleLabel
    if label.text != title or label.opts.get("color") != colour:
        plot.setTitle(title, color=colour, size=st.pt(10.5), bold=True)


def relabel_axis(plot: pg.PlotItem, st: Style, name: str, text: str) -> None:
    """Change an axis label (as `style_plot` sets it) when it differs."""
    ax = plot.getAxis(name)
    if ax.labelText != text:
        ax.setLabel(text, color=st.foreground, **{"font-size": st.pt(9.5)})


class Hover:
    """Shows the values of the point nearest the mouse in a text box on the plot.

    `add(xs, ys, texts)` registers points in data coordinates (before any log transform);
    with `x_only` the nearest point is the one nearest in x (for curves against concurrency).
    `texts` may be a function of the point's index in that `add`: then a text is only written
    when it is shown (views add hundreds of points on every refresh).
    """

    def __init__(self, plot: pg.PlotItem, st: Style, x_only: bool = False, radius: float = 40):
        self.plot, self.x_only, self.radius = plot, x_only, radius * st.scale
        self.xs: list[float] = []
        self.ys: list[float] = []
        self._texts: list[tuple[int, Sequence[str] | Callable[[int], str]]] = []
        fill = brush(st.background, 245)
        self.text = pg.TextItem("", color=st.foreground, fill=fill, border=st.pen(st.muted, 1))
        self.text.setFont(st.font(8.5))
        self.text.setZValue(1e6)
        self.text.hide()
        plot.addItem(self.text, ignoreBounds=True)
        self.marker = pg.ScatterPlotItem(
            size=12 * st.scale, pen=st.pen(st.foreground, 1.5), brush=None
        )
        self.marker.setZValue(1e6)
        plot.addItem(self.marker, ignoreBounds=True)
        self.scene = plot.scene()
        if self.scene is not None:
            self.scene.sigMouseMoved.connect(self.moved)

    def detach(self) -> None:
        if self.scene is not None:
            self.scene.sigMouseMoved.disconnect(self.moved)
            self.scene = None

    def clear(self) -> None:
        """Forget the points (before `add`ing a new dashboard's) and hide what is shown."""
        self.xs, self.ys, self._texts = [], [], []
        self.text.hide()
        self.marker.clear()

    def add(
        self,
        xs: Sequence[float],
        ys: Sequence[float],
        texts: Sequence[str] | Callable[[int], str],
    ) -> None:
        self._texts.append((len(self.xs), texts))
        self.xs += [float(x) for x in xs]
        self.ys += [float(y) for y in ys]

    def text_at(self, i: int) -> str:
        """The text of point `i` (in the order the points were added)."""
        for start, texts in reversed(self._texts):
            if i >= start:
                return texts(i - start) if callable(texts) else texts[i - start]
        raise IndexError(i)

    @property
    def texts(self) -> list[str]:
        return [self.text_at(i) for i in range(len(self.xs))]

    def _view(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lx = self.plot.getAxis("bottom").logMode
        ly = self.plot.getAxis("left").logMode
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.log10(xs) if lx else xs), (np.log10(ys) if ly else ys)

    def moved(self, scene_pos: QtCore.QPointF) -> str | None:
        """Show the nearest point's text (None and hidden when no point is near)."""
        vb = self.plot.getViewBox()
        if not self.xs or not vb.sceneBoundingRect().contains(scene_pos):
            self.text.hide()
            self.marker.clear()
            return None
        vx, vy = self._view(np.array(self.xs), np.array(self.ys))
        rect, box = vb.viewRect(), vb.sceneBoundingRect()
        sx = box.width() / rect.width() if rect.width() else 1.0
        sy = box.height() / rect.height() if rect.height() else 1.0
        m = vb.mapSceneToView(scene_pos)
        dx = (vx - m.x()) * sx
        dy = 0.0 if self.x_only else (vy - m.y()) * sy
        dist = np.hypot(dx, dy)
        dist[~np.isfinite(dist)] = np.inf
        i = int(np.argmin(dist))
        if not math.isfinite(dist[i]) or (not self.x_only and dist[i] > self.radius):
            self.text.hide()
            self.marker.clear()
            return None
        x, y = float(vx[i]), float(vy[i])
        text = self.text_at(i)
        self.text.setText(text)
        self.text.setAnchor((0, 0))
        # Beside the point, kept inside the plot (the view clips what sticks out).
        p = vb.mapViewToScene(QtCore.QPointF(x, y))
        size = self.text.textItem.boundingRect()
        w, h, gap = size.width(), size.height(), 10.0
        left = p.x() + gap if p.x() + gap + w <= box.right() else p.x() - gap - w
        top = p.y() - gap - h if p.y() - gap - h >= box.top() else p.y() + gap
        left = min(max(left, box.left() + 2), box.right() - w - 2)
        top = min(max(top, box.top() + 2), box.bottom() - h - 2)
        self.text.setPos(vb.mapSceneToView(QtCore.QPointF(left, top)))
        self.text.show()
        self.marker.setData([x], [y])
        return text

    def hover_data(self, x: float, y: float) -> str | None:
        """Hover as if the mouse were over data point (x, y) (for tests and keyboard use)."""
        vx, vy = self._view(np.array([x]), np.array([y]))
        pos = self.plot.getViewBox().mapViewToScene(QtCore.QPointF(float(vx[0]), float(vy[0])))
        return self.moved(pos)


def csv_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """CSV text: floats with 10 significant digits, None as an empty cell."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else f"{v:.10g}" if isinstance(v, float) else v for v in r])
    return buf.getvalue()


class PlotView(ResultView):
    """A result view drawn on pyqtgraph canvases; subclasses implement `redraw()`.

    `redraw()` builds a section's plots and items only when `reshape(section, key)` says its
    shape changed, and otherwise sets the new data on the items it has. `set_theme(dark)` and
    `set_scale(factor)` (presentation mode) change the style, so every section is rebuilt.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.st = Style()  # not `style`: QWidget.style() must stay a method
        self._key: object = None
        self.dashboard: Dashboard | None = None
        self.header: list[str] = []
        self.rows: list[list[object]] = []
        self.hovers: list[Hover] = []
        self._shapes: dict[str, object] = {}
        self._plots: list[tuple[pg.GraphicsLayoutWidget, pg.PlotItem]] = []
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.body = layout

    def show_dashboard(self, dashboard: Dashboard | None) -> None:
        self.dashboard = dashboard
        self.draw()

    def set_theme(self, dark: bool) -> None:
        self._restyle(replace(self.st, dark=dark))

    def set_scale(self, factor: float) -> None:
        self._restyle(replace(self.st, scale=max(0.5, float(factor))))

    def _restyle(self, st: Style) -> None:
        if st != self.st:
            self.st = st
            self.draw()

    def draw(self) -> None:
        self._key = self.layout_key()
        self.redraw()
        self._fresh_axes()

    def _fresh_axes(self) -> None:
        """Let the axes size their tick labels at the next paint as new axes would: pyqtgraph
        narrows an axis only when its labels shrink by more than 10 px, so a plot updated in
        place would otherwise be laid out according to what it showed before."""
        for _, plot in self._plots:
            for name in ("left", "right"):
                plot.getAxis(name).textWidth = AXIS_TEXT_WIDTH
            for name in ("bottom", "top"):
                plot.getAxis(name).textHeight = AXIS_TEXT_HEIGHT

    def layout_key(self) -> object:
        """What of the widget's size the drawing depends on (legend columns, placement)."""
        return None

    def reshape(self, section: str, key: object) -> bool:
        """Whether `section` (a canvas, or part of one) must be built anew: True when its
        shape `key` (what is drawn, not the numbers), the style or the layout key changed
        since it was last built. False: update its items in place."""
        shape = (self.st, self._key, key)
        if self._shapes.get(section) == shape:
            return False
        self._shapes[section] = shape
        return True

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.layout_key() != self._key:
            self.draw()

    def legend_cols(self, share: float, entry_px: float, most: int) -> int:
        """Legend columns that fit in `share` of the view's width."""
        return max(1, min(most, int(self.width() * share // (entry_px * self.st.scale))))

    def csv_text(self) -> str:
        return csv_table(self.header, self.rows)

    def redraw(self) -> None:
        raise NotImplementedError

    def new_canvas(self) -> pg.GraphicsLayoutWidget:
        c = pg.GraphicsLayoutWidget()
        c.setMinimumSize(200, 150)
        return c

    def reset(self, canvas: pg.GraphicsLayoutWidget) -> None:
        """Empty a canvas (and forget its hover helpers) before drawing on it again."""
        mine = [h for h in self.hovers if h.scene is canvas.scene()]
        for h in mine:
            h.detach()
        self.hovers = [h for h in self.hovers if h not in mine]
        self._plots = [(c, p) for c, p in self._plots if c is not canvas]
        canvas.clear()
        canvas.setBackground(self.st.background)
        lay = canvas.ci.layout
        for i in range(lay.columnCount()):
            lay.setColumnStretchFactor(i, 0)
        for i in range(lay.rowCount()):
            lay.setRowStretchFactor(i, 0)
        canvas.ci.setContentsMargins(*(4 * self.st.scale,) * 4)

    def add_plot(
        self, canvas: pg.GraphicsLayoutWidget, row: int, col: int, axis_items: dict, **kw: object
    ) -> pg.PlotItem:
        """A plot in a canvas cell, without the context menus (nobody sees them, and the
        ViewBox's menu alone takes a few ms to build)."""
        plot = canvas.addPlot(row=row, col=col, axisItems=axis_items, enableMenu=False, **kw)
        self._plots.append((canvas, plot))
        return plot

    def hover(self, plot: pg.PlotItem, x_only: bool = False) -> Hover:
        h = Hover(plot, self.st, x_only)
        self.hovers.append(h)
        return h

    def message(self, canvas: pg.GraphicsLayoutWidget, text: str) -> None:
        canvas.addLabel(text, row=0, col=0, color=self.st.muted, size=self.st.pt(11))
