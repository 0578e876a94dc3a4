"""`llm-planner plan new | show | check | migrate` as a user runs them."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import pytest

from planner.catalog.load import bundled_catalog
from planner.errors import CliError
from planner.plan import SCHEMA_VERSION, Plan, load_plan, save_plan
from planner.plan.cli import add_plan_command, run_plan

DATA = Path(__file__).resolve().parents[1] / "data" / "plans"
SCOUT = ["--model", "Llama 4 Scout", "--quant", "fp8", "--gpu", "H100 SXM", "--gpus", "2"]


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    """Parse and run like planner.cli does: a CliError is one line on stderr, exit code 2."""
    parser = argparse.ArgumentParser(prog="llm-planner")
    add_plan_command(parser.add_subparsers(dest="command"))
    try:
        args = parser.parse_args(["plan", *argv])
        rc = run_plan(bundled_catalog(), args, tmp_path / "state", home=tmp_path / "home")
    except CliError as exc:
        print(f"llm-planner: error: {exc}", file=sys.stderr)
        rc = 2
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return rc, out, err


def one_error_line(rc: int, out: str, err: str) -> str:
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    return lines[0]


def test_new_show_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "acme.llmplan"
    rc, out, _ = run(
        capsys,
        tmp_path,
        "new",
        str(path),
        "--title",
        "Support bot",
        "--client",
        "ACME",
        *SCOUT,
        "--batch",
        "16",
        "--tokens-per-month",
        "5e9",
        "--electricity",
        "0.2",
        "--gpu-price",
        "25000",
        "--nodes",
        "1",
    )
    assert rc == 0 and "created" in out
    plan = load_plan(path).plan
    (s,) = plan.scenarios
    assert (plan.title, plan.client) == ("Support bot", "ACME")
    assert s.model == "llama-4-scout-17b-16e" and s.deployed.count == 2
    assert s.deployed.prices == {"gpu_price_usd": 25000} and s.deployed.nodes == 1
    assert s.costs.explicit == {"electricity_usd_per_kwh": 0.2}
    assert s.cost_workload is not None and s.cost_workload.input_tokens == 2000
    assert s.workload.batch == 16 and s.workload.input_tokens == 2000
    assert s.price_snapshot is not None and s.price_snapshot.get("openai/gpt-4o")
    assert s.costs.pinned is not None
    assert json.loads((tmp_path / "state" / "recent_plans.json").read_text())["files"] == [
        str(path)
    ]

    rc, out, _ = run(capsys, tmp_path, "show", str(path))
    assert rc == 0
    assert "Support bot for ACME" in out and "h100-sxm" in out and "yes" in out and "$" in out

    rc, out, _ = run(capsys, tmp_path, "show", str(path), "--format", "json")
    doc = json.loads(out)
    (sd,) = doc["scenarios"]
    assert sd["estimate"]["fits"] is True and sd["error"] is None
    assert sd["estimate"]["speed"]["output_tokens_per_s_total"]["value"] > 0
    assert sd["cost"]["monthly_usd"] > 0 and sd["cost"]["api"]["id"]
    assert sd["cost"]["cost_inputs"]["gpu_price_usd"] == 25000

    rc, out, _ = run(capsys, tmp_path, "check", str(path))
    assert (rc, out) == (0, "ok\n")


def test_new_without_a_scenario_and_estimate_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.llmplan"
    rc, out, _ = run(capsys, tmp_path, "new", str(empty), "--title", "Later")
    assert rc == 0 and load_plan(empty).plan.scenarios == ()
    rc, out, _ = run(capsys, tmp_path, "show", str(empty))
    assert rc == 0 and "No scenarios" in out

    est = tmp_path / "est.llmplan"
    rc, _, _ = run(capsys, tmp_path, "new", str(est), *SCOUT, "--name", "just speed")
    (s,) = load_plan(est).plan.scenarios
    assert s.name == "just speed" and s.cost_workload is None and s.price_snapshot is None
    assert (s.workload.input_tokens, s.workload.output_tokens) == (512, 128)
    rc, out, _ = run(capsys, tmp_path, "show", str(est), "--format", "json")
    assert json.loads(out)["scenarios"][0]["cost"] is None


def test_new_refuses_to_overwrite(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "p.llmplan"
    path.write_text("precious", encoding="utf-8")
    line = one_error_line(*run(capsys, tmp_path, "new", str(path), *SCOUT))
    assert "--force" in line
    assert path.read_text(encoding="utf-8") == "precious"
    rc, _, _ = run(capsys, tmp_path, "new", str(path), *SCOUT, "--force")
    assert rc == 0 and load_plan(path).plan.scenarios


def test_new_reports_bad_inputs_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "p.llmplan"
    line = one_error_line(
        *run(
            capsys, tmp_path, "new", str(path), *SCOUT, "--tokens-per-month", "1e9", "--api", "x/y"
        )
    )
    assert "unknown API price id 'x/y'" in line
    line = one_error_line(*run(capsys, tmp_path, "new", str(path), "--model", "Llama 4 Scout"))
    assert "missing --gpu" in line
    assert not path.exists()


def test_check_reports_problems_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.llmplan"
    bad.write_text('{"schema_version": 1, "created": 3}', encoding="utf-8")
    line = one_error_line(*run(capsys, tmp_path, "check", str(bad)))
    assert str(bad) in line and "created" in line
    future = tmp_path / "future.llmplan"
    future.write_text(json.dumps({"schema_version": SCHEMA_VERSION + 5}), encoding="utf-8")
    assert "newer planner" in one_error_line(*run(capsys, tmp_path, "check", str(future)))
    # Valid as a file, but this catalog cannot run it: named by scenario.
    plan = load_plan(DATA / "v1_golden.llmplan").plan
    s = plan.scenarios[1].model_copy(update={"model": "no-such-model-id"})
    odd = tmp_path / "odd.llmplan"
    save_plan(odd, plan.model_copy(update={"scenarios": (plan.scenarios[0], s)}))
    line = one_error_line(*run(capsys, tmp_path, "check", str(odd)))
    assert "scenario 2" in line and "no-such-model-id" in line
    rc, out, _ = run(capsys, tmp_path, "show", str(odd))
    assert rc == 0 and "error" in out and "no-such-model-id" in out


def test_check_and_migrate_an_old_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "old.llmplan"
    shutil.copyfile(DATA / "v0_single_scenario.llmplan", path)
    rc, out, _ = run(capsys, tmp_path, "check", str(path))
    assert rc == 0 and out.startswith("ok (plan schema 0") and "migrat" in out
    rc, out, _ = run(capsys, tmp_path, "show", str(path))
    assert rc == 0 and "Pilot for legal search" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.llmplan"]  # read-only commands
    rc, out, _ = run(capsys, tmp_path, "migrate", str(path))
    assert rc == 0 and "old.llmplan.bak" in out
    assert (tmp_path / "old.llmplan.bak").read_bytes() == (
        DATA / "v0_single_scenario.llmplan"
    ).read_bytes()
    assert json.loads(path.read_text(encoding="utf-8"))["schema_version"] == SCHEMA_VERSION
    rc, out, _ = run(capsys, tmp_path, "migrate", str(path))
    assert rc == 0 and "already" in out
    rc, out, _ = run(capsys, tmp_path, "check", str(path))
    assert out == "ok\n"


def test_plan_files_made_by_the_cli_reload_to_the_same_plan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "p.llmplan"
    run(capsys, tmp_path, "new", str(path), *SCOUT, "--rent", "--requests-per-month", "1e6")
    first = load_plan(path).plan
    save_plan(path, first)
    assert isinstance(first, Plan) and load_plan(path).plan == first
    assert first.scenarios[0].deployed.acquisition == "rent"


def test_an_imported_model_is_embedded_and_shown_from_the_file_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    shutil.copyfile(
        Path(__file__).resolve().parents[1]
        / "data"
        / "models"
        / "configs"
        / "mistral-7b-v0.1.json",
        config,
    )
    path = tmp_path / "own.llmplan"
    rc, _, err = run(
        capsys, tmp_path, "new", str(path), "--model", str(config), "--quant", "bf16",
        "--gpu", "L40S",
    )  # fmt: skip
    assert rc == 0, err
    (s,) = load_plan(path).plan.scenarios
    assert s.model_spec is not None and s.model_spec.custom and s.model == s.model_spec.id
    config.unlink()  # the plan no longer needs the config
    rc, out, _ = run(capsys, tmp_path, "show", str(path), "--format", "json")
    assert rc == 0 and json.loads(out)["scenarios"][0]["estimate"]["fits"] is True
