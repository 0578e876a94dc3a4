"""Header-only GGUF import with hard limits.

``read_gguf_header`` streams the GGUF header (magic, version, key/value metadata, tensor
infos) through a small buffer and never touches tensor data: large fixed-size arrays are
seeked past, string arrays (tokenizer vocab, merges) are walked but not stored. It enforces a
header size limit, element/pair/tensor/string limits and a wall-clock deadline, and turns every
kind of damage into a one-line ``ModelImportError``. Only ``gguf.constants`` is used from the
``gguf`` package (its ``GGUFReader`` maps the whole file and has no limits).

``planner.catalog.gguf_model`` turns the header into a custom model.
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
)

from planner.catalog.imported import (
    PLAUSIBLE_MAX,
    ModelImportError,
    one_line,
)

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
