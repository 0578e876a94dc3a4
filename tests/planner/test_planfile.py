"""Plan project files: golden round trips, migrations, damaged files, permissions, reproduction.

Regenerate the golden file after a deliberate format change with
``PLANFILE_UPDATE_GOLDEN=1 pytest tests/planner/test_planfile.py``.
"""

from __future__ import annotations

import builtins
import json
import os
import pathlib
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import planner
from planner.catalog.load import bundled_catalog
from planner.catalog.schema import GpuSpec, InterconnectSpec, ModelSpec
from planner.cost import CostWorkload, OwnedCosts, RentedCosts
from planner.costplan import plan_self_hosted
from planner.estimate.scenario import build_deployment, estimate, make_workload
from planner.plan import (
    MAX_FILE_BYTES,
    MIGRATIONS,
    SCHEMA_VERSION,
    CostAssumptions,
    CostSource,
    EstimatorWorkload,
    HardwareItem,
    Plan,
    PlanCostWorkload,
    PlanFileError,
    Scenario,
    backup_path,
    check_plan,
    cost_fingerprint,
    costs_pinned,
    evaluate,
    load_plan,
    make_scenario,
    plan_to_json,
    resolve_costs,
    save_plan,
    scenario_inputs,
)
from planner.prices.overrides import ApiOverride, HardwareOverride, PriceOverrides
from planner.prices.schema import ApiPrice, PriceSnapshot

DATA = Path(__file__).resolve().parents[1] / "data" / "plans"
GOLDEN = DATA / "v1_golden.llmplan"
UNKNOWN_FIELDS = DATA / "v1_unknown_fields.llmplan"
V0 = DATA / "v0_single_scenario.llmplan"
GOLDEN_APP_VERSION = "0.1.0"


def custom_model() -> ModelSpec:
    return ModelSpec(
        id="acme-support-8b",
        name="ACME Support 8B",
        family="ACME",
        source="config.json of the client's fine-tune (imported offline)",
        num_layers=32,
        hidden_size=4096,
        num_attention_heads=32,
        num_kv_heads=8,
        head_dim=128,
        intermediate_size=14336,
        vocab_size=128256,
        max_context=32768,
        total_params_b=8.0,
        active_params_b=8.0,
        custom=True,
    )


def custom_gpu() -> GpuSpec:
    return GpuSpec(
        id="lab-accelerator-48g",
        name="Lab Accelerator 48G",
        vendor="other",
        segment="workstation",
        generation="lab-1",
        source="vendor data sheet given by the client",
        memory_gib=48.0,
        bandwidth_gbps=960.0,
        fp16_tflops=180.0,
        tdp_w=300.0,
        interconnect=InterconnectSpec(kind="pcie"),
        custom=True,
    )


def small_snapshot() -> PriceSnapshot:
    return PriceSnapshot(
        name="golden",
        title="Two prices for the golden plan",
        as_of="2025-06",
        source="written for the test suite",
        prices=(
            ApiPrice(
                id="openai/gpt-4o",
                name="GPT-4o",
                provider="OpenAI",
                kind="closed",
                input_usd_per_mtok=2.5,
                output_usd_per_mtok=10.0,
                cached_input_usd_per_mtok=1.25,
                as_of="2025-06-01",
                source="test price",
            ),
            ApiPrice(
                id="together/llama-3.1-8b",
                name="Llama 3.1 8B at Together",
                provider="Together AI",
                kind="hosted-open",
                open_model="llama-3.1-8b",
                input_usd_per_mtok=0.18,
                output_usd_per_mtok=0.18,
                as_of="2025-06-01",
                source="test price",
            ),
        ),
    )


def _pin(scenario: Scenario, pinned: OwnedCosts | RentedCosts) -> Scenario:
    costs = scenario.costs.model_copy(
        update={
            "pinned": pinned,
            "pinned_inputs": cost_fingerprint(scenario),
            "sources": (
                CostSource(label="GPU price", value=9000, unit="USD per GPU", source="quote"),
            ),
        }
    )
    return scenario.model_copy(update={"costs": costs})


