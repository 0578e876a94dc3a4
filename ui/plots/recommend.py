"""Recommendations: the cheapest deployments that meet the scenario's targets, ranked.

The view never searches. "Find configurations" emits `search_requested(Constraints)` built
from the controls; the presenter runs `planner.recommend_plan.recommend_for_scenario` in the
background and calls `show_search_started()`, then `show_search_result(result)` or
`show_search_failed(message)`. "Adopt" (or a double-click on a row) emits
`adopt_requested(candidate)`. `show_dashboard(d)` only keeps the current scenario's point
(its self-hosted cost and time per output token) and its TPOT target, to mark them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, get_args

from PySide6 import QtWidgets  # before pyqtgraph, so that it binds to PySide6

# isort: split
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from planner.catalog.schema import Vendor
from ui.plots.style import LegendCell, PlotView, axes, brush, curve, set_data, style_plot

if TYPE_CHECKING:  # the search code loads with the first search, not with the app
    from planner.recommend import Candidate, Constraints, SearchResult

VENDORS: tuple[str, ...] = tuple(v for v in get_args(Vendor) if v != "cpu")
VENDOR_LABELS = {"nvidia": "NVIDIA", "amd": "AMD", "intel": "Intel", "apple": "Apple"}
ACQUISITIONS = (("either", "Buy or rent"), ("buy", "Buy"), ("rent", "Rent"))
COLUMNS = (
    "#",
    "Hardware",
    "Replicas x GPUs",
    "USD/month",
    "USD/Mtok",
    "TPOT ms",
    "TTFT ms",
    "Weights",
    "Engine",
    "Acquisition",
    "Why",
)
NUMERIC = frozenset({0, 2, 3, 4, 5, 6})
CSV_HEADER = [
    "rank",
    "gpu",
    "weights",
    "engine",
    "acquisition",
    "replicas",
    "gpus per replica",
    "gpus in total",
    "cost (USD/month)",
    "cost (USD/Mtok)",
    "TPOT (ms)",
    "TTFT (ms)",
    "why",
]
WIDE = 1000  # from this width on, the table and the plot sit side by side


def _usd(v: float) -> str:
    return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.2f}"


def _acquisition(cand: Candidate) -> str:
    if cand.acquisition == "owned":
        return "owned + bought" if cand.plan.monthly.capex_usd > 0 else "owned"
    return {"buy": "bought", "rent": "rented"}[cand.acquisition]


def _describe(cand: Candidate) -> str:
    """One candidate in a few lines, for tooltips and the plot's hover."""
    p = cand.plan
    dep = p.deployment
    par = f"tp{dep.tp}" if dep.tp > 1 else (f"pp{dep.pp}" if dep.pp > 1 else "1 GPU")
    return (
        f"{p.replicas} x {dep.tp * dep.pp} {dep.gpu.name} ({_acquisition(cand)}), {par}\n"
        f"{dep.quant.name}, {dep.engine.name}\n"
        f"{_usd(p.monthly.total_usd)}/month, {_usd(p.usd_per_mtok)}/Mtok\n"
        f"TPOT {p.point.tpot_ms:.1f} ms, TTFT {p.point.ttft_ms:.0f} ms"
    )


