"""What the step pages' tables share: rows of one kind with an id, columns with tooltips."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the catalog id of a row's entry
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # the raw value a column sorts by

Index = QModelIndex | QPersistentModelIndex
R = TypeVar("R")


class RowTable(QAbstractTableModel, Generic[R]):
    """A list of rows (each with an `id`), shown under `columns`: (title, tooltip) pairs."""

    columns: tuple[tuple[str, str], ...] = ()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[R] = []

    def set_rows(self, rows: list[R]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_of(self, item_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if getattr(r, "id", None) == item_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section][1]
        return None

    def row_at(self, index: Index) -> R | None:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        return self.rows[index.row()]


def row_table_view(proxy: QSortFilterProxyModel, tooltip: str) -> QTableView:
    """A sortable, read-only, single-row-selection table over `proxy`, in catalog order until
    a header is clicked, with compact rows."""
    table = QTableView()
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    table.setToolTip(tooltip)
    return table


def select_id(table: QTableView, source: RowTable[Any], item_id: str | None) -> None:
    """Select (and scroll to) the row of `item_id` shown through the table's proxy; clear the
    selection when it is not shown. The caller blocks its own reaction to the change."""
    proxy = table.model()
    assert isinstance(proxy, QSortFilterProxyModel)
    selection = table.selectionModel()
    row = source.row_of(item_id or "")
    index = proxy.mapFromSource(source.index(row, 0)) if row >= 0 else None
    if index is None or not index.isValid():
        selection.clear()
        return
    flags = QItemSelectionModel.SelectionFlag
    selection.setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
    table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
