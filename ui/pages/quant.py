"""The Quantization step: which weight format, and which KV-cache format.

The page computes nothing. The presenter calls `show_options` with
``planner.quantchoice.quant_options(catalog, scenario)`` and
``suggest_quant(options)`` after every change, and `show_scenario` for the current choice.
Formats that do not fit are greyed; formats the hardware cannot run are greyed, cannot be
picked, and say why in their tooltip.

Emits (`changed`): ``{"quant": id}`` (a row picked, or "Use suggestion") and
``{"kv_quant": id}`` (the KV-cache format).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import (
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from planner.catalog.schema import QuantFormat
from planner.plan.schema import Scenario
from planner.quantchoice import QuantOption, kv_options
from ui.context import AppContext
from ui.pages.base import StepPage
from ui.pages.tables import ID_ROLE, SORT_ROLE, Index, RowTable, row_table_view, select_id

SUGGESTED_MARK = "★ "
SUGGESTED_TEXT = "Suggested: smallest loss that fits"
FIT_COLOR = QColor("#1b7f3b")
NO_FIT_COLOR = QColor("#b00020")
SUGGESTED_TINT = QColor(46, 160, 67, 45)  # translucent: readable on light and dark themes
# Narrower than this (px), the quality note column is hidden (the details line has it).
HIDE_NOTE_BELOW = 760
HIDE_WEIGHTS_BELOW = 560


def _desc(model: type[Any], name: str) -> str:
    info = model.model_fields.get(name)
    return (info.description or "") if info is not None else ""


COLUMNS: tuple[tuple[str, str], ...] = (
    ("Format", "Weight format; " + SUGGESTED_MARK.strip() + " marks the suggestion"),
    ("Bits /\nweight", _desc(QuantFormat, "bits_per_weight")),
    ("Weights\nGiB/GPU", "Weight memory on each GPU (the fullest one when split in stages)"),
    (
        "Total\nGiB/GPU",
        "Weights, KV cache, buffers and runtime on each GPU at the scenario's workload",
    ),
    ("Fits", "Whether the total fits in the memory the engine may use"),
    ("Headroom\nGiB", "Usable memory left per GPU (negative: short by this much)"),
    ("Quality note", "What the format costs in quality"),
)
COL_FORMAT, COL_BITS, COL_WEIGHTS, COL_TOTAL, COL_FITS, COL_HEADROOM, COL_NOTE = range(7)
_NUMERIC = (COL_BITS, COL_WEIGHTS, COL_TOTAL, COL_HEADROOM)


def muted_color() -> QColor:
    """Greyed text that stays readable: the theme's text colour, half transparent."""
    color = QColor(QGuiApplication.palette().color(QPalette.ColorRole.Text))
    color.setAlpha(150)
    return color


