"""Pieces the form-like step pages share: a scrolling column, the error colour, tooltips
from pydantic field descriptions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget


class ScrollBody(QWidget):
    """A scroll area's content: as tall as its current width needs (not as its narrowest
    width needs, which leaves empty space; not less, which squeezes the content).

    Word-wrapped labels make the minimum size hint as tall as at the narrowest width, and
    QScrollArea would keep that height (empty space under the form) at any wider width.
    """

    def minimumSizeHint(self) -> QSize:  # Qt override
        hint = super().minimumSizeHint()
        lay = self.layout()
        if lay is not None and lay.hasHeightForWidth() and self.width() > 0:
            return QSize(hint.width(), lay.totalHeightForWidth(self.width()))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt override
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the height it needs follows the width


def error_style(widget: QWidget) -> str:
    """Red that reads on the light and on the dark palette."""
    dark = widget.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return f"color: {'#ff6b6b' if dark else '#b00020'};"


def tip(*sources: tuple[type[Any], str], fallback: str = "") -> str:
    """The first pydantic field description found among (model, field) pairs."""
    for model, name in sources:
        info = model.model_fields.get(name)
        if info is not None and info.description:
            return str(info.description)
    return fallback


def scrolling_column(page: QWidget) -> tuple[QScrollArea, QVBoxLayout]:
    """The page's one child: a frameless vertical scroll area, and the column inside it."""
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    body = ScrollBody()
    column = QVBoxLayout(body)
    scroll.setWidget(body)
    outer.addWidget(scroll)
    return scroll, column
