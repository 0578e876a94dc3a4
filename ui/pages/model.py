"""The Model step: pick a catalog model, or import your own.

A searchable, filterable, sortable table of `planner.quantchoice.model_rows`, with the
selected model's facts (`model_facts`) and source under it. The page reads no files: the
"Import model…" button and drag and drop only emit `import_requested(Path)`; the presenter
calls `planner.quantchoice.import_model` (or `imported_fields`) and emits the change.

Emits (`changed`): ``{"model": id, "model_spec": None}`` for a catalog model, or
``{"model": id, "model_spec": spec}`` for a custom one (so the plan file carries it).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from planner.catalog.schema import ModelSpec
from planner.plan.schema import Scenario
from planner.quantchoice import ModelRow, model_facts, model_rows
from ui.context import AppContext
from ui.pages.base import StepPage
from ui.pages.tables import ID_ROLE, SORT_ROLE, Index, RowTable, row_table_view, select_id

ALL_FAMILIES = "All families"
ANY_SIZE = "any"
MAX_PARAMS_B = 5000.0
# Narrower than this (px), the least needed columns are hidden (the details panel has them).
HIDE_BELOW = {"license": 860, "active": 640, "family": 560}


def _desc(name: str) -> str:
    info = ModelSpec.model_fields.get(name)
    return (info.description or "") if info is not None else ""


# (header, tooltip) per column.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Name", _desc("name") + "; the catalog id is in each row's tooltip"),
    ("Family", _desc("family")),
    ("Params B", _desc("total_params_b")),
    ("Active B", _desc("active_params_b") + " (less than the total for mixture-of-experts)"),
    ("MoE", "Mixture of experts: each token uses a few experts, but all must be in memory"),
    ("Context", _desc("max_context")),
    ("License", _desc("license")),
)
COL_NAME, COL_FAMILY, COL_PARAMS, COL_ACTIVE, COL_MOE, COL_CONTEXT, COL_LICENSE = range(7)


def context_text(tokens: int) -> str:
    """131072 -> '128K', 10485760 -> '10M'."""
    if tokens >= 1 << 20 and tokens % (1 << 17) == 0:
        return f"{tokens / (1 << 20):g}M"
    if tokens >= 1024:
        return f"{round(tokens / 1024)}K"
    return str(tokens)


def params_text(b: float) -> str:
    return f"{b:,.1f}" if b >= 10 else f"{b:.2f}"


class ModelTable(RowTable[ModelRow]):
    """ModelRow per row; display text, raw values for sorting, the id under ID_ROLE."""

    columns = COLUMNS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r, col = self.row_at(index), index.column()
        if r is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == SORT_ROLE:
            return self._sort_value(r, col)
        if role == ID_ROLE:
            return r.id
        if role == Qt.ItemDataRole.ToolTipRole:
            text = f"{r.name} ({r.id})"
            return text + (" — imported by you" if r.custom else "") + f"\nSource: {r.source}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (
            COL_PARAMS,
            COL_ACTIVE,
            COL_CONTEXT,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and r.custom:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    @staticmethod
    def _display(r: ModelRow, col: int) -> str:
        if col == COL_NAME:
            return f"{r.name} (custom)" if r.custom else r.name
        if col == COL_FAMILY:
            return r.family
        if col == COL_PARAMS:
            return params_text(r.total_params_b)
        if col == COL_ACTIVE:
            return params_text(r.active_params_b)
        if col == COL_MOE:
            return "yes" if r.moe else ""
        if col == COL_CONTEXT:
            return context_text(r.max_context)
        return r.license

    @staticmethod
    def _sort_value(r: ModelRow, col: int) -> Any:
        if col == COL_PARAMS:
            return r.total_params_b
        if col == COL_ACTIVE:
            return r.active_params_b
        if col == COL_MOE:
            return int(r.moe)
        if col == COL_CONTEXT:
            return r.max_context
        return ModelTable._display(r, col).casefold()


class ModelFilter(QSortFilterProxyModel):
    """Search text (name, id, family), family, MoE only, and a total-parameter range."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.family = ""
        self.moe_only = False
        self.min_b = 0.0
        self.max_b = 0.0  # 0: no upper bound
        self.setSortRole(SORT_ROLE)

    def set_filters(
        self, text: str, family: str, moe_only: bool, min_b: float, max_b: float
    ) -> None:
        self.beginFilterChange()
        self.text = text.strip().casefold()
        self.family = family
        self.moe_only = moe_only
        self.min_b, self.max_b = min_b, max_b
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        table = self.sourceModel()
        if not isinstance(table, ModelTable) or not 0 <= source_row < len(table.rows):
            return False
        r = table.rows[source_row]
        if self.text and not any(self.text in s.casefold() for s in (r.name, r.id, r.family)):
            return False
        if self.family and r.family != self.family:
            return False
        if self.moe_only and not r.moe:
            return False
        if r.total_params_b < self.min_b:
            return False
        return not (self.max_b > 0 and r.total_params_b > self.max_b)


