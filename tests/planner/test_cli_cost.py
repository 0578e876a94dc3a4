"""The cost, compare, recommend and prices commands, as a user runs them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from cli_runner import run_cli

SCOUT = ["--model", "Llama 4 Scout", "--quant", "fp8", "--gpu", "H100 SXM", "--gpus", "2"]
LOAD = ["--tokens-per-month", "5e9", "--input-tokens", "2000", "--output-tokens", "500"]


def one_error_line(rc: int, out: str, err: str) -> str:
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    return lines[0]


def test_cost_against_gpt4o_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(
        capsys, "cost", *SCOUT, *LOAD, "--api", "openai/gpt-4o", "--format", "json"
    )
    assert rc == 0
    doc = json.loads(out)
    sh, c = doc["self_hosted"], doc["comparison"]
    assert doc["api"]["id"] == "openai/gpt-4o" and doc["api"]["as_of"]
    assert sh["gpus"] == 2 * sh["replicas"]
    low, high = sh["monthly_range_usd"]
    assert low <= sh["monthly_usd"] <= high
    assert c["savings_usd"] == pytest.approx(c["api_monthly_usd"] - c["self_monthly_usd"])
    assert [h["self_hosted_share"] for h in doc["hybrid"]] == [i / 10 for i in range(11)]
    assert doc["sensitivity"]["swings"]
    assert all(i["source"] for i in doc["inputs"])
    assert any(i["assumption"] for i in doc["inputs"])  # the assumed defaults say so


def test_cost_table_names_assumptions_and_dates(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(capsys, "cost", *SCOUT, *LOAD, "--rent")
    assert rc == 0
    assert "per million tokens" in out and "break-even" in out and "Hybrid routing" in out
    assert "GPU-hour price" in out and "prices as of" in out


def test_compare_lists_every_api_with_dates(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(capsys, "compare", *SCOUT, *LOAD, "--format", "csv")
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    ids = {r["api"] for r in rows}
    assert {"openai/gpt-4o", "anthropic/claude-3-5-sonnet", "google/gemini-2.5-pro"} <= ids
    assert any(r["kind"] == "hosted-open" and "llama-4-scout" in r["api"] for r in rows)
    assert all(r["as_of"] for r in rows)


def test_compare_with_the_spring_2025_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(
        capsys, "compare", *SCOUT, *LOAD, "--snapshot", "spring-2025", "--format", "json"
    )
    assert rc == 0
    doc = json.loads(out)
    closed = {a["api"]: a for a in doc["apis"] if a["kind"] == "closed"}
    assert set(closed) == {"openai/gpt-4o", "anthropic/claude-3-5-sonnet", "google/gemini-1.5-pro"}
    # GPT-4o at $5 / $15: 4e9 input and 1e9 output tokens a month cost $35,000.
    assert closed["openai/gpt-4o"]["api_monthly_usd"] == pytest.approx(4000 * 5 + 1000 * 15)


def test_recommend_json_rows_meet_the_targets(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(
        capsys,
        "recommend",
        "--model",
        "Llama 3.1 8B",
        *LOAD,
        "--tpot-ms",
        "40",
        "--gpu",
        "H100 SXM",
        "--gpu",
        "L40S",
        "--gpu",
        "RTX 4090",
        "--format",
        "json",
    )
    assert rc == 0
    doc = json.loads(out)
    assert doc["searched"] > 0 and doc["results"]
    costs = [r["monthly_usd"] for r in doc["results"]]
    assert costs == sorted(costs)
    assert all(r["tpot_ms"] <= 40 for r in doc["results"])


def test_price_overrides_persist_and_are_marked(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, _ = run_cli(
        capsys, "prices", "--set-api", "openai/gpt-4o", "--input", "2", "--output", "8"
    )
    assert rc == 0
    rc, out, _ = run_cli(capsys, "prices", "--format", "json")
    gpt = next(p for p in json.loads(out) if p["id"] == "openai/gpt-4o")
    assert (gpt["input"], gpt["output"]) == (2.0, 8.0)
    assert gpt["source"].startswith("user override (bundled: input 2.5, output 10")
    rc, out, _ = run_cli(capsys, "prices", "--set-gpu", "H100 SXM", "--purchase", "20000")
    assert rc == 0
    rc, out, _ = run_cli(capsys, "cost", *SCOUT, *LOAD, "--format", "json")
    price = next(i for i in json.loads(out)["inputs"] if i["label"] == "GPU price")
    assert price["value"] == 20000 and price["source"] == "user override"
    run_cli(capsys, "prices", "--reset")
    rc, out, _ = run_cli(capsys, "prices", "--format", "json")
    gpt = next(p for p in json.loads(out) if p["id"] == "openai/gpt-4o")
    assert gpt["input"] == 2.5


def test_prices_lists_hardware_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(capsys, "prices", "--hardware", "--format", "json")
    rows = json.loads(out)
    assert rc == 0 and all(r["as_of"] and r["source"] for r in rows)
    rc, out, _ = run_cli(capsys, "prices", "--defaults")
    assert rc == 0 and "pue" in out and "yes" in out  # assumptions are flagged


@pytest.mark.parametrize(
    "argv",
    [
        ["cost", *SCOUT, *LOAD, "--api", "openai/gpt-9"],
        ["cost", *SCOUT, *LOAD, "--snapshot", "1999"],
        ["cost", *SCOUT, "--input-tokens", "10"],  # no volume
        ["cost", *SCOUT, *LOAD, "--tpot-ms", "0.01"],  # impossible target
        ["cost", *SCOUT, *LOAD, "--cached-share", "3"],
        ["recommend", "--model", "Llama 3.1 8B", *LOAD, "--owned", "H100"],
        ["recommend", "--model", "no-such-model", *LOAD],
        ["prices", "--set-api", "openai/gpt-4o"],
        ["prices", "--set-default", "pue=abc"],
        ["prices", "--set-gpu", "H100 SXM", "--purchase", "-5"],
    ],
)
def test_bad_input_is_one_clear_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    one_error_line(*run_cli(capsys, *argv))
