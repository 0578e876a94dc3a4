"""User-imported models: a Hugging Face model folder, a ``config.json`` or a GGUF file.

Everything here works offline and reads only metadata: ``config.json`` (at most 4 MiB), the
JSON headers of ``*.safetensors`` files (never the tensor data) and GGUF headers (see
``gguf_header``). The result is an ``ImportedModel`` whose ``spec`` is a ``ModelSpec`` with
``custom=True`` that behaves exactly like a catalog model. Every failure is a one-line
``ModelImportError`` (a ``ValueError``).
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from planner.catalog.gguf_header import (
    GGUF_MAGIC_BYTES,
    GGUFHeader,
    GGUFLimits,
    read_gguf_header,
)
from planner.catalog.gguf_model import model_from_gguf
from planner.catalog.hfconfig import model_from_hf_config, quant_hint_from_config
from planner.catalog.imported import (
    ImportedModel,
    ModelImportError,
    custom_id,
    one_line,
    slugify,
)
from planner.catalog.params import count_params
from planner.catalog.schema import ModelSpec

__all__ = [
    "GGUFHeader",
    "GGUFLimits",
    "ImportedModel",
    "ModelImportError",
    "SafetensorsSummary",
    "count_params",
    "custom_id",
    "import_model",
    "model_from_folder",
    "model_from_gguf",
    "model_from_hf_config",
    "quant_hint_from_config",
    "read_gguf_header",
    "read_safetensors_header",
    "slugify",
    "summarize_safetensors",
]

MIB: Final = 1 << 20
MAX_CONFIG_BYTES: Final = 4 * MIB
MAX_INDEX_BYTES: Final = 64 * MIB
MAX_SAFETENSORS_HEADER_BYTES: Final = 100 * MIB
MAX_SAFETENSORS_FILES: Final = 10_000

# Bits per element of each safetensors dtype.
SAFETENSORS_DTYPE_BITS: Final[dict[str, int]] = {
    "F64": 64,
    "I64": 64,
    "U64": 64,
    "F32": 32,
    "I32": 32,
    "U32": 32,
    "F16": 16,
    "BF16": 16,
    "I16": 16,
    "U16": 16,
    "F8_E4M3": 8,
    "F8_E5M2": 8,
    "F8_E8M0": 8,
    "I8": 8,
    "U8": 8,
    "BOOL": 8,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "F4": 4,
}
_DTYPE_HINT: Final[dict[str, str]] = {
    "BF16": "bf16",
    "F16": "fp16",
    "F32": "fp32",
    "F8_E4M3": "fp8",
    "F8_E5M2": "fp8",
}
# Tensors whose shapes hold packed low-bit weights, not one weight per element.
_PACKED_NAME_RE: Final = re.compile(r"(qweight|qzeros|_blocks|weight_packed|\.absmax)$")
_PACKED_HINT_RE: Final = re.compile(r"^(awq|gptq|mxfp4|nvfp4|fp4|int[1-4]|bnb|hqq|autoround)")


@dataclass
class SafetensorsSummary:
    """Parameter and byte counts from safetensors headers (tensor data never read)."""

    files: int = 0
    tensors: int = 0
    params: int = 0
    nbytes: int = 0
    params_by_dtype: dict[str, int] = field(default_factory=dict)
    packed: bool = False


def _read_json(path: Path, limit_bytes: int, what: str) -> Any:
    try:
        size = path.stat().st_size
        if size > limit_bytes:
            raise ModelImportError(
                f"{what} is {size} bytes, over the {limit_bytes // MIB} MiB limit"
            )
        with open(path, "rb") as f:
            data = f.read(limit_bytes + 1)
    except OSError as exc:
        raise ModelImportError(f"cannot read {what}: {exc.strerror or exc}") from None
    if len(data) > limit_bytes:
        raise ModelImportError(f"{what} is over the {limit_bytes // MIB} MiB limit")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelImportError(f"{what} is not valid JSON: {one_line(exc, 120)}") from None


def read_safetensors_header(path: Path) -> dict[str, Any]:
    """The JSON header of a ``.safetensors`` file (8-byte little-endian length, then JSON).

    Only the header is read; its length is capped at 100 MiB and checked against the file.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            f.seek(0)
            head = f.read(8)
            if len(head) < 8:
                raise ModelImportError(f"{path.name}: not a safetensors file (too short)")
            (n,) = struct.unpack("<Q", head)
            if n > MAX_SAFETENSORS_HEADER_BYTES:
                raise ModelImportError(
                    f"{path.name}: safetensors header of {n} bytes exceeds the 100 MiB limit"
                )
            if 8 + n > size:
                raise ModelImportError(
                    f"{path.name}: safetensors header truncated ({n} bytes declared, "
                    f"{size - 8} present)"
                )
            raw = f.read(n)
    except OSError as exc:
        raise ModelImportError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelImportError(f"{path.name}: safetensors header is not valid JSON") from None
    if not isinstance(header, dict):
        raise ModelImportError(f"{path.name}: safetensors header is not a JSON object")
    data_bytes = size - 8 - n
    for name, info in header.items():
        if name == "__metadata__":
            continue
        _check_tensor(path.name, name, info, data_bytes)
    return header


