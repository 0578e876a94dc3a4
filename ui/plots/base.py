"""What every result view is: it draws a `planner.dashboard.Dashboard` and exports its data.

`show_dashboard(d)` redraws from the dashboard (None: nothing computed yet, or an error);
`csv_text()` gives the plotted data as CSV with a header row and units in the column names;
`plot_widget()` returns the pyqtgraph PlotWidget to export as PNG/SVG (None for tables).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from planner.dashboard import Dashboard


class ResultView(QWidget):
    title = ""  # the tab's label

    def show_dashboard(self, dashboard: Dashboard | None) -> None:
        raise NotImplementedError

    def csv_text(self) -> str:
        raise NotImplementedError

    def plot_widget(self) -> QWidget | None:
        return None
