"""Catalog matching for detected GPUs, and a plannable spec for the ones the catalog lacks."""

from __future__ import annotations

from planner.catalog.imported import slugify
from planner.catalog.load import Catalog, bundled_catalog
from planner.catalog.resolve import UnknownNameError
from planner.catalog.schema import GpuSpec, InterconnectSpec
from planner.hardware.models import DetectedGpu
from planner.hardware.values import one_line

# Share by which measured memory may differ from the catalog's before we say so (ECC and
# driver reservations take 2 to 7 %).
MEMORY_TOLERANCE = 0.10
MAX_NAME_CHARS = 200
PLACEHOLDER_BANDWIDTH_GBPS = 100.0
PLACEHOLDER_FP16_TFLOPS = 10.0
_COPIED = (
    "bandwidth_gbps",
    "fp32_tflops",
    "fp16_tflops",
    "bf16_tflops",
    "fp8_tflops",
    "int8_tops",
    "fp4_tflops",
)


def match_gpu(gpu: DetectedGpu, catalog: Catalog) -> tuple[DetectedGpu, list[str]]:
    """The GPU with its catalog id (or suggestions), and notes on doubtful matches."""
    notes: list[str] = []
    suggestions: list[str] = []
    # A name this long is a parser fed garbage; fuzzy matching it would only waste time.
    names = gpu.lookup_names() if len(gpu.name) <= MAX_NAME_CHARS else ()
    for name in names:
        try:
            spec = catalog.gpu(name)
        except UnknownNameError as exc:
            suggestions = exc.suggestions
            continue
        if spec.vendor != gpu.vendor and gpu.vendor != "other":
            continue  # a loose name match across vendors is a guess, not a match
        notes.extend(_memory_check(gpu, spec))
        if gpu.vendor == "apple" and gpu.gpu_cores is None:
            notes.append(
                f"{gpu.source}: the GPU core count of the {gpu.name} is not reported; "
                f"assumed '{spec.id}' ({spec.name})"
            )
        return gpu.model_copy(update={"catalog_id": spec.id, "suggestions": ()}), notes
    memory = f"{gpu.memory_total_gib:g} GiB" if gpu.memory_total_gib else "memory unknown"
    nearest = f"; nearest: {', '.join(suggestions)}" if suggestions else ""
    notes.append(
        f"{gpu.source}: '{one_line(gpu.name, 80)}' ({memory}) is not in the catalog{nearest}"
    )
    return gpu.model_copy(update={"catalog_id": None, "suggestions": tuple(suggestions)}), notes


def _memory_check(gpu: DetectedGpu, spec: GpuSpec) -> list[str]:
    measured = gpu.memory_total_gib
    if measured is None:
        return [
            f"{gpu.source}: memory of the {gpu.name} not reported; "
            f"the catalog says {spec.memory_gib:g} GiB"
        ]
    sizes = (spec.memory_gib, *spec.memory_options_gib)
    nearest = min(sizes, key=lambda s: abs(s - measured))
    if abs(measured - nearest) <= MEMORY_TOLERANCE * nearest:
        return []
    return [
        f"{gpu.source}: {gpu.name} has {measured:g} GiB but catalog entry '{spec.id}' has "
        f"{nearest:g} GiB; check the variant (or plan with --memory-gib {measured:g})"
    ]


def _base(gpu: DetectedGpu, catalog: Catalog) -> GpuSpec | None:
    """The catalog entry whose unmeasured figures the custom spec borrows."""
    if gpu.catalog_id and gpu.catalog_id in catalog.gpus:
        return catalog.gpus[gpu.catalog_id]
    names = list(gpu.suggestions)
    if not names and gpu.catalog_id is None:
        names = list(match_gpu(gpu, catalog)[0].suggestions)
    for candidate in names:
        spec = catalog.gpus.get(candidate)
        if spec is not None and spec.vendor == gpu.vendor:
            return spec
    return None


def custom_spec(gpu: DetectedGpu, catalog: Catalog | None, memory_gib: float | None) -> GpuSpec:
    """See `DetectedGpu.as_custom_spec`."""
    cat = catalog or bundled_catalog()
    base = _base(gpu, cat)
    assumptions: dict[str, str] = {}
    memory = memory_gib or gpu.memory_total_gib
    if memory is None and base is not None:
        memory = base.memory_gib
        assumptions["memory_gib"] = f"not measured: the catalog's figure for '{base.id}'"
    if memory is None or memory <= 0:
        raise ValueError(f"the memory of {gpu.name} is unknown: give memory_gib")
    figures: dict[str, float | None] = {}
    if base is not None:
        why = (
            f"not measurable here: copied from the nearest catalog entry '{base.id}' ({base.name})"
        )
        for key in _COPIED:
            value = getattr(base, key)
            figures[key] = value
            if value is not None:
                assumptions[key] = why
    else:
        figures = {
            "bandwidth_gbps": PLACEHOLDER_BANDWIDTH_GBPS,
            "fp16_tflops": PLACEHOLDER_FP16_TFLOPS,
        }
        why = "UNKNOWN: placeholder (no similar catalog entry); replace it with the real figure"
        assumptions.update({k: why for k in figures})
    tdp = gpu.power_limit_w or (base.tdp_w if base else None)
    if tdp is not None and not gpu.power_limit_w and base is not None:
        assumptions["tdp_w"] = f"not measured: copied from '{base.id}'"
    if base is not None and base.usable_memory_fraction < 1:
        assumptions["usable_memory_fraction"] = f"copied from '{base.id}'"
    segment = base.segment if base else ("apple" if gpu.vendor == "apple" else "consumer")
    if base is None:
        assumptions["segment"] = "guessed from the vendor"
    return GpuSpec(
        id="detected-" + slugify(gpu.name),
        name=gpu.name,
        vendor=gpu.vendor,
        segment=segment,
        generation=base.generation if base else "unknown",
        memory_gib=round(memory, 2),
        memory_type=base.memory_type if base else "",
        usable_memory_fraction=base.usable_memory_fraction if base else 1.0,
        tdp_w=tdp,
        pcie_gen=gpu.pcie_gen or (base.pcie_gen if base else None),
        interconnect=(
            base.interconnect
            if base
            else InterconnectSpec(kind="unified" if gpu.unified_memory else "pcie")
        ),
        custom=True,
        source=f"detected on this machine by {gpu.source}"
        + (" (memory given by the user)" if memory_gib else ""),
        assumptions=assumptions,
        bandwidth_gbps=figures.get("bandwidth_gbps") or PLACEHOLDER_BANDWIDTH_GBPS,
        fp32_tflops=figures.get("fp32_tflops"),
        fp16_tflops=figures.get("fp16_tflops"),
        bf16_tflops=figures.get("bf16_tflops"),
        fp8_tflops=figures.get("fp8_tflops"),
        int8_tops=figures.get("int8_tops"),
        fp4_tflops=figures.get("fp4_tflops"),
    )
