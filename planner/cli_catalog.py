"""`llm-planner catalog`: list, show and add entries."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from planner.catalog.load import Catalog, save_user_entry
from planner.catalog.resolve import UnknownNameError
from planner.catalog.schema import GpuSpec, InterconnectSpec
from planner.errors import CliError
from planner.table import render


def _rows(catalog: Catalog, what: str) -> tuple[list[str], list[list[object]]]:
    if what == "models":
        return ["id", "name", "params B", "active B", "layers", "experts", "context", "license"], [
            [
                m.id,
                m.name,
                m.total_params_b,
                m.active_params_b,
                m.num_layers,
                f"{m.experts_per_token}/{m.num_routed_experts}" if m.is_moe else "-",
                m.max_context,
                m.license,
            ]
            for m in catalog.models.values()
        ]
    if what == "gpus":
        return ["id", "name", "memory GiB", "GB/s", "BF16/FP16 TFLOPS", "FP8", "FP4", "TDP W"], [
            [
                g.id,
                g.name,
                g.memory_gib,
                g.bandwidth_gbps,
                g.tflops("fp16"),
                g.fp8_tflops,
                g.fp4_tflops,
                g.tdp_w,
            ]
            for g in catalog.gpus.values()
        ]
    if what == "quants":
        return ["id", "name", "bits/weight", "for", "engines"], [
            [q.id, q.name, q.bits_per_weight, "+".join(q.applies_to), ", ".join(q.engines)]
            for q in catalog.quants.values()
        ]
    return ["id", "name", "memory", "multi-GPU", "parallelism"], [
        [
            e.id,
            e.name,
            f"{e.reserve} {e.memory_fraction:g}",
            e.multi_gpu_default,
            ", ".join(e.parallelism),
        ]
        for e in catalog.engines.values()
    ]


def _find(catalog: Catalog, name: str) -> BaseModel:
    errors: list[UnknownNameError] = []
    for getter in (catalog.model, catalog.gpu, catalog.quant, catalog.engine):
        try:
            return getter(name)
        except UnknownNameError as exc:
            errors.append(exc)
    near = [s for e in errors for s in e.suggestions][:6]
    raise UnknownNameError("catalog entry", name, near)


def run_catalog(catalog: Catalog, args: argparse.Namespace, user_dir: Path) -> int:
    if args.what in ("models", "gpus", "quants", "engines"):
        entries = getattr(catalog, args.what)
        if args.format == "json":
            print(json.dumps([e.model_dump(mode="json") for e in entries.values()], indent=1))
        else:
            print(render(*_rows(catalog, args.what)))
        return 0
    if args.what == "show":
        entry = _find(catalog, args.name)
        doc = entry.model_dump(mode="json")
        if args.format == "json":
            print(json.dumps(doc, indent=1))
        else:
            print(_show(doc))
        return 0
    if args.what == "add-gpu":
        return _add_gpu(args, user_dir)
    return _add_model(args, user_dir)


def _show(doc: dict[str, Any]) -> str:
    lines = []
    for k, v in doc.items():
        if k == "assumptions":
            continue
        if isinstance(v, list | tuple):
            v = ", ".join(str(x) for x in v) or "-"
        lines.append(f"{k:28} {v}")
    for field, why in doc.get("assumptions", {}).items():
        lines.append(f"ASSUMPTION {field}: {why}")
    return "\n".join(lines)


def _slug(name: str) -> str:
    return "custom-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _add_gpu(args: argparse.Namespace, user_dir: Path) -> int:

    try:
        gpu = GpuSpec(
            id=_slug(args.name),
            name=args.name,
            vendor=args.vendor,
            segment="cpu" if args.vendor == "cpu" else "datacenter",
            generation="custom",
            memory_gib=args.memory_gib,
            memory_type=args.memory_type,
            bandwidth_gbps=args.bandwidth_gbps,
            fp16_tflops=args.fp16_tflops,
            bf16_tflops=args.bf16_tflops,
            fp8_tflops=args.fp8_tflops,
            int8_tops=args.int8_tops,
            fp4_tflops=args.fp4_tflops,
            tdp_w=args.tdp_w,
            price_usd=args.price_usd,
            price_as_of=args.price_as_of,
            price_source="user-defined" if args.price_usd else None,
            interconnect=InterconnectSpec(kind="pcie"),
            source=args.source,
            custom=True,
        )
    except ValidationError as exc:
        raise CliError(exc.errors()[0]["msg"]) from exc
    path = save_user_entry(user_dir, gpu)
    print(f"added {gpu.id} to {path}")
    return 0


def _add_model(args: argparse.Namespace, user_dir: Path) -> int:
    from planner.catalog.custom import ModelImportError, import_model

    try:
        imported = import_model(args.path)
    except ModelImportError as exc:
        raise CliError(str(exc)) from exc
    spec = imported.spec
    if args.name:
        spec = spec.model_copy(update={"name": args.name, "id": _slug(args.name)})
    path = save_user_entry(user_dir, spec)
    hint = f" (weights look like {imported.quant_hint})" if imported.quant_hint else ""
    print(f"added {spec.id}{hint} to {path}")
    return 0