def gib(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def fits_text(o: QuantOption) -> str:
    if not o.runnable:
        return "can't run"
    return "yes" if o.fits else "no"


def option_summary(o: QuantOption) -> str:
    """One line about an option: why it cannot run, or its memory and room for sequences."""
    if o.why_not is not None:
        return f"cannot run here: {o.why_not}"
    used = f"{gib(o.total_gib)} of {gib(o.usable_gib)} GiB usable per GPU"
    if not o.fits:
        return f"does not fit: {used}"
    room = "" if o.max_batch is None else f", room for {o.max_batch} sequences"
    return f"fits: {used}{room}"


class QuantTable(RowTable[QuantOption]):
    """QuantOption per row; greyed when it does not fit, disabled when it cannot run."""

    columns = COLUMNS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.suggested: str | None = None
        self.engine_names: dict[str, str] = {}

    @property
    def options(self) -> list[QuantOption]:
        return self.rows

    def set_options(self, options: list[QuantOption], suggested: str | None) -> None:
        self.suggested = suggested
        self.set_rows(options)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self.options[index.row()].runnable:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return Qt.ItemFlag.ItemIsEnabled

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        o, col = self.row_at(index), index.column()
        if o is None:
            return None
        suggested = o.id == self.suggested
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(o, col, suggested)
        if role == SORT_ROLE:
            return self._sort_value(o, col)
        if role == ID_ROLE:
            return o.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(o, suggested)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if not o.fits:
                return QBrush(muted_color())
            if col == COL_FITS:
                return QBrush(FIT_COLOR)
            return None
        if role == Qt.ItemDataRole.BackgroundRole and suggested:
            return QBrush(SUGGESTED_TINT)
        if role == Qt.ItemDataRole.FontRole and (suggested or not o.runnable):
            font = QFont()
            font.setBold(suggested)
            font.setItalic(not o.runnable)
            return font
        return None

    @staticmethod
    def _display(o: QuantOption, col: int, suggested: bool) -> str:
        if col == COL_FORMAT:
            return (SUGGESTED_MARK if suggested else "") + o.name
        if col == COL_BITS:
            return f"{o.bits_per_weight:.3f}".rstrip("0").rstrip(".")
        if col == COL_WEIGHTS:
            return gib(o.weights_gib)
        if col == COL_TOTAL:
            return gib(o.total_gib)
        if col == COL_FITS:
            return fits_text(o)
        if col == COL_HEADROOM:
            return "—" if o.headroom_gib is None else f"{o.headroom_gib:+,.1f}"
        return o.quality_note

    @staticmethod
    def _sort_value(o: QuantOption, col: int) -> Any:
        missing = float("inf")
        if col == COL_FORMAT:
            return o.name.casefold()
        if col == COL_BITS:
            return o.bits_per_weight
        if col == COL_WEIGHTS:
            return missing if o.weights_gib is None else o.weights_gib
        if col == COL_TOTAL:
            return missing if o.total_gib is None else o.total_gib
        if col == COL_FITS:
            return 2 if o.fits else (1 if o.runnable else 0)
        if col == COL_HEADROOM:
            return -missing if o.headroom_gib is None else o.headroom_gib
        return o.quality_note.casefold()

    def _tooltip(self, o: QuantOption, suggested: bool) -> str:
        lines = [f"{o.name} ({o.id}): {o.bits_per_weight:g} bits per weight"]
        if suggested:
            lines.append(SUGGESTED_TEXT)
        summary = option_summary(o)
        lines.append(summary[:1].upper() + summary[1:])
        if o.engine is not None:
            lines.append(f"Estimated with {self.engine_names.get(o.engine, o.engine)}")
        if o.quality_note:
            lines.append(o.quality_note)
        return "\n".join(lines)


class QuantFilter(QSortFilterProxyModel):
    """Hides the formats the hardware cannot run, when asked to."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runnable_only = False
        self.setSortRole(SORT_ROLE)

    def set_runnable_only(self, value: bool) -> None:
        self.beginFilterChange()
        self.runnable_only = value
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        table = self.sourceModel()
        if not self.runnable_only or not isinstance(table, QuantTable):
            return True
        return 0 <= source_row < len(table.options) and table.options[source_row].runnable


class QuantPage(StepPage):
    title = "Quantization"
    hint = (
        "Pick the weight format: fewer bits need less memory but lose some quality. "
        "Greyed formats do not fit or cannot run on this hardware."
    )

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._current: str | None = None
        self._kv_current: str | None = None
        self._suggested: QuantOption | None = None
        self._filling = False
        self._format_width = 0

        self.current_label = QLabel()
        self.current_label.setWordWrap(True)
        self.current_label.setToolTip("The scenario's weight format on its hardware")

        self.suggestion_frame = QFrame()
        self.suggestion_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.suggestion_label = QLabel()
        self.suggestion_label.setWordWrap(True)
        self.suggestion_label.setToolTip(
            "Among the formats that fit, the one with the most bits per weight (by bit class, "
            "up to 16); ties go to formats the hardware runs natively, then to formats the "
            "current engine runs"
        )
        self.use_button = QPushButton("Use suggestion")
        self.use_button.setToolTip("Switch this scenario to the suggested weight format")
        self.use_button.clicked.connect(self._use_suggestion)
        bar = QHBoxLayout(self.suggestion_frame)
        bar.setContentsMargins(8, 6, 8, 6)
        bar.addWidget(self.suggestion_label, 1)
        bar.addWidget(self.use_button, 0, Qt.AlignmentFlag.AlignVCenter)

        self.workload_label = QLabel()
        self.workload_label.setWordWrap(True)
        self.workload_label.setToolTip(
            "The load the memory is estimated at; change it on the Workload step"
        )

        self.runnable_only = QCheckBox("Hide formats this hardware cannot run")
        self.runnable_only.setToolTip(
            "Hide formats that need tensor cores or an engine this hardware does not have"
        )
        self.runnable_only.toggled.connect(self._runnable_only_toggled)

        self.table_model = QuantTable(self)
        self.table_model.engine_names = {e.id: e.name for e in context.catalog.engines.values()}
        self.proxy = QuantFilter(self)
        self.proxy.setSourceModel(self.table_model)
        self.table = row_table_view(self.proxy, "Click a format to use it; click a header to sort")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setMinimumHeight(48)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setToolTip("The selected format: its quality, engines and memory")

        self.kv = QComboBox()
        self.kv.setToolTip(
            _desc(Scenario, "kv_quant")
            + ": the number format of the attention cache; 8-bit halves its memory "
            "(the context, and so the sequences, that fit) at a small quality cost"
        )
        for q in kv_options(context.catalog):
            self.kv.addItem(q.name, q.id)
            self.kv.setItemData(self.kv.count() - 1, q.quality_note, Qt.ItemDataRole.ToolTipRole)
        self.kv.activated.connect(self._kv_activated)
        kv_label = QLabel("KV-cache format")
        kv_label.setToolTip(self.kv.toolTip())
        kv_label.setBuddy(self.kv)
        kv_row = QHBoxLayout()
        kv_row.addWidget(kv_label)
        kv_row.addWidget(self.kv, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.current_label)
        layout.addWidget(self.suggestion_frame)
        layout.addWidget(self.workload_label)
        layout.addWidget(self.runnable_only)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addLayout(kv_row)

        self._size_columns()
        self._refresh_labels()

    # -- showing ---------------------------------------------------------------------------

    def show_scenario(self, scenario: Scenario) -> None:
        self._current = scenario.quant
        self._kv_current = scenario.kv_quant
        self.kv.blockSignals(True)
        found = self.kv.findData(scenario.kv_quant)
        if found < 0:  # a format this catalog does not list: show it anyway
            self.kv.addItem(scenario.kv_quant, scenario.kv_quant)
            found = self.kv.count() - 1
        self.kv.setCurrentIndex(found)
        self.kv.blockSignals(False)
        item = scenario.deployed
        gpu = item.gpu_spec or self.context.catalog.gpus.get(item.gpu)
        wl = scenario.workload
        tokens = (
            wl.context_tokens
            if wl.context_tokens is not None
            else wl.input_tokens + wl.output_tokens
        )
        batch = "as many sequences as fit" if wl.batch == "max" else f"{wl.batch} sequences"
        self.workload_label.setText(
            f"Memory per GPU with {batch} of {tokens:,} tokens on {item.count} × "
            f"{gpu.name if gpu else item.gpu} (the scenario's workload)."
        )
        self._select_current()
        self._refresh_labels()

    def show_options(self, options: list[QuantOption], suggested: QuantOption | None) -> None:
        """Show computed options (planner.quantchoice.quant_options / suggest_quant)."""
        self._suggested = suggested
        self._filling = True
        try:
            self.table_model.set_options(options, suggested.id if suggested else None)
        finally:
            self._filling = False
        if self._current is None:
            self._current = next((o.id for o in options if o.current), None)
        self._select_current()
        self._refresh_labels()

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        pad = 10
        for col, sample in (
            (COL_BITS, "weight"),
            (COL_WEIGHTS, "GiB/GPU"),
            (COL_TOTAL, "GiB/GPU"),
            (COL_FITS, "can't run"),
            (COL_HEADROOM, "Headroom"),
        ):
            self.table.setColumnWidth(col, metrics.horizontalAdvance(sample) + pad)
        self._format_width = metrics.horizontalAdvance(SUGGESTED_MARK + "INT8 W8A8 (SmoothQuant)")
        self.table.setColumnWidth(COL_FORMAT, self._format_width + pad)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = event.size().width()
        wide = width >= HIDE_NOTE_BELOW
        header = self.table.horizontalHeader()
        self.table.setColumnHidden(COL_NOTE, not wide)
        self.table.setColumnHidden(COL_WEIGHTS, width < HIDE_WEIGHTS_BELOW)
        # The quality note takes the spare width when shown, else the format name does.
        header.setSectionResizeMode(
            COL_FORMAT,
            QHeaderView.ResizeMode.Interactive if wide else QHeaderView.ResizeMode.Stretch,
        )
        header.setSectionResizeMode(
            COL_NOTE,
            QHeaderView.ResizeMode.Stretch if wide else QHeaderView.ResizeMode.Interactive,
        )
        if wide:
            self.table.setColumnWidth(COL_FORMAT, self._format_width + 18)

    def _option(self, quant_id: str | None) -> QuantOption | None:
        return next((o for o in self.table_model.options if o.id == quant_id), None)

    def _select_current(self) -> None:
        self._filling = True
        try:
            select_id(self.table, self.table_model, self._current)
        finally:
            self._filling = False
        self._show_details(self._option(self._current))

    def _refresh_labels(self) -> None:
        current = self._option(self._current)
        if current is None:
            text = f"In use: <b>{html.escape(self._current or '—')}</b>"
            if self._current is not None and self.table_model.options:
                text += " — not a weight format this catalog lists"
            self.current_label.setText(text)
        else:
            summary = html.escape(option_summary(current))
            if not current.fits:
                summary = f"<span style='color: {NO_FIT_COLOR.name()}'>{summary}</span>"
            self.current_label.setText(f"In use: <b>{html.escape(current.name)}</b> — {summary}")
        s = self._suggested
        if s is None:
            self.suggestion_label.setText(
                f"{SUGGESTED_TEXT}: <b>none</b> — no weight format fits this hardware at this "
                "workload. Add GPUs, pick a larger one, or lower the load."
                if self.table_model.options
                else f"{SUGGESTED_TEXT}: waiting for the estimate…"
            )
            self.use_button.setEnabled(False)
            self.use_button.setText("Use suggestion")
            return
        self.suggestion_label.setText(
            f"{SUGGESTED_TEXT}: <b>{SUGGESTED_MARK}{html.escape(s.name)}</b> "
            f"({s.bits_per_weight:g} bits/weight, {gib(s.total_gib)} of "
            f"{gib(s.usable_gib)} GiB per GPU)"
        )
        in_use = s.id == self._current
        self.use_button.setEnabled(not in_use)
        self.use_button.setText("In use" if in_use else "Use suggestion")

    def _show_details(self, o: QuantOption | None) -> None:
        if o is None:
            self.details.setText("")
            return
        names = self.table_model.engine_names
        engines = ", ".join(names.get(e, e) for e in o.engines) or "none on this hardware"
        parts = [
            f"<b>{html.escape(o.name)}</b>: {html.escape(o.quality_note)}",
            f"Engines here: {html.escape(engines)}.",
        ]
        if o.runnable and o.max_batch:
            parts.append(f"Up to {o.max_batch} sequences of this length fit.")
        elif o.runnable:
            parts.append("Not one sequence of this length fits.")
        if o.why_not is not None:
            parts.append(
                f"<span style='color: {NO_FIT_COLOR.name()}'>Cannot run here: "
                f"{html.escape(o.why_not)}</span>"
            )
        self.details.setText(" ".join(parts))

    # -- user input ------------------------------------------------------------------------

    def _runnable_only_toggled(self, checked: bool) -> None:
        self._filling = True  # hidden rows move the selection: not a choice
        try:
            self.proxy.set_runnable_only(checked)
        finally:
            self._filling = False
        self._select_current()

    def _selection_changed(self, *_: object) -> None:
        if self._filling:
            return
        rows = self.table.selectionModel().selectedRows()
        if len(rows) != 1:
            return
        quant_id = str(rows[0].data(ID_ROLE))
        self._show_details(self._option(quant_id))
        if quant_id == self._current:
            return
        self._current = quant_id
        self.emit_change(quant=quant_id)

    def _use_suggestion(self) -> None:
        s = self._suggested
        if s is None or s.id == self._current:
            return
        self._current = s.id
        self.emit_change(quant=s.id)

    def _kv_activated(self, index: int) -> None:
        kv_id = self.kv.itemData(index)
        if not isinstance(kv_id, str) or kv_id == self._kv_current:
            return
        self._kv_current = kv_id
        self.emit_change(kv_quant=kv_id)
