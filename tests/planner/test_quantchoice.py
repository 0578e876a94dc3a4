"""Weight-format choices per scenario, the suggestion, model rows and model import (no Qt)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.catalog.imported import ModelImportError
from planner.catalog.load import Catalog, bundled_catalog
from planner.estimate.memory import estimate_memory
from planner.estimate.scenario import build_deployment
from planner.plan.build import evaluate
from planner.plan.io import load_plan
from planner.plan.schema import EstimatorWorkload, HardwareItem, Scenario
from planner.quantchoice import (
    LOSSLESS_BITS,
    QuantOption,
    import_model,
    imported_fields,
    kv_options,
    model_facts,
    model_rows,
    nominal_bits,
    quant_options,
    suggest_quant,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "tests" / "data" / "models" / "configs"
EXAMPLE = ROOT / "resources" / "examples" / "enterprise-llama4.llmplan"
WORKLOAD = EstimatorWorkload(batch=8, input_tokens=2000, output_tokens=500)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return bundled_catalog()


def scenario(
    model: str, gpu: str, count: int, quant: str = "bf16", engine: str | None = None
) -> Scenario:
    return Scenario(
        name="test",
        model=model,
        quant=quant,
        hardware=(HardwareItem(gpu=gpu, count=count),),
        engine=engine,
        workload=WORKLOAD,
    )


def by_id(options: list[QuantOption]) -> dict[str, QuantOption]:
    return {o.id: o for o in options}


def capped_class(option: QuantOption) -> int:
    return min(nominal_bits(option.quant), LOSSLESS_BITS)


def test_every_weight_format_is_listed_in_catalog_order(catalog: Catalog) -> None:
    options = quant_options(catalog, scenario("llama-3.1-8b", "h100-sxm", 1))
    weight_ids = [q.id for q in catalog.quants.values() if "weights" in q.applies_to]
    assert [o.id for o in options] == weight_ids
    for o in options:
        assert o.quality_note == catalog.quants[o.id].quality_note
        assert o.bits_per_weight == catalog.quants[o.id].bits_per_weight
        assert set(o.engines) <= set(catalog.quants[o.id].engines)


def test_memory_matches_the_estimator(catalog: Catalog) -> None:
    options = by_id(quant_options(catalog, scenario("llama-3.1-70b", "h100-sxm", 1)))
    for quant in ("bf16", "awq-int4"):
        dep = build_deployment(catalog, "llama-3.1-70b", quant, "h100-sxm", 1)
        mem = estimate_memory(dep, WORKLOAD.to_workload(), 8)
        o = options[quant]
        assert o.engine == dep.engine.id
        assert o.total_gib == pytest.approx(mem.worst.total_gib)
        assert o.weights_gib == pytest.approx(mem.worst.weights_gib)
        assert o.usable_gib == pytest.approx(mem.worst.usable_gib)
        assert o.headroom_gib == pytest.approx(mem.worst.headroom_gib)
        assert o.fits == mem.fits
        assert o.batch == 8


def test_70b_on_one_h100_suggests_the_most_bits_that_fit(catalog: Catalog) -> None:
    options = quant_options(catalog, scenario("llama-3.1-70b", "h100-sxm", 1))
    ids = by_id(options)
    assert not ids["bf16"].fits
    assert ids["bf16"].problem is not None and "does not fit" in ids["bf16"].problem
    best = suggest_quant(options)
    assert best is not None and best.fits and best.runnable
    assert capped_class(best) in (8, 4)
    assert all(capped_class(o) <= capped_class(best) for o in options if o.fits)
    assert best.total_gib is not None and best.usable_gib is not None
    assert best.total_gib <= best.usable_gib


def test_70b_on_two_h100_suggests_fp8_over_int4(catalog: Catalog) -> None:
    options = quant_options(catalog, scenario("llama-3.1-70b", "h100-sxm", 2))
    ids = by_id(options)
    assert not ids["bf16"].fits  # at batch 8: more than the spare memory holds
    assert ids["fp8"].fits and ids["awq-int4"].fits
    assert ids["fp8"].native and not ids["awq-int4"].native
    best = suggest_quant(options)
    assert best is not None and best.id == "fp8"


def test_fp8_cannot_run_on_a100(catalog: Catalog) -> None:
    options = quant_options(catalog, scenario("llama-3.1-70b", "a100-sxm-80gb", 2, "fp8"))
    fp8 = by_id(options)["fp8"]
    assert fp8.current
    assert fp8.why_not is not None and "FP8" in fp8.why_not
    assert not fp8.fits and fp8.total_gib is None and fp8.engine is None
    assert fp8.problem == fp8.why_not
    best = suggest_quant(options)
    assert best is not None and best.id != "fp8" and best.runnable


def test_formats_of_engines_that_skip_the_vendor_cannot_run(catalog: Catalog) -> None:
    nvidia = by_id(quant_options(catalog, scenario("llama-3.1-8b", "h100-sxm", 1)))
    assert nvidia["mlx-4bit"].why_not is not None
    assert "NVIDIA" in nvidia["mlx-4bit"].why_not
    apple = by_id(quant_options(catalog, scenario("llama-3.1-8b", "apple-m2-ultra-76c", 1)))
    assert apple["mlx-4bit"].runnable and apple["mlx-4bit"].engine == "mlx"
    assert apple["awq-int4"].why_not is not None and "Apple" in apple["awq-int4"].why_not


def test_current_format_is_estimated_as_the_scenario_runs(catalog: Catalog) -> None:
    plan = load_plan(EXAMPLE, backup=False).plan
    sc = plan.scenarios[0]
    current = by_id(quant_options(catalog, sc))[sc.quant]
    est = evaluate(catalog, sc).estimate
    assert current.current
    assert current.total_gib == pytest.approx(est.memory.worst.total_gib)
    assert current.fits == est.fits
    assert current.max_batch == est.max_batch


def test_engine_is_kept_when_it_runs_the_format_and_reset_otherwise(catalog: Catalog) -> None:
    sc = scenario("llama-3.1-8b", "l40s", 1, "q4_k_m", engine="llama.cpp")
    ids = by_id(quant_options(catalog, sc))
    assert ids["q5_k_m"].engine == "llama.cpp"
    assert ids["bf16"].engine == "llama.cpp"  # llama.cpp runs bf16 too
    assert ids["awq-int4"].engine is not None and ids["awq-int4"].engine != "llama.cpp"


def test_sixteen_bits_beat_thirty_two_and_native_wins_ties(catalog: Catalog) -> None:
    h200 = quant_options(catalog, scenario("llama-3.1-8b", "h200-sxm", 1))
    assert by_id(h200)["fp32"].fits and by_id(h200)["fp16"].fits
    best = suggest_quant(h200)
    assert best is not None and best.id == "bf16"  # bf16 is native on Hopper, fp16 is not
    v100 = quant_options(catalog, scenario("llama-3.1-8b", "v100-sxm2-32gb", 1, "fp16"))
    assert by_id(v100)["bf16"].why_not is not None
    best = suggest_quant(v100)
    assert best is not None and best.id == "fp16"


def test_nothing_fits_means_no_suggestion(catalog: Catalog) -> None:
    options = quant_options(catalog, scenario("llama-3.1-405b", "rtx-3070", 1))
    assert not any(o.fits for o in options)
    assert suggest_quant(options) is None
    assert suggest_quant([]) is None


def test_nominal_bits(catalog: Catalog) -> None:
    assert nominal_bits(catalog.quants["q3_k_m"]) == 3
    assert nominal_bits(catalog.quants["iq4_xs"]) == 4
    assert nominal_bits(catalog.quants["awq-int4"]) == 4
    assert nominal_bits(catalog.quants["int8-wo"]) == 8
    assert nominal_bits(catalog.quants["fp32"]) == 32


def test_kv_options(catalog: Catalog) -> None:
    ids = [q.id for q in kv_options(catalog)]
    assert "fp16" in ids and "fp8" in ids
    assert "awq-int4" not in ids
    assert all("kv" in catalog.quants[i].applies_to for i in ids)


def test_model_rows(catalog: Catalog) -> None:
    rows = model_rows(catalog)
    assert [r.id for r in rows] == list(catalog.models)
    scout = next(r for r in rows if r.id == "llama-4-scout-17b-16e")
    spec = catalog.models["llama-4-scout-17b-16e"]
    assert scout.moe and scout.total_params_b == spec.total_params_b
    assert scout.active_params_b == spec.active_params_b
    assert scout.max_context == spec.max_context and scout.license == spec.license
    assert not scout.custom
    custom = import_model(CONFIGS / "mixtral-8x7b.json", catalog)
    rows = model_rows(catalog, [custom])
    assert rows[-1].id == custom.id and rows[-1].custom and rows[-1].moe


def test_model_facts(catalog: Catalog) -> None:
    spec = catalog.models["llama-4-scout-17b-16e"]
    facts = dict(model_facts(spec))
    assert "MoE" in facts["Parameters"]
    assert facts["Source"] == spec.source
    assert facts["License"] == spec.license
    dense = dict(model_facts(catalog.models["llama-3.1-8b"]))
    assert "dense" in dense["Parameters"] and "GQA" in dense["Attention"]
    assert "MLA" in dict(model_facts(catalog.models["deepseek-v3"]))["Attention"]


def test_import_config_json(catalog: Catalog) -> None:
    spec = import_model(CONFIGS / "llama-3.1-8b.json", catalog)
    assert spec.custom and spec.id.startswith("custom-")
    assert spec.num_layers == 32 and spec.num_kv_heads == 8
    fields = imported_fields(CONFIGS / "llama-3.1-8b.json", catalog)
    assert fields["model"] == spec.id and fields["model_spec"] == spec
    assert "quant" not in fields  # bf16 weights: the scenario keeps its format


def test_import_folder_and_quantized_hint(catalog: Catalog, tmp_path: Path) -> None:
    folder = tmp_path / "Llama-AWQ"
    folder.mkdir()
    config = json.loads((CONFIGS / "llama-3.1-8b.json").read_text(encoding="utf-8"))
    config["quantization_config"] = {"quant_method": "awq", "bits": 4, "group_size": 128}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    fields = imported_fields(folder, catalog)
    assert fields["model"] == "custom-llama-awq"
    assert fields["quant"] == "awq-int4"
    assert import_model(folder / "config.json", catalog).num_layers == 32


def test_imported_id_never_shadows_a_bundled_model(catalog: Catalog) -> None:
    spec = import_model(CONFIGS / "llama-3.1-8b.json", catalog)
    bundled = spec.model_copy(update={"custom": False})
    cat = catalog.with_entries(models=[bundled])
    again = import_model(CONFIGS / "llama-3.1-8b.json", cat)
    assert again.id == f"{spec.id}-2"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.json", b"{not json"),
        ("garbage.gguf", b"GGUF\x03\x00\x00\x00" + b"\xff" * 40),
        ("notes.txt", b"hello"),
        ("model.safetensors", b"\x00" * 16),
        ("list.json", b"[1, 2, 3]"),
    ],
)
def test_import_garbage_raises_one_line(
    catalog: Catalog, tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ModelImportError) as info:
        import_model(path, catalog)
    message = str(info.value)
    assert message and "\n" not in message


def test_import_missing_or_empty_folder(catalog: Catalog, tmp_path: Path) -> None:
    with pytest.raises(ModelImportError):
        import_model(tmp_path / "nowhere", catalog)
    with pytest.raises(ModelImportError):
        import_model(tmp_path, catalog)
