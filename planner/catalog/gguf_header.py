"""Header-only GGUF import with hard limits.

``read_gguf_header`` streams the GGUF header (magic, version, key/value metadata, tensor
infos) through a small buffer and never touches tensor data: large fixed-size arrays are
seeked past, string arrays (tokenizer vocab, merges) are walked but not stored. It enforces a
header size limit, element/pair/tensor/string limits and a wall-clock deadline, and turns every
kind of damage into a one-line ``ModelImportError``. Only ``gguf.constants`` is used from the
``gguf`` package (its ``GGUFReader`` maps the whole file and has no limits).

``model_from_gguf`` maps the metadata to a custom ``ModelSpec`` and counts parameters and
bytes exactly from the tensor shapes and types.
"""

from __future__ import annotations

import re
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal, TypeAlias

from gguf.constants import (
    GGML_QUANT_SIZES,
    GGMLQuantizationType,
    GGUFValueType,
    Keys,
    LlamaFileType,
)

from planner.catalog.hfconfig import (
    PLAUSIBLE_MAX,
    ImportedModel,
    ModelImportError,
    build_spec,
    compress_pattern,
    custom_id,
    one_line,
    periodic_pattern,
)
from planner.catalog.schema import AttentionKind, MLASpec

MIB: Final = 1 << 20
GGUF_MAGIC_BYTES: Final = b"GGUF"


@dataclass(frozen=True)
class GGUFLimits:
    """Hard limits for reading a GGUF header (defaults suit any real model)."""

    max_header_bytes: int = 64 * MIB
    max_array_elements: int = 1_000_000
    max_kv_pairs: int = 100_000
    max_tensors: int = 1_000_000
    max_string_bytes: int = 16 * MIB
    deadline_s: float = 5.0
    max_key_bytes: int = 64 * 1024
    max_array_depth: int = 4
    max_stored_string_bytes: int = 64 * 1024
    max_stored_array_elements: int = 65_536
    max_stored_elements_total: int = 1_000_000
    max_stored_shapes: int = 4096


@dataclass(frozen=True)
class ArraySummary:
    """An array the reader skipped (too long to keep, strings or nested): its type and size."""

    item_type: str
    count: int


@dataclass(frozen=True)
class SkippedString:
    """A string value longer than the reader keeps (e.g. a chat template)."""

    length: int


KVValue: TypeAlias = "bool | int | float | str | tuple[KVValue, ...] | ArraySummary | SkippedString"


@dataclass
class GGUFHeader:
    """What a GGUF header says, with tensor statistics aggregated while streaming."""

    version: int
    endian: Literal["little", "big"]
    kv: dict[str, KVValue]
    tensor_count: int
    total_params: int = 0
    total_bytes: int = 0
    expert_params_by_count: dict[int, int] = field(default_factory=dict)
    params_by_type: dict[str, int] = field(default_factory=dict)
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    moe_blocks: set[int] = field(default_factory=set)
    has_tensor: set[str] = field(default_factory=set)
    data_offset: int = 0
    bytes_read: int = 0


_SCALAR_FORMATS: Final[dict[int, str]] = {
    GGUFValueType.UINT8: "B",
    GGUFValueType.INT8: "b",
    GGUFValueType.UINT16: "H",
    GGUFValueType.INT16: "h",
    GGUFValueType.UINT32: "I",
    GGUFValueType.INT32: "i",
    GGUFValueType.FLOAT32: "f",
    GGUFValueType.BOOL: "?",
    GGUFValueType.UINT64: "Q",
    GGUFValueType.INT64: "q",
    GGUFValueType.FLOAT64: "d",
}
_QUANT_SIZES: Final[dict[int, tuple[int, int]]] = {int(k): v for k, v in GGML_QUANT_SIZES.items()}
_TRACKED_TENSORS: Final = frozenset(
    {"token_embd.weight", "output.weight", "blk.0.attn_q.bias", "blk.0.attn_qkv.bias"}
)
_BLOCK_RE: Final = re.compile(r"^blk\.(\d{1,6})\.")
_EXPS_RE: Final = re.compile(r"_exps(\.|$)")


