"""Batch mode: estimate every row of a scenario CSV (the contract in the README)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import IO

from planner.catalog.load import Catalog
from planner.catalog.resolve import UnknownNameError
from planner.estimate.inputs import PlanInputError
from planner.estimate.scenario import build_deployment, estimate, make_workload
from planner.estimate.speed import SPEED_FIELDS

REQUIRED = ("model", "quant", "gpu", "gpu_count", "engine", "batch", "input_len", "output_len")
OPTIONAL = ("tp", "pp", "ep", "kv_quant", "context_len")
MEMORY_FIELDS = (
    "fits",
    "weights_gib_per_gpu",
    "kv_cache_gib_per_gpu",
    "overhead_gib_per_gpu",
    "total_gib_per_gpu",
    "usable_gib_per_gpu",
)


def output_columns() -> list[str]:
    cols = list(MEMORY_FIELDS)
    for f in SPEED_FIELDS:
        cols += [f, f"{f}_p10", f"{f}_p90"]
    return [*cols, "error"]


class ScenarioFileError(ValueError):
    """The scenario CSV itself is unusable (not a row of it)."""


def _int(row: dict[str, str], key: str, default: int | None = None) -> int | None:
    text = (row.get(key) or "").strip()
    if not text:
        if default is None and key in REQUIRED:
            raise PlanInputError(f"{key} is empty")
        return default
    try:
        value = int(float(text)) if float(text).is_integer() else None
    except ValueError:
        value = None
    if value is None:
        raise PlanInputError(f"{key} must be a whole number, not '{text}'")
    return value


def _gpu_count(row: dict[str, str]) -> int:
    n = _int(row, "gpu_count", default=1) or 0
    if n < 1:
        raise PlanInputError(f"gpu_count must be at least 1, not {n}")
    return n


def estimate_row(catalog: Catalog, row: dict[str, str]) -> dict[str, str]:
    """The output columns for one input row; `error` says why a row could not be estimated."""
    out = dict.fromkeys(output_columns(), "")
    try:
        dep = build_deployment(
            catalog,
            model=row["model"].strip(),
            quant=row["quant"].strip(),
            gpu=row["gpu"].strip(),
            gpu_count=_gpu_count(row),
            engine=(row.get("engine") or "").strip() or None,
            tp=_int(row, "tp"),
            pp=_int(row, "pp"),
            ep=_int(row, "ep"),
            kv_quant=(row.get("kv_quant") or "").strip() or None,
        )
        wl = make_workload(
            (row.get("batch") or "1").strip(),
            _int(row, "input_len") or 0,
            _int(row, "output_len") or 0,
            _int(row, "context_len"),
        )
        est = estimate(dep, wl)
    except (PlanInputError, UnknownNameError) as exc:
        out["error"] = str(exc)
        return out
    g = est.memory.worst
    out.update(
        fits="true" if est.fits else "false",
        weights_gib_per_gpu=f"{g.weights_gib:.3f}",
        kv_cache_gib_per_gpu=f"{g.kv_cache_gib:.3f}",
        overhead_gib_per_gpu=f"{g.overhead_gib + g.activation_gib:.3f}",
        total_gib_per_gpu=f"{g.total_gib:.3f}",
        usable_gib_per_gpu=f"{g.usable_gib:.3f}",
    )
    if est.speed is None:
        out["error"] = "; ".join(est.notes) or "does not fit"
        return out
    s = est.speed
    for f in SPEED_FIELDS:
        out[f] = f"{s.value(f):.4g}"
        out[f"{f}_p10"] = f"{s.low[f]:.4g}"
        out[f"{f}_p90"] = f"{s.high[f]:.4g}"
    return out


def run_batch(catalog: Catalog, src: IO[str], dst: IO[str]) -> tuple[int, int]:
    """Estimate every row; returns (rows, rows with an error)."""
    reader = csv.DictReader(src)
    if reader.fieldnames is None:
        raise ScenarioFileError("the scenario file is empty")
    header = [h.strip() for h in reader.fieldnames]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ScenarioFileError(
            f"missing column(s): {', '.join(missing)}; required: {', '.join(REQUIRED)}"
        )
    reader.fieldnames = header
    passthrough = [h for h in header if h not in output_columns()]
    writer = csv.DictWriter(dst, fieldnames=passthrough + output_columns(), lineterminator="\n")
    writer.writeheader()
    n = errors = 0
    for row in _rows(reader):
        result = estimate_row(catalog, row)
        writer.writerow({k: row.get(k, "") for k in passthrough} | result)
        n += 1
        errors += bool(result["error"])
    return n, errors


def _rows(reader: Iterable[dict[str, str | None]]) -> Iterator[dict[str, str]]:
    for row in reader:
        yield {k: (v or "") for k, v in row.items() if k is not None}
