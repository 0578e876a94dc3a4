"""Benchmark files a user brings, beside the estimates: what a file leaves unsaid, the
measurements it gives once that is filled in, each one next to the estimate for the same
configuration, and the calibration fitted to them.

The desktop app calls these (the command line does the same through `cli_calibrate`).
Everything here is pure: no files are written, nothing is cached.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from pydantic import ValidationError

from planner.catalog.load import Catalog
from planner.catalog.resolve import UnknownNameError
from planner.estimate.efficiency import EfficiencyTable, hardware_class, load_efficiency
from planner.estimate.measured import Measurement
from planner.estimate.scenario import default_engine
from planner.estimate.speed import BAND_OF
from planner.plan.schema import Scenario

if TYPE_CHECKING:  # the file readers and the fitting load when used, not with the app
    from planner.benchimport import BenchRow, ImportedRun
    from planner.calibrate import Calibration

# What a file may leave unsaid and the estimate needs, in the order a person is asked.
FIELDS = ("model", "quant", "gpu", "gpus", "engine")
FIELD_LABELS = {
    "model": "Model",
    "quant": "Weight format",
    "gpu": "GPU",
    "gpus": "Number of GPUs",
    "engine": "Engine",
}
METRIC_LABELS = {
    "prefill_tokens_per_s": "Prefill (tokens/s)",
    "decode_tokens_per_s": "Decode (tokens/s)",
    "output_tokens_per_s_total": "Output, all users (tokens/s)",
    "ttft_ms": "Time to first token (ms)",
    "tpot_ms": "Time per output token (ms)",
}
METRIC_ORDER = tuple(METRIC_LABELS)
MATCH = 0.05  # within this share a measurement "matches" its estimate

_FLAGS = {
    "give --model": "choose the model",
    "give --quant": "choose the weight format",
    "give --gpus": "choose the number of GPUs",
    "give --gpu": "choose the GPU",
    "give --engine": "choose the engine",
}


class Overrides(TypedDict, total=False):
    """What the person says where the file does not (the command line's flags)."""

    model: str
    quant: str
    gpu: str
    gpus: int
    engine: str
    tp: int
    pp: int


# ---- what a file states and what it leaves out -------------------------------------------


def usable_rows(run: ImportedRun) -> list[BenchRow]:
    """Rows that become measurements once model, format, GPU and engine are known: they
    state a fixed batch (or a saturated offline run) and the input and output lengths."""
    out = []
    for row in run.rows:
        if row.batch is None and not row.saturated:
            continue
        if row.input_len is None or row.output_len is None:
            continue
        if row.context_len and row.metric == "prefill_tokens_per_s":
            continue
        out.append(row)
    return out


def unusable_reason(run: ImportedRun) -> str | None:
    """Why no row of the file can ever be a measurement (None when some row can): the
    reason no answer to `missing_fields` would fix."""
    if usable_rows(run):
        return None
    row = run.rows[0]
    if row.batch is None and not row.saturated:
        why = "the file does not state a fixed batch or concurrency"
    elif row.input_len is None or row.output_len is None:
        why = "the file does not state the input and output lengths"
    else:
        why = (
            f"prefill after {row.context_len} tokens already in the cache cannot be "
            "expressed as a measurement"
        )
    return f"{run.source_name}: {run.format}: no usable measurement: {why}"


def stated(run: ImportedRun, most: int = 3) -> dict[str, str]:
    """What the file says about each field, as it writes it ('' where it says nothing);
    where its rows differ, the first `most` spellings ('A, B, C, …')."""
    out: dict[str, str] = {}
    for field in FIELDS:
        values: list[str] = []
        for row in usable_rows(run) or run.rows:
            v = _stated_value(row, field)
            if v is not None and str(v) not in values:
                values.append(str(v))
        out[field] = ", ".join(values[:most]) + (", …" if len(values) > most else "")
    return out


def _stated_value(row: BenchRow, field: str) -> str | int | None:
    if field == "gpus":
        if row.gpu_count is not None:
            return row.gpu_count
        if row.tp is not None or row.pp is not None:
            return (row.tp or 1) * (row.pp or 1)
        return None
    value: str | None = getattr(row, field)
    return value


def missing_fields(run: ImportedRun, catalog: Catalog | None = None) -> list[str]:
    """The fields (of FIELDS) a usable row does not state; with a catalog, also those it
    states in a spelling the catalog does not know (the person has to pick one)."""
    rows = usable_rows(run)
    out = []
    for field in FIELDS:
        values = [_stated_value(row, field) for row in rows]
        unsaid = any(v is None for v in values)
        unknown = catalog is not None and any(
            not _known(catalog, field, str(v)) for v in set(values) if v is not None
        )
        if unsaid or unknown:
            out.append(field)
    return out


def _known(catalog: Catalog, field: str, name: str) -> bool:
    from planner.benchimport.names import model_candidates

    try:
        if field == "model":
            for candidate in model_candidates(name):
                try:
                    catalog.model(candidate)
                    return True
                except UnknownNameError:
                    continue
            return False
        if field == "quant":
            catalog.quant(name)
        elif field == "gpu":
            catalog.gpu(name)
        elif field == "engine":
            catalog.engine(name)
    except UnknownNameError:
        return False
    return True


def scenario_defaults(catalog: Catalog, scenario: Scenario | None) -> Overrides:
    """What to offer for each field: the scenario's model, format, deployed GPUs and engine
    (its usual engine where it names none)."""
    if scenario is None:
        return {}
    out: Overrides = {
        "model": scenario.model,
        "quant": scenario.quant,
        "gpu": scenario.deployed.gpu,
        "gpus": scenario.deployed.count,
    }
    if scenario.engine:
        out["engine"] = scenario.engine
    else:
        try:
            gpu = scenario.deployed.gpu_spec or catalog.gpu(scenario.deployed.gpu)
            out["engine"] = default_engine(catalog, catalog.quant(scenario.quant), gpu).id
        except (UnknownNameError, ValueError, LookupError):
            pass
    return out


# ---- measurements --------------------------------------------------------------------------


def measurements_for(
    runs: Sequence[ImportedRun], overrides: Overrides | Mapping[str, Any], catalog: Catalog
) -> tuple[list[Measurement], list[str]]:
    """Measurements of every row that resolves, and one line per row that does not
    ('file: row 3: the file names no GPU: give --gpu'); an override wins over what the file
    states, for every run given (as the command line's flags do)."""
    from planner.benchimport import resolve_rows

    found: list[Measurement] = []
    problems: list[str] = []
    for run in runs:
        ms, reasons = resolve_rows(
            catalog,
            run,
            model=_text(overrides.get("model")),
            quant=_text(overrides.get("quant")),
            gpu=_text(overrides.get("gpu")),
            gpus=_count(overrides.get("gpus")),
            engine=_text(overrides.get("engine")),
            tp=_count(overrides.get("tp")),
            pp=_count(overrides.get("pp")),
        )
        found += ms
        problems += [f"{run.source_name}: {r}" for r in reasons]
    return found, problems


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def without_flags(text: str) -> str:
    """A reason as the desktop says it: 'give --gpu' becomes 'choose the GPU'."""
    for flag, words in _FLAGS.items():
        text = text.replace(flag, words)
    return text


# ---- beside the estimates ------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    """One measurement beside the estimate for its configuration."""

    metric: str  # a Speed field, e.g. "decode_tokens_per_s"
    metric_label: str
    configuration: str
    measured: float
    estimated: float | None  # with the table given (None: cannot be estimated)
    bundled: float | None  # with the bundled factors
    ratio: float | None  # measured / estimated
    band: tuple[float, float] | None  # the p10..p90 of measured / estimated for this group
    implication: str
    provenance: str  # how the factors behind `estimated` were chosen
    source: str  # 'file:row'
    suspect: bool
    family: str
    hw_class: str

    @property
    def faster(self) -> float | None:
        """How much faster the hardware ran than estimated (>1: faster), for any metric."""
        if self.ratio is None:
            return None
        return 1 / self.ratio if self.metric.endswith("_ms") else self.ratio


def configuration(m: Measurement) -> str:
    """'Qwen2.5 7B Q4_K_M on 1 × NVIDIA GeForce RTX 4080 (llama.cpp), batch 1, 512 in / 0 out'"""
    d = m.deployment
    load = f"batch {m.batch}" if m.batch != "max" else "as many as fit"
    return (
        f"{d.model.name} {d.quant.id.upper()} on {d.gpu_count} × {d.gpu.name} "
        f"({d.engine.name}), {load}, {m.input_len} in / {m.output_len} out"
    )


def comparison_rows(
    measurements: Sequence[Measurement],
    table: EfficiencyTable | None = None,
    bundled: EfficiencyTable | None = None,
) -> list[ComparisonRow]:
    """Every measurement beside its estimate with `table` (None: the bundled factors), in
    the order given; one that does not fit in memory as described has no estimate."""
    from planner.calibrate import compare

    base = bundled or load_efficiency()
    current = table or base
    done = {id(c.measurement): c for c in compare(measurements, base, current)}
    out = []
    for m in measurements:
        c = done.get(id(m))
        family, cls = m.engine_family, hardware_class(m.deployment.gpu)
        _, provenance = current.lookup(family, cls)
        b = current.band(family, BAND_OF[m.metric], cls)
        band = (b.p10, b.p90)
        estimated = c.calibrated if c is not None else None
        ratio = m.value / estimated if estimated else None
        out.append(
            ComparisonRow(
                metric=m.metric,
                metric_label=METRIC_LABELS.get(m.metric, m.metric),
                configuration=configuration(m),
                measured=m.value,
                estimated=estimated,
                bundled=c.estimate if c is not None else None,
                ratio=ratio,
                band=band,
                implication=_implication(m, ratio, band),
                provenance=provenance,
                source=m.source,
                suspect=m.suspect,
                family=family,
                hw_class=cls,
            )
        )
    return out


def _implication(m: Measurement, ratio: float | None, band: tuple[float, float]) -> str:
    if ratio is None or not math.isfinite(ratio):
        return "cannot be estimated: it does not fit in memory as described"
    faster = 1 / ratio if m.metric.endswith("_ms") else ratio
    lo, hi = band
    if abs(faster - 1) <= MATCH:
        text = f"matches the estimate (within {MATCH:.0%})"
    else:
        pct = abs(faster - 1) * 100
        how = "faster" if faster > 1 else "slower"
        where = "within" if lo <= ratio <= hi else "above" if ratio > hi else "below"
        text = f"{pct:.0f}% {how} than estimated; {where} the usual spread ({lo:.2f}–{hi:.2f}×)"
    if m.suspect:
        text += "; the tool flagged this run as suspect"
    return text


# ---- calibration ---------------------------------------------------------------------------


def calibrate(
    measurements: Sequence[Measurement], now_iso: str, bundled: EfficiencyTable | None = None
) -> Calibration:
    """The calibration fitted to the measurements, dated by the day of `now_iso`
    (CalibrationError when none of them fits in memory as described)."""
    from planner.calibrate import fit_calibration

    return fit_calibration(measurements, bundled or load_efficiency(), now_iso[:10])


def stored_calibrations(documents: Sequence[Mapping[str, Any]]) -> list[Calibration]:
    """The valid calibrations among those a plan stores (as JSON documents)."""
    if not documents:
        return []
    from planner.calibrate import Calibration

    out = []
    for doc in documents:
        try:
            out.append(Calibration.model_validate(doc))
        except ValidationError:
            continue
    return out


def calibration_status(documents: Sequence[Mapping[str, Any]], use_calibration: bool = True) -> str:
    """Where the estimates come from, in one line: 'calibrated from 3 measurements on
    2026-11-20 (llama.cpp on nvidia-gddr-consumer)' or 'estimated (bundled factors)'."""
    cals = stored_calibrations(documents)
    if not cals:
        return "estimated (bundled efficiency factors)"
    if not use_calibration:
        return "estimated (bundled efficiency factors; the plan's calibration is switched off)"
    # A later calibration of the same engine and hardware class replaces an earlier one.
    latest: dict[tuple[str, str], str] = {}
    for cal in cals:
        for e in cal.entries:
            latest[(e.family, e.hw_class)] = cal.describe(e)
    return "; ".join(f"{text} ({fam} on {cls})" for (fam, cls), text in latest.items())


def implications(
    documents: Sequence[Mapping[str, Any]], bundled: EfficiencyTable | None = None
) -> list[str]:
    """What the plan's calibrations say about the hardware, one line per group."""
    from planner.calibrate import implication

    base = bundled or load_efficiency()
    latest: dict[tuple[str, str], str] = {}
    for cal in stored_calibrations(documents):
        for e in cal.entries:
            latest[(e.family, e.hw_class)] = implication(e, base)
    return list(latest.values())