def _clean(text: str) -> str:
    """A name from the file, safe for a one-line message."""
    short = text[:60] + ("..." if len(text) > 60 else "")
    return "".join(c if c.isprintable() else "?" for c in short)


def _value_type_name(vtype: int) -> str:
    try:
        return GGUFValueType(vtype).name
    except ValueError:
        return str(vtype)


class _Reader:
    """Buffered, bounded reads from the start of a file."""

    CHUNK: Final = 256 * 1024

    def __init__(self, f: BinaryIO, size: int, limits: GGUFLimits, deadline: float) -> None:
        self.f = f
        self.size = size
        self.limits = limits
        self.deadline = deadline
        self.pos = 0
        self.buf = b""
        self.buf_pos = 0
        self.bytes_read = 0
        self.what = "magic"
        self.u32 = struct.Struct("<I")
        self.u64 = struct.Struct("<Q")

    def set_endian(self, prefix: str) -> None:
        self.u32 = struct.Struct(prefix + "I")
        self.u64 = struct.Struct(prefix + "Q")

    def check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise ModelImportError(
                f"GGUF header took longer than {self.limits.deadline_s:g} s to read "
                f"(stopped at byte {self.pos}, reading {self.what})"
            )

    def _bounds(self, n: int) -> None:
        end = self.pos + n
        if end > self.size:
            raise ModelImportError(
                f"GGUF header truncated at byte {self.size} (reading {self.what} at byte "
                f"{self.pos}, {n} bytes needed)"
            )
        if end > self.limits.max_header_bytes:
            raise ModelImportError(
                f"GGUF header larger than the {self.limits.max_header_bytes // MIB} MiB limit "
                f"(reading {self.what} at byte {self.pos})"
            )

    def _fill(self, n: int) -> int:
        """Make [pos, pos + n) available in the buffer; return its index there."""
        i = self.pos - self.buf_pos
        if i >= 0 and i + n <= len(self.buf):
            return i
        self._bounds(n)
        self.check_deadline()
        want = min(
            max(n, self.CHUNK), self.size - self.pos, self.limits.max_header_bytes - self.pos
        )
        try:
            self.f.seek(self.pos)
            data = self.f.read(want)
        except OSError as exc:
            raise ModelImportError(f"cannot read GGUF file: {exc.strerror or exc}") from None
        self.bytes_read += len(data)
        if len(data) < n:
            raise ModelImportError(
                f"GGUF header truncated at byte {self.pos + len(data)} (reading {self.what})"
            )
        self.buf = data
        self.buf_pos = self.pos
        return 0

    def raw(self, n: int) -> bytes:
        i = self._fill(n)
        self.pos += n
        return self.buf[i : i + n]

    def unpack(self, st: struct.Struct) -> Any:
        i = self._fill(st.size)
        self.pos += st.size
        return st.unpack_from(self.buf, i)[0]

    def read_u32(self) -> int:
        value: int = self.unpack(self.u32)
        return value

    def read_u64(self) -> int:
        value: int = self.unpack(self.u64)
        return value

    def skip(self, n: int) -> None:
        self._bounds(n)
        self.pos += n

    def string_length(self) -> int:
        n = self.read_u64()
        if n > self.limits.max_string_bytes:
            raise ModelImportError(
                f"GGUF string of {n} bytes at byte {self.pos - 8} exceeds the "
                f"{self.limits.max_string_bytes // MIB} MiB limit (reading {self.what})"
            )
        return n

    def string(self, max_keep: int) -> str | SkippedString:
        n = self.string_length()
        if n > max_keep:
            self.skip(n)
            return SkippedString(n)
        return self.raw(n).decode("utf-8", errors="replace")

    def skip_strings(self, count: int) -> None:
        """Walk ``count`` strings without storing them (fast path inside the buffer)."""
        limit = self.limits.max_string_bytes
        unpack = self.u64.unpack_from
        done = 0
        while done < count:
            self.check_deadline()
            buf, base = self.buf, self.buf_pos
            i, end = self.pos - base, len(buf)
            if i >= 0:
                while done < count and i + 8 <= end:
                    n = unpack(buf, i)[0]
                    if n > limit or i + 8 + n > end:
                        break
                    i += 8 + n
                    done += 1
                self.pos = base + i
            if done < count:
                self.skip(self.string_length())
                done += 1


