"""What the Model and Quantization steps show: model rows, weight formats with their memory
on the scenario's hardware, the suggested format, and importing a custom model.

Pure functions over the catalog and a scenario (no Qt, no files except the model import).

A weight format is estimated the way the scenario would run after choosing it: the
scenario's quant replaced, parallelism back to the engine's default, and the engine back to
the usual one when the scenario's engine does not run the format (as the presenter's
``changed_scenario`` does). The scenario's own format is estimated unchanged, so its row
matches the scenario's estimate.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.catalog.imported import ModelImportError, one_line
from planner.catalog.load import Catalog
from planner.catalog.resolve import UnknownNameError
from planner.catalog.schema import GpuSpec, ModelSpec, QuantFormat
from planner.estimate.inputs import PlanInputError
from planner.estimate.memory import estimate_memory, max_batch
from planner.plan.build import scenario_catalog, scenario_inputs
from planner.plan.schema import Scenario

if TYPE_CHECKING:
    from planner.catalog.custom import ImportedModel

__all__ = [
    "ModelImportError",
    "ModelRow",
    "QuantOption",
    "import_model",
    "imported_fields",
    "kv_options",
    "model_facts",
    "model_rows",
    "quant_options",
    "suggest_quant",
    "weight_formats",
]

# Loss stops shrinking at 16 bits: FP32 is never "better" than BF16/FP16.
LOSSLESS_BITS = 16


@dataclass(frozen=True)
class QuantOption:
    """One weight format on the scenario's hardware at the scenario's workload.

    Memory figures are per GPU, for the GPU with the least headroom (one pipeline stage),
    and are None when the format cannot run here (`why_not` says why)."""

    quant: QuantFormat
    bits_per_weight: float
    weights_gib: float | None
    total_gib: float | None
    usable_gib: float | None
    headroom_gib: float | None
    fits: bool
    batch: int | None  # sequences the memory is estimated at ('max': the most that fit)
    max_batch: int | None  # most sequences of the workload's length that fit
    quality_note: str
    engines: tuple[str, ...]  # engines that run the format on this hardware's vendor
    engine: str | None  # the engine the estimate uses
    native: bool  # the hardware has matrix units for the format's precision
    current: bool  # the scenario's format
    why_not: str | None  # why the format cannot run here; None when it can

    @property
    def id(self) -> str:
        return self.quant.id

    @property
    def name(self) -> str:
        return self.quant.name

    @property
    def runnable(self) -> bool:
        return self.why_not is None

    @property
    def problem(self) -> str | None:
        """One line: why it cannot run, or by how much it does not fit; None when it fits."""
        if self.why_not is not None:
            return self.why_not
        if self.fits:
            return None
        if self.total_gib is not None and self.usable_gib is not None:
            return (
                f"does not fit: needs {self.total_gib:.1f} GiB per GPU, "
                f"{self.usable_gib:.1f} GiB usable"
            )
        return "does not fit"


@dataclass(frozen=True)
class ModelRow:
    """One model in the model table."""

    id: str
    name: str
    family: str
    total_params_b: float
    active_params_b: float
    moe: bool
    max_context: int
    license: str
    source: str
    custom: bool


def weight_formats(catalog: Catalog) -> list[QuantFormat]:
    """Formats for weights, in catalog order."""
    return [q for q in catalog.quants.values() if "weights" in q.applies_to]


def kv_options(catalog: Catalog) -> list[QuantFormat]:
    """Formats for the KV cache, in catalog order."""
    return [q for q in catalog.quants.values() if "kv" in q.applies_to]


def _native(q: QuantFormat, gpu: GpuSpec) -> bool:
    if q.family == "mlx":
        return gpu.vendor == "apple"
    return q.requires is not None and gpu.tflops(q.requires) is not None


def _vendor_engines(catalog: Catalog, q: QuantFormat, gpu: GpuSpec) -> tuple[str, ...]:
    return tuple(
        e for e in q.engines if e in catalog.engines and gpu.vendor in catalog.engines[e].vendors
    )


_VENDOR_NAMES = {
    "nvidia": "NVIDIA",
    "amd": "AMD",
    "intel": "Intel",
    "apple": "Apple",
    "cpu": "CPU-only",
    "other": "this",
}


def _static_why_not(catalog: Catalog, q: QuantFormat, gpu: GpuSpec) -> str | None:
    if q.requires is not None and gpu.tflops(q.requires) is None:
        units = "tensor cores" if gpu.vendor == "nvidia" else "hardware support"
        return f"needs {q.requires.upper()} {units}; {gpu.name} has none"
    if not _vendor_engines(catalog, q, gpu):
        names = [catalog.engines[e].name if e in catalog.engines else e for e in q.engines]
        vendor = _VENDOR_NAMES.get(gpu.vendor, gpu.vendor)
        if len(names) == 1:
            return f"only {names[0]} runs it, and not on {vendor} hardware"
        return f"only {', '.join(names)} run it, none of them on {vendor} hardware"
    return None


def _first_line(exc: BaseException) -> str:
    text = exc.args[0] if isinstance(exc, LookupError) and exc.args else exc
    return one_line(text, 300)


def _with_quant(scenario: Scenario, q: QuantFormat) -> Scenario:
    """The scenario as it would be after choosing `q` (see the module docstring)."""
    if q.id == scenario.quant:
        return scenario
    update: dict[str, Any] = {"quant": q.id, "tp": None, "pp": None, "ep": None}
    if scenario.engine is not None and scenario.engine not in q.engines:
        update["engine"] = None
    return scenario.model_copy(update=update)


def _option(
    catalog: Catalog, scenario: Scenario, q: QuantFormat, gpu: GpuSpec | None, gpu_error: str
) -> QuantOption:
    why_not = gpu_error if gpu is None else _static_why_not(catalog, q, gpu)
    engines = () if gpu is None else _vendor_engines(catalog, q, gpu)
    common: dict[str, Any] = {
        "quant": q,
        "bits_per_weight": q.bits_per_weight,
        "quality_note": q.quality_note,
        "engines": engines,
        "native": gpu is not None and _native(q, gpu),
        "current": q.id == scenario.quant,
    }
    blank: dict[str, Any] = {
        "weights_gib": None,
        "total_gib": None,
        "usable_gib": None,
        "headroom_gib": None,
        "fits": False,
        "batch": None,
        "max_batch": None,
        "engine": None,
    }
    if why_not is not None:
        return QuantOption(**common, **blank, why_not=why_not)
    try:
        dep, wl, _, _ = scenario_inputs(catalog, _with_quant(scenario, q))
    except (PlanInputError, UnknownNameError) as exc:
        return QuantOption(**common, **blank, why_not=_first_line(exc))
    most = max_batch(dep, wl)
    batch = most if wl.batch == "max" else int(wl.batch)
    mem = estimate_memory(dep, wl, max(batch, 1))
    worst = mem.worst
    return QuantOption(
        **common,
        weights_gib=max(g.weights_gib for g in mem.gpus),
        total_gib=worst.total_gib,
        usable_gib=worst.usable_gib,
        headroom_gib=worst.headroom_gib,
        fits=mem.fits and batch >= 1,
        batch=batch,
        max_batch=most,
        engine=dep.engine.id,
        why_not=None,
    )


def _deployed_gpu(catalog: Catalog, scenario: Scenario) -> GpuSpec:
    item = scenario.deployed
    if item.gpu_spec is not None:
        return item.gpu_spec
    return catalog.gpus.get(item.gpu) or catalog.gpu(item.gpu)


def quant_options(catalog: Catalog, scenario: Scenario) -> list[QuantOption]:
    """Every weight format (catalog order) on the scenario's hardware at its workload.

    Formats the hardware cannot run are included with `why_not` set, so a view can say why.
    """
    cat = scenario_catalog(catalog, scenario)
    gpu: GpuSpec | None
    try:
        gpu = _deployed_gpu(cat, scenario)
        gpu_error = ""
    except UnknownNameError as exc:
        gpu, gpu_error = None, _first_line(exc)
    return [_option(catalog, scenario, q, gpu, gpu_error) for q in weight_formats(catalog)]


def nominal_bits(q: QuantFormat) -> int:
    """The bit class a format belongs to (see QuantFormat.bit_class)."""
    return q.bit_class


def _rank(option: QuantOption, index: int, engine: str | None) -> tuple[float, ...]:
    """Bigger is better: bit class (capped at 16), native to the hardware, runs on the
    scenario's engine, more effective bits (up to 16; beyond that fewer), catalog order."""
    bits = option.bits_per_weight
    precision = bits if bits <= LOSSLESS_BITS else 2 * LOSSLESS_BITS - bits
    return (
        min(nominal_bits(option.quant), LOSSLESS_BITS),
        option.native,
        engine is not None and option.engine == engine,
        precision,
        -index,
    )


