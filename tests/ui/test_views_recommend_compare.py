"""The Recommendations and Compare views show what planner/ computed and emit the user's intent."""

from __future__ import annotations

import csv
import io

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from planner.catalog.load import bundled_catalog
from planner.dashboard import Dashboard, dashboard
from planner.plan.schema import Plan
from planner.recommend import Constraints, SearchResult
from planner.recommend_plan import (
    COMPARE_METRICS,
    CompareRow,
    best_of,
    compare_plan,
    recommend_for_scenario,
)
from ui.plots.compare import CompareView
from ui.plots.recommend import COLUMNS, RecommendView

CAT = bundled_catalog()
SMALL = Constraints(vendors=("nvidia",), counts=(1, 2))


@pytest.fixture(scope="module")
def plan() -> Plan:
    from planner.plan.io import load_plan
    from tests.ui.conftest import EXAMPLE

    return load_plan(EXAMPLE, backup=False).plan


@pytest.fixture(scope="module")
def result(plan: Plan) -> SearchResult:
    return recommend_for_scenario(CAT, plan.scenarios[0], SMALL)


@pytest.fixture(scope="module")
def board(plan: Plan) -> Dashboard:
    return dashboard(CAT, plan.scenarios[0])


@pytest.fixture(scope="module")
def compared(plan: Plan) -> tuple[list[CompareRow], list[Dashboard | None]]:
    return compare_plan(CAT, plan)


def _recommend(qtbot: QtBot, result: SearchResult, board: Dashboard) -> RecommendView:
    view = RecommendView()
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    qtbot.waitExposed(view)
    view.show_dashboard(board)
    view.show_search_result(result)
    qtbot.wait(20)  # the plot takes its range when laid out
    return view


def test_the_ranked_table_and_its_csv(qtbot: QtBot, result: SearchResult, board: Dashboard) -> None:
    view = _recommend(qtbot, result, board)
    assert view.title == "Recommendations"
    m = view.model
    assert m.rowCount() == len(result.ranked) > 0
    assert m.columnCount() == len(COLUMNS)
    headers = [m.headerData(c, Qt.Orientation.Horizontal) for c in range(m.columnCount())]
    assert headers == list(COLUMNS)
    first = result.ranked[0]
    dep = first.plan.deployment
    cells = dict(zip(COLUMNS, m.cells(0), strict=True))
    assert cells["#"] == "1"
    assert cells["Hardware"] == dep.gpu.name
    assert cells["Replicas x GPUs"] == f"{first.plan.replicas} x {dep.tp * dep.pp}"
    assert cells["USD/month"] == f"${first.monthly_usd:,.0f}"
    assert cells["TPOT ms"] == f"{first.tpot_ms:.1f}"
    assert "cheapest" in cells["Why"]
    rows = list(csv.reader(io.StringIO(view.csv_text())))
    assert rows[0][:2] == ["rank", "gpu"] and "cost (USD/month)" in rows[0]
    assert len(rows) == len(result.ranked) + 1
    col = rows[0].index("cost (USD/month)")
    assert [float(r[col]) for r in rows[1:]] == pytest.approx(
        [c.monthly_usd for c in result.ranked]
    )
    assert "configurations searched" in view.status.text()


def test_the_plot_has_every_candidate_the_front_and_this_scenario(
    qtbot: QtBot, result: SearchResult, board: Dashboard
) -> None:
    view = _recommend(qtbot, result, board)
    assert view.points is not None and view.front is not None and view.current is not None
    assert len(view.points.xData) == len(result.ranked)
    assert len(view.front.xData) == len(result.pareto)
    assert sorted(view.front.xData) == sorted(c.tpot_ms for c in result.pareto)
    sh = board.result.self_hosted
    assert sh is not None
    assert list(view.current.xData) == [sh.point.tpot_ms]
    # Hovering a point shows its configuration.
    hover = view.hovers[0]
    first = result.ranked[0]
    text = hover.hover_data(first.tpot_ms, first.monthly_usd)
    assert text is not None and text.startswith("#1:")
    assert first.plan.deployment.gpu.name in text
    # Clicking a point selects its row.
    spot = view.points.scatter.points()[2]
    view.points.sigPointsClicked.emit(view.points, [spot], None)
    assert view.selected_candidate() is result.ranked[2]


