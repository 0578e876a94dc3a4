"""The Hardware and Workload step pages: what they show, and what each user action emits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from planner.hardware.models import (
    DetectedGpu,
    Detection,
    HostInfo,
    Interconnect,
    LinkPair,
)
from planner.plan.io import load_plan
from planner.plan.schema import HardwareItem, PlanCostWorkload, Scenario
from ui.context import AppContext, load_context
from ui.pages.hardware import CPU_ONLY_TEXT, PRICE_PLACEHOLDER, HardwarePage
from ui.pages.workload import WorkloadPage

EXAMPLE = Path(__file__).resolve().parents[2] / "resources/examples/enterprise-llama4.llmplan"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_plan(EXAMPLE, backup=False).plan.scenarios[0]


@pytest.fixture
def context(tmp_path: Path) -> AppContext:
    return load_context(tmp_path, tmp_path / "state")


def recorder(page: Any) -> list[dict[str, Any]]:
    emitted: list[dict[str, Any]] = []
    page.changed.connect(emitted.append)
    return emitted


@pytest.fixture
def hardware(qtbot: Any, context: AppContext, scenario: Scenario) -> HardwarePage:
    page = HardwarePage(context)
    qtbot.addWidget(page)
    page.show_scenario(scenario)
    return page


@pytest.fixture
def workload(qtbot: Any, context: AppContext, scenario: Scenario) -> WorkloadPage:
    page = WorkloadPage(context)
    qtbot.addWidget(page)
    page.show_scenario(scenario)
    return page


def fake_detection() -> Detection:
    h100 = {"vendor": "nvidia", "name": "NVIDIA H100 80GB HBM3", "source": "nvml"}
    return Detection(
        gpus=(
            DetectedGpu(**h100, index=0, catalog_id="h100-sxm", memory_total_gib=79.6),
            DetectedGpu(**h100, index=1, catalog_id="h100-sxm", memory_total_gib=79.6),
            DetectedGpu(
                vendor="nvidia",
                name="NVIDIA Mystery X",
                index=2,
                source="nvml",
                suggestions=("l40s",),
                memory_total_gib=44.0,
            ),
        ),
        host=HostInfo(
            cpu_model="AMD EPYC 7763 64-Core Processor",
            physical_cores=64,
            logical_cores=128,
            ram_total_gib=503.7,
            os="Linux 6.8",
        ),
        interconnect=Interconnect(
            source="nvidia-smi topo",
            pairs=(LinkPair(a=0, b=1, kind="nvlink", code="NV18", nvlinks=18),),
        ),
        notes=(
            "AMD: neither amd-smi nor rocm-smi is installed",
            "Intel: neither xpu-smi nor intel_gpu_top is installed",
        ),
        elapsed_s=1.2,
    )


# --- Hardware -----------------------------------------------------------------------------
def test_hardware_show_scenario_fills_without_emitting(
    qtbot: Any, context: AppContext, scenario: Scenario
) -> None:
    page = HardwarePage(context)
    qtbot.addWidget(page)
    emitted = recorder(page)
    page.show_scenario(scenario)
    page.show_scenario(scenario)
    assert emitted == []
    assert page.gpu_combo.currentData() == "h100-sxm"
    assert page.count_spin.value() == 2
    assert page.acquisition_combo.currentData() == "buy"
    assert page.price_edit.text() == ""
    assert page.price_edit.placeholderText() == PRICE_PLACEHOLDER
    assert "GiB" in page.specs_label.text() and "TFLOPS" in page.specs_label.text()
    assert page.gpu_combo.toolTip()  # from the pydantic field description


def test_hardware_offers_cpu_only_and_sorts_by_vendor(hardware: HardwarePage) -> None:
    texts = [hardware.gpu_combo.itemText(i) for i in range(hardware.gpu_combo.count())]
    assert texts[0].startswith(CPU_ONLY_TEXT)
    assert hardware.gpu_combo.itemData(0) == "cpu-only"
    vendors = [
        hardware.context.catalog.gpus[str(hardware.gpu_combo.itemData(i))].vendor
        for i in range(1, len(texts))
    ]
    assert vendors.index("amd") > max(i for i, v in enumerate(vendors) if v == "nvidia")


def test_count_change_emits_hardware_and_resets_parallelism(
    hardware: HardwarePage, scenario: Scenario
) -> None:
    emitted = recorder(hardware)
    hardware.count_spin.setValue(4)
    assert len(emitted) == 1
    change = emitted[0]
    assert change["hardware"][0].count == 4
    assert change["hardware"][0].gpu == "h100-sxm"
    assert change["tp"] is None and change["pp"] is None and change["ep"] is None
    assert scenario.replace(**change).deployed.count == 4


def test_typing_part_of_a_name_picks_the_catalog_gpu(qtbot: Any, hardware: HardwarePage) -> None:
    emitted = recorder(hardware)
    edit = hardware.gpu_combo.lineEdit()
    edit.selectAll()
    qtbot.keyClicks(edit, "4090")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert [c["hardware"][0].gpu for c in emitted] == ["rtx-4090"]
    assert emitted[0]["tp"] is None
    assert emitted[0]["hardware"][0].count == 2
    assert hardware.gpu_combo.currentData() == "rtx-4090"
    assert hardware.error_label.isHidden()


def test_find_gpu_matches_ids_aliases_and_case(hardware: HardwarePage) -> None:
    assert hardware.find_gpu("4090") == "rtx-4090"
    assert hardware.find_gpu("RTX-4090") == "rtx-4090"
    assert hardware.find_gpu("mi300") == "mi300x"
    assert hardware.find_gpu("cpu only") == "cpu-only"
    assert hardware.find_gpu("no such accelerator") is None


def test_unknown_gpu_text_shows_an_error_and_emits_nothing(
    qtbot: Any, hardware: HardwarePage
) -> None:
    emitted = recorder(hardware)
    edit = hardware.gpu_combo.lineEdit()
    edit.setText("zzz-not-a-gpu")
    edit.editingFinished.emit()
    assert emitted == []
    assert not hardware.error_label.isHidden()
    assert hardware.gpu_combo.currentData() == "h100-sxm"


def test_rent_and_price_emit_prices_and_keep_parallelism(
    hardware: HardwarePage, scenario: Scenario
) -> None:
    emitted = recorder(hardware)
    hardware.acquisition_combo.setCurrentIndex(hardware.acquisition_combo.findData("rent"))
    assert emitted[-1]["hardware"][0].acquisition == "rent"
    assert (emitted[-1]["tp"], emitted[-1]["pp"], emitted[-1]["ep"]) == (
        scenario.tp,
        scenario.pp,
        scenario.ep,
    )
    assert hardware.price_label.text() == "USD per GPU-hour"
    hardware.price_edit.setText("2.49")
    hardware.price_edit.editingFinished.emit()
    assert len(emitted) == 2
    assert emitted[-1]["hardware"][0].prices == {"usd_per_gpu_hour": 2.49}
    assert emitted[-1]["tp"] == scenario.tp
    # Emptying the field removes the key.
    hardware.price_edit.setText("")
    hardware.price_edit.editingFinished.emit()
    assert emitted[-1]["hardware"][0].prices == {}


def test_buy_price_and_bad_price(hardware: HardwarePage) -> None:
    emitted = recorder(hardware)
    hardware.price_edit.setText("$25,000")
    hardware.price_edit.editingFinished.emit()
    assert emitted[-1]["hardware"][0].prices == {"gpu_price_usd": 25000.0}
    hardware.price_edit.setText("a lot")
    hardware.price_edit.editingFinished.emit()
    assert len(emitted) == 1
    assert "not a number" in hardware.error_label.text()


def test_nodes_and_interconnect_keep_parallelism(
    hardware: HardwarePage, scenario: Scenario
) -> None:
    emitted = recorder(hardware)
    hardware.nodes_spin.setValue(1)
    hardware.interconnect_edit.setText("NVLink")
    hardware.interconnect_edit.editingFinished.emit()
    hardware.interconnect_edit.editingFinished.emit()  # focus out again: nothing new
    assert [c["hardware"][0].nodes for c in emitted] == [1, 1]
    assert emitted[-1]["hardware"][0].interconnect == "NVLink"
    assert all(c["tp"] == scenario.tp for c in emitted)
    hardware.nodes_spin.setValue(3)  # more servers than GPUs
    assert len(emitted) == 2
    assert not hardware.error_label.isHidden()


def test_further_items_are_listed_read_only(
    qtbot: Any, hardware: HardwarePage, scenario: Scenario
) -> None:
    extra = HardwareItem(gpu="l40s", count=4, acquisition="owned")
    with_more = scenario.replace(hardware=(*scenario.hardware, extra))
    hardware.show_scenario(with_more)
    assert not hardware.others_label.isHidden()
    assert "4 × NVIDIA L40S" in hardware.others_label.text()
    emitted = recorder(hardware)
    hardware.count_spin.setValue(3)
    assert emitted[0]["hardware"][1] == extra


def test_detection_flow(qtbot: Any, hardware: HardwarePage) -> None:
    with qtbot.waitSignal(hardware.detect_requested, timeout=1000):
        hardware.detect_button.click()
    hardware.show_detection_started()
    assert not hardware.detect_button.isEnabled()
    assert not hardware.busy.isHidden()
    assert hardware.busy.maximum() == 0  # busy mode

    detection = fake_detection()
    emitted = recorder(hardware)
    hardware.show_detection(detection)
    assert hardware.detect_button.isEnabled()
    assert hardware.busy.isHidden()
    gpus = hardware.gpus_label.text()
    assert "NVIDIA H100 80GB HBM3" in gpus and "h100-sxm" in gpus and "79.6 GiB" in gpus
    assert "not in the catalog" in gpus and "l40s" in gpus
    host = hardware.host_label.text()
    assert "AMD EPYC 7763" in host and "64 cores" in host and "503.7 GiB" in host
    for note in detection.notes:
        assert note in hardware.notes_label.text()
    assert hardware.use_button.isEnabled()
    assert emitted == []

    hardware.use_button.click()
    assert len(emitted) == 1
    change = emitted[0]
    assert change["hardware"] == (HardwareItem(gpu="h100-sxm", count=2, acquisition="owned"),)
    assert (change["tp"], change["pp"], change["ep"]) == (None, None, None)
    doc = change["detected_hardware"]
    assert json.loads(json.dumps(doc)) == doc
    assert doc["interconnect"]["kind"] == "nvlink"
    assert [g["name"] for g in doc["gpus"]][:1] == ["NVIDIA H100 80GB HBM3"]


def test_detection_without_known_gpus_and_failure(hardware: HardwarePage) -> None:
    hardware.show_detection_started()
    hardware.show_detection(Detection(notes=("no GPU found: plan for CPU only",)))
    assert not hardware.use_button.isEnabled()
    assert "no GPU found" in hardware.notes_label.text()
    hardware.show_detection_started()
    hardware.show_detection_failed("probe crashed")
    assert hardware.detect_button.isEnabled()
    assert hardware.busy.isHidden()
    assert "probe crashed" in hardware.detect_status.text()


# --- Workload ---------------------------------------------------------------------------
def test_workload_show_scenario_fills_without_emitting(
    qtbot: Any, context: AppContext, scenario: Scenario
) -> None:
    page = WorkloadPage(context)
    qtbot.addWidget(page)
    emitted = recorder(page)
    page.show_scenario(scenario)
    page.show_scenario(scenario.replace(cost_workload=None, tp=None, engine=None))
    page.show_scenario(scenario)
    assert emitted == []
    assert page.input_spin.value() == 3000
    assert page.output_spin.value() == 1000
    assert page.batch_spin.value() == 32
    assert page.volume_box.isChecked()
    assert page.hours_spin.value() == 12
    assert page.ttft_spin.value() == 2000
    assert page.engine_combo.currentData() == "vllm"
    for w in (page.input_spin, page.batch_spin, page.peak_spin, page.ttft_spin, page.tp_spin):
        assert w.toolTip()


def test_lengths_set_both_workloads_in_one_emit(workload: WorkloadPage) -> None:
    emitted = recorder(workload)
    workload.input_spin.setValue(1500)
    assert len(emitted) == 1
    assert emitted[0]["workload"].input_tokens == 1500
    assert emitted[0]["cost_workload"].input_tokens == 1500
    workload.output_spin.setValue(300)
    assert len(emitted) == 2
    assert emitted[1]["workload"].output_tokens == 300
    assert emitted[1]["cost_workload"].output_tokens == 300
    assert emitted[1]["cost_workload"].input_tokens == 1500


def test_lengths_without_a_cost_workload(workload: WorkloadPage, scenario: Scenario) -> None:
    workload.show_scenario(scenario.replace(cost_workload=None))
    emitted = recorder(workload)
    workload.input_spin.setValue(700)
    assert emitted == [{"workload": scenario.workload.replace(input_tokens=700)}]


def test_enabling_monthly_volume_creates_a_cost_workload(
    workload: WorkloadPage, scenario: Scenario
) -> None:
    workload.show_scenario(scenario.replace(cost_workload=None))
    assert not workload.volume_box.isChecked()
    emitted = recorder(workload)
    workload.volume_box.setChecked(True)
    assert len(emitted) == 1
    cw = emitted[0]["cost_workload"]
    assert isinstance(cw, PlanCostWorkload)
    assert (cw.input_tokens, cw.output_tokens) == (3000, 1000)
    assert cw.tokens_per_month is not None and cw.requests_per_month is None
    assert workload.volume_edit.text()
    # Typing a volume in requests.
    workload.unit_combo.setCurrentIndex(workload.unit_combo.findData("requests_per_month"))
    assert emitted[-1]["cost_workload"].requests_per_month == pytest.approx(
        cw.tokens_per_month / 4000
    )
    workload.volume_edit.setText("2.5M")
    workload.volume_edit.editingFinished.emit()
    assert emitted[-1]["cost_workload"].requests_per_month == 2.5e6
    assert emitted[-1]["cost_workload"].tokens_per_month is None
    # Unchecking removes it.
    workload.volume_box.setChecked(False)
    assert emitted[-1] == {"cost_workload": None}


def test_cost_fields_and_targets(workload: WorkloadPage) -> None:
    emitted = recorder(workload)
    workload.peak_spin.setValue(3)
    workload.cached_spin.setValue(25)
    workload.ttft_spin.setValue(0)  # "None"
    cws = [c["cost_workload"] for c in emitted]
    assert cws[0].peak_to_average == 3
    assert cws[1].cached_input_share == pytest.approx(0.25)
    assert cws[2].ttft_target_ms is None
    assert workload.ttft_spin.text() == "None"


def test_invalid_combination_shows_error_and_emits_nothing(workload: WorkloadPage) -> None:
    emitted = recorder(workload)
    workload.output_spin.setValue(0)  # fine for the estimate, not for the monthly volume
    assert emitted == []
    assert not workload.error_label.isHidden()
    assert "Output tokens" in workload.error_label.text()
    assert "\n" not in workload.error_label.text()
    workload.output_spin.setValue(200)
    assert len(emitted) == 1
    assert workload.error_label.isHidden()


def test_bad_volume_text_shows_error(workload: WorkloadPage) -> None:
    emitted = recorder(workload)
    workload.volume_edit.setText("lots")
    workload.volume_edit.editingFinished.emit()
    assert emitted == []
    assert "not a number" in workload.error_label.text()


def test_engine_parallelism_and_batch(workload: WorkloadPage) -> None:
    emitted = recorder(workload)
    workload.engine_combo.setCurrentIndex(0)
    assert emitted[-1] == {"engine": None, "tp": None, "pp": None, "ep": None}
    assert workload.engine_combo.itemText(0).startswith("Automatic")
    workload.engine_combo.setCurrentIndex(workload.engine_combo.findData("sglang"))
    assert emitted[-1] == {"engine": "sglang", "tp": None, "pp": None, "ep": None}
    workload.tp_spin.setValue(0)
    assert emitted[-1] == {"tp": None}
    assert workload.tp_spin.text().startswith("Auto")
    workload.pp_spin.setValue(2)
    assert emitted[-1] == {"pp": 2}
    workload.fill_check.setChecked(True)
    assert emitted[-1]["workload"].batch == "max"
    assert not workload.batch_spin.isEnabled()
    workload.context_spin.setValue(8192)
    assert emitted[-1]["workload"].context_tokens == 8192
    assert emitted[-1]["workload"].batch == "max"
