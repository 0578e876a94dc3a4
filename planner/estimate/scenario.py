"""One estimate end to end: resolve names, apply engine defaults, memory, speed, limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from planner.catalog.load import Catalog
from planner.catalog.resolve import UnknownNameError
from planner.catalog.schema import EngineSpec, GpuSpec, ModelSpec, QuantFormat
from planner.estimate.efficiency import EfficiencyTable
from planner.estimate.inputs import Deployment, PlanInputError, Workload
from planner.estimate.memory import MemoryEstimate, estimate_memory, max_batch, max_context
from planner.estimate.speed import Speed, estimate_speed, speed_sweep


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    ctx = err.get("ctx", {})
    inner = ctx.get("error") if isinstance(ctx, dict) else None
    if isinstance(inner, PlanInputError):
        return str(inner)
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" if loc else str(err["msg"])


def default_engine(catalog: Catalog, quant: QuantFormat, gpu: GpuSpec) -> EngineSpec:
    """The engine people usually run this format on this hardware with."""
    if quant.family == "mlx":
        preferred = "mlx"
    elif quant.family == "gguf" or gpu.vendor in ("apple", "cpu", "other"):
        preferred = "llama.cpp"
    else:
        preferred = "vllm"
    candidates = [catalog.engines[preferred], *catalog.engines.values()]
    for e in candidates:
        if gpu.vendor in e.vendors and e.id in quant.engines:
            return e
    return catalog.engines[preferred]  # the validation then says why nothing runs it


def default_parallelism(engine: EngineSpec, model: ModelSpec, gpu_count: int) -> tuple[int, int]:
    """(tp, pp) an engine uses by default on `gpu_count` GPUs of one replica."""
    if gpu_count == 1:
        return 1, 1
    if engine.multi_gpu_default == "layer-split":
        return 1, gpu_count
    # Tensor parallelism needs the attention heads to divide evenly.
    tp = gpu_count
    while tp > 1 and model.num_attention_heads % tp:
        tp -= 1
    return tp, gpu_count // tp if gpu_count % tp == 0 else 1


def build_deployment(
    catalog: Catalog,
    model: str | ModelSpec,
    quant: str | QuantFormat,
    gpu: str | GpuSpec,
    gpu_count: int = 1,
    engine: str | EngineSpec | None = None,
    tp: int | None = None,
    pp: int | None = None,
    ep: int | None = None,
    kv_quant: str | QuantFormat | None = None,
    memory_gib: float | None = None,
    gpu_layers: int | None = None,
    batched_tokens: int | None = None,
) -> Deployment:
    """Resolve names and fill engine defaults; raises PlanInputError or UnknownNameError."""
    m = catalog.model(model) if isinstance(model, str) else model
    q = catalog.quant(quant) if isinstance(quant, str) else quant
    g = catalog.gpu(gpu) if isinstance(gpu, str) else gpu
    if isinstance(engine, EngineSpec):
        e = engine
    else:
        e = catalog.engine(engine) if engine else default_engine(catalog, q, g)
    if kv_quant is None:
        kv = catalog.quants["fp16"]
    else:
        kv = catalog.quant(kv_quant) if isinstance(kv_quant, str) else kv_quant
    if gpu_count < 1:
        raise PlanInputError(f"gpu count must be at least 1, not {gpu_count}")
    if tp is None and pp is None:
        tp, pp = default_parallelism(e, m, gpu_count)
    elif tp is None:
        tp = 1
    elif pp is None:
        pp = 1
    try:
        return Deployment(
            model=m,
            quant=q,
            kv_quant=kv,
            gpu=g,
            gpu_count=gpu_count,
            engine=e,
            tp=tp,
            pp=pp,
            ep=ep or 1,
            memory_gib=memory_gib,
            gpu_layers=gpu_layers,
            batched_tokens=batched_tokens,
        )
    except ValidationError as exc:
        raise PlanInputError(_first_error(exc)) from exc


def make_workload(
    batch: int | str = 1,
    input_len: int = 512,
    output_len: int = 128,
    context_len: int | None = None,
) -> Workload:
    b: int | str = batch
    if isinstance(batch, str):
        b = "max" if batch.strip().lower() == "max" else _int(batch, "batch")
    try:
        return Workload(
            batch=b, input_len=input_len, output_len=output_len, context_len=context_len
        )
    except ValidationError as exc:
        raise PlanInputError(_first_error(exc)) from exc


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise PlanInputError(f"{what} must be a whole number or 'max', not '{text}'") from None


@dataclass(frozen=True)
class Estimate:
    deployment: Deployment
    workload: Workload
    batch: int
    memory: MemoryEstimate
    speed: Speed | None
    max_batch: int
    max_context: int
    notes: tuple[str, ...] = field(default=())

    @property
    def fits(self) -> bool:
        return self.memory.fits and self.batch >= 1


def estimate(dep: Deployment, wl: Workload, table: EfficiencyTable | None = None) -> Estimate:
    """Memory and speed of the deployment at the workload's batch ('max' fills memory)."""
    notes: list[str] = []
    mb = max_batch(dep, wl)
    batch = mb if wl.batch == "max" else int(wl.batch)
    mem = estimate_memory(dep, wl, max(batch, 1))
    mc = max_context(dep, max(batch, 1))
    if wl.seq_tokens > dep.model.max_context:
        notes.append(
            f"context {wl.seq_tokens} exceeds {dep.model.name}'s maximum of {dep.model.max_context}"
        )
    if dep.model.num_kv_heads % dep.tp and dep.model.mla is None:
        notes.append(
            f"{dep.model.num_kv_heads} KV heads do not split evenly over tp={dep.tp}; "
            "KV heads are replicated"
        )
    if dep.offloaded_layers:
        notes.append(f"{dep.offloaded_layers} layers run from system RAM")
    speed = None
    if mem.fits and batch >= 1:
        speed = estimate_speed(dep, batch, wl.input_len, wl.output_len, table=table)
    else:
        notes.append("does not fit in memory")
    return Estimate(
        deployment=dep,
        workload=wl,
        batch=batch,
        memory=mem,
        speed=speed,
        max_batch=mb,
        max_context=mc,
        notes=tuple(notes),
    )


def sweep(
    dep: Deployment,
    wl: Workload,
    concurrencies: Sequence[int],
    table: EfficiencyTable | None = None,
) -> list[Speed | None]:
    """Speed at each concurrency (None where it no longer fits)."""
    limit = max_batch(dep, wl)
    fitting = [c for c in concurrencies if c <= limit]
    speeds = iter(speed_sweep(dep, fitting, wl.input_len, wl.output_len, table))
    return [next(speeds) if c <= limit else None for c in concurrencies]


__all__ = [
    "Estimate",
    "PlanInputError",
    "UnknownNameError",
    "build_deployment",
    "estimate",
    "make_workload",
    "sweep",
]
