"""Bundled benchmark quality scores (resources/quality/scores.json) and planner.quality.

The data was converted from the project's reference table quality.csv (740 rows); no row was
dropped, so the bundled file has exactly as many rows as the source table.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from planner.quality import (
    ARENA,
    CLOSED_REFS,
    HEADLINE_BENCHMARKS,
    QualityDataError,
    QualityScore,
    comparison,
    harnesses_differ,
    headline,
    headlines,
    load_scores,
    same_harness_comparison,
    scores_for,
)

ROOT = Path(__file__).parents[2]
QUALITY = ROOT / "resources/quality/scores.json"
MODELS = ROOT / "resources/catalog/models.json"

SOURCE_CSV_ROWS = 740
DROPPED_ROWS = 0  # every row of the source table is kept

ALLOWED_CLOSED = {
    "openai/gpt-4o",
    "openai/gpt-4o-mini",
    "openai/gpt-4.1",
    "openai/o3",
    "anthropic/claude-3-5-sonnet",
    "anthropic/claude-sonnet-4",
    "anthropic/claude-3-5-haiku",
    "google/gemini-1.5-pro",
    "google/gemini-2.0-flash",
    "google/gemini-2.5-pro",
    "google/gemini-2.5-flash",
}

GPT4O = "openai/gpt-4o"
SONNET35 = "anthropic/claude-3-5-sonnet"
MAVERICK = "llama-4-maverick-17b-128e"
DSV3 = "deepseek-v3"

ROWS = load_scores()
REFS = sorted({s.ref for s in ROWS})


def catalog_ids() -> set[str]:
    doc = json.loads(MODELS.read_text(encoding="utf-8"))
    return {m["id"] for m in doc["models"]}


def row(**kw: object) -> QualityScore:
    base: dict[str, object] = {
        "model": "GPT-4o",
        "ref": GPT4O,
        "kind": "closed",
        "variant": "gpt-4o-2024-08-06",
        "instruct": True,
        "benchmark": "MMLU-Pro",
        "benchmark_label": "MMLU-Pro",
        "setting": "0-shot",
        "harness": "Test harness",
        "self_reported": False,
        "score": 70.0,
        "unit": "percent",
        "source": "test source",
        "notes": "",
        "secondary": False,
    }
    return QualityScore.model_validate(base | kw)


# --- the data ---------------------------------------------------------------------------------


def test_row_count_matches_source_table() -> None:
    assert len(ROWS) == SOURCE_CSV_ROWS - DROPPED_ROWS
    assert len({s.model for s in ROWS}) == 35


def test_every_row_has_source_setting_and_harness() -> None:
    for s in ROWS:
        assert len(s.source.strip()) >= 3, s
        assert s.setting.strip(), s
        assert s.harness.strip(), s


def test_open_refs_exist_in_catalog() -> None:
    ids = catalog_ids()
    open_refs = {s.ref for s in ROWS if s.kind == "open"}
    assert open_refs <= ids, open_refs - ids
    assert len(open_refs) == 24


def test_closed_refs_are_allowed_api_ids() -> None:
    closed = {s.ref for s in ROWS if s.kind == "closed"}
    assert closed <= ALLOWED_CLOSED
    assert closed == ALLOWED_CLOSED  # every allowed API has scores
    assert set(CLOSED_REFS) == ALLOWED_CLOSED
    assert all(("/" in s.ref) == (s.kind == "closed") for s in ROWS)


def test_one_ref_per_model_name() -> None:
    refs_by_model: dict[str, set[str]] = {}
    for s in ROWS:
        refs_by_model.setdefault(s.model, set()).add(s.ref)
    assert all(len(r) == 1 for r in refs_by_model.values()), refs_by_model
    examples = {
        "Llama 3.1 8B Instruct": "llama-3.1-8b",
        "Mistral Small 3 (24B)": "mistral-small-24b-2501",
        "DeepSeek V3": "deepseek-v3",
        "Qwen3 30B-A3B": "qwen3-30b-a3b",
        "Claude 3.5 Sonnet": SONNET35,
        "o3": "openai/o3",
    }
    for model, ref in examples.items():
        assert refs_by_model[model] == {ref}


def test_scores_in_range_and_units_match_benchmark() -> None:
    for s in ROWS:
        if s.benchmark == ARENA:
            assert s.unit == "arena" and 800 <= s.score <= 1600, s
        else:
            assert s.unit == "percent" and 0 <= s.score <= 100, s


def test_benchmark_names_are_normalised() -> None:
    names = {s.benchmark for s in ROWS}
    assert {"MMLU", "MMLU-Pro", "GPQA Diamond", "GPQA", "HumanEval", "LiveCodeBench"} <= names
    assert {"MATH", "MATH-500", ARENA} <= names
    assert not any("(" in n for n in names)  # parenthesised qualifiers live in benchmark_label
    for s in ROWS:
        if s.benchmark == "GPQA":
            assert s.benchmark_label == "GPQA (subset not stated)"
        if s.benchmark_label.startswith("LMArena"):
            assert s.benchmark == ARENA


def test_base_rows_are_not_instruct() -> None:
    base = [s for s in ROWS if not s.instruct]
    assert base and all(re.search(r"base|pretrained|PT", s.variant, re.I) for s in base)
    # Llama 4 Maverick's MATH 61.2 is the base 4-shot result, not an instruct score.
    math = [s for s in scores_for(MAVERICK) if s.benchmark == "MATH"]
    assert math and not any(s.instruct for s in math)
    assert headline(MAVERICK, "MATH") is None


def test_secondary_rows_are_flagged() -> None:
    for s in ROWS:
        mentions = "secondary" in f"{s.notes} {s.source}".lower()
        assert s.secondary == mentions, s
        if s.secondary:
            assert "secondary" in s.harness
        if "llm-leaderboard" in s.source:  # the llm-stats aggregator
            assert s.secondary
    assert 25 <= sum(s.secondary for s in ROWS) <= 35  # "about 30" in the coverage notes


def test_harness_labels_name_who_ran_it() -> None:
    for s in ROWS:
        if s.source.startswith("lmarena/arena-catalog"):
            assert s.harness == "LMArena"
        if s.source.startswith("openai/simple-evals") and "not run by simple-evals" not in s.notes:
            assert s.harness == "OpenAI simple-evals"
        if s.source.startswith("deepseek-ai/DeepSeek-V3"):
            assert s.harness == "DeepSeek V3 README"
            assert s.self_reported == (s.ref == DSV3)
    labels = Counter(s.harness for s in ROWS)
    assert labels["Qwen3 report"] > 100


# --- headline ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_headline_is_deterministic_and_instruct(seed: int) -> None:
    shuffled = list(ROWS)
    random.Random(seed).shuffle(shuffled)
    for ref in REFS:
        for bench in (*HEADLINE_BENCHMARKS, "MMLU", "HumanEval", "MATH", "GPQA"):
            h = headline(ref, bench)
            assert h == headline(ref, bench, scores=shuffled)
            assert h == headline(ref, bench, scores=tuple(reversed(ROWS)))
            if h is not None:
                assert h.instruct and h.ref == ref and h.benchmark == bench


def test_headline_none_when_only_base_rows() -> None:
    assert any(s.benchmark == "MMLU-Pro" for s in scores_for("qwen3-32b"))
    assert headline("qwen3-32b", "MMLU-Pro") is None
    assert headline("no-such-model", "MMLU-Pro") is None


def test_headline_prefers_primary_over_secondary() -> None:
    o3 = headline("openai/o3", "GPQA Diamond")
    assert o3 is not None and not o3.secondary and o3.harness == "OpenAI simple-evals"
    flash = headline("google/gemini-2.0-flash", "MMLU-Pro")
    assert flash is not None and not flash.secondary
    # Only secondary copies exist for gpt-oss and Claude 3.5 Haiku: they still show, flagged.
    haiku = headline("anthropic/claude-3-5-haiku", "GPQA Diamond")
    assert haiku is not None and haiku.secondary


def test_headline_prefers_vendor_harness() -> None:
    mav = headline(MAVERICK, "GPQA Diamond")
    assert mav is not None and mav.harness == "Meta Llama 4 card" and mav.self_reported
    ds = headline(DSV3, "MMLU-Pro")
    assert ds is not None and ds.harness == "DeepSeek V3 README" and ds.score == 75.9


def test_headline_picks_the_model_the_ref_stands_for() -> None:
    # DeepSeek-V3-0324 (81.2, quoted by Kimi) is a later checkpoint with its own repo.
    later = [s for s in scores_for(DSV3) if s.benchmark == "MMLU-Pro" and "0324" in s.variant]
    assert later and later[0].self_reported and later[0].score == 81.2
    ds = headline(DSV3, "MMLU-Pro")
    assert ds is not None and "0324" not in ds.variant
    arena = headline(MAVERICK, ARENA)
    assert arena is not None and "experimental" not in arena.variant.lower()
    gpt = headline(GPT4O, ARENA)
    assert gpt is not None and "chatgpt" not in gpt.variant.lower()
    mistral = headline("mistral-7b-v0.1", ARENA)
    assert mistral is not None and "v0.2" not in mistral.variant


def test_headline_uses_default_mode() -> None:
    qwen = headline("qwen3-32b", "GPQA Diamond")
    assert qwen is not None and qwen.variant == "Qwen3-32B (thinking)"
    o3 = headline("openai/o3", "GPQA Diamond")
    assert o3 is not None and "medium" in o3.variant
    sonnet4 = headline("anthropic/claude-sonnet-4", ARENA)
    assert sonnet4 is not None and "thinking" not in sonnet4.variant


def test_lmarena_headline_uses_one_snapshot() -> None:
    for ref in REFS:
        h = headline(ref, ARENA)
        if h is None:
            continue
        assert h.unit == "arena" and h.harness == "LMArena"
        assert "snapshot 2025-12-11" in h.setting and "no style control" not in h.setting


def test_headlines_returns_each_available_benchmark() -> None:
    got = headlines(GPT4O)
    assert set(got) == set(HEADLINE_BENCHMARKS)
    assert all(s.benchmark == b for b, s in got.items())


# --- comparison -------------------------------------------------------------------------------


@pytest.mark.parametrize("bench", ["GPQA Diamond", "MMLU-Pro"])
def test_comparison_open_vs_closed(bench: str) -> None:
    refs = [GPT4O, SONNET35, MAVERICK, DSV3]
    result = comparison(bench, refs)
    assert [r for r, _ in result] == refs
    for ref, s in result:
        has_data = any(x.instruct and x.benchmark == bench for x in scores_for(ref))
        assert (s is not None) == has_data
        assert s is not None  # all four have instruct scores on both benchmarks
        assert s.ref == ref and s.benchmark == bench and s.unit == "percent"
    assert harnesses_differ(result)  # vendor cards, DeepSeek and OpenAI: warn


def test_comparison_values_gpqa_diamond() -> None:
    got = {ref: s.score for ref, s in comparison("GPQA Diamond", [GPT4O, SONNET35, MAVERICK, DSV3])}
    assert got == {GPT4O: 46.0, SONNET35: 65.0, MAVERICK: 69.8, DSV3: 59.1}


def test_comparison_missing_and_same_harness() -> None:
    result = comparison("GPQA Diamond", ["mixtral-8x7b", GPT4O])
    assert result[0] == ("mixtral-8x7b", None)
    assert not harnesses_differ(result)  # one score present: nothing to warn about
    arena = comparison(ARENA, [GPT4O, DSV3, "qwen3-32b"])
    assert not harnesses_differ(arena)  # same LMArena snapshot and mode


def test_same_harness_comparison_finds_shared_source() -> None:
    refs = [GPT4O, SONNET35, DSV3, "llama-3.1-405b"]
    key, result = same_harness_comparison("GPQA Diamond", refs)
    assert key == ("DeepSeek V3 README",)
    assert all(s is not None and s.harness == "DeepSeek V3 README" for _, s in result)
    assert not harnesses_differ(result)
    key, result = same_harness_comparison("GPQA Diamond", ["mixtral-8x7b"])
    assert key is None and result == [("mixtral-8x7b", None)]


def test_lmarena_never_mixed_with_percent() -> None:
    for bench in {s.benchmark for s in ROWS} - {ARENA}:
        for _, s in comparison(bench, REFS):
            assert s is None or s.unit == "percent"
    for _, s in comparison(ARENA, REFS):
        assert s is None or s.unit == "arena"
    with pytest.raises(ValidationError):
        row(benchmark=ARENA, unit="percent", score=70.0)
    with pytest.raises(ValidationError):
        row(unit="arena", score=1300.0)


# --- validation and loading -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw",
    [
        {"score": 101.0},
        {"score": -1.0},
        {"benchmark": ARENA, "unit": "arena", "score": 500.0},
        {"ref": "openai/gpt-5", "kind": "closed"},
        {"ref": "openai/gpt-4o", "kind": "open"},
        {"source": ""},
        {"extra": 1},
    ],
)
def test_invalid_rows_rejected(kw: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        row(**kw)


def test_load_is_cached() -> None:
    assert load_scores() is load_scores()
    assert load_scores(QUALITY) == ROWS


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(QualityDataError, match="cannot read"):
        load_scores(tmp_path / "nope.json")
    assert issubclass(QualityDataError, ValueError)


def test_invalid_json(tmp_path: Path) -> None:
    p = tmp_path / "scores.json"
    p.write_text("{not json", encoding="utf-8")
    with pytest.raises(QualityDataError, match="invalid"):
        load_scores(p)


def test_invalid_row_in_file(tmp_path: Path) -> None:
    doc = json.loads(QUALITY.read_text(encoding="utf-8"))
    doc["scores"] = doc["scores"][:3]
    doc["scores"][0]["score"] = 250.0
    p = tmp_path / "scores.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(QualityDataError, match="invalid"):
        load_scores(p)


def test_wrong_schema_version(tmp_path: Path) -> None:
    doc = json.loads(QUALITY.read_text(encoding="utf-8"))
    doc["schema_version"] = 2
    p = tmp_path / "scores.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(QualityDataError):
        load_scores(p)
