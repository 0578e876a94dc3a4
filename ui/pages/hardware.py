"""The Hardware step: detect this machine, pick the accelerator, count and how it is paid for.

The scenario deploys on its first hardware item; this page edits that item and lists any
further items read-only. Detection runs in the presenter's background job: the page only
asks for it (`detect_requested`) and shows what comes back (`show_detection_started`,
`show_detection`, `show_detection_failed`).

Emits (`changed`):

- GPU or count: ``{"hardware": (item, *rest), "tp": None, "pp": None, "ep": None}``
  (a new GPU starts without the old one's prices and memory override);
- nodes, interconnect, acquisition, price: ``{"hardware": (item, *rest), "tp": t,
  "pp": p, "ep": e}`` with the scenario's current parallelism, so it is kept;
- "Use these GPUs": ``{"hardware": (owned items...), "detected_hardware": <detection JSON>,
  "tp": None, "pp": None, "ep": None}``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from planner.catalog.schema import GpuSpec
from planner.estimate.inputs import MAX_GPUS
from planner.plan.schema import HardwareItem, Scenario
from ui.context import AppContext
from ui.pages.base import StepPage
from ui.pages.forms import error_style, scrolling_column, tip
from ui.text import one_line_error

if TYPE_CHECKING:  # the probes load only when the user asks for a detection
    from planner.hardware.models import DetectedGpu, Detection

CPU_ONLY_TEXT = "CPU only (no GPU)"
PRICE_PLACEHOLDER = "catalog/default price"
BUY_PRICE_KEY = "gpu_price_usd"
RENT_PRICE_KEY = "usd_per_gpu_hour"
ACQUISITIONS = (("buy", "Buy"), ("rent", "Rent"), ("owned", "Already owned"))
_VENDOR_ORDER = {"nvidia": 0, "amd": 1, "intel": 2, "apple": 3, "other": 4, "cpu": 5}
MUTED_STYLE = "color: palette(mid);"
SOURCE_CHARS = 110  # of a catalog source shown inline; the tooltip has all of it


def number_text(value: float | None) -> str:
    """A number as a person would type it back: 25000, 2.49."""
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def parse_number(text: str) -> float:
    """'25,000', '$2.49', '1e6' -> float; ValueError when it is not a finite number."""
    cleaned = text.strip().replace(",", "").replace("_", "").replace("$", "").replace(" ", "")
    value = float(cleaned)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"'{text}' is not a finite number")
    return value


def gpu_label(gpu: GpuSpec) -> str:
    """The picker's entry: searchable by name and by id."""
    if gpu.vendor == "cpu":
        return f"{CPU_ONLY_TEXT} ({gpu.id})"
    custom = ", custom" if gpu.custom else ""
    return f"{gpu.name} ({gpu.id}{custom})"


def gpu_specs_text(gpu: GpuSpec, memory_gib: float | None = None) -> str:
    """One or two lines of key figures for the chosen accelerator."""
    parts = []
    mem = f"{gpu.memory_gib:g} GiB"
    if gpu.memory_type:
        mem += f" {gpu.memory_type}"
    if memory_gib is not None and memory_gib != gpu.memory_gib:
        mem = f"{memory_gib:g} GiB (this plan; catalog {gpu.memory_gib:g})"
    parts.append(mem)
    parts.append(f"{gpu.bandwidth_gbps:,.0f} GB/s")
    fp16 = gpu.tflops("fp16")
    parts.append(f"FP16 {fp16:,.0f} TFLOPS" if fp16 else "no FP16 path")
    parts.append(f"FP8 {gpu.fp8_tflops:,.0f} TFLOPS" if gpu.fp8_tflops else "no FP8")
    if gpu.tdp_w:
        parts.append(f"{gpu.tdp_w:,.0f} W")
    lines = [" · ".join(parts)]
    if gpu.price_usd:
        lines.append(f"List price ${gpu.price_usd:,.0f} (as of {gpu.price_as_of})")
    if gpu.assumptions:
        lines.append("Assumed, not sourced: " + ", ".join(sorted(gpu.assumptions)))
    source = gpu.source if len(gpu.source) <= SOURCE_CHARS else gpu.source[:SOURCE_CHARS] + "…"
    lines.append(f"Source: {source}")
    return "\n".join(lines)


