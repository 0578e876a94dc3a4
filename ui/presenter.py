"""The plan being edited: its scenarios, undo history, and the results computed from it.

Pages emit the user's intent as a dict of scenario fields; `apply` turns it into a new plan
(one undo step), and a single-shot timer recomputes the selected scenario's dashboard a
moment later, so a burst of edits costs one computation. Every number comes from planner/.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from planner.catalog.load import Catalog
from planner.catalog.resolve import UnknownNameError
from planner.dashboard import Dashboard, dashboard
from planner.estimate.efficiency import EfficiencyTable
from planner.estimate.inputs import PlanInputError
from planner.plan.build import make_scenario
from planner.plan.schema import Plan, Scenario
from ui.context import AppContext
from ui.text import one_line_error

DEBOUNCE_MS = 40


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def default_scenario(catalog: Catalog) -> Scenario:
    """What a new plan starts from: a model most teams try first, on one data-centre GPU."""
    from planner.estimate.scenario import build_deployment, make_workload
    from planner.prices.load import api_snapshots

    dep = build_deployment(
        catalog,
        model=catalog.model("llama-3.1-8b"),
        quant=catalog.quant("bf16"),
        gpu=catalog.gpu("l40s"),
        gpu_count=1,
    )
    return make_scenario(
        catalog,
        "Llama 3.1 8B on 1 x L40S",
        dep,
        make_workload(8, 2000, 500, None),
        price_snapshot=api_snapshots().get("current"),
    )


def _label(fields: dict[str, Any]) -> str:
    names = {
        "model": "model",
        "quant": "weight format",
        "kv_quant": "KV-cache format",
        "hardware": "hardware",
        "engine": "engine",
        "workload": "workload",
        "cost_workload": "monthly volume",
        "costs": "cost assumptions",
        "price_snapshot": "price snapshot",
        "price_overrides": "API prices",
        "api": "API compared",
        "tp": "parallelism",
        "name": "scenario name",
    }
    for key, label in names.items():
        if key in fields:
            return f"Change {label}"
    return "Change " + ", ".join(sorted(fields))


def _moves_parallelism(scenario: Scenario, fields: dict[str, Any]) -> bool:
    """True when the change makes the scenario's parallelism (chosen for the old model,
    format, engine or GPUs) meaningless: it goes back to the engine's default then."""
    for key in ("model", "model_spec", "quant", "engine"):
        if key in fields and fields[key] != getattr(scenario, key):
            return True
    hardware = fields.get("hardware")
    if hardware:
        old, new = scenario.deployed, hardware[0]
        return (old.gpu, old.count, old.gpu_spec) != (new.gpu, new.count, new.gpu_spec)
    return False


def changed_scenario(catalog: Catalog, scenario: Scenario, fields: dict[str, Any]) -> Scenario:
    """The scenario with `fields` replaced (ValidationError when they are invalid).

    Parallelism not given goes back to the default when the model, format, engine or GPUs
    change; an engine that cannot run a newly chosen format goes back to the default."""
    fields = dict(fields)
    if _moves_parallelism(scenario, fields):
        for key in ("tp", "pp", "ep"):
            fields.setdefault(key, None)
    if "quant" in fields and "engine" not in fields and scenario.engine is not None:
        quant = catalog.quants.get(str(fields["quant"]))
        if quant is not None and scenario.engine not in quant.engines:
            fields["engine"] = None
    return scenario.replace(**fields)


class _PlanCommand(QUndoCommand):
    def __init__(self, presenter: Presenter, before: Plan, after: Plan, text: str) -> None:
        super().__init__(text)
        self._p, self._before, self._after = presenter, before, after

    def redo(self) -> None:
        self._p._set_plan(self._after)

    def undo(self) -> None:
        self._p._set_plan(self._before)


@dataclass
class Computed:
    dashboard: Dashboard | None
    error: str | None
    elapsed_ms: float