def test_find_emits_the_constraints_of_the_controls(qtbot: QtBot) -> None:
    view = RecommendView()
    qtbot.addWidget(view)
    view.acquisition.setCurrentIndex(view.acquisition.findData("rent"))
    view.max_gpus.setValue(8)
    view.budget.setValue(20_000)
    for vendor, box in view.vendor_boxes.items():
        box.setChecked(vendor in ("nvidia", "amd"))
    with qtbot.waitSignal(view.search_requested, timeout=1000) as blocker:
        qtbot.mouseClick(view.find_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [
        Constraints(
            acquisition="rent",
            max_gpus=8,
            monthly_budget_usd=20_000,
            vendors=("nvidia", "amd"),
            min_weight_bits=4,  # the default: no 1- to 3-bit formats
        )
    ]
    view.min_bits.setCurrentIndex(view.min_bits.findData(8))
    assert view.constraints().min_weight_bits == 8
    # Nothing set: no limits, any vendor.
    view.set_constraints(Constraints())
    assert view.constraints() == Constraints()
    # No vendor at all: nothing to search.
    for box in view.vendor_boxes.values():
        box.setChecked(False)
    assert not view.find_button.isEnabled()


def test_search_started_and_failed(qtbot: QtBot) -> None:
    view = RecommendView()
    qtbot.addWidget(view)
    view.show_search_started()
    assert not view.find_button.isEnabled() and not view.busy.isHidden()
    view.show_search_failed("scenario 'x' has no cost workload")
    assert view.find_button.isEnabled() and view.busy.isHidden()
    assert "no cost workload" in view.status.text()


def test_double_click_and_adopt_emit_the_candidate(
    qtbot: QtBot, result: SearchResult, board: Dashboard
) -> None:
    view = _recommend(qtbot, result, board)
    assert not view.adopt_button.isEnabled()
    rect = view.table.visualRect(view.model.index(2, 1))
    with qtbot.waitSignal(view.adopt_requested, timeout=1000) as blocker:
        # A double-click is a press, a release, then the double-click.
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args[0] is result.ranked[2]
    view.select_row(1)
    assert view.adopt_button.isEnabled() and view.adopt_button.text() == "Adopt #2"
    with qtbot.waitSignal(view.adopt_requested, timeout=1000) as blocker:
        qtbot.mouseClick(view.adopt_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] is result.ranked[1]


def test_an_empty_result_says_why(qtbot: QtBot) -> None:
    view = RecommendView()
    qtbot.addWidget(view)
    empty = SearchResult(ranked=[], pareto=[], searched=12, rejected={"does not fit": 12})
    view.show_search_result(empty)
    assert view.model.rowCount() == 0
    assert "Nothing meets" in view.status.text() and "does not fit: 12" in view.status.text()
    assert view.csv_text().count("\n") == 1  # the header only


def test_compare_shows_scenarios_as_columns(
    qtbot: QtBot, plan: Plan, compared: tuple[list[CompareRow], list[Dashboard | None]]
) -> None:
    rows, boards = compared
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    view.show_plan(rows, boards)
    assert view.title == "Compare"
    t = view.table
    assert t.columnCount() == 2 and t.rowCount() == len(COMPARE_METRICS)
    names = [t.horizontalHeaderItem(c).text() for c in range(2)]  # type: ignore[union-attr]
    assert names == [s.name for s in plan.scenarios]
    labels = [t.verticalHeaderItem(r).text() for r in range(t.rowCount())]  # type: ignore[union-attr]
    assert "Self-hosted (USD/month)" in labels and "Time per output token (ms)" in labels
    # The best of each ranked row is bold (Maverick is faster per token here).
    tpot = labels.index("Time per output token (ms)")
    metric = COMPARE_METRICS[tpot]
    best = best_of(rows, metric)
    assert best == {1}
    assert t.item(tpot, 1).font().bold() and not t.item(tpot, 0).font().bold()  # type: ignore[union-attr]
    assert t.item(tpot, 1).text() == f"{rows[1].tpot_ms:.1f}"  # type: ignore[union-attr]
    # The curves: one per scenario on each plot, and the API reference.
    assert set(view.speed_curves) == set(view.cost_curves) == set(names)
    assert view.legend is not None and len(view.legend.items) == 3
    # The CSV has the numbers.
    table = {r[0]: r[1:] for r in csv.reader(io.StringIO(view.csv_text()))}
    assert table["metric"] == names
    for i, row in enumerate(rows):
        assert row.self_hosted_usd_per_month is not None and row.tokens_per_s_low is not None
        assert float(table["Self-hosted (USD/month)"][i]) == pytest.approx(
            row.self_hosted_usd_per_month
        )
        assert float(table["Output p10 (tok/s)"][i]) == pytest.approx(row.tokens_per_s_low)
        assert table["Hardware"][i] == row.hardware
    view.show_dashboard(None)  # ignored: the comparison covers every scenario
    assert t.columnCount() == 2


def test_compare_with_a_scenario_that_cannot_be_estimated(qtbot: QtBot, plan: Plan) -> None:
    broken = plan.scenarios[0].replace(name="Broken", tp=3)
    rows, boards = compare_plan(
        CAT, plan.model_copy(update={"scenarios": (*plan.scenarios, broken)})
    )
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(760, 460)
    view.show()
    view.show_plan(rows, boards)
    t = view.table
    assert t.columnCount() == 3 and t.rowCount() == len(COMPARE_METRICS) + 1
    assert "tp x pp" in t.item(t.rowCount() - 1, 2).text()  # type: ignore[union-attr]
    assert len(view.speed_curves) == 2
    assert "Broken" in view.csv_text()


def test_both_views_redraw_dark_and_scaled(
    qtbot: QtBot,
    result: SearchResult,
    board: Dashboard,
    compared: tuple[list[CompareRow], list[Dashboard | None]],
) -> None:
    rec = _recommend(qtbot, result, board)
    cmp = CompareView()
    qtbot.addWidget(cmp)
    cmp.show_plan(*compared)
    for view in (rec, cmp):
        view.set_theme(True)
        view.set_scale(1.5)
        assert view.plot_widget() is not None
    assert rec.front is not None and len(rec.front.xData) == len(result.pareto)
    assert len(cmp.speed_curves) == 2


def test_both_views_update_their_plots_in_place(
    qtbot: QtBot,
    plan: Plan,
    result: SearchResult,
    board: Dashboard,
    compared: tuple[list[CompareRow], list[Dashboard | None]],
) -> None:
    """New numbers of the same shape are drawn on the plots there are (building them is slow)."""
    s0, s1 = plan.scenarios
    assert s0.cost_workload is not None
    costs = s0.cost_workload.model_copy(
        update={"input_tokens": s0.cost_workload.input_tokens + 500}
    )
    longer = s0.replace(
        workload=s0.workload.replace(input_tokens=s0.workload.input_tokens + 500),
        cost_workload=costs,
    )
    other = dashboard(CAT, longer)
    sh = other.result.self_hosted
    assert sh is not None and board.result.self_hosted is not None
    assert sh.point.tpot_ms != board.result.self_hosted.point.tpot_ms
    rec = _recommend(qtbot, result, board)
    plot = rec.canvas.ci.getItem(0, 0)
    rec.show_dashboard(other)
    assert rec.canvas.ci.getItem(0, 0) is plot
    assert rec.current is not None and list(rec.current.xData) == [sh.point.tpot_ms]
    assert rec.points is not None and len(rec.points.xData) == len(result.ranked)
    text = rec.hovers[0].hover_data(sh.point.tpot_ms, sh.monthly.total_usd)
    assert text is not None and f"TPOT {sh.point.tpot_ms:.1f} ms" in text

    cmp = CompareView()
    qtbot.addWidget(cmp)
    cmp.resize(760, 460)
    cmp.show()
    cmp.show_plan(*compared)
    plots = [cmp.canvas.ci.getItem(1, 0), cmp.canvas.ci.getItem(1, 1)]
    rows, boards = compare_plan(CAT, plan.model_copy(update={"scenarios": (longer, s1)}))
    cmp.show_plan(rows, boards)
    assert [cmp.canvas.ci.getItem(1, 0), cmp.canvas.ci.getItem(1, 1)] == plots
    new = boards[0]
    assert new is not None
    curve = cmp.speed_curves[s0.name]
    assert list(curve.xData) == [float(p.concurrency) for p in new.sweep]
    assert list(curve.yData) == [p.tokens_per_s for p in new.sweep]
