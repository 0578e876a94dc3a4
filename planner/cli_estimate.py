"""`llm-planner estimate`: one deployment as a table or JSON, or a scenario CSV."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from planner.catalog.load import Catalog
from planner.catalog.schema import ModelSpec
from planner.errors import CliError
from planner.estimate.inputs import Deployment
from planner.estimate.scenario import (
    Estimate,
    build_deployment,
    estimate,
    make_workload,
    sweep,
)
from planner.estimate.speed import SPEED_FIELDS, Speed
from planner.table import render

LABELS = {
    "prefill_tokens_per_s": ("Prefill", "tokens/s"),
    "decode_tokens_per_s": ("Decode, per sequence", "tokens/s"),
    "output_tokens_per_s_total": ("Output, whole deployment", "tokens/s"),
    "ttft_ms": ("Time to first token", "ms"),
    "tpot_ms": ("Time per output token", "ms"),
}


def _model_arg(text: str) -> tuple[ModelSpec | str, str | None]:
    """A catalog name, or a path to import; returns the model and the file's quant hint."""
    p = Path(text)
    if p.exists() and (p.is_dir() or p.suffix.lower() in (".json", ".gguf")):
        from planner.catalog.custom import ModelImportError, import_model

        try:
            imported = import_model(p)
        except ModelImportError as exc:
            raise CliError(str(exc)) from exc
        return imported.spec, imported.quant_hint
    return text, None


def deployment_from_args(catalog: Catalog, args: argparse.Namespace) -> Deployment:
    """The deployment the shared options describe (see cli.add_deployment_args)."""
    missing = [f"--{n}" for n in ("model", "gpu") if not getattr(args, n)]
    if missing:
        raise CliError(f"missing {' and '.join(missing)}")
    model, hint = _model_arg(args.model)
    quant = args.quant or hint
    if not quant:
        raise CliError(
            "missing --quant, e.g. bf16, fp8, awq-int4, q4_k_m (llm-planner catalog quants)"
        )
    return build_deployment(
        catalog,
        model=model,
        quant=quant,
        gpu=args.gpu,
        gpu_count=args.gpus,
        engine=args.engine,
        tp=args.tp,
        pp=args.pp,
        ep=args.ep,
        kv_quant=args.kv_quant,
        memory_gib=args.memory_gib,
        gpu_layers=args.gpu_layers,
        batched_tokens=args.batched_tokens,
    )


def run_estimate(catalog: Catalog, args: argparse.Namespace) -> int:

    if args.scenarios is not None:
        return _run_batch(catalog, args)
    if not (args.model and args.gpu):
        raise CliError("missing --model and --gpu (or give --scenarios FILE)")
    dep = deployment_from_args(catalog, args)
    wl = make_workload(args.batch, args.input_tokens, args.output_tokens, args.context)
    from planner.cli_calibrate import calibrated_table

    table = calibrated_table(args.calibration)
    est = estimate(dep, wl, table)
    points = (
        list(zip(args.sweep, sweep(dep, wl, args.sweep, table), strict=True)) if args.sweep else []
    )
    if args.format == "json":
        doc = estimate_to_dict(est)
        if points:
            doc["sweep"] = [_speed_dict(s) | {"concurrency": c} for c, s in points if s]
        print(json.dumps(doc, indent=1))
    else:
        print(format_estimate(est))
        if points:
            print()
            print(format_sweep(points))
    return 0