def _check_tensor(file: str, name: str, info: Any, data_bytes: int) -> None:
    bad = f"{file}: tensor '{name[:60]}'"
    if not isinstance(info, dict):
        raise ModelImportError(f"{bad} has no dtype/shape/data_offsets")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(dtype, str):
        raise ModelImportError(f"{bad} has no dtype")
    if (
        not isinstance(shape, list)
        or len(shape) > 8
        or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 1 << 48 for d in shape
        )
    ):
        raise ModelImportError(f"{bad} has an invalid shape")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
        or not 0 <= offsets[0] <= offsets[1] <= data_bytes
    ):
        raise ModelImportError(f"{bad} has data offsets outside the file")
    bits = SAFETENSORS_DTYPE_BITS.get(dtype)
    if bits is not None and (math.prod(shape) * bits + 7) // 8 != offsets[1] - offsets[0]:
        raise ModelImportError(f"{bad}: {offsets[1] - offsets[0]} bytes do not fit its shape")


def summarize_safetensors(files: Iterable[Path]) -> SafetensorsSummary:
    """Exact element and byte counts, per dtype, from the headers of ``files``."""
    out = SafetensorsSummary()
    for path in files:
        header = read_safetensors_header(path)
        out.files += 1
        for name, info in header.items():
            if name == "__metadata__":
                continue
            elements = math.prod(info["shape"])
            begin, end = info["data_offsets"]
            out.tensors += 1
            out.params += elements
            out.nbytes += end - begin
            dtype = info["dtype"]
            out.params_by_dtype[dtype] = out.params_by_dtype.get(dtype, 0) + elements
            if _PACKED_NAME_RE.search(name):
                out.packed = True
    return out


def _weight_files(folder: Path, notes: list[str]) -> tuple[list[Path], int | None]:
    """The safetensors files of a folder and, from the index, the declared total size."""
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        doc = _read_json(index, MAX_INDEX_BYTES, index.name)
        weight_map = doc.get("weight_map") if isinstance(doc, dict) else None
        if not isinstance(weight_map, dict):
            raise ModelImportError(f"{index.name} has no weight_map")
        names = sorted({v for v in weight_map.values() if isinstance(v, str)})
        if len(names) > MAX_SAFETENSORS_FILES:
            raise ModelImportError(f"{index.name} lists {len(names)} files")
        meta = doc.get("metadata")
        total = meta.get("total_size") if isinstance(meta, dict) else None
        declared = total if isinstance(total, int) and not isinstance(total, bool) else None
        if any("/" in n or "\\" in n or n.startswith("..") for n in names):
            raise ModelImportError(f"{index.name} points outside the model folder")
        files = [folder / n for n in names]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            notes.append(
                f"{len(missing)} of {len(files)} weight files missing (e.g. {missing[0]}): "
                "parameters computed from config.json"
            )
            return [], declared
        return files, declared
    single = folder / "model.safetensors"
    if single.is_file():
        return [single], None
    files = sorted(p for p in folder.glob("*.safetensors") if p.is_file())
    preferred = [p for p in files if not p.name.startswith("consolidated")]
    files = preferred or files
    if len(files) > MAX_SAFETENSORS_FILES:
        raise ModelImportError(f"{len(files)} safetensors files in the folder")
    return files, None


def model_from_folder(path: Path) -> ImportedModel:
    """A local Hugging Face model folder: ``config.json`` plus safetensors headers."""
    folder = Path(path)
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise ModelImportError(f"no config.json in {folder.name or folder}")
    config = _read_json(config_path, MAX_CONFIG_BYTES, "config.json")
    if not isinstance(config, dict):
        raise ModelImportError("config.json must hold a JSON object")
    name = folder.resolve().name or "model"
    spec = model_from_hf_config(config, name=name, source=f"config.json of local folder {name}")
    quant = quant_hint_from_config(config)
    notes: list[str] = []
    q = config.get("quantization_config")
    if isinstance(q, dict) and isinstance(q.get("group_size"), int):
        notes.append(f"quantization group size {q['group_size']}")
    files, declared_bytes = _weight_files(folder, notes)
    if not files:
        if declared_bytes is None and not notes:
            notes.append("no safetensors files: parameters computed from config.json")
        bpw = _bpw(declared_bytes, spec.total_params_b)
        return ImportedModel(
            spec=spec,
            quant_hint=quant,
            file_bytes=declared_bytes,
            bits_per_weight=bpw,
            notes=tuple(notes),
        )
    summary = summarize_safetensors(files)
    notes.append(_dtype_note(summary))
    packed = summary.packed or (quant is not None and _PACKED_HINT_RE.match(quant) is not None)
    if packed:
        notes.append(
            "weights are packed low-bit tensors: parameters computed from config.json, "
            "bytes counted from the safetensors headers"
        )
    elif summary.params > 0:
        spec = _with_exact_params(spec, summary.params, notes)
    top = max(summary.params_by_dtype.items(), key=lambda kv: kv[1], default=("", 0))[0]
    native = quant or _DTYPE_HINT.get(top) or spec.native_quant
    if native != spec.native_quant:
        spec = _updated(spec, native_quant=native)
    return ImportedModel(
        spec=spec,
        quant_hint=quant,
        file_bytes=summary.nbytes,
        bits_per_weight=_bpw(summary.nbytes, spec.total_params_b),
        notes=tuple(notes),
    )


