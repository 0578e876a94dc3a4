"""Small, forgiving readers for the values hardware tools print."""

from __future__ import annotations

import json
import math
import re
from typing import Any

MIB_PER_GIB = 1024.0
BYTES_PER_GIB = float(1 << 30)

# What the tools print instead of a value: nvidia-smi "[N/A]", "[Not Supported]",
# "[Unknown Error]", "[Requested functionality has been deprecated]"; rocm-smi "N/A (...)".
_MISSING = re.compile(
    r"^\[?\s*(n/?a|not supported|unknown|unknown error|none|err!?|requested functionality.*|"
    r"insufficient permissions?|gpu is lost|-)\s*\]?(\s*\(.*\))?$",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_SIZE = re.compile(r"(\d+(?:[.,]\d+)?)\s*([KMGT]i?B)\b", re.IGNORECASE)
_JSON_START = re.compile(r"^[ \t]*([\[{])", re.MULTILINE)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# PCIe transfer rate per lane (GT/s) -> generation.
_GTS_TO_GEN = ((2.5, 1), (5.0, 2), (8.0, 3), (16.0, 4), (32.0, 5), (64.0, 6), (128.0, 7))


def clean(value: object) -> str | None:
    """The text of a value, or None when the tool said it has none."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    if not text or _MISSING.match(text):
        return None
    return text


def number(value: object) -> float | None:
    """The first number in a value ('81559 MiB' -> 81559.0), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = clean(value)
    if text is None:
        return None
    m = _NUMBER.search(text)
    if m is None:
        return None
    try:
        v = float(m.group(0).replace(",", "."))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def integer(value: object) -> int | None:
    v = number(value)
    return int(v) if v is not None and abs(v) < 1e12 else None


def non_negative(value: float | None) -> float | None:
    return value if value is not None and value >= 0 else None


def gib_from_mib(value: object) -> float | None:
    v = non_negative(number(value))
    return round(v / MIB_PER_GIB, 2) if v is not None else None


def gib_from_bytes(value: object) -> float | None:
    v = non_negative(number(value))
    return round(v / BYTES_PER_GIB, 2) if v is not None else None


def gib_from_text(value: object) -> float | None:
    """'16 GB', '1536 MB', '64289 MB', '24 GiB' -> GiB (vendor 'GB' in these tools means GiB)."""
    text = clean(value)
    m = _SIZE.search(text) if text else None
    if m is None:
        return None
    v = float(m.group(1).replace(",", "."))
    scale = {"t": 1024.0, "g": 1.0, "m": 1 / 1024, "k": 1 / 1024**2}[m.group(2)[0].lower()]
    return round(v * scale, 2) if math.isfinite(v) and v >= 0 else None


def pcie_gen_from_rate(value: object) -> int | None:
    """'16.0GT/s x16' or '32 GT/s' -> PCIe generation."""
    rate = number(value)
    if rate is None:
        return None
    for gts, gen in _GTS_TO_GEN:
        if abs(rate - gts) < 0.3:
            return gen
    return None


def in_range(value: int | None, low: int, high: int) -> int | None:
    return value if value is not None and low <= value <= high else None


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def one_line(text: str, limit: int = 160) -> str:
    """A tool's message squeezed onto one printable line."""
    flat = " ".join(strip_ansi(text).split())
    flat = "".join(c if c.isprintable() else "?" for c in flat)
    return flat[:limit] + ("..." if len(flat) > limit else "")


def first_line(*texts: str) -> str:
    """The first non-empty line of the given outputs, for a note."""
    for text in texts:
        for line in text.splitlines():
            if line.strip():
                return one_line(line)
    return "no output"


def load_json(text: str) -> Any:
    """JSON from a tool's output, skipping anything printed before it (warnings, banners).

    The document starts at a '{' or '[' that begins a line. Raises ValueError when there is no
    complete JSON document.
    """
    starts = [m.start(1) for m in _JSON_START.finditer(text)][:20]
    if not starts:
        raise ValueError("no JSON in the output")
    decoder = json.JSONDecoder()
    problem = "no JSON in the output"
    for start in starts:
        try:
            doc, _end = decoder.raw_decode(text, start)
            return doc
        except json.JSONDecodeError as exc:
            problem = f"not valid JSON ({exc.msg} at line {exc.lineno})"
        except RecursionError:
            problem = "not valid JSON (nested too deeply)"
    raise ValueError(problem)