def _run_batch(catalog: Catalog, args: argparse.Namespace) -> int:
    from planner.batch import ScenarioFileError, run_batch

    try:
        # utf-8-sig: spreadsheets write "CSV UTF-8" with a byte-order mark.
        with args.scenarios.open(encoding="utf-8-sig", newline="") as src:
            if args.out:
                with args.out.open("w", encoding="utf-8", newline="") as dst:
                    n, errors = run_batch(catalog, src, dst)
            else:
                n, errors = run_batch(catalog, src, sys.stdout)
    except ScenarioFileError as exc:
        raise CliError(f"{args.scenarios}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise CliError(f"{args.scenarios}: not a UTF-8 text file") from exc
    print(f"{n} scenario(s) estimated, {errors} with an error", file=sys.stderr)
    return 0


def _assumptions(est: Estimate) -> list[str]:
    d = est.deployment
    out: list[str] = []
    for label, entry in (
        ("model", d.model),
        ("GPU", d.gpu),
        ("format", d.quant),
        ("engine", d.engine),
    ):
        for field, why in entry.assumptions.items():
            out.append(f"{label} {entry.name}: {field}: {why}")
    return out


def estimate_to_dict(est: Estimate) -> dict[str, Any]:
    d, wl, mem = est.deployment, est.workload, est.memory
    doc: dict[str, Any] = {
        "model": d.model.id,
        "quant": d.quant.id,
        "kv_quant": d.kv_quant.id,
        "gpu": d.gpu.id,
        "gpu_count": d.gpu_count,
        "engine": d.engine.id,
        "tp": d.tp,
        "pp": d.pp,
        "ep": d.ep,
        "replicas": d.replicas,
        "batch": est.batch,
        "input_len": wl.input_len,
        "output_len": wl.output_len,
        "context_len": wl.seq_tokens,
        "fits": est.fits,
        "headroom_gib": mem.headroom_gib,
        "max_batch": est.max_batch,
        "max_context": est.max_context,
        "host_weights_gib": mem.host_weights_gib,
        "memory_per_gpu": [
            {
                "weights_gib": g.weights_gib,
                "kv_cache_gib": g.kv_cache_gib,
                "activation_gib": g.activation_gib,
                "overhead_gib": g.overhead_gib,
                "total_gib": g.total_gib,
                "usable_gib": g.usable_gib,
                "capacity_gib": g.capacity_gib,
            }
            for g in mem.gpus
        ],
        "notes": list(est.notes),
        "assumptions": _assumptions(est),
    }
    if est.speed is not None:
        doc |= _speed_dict(est.speed)
    return doc


def _speed_dict(s: Speed) -> dict[str, Any]:
    return {
        "speed": {
            f: {"value": s.value(f), "p10": s.low[f], "p90": s.high[f]} for f in SPEED_FIELDS
        },
        "bound": s.bound,
        "basis": s.basis,
    }


def format_sweep(points: list[tuple[int, Speed | None]]) -> str:
    """Speed against concurrency, one row per concurrency."""
    rows: list[list[object]] = []
    for c, s in points:
        if s is None:
            rows.append([c, "does not fit", None, None, None, None])
            continue
        rows.append(
            [
                c,
                f"{s.output_tokens_per_s_total:,.0f} ({s.low['output_tokens_per_s_total']:,.0f}"
                f"..{s.high['output_tokens_per_s_total']:,.0f})",
                round(s.decode_tokens_per_s, 1),
                round(s.ttft_ms, 1),
                round(s.tpot_ms, 2),
                s.bound,
            ]
        )
    return "Against concurrency (p10..p90 in brackets)\n" + render(
        ["concurrency", "output tokens/s", "per sequence tok/s", "TTFT ms", "TPOT ms", "bound by"],
        rows,
    )


def format_estimate(est: Estimate) -> str:
    d, wl, mem = est.deployment, est.workload, est.memory
    lines = [
        f"{d.model.name} in {d.quant.name} on {d.gpu_count} x {d.gpu.name} with {d.engine.name}",
        f"  tp={d.tp} pp={d.pp} ep={d.ep} replicas={d.replicas}  KV cache {d.kv_quant.name}",
        f"  batch {est.batch}, {wl.input_len} tokens in, {wl.output_len} out, "
        f"context {wl.seq_tokens} per sequence",
        "",
        f"Fits: {'yes' if est.fits else 'NO'}  (headroom {mem.headroom_gib:+.2f} GiB on the "
        "tightest GPU)",
    ]
    rows = [
        [
            i,
            round(g.weights_gib, 2),
            round(g.kv_cache_gib, 2),
            round(g.activation_gib + g.overhead_gib, 2),
            round(g.total_gib, 2),
            round(g.usable_gib, 2),
        ]
        for i, g in enumerate(mem.gpus)
    ]
    lines.append(
        render(
            ["GPU", "weights GiB", "KV GiB", "buffers+runtime GiB", "total GiB", "usable GiB"], rows
        )
    )
    if mem.host_weights_gib > 0:
        lines.append(f"Weights in system RAM: {mem.host_weights_gib:.2f} GiB")
    lines.append(
        f"Largest batch that fits: {est.max_batch}   Largest context at batch {max(est.batch, 1)}: "
        f"{est.max_context:,} tokens"
    )
    if est.speed is not None:
        s = est.speed
        lines += ["", "Speed (p10 .. p90 from the calibration residuals)"]
        lines.append(
            render(
                ["", "estimate", "p10", "p90", "unit"],
                [
                    [LABELS[f][0], s.value(f), s.low[f], s.high[f], LABELS[f][1]]
                    for f in SPEED_FIELDS
                ],
            )
        )
        lines.append(f"Bound by: {s.bound}.  Basis: {s.basis}.")
    for n in est.notes:
        lines.append(f"Note: {n}")
    assumptions = _assumptions(est)
    if assumptions:
        lines += ["", "Assumptions in the catalog data used here:"]
        lines += [f"  - {a}" for a in assumptions]
    return "\n".join(lines)