def _params_spin(tooltip: str) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(0.0, MAX_PARAMS_B)
    s.setDecimals(0)
    s.setSingleStep(10.0)
    s.setSpecialValueText(ANY_SIZE)
    s.setSuffix(" B")
    s.setKeyboardTracking(False)
    s.setToolTip(tooltip)
    return s


class ModelPage(StepPage):
    title = "Model"
    hint = (
        "Pick the model to deploy, or import your own: a model folder, config.json or "
        ".gguf file (or drop one here)."
    )

    import_requested = Signal(object)  # Path of a folder, config.json or .gguf

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._current_id: str | None = None
        self._filling = False
        self._extra: dict[str, ModelSpec] = {}  # custom models seen in scenarios

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, id or family…")
        self.search.setClearButtonEnabled(True)
        self.search.setAcceptDrops(False)  # dropped files go to the page (import)
        self.search.setToolTip("Show only models whose name, id or family contains this text")
        self.import_button = QPushButton("Import model…")
        self.import_button.setToolTip(
            "Add a model that is not in the catalog from a Hugging Face model folder, its "
            "config.json or a GGUF file. Only metadata is read (config, file headers). "
            "You can also drop the folder or file onto this page."
        )
        menu = QMenu(self.import_button)
        self.import_folder_action = QAction("Model folder…", self)
        self.import_folder_action.setToolTip("A folder with config.json (and safetensors files)")
        self.import_file_action = QAction("config.json or .gguf file…", self)
        self.import_file_action.setToolTip("A config.json alone, or a GGUF model file")
        menu.addAction(self.import_folder_action)
        menu.addAction(self.import_file_action)
        menu.setToolTipsVisible(True)
        self.import_button.setMenu(menu)
        self.import_folder_action.triggered.connect(self._import_folder)
        self.import_file_action.triggered.connect(self._import_file)

        self.family = QComboBox()
        self.family.setToolTip(_desc("family") + ": show one family only")
        self.family.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.moe_only = QCheckBox("MoE only")
        self.moe_only.setToolTip(COLUMNS[COL_MOE][1] + ". Show only these.")
        self.min_params = _params_spin(
            "Smallest total parameter count to show, billions ('any': no lower bound)"
        )
        self.max_params = _params_spin(
            "Largest total parameter count to show, billions ('any': no upper bound)"
        )
        params_label = QLabel("Params")
        params_label.setToolTip(_desc("total_params_b"))
        dash = QLabel("–")
        dash.setToolTip(params_label.toolTip())

        self.table_model = ModelTable(self)
        self.proxy = ModelFilter(self)
        self.proxy.setSourceModel(self.table_model)
        self.table = row_table_view(
            self.proxy, "Click a model to use it in this scenario; click a header to sort"
        )
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        header.setHighlightSections(False)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.count_label = QLabel()
        self.count_label.setToolTip("Models shown with the current search and filters")

        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.setToolTip("The selected model's key facts and where they come from")
        self.details.setMinimumHeight(90)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.import_button)
        filters = QHBoxLayout()
        filters.addWidget(self.family, 1)
        filters.addWidget(self.moe_only)
        filters.addSpacing(8)
        filters.addWidget(params_label)
        filters.addWidget(self.min_params)
        filters.addWidget(dash)
        filters.addWidget(self.max_params)

        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table, 1)
        table_layout.addWidget(self.count_label)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(table_box)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.splitter, 1)

        self.search.textChanged.connect(self._filters_changed)
        self.family.currentIndexChanged.connect(self._filters_changed)
        self.moe_only.toggled.connect(self._filters_changed)
        self.min_params.valueChanged.connect(self._filters_changed)
        self.max_params.valueChanged.connect(self._filters_changed)

        self.setAcceptDrops(True)
        self._set_rows(model_rows(context.catalog))
        self._size_columns()

    # -- showing ---------------------------------------------------------------------------

    def show_scenario(self, scenario: Scenario) -> None:
        spec = scenario.model_spec
        if spec is not None and self._extra.get(spec.id) != spec:
            self._extra[spec.id] = spec
            self._set_rows(model_rows(self.context.catalog, self._extra.values()))
        self._current_id = scenario.model
        self._select_current()
        self._show_details(self._spec(scenario.model) or spec)

    def _set_rows(self, rows: list[ModelRow]) -> None:
        self._filling = True
        try:
            self.table_model.set_rows(rows)
            family = self.family.currentText()
            self.family.blockSignals(True)
            self.family.clear()
            self.family.addItem(ALL_FAMILIES)
            self.family.addItems(sorted({r.family for r in rows}, key=str.casefold))
            found = self.family.findText(family)
            self.family.setCurrentIndex(max(found, 0))
            self.family.blockSignals(False)
        finally:
            self._filling = False
        self._update_count()

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        pad = 24
        widths = {
            COL_FAMILY: metrics.horizontalAdvance("Qwen3-Coder") + pad,
            COL_PARAMS: metrics.horizontalAdvance("Params B") + pad,
            COL_ACTIVE: metrics.horizontalAdvance("Active B") + pad,
            COL_MOE: metrics.horizontalAdvance("MoE") + pad,
            COL_CONTEXT: metrics.horizontalAdvance("Context") + pad,
            COL_LICENSE: metrics.horizontalAdvance("Llama 3.1 Community Lic") + pad,
        }
        for col, width in widths.items():
            self.table.setColumnWidth(col, width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = event.size().width()
        self.table.setColumnHidden(COL_LICENSE, width < HIDE_BELOW["license"])
        self.table.setColumnHidden(COL_ACTIVE, width < HIDE_BELOW["active"])
        self.table.setColumnHidden(COL_FAMILY, width < HIDE_BELOW["family"])

    def _spec(self, model_id: str | None) -> ModelSpec | None:
        if model_id is None:
            return None
        return self._extra.get(model_id) or self.context.catalog.models.get(model_id)

    def _select_current(self) -> None:
        """Select the scenario's model in the table (without emitting)."""
        self._filling = True
        try:
            select_id(self.table, self.table_model, self._current_id)
        finally:
            self._filling = False

    def _show_details(self, spec: ModelSpec | None) -> None:
        if spec is None:
            self.details.setHtml(
                "<p style='color: gray'>No model selected. Pick one in the table above.</p>"
            )
            return
        facts = [(k, v) for k, v in model_facts(spec)[1:] if not k.startswith("Assumed ")]
        rows = "".join(
            "<tr><td style='padding-right: 10px; white-space: nowrap; color: gray;'>"
            f"{html.escape(label)}</td><td>{html.escape(value)}</td></tr>"
            for label, value in facts
        )
        assumed = "".join(
            f"<li><i>{html.escape(name)}</i>: {html.escape(why)}</li>"
            for name, why in spec.assumptions.items()
        )
        marker = " <i>(custom)</i>" if spec.custom else ""
        self.details.setHtml(
            f"<p><b>{html.escape(spec.name)}</b>{marker}"
            f" <span style='color: gray'>{html.escape(spec.id)}</span></p>"
            f"<table cellspacing='0' cellpadding='1'>{rows}</table>"
            + (
                f"<p style='margin-bottom: 0'>Assumed, not sourced:</p><ul>{assumed}</ul>"
                if assumed
                else ""
            )
        )

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.table_model.rowCount()
        self.count_label.setText(
            f"{total} models" if shown == total else f"{shown} of {total} models shown"
        )

    # -- user input ------------------------------------------------------------------------

    def _filters_changed(self, *_: object) -> None:
        family = self.family.currentText()
        self._filling = True  # rows hidden by a filter move the selection: not a choice
        try:
            self.proxy.set_filters(
                self.search.text(),
                "" if family == ALL_FAMILIES else family,
                self.moe_only.isChecked(),
                self.min_params.value(),
                self.max_params.value(),
            )
        finally:
            self._filling = False
        self._update_count()
        self._select_current()

    def _selection_changed(self, *_: object) -> None:
        if self._filling:
            return
        rows = self.table.selectionModel().selectedRows()
        if len(rows) != 1:
            return
        model_id = str(rows[0].data(ID_ROLE))
        spec = self._spec(model_id)
        self._show_details(spec)
        if model_id == self._current_id or spec is None:
            return
        self._current_id = model_id
        self.emit_change(model=model_id, model_spec=spec if spec.custom else None)

    def choose_folder(self) -> Path | None:
        """Ask for a model folder (a method, so tests can replace the dialog)."""
        folder = QFileDialog.getExistingDirectory(self, "Import a model folder")
        return Path(folder) if folder else None

    def choose_file(self) -> Path | None:
        """Ask for a config.json or .gguf file (a method, so tests can replace the dialog)."""
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Import a model file",
            "",
            "Model files (*.json *.gguf);;config.json (config.json);;GGUF (*.gguf);;All files (*)",
        )
        return Path(name) if name else None

    def _import_folder(self) -> None:
        path = self.choose_folder()
        if path is not None:
            self.import_requested.emit(path)

    def _import_file(self) -> None:
        path = self.choose_file()
        if path is not None:
            self.import_requested.emit(path)

    @staticmethod
    def dropped_path(paths: list[Path]) -> Path | None:
        """The one path to import from a drop: a config.json or .gguf among several files,
        else the first."""
        for p in paths:
            if p.name == "config.json" or p.suffix.lower() == ".gguf":
                return p
        return paths[0] if paths else None

    @staticmethod
    def _local_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self.dropped_path(self._local_paths(event))
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_requested.emit(path)