class _HeaderParser:
    def __init__(self, r: _Reader) -> None:
        self.r = r
        self.lim = r.limits
        self.store_budget = r.limits.max_stored_elements_total
        prefix = r.u32.format[0]
        self.scalars = {t: struct.Struct(prefix + f) for t, f in _SCALAR_FORMATS.items()}

    def value(self, vtype: int, depth: int = 0) -> KVValue:
        r = self.r
        scalar = self.scalars.get(vtype)
        if scalar is not None:
            value: KVValue = r.unpack(scalar)
            return value
        if vtype == GGUFValueType.STRING:
            return r.string(self.lim.max_stored_string_bytes)
        if vtype != GGUFValueType.ARRAY:
            raise ModelImportError(f"GGUF {r.what} has unknown value type {vtype}")
        item = r.read_u32()
        count = r.read_u64()
        if count > self.lim.max_array_elements:
            raise ModelImportError(
                f"GGUF array of {count} elements exceeds the limit of "
                f"{self.lim.max_array_elements} ({r.what})"
            )
        item_fmt = _SCALAR_FORMATS.get(item)
        if item_fmt is not None:
            size = struct.calcsize(item_fmt)
            if count <= min(self.lim.max_stored_array_elements, self.store_budget):
                self.store_budget -= count
                st = struct.Struct(f"{r.u32.format[0]}{count}{item_fmt}")
                return tuple(st.unpack(r.raw(st.size)))
            r.skip(count * size)
        elif item == GGUFValueType.STRING:
            if count <= 16:
                return tuple(r.string(self.lim.max_stored_string_bytes) for _ in range(count))
            r.skip_strings(count)
        elif item == GGUFValueType.ARRAY:
            if depth >= self.lim.max_array_depth:
                raise ModelImportError(f"GGUF arrays nested deeper than {depth} ({r.what})")
            for j in range(count):
                if j & 0xFFF == 0:
                    r.check_deadline()
                self.value(GGUFValueType.ARRAY, depth + 1)
        else:
            raise ModelImportError(f"GGUF array in {r.what} has unknown item type {item}")
        return ArraySummary(_value_type_name(item), count)

    def key(self) -> str:
        r = self.r
        n = r.string_length()
        if n > self.lim.max_key_bytes:
            raise ModelImportError(f"GGUF key of {n} bytes at byte {r.pos - 8} is too long")
        try:
            return r.raw(n).decode("utf-8")
        except UnicodeDecodeError:
            raise ModelImportError(f"GGUF key at byte {r.pos - n} is not UTF-8") from None


def _open_size(path: Path) -> tuple[BinaryIO, int]:
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise ModelImportError(f"cannot open {path.name}: {exc.strerror or exc}") from None
    try:
        size = f.seek(0, 2)
    except OSError as exc:
        f.close()
        raise ModelImportError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    return f, size


def read_gguf_header(
    path: Path, limits: GGUFLimits | None = None, *, deadline: float | None = None
) -> GGUFHeader:
    """Parse only the header of a GGUF file; ``ModelImportError`` on anything wrong."""
    lim = limits or GGUFLimits()
    f, size = _open_size(Path(path))
    try:
        r = _Reader(f, size, lim, deadline or time.monotonic() + lim.deadline_s)
        return _parse(r)
    except ModelImportError:
        raise
    except (struct.error, UnicodeDecodeError, OverflowError, ValueError, MemoryError) as exc:
        raise ModelImportError(f"damaged GGUF header: {one_line(exc)}") from None
    finally:
        f.close()