class CandidateModel(QAbstractTableModel):
    """The ranked candidates, cheapest first (rows in the search's order)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.candidates: list[Candidate] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_candidates(self, candidates: list[Candidate]) -> None:
        self.beginResetModel()
        self.candidates = list(candidates)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.candidates)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def cells(self, row: int) -> list[str]:
        cand = self.candidates[row]
        p = cand.plan
        dep = p.deployment
        return [
            str(row + 1),
            dep.gpu.name,
            f"{p.replicas} x {dep.tp * dep.pp}",
            _usd(p.monthly.total_usd),
            _usd(p.usd_per_mtok),
            f"{p.point.tpot_ms:.1f}",
            f"{p.point.ttft_ms:.0f}",
            dep.quant.name,
            ", ".join([dep.engine.name, *cand.also_engines]),
            _acquisition(cand),
            "; ".join(cand.why),
        ]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cells(row)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            cand = self.candidates[row]
            return _describe(cand) + ("\n\n" + "\n".join(cand.why) if cand.why else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and row == 0:
            return self._bold
        return None


# The lowest weight precision the search may choose: (bit class or None, label).
MIN_BITS: tuple[tuple[int | None, str], ...] = (
    (None, "any precision"),
    (4, "4-bit and up"),
    (8, "8-bit and up"),
    (16, "16-bit only"),
)
DEFAULT_MIN_BITS = 4


class RecommendView(PlotView):
    """Search controls, the ranked table and a cost / speed scatter with the front."""

    title = "Recommendations"

    search_requested = Signal(object)  # planner.recommend.Constraints
    adopt_requested = Signal(object)  # planner.recommend.Candidate

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: SearchResult | None = None
        self.header = list(CSV_HEADER)
        self._searching = False
        self._sized = False
        self.points: pg.PlotDataItem | None = None  # the ranked candidates
        self.front: pg.PlotDataItem | None = None  # the cost / speed front, as steps
        self.current: pg.PlotDataItem | None = None  # this scenario
        self.ring: pg.PlotDataItem | None = None  # the selected candidate

        # Controls, in two rows.
        self.acquisition = QComboBox()
        for key, label in ACQUISITIONS:
            self.acquisition.addItem(label, key)
        self.acquisition.setToolTip("How the GPUs may be paid for")
        self.max_gpus = QDoubleSpinBox()
        self.max_gpus.setDecimals(0)
        self.max_gpus.setRange(0, 512)
        self.max_gpus.setSpecialValueText("any")
        self.max_gpus.setToolTip("GPUs in total, all replicas together (any: no limit)")
        self.budget = QDoubleSpinBox()
        self.budget.setDecimals(0)
        self.budget.setRange(0, 1e9)
        self.budget.setSingleStep(1000)
        self.budget.setGroupSeparatorShown(True)
        self.budget.setPrefix("$")
        self.budget.setSpecialValueText("no limit")
        self.budget.setToolTip("Most the deployment may cost a month, in USD")
        self.min_bits = QComboBox()
        for bits, label in MIN_BITS:
            self.min_bits.addItem(label, bits)
        self.min_bits.setCurrentIndex(max(self.min_bits.findData(DEFAULT_MIN_BITS), 0))
        self.min_bits.setToolTip(
            "Leave out weight formats below this bit class: 1- to 3-bit formats (IQ1_S, Q2_K, "
            "Q3_K_M) cost the most quality and are seldom what a production service wants"
        )
        self.vendor_boxes: dict[str, QCheckBox] = {}
        self.find_button = QPushButton("Find configurations")
        self.find_button.setDefault(True)
        self.find_button.clicked.connect(self._find)

        row1 = QHBoxLayout()
        row1.addWidget(QLabel("Acquisition"))
        row1.addWidget(self.acquisition)
        row1.addSpacing(10)
        row1.addWidget(QLabel("Max GPUs"))
        row1.addWidget(self.max_gpus)
        row1.addSpacing(10)
        row1.addWidget(QLabel("Monthly budget"))
        row1.addWidget(self.budget)
        row1.addSpacing(10)
        row1.addWidget(QLabel("Weights"))
        row1.addWidget(self.min_bits)
        row1.addStretch(1)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Vendors"))
        for v in VENDORS:
            box = QCheckBox(VENDOR_LABELS.get(v, v.capitalize()))
            box.setChecked(True)
            box.toggled.connect(self._update_find)
            self.vendor_boxes[v] = box
            row2.addWidget(box)
        row2.addStretch(1)
        row2.addWidget(self.find_button)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setVisible(False)
        self.status = QLabel("Find the cheapest deployments that meet this scenario's targets.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # The ranked table.
        self.model = CandidateModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.adopt_button = QPushButton("Adopt")
        self.adopt_button.setEnabled(False)
        self.adopt_button.setToolTip("Select a configuration to adopt")
        self.adopt_button.clicked.connect(self._adopt)
        hint = QLabel("Double-click a row (or Adopt) to use it; click a point to find its row.")
        hint.setStyleSheet("color: palette(mid);")
        hint.setToolTip("Hover a point on the plot for its configuration")
        below = QHBoxLayout()
        below.addWidget(hint, 1)
        below.addWidget(self.adopt_button)
        table_box = QWidget()
        tl = QVBoxLayout(table_box)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.table, 1)
        tl.addLayout(below)

        self.canvas = self.new_canvas()
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(table_box)
        self.split.addWidget(self.canvas)
        self.split.setChildrenCollapsible(False)

        self.body.setContentsMargins(6, 6, 6, 6)
        self.body.addLayout(row1)
        self.body.addLayout(row2)
        self.body.addWidget(self.busy)
        self.body.addWidget(self.status)
        self.body.addWidget(self.split, 1)
        self.draw()

    def plot_widget(self) -> QtWidgets.QWidget:
        return self.canvas

    def layout_key(self) -> object:
        """Wide or narrow: the legend's place and the plots' arrangement depend on it."""
        return self.width() >= WIDE

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Side by side when wide; the table above the plot when narrow.
        wide = self.width() >= WIDE
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.split.orientation() != orientation or not self._sized:
            self._sized = True
            self.split.setOrientation(orientation)
            # Proportions: the splitter scales them to its size.
            self.split.setSizes([600, 400] if wide else [420, 580])
        super().resizeEvent(event)  # redraws when the layout key changes

    # --- the controls -----------------------------------------------------------------

    def constraints(self) -> Constraints:
        """The constraints the controls describe (all vendors checked: any vendor)."""
        from planner.recommend import Constraints

        checked = tuple(v for v, box in self.vendor_boxes.items() if box.isChecked())
        vendors = () if len(checked) == len(self.vendor_boxes) else checked
        return Constraints(
            acquisition=self.acquisition.currentData(),
            max_gpus=int(self.max_gpus.value()) or None,
            monthly_budget_usd=self.budget.value() or None,
            vendors=vendors,  # type: ignore[arg-type]
            min_weight_bits=self.min_bits.currentData(),
        )

    def set_constraints(self, c: Constraints) -> None:
        """Fill the controls from constraints (emits nothing)."""
        self.acquisition.setCurrentIndex(max(self.acquisition.findData(c.acquisition), 0))
        self.max_gpus.setValue(c.max_gpus or 0)
        self.budget.setValue(c.monthly_budget_usd or 0)
        self.min_bits.setCurrentIndex(max(self.min_bits.findData(c.min_weight_bits), 0))
        for v, box in self.vendor_boxes.items():
            box.blockSignals(True)
            box.setChecked(not c.vendors or v in c.vendors)
            box.blockSignals(False)
        self._update_find()

    def _update_find(self) -> None:
        some = any(box.isChecked() for box in self.vendor_boxes.values())
        self.find_button.setEnabled(some and not self._searching)
        self.find_button.setToolTip("" if some else "Choose at least one vendor")

    def _find(self) -> None:
        if any(box.isChecked() for box in self.vendor_boxes.values()):
            self.search_requested.emit(self.constraints())

    # --- what the presenter calls -------------------------------------------------------

    def show_search_started(self) -> None:
        self._searching = True
        self.busy.setVisible(True)
        self._update_find()
        self.status.setText("Searching GPU types, counts, weight formats and engines…")

    def show_search_result(self, result: SearchResult) -> None:
        self._searching = False
        self.busy.setVisible(False)
        self._update_find()
        self.result = result
        self.model.set_candidates(result.ranked)
        self.rows = [self._csv_row(i, c) for i, c in enumerate(result.ranked, 1)]
        if result.ranked:
            self.status.setText(
                f"{result.searched:,} configurations searched: the {len(result.ranked)} "
                f"cheapest that meet the targets, from {_usd(result.ranked[0].monthly_usd)} "
                "a month."
            )
        else:
            reasons = sorted(result.rejected.items(), key=lambda kv: -kv[1])[:3]
            why = "; ".join(f"{reason}: {n:,}" for reason, n in reasons)
            self.status.setText(
                f"Nothing meets the targets and constraints ({result.searched:,} "
                f"configurations searched). Rejected: {why or 'nothing to try'}."
            )
        self.draw()
        self._selection_changed()

    def show_search_failed(self, message: str) -> None:
        self._searching = False
        self.busy.setVisible(False)
        self._update_find()
        self.status.setText(f"The search failed: {message}")

    def selected_candidate(self) -> Candidate | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.candidates[rows[0].row()] if rows else None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    # --- drawing (show_dashboard, set_theme and set_scale redraw) ------------------------

    def redraw(self) -> None:
        ranked = self.result.ranked if self.result else []
        pareto = sorted(self.result.pareto, key=lambda c: c.tpot_ms) if self.result else []
        sh = self.dashboard.result.self_hosted if self.dashboard is not None else None
        target = self.dashboard.tpot_target_ms if self.dashboard is not None else None
        empty = not ranked and not pareto and sh is None
        if self.reshape("canvas", None if empty else (sh is not None, bool(target))):
            self._build(empty, sh is not None, bool(target))
        if empty:
            return
        assert self.points is not None and self.front is not None
        set_data(self.front, [c.tpot_ms for c in pareto], [c.monthly_usd for c in pareto])
        set_data(self.points, [c.tpot_ms for c in ranked], [c.monthly_usd for c in ranked])
        hover = self.plot_hover
        hover.clear()
        hover.add(
            [c.tpot_ms for c in ranked],
            [c.monthly_usd for c in ranked],
            [f"#{i}: {_describe(c)}" for i, c in enumerate(ranked, 1)],
        )
        shown = {id(c) for c in ranked}
        others = [c for c in pareto if id(c) not in shown]
        hover.add(
            [c.tpot_ms for c in others],
            [c.monthly_usd for c in others],
            [f"On the front, not ranked: {_describe(c)}" for c in others],
        )
        if sh is not None and self.current is not None:
            dep = sh.deployment
            set_data(self.current, [sh.point.tpot_ms], [sh.monthly.total_usd])
            hover.add(
                [sh.point.tpot_ms],
                [sh.monthly.total_usd],
                [
                    f"This scenario: {sh.replicas} x {dep.tp * dep.pp} {dep.gpu.name}\n"
                    f"{dep.quant.name}, {dep.engine.name}\n"
                    f"{_usd(sh.monthly.total_usd)}/month, TPOT {sh.point.tpot_ms:.1f} ms"
                ],
            )
        if target and self.target_line is not None:
            self.target_line.setValue(target)
        # The range follows the data, as it did on a new plot.
        self.plot.enableAutoRange()
        self._draw_selection()

    def _build(self, empty: bool, current: bool, target: bool) -> None:
        st = self.st
        self.reset(self.canvas)
        self.points = self.front = self.current = self.ring = None
        self.target_line: pg.InfiniteLine | None = None
        if empty:
            self.message(self.canvas, "Find configurations to see their cost against speed")
            return
        plot = self.add_plot(self.canvas, 0, 0, axes(left_prefix="$"))
        self.plot = plot
        style_plot(
            plot, st, title=None, left="Cost (USD/month)", bottom="Time per output token (ms)"
        )
        plot.setTitle(None)  # no title row: the tab says what this is
        plot.setLogMode(x=False, y=True)
        # Below the plot when wide; beside it when narrow (height is what is short then).
        wide = self.width() >= WIDE
        legend = LegendCell(st, cols=3 if wide else 1)
        self.canvas.addItem(legend, row=1 if wide else 0, col=0 if wide else 1)
        self.plot_hover = self.hover(plot)
        self.front = curve(plot, stepMode="right", pen=st.pen(st.colour(1), 2))
        legend.addItem(self.front, "Cheapest at each speed")
        self.points = curve(
            plot,
            pen=None,
            symbol="o",
            symbolSize=9 * st.scale,
            symbolBrush=brush(st.colour(0)),
            symbolPen=st.pen(st.background, 1),
        )
        self.points.sigPointsClicked.connect(self._points_clicked)
        legend.addItem(self.points, "Ranked")
        self.ring = curve(
            plot,
            pen=None,
            symbol="o",
            symbolSize=17 * st.scale,
            symbolBrush=None,
            symbolPen=st.pen(st.foreground, 2),
        )
        if current:
            self.current = curve(
                plot,
                pen=None,
                symbol="star",
                symbolSize=18 * st.scale,
                symbolBrush=brush(st.highlight),
                symbolPen=st.pen(st.background, 1),
            )
            self.current.setZValue(10)
            legend.addItem(self.current, "This scenario")
        if target:
            line = pg.InfiniteLine(
                0,
                angle=90,
                pen=st.pen(st.muted, 1.2, dash=True),
                label="TPOT target",
                labelOpts={"position": 0.97, "color": st.muted, "anchors": [(1, 0), (1, 0)]},
            )
            plot.addItem(line, ignoreBounds=True)
            self.target_line = line
        self.canvas.ci.layout.setRowStretchFactor(0, 1)
        self.canvas.ci.layout.setColumnStretchFactor(0, 1)

    def _draw_selection(self) -> None:
        if self.ring is None:
            return
        cand = self.selected_candidate()
        if cand is None:
            self.ring.setData([], [])
        else:
            self.ring.setData([cand.tpot_ms], [cand.monthly_usd])

    def _selection_changed(self, *_: object) -> None:
        cand = self.selected_candidate()
        self.adopt_button.setEnabled(cand is not None)
        if cand is None:
            self.adopt_button.setText("Adopt")
            self.adopt_button.setToolTip("Select a configuration to adopt")
        else:
            row = self.model.candidates.index(cand) + 1
            self.adopt_button.setText(f"Adopt #{row}")
            self.adopt_button.setToolTip("Change the scenario to\n" + _describe(cand))
        self._draw_selection()

    def _points_clicked(self, _item: object, points: Any, *_: object) -> None:
        if len(points):
            self.select_row(int(points[0].index()))

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.adopt_requested.emit(self.model.candidates[index.row()])

    def _adopt(self) -> None:
        cand = self.selected_candidate()
        if cand is not None:
            self.adopt_requested.emit(cand)

    # --- export -------------------------------------------------------------------------

    @staticmethod
    def _csv_row(rank: int, cand: Candidate) -> list[object]:
        p = cand.plan
        dep = p.deployment
        return [
            rank,
            dep.gpu.name,
            dep.quant.name,
            ", ".join([dep.engine.name, *cand.also_engines]),
            cand.acquisition,
            p.replicas,
            dep.tp * dep.pp,
            p.gpus,
            p.monthly.total_usd,
            p.usd_per_mtok,
            p.point.tpot_ms,
            p.point.ttft_ms,
            "; ".join(cand.why),
        ]
