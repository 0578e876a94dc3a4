"""The Costs page: it shows the scenario's cost inputs and API prices, and emits the edits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem
from pytestqt.qtbot import QtBot

from planner.costview import cost_inputs
from planner.paths import resources_dir
from planner.plan.io import load_plan
from planner.plan.schema import Scenario
from planner.prices.overrides import ApiOverride
from ui.context import AppContext, load_context
from ui.pages.costs import ASSUMED_TAG, CostsPage

EXAMPLE = resources_dir() / "examples" / "enterprise-llama4.llmplan"


@pytest.fixture
def context(tmp_path: Path) -> AppContext:
    return load_context(tmp_path, tmp_path / "state")


@pytest.fixture
def scenario() -> Scenario:
    return load_plan(Path(EXAMPLE), backup=False).plan.scenarios[0]


def shown(qtbot: QtBot, context: AppContext, scenario: Scenario) -> CostsPage:
    page = CostsPage(context)
    qtbot.addWidget(page)
    with qtbot.assertNotEmitted(page.changed):
        page.show_scenario(scenario)
        page.show_cost_inputs(cost_inputs(context.catalog, scenario))
    return page


def item_at(table: QTableWidget, row: int, col: int) -> QTableWidgetItem:
    item = table.item(row, col)
    assert item is not None
    return item


def cost_row(page: CostsPage, key: str) -> int:
    return next(i for i, r in enumerate(page._rows) if r.key == key)


def api_row(page: CostsPage, price_id: str) -> int:
    return next(i for i, r in enumerate(page.api_table.rows) if r.id == price_id)


def emitted(qtbot: QtBot, page: CostsPage, action: Any) -> dict[str, Any]:
    with qtbot.waitSignal(page.changed, timeout=1000) as blocker:
        action()
    assert blocker.args is not None
    fields: dict[str, Any] = blocker.args[0]
    return fields


def test_showing_emits_nothing_and_fills_everything(
    qtbot: QtBot, context: AppContext, scenario: Scenario
) -> None:
    page = shown(qtbot, context, scenario)
    assert page.title == "Costs" and page.hint
    rows = cost_inputs(context.catalog, scenario)
    assert page.assumptions_table.rowCount() == len(rows)
    snap = scenario.price_snapshot
    assert snap is not None
    assert page.api_table.rowCount() == sum(1 for p in snap.prices if p.kind == "closed")
    assert page.hosted_table.rowCount() >= 1
    assert all(r.open_model == scenario.model for r in page.hosted_table.rows)
    assert page.compare_combo.currentData() == "openai/gpt-4o"
    assert page.snapshot_combo.currentData() == "current"
    with qtbot.assertNotEmitted(page.changed):  # showing again (the presenter's refresh)
        page.show_scenario(scenario)
        page.show_cost_inputs(rows)
        page.show_hosted_check.setChecked(True)
    assert page.api_table.rowCount() == len(snap.prices)


def test_assumed_values_are_marked(qtbot: QtBot, context: AppContext, scenario: Scenario) -> None:
    page = shown(qtbot, context, scenario)
    label = item_at(page.assumptions_table, cost_row(page, "server_usd_per_node"), 0)
    assert ASSUMED_TAG in label.text() and label.font().italic()
    plain = item_at(page.assumptions_table, cost_row(page, "electricity_usd_per_kwh"), 0)
    assert ASSUMED_TAG not in plain.text() and not plain.font().italic()
    assert "no source gives this figure" in page.legend_label.text()


def test_edit_and_reset_electricity(qtbot: QtBot, context: AppContext, scenario: Scenario) -> None:
    page = shown(qtbot, context, scenario)
    cell = item_at(page.assumptions_table, cost_row(page, "electricity_usd_per_kwh"), 1)
    fields = emitted(qtbot, page, lambda: cell.setText("0.2"))
    assert set(fields) == {"costs"}
    assert fields["costs"].explicit == {"electricity_usd_per_kwh": 0.2}
    assert fields["costs"].pinned == scenario.costs.pinned  # the presenter re-resolves

    s2 = scenario.replace(costs=fields["costs"])
    page.show_scenario(s2)
    page.show_cost_inputs(cost_inputs(context.catalog, s2))
    r = cost_row(page, "electricity_usd_per_kwh")
    assert item_at(page.assumptions_table, r, 1).text() == "0.2"
    assert item_at(page.assumptions_table, r, 1).font().bold()
    button = page.reset_buttons[r]
    assert button.isEnabled() and "0.0826" in button.toolTip()
    assert not page.reset_buttons[cost_row(page, "pue")].isEnabled()
    fields = emitted(qtbot, page, button.click)
    assert set(fields) == {"costs"} and fields["costs"].explicit == {}


def test_bad_values_are_refused(qtbot: QtBot, context: AppContext, scenario: Scenario) -> None:
    page = shown(qtbot, context, scenario)
    r = cost_row(page, "pue")
    with qtbot.assertNotEmitted(page.changed):
        item_at(page.assumptions_table, r, 1).setText("0.5")
    assert not page.error_label.isHidden() and "PUE" in page.error_label.text()
    assert item_at(page.assumptions_table, r, 1).text() == "1.54"
    with qtbot.assertNotEmitted(page.changed):
        item_at(page.assumptions_table, r, 1).setText("lots")
    assert item_at(page.assumptions_table, r, 1).text() == "1.54"


def test_gpu_price_goes_to_the_hardware_item(
    qtbot: QtBot, context: AppContext, scenario: Scenario
) -> None:
    page = shown(qtbot, context, scenario)
    cell = item_at(page.assumptions_table, cost_row(page, "gpu_price_usd"), 1)
    fields = emitted(qtbot, page, lambda: cell.setText("25,000"))
    assert set(fields) == {"hardware"}
    (item,) = fields["hardware"]
    assert item.prices == {"gpu_price_usd": 25000.0}
    assert item.gpu == scenario.deployed.gpu and item.count == scenario.deployed.count


def test_choose_snapshot(qtbot: QtBot, context: AppContext, scenario: Scenario) -> None:
    page = shown(qtbot, context, scenario)
    index = page.snapshot_combo.findData("spring-2025")
    assert index >= 0
    fields = emitted(qtbot, page, lambda: page.snapshot_combo.setCurrentIndex(index))
    assert fields == {"price_snapshot": context.snapshots["spring-2025"], "api": None}
    none = page.snapshot_combo.findData("__none__")
    fields = emitted(qtbot, page, lambda: page.snapshot_combo.setCurrentIndex(none))
    assert fields == {"price_snapshot": None, "api": None}


def test_edit_gpt4o_output_price(qtbot: QtBot, context: AppContext, scenario: Scenario) -> None:
    page = shown(qtbot, context, scenario)
    r = api_row(page, "openai/gpt-4o")
    output_col = page.api_table.column_of("output_usd_per_mtok")
    cell = item_at(page.api_table, r, output_col)
    assert cell.text() == "10"
    fields = emitted(qtbot, page, lambda: cell.setText("12"))
    ov = fields["price_overrides"]
    assert set(fields) == {"price_overrides"}
    assert ov.api == {"openai/gpt-4o": ApiOverride(output_usd_per_mtok=12.0)}

    page.show_scenario(scenario.replace(price_overrides=ov))
    cell = item_at(page.api_table, api_row(page, "openai/gpt-4o"), output_col)
    assert cell.text() == "12" and cell.font().bold() and "bundled: 10" in cell.toolTip()
    page.api_table.selectRow(api_row(page, "openai/gpt-4o"))
    assert page.reset_api_button.isEnabled()
    fields = emitted(qtbot, page, page.reset_api_button.click)
    assert fields["price_overrides"].api == {}
    # clearing the cell goes back to the bundled figure too
    cell = item_at(page.api_table, api_row(page, "openai/gpt-4o"), output_col)
    fields = emitted(qtbot, page, lambda: cell.setText(""))
    assert fields["price_overrides"].api == {}


def test_compare_with(qtbot: QtBot, context: AppContext, scenario: Scenario) -> None:
    page = shown(qtbot, context, scenario)
    index = page.compare_combo.findData("anthropic/claude-sonnet-4")
    assert index > 0
    fields = emitted(qtbot, page, lambda: page.compare_combo.setCurrentIndex(index))
    assert fields == {"api": "anthropic/claude-sonnet-4"}
    fields = emitted(qtbot, page, lambda: page.compare_combo.setCurrentIndex(0))
    assert fields == {"api": None}
    hosted = page.compare_combo.findData("groq/llama-4-scout-17b-16e")
    assert hosted > 0  # a provider hosting the scenario's own model can be compared with


def test_tooltips_carry_source_and_date(
    qtbot: QtBot, context: AppContext, scenario: Scenario
) -> None:
    page = shown(qtbot, context, scenario)
    tip = item_at(page.assumptions_table, cost_row(page, "electricity_usd_per_kwh"), 1).toolTip()
    assert "EIA" in tip and "2025-06-20" in tip and "Default" in tip
    gpt = scenario.price_snapshot.get("openai/gpt-4o")  # type: ignore[union-attr]
    assert gpt is not None
    tip = item_at(
        page.api_table, api_row(page, gpt.id), page.api_table.column_of("input_usd_per_mtok")
    ).toolTip()
    assert gpt.source in tip and gpt.as_of in tip
    for widget in (
        page.snapshot_combo,
        page.compare_combo,
        page.show_hosted_check,
        page.reset_api_button,
        page.assumptions_table,
        page.api_table,
        page.hosted_table,
        page.tabs,
    ):
        assert widget.toolTip(), widget
    for i in range(page.tabs.count()):
        assert page.tabs.tabToolTip(i)
    for b in page.reset_buttons:
        assert b.toolTip()


def test_unpriced_gpu_and_no_snapshot(
    qtbot: QtBot, context: AppContext, scenario: Scenario
) -> None:
    s = scenario.replace(
        hardware=(scenario.deployed.replace(gpu="v100-sxm2-32gb"),),
        price_snapshot=None,
        api=None,
    )
    page = shown(qtbot, context, s)
    r = cost_row(page, "gpu_price_usd")
    assert item_at(page.assumptions_table, r, 1).text() == ""
    assert "needs a price" in item_at(page.assumptions_table, r, 0).text()
    assert page.api_table.rowCount() == 0 and page.hosted_table.rowCount() == 0
    assert page.snapshot_combo.currentData() == "__none__"
    assert not page.compare_combo.isEnabled()
    fields = emitted(qtbot, page, lambda: item_at(page.assumptions_table, r, 1).setText("9000"))
    assert fields["hardware"][0].prices == {"gpu_price_usd": 9000.0}