def golden_plan() -> Plan:
    """Two scenarios built without the bundled price data, so the golden file stays put."""
    owned = Scenario(
        name="ACME 8B on 2 x L40S",
        model="acme-support-8b",
        model_spec=custom_model(),
        quant="bf16",
        kv_quant="fp8",
        hardware=(
            HardwareItem(
                gpu="l40s",
                count=2,
                nodes=1,
                interconnect="PCIe 4.0, no NVLink",
                acquisition="buy",
                prices={"gpu_price_usd": 9000.0},
            ),
        ),
        engine="vllm",
        tp=2,
        pp=1,
        ep=1,
        workload=EstimatorWorkload(batch=16, input_tokens=1500, output_tokens=300),
        cost_workload=PlanCostWorkload(
            tokens_per_month=2e9,
            input_tokens=1500,
            output_tokens=300,
            cached_input_share=0.2,
            ttft_target_ms=2000,
        ),
        costs=CostAssumptions(explicit={"electricity_usd_per_kwh": 0.21, "pue": 1.3}),
        price_snapshot=small_snapshot(),
        price_overrides=PriceOverrides(
            api={"openai/gpt-4o": ApiOverride(input_usd_per_mtok=2.5)},
            hardware={"l40s": HardwareOverride(purchase_usd=9500)},
            defaults={"amortization_years": 4},
        ),
        api="openai/gpt-4o",
        notes="The client's own fine-tune.",
    )
    owned = _pin(
        owned,
        OwnedCosts(
            gpu_price_usd=9000,
            gpus_per_node=2,
            server_usd_per_node=12000,
            networking_usd_per_node=1000,
            amortization_years=4,
            gpu_draw_w=300,
            host_power_w_per_node=500,
            pue=1.3,
            electricity_usd_per_kwh=0.21,
            ops_share_of_capex_per_year=0.1,
        ),
    )
    rented = Scenario(
        name="Llama 3.1 8B on the lab box",
        model="llama-3.1-8b",
        quant="q4_k_m",
        hardware=(
            HardwareItem(
                gpu="lab-accelerator-48g",
                gpu_spec=custom_gpu(),
                count=1,
                memory_gib=44.0,
                acquisition="rent",
                prices={"usd_per_gpu_hour": 1.1},
            ),
            HardwareItem(gpu="rtx-4090", count=4, acquisition="owned"),
        ),
        engine="llama.cpp",
        workload=EstimatorWorkload(batch=4, input_tokens=800, output_tokens=200),
        cost_workload=PlanCostWorkload(requests_per_month=300_000, input_tokens=800),
        detected_hardware={"probe": "nvidia-smi", "gpus": [{"name": "Lab Accelerator 48G"}]},
    )
    rented = _pin(rented, RentedCosts(usd_per_gpu_hour=1.1))
    return Plan(
        app_version=GOLDEN_APP_VERSION,
        created="2025-06-01T09:00:00+00:00",
        modified="2025-06-02T17:30:00+02:00",
        title="Support assistant",
        client="ACME GmbH",
        notes="On-premises options for the support assistant.",
        scenarios=(owned, rented),
        selected=1,
    )


def normalised(text: str) -> str:
    """Saved text with the writer's version replaced by the golden file's."""
    doc = json.loads(text)
    doc["app_version"] = GOLDEN_APP_VERSION
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def one_line_error(exc: pytest.ExceptionInfo[PlanFileError], path: Path) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg.strip() == msg and msg
    assert str(path) in msg
    return msg


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# --- golden files and round trips -----------------------------------------------------------


