"""Turn imported rows into Measurements the estimator can be compared with."""

from __future__ import annotations

from planner.benchimport.model import BenchRow, ImportedRun
from planner.benchimport.names import model_candidates
from planner.catalog.load import Catalog
from planner.catalog.resolve import UnknownNameError
from planner.catalog.schema import ModelSpec
from planner.estimate.inputs import Deployment, PlanInputError
from planner.estimate.measured import Measurement
from planner.estimate.scenario import build_deployment

_Key = tuple[
    str, str, str, int, str, int | None, int | None, int | None, str | None, int | None, int | None
]


def resolve_rows(
    catalog: Catalog,
    run: ImportedRun,
    *,
    model: str | None = None,
    quant: str | None = None,
    gpu: str | None = None,
    gpus: int | None = None,
    engine: str | None = None,
    tp: int | None = None,
    pp: int | None = None,
    kv_quant: str | None = None,
) -> tuple[list[Measurement], list[str]]:
    """Measurements for every row that resolves, and one line per row that does not.

    What the file states is used unless a keyword gives it (the keyword wins). Never raises
    for a bad row; each gets a reason such as "row 3: the file names no GPU: give --gpu".
    """
    out: list[Measurement] = []
    reasons: list[str] = []
    models: dict[str, ModelSpec | str] = {}
    deployments: dict[_Key, Deployment | str] = {}
    for i, row in enumerate(run.rows, start=1):
        result = _resolve(
            catalog,
            run,
            row,
            i,
            models,
            deployments,
            model=model,
            quant=quant,
            gpu=gpu,
            gpus=gpus,
            engine=engine,
            tp=tp,
            pp=pp,
            kv_quant=kv_quant,
        )
        if isinstance(result, str):
            reasons.append(f"row {i}: {result}")
        else:
            out.append(result)
    return out, reasons


def _model(catalog: Catalog, name: str, cache: dict[str, ModelSpec | str]) -> ModelSpec | str:
    if name in cache:
        return cache[name]
    errors: list[UnknownNameError] = []
    found: ModelSpec | str | None = None
    for candidate in model_candidates(name):
        try:
            found = catalog.model(candidate)
            break
        except UnknownNameError as exc:
            errors.append(exc)
    if found is None:
        # The cleaned-up spelling (no path, no quant suffix) gives the more useful hints.
        best = errors[1] if len(errors) > 1 else errors[0] if errors else None
        found = f"{best or f'unknown model {name!r}'}: give --model"
    cache[name] = found
    return found


def _resolve(
    catalog: Catalog,
    run: ImportedRun,
    row: BenchRow,
    i: int,
    models: dict[str, ModelSpec | str],
    deployments: dict[_Key, Deployment | str],
    *,
    model: str | None,
    quant: str | None,
    gpu: str | None,
    gpus: int | None,
    engine: str | None,
    tp: int | None,
    pp: int | None,
    kv_quant: str | None,
) -> Measurement | str:
    model_name = model or row.model
    if not model_name:
        return "the file names no model: give --model"
    quant_name = quant or row.quant
    if not quant_name:
        return "the file does not state the weight format: give --quant"
    gpu_name = gpu or row.gpu
    if not gpu_name:
        return "the file names no GPU: give --gpu"
    engine_name = engine or row.engine
    if not engine_name:
        return "the file does not name the serving engine: give --engine"
    if row.batch is not None:
        batch: int | str = row.batch
    elif row.saturated:
        batch = "max"
    else:
        return "the file does not state a fixed batch or concurrency"
    if row.input_len is None or row.output_len is None:
        return "the file does not state the input and output lengths"
    input_len, output_len = row.input_len, row.output_len
    if row.context_len:
        if row.metric == "prefill_tokens_per_s":
            return (
                f"prefill after {row.context_len} tokens already in the cache cannot be "
                "expressed as a measurement"
            )
        # Decode cost follows the context: tokens in the cache count as prompt.
        input_len += row.context_len
    if row.metric == "ttft_ms":
        output_len = max(output_len, 1)
    t = tp if tp is not None else row.tp
    p = pp if pp is not None else row.pp
    count = gpus if gpus is not None else row.gpu_count or (t or 1) * (p or 1)
    kv = kv_quant or row.kv_quant
    key: _Key = (
        model_name,
        quant_name,
        gpu_name,
        count,
        engine_name,
        t,
        p,
        row.ep,
        kv,
        row.gpu_layers,
        row.batched_tokens,
    )
    dep = deployments.get(key)
    if dep is None:
        dep = _deployment(
            catalog, models, model_name, quant_name, gpu_name, count, engine_name, t, p, row, kv
        )
        deployments[key] = dep
    if isinstance(dep, str):
        return dep
    return Measurement(
        deployment=dep,
        batch=batch,
        input_len=input_len,
        output_len=output_len,
        metric=row.metric,
        value=row.value,
        source=f"{run.source_name}:{i}",
        row=i,
        suspect=row.suspect,
    )


def _deployment(
    catalog: Catalog,
    models: dict[str, ModelSpec | str],
    model_name: str,
    quant_name: str,
    gpu_name: str,
    count: int,
    engine_name: str,
    tp: int | None,
    pp: int | None,
    row: BenchRow,
    kv: str | None,
) -> Deployment | str:
    spec = _model(catalog, model_name, models)
    if isinstance(spec, str):
        return spec
    try:
        kv_spec = catalog.quant(kv) if kv else None
    except UnknownNameError:
        kv_spec = None  # an unknown cache type is left at the engine default
    layers = row.gpu_layers
    if layers is not None and layers >= spec.num_layers:
        layers = None  # llama.cpp's -ngl 99 means "all of them"
    try:
        return build_deployment(
            catalog,
            model=spec,
            quant=quant_name,
            gpu=gpu_name,
            gpu_count=count,
            engine=engine_name,
            tp=tp,
            pp=pp,
            ep=row.ep,
            kv_quant=kv_spec,
            gpu_layers=layers,
            batched_tokens=row.batched_tokens,
        )
    except UnknownNameError as exc:
        flag = {"GPU": "--gpu", "quantization": "--quant", "engine": "--engine"}.get(exc.kind)
        return f"{exc}: give {flag}" if flag else str(exc)
    except (PlanInputError, ValueError, LookupError) as exc:
        return " ".join(str(exc).split())
