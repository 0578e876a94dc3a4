"""The Costs step: the figures behind the cost comparison, each with its source and date.

Three tabs. "Your hardware": every cost input of the deployed accelerators (price, host,
power, running costs) as the estimate uses it, editable, with a reset per row. "API prices":
the price snapshot, the API compared against, and the snapshot's prices, editable as the
user's own overrides. "Hosted open models": providers that serve the scenario's model.

The page computes nothing: the presenter calls `show_scenario(scenario)` and
`show_cost_inputs(planner.costview.cost_inputs(catalog, scenario))`; the API rows come from
`planner.costview.api_rows`, which only applies the user's overrides to the snapshot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from planner.plan.schema import ITEM_PRICE_KEYS, Scenario
from planner.prices.overrides import PriceOverrides
from planner.prices.schema import PriceSnapshot
from ui.context import AppContext
from ui.pages.base import StepPage

if TYPE_CHECKING:  # loads with the page's first use, not with the app
    from planner.costview import ApiRow, CostInputRow

ASSUMED_TAG = "assumed"
LEGEND = (
    f"<i>{ASSUMED_TAG}</i>: no source gives this figure &nbsp;·&nbsp; "
    "<b>bold</b>: set for this plan &nbsp;·&nbsp; hover a figure for its source and date"
)
API_LEGEND = (
    "<b>Bold, tinted</b>: your own price (clear the cell to go back to the bundled one) "
    "&nbsp;·&nbsp; prices in USD per million tokens &nbsp;·&nbsp; hover for source and date"
)
NO_SNAPSHOT = "__none__"
KEPT = "__kept__"
MODES = {
    "buy": "bought",
    "rent": "rented by the hour",
    "owned": "already owned (only running costs count)",
}
# Price columns of the API tables: (ApiRow field, header, ApiOverride field).
PRICE_COLUMNS = (
    ("input_usd_per_mtok", "Input", "input_usd_per_mtok"),
    ("output_usd_per_mtok", "Output", "output_usd_per_mtok"),
    ("cached_input_usd_per_mtok", "Cached", "cached_input_usd_per_mtok"),
)
OVERRIDE_BG = QColor(255, 240, 190)
MISSING_BG = QColor(255, 222, 222)
DARK_TEXT = QColor(20, 20, 20)
MUTED_STYLE = "color: palette(mid);"


def format_number(value: float | None) -> str:
    """A cost figure as the table shows (and re-reads) it: 125,000 / 0.0826 / 5."""
    return "" if value is None else format(value, ",.10g")


def parse_number(text: str) -> float | None:
    """The number a user typed (None for an empty cell); ValueError when it is not one."""
    cleaned = text.strip().replace(",", "").replace("_", "").replace("$", "").replace(" ", "")
    if not cleaned:
        return None
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _dated(source: str, as_of: str | None) -> str:
    return f"{source} (as of {as_of})" if as_of else f"{source} (no date given)"


def _snapshot_name(snap: PriceSnapshot) -> str:
    return f"{_cap(snap.name.replace('-', ' '))} (as of {snap.as_of})"


def _cost_tooltip(row: CostInputRow) -> str:
    value = "not known" if row.value is None else f"{format_number(row.value)} {row.unit}"
    lines = [f"{_cap(row.label)}: {value}", f"Source: {_dated(row.source, row.as_of)}"]
    if row.assumption:
        lines.append("Assumed: no source gives this figure.")
    if row.explicit:
        lines.append("Set for this plan: Reset goes back to the default.")
    default = "none known" if row.default is None else f"{format_number(row.default)} {row.unit}"
    lines.append(f"Default: {default}")
    if row.default_source:
        note = " (assumed)" if row.default_assumption else ""
        lines.append(f"Default from: {_dated(row.default_source, row.default_as_of)}{note}")
    return "\n".join(lines)


def _item(text: str, tooltip: str, editable: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    if editable:
        flags |= Qt.ItemFlag.ItemIsEditable
    item.setFlags(flags)
    item.setToolTip(tooltip)
    return item


def _put(
    table: QTableWidget,
    row: int,
    col: int,
    text: str,
    tooltip: str,
    *,
    editable: bool = False,
    bold: bool = False,
    italic: bool = False,
    background: QColor | None = None,
    align_right: bool = False,
) -> None:
    """Set a cell in place (the item is reused, so a refill never deletes the edited one)."""
    item = table.item(row, col)
    if item is None:
        item = _item(text, tooltip, editable)
        table.setItem(row, col, item)
    else:
        item.setText(text)
        item.setToolTip(tooltip)
    font = QFont(table.font())
    font.setBold(bold)
    font.setItalic(italic)
    item.setFont(font)
    if background is None:
        item.setData(Qt.ItemDataRole.BackgroundRole, None)
        item.setData(Qt.ItemDataRole.ForegroundRole, None)
    else:
        item.setBackground(background)
        item.setForeground(DARK_TEXT)
    align = Qt.AlignmentFlag.AlignRight if align_right else Qt.AlignmentFlag.AlignLeft
    item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)


def _table(headers: Sequence[tuple[str, str]], tooltip: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    for col, (text, tip) in enumerate(headers):
        head = QTableWidgetItem(text)
        head.setToolTip(tip)
        table.setHorizontalHeaderItem(col, head)
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setToolTip(tooltip)
    return table


def _wrapped(text: str, tooltip: str = "", muted: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setToolTip(tooltip)
    if muted:
        label.setStyleSheet(MUTED_STYLE)
    return label


# Columns a price table may show: key -> (header, header tooltip).
API_COLUMNS = {
    "name": ("Name", "The model as the provider sells it"),
    "input_usd_per_mtok": (
        "Input",
        "USD per million input (prompt) tokens; double-click to set your own",
    ),
    "output_usd_per_mtok": (
        "Output",
        "USD per million output tokens; double-click to set your own",
    ),
    "cached_input_usd_per_mtok": ("Cached", "USD per million cached input tokens, where offered"),
    "as_of": ("As of", "The date the source gives for the bundled price"),
    "provider": ("Provider", "Who sells it"),
    "kind": (
        "Kind",
        "closed: a proprietary model; hosted-open: an open model served by a provider",
    ),
}


class _PriceTable(QTableWidget):
    """API prices, one row per price id; editing a price emits (id, field, value or None).

    The prices come right after the first column, so that a narrow table scrolls the
    descriptive columns (provider, kind) out of view rather than the figures."""

    price_edited = Signal(str, str, object)

    def __init__(self, columns: Sequence[str], tooltip: str) -> None:
        super().__init__(0, len(columns))
        self.columns = tuple(columns)
        for col, key in enumerate(self.columns):
            text, tip = API_COLUMNS[key]
            title = QTableWidgetItem(text)
            title.setToolTip(tip)
            self.setHorizontalHeaderItem(col, title)
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        self.setToolTip(tooltip)
        self.rows: list[ApiRow] = []
        head = self.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(self.columns)):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.itemChanged.connect(self._edited)

    def column_of(self, key: str) -> int:
        """The column showing `key` (an API_COLUMNS key)."""
        return self.columns.index(key)

    def show_rows(self, rows: Sequence[ApiRow]) -> None:
        blocked = self.blockSignals(True)
        try:
            self.rows = list(rows)
            self.setRowCount(len(self.rows))
            for r, row in enumerate(self.rows):
                self._show_row(r, row)
        finally:
            self.blockSignals(blocked)

    def _show_row(self, r: int, row: ApiRow) -> None:
        source = _dated(row.source, row.as_of)
        tip = f"{row.name} ({row.provider}, {row.id})\nSource: {source}"
        if row.notes:
            tip += f"\nNotes: {row.notes}"
        prices = {field: label for field, label, _ in PRICE_COLUMNS}
        for col, key in enumerate(self.columns):
            if key not in prices:
                _put(self, r, col, str(getattr(row, key)), tip)
                continue
            value: float | None = getattr(row, key)
            bundled: float | None = getattr(row, f"bundled_{key}")
            mine = key in row.overridden_fields
            shown = "—" if value is None and not mine else format_number(value)
            cell_tip = (
                f"{prices[key]} price of {row.name}: "
                f"{'not offered' if value is None else f'{value:g} USD per Mtok'}"
            )
            if mine:
                was = "none" if bundled is None else f"{bundled:g}"
                cell_tip += f"\nYour own price (bundled: {was}). Clear the cell to reset."
            cell_tip += f"\nBundled price from: {source}"
            _put(
                self,
                r,
                col,
                shown,
                cell_tip,
                editable=True,
                bold=mine,
                background=OVERRIDE_BG if mine else None,
                align_right=True,
            )

    def _edited(self, item: QTableWidgetItem) -> None:
        key = self.columns[item.column()]
        fields = {field: ov_field for field, _, ov_field in PRICE_COLUMNS}
        if key not in fields or item.row() >= len(self.rows):
            return
        row = self.rows[item.row()]
        text = item.text().strip()
        try:
            value = None if text in ("", "—") else parse_number(text)
        except ValueError:
            value = math.nan  # the page reports it
        self.price_edited.emit(row.id, fields[key], value)


class CostsPage(StepPage):
    title = "Costs"
    hint = "Check the prices behind the cost comparison; hover any figure for its source and date."

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._scenario: Scenario | None = None
        self._rows: list[CostInputRow] = []
        self._snapshot: PriceSnapshot | None = None
        self.reset_buttons: list[QToolButton] = []

        self.tabs = QTabWidget()
        self.tabs.setToolTip("Your hardware's cost inputs, the API prices, open-model hosting")
        self.tabs.addTab(self._build_hardware_tab(), "Your hardware")
        self.tabs.setTabToolTip(0, "What owning or renting the accelerators costs")
        self.tabs.addTab(self._build_api_tab(), "API prices")
        self.tabs.setTabToolTip(1, "Pay-per-token prices the deployment is compared with")
        self.tabs.addTab(self._build_hosted_tab(), "Hosted open models")
        self.tabs.setTabToolTip(2, "Providers that serve this scenario's model per token")

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setToolTip("Why the last edit was not applied")
        self.error_label.setContentsMargins(8, 2, 8, 4)
        self.error_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)

    # --- building -------------------------------------------------------------------------

    def _build_hardware_tab(self) -> QWidget:
        tab = QWidget()
        self.hardware_label = _wrapped("", "The accelerators the scenario deploys on")
        self.assumptions_table = _table(
            [
                ("Input", "The cost input; assumed figures are in italics"),
                ("Value", "The value the estimate uses; double-click to set your own"),
                ("Unit", "The unit of the value"),
                ("", "Reset a value set for this plan to the default"),
            ],
            "Every cost input of the deployment; hover a cell for its default, source and date",
        )
        head = self.assumptions_table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.assumptions_table.itemChanged.connect(self._cost_edited)
        self.legend_label = _wrapped(LEGEND, "How the table marks its figures", muted=True)
        box = QVBoxLayout(tab)
        box.addWidget(self.hardware_label)
        box.addWidget(self.assumptions_table, 1)
        box.addWidget(self.legend_label)
        return tab

    def _build_api_tab(self) -> QWidget:
        tab = QWidget()
        self.snapshot_combo = QComboBox()
        self.snapshot_combo.setToolTip(
            "The dated set of API prices the plan compares with (kept in the plan file)"
        )
        self.snapshot_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.snapshot_combo.setMinimumContentsLength(16)
        self.snapshot_combo.currentIndexChanged.connect(self._snapshot_chosen)
        self.compare_combo = QComboBox()
        self.compare_combo.setToolTip(
            "The API the cost comparison is made against; by default the closed API that is "
            "cheapest for this traffic"
        )
        self.compare_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.compare_combo.setMinimumContentsLength(16)
        self.compare_combo.currentIndexChanged.connect(self._compare_chosen)
        self.snapshot_label = _wrapped("", "Where the snapshot's prices come from", muted=True)
        small = QFont(self.snapshot_label.font())
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.snapshot_label.setFont(small)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Price snapshot", self.snapshot_combo)
        form.addRow("Compare with", self.compare_combo)
        self.show_hosted_check = QCheckBox("Show hosted open models too")
        self.show_hosted_check.setToolTip(
            "List the per-token prices of open models hosted by providers as well"
        )
        self.show_hosted_check.toggled.connect(self._refill_api)
        self.reset_api_button = QPushButton("Reset selected")
        self.reset_api_button.setToolTip("Drop your own prices for the selected API")
        self.reset_api_button.clicked.connect(self._reset_api)
        row = QHBoxLayout()
        row.addWidget(self.show_hosted_check, 1)
        row.addWidget(self.reset_api_button)
        self.api_table = _PriceTable(
            (
                "name",
                "input_usd_per_mtok",
                "output_usd_per_mtok",
                "cached_input_usd_per_mtok",
                "as_of",
                "provider",
                "kind",
            ),
            "The snapshot's API prices; double-click a price to set your own",
        )
        self.api_table.price_edited.connect(self._price_edited)
        self.api_table.itemSelectionChanged.connect(self._selection_changed)
        box = QVBoxLayout(tab)
        box.addLayout(form)
        box.addWidget(self.snapshot_label)
        box.addLayout(row)
        box.addWidget(self.api_table, 1)
        box.addWidget(_wrapped(API_LEGEND, "How the table marks your own prices", muted=True))
        return tab

    def _build_hosted_tab(self) -> QWidget:
        tab = QWidget()
        self.hosted_label = _wrapped("", "The open model and the snapshot the prices come from")
        self.hosted_table = _PriceTable(
            (
                "provider",
                "input_usd_per_mtok",
                "output_usd_per_mtok",
                "cached_input_usd_per_mtok",
                "as_of",
            ),
            "Per-token prices of providers serving this model; double-click a price to edit",
        )
        self.hosted_table.price_edited.connect(self._price_edited)
        self.hosted_empty = _wrapped("", "No provider in the snapshot serves this model")
        box = QVBoxLayout(tab)
        box.addWidget(self.hosted_label)
        box.addWidget(self.hosted_table, 1)
        box.addWidget(self.hosted_empty)
        box.addWidget(_wrapped(API_LEGEND, "How the table marks your own prices", muted=True))
        return tab

    # --- showing --------------------------------------------------------------------------

    def show_scenario(self, scenario: Scenario) -> None:
        """Fill the hardware line, the snapshot, the comparison and the price tables."""
        self._scenario = scenario
        self._snapshot = scenario.price_snapshot
        self.error_label.hide()
        item = scenario.deployed
        gpu = item.gpu_spec or self.context.catalog.gpus.get(item.gpu)
        gpu_name = gpu.name if gpu is not None else item.gpu
        mode = MODES.get(item.acquisition, item.acquisition)
        self.hardware_label.setText(
            f"{item.count} × {gpu_name}, {mode}. GPU prices are kept with this hardware; "
            "how it is paid for is chosen on the Hardware step."
        )
        self._fill_snapshot_combo(scenario)
        self._fill_compare_combo(scenario)
        self._refill_api()

    def show_cost_inputs(self, rows: Sequence[CostInputRow]) -> None:
        """Show the resolved cost inputs (planner.costview.cost_inputs for this scenario)."""
        self._rows = list(rows)
        table = self.assumptions_table
        blocked = table.blockSignals(True)
        try:
            table.setRowCount(len(self._rows))
            del self.reset_buttons[len(self._rows) :]
            for r, row in enumerate(self._rows):
                tip = _cost_tooltip(row)
                label = _cap(row.label)
                if row.value is None:
                    label += " · needs a price"
                elif row.assumption:
                    label += f" · {ASSUMED_TAG}"
                _put(table, r, 0, label, tip, italic=row.assumption)
                _put(
                    table,
                    r,
                    1,
                    format_number(row.value),
                    tip,
                    editable=True,
                    bold=row.explicit,
                    italic=row.assumption,
                    background=MISSING_BG if row.value is None else None,
                    align_right=True,
                )
                _put(table, r, 2, row.unit, tip)
                self._reset_button(r, row)
            table.resizeColumnToContents(0)
            # The reset column takes room only when there is something to reset.
            table.setColumnHidden(3, not any(row.explicit for row in self._rows))
        finally:
            table.blockSignals(blocked)

    def _reset_button(self, r: int, row: CostInputRow) -> None:
        if r >= len(self.reset_buttons):
            button = QToolButton()
            button.setText("Reset")
            button.clicked.connect(lambda _=False, index=r: self._reset_cost(index))
            self.assumptions_table.setCellWidget(r, 3, button)
            self.reset_buttons.append(button)
        button = self.reset_buttons[r]
        button.setEnabled(row.explicit)
        # Only a value set here can be reset; the other rows' buttons are flat and blank.
        button.setText("Reset" if row.explicit else "")
        button.setAutoRaise(not row.explicit)
        default = "none known" if row.default is None else f"{format_number(row.default)}"
        button.setToolTip(
            f"Drop the value set for this plan; use the default ({default} {row.unit})"
            if row.explicit
            else "Nothing set for this plan: the default is used"
        )

    def _fill_snapshot_combo(self, scenario: Scenario) -> None:
        combo = self.snapshot_combo
        blocked = combo.blockSignals(True)
        try:
            combo.clear()
            current = scenario.price_snapshot
            chosen = -1
            if current is not None and self.context.snapshots.get(current.name) != current:
                combo.addItem(f"{_snapshot_name(current)}, kept in the plan", KEPT)
                combo.setItemData(
                    0,
                    f"{current.title}: the prices as the plan keeps them, which differ from "
                    f"the bundled ones of that name\nSource: {current.source}",
                    Qt.ItemDataRole.ToolTipRole,
                )
                chosen = 0
            for name, option in self.context.snapshots.items():
                combo.addItem(_snapshot_name(option), name)
                tip = f"{option.title}\n{option.description}\nSource: {option.source}"
                combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
                if chosen < 0 and current is not None and option == current:
                    chosen = combo.count() - 1
            combo.addItem("None: no API comparison", NO_SNAPSHOT)
            if current is None:
                chosen = combo.count() - 1
            combo.setCurrentIndex(chosen)
        finally:
            combo.blockSignals(blocked)
        snap = scenario.price_snapshot
        self.snapshot_label.setText(
            "No API prices: the plan is costed without a comparison."
            if snap is None
            else f"{snap.title}. {snap.description}".strip()
        )
        self.snapshot_label.setToolTip(
            "No snapshot chosen" if snap is None else f"Source: {snap.source}"
        )

    def _fill_compare_combo(self, scenario: Scenario) -> None:
        combo = self.compare_combo
        blocked = combo.blockSignals(True)
        try:
            combo.clear()
            combo.addItem("Cheapest closed API", None)
            combo.setItemData(
                0,
                "The closed API that costs least for this scenario's traffic",
                Qt.ItemDataRole.ToolTipRole,
            )
            snap = scenario.price_snapshot
            prices = [] if snap is None else list(snap.prices)
            shown = [p for p in prices if p.kind == "closed"] + [
                p
                for p in prices
                if p.kind == "hosted-open"
                and (p.open_model == scenario.model or p.id == scenario.api)
            ]
            for p in shown:
                text = p.name if p.kind == "hosted-open" else f"{p.name} ({p.provider})"
                combo.addItem(text, p.id)
                combo.setItemData(
                    combo.count() - 1,
                    f"{p.id}: {_dated(p.source, p.as_of)}",
                    Qt.ItemDataRole.ToolTipRole,
                )
            index = 0
            if scenario.api is not None:
                index = combo.findData(scenario.api)
                if index < 0:
                    combo.addItem(f"{scenario.api} (not in this snapshot)", scenario.api)
                    index = combo.count() - 1
            combo.setCurrentIndex(index)
            combo.setEnabled(snap is not None)
        finally:
            combo.blockSignals(blocked)

    def _refill_api(self) -> None:
        scenario = self._scenario
        snap = self._snapshot
        overrides = scenario.price_overrides if scenario is not None else PriceOverrides()
        from planner.costview import api_rows

        rows = [] if snap is None else api_rows(snap, overrides)
        show_all = self.show_hosted_check.isChecked()
        self.api_table.show_rows([r for r in rows if show_all or r.kind == "closed"])
        self.api_table.setColumnHidden(
            self.api_table.column_of("kind"), not show_all
        )  # the kind says something only then
        # Many rows: names keep their width (the table scrolls sideways when narrow).
        self.api_table.horizontalHeader().setSectionResizeMode(
            0,
            QHeaderView.ResizeMode.ResizeToContents if show_all else QHeaderView.ResizeMode.Stretch,
        )
        model = "" if scenario is None else scenario.model
        hosted = [r for r in rows if r.kind == "hosted-open" and r.open_model == model]
        self.hosted_table.show_rows(hosted)
        name = model
        if scenario is not None:
            spec = scenario.model_spec or self.context.catalog.models.get(model)
            name = spec.name if spec is not None else model
        where = "no price snapshot" if snap is None else f"the prices as of {snap.as_of}"
        self.hosted_label.setText(
            f"Providers serving {name} per token, in {where}. To compare with one, choose it "
            "under “Compare with” on the API prices tab."
        )
        self.hosted_label.setToolTip(
            "No price snapshot chosen" if snap is None else f"{snap.title}\nSource: {snap.source}"
        )
        self.hosted_empty.setText(
            "" if hosted else f"No provider in {where} serves {name} per token."
        )
        self.hosted_empty.setVisible(not hosted)
        self.hosted_table.setVisible(bool(hosted))
        self._selection_changed()

    # --- user actions ---------------------------------------------------------------------

    def _fail(self, message: str) -> None:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        self.error_label.setStyleSheet(f"color: {'#ff6b6b' if dark else '#b00020'};")
        self.error_label.setText(message)
        self.error_label.show()

    def _cost_edited(self, item: QTableWidgetItem) -> None:
        if item.column() != 1 or item.row() >= len(self._rows) or self._scenario is None:
            return
        row = self._rows[item.row()]
        try:
            value = parse_number(item.text())
        except ValueError:
            self._fail(f"{_cap(row.label)}: '{item.text()}' is not a number.")
            self.show_cost_inputs(self._rows)
            return
        if value is not None:
            from planner.costview import check_cost_value

            why = check_cost_value(row.key, value)
            if why is not None:
                self._fail(f"{_cap(row.label)} {why}.")
                self.show_cost_inputs(self._rows)
                return
        if (value is None and not row.explicit) or (value == row.value and row.explicit):
            self.show_cost_inputs(self._rows)  # nothing changes: show it as it was
            return
        self.error_label.hide()
        self._set_cost(row.key, value)

    def _reset_cost(self, index: int) -> None:
        if index < len(self._rows) and self._rows[index].explicit:
            self._set_cost(self._rows[index].key, None)

    def _set_cost(self, key: str, value: float | None) -> None:
        """Emit the scenario with one cost input set (None: removed)."""
        scenario = self._scenario
        if scenario is None:
            return
        explicit = dict(scenario.costs.explicit)
        fields: dict[str, Any] = {}
        if key in ITEM_PRICE_KEYS:
            item = scenario.deployed
            prices = dict(item.prices)
            prices.pop(key, None)
            if value is not None:
                prices[key] = value
            fields["hardware"] = (item.replace(prices=prices), *scenario.hardware[1:])
            if key in explicit:  # a plan may keep a GPU price with the scenario too
                explicit.pop(key)
                fields["costs"] = scenario.costs.replace(explicit=explicit)
        else:
            explicit.pop(key, None)
            if value is not None:
                explicit[key] = value
            fields["costs"] = scenario.costs.replace(explicit=explicit)
        self.emit_change(**fields)

    def _snapshot_chosen(self, index: int) -> None:
        name = self.snapshot_combo.itemData(index)
        if name == KEPT or name is None:
            return
        snapshot = None if name == NO_SNAPSHOT else self.context.snapshots[name]
        self.emit_change(price_snapshot=snapshot, api=None)

    def _compare_chosen(self, index: int) -> None:
        if index >= 0:
            self.emit_change(api=self.compare_combo.itemData(index))

    def _price_edited(self, price_id: str, field: str, value: float | None) -> None:
        scenario = self._scenario
        if scenario is None:
            return
        if value is not None and (math.isnan(value) or value < 0):
            self._fail("An API price is a number of USD per million tokens, 0 or more.")
            self._refill_api()
            return
        self.error_label.hide()
        from planner.costview import with_api_price

        overrides = with_api_price(scenario.price_overrides, price_id, field, value)
        if overrides == scenario.price_overrides:
            self._refill_api()
            return
        self.emit_change(price_overrides=overrides)

    def _selected_api(self) -> ApiRow | None:
        rows = self.api_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.api_table.rows):
            return None
        return self.api_table.rows[rows[0].row()]

    def _selection_changed(self) -> None:
        row = self._selected_api()
        self.reset_api_button.setEnabled(row is not None and row.overridden)

    def _reset_api(self) -> None:
        row = self._selected_api()
        if row is None or self._scenario is None or not row.overridden:
            return
        self.emit_change(price_overrides=self._scenario.price_overrides.with_api(row.id, None))