def _bpw(nbytes: int | None, params_b: float) -> float | None:
    if nbytes is None or params_b <= 0:
        return None
    return nbytes * 8 / (params_b * 1e9)


def _dtype_note(s: SafetensorsSummary) -> str:
    parts = sorted(s.params_by_dtype.items(), key=lambda kv: -kv[1])
    total = max(s.params, 1)
    share = ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in parts[:4])
    return f"{s.tensors} tensors in {s.files} safetensors file(s); elements by dtype: {share}"


def _updated(spec: ModelSpec, **changes: Any) -> ModelSpec:
    try:
        return ModelSpec.model_validate({**spec.model_dump(), **changes})
    except ValueError as exc:
        raise ModelImportError(f"imported model is inconsistent: {one_line(exc)}") from None


def _with_exact_params(spec: ModelSpec, params: int, notes: list[str]) -> ModelSpec:
    total, active = count_params(spec)
    inactive = total - active
    if total and abs(params - total) > 0.02 * total:
        notes.append(
            f"safetensors hold {params / 1e9:.3f} B parameters, the config dimensions give "
            f"{total / 1e9:.3f} B (vision tower, MTP layers or other extra weights?)"
        )
    assumptions = dict(spec.assumptions)
    assumptions["total_params_b"] = "counted exactly from the safetensors headers"
    if inactive:
        assumptions["active_params_b"] = (
            "safetensors count minus the unselected experts' share from config dimensions"
        )
    else:
        assumptions.pop("active_params_b", None)
    return _updated(
        spec,
        total_params_b=params / 1e9,
        active_params_b=max(params - inactive, 1) / 1e9,
        assumptions=assumptions,
    )


def _config_only(path: Path) -> ImportedModel:
    config = _read_json(path, MAX_CONFIG_BYTES, path.name)
    if not isinstance(config, dict):
        raise ModelImportError(f"{path.name} must hold a JSON object")
    name = path.resolve().parent.name if path.name == "config.json" else path.stem
    spec = model_from_hf_config(config, name=name or path.stem, source=f"{path.name} ({name})")
    return ImportedModel(
        spec=spec,
        quant_hint=quant_hint_from_config(config),
        notes=("config.json only: parameters computed from the dimensions",),
    )


def _is_gguf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == GGUF_MAGIC_BYTES
    except OSError:
        return False


def _gguf_in_folder(folder: Path) -> Path | None:
    ggufs = sorted(p for p in folder.glob("*.gguf") if p.is_file())
    models = [p for p in ggufs if "mmproj" not in p.name.lower()]
    firsts = [p for p in models if re.search(r"-00001-of-\d{5}\.gguf$", p.name)]
    if len(models) == 1:
        return models[0]
    if len(firsts) == 1 and all(re.search(r"-\d{5}-of-\d{5}\.gguf$", p.name) for p in models):
        return firsts[0]
    return None


def import_model(path: Path) -> ImportedModel:
    """Import whatever ``path`` is: a model folder, a ``.gguf`` file or a ``config.json``."""
    path = Path(path)
    try:
        is_dir, is_file = path.is_dir(), path.is_file()
    except OSError as exc:
        raise ModelImportError(f"cannot access {path}: {exc.strerror or exc}") from None
    if is_dir:
        if (path / "config.json").is_file():
            return model_from_folder(path)
        gguf = _gguf_in_folder(path)
        if gguf is not None:
            return model_from_gguf(gguf)
        raise ModelImportError(
            f"{path.name or path}: no config.json and no single .gguf file in the folder"
        )
    if not is_file:
        raise ModelImportError(f"no such file or folder: {path}")
    suffix = path.suffix.lower()
    if suffix == ".gguf" or _is_gguf(path):
        return model_from_gguf(path)
    if suffix == ".json":
        return _config_only(path)
    if suffix == ".safetensors":
        raise ModelImportError(
            "a .safetensors file alone has no architecture: import its folder (with config.json)"
        )
    raise ModelImportError(
        f"unsupported file '{path.name}': import a model folder, a config.json or a .gguf file"
    )
