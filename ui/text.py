"""How numbers and errors are written for people, everywhere in the app."""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import ValidationError


def usd(v: float) -> str:
    """$17,289; $1.51; $0.175; -$15,575."""
    if v < 0:
        return "-" + usd(-v)
    if v >= 100:
        return f"${v:,.0f}"
    if v >= 1:
        return f"${v:,.2f}"
    return f"${v:.3g}"


def number(v: float) -> str:
    """1,726; 39.3; 0.5."""
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def si(value: float, digits: int = 3) -> str:
    """1234 -> '1.23k', 2.5e9 -> '2.5B' (short scale: k, M, B, T); small numbers as they are."""
    if value is None or not math.isfinite(value):
        return "-"
    a = abs(value)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div * (1 - 5e-4):
            return _num(value / div, digits) + suffix
    return _num(value, digits)


def _num(value: float, digits: int) -> str:
    """`digits` significant digits without exponent notation (integers keep all theirs)."""
    if value == 0:
        return "0"
    whole = math.floor(math.log10(abs(value))) + 1
    decimals = max(digits - whole, 0)
    s = f"{value:.{decimals}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def one_line_error(exc: Exception, labels: Mapping[str, str] | None = None) -> str:
    """The first problem of a ValidationError (or any ValueError) as one readable line,
    naming the field by its label on the page."""
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        loc = [str(x) for x in err.get("loc", ())]
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        msg = msg.replace("Input should be", "must be")
        where = next((labels[x] for x in reversed(loc) if labels and x in labels), None)
        if where is None and loc:
            where = loc[-1].replace("_", " ")
        return f"{where}: {msg}" if where else msg
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