class Presenter(QObject):
    """Holds the plan; views listen to its signals and call its methods."""

    plan_changed = Signal(object)  # Plan
    scenario_changed = Signal(object)  # the selected Scenario
    computed = Signal(object)  # Computed
    message = Signal(str)  # one line for the status bar

    def __init__(
        self,
        context: AppContext,
        plan: Plan | None = None,
        parent: QObject | None = None,
        table: Callable[[Plan], EfficiencyTable] | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.undo_stack = QUndoStack(self)
        self.path: Path | None = None
        self._table_for = table or _plan_table
        self._table: EfficiencyTable | None = None
        self._use_calibration = True
        self._plan = plan or Plan.new(now_iso(), scenarios=(default_scenario(context.catalog),))
        self._last: Computed | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.recompute)

    # --- state -------------------------------------------------------------------------
    @property
    def plan(self) -> Plan:
        return self._plan

    @property
    def scenario(self) -> Scenario | None:
        return self._plan.current

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def last(self) -> Computed | None:
        return self._last

    def _set_plan(self, plan: Plan) -> None:
        if self.calibrations() != list(
            (getattr(plan, "model_extra", None) or {}).get("calibrations", [])
        ):
            self._table = None  # the factors follow the plan's calibrations
        self._plan = plan
        self.plan_changed.emit(plan)
        if plan.current is not None:
            self.scenario_changed.emit(plan.current)
        self.schedule()

    def replace_plan(self, plan: Plan, path: Path | None) -> None:
        """A plan opened or created: history starts afresh."""
        self.undo_stack.clear()
        self.path = path
        self._table = None
        self._set_plan(plan)
        self.undo_stack.setClean()

    def mark_saved(self, plan: Plan, path: Path) -> None:
        """`plan` (costs pinned, time stamped) was saved to `path`: it is the clean state."""
        self._plan = plan
        self.path = path
        self.undo_stack.setClean()
        self.plan_changed.emit(plan)

    def _push(self, after: Plan, text: str) -> None:
        if after == self._plan:
            return
        self.undo_stack.push(_PlanCommand(self, self._plan, after, text))

    # --- edits -------------------------------------------------------------------------
    def apply(self, fields: dict[str, Any]) -> bool:
        """Replace fields of the selected scenario; False (and a message) when invalid."""
        current = self.scenario
        if current is None or not fields:
            return False
        try:
            new = changed_scenario(self.context.catalog, current, fields)
        except (ValidationError, ValueError) as exc:
            self.message.emit(f"Not applied: {one_line_error(exc)}")
            return False
        scenarios = list(self._plan.scenarios)
        scenarios[self._plan.selected] = new
        self._push(self._plan.model_copy(update={"scenarios": tuple(scenarios)}), _label(fields))
        return True

    def set_plan_fields(self, **fields: Any) -> None:
        """Title, client or notes."""
        self._push(self._plan.replace(**fields), "Change plan details")

    def select(self, index: int) -> None:
        if 0 <= index < len(self._plan.scenarios) and index != self._plan.selected:
            # Selecting is not an edit: no undo step, the file is not changed by it.
            self._plan = self._plan.model_copy(update={"selected": index})
            self.plan_changed.emit(self._plan)
            self.scenario_changed.emit(self._plan.current)
            self.schedule()

    def add_scenario(self, scenario: Scenario | None = None) -> None:
        new = scenario or default_scenario(self.context.catalog)
        new = new.replace(name=self._unique(new.name))
        self._push(self._plan.with_scenario(new), "Add scenario")

    def duplicate_scenario(self) -> None:
        if self.scenario is not None:
            copy = self.scenario.replace(name=self._unique(f"{self.scenario.name} (copy)"))
            self._push(self._plan.with_scenario(copy), "Duplicate scenario")

    def rename_scenario(self, name: str) -> None:
        name = name.strip()
        if name and self.scenario is not None and name != self.scenario.name:
            self.apply({"name": name})

    def delete_scenario(self) -> bool:
        if len(self._plan.scenarios) <= 1:
            self.message.emit("A plan keeps at least one scenario")
            return False
        scenarios = list(self._plan.scenarios)
        del scenarios[self._plan.selected]
        selected = min(self._plan.selected, len(scenarios) - 1)
        after = self._plan.model_copy(update={"scenarios": tuple(scenarios), "selected": selected})
        self._push(after, "Delete scenario")
        return True

    def _unique(self, name: str) -> str:
        taken = {s.name for s in self._plan.scenarios}
        if name not in taken:
            return name
        n = 2
        while f"{name} {n}" in taken:
            n += 1
        return f"{name} {n}"

    # --- results -----------------------------------------------------------------------
    def schedule(self) -> None:
        self._timer.start()

    def table(self) -> EfficiencyTable | None:
        """The efficiency factors: bundled, with the plan's calibrations applied unless the
        user turned calibration off."""
        if not self._use_calibration:
            return None
        if self._table is None:
            self._table = self._table_for(self._plan)
        return self._table

    @property
    def use_calibration(self) -> bool:
        return self._use_calibration

    def set_use_calibration(self, on: bool) -> None:
        """Show the numbers with (True) or without the plan's calibrations."""
        if on != self._use_calibration:
            self._use_calibration = on
            self.schedule()

    def calibrations(self) -> list[dict[str, Any]]:
        """The calibrations stored in the plan, as saved (JSON documents)."""
        extra = getattr(self._plan, "model_extra", None) or {}
        return list(extra.get("calibrations", []))

    def add_calibration(self, calibration: dict[str, Any]) -> None:
        """Store a calibration (a `planner.calibrate.Calibration` as JSON) in the plan: one
        undo step; a calibration with the same `created` time is replaced."""
        kept = [c for c in self.calibrations() if c.get("created") != calibration.get("created")]
        self._push(self._plan.replace(calibrations=[*kept, calibration]), "Add calibration")

    def remove_calibrations(self) -> None:
        if self.calibrations():
            self._push(self._plan.replace(calibrations=[]), "Remove calibrations")

    def compute(self, scenario: Scenario) -> Computed:
        start = time.perf_counter()
        try:
            d = dashboard(self.context.catalog, scenario, self.table())
            err = None
        except (PlanInputError, UnknownNameError, ValueError) as exc:
            d, err = None, one_line_error(exc)
        return Computed(d, err, (time.perf_counter() - start) * 1000)

    def recompute(self) -> None:
        self._timer.stop()
        scenario = self.scenario
        if scenario is None:
            return
        self._last = self.compute(scenario)
        self.computed.emit(self._last)

    def dashboards(self) -> list[Dashboard | None]:
        """Every scenario's dashboard (the Compare view and the presentation)."""
        return [self.compute(s).dashboard for s in self._plan.scenarios]


def _plan_table(plan: Plan) -> EfficiencyTable | None:
    extra = getattr(plan, "model_extra", None) or {}
    if not extra.get("calibrations"):
        return None  # the bundled factors
    from planner.cli_report import plan_table

    return plan_table(plan)
