"""Small, self-contained SVG charts for reports, drawn without Qt."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

WIDTH = 640
FONT = "font-family='DejaVu Sans, Arial, sans-serif'"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")


def _fmt(v: float) -> str:
    if abs(v) >= 1e6:
        return f"{v / 1e6:.1f}M"
    if abs(v) >= 1e3:
        return f"{v / 1e3:.1f}k"
    return f"{v:.3g}"


def nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least `raw`: round axis ticks."""
    power = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 5.0):
        if m * power >= raw:
            return m * power
    return 10.0 * power


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    unit: str,
    highlight: int | None = None,
) -> str:
    """Horizontal bars, one per label, with the value written at the end of each bar."""
    row_h, left, right = 22, 230, 90
    height = 40 + row_h * len(labels) + 10
    top = max([*values, 1e-9])
    plot_w = WIDTH - left - right
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}' "
        f"viewBox='0 0 {WIDTH} {height}' role='img' aria-label='{escape(title)}'>",
        f"<text x='10' y='20' {FONT} font-size='14' font-weight='bold'>{escape(title)}</text>",
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 34 + i * row_h
        w = max(plot_w * value / top, 1.0) if value > 0 else 1.0
        color = PALETTE[1] if i == highlight else PALETTE[0]
        parts.append(
            f"<text x='{left - 6}' y='{y + 14}' {FONT} font-size='11' text-anchor='end'>"
            f"{escape(label)}</text>"
            f"<rect x='{left}' y='{y + 3}' width='{w:.1f}' height='{row_h - 6}' fill='{color}'/>"
            f"<text x='{left + w + 4:.1f}' y='{y + 14}' {FONT} font-size='11'>"
            f"{escape(_fmt(value))} {escape(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    title: str,
    xs: Sequence[float],
    series: Sequence[tuple[str, Sequence[float], Sequence[float] | None, Sequence[float] | None]],
    x_label: str,
    y_label: str,
    log_x: bool = True,
) -> str:
    """Lines over a shared x axis; each series may carry a low..high band drawn beneath it."""
    height, left, bottom, top_m, right = 300, 70, 45, 35, 20
    pw, ph = WIDTH - left - right, height - top_m - bottom
    if not xs:
        return ""
    highs = [v for _, ys, _, hi in series for v in (hi or ys)]
    step = nice_step(max([*highs, 1e-9]) / 4)
    y_max = step * math.ceil(max([*highs, 1e-9]) / step)

    def sx(x: float) -> float:
        lo, hi = (math.log2(xs[0]), math.log2(xs[-1])) if log_x else (xs[0], xs[-1])
        v = math.log2(x) if log_x else x
        return left + (pw * (v - lo) / (hi - lo) if hi > lo else pw / 2)

    def sy(y: float) -> float:
        return top_m + ph * (1 - y / y_max)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}' "
        f"viewBox='0 0 {WIDTH} {height}' role='img' aria-label='{escape(title)}'>",
        f"<text x='10' y='20' {FONT} font-size='14' font-weight='bold'>{escape(title)}</text>",
        f"<line x1='{left}' y1='{top_m + ph}' x2='{left + pw}' y2='{top_m + ph}' stroke='#444'/>",
        f"<line x1='{left}' y1='{top_m}' x2='{left}' y2='{top_m + ph}' stroke='#444'/>",
    ]
    for x in xs:
        parts.append(
            f"<text x='{sx(x):.1f}' y='{top_m + ph + 15}' {FONT} font-size='10' "
            f"text-anchor='middle'>{escape(_fmt(x))}</text>"
        )
    for k in range(round(y_max / step) + 1):
        y = step * k
        parts.append(
            f"<line x1='{left}' y1='{sy(y):.1f}' x2='{left + pw}' y2='{sy(y):.1f}' "
            "stroke='#ddd'/>"
            f"<text x='{left - 5}' y='{sy(y) + 4:.1f}' {FONT} font-size='10' "
            f"text-anchor='end'>{escape(_fmt(y))}</text>"
        )
    for i, (name, ys, lo, hi) in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        if lo is not None and hi is not None:
            ring = [(sx(x), sy(h)) for x, h in zip(xs, hi, strict=True)]
            ring += [(sx(x), sy(low)) for x, low in reversed(list(zip(xs, lo, strict=True)))]
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in ring)
            parts.append(f"<polygon points='{pts}' fill='{color}' fill-opacity='0.15'/>")
        pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(xs, ys, strict=True))
        parts.append(f"<polyline points='{pts}' fill='none' stroke='{color}' stroke-width='2'/>")
        parts.append(
            f"<text x='{left + 8}' y='{top_m + 14 + 14 * i}' {FONT} font-size='11' "
            f"fill='{color}'>{escape(name)}</text>"
        )
    parts.append(
        f"<text x='{left + pw / 2}' y='{height - 8}' {FONT} font-size='11' "
        f"text-anchor='middle'>{escape(x_label)}</text>"
        f"<text x='14' y='{top_m + ph / 2}' {FONT} font-size='11' text-anchor='middle' "
        f"transform='rotate(-90 14 {top_m + ph / 2})'>{escape(y_label)}</text></svg>"
    )
    return "".join(parts)