def _parse(r: _Reader) -> GGUFHeader:
    lim = r.limits
    if r.size == 0:
        raise ModelImportError("not a GGUF file (empty)")
    head = r.raw(min(4, r.size))
    if head != GGUF_MAGIC_BYTES[: len(head)]:
        raise ModelImportError("not a GGUF file (bad magic)")
    if len(head) < 4:
        raise ModelImportError(f"GGUF header truncated at byte {r.size} (reading magic)")
    r.what = "version"
    version = r.read_u32()
    endian: Literal["little", "big"] = "little"
    if version not in (2, 3):
        swapped = int.from_bytes(version.to_bytes(4, "little"), "big")
        if swapped in (2, 3):
            endian, version = "big", swapped
            r.set_endian(">")
        elif version == 1 or swapped == 1:
            raise ModelImportError("GGUF version 1 is not supported (re-convert the model)")
        else:
            raise ModelImportError(f"unsupported GGUF version {version}")
    r.what = "tensor count"
    n_tensors = r.read_u64()
    r.what = "metadata count"
    n_kv = r.read_u64()
    if n_tensors > lim.max_tensors:
        raise ModelImportError(
            f"GGUF declares {n_tensors} tensors, over the limit of {lim.max_tensors}"
        )
    if n_kv > lim.max_kv_pairs:
        raise ModelImportError(
            f"GGUF declares {n_kv} metadata pairs, over the limit of {lim.max_kv_pairs}"
        )
    p = _HeaderParser(r)
    kv: dict[str, KVValue] = {}
    for j in range(n_kv):
        r.what = f"metadata key {j}"
        key = p.key()
        r.what = f"metadata '{_clean(key)}'"
        vtype = r.read_u32()
        value = p.value(vtype)
        if key in kv:
            raise ModelImportError(f"GGUF metadata key '{_clean(key)}' appears twice")
        kv[key] = value
    h = GGUFHeader(version=version, endian=endian, kv=kv, tensor_count=n_tensors)
    _read_tensors(r, h)
    h.bytes_read = r.bytes_read
    return h


