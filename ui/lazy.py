"""Widgets built the first time they are shown or asked for.

The app starts with one step page and one result tab on screen; building the others (their
plots, tables and the modules behind them) is left until a person opens them, or code asks
for them. `LazySlot` is one such widget and the layout it goes into; `LazyTabs` is a tab
widget of them whose callers see the pages themselves: `currentWidget()`, `widget(i)`,
`indexOf(page)` and `setCurrentWidget(page)` answer with and take the built page, never its
placeholder.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QBoxLayout, QTabWidget, QVBoxLayout, QWidget


class LazySlot:
    """A widget `make()` builds on the first `get()`, added to `layout` (with `stretch`) and
    handed to `on_built`; or, given `widget`, one already built."""

    def __init__(
        self,
        make: Callable[[], QWidget] | None = None,
        layout: QBoxLayout | None = None,
        stretch: int = 0,
        on_built: Callable[[QWidget], object] | None = None,
        widget: QWidget | None = None,
    ) -> None:
        self.make, self.layout, self.stretch, self.on_built = make, layout, stretch, on_built
        self.widget = widget

    def get(self) -> QWidget:
        if self.widget is None:
            assert self.make is not None and self.layout is not None
            self.widget = self.make()
            self.layout.addWidget(self.widget, self.stretch)
            if self.on_built is not None:
                self.on_built(self.widget)
        return self.widget


class LazyTabs(QTabWidget):
    built = Signal(object)  # a page, right after it was built (not for pages added built)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._slots: list[LazySlot] = []
        self._holders: list[QWidget] = []  # what each tab shows: the page or its placeholder
        self.currentChanged.connect(self.page)

    def add_lazy(self, make: Callable[[], QWidget], label: str) -> int:
        """A tab whose page `make()` builds when it is first shown or asked for."""
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        return self._add(LazySlot(make, layout, on_built=self.built.emit), holder, label)

    def addTab(self, page: QWidget, label: str) -> int:  # type: ignore[override]
        return self._add(LazySlot(widget=page), page, label)

    def _add(self, slot: LazySlot, holder: QWidget, label: str) -> int:
        self._slots.append(slot)
        self._holders.append(holder)
        return super().addTab(holder, label)

    def page(self, index: int) -> QWidget | None:
        """The page of tab `index`, built now if it was not yet (None: no such tab)."""
        return self._slots[index].get() if 0 <= index < len(self._slots) else None

    def built_pages(self) -> list[QWidget]:
        """The pages built so far, in tab order."""
        return [s.widget for s in self._slots if s.widget is not None]

    def pages(self) -> list[QWidget]:
        """Every page, building those not built yet."""
        return [s.get() for s in self._slots]

    # What callers of a QTabWidget use, answered with the pages themselves.
    def currentWidget(self) -> QWidget | None:  # type: ignore[override]
        return self.page(self.currentIndex())

    def widget(self, index: int) -> QWidget | None:
        return self.page(index)

    def indexOf(self, page: QWidget) -> int:
        for i, (slot, holder) in enumerate(zip(self._slots, self._holders, strict=True)):
            if page is slot.widget or page is holder:
                return i
        return -1

    def setCurrentWidget(self, page: QWidget) -> None:
        i = self.indexOf(page)
        if i >= 0:
            self.setCurrentIndex(i)