def detected_gpu_line(g: DetectedGpu) -> str:
    """'GPU 0: NVIDIA H100 80GB HBM3, 79.6 GiB, catalog h100-sxm' (HTML)."""
    name = g.name + (f" ({g.gpu_cores}-core GPU)" if g.gpu_cores else "")
    bits = [f"<b>GPU {g.index}</b>: {html.escape(name)}"]
    if g.memory_total_gib is not None:
        mem = f"{g.memory_total_gib:,.1f} GiB"
        if g.memory_free_gib is not None:
            mem += f" ({g.memory_free_gib:,.1f} free)"
        bits.append(mem)
    if g.catalog_id:
        bits.append(f"catalog <b>{html.escape(g.catalog_id)}</b>")
    elif g.suggestions:
        bits.append(
            "<i>not in the catalog</i> (nearest: " + html.escape(", ".join(g.suggestions[:3])) + ")"
        )
    else:
        bits.append("<i>not in the catalog</i>")
    if g.mig_mode:
        bits.append("MIG on")
    bits.append(f"via {html.escape(g.source)}")
    return ", ".join(bits)


def host_lines(d: Detection) -> list[str]:
    h = d.host
    cores = None
    if h.physical_cores and h.logical_cores:
        cores = f"{h.physical_cores} cores / {h.logical_cores} threads"
    elif h.physical_cores or h.logical_cores:
        cores = f"{h.physical_cores} cores" if h.physical_cores else f"{h.logical_cores} threads"
    ram = None
    if h.ram_total_gib is not None:
        ram = f"{h.ram_total_gib:,.1f} GiB RAM"
        if h.ram_available_gib is not None:
            ram += f" ({h.ram_available_gib:,.1f} available)"
    return [
        f"<b>CPU</b>: {html.escape(h.cpu_model or 'unknown')}",
        "<b>Host</b>: " + html.escape(", ".join(x for x in (cores, ram, h.os) if x) or "unknown"),
    ]


def detected_items(d: Detection) -> tuple[HardwareItem, ...]:
    """Owned hardware items for the matched GPUs, the most numerous kind first."""
    counts: dict[str, int] = {}
    for g in d.gpus:
        if g.catalog_id:
            counts[g.catalog_id] = counts.get(g.catalog_id, 0) + 1
    order = sorted(counts, key=lambda gid: -counts[gid])  # stable: ties keep detection order
    return tuple(HardwareItem(gpu=gid, count=counts[gid], acquisition="owned") for gid in order)


def detection_dict(d: Detection) -> dict[str, Any]:
    """The detection as `llm-planner detect --format json` writes it."""
    from planner.hardware.cli import detection_json

    return detection_json(d)


