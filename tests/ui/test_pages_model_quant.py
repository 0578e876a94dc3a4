"""The Model and Quantization step pages: they show the scenario and emit the user's changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from planner.plan.io import load_plan
from planner.plan.schema import HardwareItem, Plan, Scenario
from planner.quantchoice import (
    QuantOption,
    import_model,
    kv_options,
    model_rows,
    quant_options,
    suggest_quant,
)
from ui.context import AppContext, load_context
from ui.pages.model import COL_LICENSE, ID_ROLE, ModelPage
from ui.pages.quant import COL_FITS, COL_FORMAT, SUGGESTED_MARK, QuantPage

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "enterprise-llama4.llmplan"
CONFIGS = ROOT / "tests" / "data" / "models" / "configs"


@pytest.fixture
def ctx(tmp_path: Path) -> AppContext:
    return load_context(tmp_path, tmp_path / "state")


@pytest.fixture
def plan() -> Plan:
    return load_plan(EXAMPLE, backup=False).plan


@pytest.fixture
def model_page(qtbot: QtBot, ctx: AppContext, plan: Plan) -> ModelPage:
    page = ModelPage(ctx)
    qtbot.addWidget(page)
    page.resize(700, 900)
    page.show()
    qtbot.waitExposed(page)
    page.show_scenario(plan.scenarios[0])
    return page


def on_a100(scenario: Scenario) -> Scenario:
    return scenario.model_copy(
        update={
            "model": "llama-3.1-70b",
            "hardware": (HardwareItem(gpu="a100-sxm-80gb", count=1),),
            "engine": None,
            "tp": None,
            "pp": None,
            "ep": None,
        }
    )


def quant_page(
    qtbot: QtBot, ctx: AppContext, scenario: Scenario
) -> tuple[QuantPage, list[QuantOption], QuantOption | None]:
    page = QuantPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 900)
    page.show()
    qtbot.waitExposed(page)
    options = quant_options(ctx.catalog, scenario)
    suggested = suggest_quant(options)
    with qtbot.assertNotEmitted(page.changed):
        page.show_scenario(scenario)
        page.show_options(options, suggested)
    return page, options, suggested


def proxy_row(table: QTableView, item_id: str) -> int:
    model = table.model()
    for row in range(model.rowCount()):
        if model.index(row, 0).data(ID_ROLE) == item_id:
            return row
    raise AssertionError(f"{item_id} is not shown")


def click_row(qtbot: QtBot, table: QTableView, row: int) -> None:
    index = table.model().index(row, 0)
    table.scrollTo(index)
    rect = table.visualRect(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def selected_id(table: QTableView) -> str | None:
    rows = table.selectionModel().selectedRows()
    return str(rows[0].data(ID_ROLE)) if len(rows) == 1 else None


# -- Model page --------------------------------------------------------------------------


def test_model_page_shows_the_scenario_without_emitting(
    qtbot: QtBot, ctx: AppContext, plan: Plan
) -> None:
    page = ModelPage(ctx)
    qtbot.addWidget(page)
    assert page.title == "Model" and page.hint
    for scenario in plan.scenarios:
        with qtbot.assertNotEmitted(page.changed):
            page.show_scenario(scenario)
        assert selected_id(page.table) == scenario.model
        spec = ctx.catalog.models[scenario.model]
        assert spec.name in page.details.toPlainText()
        assert spec.source[:40] in page.details.toPlainText()
    assert page.table.model().rowCount() == len(ctx.catalog.models)


def test_search_box_filters_rows(qtbot: QtBot, model_page: ModelPage, ctx: AppContext) -> None:
    rows = model_rows(ctx.catalog)
    with qtbot.assertNotEmitted(model_page.changed):
        model_page.search.setText("QWEN")
    expected = [r.id for r in rows if any("qwen" in s.lower() for s in (r.name, r.id, r.family))]
    model = model_page.table.model()
    shown = [model.index(i, 0).data(ID_ROLE) for i in range(model.rowCount())]
    assert sorted(shown) == sorted(expected) and 0 < len(shown) < len(rows)
    assert f"{len(expected)} of {len(rows)}" in model_page.count_label.text()
    with qtbot.assertNotEmitted(model_page.changed):
        model_page.search.clear()
    assert model.rowCount() == len(rows)
    assert selected_id(model_page.table) == "llama-4-scout-17b-16e"  # still the scenario's


def test_filters_family_moe_and_size(qtbot: QtBot, model_page: ModelPage, ctx: AppContext) -> None:
    rows = model_rows(ctx.catalog)
    model = model_page.table.model()
    with qtbot.assertNotEmitted(model_page.changed):
        model_page.family.setCurrentText("Llama 3.1")
        assert model.rowCount() == sum(r.family == "Llama 3.1" for r in rows)
        model_page.family.setCurrentIndex(0)
        model_page.moe_only.setChecked(True)
        assert model.rowCount() == sum(r.moe for r in rows)
        model_page.min_params.setValue(100)
        model_page.max_params.setValue(500)
        assert model.rowCount() == sum(r.moe and 100 <= r.total_params_b <= 500 for r in rows)


def test_clicking_a_row_emits_the_model(qtbot: QtBot, model_page: ModelPage) -> None:
    row = proxy_row(model_page.table, "llama-3.1-8b")
    with qtbot.waitSignal(
        model_page.changed,
        check_params_cb=lambda d: d == {"model": "llama-3.1-8b", "model_spec": None},
    ):
        click_row(qtbot, model_page.table, row)
    assert "Llama 3.1 8B" in model_page.details.toPlainText()


def test_sorting_by_params(qtbot: QtBot, model_page: ModelPage) -> None:
    with qtbot.assertNotEmitted(model_page.changed):
        model_page.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    model = model_page.table.model()
    first = model.index(0, 0).data(ID_ROLE)
    assert first in ("deepseek-v3", "deepseek-r1")  # 671 B, the largest
    assert selected_id(model_page.table) == "llama-4-scout-17b-16e"


def test_custom_model_appears_and_is_emitted_with_its_spec(
    qtbot: QtBot, model_page: ModelPage, ctx: AppContext, plan: Plan
) -> None:
    spec = import_model(CONFIGS / "mixtral-8x7b.json", ctx.catalog)
    custom = plan.scenarios[0].model_copy(update={"model": spec.id, "model_spec": spec})
    with qtbot.assertNotEmitted(model_page.changed):
        model_page.show_scenario(custom)
    assert selected_id(model_page.table) == spec.id
    row = proxy_row(model_page.table, spec.id)
    assert "custom" in model_page.table.model().index(row, 0).data()
    assert "custom" in model_page.details.toPlainText()
    with qtbot.waitSignal(model_page.changed):
        click_row(qtbot, model_page.table, proxy_row(model_page.table, "llama-3.1-8b"))
    with qtbot.waitSignal(
        model_page.changed,
        check_params_cb=lambda d: d == {"model": spec.id, "model_spec": spec},
    ):
        click_row(qtbot, model_page.table, proxy_row(model_page.table, spec.id))


def drop_event(paths: list[Path], urls: list[QUrl] | None = None) -> tuple[QDropEvent, QMimeData]:
    mime = QMimeData()
    mime.setUrls(urls if urls is not None else [QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    return event, mime


def test_drop_emits_import_requested(qtbot: QtBot, model_page: ModelPage, tmp_path: Path) -> None:
    folder = tmp_path / "My-Model"
    folder.mkdir()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    enter = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    model_page.dragEnterEvent(enter)
    assert enter.isAccepted()
    event, _mime = drop_event([folder])
    with (
        qtbot.assertNotEmitted(model_page.changed),
        qtbot.waitSignal(model_page.import_requested, check_params_cb=lambda p: p == folder),
    ):
        model_page.dropEvent(event)
    # Several files: the config.json (or .gguf) among them is the one to import.
    files = [tmp_path / "model.safetensors", tmp_path / "config.json"]
    event, _mime = drop_event(files)
    with qtbot.waitSignal(model_page.import_requested, check_params_cb=lambda p: p == files[1]):
        model_page.dropEvent(event)


def test_drop_of_web_links_is_refused(qtbot: QtBot, model_page: ModelPage) -> None:
    event, _mime = drop_event([], [QUrl("https://huggingface.co/meta-llama/Llama-3.1-8B")])
    with qtbot.assertNotEmitted(model_page.import_requested):
        model_page.dropEvent(event)
    assert not event.isAccepted()


def test_import_menu_emits_the_chosen_path(
    qtbot: QtBot, model_page: ModelPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gguf = tmp_path / "model.Q4_K_M.gguf"
    monkeypatch.setattr(model_page, "choose_folder", lambda: tmp_path)
    monkeypatch.setattr(model_page, "choose_file", lambda: gguf)
    with qtbot.waitSignal(model_page.import_requested, check_params_cb=lambda p: p == tmp_path):
        model_page.import_folder_action.trigger()
    with qtbot.waitSignal(model_page.import_requested, check_params_cb=lambda p: p == gguf):
        model_page.import_file_action.trigger()
    monkeypatch.setattr(model_page, "choose_file", lambda: None)  # dialog cancelled
    with qtbot.assertNotEmitted(model_page.import_requested):
        model_page.import_file_action.trigger()


def test_model_controls_have_tooltips(model_page: ModelPage) -> None:
    for widget in (
        model_page.search,
        model_page.import_button,
        model_page.family,
        model_page.moe_only,
        model_page.min_params,
        model_page.max_params,
        model_page.table,
        model_page.details,
    ):
        assert widget.toolTip(), widget
    model = model_page.table.model()
    for col in range(model.columnCount()):
        assert model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_narrow_model_page_hides_the_least_needed_columns(
    qtbot: QtBot, model_page: ModelPage
) -> None:
    assert not model_page.table.isColumnHidden(0)
    model_page.resize(460, 640)
    qtbot.waitUntil(lambda: model_page.table.isColumnHidden(COL_LICENSE))
    model_page.resize(1000, 900)
    qtbot.waitUntil(lambda: not model_page.table.isColumnHidden(COL_LICENSE))


# -- Quantization page ---------------------------------------------------------------------


def test_quant_page_shows_options_and_the_suggestion(
    qtbot: QtBot, ctx: AppContext, plan: Plan
) -> None:
    scenario = plan.scenarios[0]
    page, options, suggested = quant_page(qtbot, ctx, scenario)
    assert page.title == "Quantization"
    model = page.table.model()
    assert model.rowCount() == len(options)
    assert selected_id(page.table) == scenario.quant
    assert suggested is not None
    row = proxy_row(page.table, suggested.id)
    assert model.index(row, COL_FORMAT).data().startswith(SUGGESTED_MARK)
    assert suggested.name in page.suggestion_label.text()
    assert "smallest loss that fits" in page.suggestion_label.text()
    for o in options:
        fits = model.index(proxy_row(page.table, o.id), COL_FITS).data()
        assert fits == ("yes" if o.fits else "no" if o.runnable else "can't run")
    if suggested.id == scenario.quant:
        assert not page.use_button.isEnabled()


def test_use_suggestion_emits_its_id(qtbot: QtBot, ctx: AppContext, plan: Plan) -> None:
    scenario = on_a100(plan.scenarios[0])  # fp8 cannot run on an A100
    page, options, suggested = quant_page(qtbot, ctx, scenario)
    assert suggested is not None and suggested.id != scenario.quant
    fp8 = next(o for o in options if o.id == "fp8")
    assert fp8.why_not is not None
    tip = (
        page.table.model().index(proxy_row(page.table, "fp8"), 0).data(Qt.ItemDataRole.ToolTipRole)
    )
    assert fp8.why_not in tip
    assert "cannot run" in page.current_label.text()
    assert page.use_button.isEnabled()
    with qtbot.waitSignal(page.changed, check_params_cb=lambda d: d == {"quant": suggested.id}):
        qtbot.mouseClick(page.use_button, Qt.MouseButton.LeftButton)


def test_clicking_a_format_emits_it_and_unrunnable_ones_do_nothing(
    qtbot: QtBot, ctx: AppContext, plan: Plan
) -> None:
    page, options, _ = quant_page(qtbot, ctx, on_a100(plan.scenarios[0]))
    with qtbot.waitSignal(page.changed, check_params_cb=lambda d: d == {"quant": "awq-int4"}):
        click_row(qtbot, page.table, proxy_row(page.table, "awq-int4"))
    assert not next(o for o in options if o.id == "nvfp4").runnable
    with qtbot.assertNotEmitted(page.changed):
        click_row(qtbot, page.table, proxy_row(page.table, "nvfp4"))


def test_hiding_unrunnable_formats(qtbot: QtBot, ctx: AppContext, plan: Plan) -> None:
    page, options, _ = quant_page(qtbot, ctx, plan.scenarios[0])
    with qtbot.assertNotEmitted(page.changed):
        page.runnable_only.setChecked(True)
    assert page.table.model().rowCount() == sum(o.runnable for o in options)
    assert selected_id(page.table) == plan.scenarios[0].quant


def test_kv_cache_combo(qtbot: QtBot, ctx: AppContext, plan: Plan) -> None:
    scenario = plan.scenarios[0]
    page, _, _ = quant_page(qtbot, ctx, scenario)
    ids = [q.id for q in kv_options(ctx.catalog)]
    assert [page.kv.itemData(i) for i in range(page.kv.count())] == ids
    assert page.kv.currentData() == scenario.kv_quant
    target = ids[page.kv.currentIndex() + 1]
    page.kv.setFocus()
    with qtbot.waitSignal(page.changed, check_params_cb=lambda d: d == {"kv_quant": target}):
        qtbot.keyClick(page.kv, Qt.Key.Key_Down)


def test_quant_controls_have_tooltips(qtbot: QtBot, ctx: AppContext, plan: Plan) -> None:
    page, _, _ = quant_page(qtbot, ctx, plan.scenarios[0])
    for widget in (page.use_button, page.runnable_only, page.table, page.kv, page.details):
        assert widget.toolTip(), widget
    model = page.table.model()
    for col in range(model.columnCount()):
        assert model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        assert model.index(0, col).data(Qt.ItemDataRole.ToolTipRole)


def test_options_before_scenario_and_no_suggestion(
    qtbot: QtBot, ctx: AppContext, plan: Plan
) -> None:
    scenario = plan.scenarios[0].model_copy(
        update={
            "model": "llama-3.1-405b",
            "hardware": (HardwareItem(gpu="rtx-4090", count=1),),
            "engine": None,
            "tp": None,
            "pp": None,
            "ep": None,
        }
    )
    page = QuantPage(ctx)
    qtbot.addWidget(page)
    options = quant_options(ctx.catalog, scenario)
    assert suggest_quant(options) is None
    with qtbot.assertNotEmitted(page.changed):
        page.show_options(options, None)
        page.show_scenario(scenario)
    assert not page.use_button.isEnabled()
    assert "none" in page.suggestion_label.text()
    assert selected_id(page.table) == scenario.quant
