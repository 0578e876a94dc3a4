"""Bundled price data: dated and sourced, tied to the catalog, loaded and overridden safely."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

from planner.catalog.load import bundled_catalog
from planner.paths import resources_dir
from planner.prices import (
    ApiOverride,
    HardwareOverride,
    PriceDataError,
    PriceOverrides,
    api_snapshots,
    apply_api_overrides,
    apply_default_overrides,
    cost_defaults,
    hardware_prices,
    load_overrides,
    purchase_price,
    rental_price,
    save_overrides,
)
from planner.prices.load import REQUIRED_DEFAULTS, clear_cache

DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
CLOSED_IDS = (
    "openai/gpt-4o",
    "openai/gpt-4o-mini",
    "openai/gpt-4.1",
    "openai/o3",
    "anthropic/claude-3-5-sonnet",
    "anthropic/claude-sonnet-4",
    "anthropic/claude-3-haiku",
    "anthropic/claude-3-5-haiku",
    "anthropic/claude-haiku-4-5",
    "google/gemini-1.5-pro",
    "google/gemini-2.0-flash",
    "google/gemini-2.5-pro",
    "google/gemini-2.5-flash",
)
DEFAULT_KEYS = (
    "pue",
    "electricity_usd_per_kwh",
    "amortization_years",
    "server_usd_per_node",
    "gpus_per_node",
    "host_power_w_per_node",
    "networking_usd_per_node",
    "ops_share_of_capex_per_year",
    "colocation_usd_per_kw_month",
    "cost_of_capital_per_year",
    "gpu_utilisation_power_share",
)
PRICES = resources_dir() / "prices"


# ---- API snapshots -------------------------------------------------------------------------


def test_snapshots_load_by_name() -> None:
    snaps = api_snapshots()
    assert {"current", "spring-2025"} <= set(snaps)
    for name, snap in snaps.items():
        assert snap.name == name
        assert DATE.fullmatch(snap.as_of)
        assert snap.prices


def test_every_api_price_has_a_source_and_a_date() -> None:
    for snap in api_snapshots().values():
        for p in snap.prices:
            assert len(p.source.strip()) >= 3, p.id
            assert DATE.fullmatch(p.as_of), p.id
            assert p.input_usd_per_mtok >= 0 and p.output_usd_per_mtok >= 0


def test_undated_prices_say_so() -> None:
    current = api_snapshots()["current"]
    for p in current.prices:
        if p.as_of == current.as_of:
            assert "as_of" in p.notes, p.id


def test_closed_models_present_with_the_required_ids() -> None:
    current = api_snapshots()["current"]
    for price_id in CLOSED_IDS:
        p = current.get(price_id)
        assert p is not None, price_id
        assert p.kind == "closed" and p.open_model is None


def test_hosted_open_prices_name_catalog_models() -> None:
    models = bundled_catalog().models
    hosted = [p for s in api_snapshots().values() for p in s.prices if p.kind == "hosted-open"]
    assert len(hosted) >= 20
    for p in hosted:
        assert p.open_model in models, p.id
        assert p.id == f"{p.id.split('/')[0]}/{p.open_model}"
    providers = {p.id.split("/")[0] for p in hosted}
    assert {"together", "groq", "fireworks", "bedrock", "deepinfra"} <= providers
    covered = {p.open_model for p in hosted}
    for model in ("llama-4-scout-17b-16e", "llama-4-maverick-17b-128e", "llama-3.3-70b"):
        assert model in covered
    for model in ("deepseek-v3", "deepseek-r1", "qwen3-32b", "gpt-oss-120b", "mixtral-8x7b"):
        assert model in covered


def test_known_current_prices() -> None:
    current = api_snapshots()["current"]
    o3 = current.get("openai/o3")
    assert o3 is not None
    assert (o3.input_usd_per_mtok, o3.output_usd_per_mtok, o3.as_of) == (2.0, 8.0, "2025-06-10")
    pro = current.get("google/gemini-2.5-pro")
    assert pro is not None and pro.input_usd_per_mtok == 1.25 and pro.long_context_note
    together = current.get("together/llama-3.3-70b")
    assert together is not None and together.input_usd_per_mtok == 0.88
    assert "1.04" in together.notes  # the conflicting reference figure is noted


def test_spring_2025_has_exactly_the_three_list_prices() -> None:
    spring = api_snapshots()["spring-2025"]
    assert "spring 2025" in spring.title
    got = {p.id: (p.input_usd_per_mtok, p.output_usd_per_mtok) for p in spring.prices}
    assert got == {
        "openai/gpt-4o": (5.0, 15.0),
        "anthropic/claude-3-5-sonnet": (3.0, 15.0),
        "google/gemini-1.5-pro": (3.5, 10.5),
    }
    gemini = spring.get("google/gemini-1.5-pro")
    assert gemini is not None and "not found in the bundled sources" in gemini.source


# ---- Hardware prices and defaults ----------------------------------------------------------


def test_hardware_prices_name_catalog_gpus_and_are_dated() -> None:
    gpus = bundled_catalog().gpus
    rows = hardware_prices()
    kinds = {p.kind for p in rows}
    assert kinds == {"purchase", "cloud_on_demand", "cloud_reserved"}
    for p in rows:
        assert p.gpu_id in gpus, p.gpu_id
        assert DATE.fullmatch(p.as_of), p
        assert len(p.source) >= 3 and p.usd > 0
        assert (p.term_years is not None) == (p.kind == "cloud_reserved")
        if p.undated:
            assert "no date" in p.notes


def test_purchase_and_rental_choices() -> None:
    h100 = purchase_price("h100-sxm")
    assert h100 is not None and h100.usd == 31250 and h100.single_unit
    # Used cards only when nothing new is known; a single card before a system share.
    b200 = purchase_price("b200")
    assert b200 is not None and b200.single_unit
    rtx3090 = purchase_price("rtx-3090")
    assert rtx3090 is not None and rtx3090.used
    assert purchase_price("cpu-only") is None
    rent = rental_price("h100-sxm")
    assert rent is not None and rent.kind == "cloud_on_demand" and not rent.indicative
    dated = [
        p.as_of
        for p in hardware_prices()
        if p.gpu_id == "h100-sxm"
        and p.kind == "cloud_on_demand"
        and not p.indicative
        and not p.undated
    ]
    assert rent.as_of == max(dated)
    three = rental_price("h100-sxm", "cloud_reserved", term_years=3)
    assert three is not None and three.term_years == 3
    with pytest.raises(ValueError):
        rental_price("h100-sxm", "purchase")


def test_defaults_cover_the_cost_model() -> None:
    defaults = cost_defaults()
    assert set(DEFAULT_KEYS) <= set(defaults)
    assert set(REQUIRED_DEFAULTS) == set(DEFAULT_KEYS)
    for d in defaults.values():
        assert DATE.fullmatch(d.as_of) and len(d.source) >= 3
        if d.assumption:
            assert d.note.strip(), d.key
    assert 1 <= defaults["pue"].value < 3
    assert 0 < defaults["gpu_utilisation_power_share"].value <= 1


# ---- Damaged bundled data ------------------------------------------------------------------


def _copy_prices(tmp_path: Path) -> Path:
    folder = tmp_path / "prices"
    shutil.copytree(PRICES, folder)
    return folder


def test_missing_and_invalid_files_raise_one_line_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for call in (lambda: api_snapshots(empty), lambda: hardware_prices(empty)):
        with pytest.raises(PriceDataError) as err:
            call()
        assert "\n" not in str(err.value)

    bad = _copy_prices(tmp_path)
    (bad / "api_current.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(PriceDataError, match=r"api_current\.json"):
        api_snapshots(bad)

    wrong = _copy_prices(tmp_path / "w")
    doc = json.loads((wrong / "hardware.json").read_text(encoding="utf-8"))
    doc["hardware_prices"][0]["as_of"] = "early 2025"
    (wrong / "hardware.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(PriceDataError) as err:
        hardware_prices(wrong)
    assert "as_of" in str(err.value) and "\n" not in str(err.value)

    short = _copy_prices(tmp_path / "s")
    doc = json.loads((short / "hardware.json").read_text(encoding="utf-8"))
    doc["defaults"] = [d for d in doc["defaults"] if d["key"] != "pue"]
    (short / "hardware.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(PriceDataError, match="pue"):
        cost_defaults(short)
    clear_cache()


# ---- Overrides -----------------------------------------------------------------------------


def test_overrides_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings" / "prices.json"
    assert load_overrides(path) == PriceOverrides()
    ov = (
        PriceOverrides()
        .with_api("openai/gpt-4o", ApiOverride(input_usd_per_mtok=2.0, output_usd_per_mtok=9.5))
        .with_hardware("h100-sxm", HardwareOverride(purchase_usd=28000))
        .with_default("pue", 1.3)
    )
    save_overrides(path, ov)
    assert load_overrides(path) == ov
    assert not ov.is_empty
    cleared = ov.with_api("openai/gpt-4o", None).with_hardware("h100-sxm", None)
    assert cleared.with_default("pue", None).is_empty


def test_apply_api_overrides() -> None:
    current = api_snapshots()["current"]
    ov = PriceOverrides().with_api(
        "openai/gpt-4o", ApiOverride(input_usd_per_mtok=2.0, cached_input_usd_per_mtok=1.25)
    )
    out = apply_api_overrides(current, ov, today="2026-12-01")
    old = current.get("openai/gpt-4o")
    new = out.get("openai/gpt-4o")
    assert old is not None and new is not None
    assert new.input_usd_per_mtok == 2.0
    assert new.output_usd_per_mtok == old.output_usd_per_mtok
    assert new.as_of == "2026-12-01"
    assert new.source.startswith("user override (bundled: input 2.5")
    assert "cached" not in new.source  # unchanged value, not an override
    untouched = out.get("anthropic/claude-3-haiku")
    assert untouched == current.get("anthropic/claude-3-haiku")
    assert current.get("openai/gpt-4o") == old  # the bundled snapshot is unchanged
    with pytest.raises(PriceDataError):
        apply_api_overrides(current, ov, today="yesterday")


def test_apply_default_overrides() -> None:
    defaults = cost_defaults()
    out = apply_default_overrides(defaults, PriceOverrides().with_default("pue", 1.2), "2026-12-01")
    assert out["pue"].value == 1.2 and out["pue"].source.startswith("user override (bundled: ")
    assert out["pue"].as_of == "2026-12-01"
    assert out["amortization_years"] == defaults["amortization_years"]


@pytest.mark.parametrize(
    "content",
    [
        b"{ broken",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'{"api": {"openai/gpt-4o": {"input_usd_per_mtok": -1}}}',
        b'{"api": {"openai/gpt-4o": {"input": 1}}}',
        b'{"defaults": {"pue": "high"}}',
        b'{"defaults": {"pue": Infinity}}',
        b'{"schema_version": 2}',
        b"[" * 100_000,
    ],
)
def test_damaged_overrides_raise_price_data_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "prices.json"
    path.write_bytes(content)
    with pytest.raises(PriceDataError) as err:
        load_overrides(path)
    assert "\n" not in str(err.value)


def test_overrides_path_that_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(PriceDataError):
        load_overrides(tmp_path)


# ---- The maintainer script -----------------------------------------------------------------


def test_build_script_reproduces_the_bundled_snapshot() -> None:
    if importlib.util.find_spec("genai_prices") is None:
        pytest.skip("genai-prices is not installed (pip install '.[data]')")
    from importlib.metadata import version

    from planner.prices import build_snapshot

    committed = json.loads((PRICES / build_snapshot.OUTPUT).read_text(encoding="utf-8"))
    if f"genai-prices {version('genai-prices')} " not in committed["source"]:
        pytest.skip("installed genai-prices differs from the one the snapshot was built from")
    assert build_snapshot.build() == committed