def _read_tensors(r: _Reader, h: GGUFHeader) -> None:
    lim = r.limits
    alignment = h.kv.get(Keys.General.ALIGNMENT, 32)
    if (
        not isinstance(alignment, int)
        or isinstance(alignment, bool)
        or alignment <= 0
        or alignment & (alignment - 1)
        or alignment > 1 << 30
    ):
        raise ModelImportError(f"GGUF general.alignment {alignment!r:.30} is not a power of two")
    data_end = 0
    for j in range(h.tensor_count):
        if j & 0xFFF == 0:
            r.check_deadline()
        r.what = f"tensor info {j}"
        n = r.string_length()
        if n > lim.max_key_bytes:
            raise ModelImportError(f"GGUF tensor name of {n} bytes at byte {r.pos - 8}")
        name = r.raw(n).decode("utf-8", errors="replace")
        r.what = f"tensor '{_clean(name)}'"
        n_dims = r.read_u32()
        if not 1 <= n_dims <= 4:
            raise ModelImportError(f"GGUF tensor '{_clean(name)}' has {n_dims} dimensions")
        dims = tuple(r.read_u64() for _ in range(n_dims))
        ttype = r.read_u32()
        offset = r.read_u64()
        if ttype not in _QUANT_SIZES:
            raise ModelImportError(f"GGUF tensor '{_clean(name)}' has unknown type {ttype}")
        block, type_size = _QUANT_SIZES[ttype]
        if dims[0] % block:
            raise ModelImportError(
                f"GGUF tensor '{_clean(name)}' row of {dims[0]} is not a multiple of {block}"
            )
        if offset % alignment:
            raise ModelImportError(f"GGUF tensor '{_clean(name)}' offset {offset} is not aligned")
        elements = 1
        for d in dims:
            elements *= d
        nbytes = elements // block * type_size
        data_end = max(data_end, offset + nbytes)
        h.total_params += elements
        h.total_bytes += nbytes
        tname = GGMLQuantizationType(ttype).name
        h.params_by_type[tname] = h.params_by_type.get(tname, 0) + elements
        if name in _TRACKED_TENSORS:
            h.has_tensor.add(name)
        m = _BLOCK_RE.match(name)
        generic = name if m is None else "blk.N." + name[m.end() :]
        if generic not in h.shapes and len(h.shapes) < lim.max_stored_shapes:
            h.shapes[generic] = dims
        if _EXPS_RE.search(name):
            if m is not None and len(h.moe_blocks) < PLAUSIBLE_MAX["num_layers"]:
                h.moe_blocks.add(int(m.group(1)))
            n_exp = dims[2] if n_dims >= 3 else dims[-1]
            by = h.expert_params_by_count
            by[n_exp] = by.get(n_exp, 0) + elements
    r.what = "tensor data"
    h.data_offset = -(-r.pos // alignment) * alignment
    if data_end and h.data_offset + data_end > r.size:
        raise ModelImportError(
            f"GGUF tensor data truncated: tensors end at byte {h.data_offset + data_end}, "
            f"the file has {r.size} bytes"
        )


# ---------------------------------------------------------------------------------------------
# GGUF -> ModelSpec

_NOT_LLM: Final[dict[str, str]] = {
    "clip": "a vision projector (mmproj), not a language model",
    "bert": "an encoder-only model",
    "nomic-bert": "an encoder-only model",
    "nomic-bert-moe": "an encoder-only model",
    "jina-bert-v2": "an encoder-only model",
    "modern-bert": "an encoder-only model",
    "t5": "an encoder-decoder model",
    "t5encoder": "an encoder-only model",
    "wavtokenizer-dec": "an audio decoder",
}
# llama.cpp's fixed layer patterns (sliding layers, then a full one).
_FIXED_PATTERNS: Final[dict[str, tuple[AttentionKind, ...]]] = {
    "gemma2": ("sliding", "full"),
    "gpt-oss": ("sliding", "full"),
    "cohere2": ("sliding", "sliding", "sliding", "full"),
}
_SPLIT_RE: Final = re.compile(r"^(?P<stem>.+)-(?P<no>\d{5})-of-(?P<count>\d{5})\.gguf$")


def _as_int(v: KVValue | None) -> int | None:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    return None


class _Meta:
    def __init__(self, h: GGUFHeader, arch: str, notes: list[str]) -> None:
        self.h = h
        self.arch = arch
        self.notes = notes

    def get(self, suffix: str) -> int | None:
        key = f"{self.arch}.{suffix}"
        v = self.h.kv.get(key)
        if isinstance(v, tuple) and v and all(_as_int(x) is not None for x in v):
            ints = [int(x) for x in v if isinstance(x, int)]
            top = max(ints)
            if min(ints) != top:
                self.notes.append(f"{key} varies per layer ({min(ints)}..{top}); used {top}")
            return top
        return _as_int(v)

    def need(self, suffix: str) -> int:
        v = self.get(suffix)
        if v is None:
            raise ModelImportError(f"GGUF has no {_clean(self.arch)}.{suffix}")
        return v


def model_from_gguf(path: Path, *, limits: GGUFLimits | None = None) -> ImportedModel:
    """A custom model from a GGUF file, reading only its header (and its split siblings')."""
    path = Path(path)
    lim = limits or GGUFLimits()
    deadline = time.monotonic() + lim.deadline_s
    notes: list[str] = []
    h = read_gguf_header(path, lim, deadline=deadline)
    try:
        count = _as_int(h.kv.get(Keys.Split.LLM_KV_SPLIT_COUNT)) or 1
        exact = True
        if count > 1:
            h, exact = _merge_splits(path, h, count, lim, deadline, notes)
        return _imported(h, path, notes, exact)
    except ModelImportError:
        raise
    except (ValueError, TypeError, ArithmeticError, LookupError, MemoryError) as exc:
        raise ModelImportError(f"GGUF {path.name}: unusable metadata: {one_line(exc)}") from None


def _merge_splits(
    path: Path, h: GGUFHeader, count: int, lim: GGUFLimits, deadline: float, notes: list[str]
) -> tuple[GGUFHeader, bool]:
    m = _SPLIT_RE.match(path.name)
    if m is None or count > 10_000:
        notes.append(
            f"split GGUF ({count} parts) with an unexpected file name: "
            "parameters computed from the dimensions"
        )
        return h, False
    parts = [
        path.with_name(f"{m['stem']}-{i:05d}-of-{count:05d}.gguf") for i in range(1, count + 1)
    ]
    missing = [p.name for p in parts if not p.is_file()]
    if missing:
        notes.append(
            f"split GGUF: {len(missing)} of {count} parts missing "
            f"(e.g. {missing[0]}); parameters computed from the dimensions"
        )
        return h, False
    first = read_gguf_header(parts[0], lim, deadline=deadline) if parts[0] != path else h
    merged = first
    for part in parts[1:]:
        other = h if part == path else read_gguf_header(part, lim, deadline=deadline)
        merged.total_params += other.total_params
        merged.total_bytes += other.total_bytes
        for n_exp, elements in other.expert_params_by_count.items():
            by = merged.expert_params_by_count
            by[n_exp] = by.get(n_exp, 0) + elements
        merged.moe_blocks |= other.moe_blocks
        merged.has_tensor |= other.has_tensor
        merged.bytes_read += other.bytes_read
        for k, v in other.params_by_type.items():
            merged.params_by_type[k] = merged.params_by_type.get(k, 0) + v
        for name, dims in other.shapes.items():
            merged.shapes.setdefault(name, dims)
    notes.append(f"split GGUF: read the headers of all {count} parts")
    return merged, True


def _imported(h: GGUFHeader, path: Path, notes: list[str], exact: bool) -> ImportedModel:
    arch = h.kv.get(Keys.General.ARCHITECTURE)
    if not isinstance(arch, str) or not arch:
        raise ModelImportError("GGUF has no general.architecture")
    if arch in _NOT_LLM:
        raise ModelImportError(f"GGUF architecture '{arch}' is {_NOT_LLM[arch]}")
    meta = _Meta(h, arch, notes)
    fields = _dimension_fields(meta)
    name_v = h.kv.get(Keys.General.NAME)
    name = name_v if isinstance(name_v, str) and name_v.strip() else path.stem
    quant = _quant_hint(h, notes)
    basename = h.kv.get(Keys.General.BASENAME)
    licence = h.kv.get(Keys.General.LICENSE)
    fields.update(
        id=custom_id(name),
        name=name[:120],
        family=basename if isinstance(basename, str) and basename else arch,
        source=f"GGUF header of {path.name}",
        custom=True,
        native_quant=quant,
        license=licence if isinstance(licence, str) and licence else "unknown",
    )
    file_bytes: int | None = None
    bpw: float | None = None
    if exact and h.total_params > 0:
        fields["total_params_b"] = h.total_params / 1e9
        k = fields.get("experts_per_token") or 0
        inactive = sum(n * (e - k) // e for e, n in h.expert_params_by_count.items() if 0 < k <= e)
        active = h.total_params - inactive
        fields["active_params_b"] = max(active, 1) / 1e9
        file_bytes = h.total_bytes
        bpw = h.total_bytes * 8 / h.total_params
    else:
        fields.setdefault("assumptions", {})["total_params_b"] = "computed from the GGUF dimensions"
        if h.tensor_count == 0:
            notes.append("GGUF holds no tensors: parameters computed from the dimensions")
    spec = build_spec(fields, f"GGUF {path.name}")
    return ImportedModel(
        spec=spec, quant_hint=quant, file_bytes=file_bytes, bits_per_weight=bpw, notes=tuple(notes)
    )


def _dimension_fields(m: _Meta) -> dict[str, Any]:
    h = m.h
    layers = m.need("block_count")
    nextn = m.get("nextn_predict_layers") or 0
    if 0 < nextn < layers:
        layers -= nextn
        m.notes.append(f"{nextn} multi-token-prediction layer(s) not counted as decoder layers")
    hidden = m.need("embedding_length")
    heads = m.need("attention.head_count")
    kv_heads = m.get("attention.head_count_kv") or heads
    context = m.need("context_length")
    fields: dict[str, Any] = {
        "num_layers": layers,
        "hidden_size": hidden,
        "num_attention_heads": heads,
        "num_kv_heads": kv_heads,
        "max_context": context,
        "vocab_size": _vocab(m),
        "tie_word_embeddings": "output.weight" not in h.has_tensor,
        "qkv_bias": bool(h.has_tensor & {"blk.0.attn_q.bias", "blk.0.attn_qkv.bias"}),
    }
    kv_lora = m.get("attention.kv_lora_rank")
    if kv_lora:
        rope = m.need("rope.dimension_count")
        k_len = m.get("attention.key_length_mla") or m.need("attention.key_length")
        v_len = m.get("attention.value_length_mla") or m.need("attention.value_length")
        if k_len <= rope:
            raise ModelImportError(f"GGUF MLA key length {k_len} <= rope dimensions {rope}")
        fields["mla"] = MLASpec(
            kv_lora_rank=kv_lora,
            qk_rope_head_dim=rope,
            qk_nope_head_dim=k_len - rope,
            v_head_dim=v_len,
            q_lora_rank=m.get("attention.q_lora_rank") or None,
        )
        fields["head_dim"] = k_len
        fields["attention_pattern"] = ("mla",)
    else:
        fields["head_dim"] = m.get("attention.key_length") or (hidden // heads if heads else 0)
        _attention(m, fields, layers, context)
    _experts(m, fields, layers)
    return fields


def _vocab(m: _Meta) -> int:
    emb = m.h.shapes.get("token_embd.weight")
    if emb is not None and len(emb) >= 2:
        return emb[1]
    tokens = m.h.kv.get(Keys.Tokenizer.LIST)
    if isinstance(tokens, ArraySummary):
        return tokens.count
    if isinstance(tokens, tuple):
        return len(tokens)
    return m.need("vocab_size")


def _attention(m: _Meta, fields: dict[str, Any], layers: int, context: int) -> None:
    window = m.get("attention.sliding_window")
    pattern_v = m.h.kv.get(f"{m.arch}.attention.sliding_window_pattern")
    kinds: tuple[AttentionKind, ...] = ("full",)
    if m.arch == "llama4":
        fields["attention_chunk_size"] = 8192
        fields["assumptions"] = {
            "attention_chunk_size": "llama.cpp's fixed Llama 4 chunk (8192), not in the GGUF",
            "attention_pattern": "llama.cpp's fixed Llama 4 layout: 3 chunked + 1 full",
        }
        fields["attention_pattern"] = ("chunked", "chunked", "chunked", "full")
        return
    if window:
        if isinstance(pattern_v, tuple) and pattern_v and len(pattern_v) <= 4096:
            kinds = compress_pattern(["sliding" if x else "full" for x in pattern_v])
        elif 0 < (every := _as_int(pattern_v) or 0) <= 4096:
            kinds = compress_pattern(periodic_pattern("sliding", every))
        elif m.arch == "gemma3":
            kinds = ("sliding",) * 5 + ("full",)
        elif m.arch in _FIXED_PATTERNS:
            kinds = _FIXED_PATTERNS[m.arch]
        else:
            m.notes.append(
                f"sliding window {window} declared but the layer layout is unknown: "
                "treated as full attention (a safe over-estimate of KV memory)"
            )
    if "sliding" in kinds:
        if window is None or window >= context:
            kinds = compress_pattern(["full" if k == "sliding" else k for k in kinds])
        else:
            fields["sliding_window"] = window
    fields["attention_pattern"] = kinds


def _experts(m: _Meta, fields: dict[str, Any], layers: int) -> None:
    h = m.h
    ff = m.get("feed_forward_length") or 0
    experts = m.get("expert_count") or 0
    if experts <= 0:
        if ff <= 0:
            down = h.shapes.get("blk.N.ffn_down.weight")
            ff = down[0] if down else 0
        fields["intermediate_size"] = ff
        return
    k = m.need("expert_used_count")
    down = h.shapes.get("blk.N.ffn_down_exps.weight")
    i_moe = m.get("expert_feed_forward_length") or (down[0] if down else ff)
    shared = m.get("expert_shared_count") or 0
    i_shared = m.get("expert_shared_feed_forward_length")
    if not shared and (i_shared or "blk.N.ffn_down_shexp.weight" in h.shapes):
        shared = 1
    if shared and not i_shared:
        sh = h.shapes.get("blk.N.ffn_down_shexp.weight")
        if sh and shared == 1 and sh[0] != i_moe:
            i_shared = sh[0]
    first = max(m.get("leading_dense_block_count") or 0, 0)
    step = max(m.get("interleave_moe_layer_step") or 1, 1)
    first, step = _moe_layout(m, layers, first, step)
    fields.update(
        num_routed_experts=experts,
        num_shared_experts=shared,
        experts_per_token=k,
        moe_intermediate_size=i_moe or None,
        moe_first_dense_layers=first,
        moe_layer_step=step,
        intermediate_size=ff,  # like the catalog: kept even when every layer is MoE
    )
    if i_shared and i_shared != i_moe:
        fields["shared_expert_intermediate_size"] = i_shared


def _moe_layout(m: _Meta, layers: int, first: int, step: int) -> tuple[int, int]:
    """(first dense layers, step) that reproduce the blocks holding expert tensors."""
    blocks = sorted(b for b in m.h.moe_blocks if b < layers)
    if not blocks or not 0 < layers <= PLAUSIBLE_MAX["num_layers"]:
        return first, step

    def rule(f: int, s: int) -> list[int]:
        return [i for i in range(f, layers) if (i + 1) % s == 0]

    if blocks == rule(first, step):
        return first, step
    gap = blocks[1] - blocks[0] if len(blocks) > 1 else 1
    for f, s in ((blocks[0], 1), (0, gap), (blocks[0] - gap + 1, gap)):
        if f >= 0 and s >= 1 and blocks == rule(f, s):
            return f, s
    m.notes.append(
        f"MoE layers {blocks[:6]}... follow no simple rule; modelled as "
        f"{first} leading dense layers, then every {step}"
    )
    return first, step


def _quant_hint(h: GGUFHeader, notes: list[str]) -> str | None:
    ftype = _as_int(h.kv.get(Keys.General.FILE_TYPE))
    if ftype is not None:
        try:
            name = LlamaFileType(ftype & ~int(LlamaFileType.GUESSED)).name
        except ValueError:
            notes.append(f"unknown general.file_type {ftype}")
        else:
            return name.removeprefix("MOSTLY_").removeprefix("ALL_").lower()
    if h.params_by_type:
        top = max(h.params_by_type.items(), key=lambda kv: kv[1])[0]
        notes.append(f"no general.file_type; most weights are {top}")
        return top.lower()
    return None
