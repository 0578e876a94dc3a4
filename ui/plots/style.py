"""Look of the result plots: colours (Okabe-Ito, light and dark), pens, axes, legends, hover.

Every view redraws itself from its dashboard with a `Style` (theme + presentation scale),
so re-theming or enlarging is just a redraw.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets  # before pyqtgraph, so that it binds to PySide6

# isort: split
import pyqtgraph as pg

from planner.dashboard import Dashboard
from ui.plots.base import ResultView

# Okabe & Ito (2008), colour-blind-safe. Vermillion is kept for "your deployment".
BLUE, ORANGE, GREEN, PURPLE = "#0072B2", "#E69F00", "#009E73", "#CC79A7"
SKY, VERMILLION, YELLOW = "#56B4E9", "#D55E00", "#F0E442"
SYMBOLS = (None, "o", "s", "t", "d")


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


def brush(colour: str, alpha: int = 255) -> QtGui.QBrush:
    c = QtGui.QColor(colour)
    c.setAlpha(alpha)
    return QtGui.QBrush(c)


def si(value: float, digits: int = 3) -> str:
    """1234 -> '1.23k', 2.5e9 -> '2.5B' (short scale: k, M, B, T); small numbers as they are."""
    if value is None or not math.isfinite(value):
        return "-"
    a = abs(value)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div * (1 - 5e-4):
            return _num(value / div, digits) + suffix
    return _num(value, digits)


def _num(value: float, digits: int) -> str:
    """`digits` significant digits without exponent notation (integers keep all theirs)."""
    if value == 0:
        return "0"
    whole = math.floor(math.log10(abs(value))) + 1
    decimals = max(digits - whole, 0)
    s = f"{value:.{decimals}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def usd(value: float) -> str:
    return f"${value:,.2f}" if abs(value) < 100 else f"${si(value)}"


class SIAxis(pg.AxisItem):
    """Axis whose tick labels read 1k, 10M, 2B (also in log mode) with an optional prefix."""

    def __init__(self, orientation: str, prefix: str = "", **kw: object) -> None:
        super().__init__(orientation, **kw)
        self.prefix = prefix
        self.enableAutoSIPrefix(False)

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


class Hover:
    """Shows the values of the point nearest the mouse in a text box on the plot.

    `add(xs, ys, texts)` registers points in data coordinates (before any log transform);
    with `x_only` the nearest point is the one nearest in x (for curves against concurrency).
    """

    def __init__(self, plot: pg.PlotItem, st: Style, x_only: bool = False, radius: float = 40):
        self.plot, self.x_only, self.radius = plot, x_only, radius * st.scale
        self.xs: list[float] = []
        self.ys: list[float] = []
        self.texts: list[str] = []
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

    def add(self, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str]) -> None:
        self.xs += [float(x) for x in xs]
        self.ys += [float(y) for y in ys]
        self.texts += list(texts)

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
        self.text.setText(self.texts[i])
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
        return self.texts[i]

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

    `set_theme(dark)` and `set_scale(factor)` (presentation mode) redraw with the new style.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.st = Style()  # not `style`: QWidget.style() must stay a method
        self._key: object = None
        self.dashboard: Dashboard | None = None
        self.header: list[str] = []
        self.rows: list[list[object]] = []
        self.hovers: list[Hover] = []
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.body = layout

    def show_dashboard(self, dashboard: Dashboard | None) -> None:
        self.dashboard = dashboard
        self.draw()

    def set_theme(self, dark: bool) -> None:
        self.st = replace(self.st, dark=dark)
        self.draw()

    def set_scale(self, factor: float) -> None:
        self.st = replace(self.st, scale=max(0.5, float(factor)))
        self.draw()

    def draw(self) -> None:
        self._key = self.layout_key()
        self.redraw()

    def layout_key(self) -> object:
        """What of the widget's size the drawing depends on (legend columns, placement)."""
        return None

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
        canvas.clear()
        canvas.setBackground(self.st.background)
        lay = canvas.ci.layout
        for i in range(lay.columnCount()):
            lay.setColumnStretchFactor(i, 0)
        for i in range(lay.rowCount()):
            lay.setRowStretchFactor(i, 0)
        canvas.ci.setContentsMargins(*(4 * self.st.scale,) * 4)

    def hover(self, plot: pg.PlotItem, x_only: bool = False) -> Hover:
        h = Hover(plot, self.st, x_only)
        self.hovers.append(h)
        return h

    def message(self, canvas: pg.GraphicsLayoutWidget, text: str) -> None:
        canvas.addLabel(text, row=0, col=0, color=self.st.muted, size=self.st.pt(11))