def suggest_quant(options: Sequence[QuantOption]) -> QuantOption | None:
    """Smallest loss that fits: among the formats that fit, the most bits per weight.

    Bits count by class (an 8-bit format is an 8-bit format whatever its scales cost) and
    stop counting at 16 (FP32 loses nothing against BF16). Ties go to formats the hardware
    runs natively, then to formats the scenario's current engine runs, then to more
    effective bits, then to catalog order. None when nothing fits."""
    engine = next((o.engine for o in options if o.current), None)
    fitting = [(o, i) for i, o in enumerate(options) if o.fits]
    if not fitting:
        return None
    return max(fitting, key=lambda oi: _rank(oi[0], oi[1], engine))[0]


def _row(spec: ModelSpec) -> ModelRow:
    return ModelRow(
        id=spec.id,
        name=spec.name,
        family=spec.family,
        total_params_b=spec.total_params_b,
        active_params_b=spec.active_params_b,
        moe=spec.is_moe,
        max_context=spec.max_context,
        license=spec.license,
        source=spec.source,
        custom=spec.custom,
    )


def model_rows(catalog: Catalog, extra: Iterable[ModelSpec] = ()) -> list[ModelRow]:
    """A row per catalog model (catalog order), then `extra` models (e.g. a scenario's
    embedded custom model) that replace or follow them."""
    specs = dict(catalog.models)
    for spec in extra:
        specs[spec.id] = spec
    return [_row(s) for s in specs.values()]


