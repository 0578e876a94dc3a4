"""What every step page is: it shows the selected scenario and emits the user's changes.

A page never computes and never touches files. `changed` carries a dict of top-level
`planner.plan.Scenario` fields to replace, e.g. ``{"quant": "awq-int4"}`` or
``{"hardware": (HardwareItem(...),)}``; the presenter applies it (one undo step per emit),
recomputes and calls `show_scenario` on every page again. `show_scenario` must not emit
`changed` (block signals while filling widgets).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from planner.plan.schema import Scenario
from ui.context import AppContext


class StepPage(QWidget):
    title = ""  # shown in the step navigator
    hint = ""  # one line under the page heading: what to do here

    changed = Signal(object)  # dict[str, Any] of Scenario fields

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context

    def show_scenario(self, scenario: Scenario) -> None:
        raise NotImplementedError

    def emit_change(self, **fields: Any) -> None:
        self.changed.emit(fields)
