"""`llm-planner calibrate FILE...`: your own benchmark results beside the estimates, and the
efficiency factors fitted to them (saved on their own or into a plan)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from planner.calibrate import (
    Calibration,
    CalibrationError,
    apply_calibration,
    compare,
    fit_calibration,
    implication,
    load_calibration,
    save_calibration,
)
from planner.catalog.load import Catalog
from planner.cli_args import positive
from planner.errors import CliError
from planner.estimate.efficiency import EfficiencyTable, load_efficiency
from planner.estimate.measured import Measurement
from planner.table import render

LABELS = {
    "prefill_tokens_per_s": "prefill tok/s",
    "decode_tokens_per_s": "decode tok/s",
    "output_tokens_per_s_total": "output tok/s",
    "ttft_ms": "TTFT ms",
    "tpot_ms": "TPOT ms",
}


def add_calibrate_command(sub: Any) -> None:
    c = sub.add_parser("calibrate", help="your benchmark results beside the estimates; fit them")
    c.add_argument("files", nargs="+", type=Path, help="llama-bench, vLLM, SGLang, ... outputs")
    c.add_argument("--model", help="the model, where the file does not say")
    c.add_argument("--quant", help="the weight format, where the file does not say")
    c.add_argument("--gpu", help="the accelerator, where the file does not say")
    c.add_argument("--gpus", type=positive, help="number of GPUs, where the file does not say")
    c.add_argument("--engine", help="the engine, where the file does not say")
    c.add_argument("--tp", type=positive)
    c.add_argument("--pp", type=positive)
    c.add_argument("--save", type=Path, help="write the calibration to this file (to share)")
    c.add_argument("--plan", type=Path, help="store the calibration in this .llmplan file")
    c.add_argument("--format", choices=("table", "json"), default="table")


def calibrated_table(path: Path | None) -> EfficiencyTable:
    """The bundled factors, with a calibration file's applied when one is given."""
    table = load_efficiency()
    if path is None:
        return table
    try:
        return apply_calibration(table, load_calibration(path))
    except CalibrationError as exc:
        raise CliError(str(exc)) from exc


def _measurements(
    catalog: Catalog, args: argparse.Namespace
) -> tuple[list[Measurement], list[str]]:
    from planner.benchcalib import measurements_for
    from planner.benchimport import BenchImportError, import_benchmark

    runs = []
    for path in args.files:
        try:
            runs.append(import_benchmark(path))
        except BenchImportError as exc:
            raise CliError(str(exc)) from exc  # the message names the file
    flags = {k: getattr(args, k) for k in ("model", "quant", "gpu", "gpus", "engine", "tp", "pp")}
    return measurements_for(runs, flags, catalog)


def run_calibrate(catalog: Catalog, args: argparse.Namespace) -> int:
    measurements, skipped = _measurements(catalog, args)
    if not measurements:
        why = skipped[0] if skipped else "no rows"
        raise CliError(f"no usable measurement in the file(s): {why}")
    bundled = load_efficiency()
    try:
        cal = fit_calibration(measurements, bundled, date.today().isoformat())
    except CalibrationError as exc:
        raise CliError(str(exc)) from exc
    table = apply_calibration(bundled, cal)
    rows = compare(measurements, bundled, table)
    if args.save:
        save_calibration(args.save, cal)
    if args.plan:
        _store_in_plan(args.plan, cal)
    if args.format == "json":
        print(json.dumps(_doc(cal, rows, skipped, bundled), indent=1))
        return 0
    print(
        render(
            [
                "measurement",
                "configuration",
                "metric",
                "measured",
                "estimated",
                "ratio",
                "calibrated",
            ],
            [
                [
                    r.measurement.source,
                    _label(r.measurement),
                    LABELS[r.measurement.metric],
                    round(r.measurement.value, 1),
                    round(r.estimate, 1),
                    f"{r.ratio:.2f}",
                    round(r.calibrated, 1) if r.calibrated is not None else None,
                ]
                for r in rows
            ],
        )
    )
    print()
    for e in cal.entries:
        print(f"{implication(e, bundled)}; {cal.describe(e)}")
    for note in skipped:
        print(f"skipped: {note}")
    if args.save:
        print(f"saved the calibration to {args.save} (use it with estimate --calibration)")
    if args.plan:
        print(f"stored the calibration in {args.plan}")
    return 0


def _label(m: Measurement) -> str:
    d = m.deployment
    return (
        f"{d.model.id} {d.quant.id} on {d.gpu_count} x {d.gpu.id} ({d.engine.id}, batch {m.batch})"
    )


def _doc(
    cal: Calibration, rows: list[Any], skipped: list[str], bundled: EfficiencyTable
) -> dict[str, Any]:
    return {
        "calibration": cal.model_dump(mode="json"),
        "implications": [implication(e, bundled) for e in cal.entries],
        "measurements": [
            {
                "source": r.measurement.source,
                "configuration": _label(r.measurement),
                "metric": r.measurement.metric,
                "measured": r.measurement.value,
                "estimated": r.estimate,
                "ratio": r.ratio,
                "calibrated": r.calibrated,
            }
            for r in rows
        ],
        "skipped": skipped,
    }


def _store_in_plan(path: Path, cal: Calibration) -> None:
    """Keep the calibration in the plan, so its report reproduces the calibrated numbers."""
    from datetime import UTC, datetime

    from planner.plan.io import PlanFileError, load_plan, save_plan

    try:
        plan = load_plan(path).plan
        data = plan.model_dump(mode="json")
        kept = [c for c in data.get("calibrations", []) if c.get("created") != cal.created]
        data["calibrations"] = [*kept, cal.model_dump(mode="json")]
        data["modified"] = datetime.now(UTC).isoformat(timespec="seconds")
        save_plan(path, type(plan).model_validate(data))
    except PlanFileError as exc:
        raise CliError(str(exc)) from exc