def _count(n: int) -> str:
    return f"{n:,}"


def _tokens(n: int) -> str:
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20}M ({_count(n)}) tokens"
    if n >= 1024 and n % 1024 == 0:
        return f"{n >> 10}K ({_count(n)}) tokens"
    return f"{_count(n)} tokens"


def _params(b: float) -> str:
    return f"{b:,.1f} B" if b >= 10 else f"{b:,.2f} B"


def model_facts(spec: ModelSpec) -> list[tuple[str, str]]:
    """(label, value) lines describing a model, for a details panel."""
    facts = [("Model", f"{spec.name} ({spec.id})" + (" — custom" if spec.custom else ""))]
    facts.append(("Family", spec.family))
    if spec.is_moe:
        experts = f"{spec.num_routed_experts} experts, {spec.experts_per_token} per token"
        if spec.num_shared_experts:
            experts += f", {spec.num_shared_experts} shared"
        facts.append(
            (
                "Parameters",
                f"{_params(spec.total_params_b)} total, {_params(spec.active_params_b)} "
                f"active per token (MoE: {experts})",
            )
        )
    else:
        facts.append(("Parameters", f"{_params(spec.total_params_b)} (dense)"))
    facts.append(("Layers", f"{spec.num_layers}, hidden size {_count(spec.hidden_size)}"))
    if spec.mla is not None:
        attention = (
            f"MLA, {spec.num_attention_heads} heads, latent rank {spec.mla.kv_lora_rank} "
            f"+ {spec.mla.qk_rope_head_dim} RoPE dims"
        )
    else:
        kind = "MHA" if spec.num_kv_heads == spec.num_attention_heads else "GQA"
        attention = (
            f"{spec.num_attention_heads} heads, {spec.num_kv_heads} KV heads ({kind}), "
            f"head dim {spec.head_dim}"
        )
    kinds = set(spec.attention_pattern)
    if "sliding" in kinds and spec.sliding_window:
        attention += f"; sliding window {_count(spec.sliding_window)} on some layers"
    if "chunked" in kinds and spec.attention_chunk_size:
        attention += f"; chunked attention of {_count(spec.attention_chunk_size)} on some layers"
    facts.append(("Attention", attention))
    facts.append(("Max context", _tokens(spec.max_context)))
    facts.append(("Vocabulary", _count(spec.vocab_size)))
    if spec.native_quant:
        facts.append(("Ships in", spec.native_quant))
    facts.append(("License", spec.license))
    if spec.hf_repo:
        facts.append(("Hugging Face", spec.hf_repo))
    facts.append(("Source", spec.source))
    for field_name, why in spec.assumptions.items():
        facts.append((f"Assumed {field_name}", why))
    return facts


def _import(path: Path) -> ImportedModel:
    # Imported here: the readers (GGUF, safetensors) are not needed until a model is imported.
    from planner.catalog import custom

    try:
        return custom.import_model(Path(path))
    except ModelImportError as exc:
        raise ModelImportError(one_line(exc, 300)) from None
    except (ValueError, OSError, LookupError, TypeError, struct.error, RecursionError) as exc:
        name = Path(path).name or str(path)
        raise ModelImportError(f"cannot import {name}: {one_line(exc, 200)}") from None


def _unique_spec(spec: ModelSpec, catalog: Catalog) -> ModelSpec:
    """The spec with an id that does not shadow a bundled (non-custom) catalog model."""
    taken = catalog.models.get(spec.id)
    if taken is None or taken.custom:
        return spec
    n = 2
    while (other := catalog.models.get(f"{spec.id}-{n}")) is not None and not other.custom:
        n += 1
    return spec.model_copy(update={"id": f"{spec.id}-{n}"})


def import_model(path: Path, catalog: Catalog) -> ModelSpec:
    """A custom model from a model folder, a ``config.json`` or a ``.gguf`` file.

    Reads only metadata (see planner.catalog.custom). Raises ModelImportError, with a
    one-line message, when the path cannot be imported."""
    return _unique_spec(_import(path).spec, catalog)


def imported_fields(path: Path, catalog: Catalog) -> dict[str, Any]:
    """Scenario fields for an imported model: the model, its spec, and its weight format
    when the files are already quantized in a catalog format (a Q4_K_M GGUF, an AWQ
    folder). Raises ModelImportError."""
    imported = _import(path)
    spec = _unique_spec(imported.spec, catalog)
    fields: dict[str, Any] = {"model": spec.id, "model_spec": spec}
    hint = imported.quant_hint
    if hint is not None and hint in catalog.quants and "weights" in catalog.quants[hint].applies_to:
        fields["quant"] = hint
    return fields
