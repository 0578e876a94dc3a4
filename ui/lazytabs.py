"""A tab widget whose pages are built the first time they are shown or asked for.

The app starts with one result tab on screen; building the others (their plots, tables and
the modules behind them) is left until a person opens them, or code asks for them. Callers
see the pages themselves: `currentWidget()`, `widget(i)`, `indexOf(page)` and
`setCurrentWidget(page)` answer with and take the built page, never its placeholder.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget


class _Slot:
    def __init__(self, make: Callable[[], QWidget] | None, page: QWidget | None) -> None:
        self.make = make
        self.page = page
        self.holder = page if page is not None else QWidget()
        if page is None:
            lay = QVBoxLayout(self.holder)
            lay.setContentsMargins(0, 0, 0, 0)


class LazyTabs(QTabWidget):
    built = Signal(object)  # a page, right after it was built (not for pages added built)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._slots: list[_Slot] = []
        self.currentChanged.connect(self._build_current)

    def add_lazy(self, make: Callable[[], QWidget], label: str) -> int:
        """A tab whose page `make()` builds when it is first shown or asked for."""
        slot = _Slot(make, None)
        self._slots.append(slot)
        return super().addTab(slot.holder, label)

    def addTab(self, page: QWidget, label: str) -> int:  # type: ignore[override]
        self._slots.append(_Slot(None, page))
        return super().addTab(page, label)

    def page(self, index: int) -> QWidget | None:
        """The page of tab `index`, built now if it was not yet (None: no such tab)."""
        if not 0 <= index < len(self._slots):
            return None
        slot = self._slots[index]
        if slot.page is None:
            assert slot.make is not None
            slot.page = slot.make()
            layout = slot.holder.layout()
            assert layout is not None
            layout.addWidget(slot.page)
            self.built.emit(slot.page)
        return slot.page

    def built_pages(self) -> list[QWidget]:
        """The pages built so far, in tab order."""
        return [s.page for s in self._slots if s.page is not None]

    def pages(self) -> list[QWidget]:
        """Every page, building those not built yet."""
        return [p for i in range(len(self._slots)) if (p := self.page(i)) is not None]

    def _build_current(self, index: int) -> None:
        self.page(index)

    # What callers of a QTabWidget use, answered with the pages themselves.
    def currentWidget(self) -> QWidget | None:  # type: ignore[override]
        return self.page(self.currentIndex())

    def widget(self, index: int) -> QWidget | None:  # type: ignore[override]
        return self.page(index)

    def indexOf(self, page: QWidget) -> int:  # type: ignore[override]
        for i, s in enumerate(self._slots):
            if page is s.page or page is s.holder:
                return i
        return -1

    def setCurrentWidget(self, page: QWidget) -> None:  # type: ignore[override]
        i = self.indexOf(page)
        if i >= 0:
            self.setCurrentIndex(i)