def _wrapping(text: str = "", style: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if style:
        label.setStyleSheet(style)
    return label


class HardwarePage(StepPage):
    title = "Hardware"
    hint = "Detect this machine or pick the accelerators, how many, and how they are paid for."

    detect_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._scenario: Scenario | None = None
        self._item: HardwareItem | None = None
        self._detection: Detection | None = None

        self._scroll, column = scrolling_column(self)
        column.addWidget(self._build_detect())
        column.addWidget(self._build_inventory())
        self.error_label = _wrapping()
        self.error_label.hide()
        column.addWidget(self.error_label)
        column.addStretch(1)

    # --- building ----------------------------------------------------------------------
    def _build_detect(self) -> QGroupBox:
        box = QGroupBox("Detect this machine")
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        self.detect_button = QPushButton("Detect this machine")
        self.detect_button.setToolTip(
            "Ask the GPU tools on this computer (NVML, nvidia-smi, rocm-smi, ...) what is "
            "installed; takes a few seconds and changes nothing"
        )
        self.detect_button.clicked.connect(self._on_detect)
        row.addWidget(self.detect_button)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # busy mode
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(14)
        self.busy.hide()
        row.addWidget(self.busy, 1)
        lay.addLayout(row)
        self.detect_status = _wrapping(
            "Finds the GPUs, CPU and memory of the computer this program runs on.",
            MUTED_STYLE,
        )
        lay.addWidget(self.detect_status)

        self.detect_result = QWidget()
        res = QVBoxLayout(self.detect_result)
        res.setContentsMargins(0, 0, 0, 0)
        self.gpus_label = _wrapping()
        self.gpus_label.setTextFormat(Qt.TextFormat.RichText)
        res.addWidget(self.gpus_label)
        self.host_label = _wrapping()
        self.host_label.setTextFormat(Qt.TextFormat.RichText)
        res.addWidget(self.host_label)
        self.notes_label = _wrapping()
        self.notes_label.setTextFormat(Qt.TextFormat.RichText)
        self.notes_label.setToolTip("What each probe reported, one line each")
        res.addWidget(self.notes_label)
        use_row = QHBoxLayout()
        self.use_button = QPushButton("Use these GPUs")
        self.use_button.setToolTip(
            "Plan on the GPUs found here, as hardware already owned (no purchase price)"
        )
        self.use_button.clicked.connect(self._on_use_detected)
        use_row.addWidget(self.use_button)
        use_row.addStretch(1)
        res.addLayout(use_row)
        self.use_hint = _wrapping(style=MUTED_STYLE)
        res.addWidget(self.use_hint)
        self.detect_result.hide()
        lay.addWidget(self.detect_result)
        return box

    def _build_inventory(self) -> QGroupBox:
        box = QGroupBox("Accelerators this scenario runs on")
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.gpu_combo = QComboBox()
        self.gpu_combo.setEditable(True)
        self.gpu_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.gpu_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.gpu_combo.setMinimumContentsLength(16)
        self.gpu_combo.setMaxVisibleItems(20)
        self.gpu_combo.setToolTip(
            tip((HardwareItem, "gpu")) + ": type part of a name or id, e.g. 4090 or h100"
        )
        self.gpu_combo.lineEdit().setPlaceholderText("Type part of a name or id")
        self._fill_gpus()
        completer = QCompleter(self.gpu_combo.model(), self.gpu_combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(15)
        self.gpu_combo.setCompleter(completer)
        self.gpu_combo.activated.connect(self._on_gpu_activated)
        completer.activated[str].connect(self._on_gpu_text)
        self.gpu_combo.lineEdit().editingFinished.connect(self._on_gpu_edited)
        form.addRow("Accelerator", self.gpu_combo)

        self.specs_label = _wrapping(style=MUTED_STYLE)
        form.addRow(self.specs_label)

        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, MAX_GPUS)
        self.count_spin.setKeyboardTracking(False)
        self.count_spin.setToolTip(tip((HardwareItem, "count")))
        self.count_spin.valueChanged.connect(self._on_count)
        form.addRow("Count", self.count_spin)

        self.nodes_spin = QSpinBox()
        self.nodes_spin.setRange(0, MAX_GPUS)
        self.nodes_spin.setSpecialValueText("Not set")
        self.nodes_spin.setKeyboardTracking(False)
        self.nodes_spin.setToolTip(tip((HardwareItem, "nodes")))
        self.nodes_spin.valueChanged.connect(self._on_nodes)
        form.addRow("Servers (nodes)", self.nodes_spin)

        self.interconnect_edit = QLineEdit()
        self.interconnect_edit.setPlaceholderText("e.g. NVLink, 400G InfiniBand")
        self.interconnect_edit.setToolTip(tip((HardwareItem, "interconnect")))
        self.interconnect_edit.editingFinished.connect(self._on_interconnect)
        form.addRow("Interconnect", self.interconnect_edit)

        self.acquisition_combo = QComboBox()
        for value, text in ACQUISITIONS:
            self.acquisition_combo.addItem(text, value)
        self.acquisition_combo.setToolTip(
            "Buy: purchase price amortised over the years; Rent: pay per GPU-hour; "
            "Already owned: no purchase price, running costs only"
        )
        self.acquisition_combo.currentIndexChanged.connect(self._on_acquisition)
        form.addRow("Acquisition", self.acquisition_combo)

        self.price_label = QLabel("Price per GPU (USD)")
        self.price_edit = QLineEdit()
        self.price_edit.setPlaceholderText(PRICE_PLACEHOLDER)
        self.price_edit.setClearButtonEnabled(True)
        self.price_edit.setToolTip(
            tip((HardwareItem, "prices")) + "; leave empty for the catalog or default price"
        )
        self.price_edit.editingFinished.connect(self._on_price)
        form.addRow(self.price_label, self.price_edit)
        self._form = form

        self.others_label = _wrapping(style=MUTED_STYLE)
        self.others_label.setToolTip(
            "Further inventory this plan records; the scenario deploys on the first item"
        )
        self.others_label.hide()
        form.addRow(self.others_label)
        return box

    def _fill_gpus(self, extra: GpuSpec | None = None) -> None:
        gpus = list(self.context.catalog.gpus.values())
        if extra is not None and extra.id not in self.context.catalog.gpus:
            gpus.append(extra)
        cpu = [g for g in gpus if g.vendor == "cpu"]
        rest = sorted(
            (g for g in gpus if g.vendor != "cpu"),
            key=lambda g: (_VENDOR_ORDER.get(g.vendor, 9), g.name.lower()),
        )
        self.gpu_combo.clear()
        for g in [*cpu, *rest]:
            self.gpu_combo.addItem(gpu_label(g), g.id)
            self.gpu_combo.setItemData(
                self.gpu_combo.count() - 1,
                f"{g.vendor.upper()} · {g.memory_gib:g} GiB · {g.bandwidth_gbps:,.0f} GB/s",
                Qt.ItemDataRole.ToolTipRole,
            )

    # --- showing -----------------------------------------------------------------------
    def show_scenario(self, scenario: Scenario) -> None:
        self._scenario = scenario
        item = scenario.deployed
        self._item = item
        widgets = (
            self.gpu_combo,
            self.count_spin,
            self.nodes_spin,
            self.interconnect_edit,
            self.acquisition_combo,
            self.price_edit,
        )
        for w in widgets:
            w.blockSignals(True)
        try:
            if self.gpu_combo.findData(item.gpu) < 0:
                self._fill_gpus(item.gpu_spec)
            index = self.gpu_combo.findData(item.gpu)
            if index < 0:  # an id the catalog lacks and no spec with it
                self.gpu_combo.addItem(f"{item.gpu} (not in the catalog)", item.gpu)
                index = self.gpu_combo.count() - 1
            self.gpu_combo.setCurrentIndex(index)
            self.gpu_combo.setEditText(self.gpu_combo.itemText(index))
            self.gpu_combo.lineEdit().setCursorPosition(0)  # show the name's start
            self.count_spin.setValue(item.count)
            self.nodes_spin.setValue(item.nodes or 0)
            self.interconnect_edit.setText(item.interconnect)
            self.acquisition_combo.setCurrentIndex(
                self.acquisition_combo.findData(item.acquisition)
            )
            self._show_price(item)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._show_specs(item)
        rest = scenario.hardware[1:]
        self.others_label.setVisible(bool(rest))
        if rest:
            self.others_label.setText(
                "Also in the inventory (not deployed):\n"
                + "\n".join(
                    f"  {r.count} × {self._gpu_name(r.gpu)} ({dict(ACQUISITIONS)[r.acquisition]})"
                    for r in rest
                )
            )
        self._set_error("")

    def _gpu_name(self, gpu_id: str) -> str:
        g = self.context.catalog.gpus.get(gpu_id)
        return g.name if g is not None else gpu_id

    def _spec(self, item: HardwareItem) -> GpuSpec | None:
        return item.gpu_spec or self.context.catalog.gpus.get(item.gpu)

    def _show_specs(self, item: HardwareItem) -> None:
        spec = self._spec(item)
        if spec is None:
            self.specs_label.setText("Not in the catalog: no figures to show.")
            self.specs_label.setToolTip("")
            return
        self.specs_label.setText(gpu_specs_text(spec, item.memory_gib))
        self.specs_label.setToolTip(f"Source: {spec.source}")

    def _price_key(self, acquisition: str) -> str | None:
        return {"buy": BUY_PRICE_KEY, "rent": RENT_PRICE_KEY}.get(acquisition)

    def _show_price(self, item: HardwareItem) -> None:
        key = self._price_key(item.acquisition)
        visible = key is not None
        self.price_label.setVisible(visible)
        self.price_edit.setVisible(visible)
        if key is None:
            return
        self.price_label.setText(
            "Price per GPU (USD)" if key == BUY_PRICE_KEY else "USD per GPU-hour"
        )
        self.price_edit.setText(number_text(item.prices.get(key)))

    def _set_error(self, text: str) -> None:
        self.error_label.setStyleSheet(error_style(self))
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        if text:
            QTimer.singleShot(0, self, lambda: self._scroll.ensureWidgetVisible(self.error_label))

    # --- detection -----------------------------------------------------------------------
    def show_detection_started(self) -> None:
        self.detect_button.setEnabled(False)
        self.busy.show()
        self.detect_status.setStyleSheet(MUTED_STYLE)
        self.detect_status.setText("Detecting… (the probes take a few seconds at most)")

    def show_detection(self, detection: Detection) -> None:
        self._detection = detection
        self.detect_button.setEnabled(True)
        self.busy.hide()
        n = len(detection.gpus)
        self.detect_status.setStyleSheet(MUTED_STYLE)
        self.detect_status.setText(
            f"Found {n} GPU{'s' if n != 1 else ''} in {detection.elapsed_s:.1f} s."
            if n
            else f"No GPU found ({detection.elapsed_s:.1f} s)."
        )
        lines = [detected_gpu_line(g) for g in detection.gpus]
        if detection.interconnect is not None:
            lines.append(
                f"<b>GPU links</b> ({html.escape(detection.interconnect.source)}): "
                + html.escape(detection.interconnect.summary())
            )
        self.gpus_label.setText("<br>".join(lines))
        self.gpus_label.setVisible(bool(lines))
        self.host_label.setText("<br>".join(host_lines(detection)))
        if detection.notes:
            notes = "".join(f"<li>{html.escape(n)}</li>" for n in detection.notes)
            self.notes_label.setText(
                f"<b>Notes</b><ul style='margin-left: 0px; -qt-list-indent: 1;'>{notes}</ul>"
            )
        else:
            self.notes_label.setText("<b>Notes</b>: none")
        items = detected_items(detection)
        self.use_button.setEnabled(bool(items))
        unmatched = sum(1 for g in detection.gpus if not g.catalog_id)
        if items:
            hint = (
                "Sets "
                + " and ".join(f"{i.count} × {self._gpu_name(i.gpu)}" for i in items)
                + " as already owned."
            )
            if len(items) > 1:
                hint += " The scenario deploys on the first; the rest are kept as inventory."
            if unmatched:
                hint += f" {unmatched} GPU(s) not in the catalog are left out."
        elif detection.gpus:
            hint = "None of these GPUs is in the catalog; pick the nearest one below."
        else:
            hint = f"Nothing to use; choose “{CPU_ONLY_TEXT}” below to plan without a GPU."
        self.use_hint.setText(hint)
        self.detect_result.show()

    def show_detection_failed(self, message: str) -> None:
        self._detection = None
        self.detect_result.hide()
        self.detect_button.setEnabled(True)
        self.busy.hide()
        self.detect_status.setStyleSheet(error_style(self))
        self.detect_status.setText(f"Detection failed: {message}")

    def _on_detect(self) -> None:
        self.detect_requested.emit()

    def _on_use_detected(self) -> None:
        if self._detection is None:
            return
        items = detected_items(self._detection)
        if not items:
            return
        self.emit_change(
            hardware=items,
            detected_hardware=detection_dict(self._detection),
            tp=None,
            pp=None,
            ep=None,
        )

    # --- edits -------------------------------------------------------------------------
    def _emit_item(self, keep_parallelism: bool, **changes: Any) -> None:
        if self._scenario is None or self._item is None:
            return
        try:
            item = self._item.replace(**changes)
        except (ValidationError, ValueError) as exc:
            self._set_error(one_line_error(exc))
            return
        self._set_error("")
        if item == self._item:
            return
        self._item = item
        hardware = (item, *self._scenario.hardware[1:])
        if keep_parallelism:
            sc = self._scenario
            self.emit_change(hardware=hardware, tp=sc.tp, pp=sc.pp, ep=sc.ep)
        else:
            self.emit_change(hardware=hardware, tp=None, pp=None, ep=None)
        self._show_specs(item)

    def _choose_gpu(self, gpu_id: str) -> None:
        if self._item is None or gpu_id == self._item.gpu:
            self._restore_gpu_text()
            return
        spec = self.context.catalog.gpus.get(gpu_id)
        if spec is None and self._item.gpu_spec is not None and self._item.gpu_spec.id == gpu_id:
            spec = self._item.gpu_spec
        self._emit_item(
            False,
            gpu=gpu_id,
            gpu_spec=spec if spec is not None and spec.custom else None,
            memory_gib=None,
            prices={},
        )
        self._restore_gpu_text()

    def _restore_gpu_text(self) -> None:
        if self._item is None:
            return
        index = self.gpu_combo.findData(self._item.gpu)
        if index >= 0:
            self.gpu_combo.blockSignals(True)
            self.gpu_combo.setCurrentIndex(index)
            self.gpu_combo.setEditText(self.gpu_combo.itemText(index))
            self.gpu_combo.lineEdit().setCursorPosition(0)
            self.gpu_combo.blockSignals(False)

    def find_gpu(self, text: str) -> str | None:
        """The catalog id a typed text means: an entry, an id or alias, or a part of a name."""
        text = text.strip()
        if not text:
            return None
        index = self.gpu_combo.findText(text, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            return str(self.gpu_combo.itemData(index))
        if text.lower() in ("cpu", "cpu only", CPU_ONLY_TEXT.lower()):
            cpu = next(
                (g.id for g in self.context.catalog.gpus.values() if g.vendor == "cpu"), None
            )
            if cpu is not None:
                return cpu
        try:
            return self.context.catalog.gpu(text).id
        except Exception:  # UnknownNameError: fall back to a substring of the entries
            pass
        needle = text.lower()
        for i in range(self.gpu_combo.count()):
            if needle in self.gpu_combo.itemText(i).lower():
                return str(self.gpu_combo.itemData(i))
        return None

    def _on_gpu_activated(self, index: int) -> None:
        if index >= 0:
            self._choose_gpu(str(self.gpu_combo.itemData(index)))

    def _on_gpu_text(self, text: str) -> None:
        gpu_id = self.find_gpu(text)
        if gpu_id is not None:
            self._choose_gpu(gpu_id)

    def _on_gpu_edited(self) -> None:
        if self._item is None:
            return
        text = self.gpu_combo.currentText()
        gpu_id = self.find_gpu(text)
        if gpu_id is None:
            self._set_error(f"No accelerator in the catalog matches “{text.strip()}”.")
            self._restore_gpu_text()
            return
        self._choose_gpu(gpu_id)

    def _on_count(self, value: int) -> None:
        self._emit_item(False, count=value)

    def _on_nodes(self, value: int) -> None:
        self._emit_item(True, nodes=value or None)

    def _on_interconnect(self) -> None:
        self._emit_item(True, interconnect=self.interconnect_edit.text().strip())

    def _on_acquisition(self, index: int) -> None:
        if self._item is None or index < 0:
            return
        acquisition = str(self.acquisition_combo.itemData(index))
        shown = self._item.replace(acquisition=acquisition)
        self.price_edit.blockSignals(True)
        self._show_price(shown)
        self.price_edit.blockSignals(False)
        self._emit_item(True, acquisition=acquisition)

    def _on_price(self) -> None:
        if self._item is None:
            return
        key = self._price_key(self._item.acquisition)
        if key is None:
            return
        text = self.price_edit.text().strip()
        prices = dict(self._item.prices)
        if not text:
            prices.pop(key, None)
        else:
            try:
                value = parse_number(text)
            except ValueError:
                self._set_error(f"{self.price_label.text()}: “{text}” is not a number.")
                return
            if value < 0:
                self._set_error(f"{self.price_label.text()}: cannot be negative.")
                return
            prices[key] = value
        self._emit_item(True, prices=prices)
