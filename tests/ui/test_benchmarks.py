"""Bring your own benchmark in the window: import, the Measured tab, calibration, files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from planner.benchcalib import comparison_rows, measurements_for, scenario_defaults
from planner.benchimport import BenchImportError, ImportedRun, import_benchmark
from planner.calibrate import load_calibration
from planner.estimate.efficiency import load_efficiency
from planner.plan.schema import Plan
from ui.bench_dialog import MissingFieldsDialog
from ui.benchmarks import ACTION_TEXT, BenchmarkController
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.plots.measured import COLUMNS, MeasuredView
from ui.presenter import Presenter
from ui.settings import Settings
from ui.theme import apply_theme

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "benchsamples"
RTX4080 = SAMPLES / "llama-bench" / "DOCS-EXAMPLE_rtx4080_qwen2.5-7b-q4km_b5163.json"
VLLM_LOG = (
    SAMPLES / "vllm" / "a100-40gb-x8_llama-3.3-70b_tp8_vllm-0.8.3_benchmark-serving_console-log.txt"
)
TRUNCATED = (
    SAMPLES
    / "genai-perf"
    / "aiperf_profile_export_aiperf.json_dynamo_issue340_PARTIAL_TRUNCATED.json"
)
WAIT_MS = 10_000


class Recorder:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))

    def info(self, title: str, text: str) -> None:
        self.infos.append((title, text))


@pytest.fixture
def window(
    qtbot: QtBot, context: AppContext, example_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[MainWindow, BenchmarkController, Recorder]]:
    w = MainWindow(Presenter(context, example_plan), Settings())
    qtbot.addWidget(w)
    rec = Recorder()
    monkeypatch.setattr(w.dialogs, "error", rec.error)
    monkeypatch.setattr(w.dialogs, "info", rec.info)
    # pytest-qt closes the window before fixtures finish: an edited plan closes unasked.
    monkeypatch.setattr(w.dialogs, "ask_unsaved", lambda name: "discard")
    controller = w.benchmarks  # the window installs its own
    w.resize(1366, 768)
    yield w, controller, rec
    w.jobs.shutdown()


def _import(qtbot: QtBot, c: BenchmarkController, *paths: Path) -> None:
    with qtbot.waitSignal(c.imported, timeout=WAIT_MS):
        c.import_files(list(paths))


def _cell(view: MeasuredView, row: int, column: str) -> str:
    item = view.table.item(row, COLUMNS.index(column))
    assert item is not None
    return item.text()


def test_menu_action_after_import_model_with_ctrl_b(
    window: tuple[MainWindow, BenchmarkController, Recorder],
) -> None:
    w, c, _ = window
    file_menu = next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "File")
    assert isinstance(file_menu, QMenu)
    texts = [a.text().replace("&", "") for a in file_menu.actions()]
    assert ACTION_TEXT in texts
    assert texts[texts.index(ACTION_TEXT) - 1] == "Import model…"
    assert c.action is not None
    assert c.action.shortcut() == QKeySequence("Ctrl+B")
    assert w.tabs.indexOf(c.view) >= 0
    assert w.tabs.tabText(w.tabs.indexOf(c.view)) == "Measured"
    assert c.view in w.views


def test_the_menu_action_opens_the_file_dialog_and_imports(
    qtbot: QtBot, window: tuple[MainWindow, BenchmarkController, Recorder]
) -> None:
    w, c, _ = window
    c.choose_files = lambda: [RTX4080]  # type: ignore[method-assign]
    assert c.action is not None
    with qtbot.waitSignal(c.imported, timeout=WAIT_MS):
        c.action.trigger()
    assert len(c.measurements) == 2
    assert w.tabs.currentWidget() is c.view


def test_import_shows_measured_beside_the_planner_estimates(
    qtbot: QtBot, window: tuple[MainWindow, BenchmarkController, Recorder]
) -> None:
    w, c, rec = window
    asked: list[Any] = []
    c.ask_missing = lambda *a: asked.append(a)  # type: ignore[method-assign,assignment,return-value]
    count = w.p.undo_stack.count()
    _import(qtbot, c, RTX4080)
    assert asked == []  # the file says everything
    assert rec.errors == []
    ms, _ = measurements_for([import_benchmark(RTX4080)], {}, w.p.context.catalog)
    expected = comparison_rows(ms, w.p.table())
    view = c.view
    assert [(r.metric, r.measured, r.estimated) for r in view.comparison] == [
        (r.metric, r.measured, r.estimated) for r in expected
    ]
    assert view.table.rowCount() == 2
    assert _cell(view, 0, "Metric") == "Prefill tok/s"
    assert _cell(view, 0, "Measured") == f"{expected[0].measured:,.0f}"
    assert _cell(view, 0, "Estimated") == f"{expected[0].estimated:,.0f}"
    assert _cell(view, 0, "Ratio") == f"{expected[0].ratio:.2f}×"
    assert "RTX 4080" in _cell(view, 0, "Configuration")
    assert _cell(view, 1, "Implication") == expected[1].implication
    assert view.status.text() == "Estimated (bundled efficiency factors)"
    # The plots: measured (y) against estimated (x), one per metric.
    xs, ys = view.points["prefill_tokens_per_s"].getOriginalDataset()
    assert list(ys) == pytest.approx([expected[0].measured])
    assert list(xs) == pytest.approx([expected[0].estimated])
    assert set(view.plots) == {"prefill_tokens_per_s", "decode_tokens_per_s"}
    csv = view.csv_text().splitlines()
    assert csv[0].startswith("metric,configuration,measured,estimated")
    assert len(csv) == 3
    # Importing changes nothing in the plan.
    assert w.p.undo_stack.count() == count
    assert w.tabs.currentWidget() is view
    assert view.calibrate_button.isEnabled()
    assert not view.use_box.isEnabled()  # no calibration in the plan yet


def test_a_bad_file_shows_the_planner_message_and_changes_nothing(
    qtbot: QtBot,
    window: tuple[MainWindow, BenchmarkController, Recorder],
    tmp_path: Path,
) -> None:
    w, c, rec = window
    _import(qtbot, c, RTX4080)
    before_rows = list(c.view.comparison)
    plan, count = w.p.plan, w.p.undo_stack.count()
    garbage = tmp_path / "results.txt"
    garbage.write_text("this is not a benchmark\nat all\n", encoding="utf-8")
    for bad in (garbage, TRUNCATED):
        with pytest.raises(BenchImportError) as exc:
            import_benchmark(bad)
        with qtbot.waitSignal(c.failed, timeout=WAIT_MS) as failed:
            c.import_files([bad])
        assert failed.args == [str(exc.value)]
        assert rec.errors[-1] == ("Cannot import benchmark results", str(exc.value))
        assert "\n" not in rec.errors[-1][1]
    assert w.p.plan == plan
    assert w.p.undo_stack.count() == count
    assert c.view.comparison == before_rows


def test_what_the_file_does_not_say_is_asked_with_scenario_defaults(
    qtbot: QtBot, window: tuple[MainWindow, BenchmarkController, Recorder]
) -> None:
    w, c, rec = window
    asked: list[tuple[ImportedRun, list[str], dict[str, Any]]] = []
    answers = {"quant": "bf16", "gpu": "a100-sxm-40gb", "gpus": 8}

    def ask(run: ImportedRun, missing: list[str], defaults: dict[str, Any]) -> dict[str, Any]:
        asked.append((run, missing, defaults))
        return answers

    c.ask_missing = ask  # type: ignore[method-assign]
    _import(qtbot, c, VLLM_LOG)
    (run, missing, defaults) = asked[0]
    assert run.source_name == VLLM_LOG.name
    assert missing == ["quant", "gpu", "gpus"]
    s = w.p.scenario
    assert s is not None
    assert defaults == dict(scenario_defaults(w.p.context.catalog, s))
    assert defaults["gpu"] == s.deployed.gpu and defaults["gpus"] == s.deployed.count
    ms, _ = measurements_for([import_benchmark(VLLM_LOG)], answers, w.p.context.catalog)
    assert [(m.metric, m.value) for m in c.measurements] == [(m.metric, m.value) for m in ms]
    assert {m.deployment.gpu.id for m in c.measurements} == {"a100-sxm-40gb"}
    assert rec.errors == []


def test_cancelling_the_question_imports_nothing(
    qtbot: QtBot, window: tuple[MainWindow, BenchmarkController, Recorder]
) -> None:
    w, c, rec = window
    c.ask_missing = lambda *a: None  # type: ignore[method-assign]
    with qtbot.waitSignal(w.jobs.finished, timeout=WAIT_MS):
        c.import_files([VLLM_LOG])
    assert c.measurements == []
    assert rec.errors == []
    assert c.view.empty.isVisibleTo(c.view)


def test_calibrate_is_one_undo_step_and_pulls_the_estimates_to_the_measurements(
    qtbot: QtBot, window: tuple[MainWindow, BenchmarkController, Recorder]
) -> None:
    w, c, _ = window
    _import(qtbot, c, RTX4080)
    count = w.p.undo_stack.count()
    before = [r.estimated for r in c.view.comparison]
    with qtbot.waitSignal(w.p.computed, timeout=WAIT_MS):
        qtbot.mouseClick(c.view.calibrate_button, Qt.MouseButton.LeftButton)
    assert w.p.undo_stack.count() == count + 1
    assert w.p.undo_stack.undoText() == "Add calibration"
    assert len(w.p.calibrations()) == 1
    for r, old in zip(c.view.comparison, before, strict=True):
        assert r.estimated == pytest.approx(r.measured, rel=0.05)
        assert r.bundled == pytest.approx(old)
        assert r.provenance.startswith("calibrated from 2 measurements on")
    assert c.view.status.text().startswith("Calibrated from 2 measurements on")
    assert c.view.use_box.isEnabled() and c.view.use_box.isChecked()
    assert c.view.before  # the bundled estimates are marked on the plots
    # Undo takes the calibration out again, and the estimates back.
    with qtbot.waitSignal(w.p.computed, timeout=WAIT_MS):
        w.p.undo_stack.undo()
    assert w.p.calibrations() == []
    assert [r.estimated for r in c.view.comparison] == pytest.approx(before)


def test_unchecking_use_calibration_restores_the_bundled_estimates(
    qtbot: QtBot, window: tuple[MainWindow, BenchmarkController, Recorder]
) -> None:
    w, c, _ = window
    _import(qtbot, c, RTX4080)
    bundled = comparison_rows(c.measurements, load_efficiency())
    assert c.calibrate()
    view = c.view
    view.use_box.setChecked(False)
    assert w.p.use_calibration is False
    assert [r.estimated for r in view.comparison] == pytest.approx([r.estimated for r in bundled])
    assert view.status.text().startswith("Estimated")
    assert len(w.p.calibrations()) == 1  # still in the plan
    view.use_box.setChecked(True)
    assert w.p.use_calibration is True
    for r in view.comparison:
        assert r.estimated == pytest.approx(r.measured, rel=0.05)


def test_export_and_import_a_calibration_through_the_file_dialogs(
    qtbot: QtBot,
    window: tuple[MainWindow, BenchmarkController, Recorder],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w, c, rec = window
    _import(qtbot, c, RTX4080)
    c.calibrate()
    stored = w.p.calibrations()[0]
    target = tmp_path / "mine.json"
    suggested: list[Path] = []

    def save_path(caption: str, suggestion: Path, filter: str) -> Path:
        suggested.append(suggestion)
        return target

    monkeypatch.setattr(w.dialogs, "save_path", save_path)
    qtbot.mouseClick(c.view.export_button, Qt.MouseButton.LeftButton)
    assert target.is_file()
    assert suggested[0].name == f"calibration-{stored['created']}.json"
    assert load_calibration(target).model_dump(mode="json") == stored

    w.p.remove_calibrations()
    assert w.p.calibrations() == []
    assert not c.view.export_button.isEnabled()
    count = w.p.undo_stack.count()
    monkeypatch.setattr(w.dialogs, "open_path", lambda caption, filter: target)
    qtbot.mouseClick(c.view.import_cal_button, Qt.MouseButton.LeftButton)
    assert w.p.calibrations() == [stored]
    assert w.p.undo_stack.count() == count + 1
    for r in c.view.comparison:
        assert r.estimated == pytest.approx(r.measured, rel=0.05)
    assert rec.errors == []


def test_a_bad_calibration_file_is_refused(
    window: tuple[MainWindow, BenchmarkController, Recorder], tmp_path: Path
) -> None:
    w, c, rec = window
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "something else"}', encoding="utf-8")
    count = w.p.undo_stack.count()
    assert not c.import_calibration(bad)
    assert rec.errors and rec.errors[-1][0] == "Cannot import the calibration"
    assert w.p.undo_stack.count() == count
    assert not c.export_calibration(tmp_path / "none.json")  # nothing to export yet
    assert rec.infos and rec.infos[-1][0] == "No calibration to export"


def test_the_view_follows_dashboards_theme_and_clear(
    qtbot: QtBot, window: tuple[MainWindow, BenchmarkController, Recorder]
) -> None:
    w, c, _ = window
    _import(qtbot, c, RTX4080)
    rows = list(c.view.comparison)
    with qtbot.waitSignal(w.p.computed, timeout=WAIT_MS):
        w.p.schedule()
    c.view.show_dashboard(None)
    assert c.view.comparison == rows
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        w.set_dark(apply_theme(app, "dark"))
        assert c.view.st.dark
        assert set(c.view.plots) == {"prefill_tokens_per_s", "decode_tokens_per_s"}
    finally:
        w.set_dark(apply_theme(app, "light"))
    qtbot.mouseClick(c.view.clear_button, Qt.MouseButton.LeftButton)
    assert c.measurements == [] and c.view.comparison == []
    assert c.view.csv_text().splitlines() == [c.view.csv_text().splitlines()[0]]


def test_the_missing_fields_dialog(qtbot: QtBot, context: AppContext, example_plan: Plan) -> None:
    run = import_benchmark(VLLM_LOG)
    defaults = dict(scenario_defaults(context.catalog, example_plan.scenarios[0]))
    d = MissingFieldsDialog(context.catalog, run, ["quant", "gpu", "gpus"], defaults)
    qtbot.addWidget(d)
    assert set(d.combos) == {"quant", "gpu"}
    assert d.count is not None and d.count.value() == defaults["gpus"]
    assert d.answers() == {"quant": defaults["quant"], "gpu": defaults["gpu"], "gpus": 2}
    # Searchable: typing part of a name finds entries; an unknown name is not accepted.
    gpu = d.combos["gpu"]
    completer = gpu.completer()
    completer.setCompletionPrefix("a100")
    assert completer.completionCount() >= 2
    gpu.setEditText("no such accelerator")
    assert d.answers() is None
    d.accept()
    assert d.problem.isVisibleTo(d) and "GPU" in d.problem.text()
    gpu.setEditText("a100-sxm-40gb")  # a catalog id typed in
    d.count.setValue(8)
    assert d.answers() == {"quant": defaults["quant"], "gpu": "a100-sxm-40gb", "gpus": 8}


def test_dropping_a_benchmark_file_on_the_window_imports_it(
    qtbot: QtBot, window: tuple[MainWindow, BenchmarkController, Recorder]
) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    w, c, rec = window
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(RTX4080))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(c.imported, timeout=WAIT_MS):
        w.dropEvent(event)
    assert rec.errors == [] and c.view.table.rowCount() == 2
    assert w.p.scenario is not None and w.p.scenario.model == "llama-4-scout-17b-16e"  # unchanged
