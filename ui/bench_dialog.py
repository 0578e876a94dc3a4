"""Asks what a benchmark file does not say: the model, weight format, GPU, GPU count and
engine it ran on, prefilled from the current scenario, with searchable lists of the catalog.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from planner.benchcalib import FIELD_LABELS, Overrides, stated
from planner.benchimport import ImportedRun
from planner.catalog.load import Catalog
from planner.catalog.resolve import UnknownNameError
from planner.estimate.inputs import MAX_GPUS

TIPS = {
    "model": "The model the benchmark ran: type part of its name, e.g. qwen2.5 7b",
    "quant": "The weight format of the model file, e.g. Q4_K_M, FP8, AWQ",
    "gpu": "The accelerator it ran on: type part of a name or id, e.g. 4090 or h100",
    "gpus": "How many of them the run used (all replicas together)",
    "engine": "The serving engine or runtime that was measured",
}


def searchable(entries: list[tuple[str, str]], current: str | None) -> QComboBox:
    """A combo box over (label, id) that finds an entry by any part of its label."""
    box = QComboBox()
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(30)
    box.setMaxVisibleItems(20)
    for label, key in entries:
        box.addItem(label, key)
    line = box.lineEdit()
    if line is not None:
        line.setPlaceholderText("Type part of a name or id")
    completer = QCompleter(box.model(), box)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    completer.setMaxVisibleItems(15)
    box.setCompleter(completer)
    index = box.findData(current) if current else -1
    box.setCurrentIndex(max(index, 0) if entries else -1)
    return box


class MissingFieldsDialog(QDialog):
    """One benchmark file's missing setup; `answers()` once accepted."""

    def __init__(
        self,
        catalog: Catalog,
        run: ImportedRun,
        missing: list[str],
        defaults: Overrides | dict[str, Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.missing = [f for f in FIELD_LABELS if f in missing]
        self.setWindowTitle("What did this benchmark run on?")
        self.combos: dict[str, QComboBox] = {}
        self.count: QSpinBox | None = None

        says = stated(run)
        intro = QLabel(
            f"<b>{escape(run.source_name)}</b> ({escape(run.format)}, "
            f"{len(run.rows)} row{'s' if len(run.rows) != 1 else ''}) does not say everything "
            "the estimate needs. Choose what the benchmark ran on; the rest comes from the file."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        known = [f"{FIELD_LABELS[f]}: {says[f]}" for f in FIELD_LABELS if says.get(f)]
        known_label = QLabel(
            "The file says — " + ("; ".join(known) if known else "nothing of these")
        )
        known_label.setWordWrap(True)
        known_label.setStyleSheet("color: palette(mid);")
        known_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for field in self.missing:
            default = defaults.get(field)
            if field == "gpus":
                spin = QSpinBox()
                spin.setRange(1, MAX_GPUS)
                spin.setValue(int(default) if isinstance(default, int) else 1)
                spin.setToolTip(TIPS[field])
                self.count = spin
                form.addRow(FIELD_LABELS[field], spin)
                continue
            box = searchable(self._entries(field), str(default) if default else None)
            box.setToolTip(TIPS[field])
            self.combos[field] = box
            form.addRow(FIELD_LABELS[field], box)
            if says.get(field):
                hint = QLabel(
                    f"The file says “{says[field]}”, which is not in the catalog as written; "
                    "your choice applies to every row"
                )
                hint.setWordWrap(True)
                hint.setStyleSheet("color: palette(mid);")
                form.addRow("", hint)

        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #D55E00;")
        self.problem.setVisible(False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(known_label)
        lay.addSpacing(4)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(buttons)
        self.setMinimumWidth(520)

    def _entries(self, field: str) -> list[tuple[str, str]]:
        cat = self.catalog
        if field == "model":
            return sorted(
                ((f"{m.name} ({m.id})", m.id) for m in cat.models.values()),
                key=lambda e: e[0].lower(),
            )
        if field == "gpu":
            return sorted(
                ((f"{g.name} ({g.id})", g.id) for g in cat.gpus.values()),
                key=lambda e: e[0].lower(),
            )
        if field == "quant":
            return [
                (f"{q.name} · {q.id}" if "(" in q.name else f"{q.name} ({q.id})", q.id)
                for q in cat.quants.values()
            ]
        return [(e.name, e.id) for e in cat.engines.values()]

    def _resolve(self, field: str, box: QComboBox) -> str | None:
        """The catalog id the combo shows: the chosen entry, or a typed name the catalog
        knows; None when it knows no such thing."""
        text = box.currentText().strip()
        index = box.findText(text, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            return str(box.itemData(index))
        if not text:
            return None
        cat = self.catalog
        try:
            if field == "model":
                return cat.model(text).id
            if field == "quant":
                return cat.quant(text).id
            if field == "gpu":
                return cat.gpu(text).id
            return cat.engine(text).id
        except UnknownNameError:
            return None

    def answers(self) -> dict[str, Any] | None:
        """The chosen ids (and count) by field; None while one of them is not known."""
        out: dict[str, Any] = {}
        for field, box in self.combos.items():
            key = self._resolve(field, box)
            if key is None:
                return None
            out[field] = key
        if self.count is not None:
            out["gpus"] = self.count.value()
        return out

    def accept(self) -> None:
        if self.answers() is None:
            words = {"model": "model", "quant": "weight format", "gpu": "GPU", "engine": "engine"}
            bad = [words[f] for f, box in self.combos.items() if self._resolve(f, box) is None]
            self.problem.setText(f"Choose a {' and a '.join(bad)} from the list.")
            self.problem.setVisible(True)
            return
        super().accept()