def test_golden_file_is_what_the_builder_saves() -> None:
    text = normalised(plan_to_json(golden_plan()))
    if os.environ.get("PLANFILE_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.read_text(encoding="utf-8") == text


def test_golden_round_trip_is_identical(tmp_path: Path) -> None:
    loaded = load_plan(GOLDEN)
    assert loaded.migrated_from is None and loaded.backup is None
    assert loaded.plan == golden_plan()
    out = tmp_path / "copy.llmplan"
    save_plan(out, loaded.plan)
    assert normalised(out.read_text(encoding="utf-8")) == GOLDEN.read_text(encoding="utf-8")
    assert json.loads(out.read_text(encoding="utf-8"))["app_version"] == planner.__version__
    again = load_plan(out).plan
    assert again.model_copy(update={"app_version": GOLDEN_APP_VERSION}) == loaded.plan


def test_file_layout_has_the_documented_fields() -> None:
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert doc["schema_version"] == SCHEMA_VERSION
    assert {"app_version", "created", "modified", "title", "client", "notes", "selected"} <= set(
        doc
    )
    owned, rented = doc["scenarios"]
    assert owned["model_spec"]["id"] == owned["model"] == "acme-support-8b"
    assert owned["price_snapshot"]["prices"][0]["id"] == "openai/gpt-4o"
    assert owned["price_overrides"]["defaults"] == {"amortization_years": 4}
    assert owned["costs"]["pinned"]["kind"] == "owned"
    assert rented["model_spec"] is None  # a catalog model is referenced by id
    assert rented["hardware"][0]["gpu_spec"]["id"] == "lab-accelerator-48g"
    assert rented["hardware"][1] | {"prices": {}} == rented["hardware"][1]
    assert rented["detected_hardware"]["probe"] == "nvidia-smi"


def _numbers(catalog: Any, scenario: Scenario) -> tuple[Any, ...]:
    dep, wl, cwl, costs = scenario_inputs(catalog, scenario)
    est = estimate(dep, wl)
    hosted = plan_self_hosted(dep, cwl, costs) if cwl and costs else None
    return dep, wl, cwl, costs, est, hosted


def test_load_save_load_gives_the_same_estimates(tmp_path: Path) -> None:
    catalog = bundled_catalog()
    first = load_plan(GOLDEN).plan
    path = tmp_path / "p.llmplan"
    save_plan(path, first)
    second = load_plan(path).plan
    for a, b in zip(first.scenarios, second.scenarios, strict=True):
        na, nb = _numbers(catalog, a), _numbers(catalog, b)
        assert na == nb
        est = na[4]
        assert est.memory.gpus and est.fits
        assert na[5] is not None and na[5].monthly.total_usd > 0
    assert (
        evaluate(catalog, first.scenarios[0]).comparison
        == evaluate(catalog, second.scenarios[0]).comparison
    )


def test_scenario_inputs_use_the_embedded_specs_and_pinned_costs() -> None:
    catalog = bundled_catalog()
    assert "acme-support-8b" not in catalog.models
    assert "lab-accelerator-48g" not in catalog.gpus
    owned, rented = golden_plan().scenarios
    dep, wl, cwl, costs = scenario_inputs(catalog, owned)
    assert dep.model == custom_model()
    assert (dep.gpu.id, dep.gpu_count, dep.tp, dep.pp, dep.kv_quant.id) == ("l40s", 2, 2, 1, "fp8")
    assert wl == make_workload(16, 1500, 300)
    assert cwl == CostWorkload(
        tokens_per_month=2e9,
        input_tokens=1500,
        output_tokens=300,
        cached_input_share=0.2,
        ttft_target_ms=2000,
    )
    assert costs == owned.costs.pinned  # not today's bundled defaults
    dep, wl, cwl, costs = scenario_inputs(catalog, rented)
    assert dep.gpu == custom_gpu() and dep.capacity_gib == 44.0
    assert dep.engine.id == "llama.cpp" and dep.model.id == "llama-3.1-8b"
    assert costs == RentedCosts(usd_per_gpu_hour=1.1)


def test_stale_pinned_costs_are_resolved_afresh() -> None:
    catalog = bundled_catalog()
    owned = golden_plan().scenarios[0]
    assert costs_pinned(owned)
    edited = owned.model_copy(
        update={"costs": owned.costs.model_copy(update={"explicit": {"pue": 1.9}})}
    )
    assert not costs_pinned(edited)
    _, _, _, costs = scenario_inputs(catalog, edited)
    assert isinstance(costs, OwnedCosts) and costs.pue == 1.9
    assert costs.gpu_price_usd == 9000  # the item's own price
    assert costs.amortization_years == 4  # the override recorded in the plan
    assert costs.gpus_per_node == 2  # two GPUs in one node
    repinned = resolve_costs(catalog, edited)
    assert costs_pinned(repinned) and repinned.costs.pinned == costs
    assert repinned.costs.sources


def test_make_scenario_references_catalog_entries_and_embeds_custom_ones() -> None:
    catalog = bundled_catalog()
    dep = build_deployment(catalog, "Llama 3.1 8B", "fp8", "H100 SXM", 2)
    s = make_scenario(
        catalog,
        "8B",
        dep,
        make_workload(4, 1000, 100),
        cost_workload=CostWorkload(tokens_per_month=1e9),
        explicit_costs={"gpu_price_usd": 20000, "pue": 1.2},
    )
    assert s.model == "llama-3.1-8b" and s.model_spec is None and s.deployed.gpu_spec is None
    assert (s.engine, s.tp, s.pp, s.ep) == ("vllm", 2, 1, 1)  # resolved, not left to defaults
    assert s.deployed.prices == {"gpu_price_usd": 20000}
    assert s.costs.explicit == {"pue": 1.2}
    assert costs_pinned(s) and isinstance(s.costs.pinned, OwnedCosts)
    assert s.costs.pinned.gpu_price_usd == 20000 and s.costs.pinned.pue == 1.2
    assert any(src.source == "set for this plan" for src in s.costs.sources)
    dep2 = build_deployment(catalog, custom_model(), "fp16", custom_gpu(), engine="llama.cpp")
    s2 = make_scenario(catalog, "custom", dep2, make_workload())
    assert s2.model_spec == custom_model() and s2.deployed.gpu_spec == custom_gpu()
    assert scenario_inputs(catalog, s2)[0] == dep2


def test_unknown_fields_survive_a_round_trip(tmp_path: Path) -> None:
    original = json.loads(UNKNOWN_FIELDS.read_text(encoding="utf-8"))
    plan = load_plan(UNKNOWN_FIELDS).plan
    assert plan.model_extra == {"x_review": {"by": "Dana", "approved": True}}
    s = plan.scenarios[0]
    assert s.model_extra == {"x_risk": "low"}
    assert s.deployed.model_extra == {"x_rack": "B4"}
    assert s.cost_workload is not None and s.cost_workload.model_extra == {"x_seasonal": [1, 2]}
    assert s.workload.model_extra == {"x_note": "chat"}
    out = tmp_path / "out.llmplan"
    save_plan(out, plan)
    saved = json.loads(out.read_text(encoding="utf-8"))
    saved["app_version"] = original["app_version"]
    assert saved == original
    assert scenario_inputs(bundled_catalog(), s)[0].gpu.id == "l40s"


# --- migrations ---------------------------------------------------------------------------


def test_every_older_schema_has_a_migration_step() -> None:
    assert sorted(MIGRATIONS) == list(range(0, SCHEMA_VERSION))


def test_v0_file_migrates_and_keeps_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.llmplan"
    shutil.copyfile(V0, path)
    path.chmod(0o640)
    original = path.read_bytes()
    loaded = load_plan(path)
    assert loaded.migrated_from == 0
    assert loaded.backup == backup_path(path) == tmp_path / "old.llmplan.bak"
    assert loaded.backup.read_bytes() == original
    assert loaded.backup.stat().st_mode & 0o777 == 0o640
    assert path.read_bytes() == original  # untouched until saved
    plan = loaded.plan
    assert plan.created == plan.modified == "2024-11-02T10:15:00+00:00"
    assert plan.title == "Pilot for legal search" and plan.client == "Example LLP"
    assert plan.model_extra == {"ui_theme": "dark"}
    (s,) = plan.scenarios
    assert s.name == "Pilot for legal search"
    assert (s.model, s.quant, s.kv_quant, s.engine, s.tp, s.pp) == (
        "llama-3.1-70b",
        "awq-int4",
        "fp8",
        "vllm",
        2,
        1,
    )
    item = s.deployed
    assert (item.gpu, item.count, item.acquisition) == ("a100-sxm-80gb", 2, "buy")
    assert item.prices == {"gpu_price_usd": 15000}
    assert s.workload == EstimatorWorkload(batch=8, input_tokens=1024, output_tokens=256)
    assert s.cost_workload is not None
    assert s.cost_workload.to_cost_workload() == CostWorkload(
        tokens_per_month=2e9,
        input_tokens=1024,
        output_tokens=256,
        cached_input_share=0.1,
        peak_to_average=3,
    )
    assert s.costs.explicit == {
        "electricity_usd_per_kwh": 0.12,
        "pue": 1.3,
        "amortization_years": 4,
    }
    assert s.model_extra == {"favourite": True}  # unknown v0 fields ride along
    result = evaluate(bundled_catalog(), s)
    assert result.estimate.fits and result.self_hosted is not None
    save_plan(path, plan)
    again = load_plan(path)
    assert again.migrated_from is None
    assert again.plan == plan.model_copy(update={"app_version": planner.__version__})
    assert loaded.backup.read_bytes() == original


def test_check_reports_a_migration_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "old.llmplan"
    shutil.copyfile(V0, path)
    assert check_plan(path).migrated_from == 0
    assert load_plan(path, backup=False).backup is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.llmplan"]


def test_v0_with_a_broken_layout_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "old.llmplan"
    path.write_text(json.dumps({"schema_version": 0, "scenario": [1, 2]}), encoding="utf-8")
    with pytest.raises(PlanFileError) as exc:
        load_plan(path)
    assert "cannot migrate from plan schema 0" in one_line_error(exc, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.llmplan"]


# --- damaged, foreign, future and oversized files ----------------------------------------


def test_future_version_is_rejected_and_nothing_written(tmp_path: Path) -> None:
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    doc["schema_version"] = SCHEMA_VERSION + 1
    path = tmp_path / "future.llmplan"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = folder_state(tmp_path)
    with pytest.raises(PlanFileError) as exc:
        load_plan(path)
    msg = one_line_error(exc, path)
    assert "newer planner" in msg and f"schema {SCHEMA_VERSION + 1}" in msg
    assert folder_state(tmp_path) == before


def _golden_with(**changes: Any) -> str:
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        target = doc
        keys = dotted.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if isinstance(target, list) else target[k]
        target[keys[-1]] = value
    return json.dumps(doc)


DAMAGED = {
    "empty": ("", "empty"),
    "not JSON": ("<html>hello</html>", "not JSON"),
    "truncated": (GOLDEN.read_text(encoding="utf-8")[:5000], "truncated"),
    "a list": ("[1, 2]", "JSON object expected"),
    "no version": ('{"title": "x"}', "no schema_version"),
    "text version": ('{"schema_version": "1"}', "whole number"),
    "bool version": ('{"schema_version": true}', "whole number"),
    "NaN": ('{"schema_version": 1, "x": NaN}', "NaN"),
    "huge number": ('{"schema_version": 1, "x": 1e999}', "out of range"),
    "binary": ("\udcff", "UTF-8"),
    "deep": ("[" * 100_000, "nested too deeply"),
    "wrong type": (_golden_with(title=5), "title"),
    "wrong nested type": (_golden_with(scenarios__0__hardware__0__count="two"), "count"),
    "bad time": (_golden_with(created="yesterday"), "created"),
    "bad selection": (_golden_with(selected=7), "selected"),
    "no scenarios list": (_golden_with(scenarios={"a": 1}), "scenarios"),
    "spec id mismatch": (_golden_with(scenarios__0__model="other"), "model_spec"),
    "unknown cost key": (
        _golden_with(scenarios__0__costs__explicit={"bogus": 1}),
        "unknown cost input",
    ),
    "bad workload": (_golden_with(scenarios__0__workload__batch=0), "batch"),
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_damaged_files_give_one_line_and_write_nothing(tmp_path: Path, case: str) -> None:
    text, expected = DAMAGED[case]
    path = tmp_path / "bad.llmplan"
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    before = folder_state(tmp_path)
    with pytest.raises(PlanFileError) as exc:
        load_plan(path)
    assert expected in one_line_error(exc, path)
    assert folder_state(tmp_path) == before


def test_missing_file_and_folder_are_one_line_errors(tmp_path: Path) -> None:
    for path in (tmp_path / "nope.llmplan", tmp_path):
        with pytest.raises(PlanFileError) as exc:
            load_plan(path)
        one_line_error(exc, path)


def test_oversized_file_is_rejected_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.llmplan"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: no 20 MB written

    def no_reading(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(builtins, "open", no_reading)
    monkeypatch.setattr(pathlib.Path, "open", no_reading)
    monkeypatch.setattr(pathlib.Path, "read_bytes", no_reading)
    monkeypatch.setattr(pathlib.Path, "read_text", no_reading)
    monkeypatch.setattr(os, "open", no_reading)
    with pytest.raises(PlanFileError) as exc:
        load_plan(path)
    monkeypatch.undo()
    assert "too large" in one_line_error(exc, path)


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    plan = golden_plan()
    text = plan_to_json(plan)
    padding = MAX_FILE_BYTES - len(text.encode("utf-8"))
    path = tmp_path / "big.llmplan"
    path.write_text(text + " " * padding, encoding="utf-8")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_plan(path).plan == plan


# --- saving --------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_save_keeps_permission_bits(tmp_path: Path) -> None:
    path = tmp_path / "shared.llmplan"
    save_plan(path, golden_plan())
    path.chmod(0o640)
    plan = load_plan(path).plan.touched("2025-07-01T08:00:00+00:00")
    save_plan(path, plan)
    assert path.stat().st_mode & 0o777 == 0o640
    assert load_plan(path).plan.modified == "2025-07-01T08:00:00+00:00"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.llmplan"]  # no temp left


def test_save_refuses_a_plan_over_the_limit_and_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "p.llmplan"
    save_plan(path, golden_plan())
    before = path.read_bytes()
    huge = golden_plan().model_copy(update={"notes": "x" * (MAX_FILE_BYTES + 1)})
    with pytest.raises(PlanFileError) as exc:
        save_plan(path, huge)
    assert "too large" in one_line_error(exc, path)
    assert path.read_bytes() == before


def test_save_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "p.llmplan"
    with pytest.raises(PlanFileError) as exc:
        save_plan(path, golden_plan())
    one_line_error(exc, path)


def test_plan_helpers() -> None:
    plan = Plan.new("2025-01-01T00:00:00+00:00", title="New")
    assert plan.scenarios == () and plan.current is None and plan.created == plan.modified
    owned, rented = golden_plan().scenarios
    plan = plan.with_scenario(owned).with_scenario(rented, select=False)
    assert plan.current == owned and plan.selected == 0
    with pytest.raises(ValueError):
        plan.touched("not a time")


def test_replace_validates_and_keeps_unknown_fields() -> None:
    plan = load_plan(UNKNOWN_FIELDS).plan
    s = plan.scenarios[0]
    item = s.deployed.replace(count=4)
    assert item.count == 4 and item.model_extra == {"x_rack": "B4"}
    s2 = s.replace(hardware=(item,), name="four")
    assert s2.deployed.count == 4 and s2.model_extra == {"x_risk": "low"}
    assert not costs_pinned(s2)  # 4 GPUs in one node: the pinned costs are stale
    with pytest.raises(ValueError):
        s.deployed.replace(count=0)
    with pytest.raises(ValueError):
        plan.replace(selected=3)
