"""Export the current plot as PNG or SVG ("Export current plot as PNG/SVG").

`widget` is what a view's `plot_widget()` returns: a pyqtgraph GraphicsView (a
GraphicsLayoutWidget or PlotWidget), whose whole scene is exported, or any other QWidget,
which is rendered as it is shown.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from PySide6 import QtCore, QtGui, QtSvg, QtWidgets  # before pyqtgraph: it binds to PySide6

# isort: split
import pyqtgraph as pg
import pyqtgraph.exporters as pg_exporters

_svg_patched = False


def _patch_svg_exporter() -> None:
    """pyqtgraph 0.14.0's SVGExporter fails on Qt >= 6.11, which writes closed paths as
    "M.. L.. Z" (pyqtgraph#3495; fixed upstream after 0.14.0): take the Z off while it
    rewrites the coordinates, then put it back. Harmless where the bug is absent."""
    global _svg_patched
    if _svg_patched:
        return
    mod = importlib.import_module("pyqtgraph.exporters.SVGExporter")  # the module, not the class
    original = mod.correctCoordinates

    def patched(node, defs, item, options):  # type: ignore[no-untyped-def]
        closed = []
        for p in node.getElementsByTagName("path"):
            d = p.getAttribute("d")
            if re.search(r"[Zz]", d):
                closed.append(p)
                p.setAttribute("d", re.sub(r"\s*[Zz]\s*", " ", d).strip())
        original(node, defs, item, options)
        for p in closed:
            p.setAttribute("d", p.getAttribute("d").rstrip() + " Z")

    mod.correctCoordinates = patched
    _svg_patched = True


def _scene(widget: QtWidgets.QWidget) -> QtWidgets.QGraphicsScene | None:
    return widget.scene() if isinstance(widget, pg.GraphicsView) else None


def export_png(widget: QtWidgets.QWidget, path: str | Path, width: int | None = None) -> Path:
    """Write the plot as a PNG, `width` pixels wide (default: as shown). Returns the path."""
    path = Path(path)
    scene = _scene(widget)
    if scene is not None:
        exporter = pg_exporters.ImageExporter(scene)
        if width:
            exporter.parameters()["width"] = int(width)
        exporter.export(str(path))
    else:
        image = widget.grab()
        if width and width != image.width():
            smooth = QtCore.Qt.TransformationMode.SmoothTransformation
            image = image.scaledToWidth(int(width), smooth)
        if not image.save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
    return path


def export_svg(widget: QtWidgets.QWidget, path: str | Path) -> Path:
    """Write the plot as SVG (vector: lines, bars and text stay sharp). Returns the path."""
    path = Path(path)
    scene = _scene(widget)
    if scene is not None:
        _patch_svg_exporter()
        try:
            pg_exporters.SVGExporter(scene).export(str(path))
            if path.exists() and path.stat().st_size > 0:
                return path
        except Exception:  # a pyqtgraph/Qt combination it cannot handle: render it ourselves
            pass
    _render_svg(widget, path)
    return path


def _render_svg(widget: QtWidgets.QWidget, path: Path) -> None:
    gen = QtSvg.QSvgGenerator()
    gen.setFileName(str(path))
    size = widget.size()
    gen.setSize(size)
    gen.setViewBox(QtCore.QRect(QtCore.QPoint(0, 0), size))
    gen.setTitle(widget.windowTitle() or "plot")
    painter = QtGui.QPainter(gen)
    try:
        # QWidget's render (QGraphicsView overrides it with another signature); PySide6
        # needs the offset argument.
        QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(0, 0))
    finally:
        painter.end()
