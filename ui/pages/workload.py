"""The Workload step: engine and parallelism, request lengths, concurrency, monthly volume.

Every edit is checked with the plan's pydantic models before it is emitted; a combination
they reject shows one red line under the form and emits nothing.

Emits (`changed`):

- engine: ``{"engine": id | None, "tp": None, "pp": None, "ep": None}``;
- parallelism: ``{"tp": n | None}`` (likewise ``pp``, ``ep``);
- prompt / output tokens: ``{"workload": ..., "cost_workload": ...}`` (both lengths in one
  emit, so the estimate and the cost use the same request; ``cost_workload`` only when the
  scenario has one);
- context, concurrent users: ``{"workload": ...}``;
- monthly volume and the fields under it: ``{"cost_workload": PlanCostWorkload | None}``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from planner.cost import CostWorkload
from planner.estimate.inputs import MAX_GPUS, MAX_TOKENS, Deployment, Workload
from planner.estimate.scenario import default_engine, default_parallelism
from planner.plan.schema import EstimatorWorkload, PlanCostWorkload, Scenario
from ui.context import AppContext
from ui.pages.base import StepPage
from ui.pages.forms import error_style, scrolling_column, tip
from ui.text import one_line_error

MAX_BATCH = 1_000_000
DEFAULT_TOKENS_PER_MONTH = 1e9  # what a newly enabled monthly volume starts from
MUTED_STYLE = "color: palette(mid);"
VOLUME_UNITS = (
    ("tokens_per_month", "tokens per month"),
    ("requests_per_month", "requests per month"),
)
LABELS = {
    "batch": "Concurrent users",
    "input_tokens": "Prompt tokens",
    "output_tokens": "Output tokens",
    "context_tokens": "Context per sequence",
    "tokens_per_month": "Tokens per month",
    "requests_per_month": "Requests per month",
    "cached_input_share": "Cached input share",
    "peak_to_average": "Peak to average",
    "active_hours_per_day": "Active hours per day",
    "ttft_target_ms": "TTFT target",
    "tpot_target_ms": "TPOT target",
    "engine": "Engine",
    "tp": "Tensor parallel",
    "pp": "Pipeline parallel",
    "ep": "Expert parallel",
}
_SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}


def parse_volume(text: str) -> float:
    """'11.4e9', '11,400,000,000', '11.4B', '2.5 M' -> float; ValueError otherwise."""
    cleaned = text.strip().lower().replace(",", "").replace("_", "").replace(" ", "")
    scale = 1.0
    if cleaned and cleaned[-1] in _SUFFIXES:
        scale = _SUFFIXES[cleaned[-1]]
        cleaned = cleaned[:-1]
    value = float(cleaned) * scale
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"'{text}' is not a finite number")
    return value


def volume_text(value: float | None) -> str:
    if value is None:
        return ""
    return f"{round(value):,}" if value >= 1 else f"{value:g}"


def _spin(
    low: int, high: int, special: str | None = None, tooltip: str = "", step: int = 1
) -> QSpinBox:
    s = QSpinBox()
    s.setRange(low, high)
    s.setSingleStep(step)
    s.setKeyboardTracking(False)
    s.setGroupSeparatorShown(True)
    if special:
        s.setSpecialValueText(special)
    s.setToolTip(tooltip)
    return s


def _dspin(
    low: float,
    high: float,
    decimals: int,
    step: float,
    special: str | None = None,
    suffix: str = "",
    tooltip: str = "",
) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(low, high)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    s.setKeyboardTracking(False)
    s.setGroupSeparatorShown(True)
    if special:
        s.setSpecialValueText(special)
    if suffix:
        s.setSuffix(suffix)
    s.setToolTip(tooltip)
    return s


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


class WorkloadPage(StepPage):
    title = "Workload"
    hint = "Set the engine, the request lengths and users, and the monthly traffic to cost."

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._scenario: Scenario | None = None
        self._workload = EstimatorWorkload()
        self._cost: PlanCostWorkload | None = None
        self._last_cost: PlanCostWorkload | None = None  # restored when re-enabled
        self._tp: int | None = None
        self._pp: int | None = None
        self._ep: int | None = None

        self._scroll, column = scrolling_column(self)
        column.addWidget(self._build_engine())
        column.addWidget(self._build_requests())
        column.addWidget(self._build_volume())
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        column.addWidget(self.error_label)
        column.addStretch(1)
        self._widgets: list[QWidget] = [
            self.engine_combo,
            self.tp_spin,
            self.pp_spin,
            self.ep_spin,
            self.input_spin,
            self.output_spin,
            self.context_spin,
            self.batch_spin,
            self.fill_check,
            self.volume_box,
            self.unit_combo,
            self.volume_edit,
            self.peak_spin,
            self.hours_spin,
            self.cached_spin,
            self.ttft_spin,
            self.tpot_spin,
        ]

    # --- building ----------------------------------------------------------------------
    def _build_engine(self) -> QGroupBox:
        box = QGroupBox("Engine and parallelism")
        form = _form()
        box.setLayout(form)
        self.engine_combo = QComboBox()
        self.engine_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.engine_combo.setMinimumContentsLength(12)
        self.engine_combo.addItem("Automatic", None)
        for e in self.context.catalog.engines.values():
            self.engine_combo.addItem(e.name, e.id)
        self.engine_combo.setToolTip(tip((Scenario, "engine")))
        self.engine_combo.currentIndexChanged.connect(self._on_engine)
        form.addRow("Engine", self.engine_combo)

        self.tp_spin = _spin(0, MAX_GPUS, "Auto", tip((Deployment, "tp")))
        self.pp_spin = _spin(0, MAX_GPUS, "Auto", tip((Deployment, "pp")))
        self.ep_spin = _spin(0, MAX_GPUS, "Auto", tip((Deployment, "ep")))
        for name, spin in (("tp", self.tp_spin), ("pp", self.pp_spin), ("ep", self.ep_spin)):
            spin.valueChanged.connect(lambda v, n=name: self._on_parallel(n, v))
        form.addRow("Tensor parallel", self.tp_spin)
        form.addRow("Pipeline parallel", self.pp_spin)
        form.addRow("Expert parallel", self.ep_spin)
        self.auto_label = QLabel()
        self.auto_label.setWordWrap(True)
        self.auto_label.setStyleSheet(MUTED_STYLE)
        form.addRow(self.auto_label)
        return box

    def _build_requests(self) -> QGroupBox:
        box = QGroupBox("Requests and users")
        form = _form()
        box.setLayout(form)
        self.input_spin = _spin(
            0,
            MAX_TOKENS,
            tooltip=tip((Workload, "input_len"), (CostWorkload, "input_tokens")),
            step=100,
        )
        self.input_spin.valueChanged.connect(lambda v: self._on_length("input_tokens", v))
        form.addRow("Prompt tokens", self.input_spin)
        self.output_spin = _spin(
            0,
            MAX_TOKENS,
            tooltip=tip((Workload, "output_len"), (CostWorkload, "output_tokens")),
            step=100,
        )
        self.output_spin.valueChanged.connect(lambda v: self._on_length("output_tokens", v))
        form.addRow("Output tokens", self.output_spin)
        self.context_spin = _spin(
            0, MAX_TOKENS, "Auto (prompt + output)", tip((Workload, "context_len")), step=1024
        )
        self.context_spin.valueChanged.connect(self._on_context)
        form.addRow("Context per sequence", self.context_spin)

        users = QWidget()
        row = QHBoxLayout(users)
        row.setContentsMargins(0, 0, 0, 0)
        batch_tip = tip((EstimatorWorkload, "batch"))
        self.batch_spin = _spin(1, MAX_BATCH, tooltip=batch_tip)
        self.batch_spin.valueChanged.connect(self._on_batch)
        row.addWidget(self.batch_spin, 1)
        self.fill_check = QCheckBox("Fill memory")
        self.fill_check.setToolTip(
            "As many sequences as fit in the memory left after the weights (batch 'max')"
        )
        self.fill_check.toggled.connect(self._on_fill)
        row.addWidget(self.fill_check)
        form.addRow("Concurrent users", users)
        return box

    def _build_volume(self) -> QGroupBox:
        box = QGroupBox("Monthly volume (for costs)")
        box.setCheckable(True)
        box.setToolTip(
            "Traffic to serve in a month and the latency it must be served at; "
            "unchecked: no cost comparison"
        )
        box.toggled.connect(self._on_volume_toggled)
        self.volume_box = box
        form = _form()
        box.setLayout(form)

        vol = QWidget()
        row = QHBoxLayout(vol)
        row.setContentsMargins(0, 0, 0, 0)
        self.volume_edit = QLineEdit()
        self.volume_edit.setPlaceholderText("e.g. 11.4e9 or 2.5M")
        self.volume_edit.setToolTip(
            tip((CostWorkload, "tokens_per_month"))
            + " or "
            + tip((CostWorkload, "requests_per_month")).lower()
            + "; k, M, B suffixes work"
        )
        self.volume_edit.editingFinished.connect(self._on_volume_value)
        row.addWidget(self.volume_edit, 1)
        self.unit_combo = QComboBox()
        for value, text in VOLUME_UNITS:
            self.unit_combo.addItem(text, value)
        self.unit_combo.setToolTip("Give the volume in tokens (input plus output) or requests")
        self.unit_combo.currentIndexChanged.connect(self._on_unit)
        row.addWidget(self.unit_combo)
        form.addRow("Volume", vol)

        self.peak_spin = _dspin(1, 100, 2, 0.5, tooltip=tip((CostWorkload, "peak_to_average")))
        self.peak_spin.valueChanged.connect(lambda v: self._on_cost("peak_to_average", v))
        form.addRow("Peak to average", self.peak_spin)
        self.hours_spin = _dspin(
            0.5, 24, 1, 1, suffix=" h", tooltip=tip((CostWorkload, "active_hours_per_day"))
        )
        self.hours_spin.valueChanged.connect(lambda v: self._on_cost("active_hours_per_day", v))
        form.addRow("Active hours per day", self.hours_spin)
        self.cached_spin = _dspin(
            0, 100, 1, 5, suffix=" %", tooltip=tip((CostWorkload, "cached_input_share"))
        )
        self.cached_spin.valueChanged.connect(
            lambda v: self._on_cost("cached_input_share", v / 100)
        )
        form.addRow("Cached input share", self.cached_spin)
        self.ttft_spin = _dspin(
            0,
            3_600_000,
            0,
            100,
            "None",
            " ms",
            tip((CostWorkload, "ttft_target_ms")) + " target (None: no target)",
        )
        self.ttft_spin.valueChanged.connect(lambda v: self._on_cost("ttft_target_ms", v or None))
        form.addRow("TTFT target", self.ttft_spin)
        self.tpot_spin = _dspin(
            0,
            60_000,
            1,
            5,
            "None",
            " ms",
            tip((CostWorkload, "tpot_target_ms")) + " target (None: no target)",
        )
        self.tpot_spin.valueChanged.connect(lambda v: self._on_cost("tpot_target_ms", v or None))
        form.addRow("TPOT target", self.tpot_spin)
        self.volume_summary = QLabel()
        self.volume_summary.setWordWrap(True)
        self.volume_summary.setStyleSheet(MUTED_STYLE)
        # A form row does not grow with a wrapped label's height: keep room for two lines.
        self.volume_summary.setMinimumHeight(
            2 * self.volume_summary.fontMetrics().lineSpacing() + 4
        )
        form.addRow(self.volume_summary)
        return box

    # --- showing -----------------------------------------------------------------------
    def show_scenario(self, scenario: Scenario) -> None:
        self._scenario = scenario
        self._workload = scenario.workload
        self._cost = scenario.cost_workload
        if self._cost is not None:
            self._last_cost = self._cost
        self._tp, self._pp, self._ep = scenario.tp, scenario.pp, scenario.ep
        for w in self._widgets:
            w.blockSignals(True)
        try:
            self._fill(scenario)
        finally:
            for w in self._widgets:
                w.blockSignals(False)
        self._set_error("")

    def _fill(self, sc: Scenario) -> None:
        index = self.engine_combo.findData(sc.engine) if sc.engine else 0
        if index < 0:
            self.engine_combo.addItem(f"{sc.engine} (not in the catalog)", sc.engine)
            index = self.engine_combo.count() - 1
        self.engine_combo.setCurrentIndex(index)
        self._show_auto(sc)
        self.tp_spin.setValue(sc.tp or 0)
        self.pp_spin.setValue(sc.pp or 0)
        self.ep_spin.setValue(sc.ep or 0)

        w = sc.workload
        self.input_spin.setValue(w.input_tokens)
        self.output_spin.setValue(w.output_tokens)
        self.context_spin.setValue(w.context_tokens or 0)
        fill = w.batch == "max"
        self.fill_check.setChecked(fill)
        self.batch_spin.setEnabled(not fill)
        if isinstance(w.batch, int):
            self.batch_spin.setValue(w.batch)
        self._show_cost(sc.cost_workload)

    def _show_cost(self, cw: PlanCostWorkload | None) -> None:
        self.volume_box.setChecked(cw is not None)
        shown = cw or self._last_cost
        if shown is None:  # what a newly enabled volume starts from
            shown = PlanCostWorkload(tokens_per_month=DEFAULT_TOKENS_PER_MONTH)
        unit = "requests_per_month" if shown.requests_per_month is not None else "tokens_per_month"
        self.unit_combo.setCurrentIndex(self.unit_combo.findData(unit))
        self.volume_edit.setText(volume_text(getattr(shown, unit)))
        self.peak_spin.setValue(shown.peak_to_average)
        self.hours_spin.setValue(shown.active_hours_per_day)
        self.cached_spin.setValue(shown.cached_input_share * 100)
        self.ttft_spin.setValue(shown.ttft_target_ms or 0)
        self.tpot_spin.setValue(shown.tpot_target_ms or 0)
        if cw is None:
            self.volume_summary.setText("Check to compare costs at a monthly traffic.")
        else:
            self.volume_summary.setText(
                f"{cw.monthly_requests:,.0f} requests, {cw.monthly_tokens:,.0f} tokens a month "
                f"({cw.input_tokens:,} prompt + {cw.output_tokens:,} output tokens each)"
            )

    def _show_auto(self, sc: Scenario) -> None:
        """What "Automatic" and "Auto" resolve to for this model, format and hardware."""
        cat = self.context.catalog
        try:
            item = sc.deployed
            gpu = item.gpu_spec or cat.gpu(item.gpu)
            model = sc.model_spec or cat.model(sc.model)
            quant = cat.quant(sc.quant)
            auto_engine = default_engine(cat, quant, gpu)
            engine = cat.engine(sc.engine) if sc.engine else auto_engine
            tp, pp = default_parallelism(engine, model, item.count)
        except Exception:  # unknown names: the estimate reports them
            self.engine_combo.setItemText(0, "Automatic")
            for s in (self.tp_spin, self.pp_spin, self.ep_spin):
                s.setSpecialValueText("Auto")
            self.auto_label.setText("")
            return
        self.engine_combo.setItemText(0, f"Automatic ({auto_engine.name})")
        auto_tp = tp if sc.pp is None else 1
        auto_pp = pp if sc.tp is None else 1
        self.tp_spin.setSpecialValueText(f"Auto ({auto_tp})")
        self.pp_spin.setSpecialValueText(f"Auto ({auto_pp})")
        self.ep_spin.setSpecialValueText("Auto (1)")
        self.auto_label.setText(
            f"{engine.name} on {item.count} GPU{'s' if item.count != 1 else ''}. "
            "Auto: the engine's default split."
        )

    def _set_error(self, text: str) -> None:
        self.error_label.setStyleSheet(error_style(self))
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        if text:
            QTimer.singleShot(0, self, lambda: self._scroll.ensureWidgetVisible(self.error_label))

    # --- edits -------------------------------------------------------------------------
    def _emit(self, **fields: Any) -> None:
        if self._scenario is None:
            return
        self._set_error("")
        self.emit_change(**fields)

    def _on_engine(self, index: int) -> None:
        if self._scenario is None or index < 0:
            return
        data = self.engine_combo.itemData(index)
        self._emit(engine=str(data) if data else None, tp=None, pp=None, ep=None)

    def _on_parallel(self, name: str, value: int) -> None:
        if self._scenario is None:
            return
        new = value or None
        if getattr(self, f"_{name}") == new:
            return
        try:
            Scenario.model_validate(self._scenario.model_dump() | {name: new})
        except (ValidationError, ValueError) as exc:
            self._set_error(one_line_error(exc, LABELS))
            return
        setattr(self, f"_{name}", new)
        self._emit(**{name: new})

    def _check_workload(self, **changes: Any) -> EstimatorWorkload | None:
        try:
            return self._workload.replace(**changes)
        except (ValidationError, ValueError) as exc:
            self._set_error(one_line_error(exc, LABELS))
            return None

    def _check_cost(self, base: PlanCostWorkload | None, **changes: Any) -> PlanCostWorkload | None:
        data = (base.model_dump() if base is not None else {}) | changes
        try:
            return PlanCostWorkload.model_validate(data)
        except (ValidationError, ValueError) as exc:
            self._set_error(one_line_error(exc, LABELS) + " (monthly volume)")
            return None

    def _on_length(self, name: str, value: int) -> None:
        if self._scenario is None or getattr(self._workload, name) == value:
            return
        workload = self._check_workload(**{name: value})
        if workload is None:
            return
        if self._cost is None:
            self._workload = workload
            self._emit(workload=workload)
            return
        cost = self._check_cost(self._cost, **{name: value})
        if cost is None:
            return
        self._workload, self._cost = workload, cost
        self._emit(workload=workload, cost_workload=cost)

    def _on_context(self, value: int) -> None:
        new = value or None
        if self._scenario is None or new == self._workload.context_tokens:
            return
        workload = self._check_workload(context_tokens=new)
        if workload is not None:
            self._workload = workload
            self._emit(workload=workload)

    def _on_batch(self, value: int) -> None:
        if self._scenario is None or self._workload.batch == value:
            return
        workload = self._check_workload(batch=value)
        if workload is not None:
            self._workload = workload
            self._emit(workload=workload)

    def _on_fill(self, checked: bool) -> None:
        self.batch_spin.setEnabled(not checked)
        if self._scenario is None:
            return
        batch: int | str = "max" if checked else self.batch_spin.value()
        if self._workload.batch == batch:
            return
        workload = self._check_workload(batch=batch)
        if workload is not None:
            self._workload = workload
            self._emit(workload=workload)

    def _volume_fields(self) -> dict[str, float | None] | None:
        """The volume as typed, in the chosen unit; None (and an error) when unreadable."""
        unit = str(self.unit_combo.currentData())
        other = "requests_per_month" if unit == "tokens_per_month" else "tokens_per_month"
        text = self.volume_edit.text().strip()
        if not text:
            self._set_error(f"{LABELS[unit]}: give a number, or uncheck the monthly volume.")
            return None
        try:
            value = parse_volume(text)
        except ValueError:
            self._set_error(f"{LABELS[unit]}: “{text}” is not a number.")
            return None
        return {unit: value, other: None}

    def _on_volume_toggled(self, checked: bool) -> None:
        if self._scenario is None:
            return
        if not checked:
            if self._cost is not None:
                self._last_cost = self._cost
                self._cost = None
                self._emit(cost_workload=None)
            return
        if self._cost is not None:
            return
        lengths = {
            "input_tokens": self._workload.input_tokens,
            "output_tokens": self._workload.output_tokens,
        }
        if self._last_cost is not None:
            cost = self._check_cost(self._last_cost, **lengths)
        else:
            unit = str(self.unit_combo.currentData())
            typed = self._volume_fields() if self.volume_edit.text().strip() else None
            volume = typed or {"tokens_per_month": DEFAULT_TOKENS_PER_MONTH}
            if unit == "requests_per_month" and typed is None:
                self.unit_combo.blockSignals(True)
                self.unit_combo.setCurrentIndex(0)
                self.unit_combo.blockSignals(False)
            cost = self._check_cost(None, **volume, **lengths)
        if cost is None:
            self._block_volume(False)
            return
        self._cost = cost
        self._show_cost_blocked(cost)
        self._emit(cost_workload=cost)

    def _block_volume(self, checked: bool) -> None:
        self.volume_box.blockSignals(True)
        self.volume_box.setChecked(checked)
        self.volume_box.blockSignals(False)

    def _show_cost_blocked(self, cw: PlanCostWorkload | None) -> None:
        for w in self._widgets:
            w.blockSignals(True)
        try:
            self._show_cost(cw)
        finally:
            for w in self._widgets:
                w.blockSignals(False)

    def _on_volume_value(self) -> None:
        if self._cost is None:
            return
        fields = self._volume_fields()
        if fields is None:
            return
        cost = self._check_cost(self._cost, **fields)
        if cost is None or cost == self._cost:
            return
        self._cost = cost
        self._show_cost_blocked(cost)
        self._emit(cost_workload=cost)

    def _on_unit(self, index: int) -> None:
        """Switching the unit keeps the traffic and shows it in the other unit."""
        if self._cost is None or index < 0:
            return
        unit = str(self.unit_combo.itemData(index))
        cw = self._cost
        value = cw.monthly_requests if unit == "requests_per_month" else cw.monthly_tokens
        other = "requests_per_month" if unit == "tokens_per_month" else "tokens_per_month"
        cost = self._check_cost(cw, **{unit: value, other: None})
        if cost is None or cost == self._cost:
            return
        self._cost = cost
        self._show_cost_blocked(cost)
        self._emit(cost_workload=cost)

    def _on_cost(self, name: str, value: float | None) -> None:
        if self._cost is None or getattr(self._cost, name) == value:
            return
        cost = self._check_cost(self._cost, **{name: value})
        if cost is None:
            return
        self._cost = cost
        self._show_cost_blocked(cost)
        self._emit(cost_workload=cost)
