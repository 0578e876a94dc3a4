"""The presenter: edits as undo steps, parallelism reset, debounced results, scenarios."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from planner.dashboard import dashboard
from planner.plan.schema import Plan
from ui.context import AppContext
from ui.presenter import Computed, Presenter, changed_scenario


def test_new_plan_has_a_computable_default_scenario(qtbot: QtBot, context: AppContext) -> None:
    p = Presenter(context)
    assert len(p.plan.scenarios) == 1
    with qtbot.waitSignal(p.computed, timeout=5000) as sig:
        p.schedule()
    c = sig.args[0]
    assert isinstance(c, Computed) and c.error is None and c.dashboard is not None
    assert c.dashboard.fits


def test_edit_is_one_undo_step_and_results_follow(
    qtbot: QtBot, context: AppContext, example_plan: Plan
) -> None:
    p = Presenter(context, example_plan)
    before = p.scenario
    assert before is not None
    with qtbot.waitSignal(p.computed, timeout=5000) as sig:
        assert p.apply({"quant": "bf16"})
    assert p.scenario is not None and p.scenario.quant == "bf16"
    assert p.dirty
    expected = dashboard(context.catalog, p.scenario)
    got = sig.args[0].dashboard
    assert got.estimate.memory == expected.estimate.memory
    assert p.undo_stack.count() == 1
    p.undo_stack.undo()
    assert p.scenario == before
    assert not p.dirty
    p.undo_stack.redo()
    assert p.scenario.quant == "bf16"


def test_many_quick_edits_compute_once(
    qtbot: QtBot, context: AppContext, example_plan: Plan
) -> None:
    p = Presenter(context, example_plan)
    seen: list[Computed] = []
    p.computed.connect(seen.append)
    for batch in (2, 4, 8, 16):
        p.apply({"workload": p.scenario.workload.replace(batch=batch)})  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=5000)
    qtbot.wait(150)
    assert len(seen) == 1
    assert seen[0].dashboard is not None and seen[0].dashboard.estimate.batch == 16
    assert p.undo_stack.count() == 4


def test_invalid_edit_is_refused_with_a_message(
    qtbot: QtBot, context: AppContext, example_plan: Plan
) -> None:
    p = Presenter(context, example_plan)
    with qtbot.waitSignal(p.message, timeout=1000) as sig:
        assert not p.apply({"tp": 0})
    assert "Not applied" in sig.args[0]
    assert p.undo_stack.count() == 0


def test_model_or_hardware_change_resets_parallelism(
    context: AppContext, example_plan: Plan
) -> None:
    s = example_plan.scenarios[0]
    assert s.tp == 2
    new = changed_scenario(context.catalog, s, {"model": "llama-3.1-8b"})
    assert (new.tp, new.pp, new.ep) == (None, None, None)
    kept = changed_scenario(context.catalog, s, {"kv_quant": "fp8"})
    assert kept.tp == 2
    item = s.deployed
    priced = changed_scenario(
        context.catalog, s, {"hardware": (item.replace(prices={"gpu_price_usd": 20000}),)}
    )
    assert priced.tp == 2  # a price does not move the parallelism
    more = changed_scenario(context.catalog, s, {"hardware": (item.replace(count=4),)})
    assert more.tp is None


def test_new_format_the_engine_cannot_run_drops_the_engine(
    context: AppContext, example_plan: Plan
) -> None:
    s = example_plan.scenarios[0]
    gguf = next(q for q in context.catalog.quants.values() if s.engine not in q.engines)
    assert changed_scenario(context.catalog, s, {"quant": gguf.id}).engine is None
    ok = next(q for q in context.catalog.quants.values() if s.engine in q.engines)
    assert changed_scenario(context.catalog, s, {"quant": ok.id}).engine == s.engine


def test_a_scenario_that_cannot_be_estimated_reports_why(
    qtbot: QtBot, context: AppContext, example_plan: Plan
) -> None:
    p = Presenter(context, example_plan)
    p.apply({"model": "no-such-model"})
    with qtbot.waitSignal(p.computed, timeout=5000) as sig:
        p.recompute()
    c = sig.args[0]
    assert c.dashboard is None and "no-such-model" in (c.error or "")


def test_scenarios_add_duplicate_rename_delete_select(
    context: AppContext, example_plan: Plan
) -> None:
    p = Presenter(context, example_plan)
    names = [s.name for s in p.plan.scenarios]
    p.duplicate_scenario()
    assert p.plan.selected == 2 and p.scenario.name == f"{names[0]} (copy)"  # type: ignore[union-attr]
    p.rename_scenario("Scout, second try")
    assert p.scenario.name == "Scout, second try"  # type: ignore[union-attr]
    p.add_scenario()
    assert len(p.plan.scenarios) == 4
    p.select(0)
    assert p.scenario.name == names[0]  # type: ignore[union-attr]
    assert p.delete_scenario()
    assert p.plan.scenarios[0].name == names[1]
    for _ in range(4):
        p.undo_stack.undo()
    assert [s.name for s in p.plan.scenarios] == names
    while len(p.plan.scenarios) > 1:
        assert p.delete_scenario()
    assert not p.delete_scenario()  # the last one stays
