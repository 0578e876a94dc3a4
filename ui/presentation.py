"""A full-screen slide show of a plan's results, for presenting to a client.

`slides_for(plan, dashboards)` turns the plan and the dashboards of its scenarios into
slides: a title slide, up to four slides a scenario (memory fit, speed, cost per million
tokens, savings against the API the scenario compares with: those the dashboard has numbers
for) and a comparison of the scenarios. Every
number on them comes from the dashboards, formatted; nothing is computed here.

`PresentationWindow` shows the slides in large type scaled to the window's size, in the
application palette's colours, with the plan title and client in a header and "3 / 9" in
the footer. Right, Down, Space, PageDown and a left click go forward; Left, Up, PageUp,
Backspace and a right click go back; Home and End jump; Escape closes (and emits `closed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QWidget

from planner.dashboard import CostLine, Dashboard
from planner.plan.schema import Plan, Scenario
from ui.text import number, usd

Table = tuple[list[str], list[list[str]]]


@dataclass
class Slide:
    """One slide: a heading, one big figure with a line saying what it is, a few lines under
    it, and optionally a chart (a widget the window takes over, or a picture) or a table."""

    heading: str
    figure: str = ""
    caption: str = ""
    lines: list[str] = field(default_factory=list)
    chart: QWidget | QPixmap | None = None
    table: Table | None = None
    title_slide: bool = False

    def text(self) -> str:
        """Everything the slide says, as plain text (for tests and accessibility)."""
        parts = [self.heading, self.figure, self.caption, *self.lines]
        if self.table is not None:
            headers, rows = self.table
            parts += [" | ".join(headers), *(" | ".join(r) for r in rows)]
        return "\n".join(p for p in parts if p)


# -- formatting (of numbers the dashboards hold) --------------------------------------------


def tokens(v: float) -> str:
    """11.4 billion; 655 million."""
    if v >= 1e9:
        return f"{v / 1e9:,.3g} billion" if v < 1e12 else f"{v / 1e9:,.0f} billion"
    if v >= 1e6:
        return f"{v / 1e6:,.3g} million"
    return f"{v:,.0f}"


def _date(iso: str) -> str:
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{when.day} {when:%B %Y}"


def _target(value_ms: float, target_ms: float | None) -> str:
    if target_ms is None:
        return "no target set"
    verdict = "within" if value_ms <= target_ms else "over"
    return f"{verdict} the {number(target_ms)} ms target"


def _line(d: Dashboard, label: str) -> CostLine | None:
    return next((c for c in d.cost_lines if c.label == label and c.kind != "self"), None)


# -- slides ---------------------------------------------------------------------------------


def _fit_slide(s: Scenario, d: Dashboard) -> Slide:
    est = d.estimate
    dep = est.deployment
    mem = est.memory
    worst = mem.worst
    room = mem.headroom_gib
    on = f"{dep.gpu_count} × {dep.gpu.name}"
    caption = (
        f"{room:.1f} GiB to spare per GPU on {on}"
        if room >= 0
        else f"{-room:.1f} GiB short per GPU on {on}"
    )
    lines = [
        f"{dep.model.name} in {dep.quant.name}, KV cache in {dep.kv_quant.name}, "
        f"{dep.engine.name} with tp={dep.tp} pp={dep.pp}",
        f"Fullest GPU: weights {worst.weights_gib:.1f} GiB, KV cache {worst.kv_cache_gib:.1f} "
        f"GiB, runtime {worst.activation_gib + worst.overhead_gib:.1f} GiB "
        f"of {worst.usable_gib:.1f} GiB usable",
    ]
    if est.max_batch <= 0:
        lines.append("Not a single request fits")
    elif not d.fits:
        lines.append(f"Batch {est.batch} asked for; at most {est.max_batch} fit")
    else:
        lines.append(
            f"Batch {est.batch} (at most {est.max_batch}); "
            f"context up to {est.max_context:,} tokens at that batch"
        )
    return Slide(f"{s.name}: does it fit?", "Fits" if d.fits else "Does not fit", caption, lines)


def _speed_slide(s: Scenario, d: Dashboard) -> Slide:
    sp = d.estimate.speed
    heading = f"{s.name}: speed"
    if sp is None:
        return Slide(heading, "–", "no speed estimate: the model does not fit", [])
    lo, hi = sp.low, sp.high
    lines = [
        f"Time to first token {number(sp.ttft_ms)} ms "
        f"({number(lo['ttft_ms'])}–{number(hi['ttft_ms'])}), "
        f"{_target(sp.ttft_ms, d.ttft_target_ms)}",
        f"Time per output token {number(sp.tpot_ms)} ms "
        f"({number(lo['tpot_ms'])}–{number(hi['tpot_ms'])}), "
        f"{_target(sp.tpot_ms, d.tpot_target_ms)}",
    ]
    sh = d.result.self_hosted
    if sh is not None:
        lines.append(
            f"Each replica serves {sh.point.concurrency} requests at once, limited by {d.binding}"
        )
    elif d.binding:
        lines.append(f"Limited by {d.binding}")
    return Slide(
        heading,
        f"{number(sp.output_tokens_per_s_total)} tokens/s",
        f"output at batch {sp.batch}, p10–p90 "
        f"{number(lo['output_tokens_per_s_total'])}–{number(hi['output_tokens_per_s_total'])}",
        lines,
    )


def _no_cost(d: Dashboard) -> str:
    if d.result.cost_note:
        return d.result.cost_note
    if d.scenario.cost_workload is None:
        return "not costed: the scenario sets no monthly token volume"
    return "not costed"


def _cost_slide(s: Scenario, d: Dashboard) -> Slide:
    heading = f"{s.name}: cost per million tokens"
    own = d.self_hosted_line
    sh = d.result.self_hosted
    if own is None or sh is None:
        return Slide(heading, "–", _no_cost(d), [])
    lines = []
    cheap = d.cheapest_api
    if cheap is not None:
        lines.append(f"Cheapest closed API: {cheap.label} at {usd(cheap.usd_per_mtok)}")
    api = d.result.api
    if api is not None:
        line = _line(d, api.name)
        if line is not None and line is not cheap:
            lines.append(f"Compared with {line.label} at {usd(line.usd_per_mtok)}")
    lines.append(
        f"{sh.replicas} replica(s), {sh.gpus} GPUs, {usd(sh.monthly.total_usd)} a month "
        f"at {tokens(sh.workload.monthly_tokens)} tokens a month"
    )
    if d.result.cost_note:
        lines.append(d.result.cost_note)
    return Slide(
        heading,
        usd(own.usd_per_mtok),
        f"per million tokens self-hosted "
        f"({usd(own.usd_per_mtok_low)}–{usd(own.usd_per_mtok_high)})",
        lines,
    )


def _savings_slide(s: Scenario, d: Dashboard) -> Slide:
    api, cmp, sh = d.result.api, d.result.comparison, d.result.self_hosted
    if api is None or cmp is None or sh is None:
        return Slide(f"{s.name}: savings", "–", _no_cost(d), [])
    lo, hi = cmp.savings_range_usd
    if cmp.self_hosting_wins:
        figure = f"{usd(cmp.savings_usd)} a month"
        caption = f"saved against {api.name}, {cmp.savings_pct:.0f}% ({usd(lo)}–{usd(hi)})"
    else:
        figure = f"{usd(-cmp.savings_usd)} a month"
        caption = f"more than {api.name} ({usd(-hi)}–{usd(-lo)})"
    lines = [
        f"{api.name}: {usd(cmp.api_monthly_usd)} a month; "
        f"self-hosted: {usd(cmp.self_monthly_usd)} a month",
    ]
    be = cmp.break_even_tokens_per_month
    if be is None:
        lines.append(f"{api.name} stays cheaper at any volume")
    else:
        lines.append(
            f"Self-hosting pays off above {tokens(be)} tokens a month "
            f"(this plan: {tokens(sh.workload.monthly_tokens)})"
        )
    if cmp.payback_months is not None:
        lines.append(f"The hardware pays for itself in {cmp.payback_months:.1f} months")
    return Slide(f"{s.name}: against {api.name}", figure, caption, lines)


def _comparison_slide(plan: Plan, dashboards: Sequence[Dashboard | None]) -> Slide:
    rows = []
    apis = set()
    for s, d in zip(plan.scenarios, dashboards, strict=False):
        if d is None:
            rows.append([s.name, "–", "–", "–", "–", "–"])
            continue
        sp = d.estimate.speed
        sh, cmp = d.result.self_hosted, d.result.comparison
        if d.result.api is not None:
            apis.add(d.result.api.name)
        rows.append(
            [
                s.name,
                "yes" if d.fits else "no",
                number(sp.output_tokens_per_s_total) if sp is not None else "–",
                usd(sh.usd_per_mtok) if sh is not None else "–",
                usd(sh.monthly.total_usd) if sh is not None else "–",
                usd(cmp.savings_usd) if cmp is not None else "–",
            ]
        )
    against = f"Saving against {', '.join(sorted(apis))}" if apis else ""
    return Slide(
        "Scenarios compared",
        lines=[against] if against else [],
        table=(["Scenario", "Fits", "Tokens/s", "Per Mtok", "A month", "Saving a month"], rows),
    )


def scenario_slides(s: Scenario, d: Dashboard) -> list[Slide]:
    """A scenario's slides: whether it fits; then, where the dashboard has them, its speed,
    its cost per million tokens (or why it has none, when it asks for one) and its savings
    against the API it compares with."""
    slides = [_fit_slide(s, d)]
    if d.estimate.speed is not None:
        slides.append(_speed_slide(s, d))
    if d.result.self_hosted is not None or s.cost_workload is not None:
        slides.append(_cost_slide(s, d))
    if d.result.comparison is not None:
        slides.append(_savings_slide(s, d))
    return slides


def slides_for(plan: Plan, dashboards: Sequence[Dashboard | None]) -> list[Slide]:
    """The slides of a plan: a title slide; for each scenario (with `dashboards[i]` its
    dashboard, None when it could not be computed) its `scenario_slides` (one slide saying
    so when it has no dashboard); and a comparison of the scenarios."""
    title = plan.title or "Deployment plan"
    lines = []
    if plan.client:
        lines.append(f"Prepared for {plan.client}")
    lines.append(_date(plan.modified))
    slides = [Slide(title, lines=lines, title_slide=True)]
    for s, d in zip(plan.scenarios, dashboards, strict=False):
        if d is None:
            slides.append(Slide(s.name, "Not computed", "the scenario could not be estimated"))
            continue
        slides += scenario_slides(s, d)
    slides.append(_comparison_slide(plan, dashboards))
    return slides


# -- the window -----------------------------------------------------------------------------

# Pixel sizes at 1920 x 1080 (36 pt heading, 72 pt figure at 96 dpi); scaled to the window.
HEADER_PX = 24
HEADING_PX = 48
FIGURE_PX = 96
CAPTION_PX = 40
LINE_PX = 34
TABLE_PX = 32
TITLE_PX = 72
WRAP = int(Qt.TextFlag.TextWordWrap)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved a share `t` of the way to `b`."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


@dataclass
class _Text:
    rect: QRectF
    text: str
    font: QFont
    muted: bool = False
    flags: int = WRAP | int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)


class PresentationWindow(QWidget):
    """The slides, one at a time, full screen (`show_presentation`) or in a window (`show`).
    A chart widget on a slide is taken over by this window (reparented, not interactive):
    pass a fresh one, not one that lives in another window."""

    closed = Signal()

    def __init__(
        self, title: str, client: str, slides: list[Slide], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{title} – presentation" if title else "Presentation")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        self.title = title
        self.client = client
        self.slides = slides or [Slide(title or "Nothing to present", title_slide=True)]
        self._index = 0
        self._closed = False
        self._texts: list[_Text] = []
        self._rules: list[tuple[QPointF, QPointF, float, bool]] = []  # from, to, width, accent
        self._picture: tuple[QRectF, QPixmap] | None = None
        self._table: tuple[QRectF, list[float], float, QFont, QFont] | None = None
        for slide in self.slides:
            if isinstance(slide.chart, QWidget):
                slide.chart.setParent(self)
                slide.chart.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                slide.chart.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
                slide.chart.hide()
        self.resize(1280, 720)
        self._relayout()

    # -- navigation --

    @property
    def index(self) -> int:
        return self._index

    @property
    def count(self) -> int:
        return len(self.slides)

    def counter_text(self) -> str:
        return f"{self._index + 1} / {len(self.slides)}"

    def current(self) -> Slide:
        return self.slides[self._index]

    def go(self, index: int) -> None:
        index = max(0, min(index, len(self.slides) - 1))
        if index != self._index:
            self._index = index
            self._relayout()
            self.update()

    def next(self) -> None:
        self.go(self._index + 1)

    def previous(self) -> None:
        self.go(self._index - 1)

    def show_presentation(self) -> None:
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
        self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        k = Qt.Key
        key = event.key()
        if key in (k.Key_Right, k.Key_Down, k.Key_Space, k.Key_PageDown, k.Key_Return):
            self.next()
        elif key in (k.Key_Left, k.Key_Up, k.Key_PageUp, k.Key_Backspace):
            self.previous()
        elif key == k.Key_Home:
            self.go(0)
        elif key == k.Key_End:
            self.go(len(self.slides) - 1)
        elif key == k.Key_Escape:
            self.close()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.next()
        elif event.button() == Qt.MouseButton.RightButton:
            self.previous()
        else:
            super().mousePressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if event.isAccepted() and not self._closed:
            self._closed = True
            self.closed.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._relayout()
            self.update()

    # -- layout --

    def _scale(self) -> float:
        return max(min(self.height() / 1080, self.width() / 1440), 0.25)

    def _font(self, px: float, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(max(round(px), 6))
        font.setBold(bold)
        return font

    def _relayout(self) -> None:
        s = self._scale()
        w, h = float(self.width()), float(self.height())
        side, top_pad = 72 * s, 32 * s
        self._texts, self._rules = [], []
        self._picture, self._table = None, None
        slide = self.current()
        # Header: title left, client right; footer: counter right.
        header = self._font(HEADER_PX * s)
        line_h = QFontMetricsF(header).height()
        client_w = min(QFontMetricsF(header).horizontalAdvance(self.client) + 4, w * 0.4)
        head_rect = QRectF(side, top_pad, w - 2 * side, line_h)
        single = int(Qt.AlignmentFlag.AlignVCenter)
        title_rect = QRectF(
            head_rect.left(), head_rect.top(), head_rect.width() - client_w - 32 * s, line_h
        )
        title = QFontMetricsF(header).elidedText(
            self.title, Qt.TextElideMode.ElideRight, title_rect.width()
        )
        self._texts.append(
            _Text(title_rect, title, header, True, single | int(Qt.AlignmentFlag.AlignLeft))
        )
        client_rect = QRectF(head_rect.right() - client_w, head_rect.top(), client_w, line_h)
        client = QFontMetricsF(header).elidedText(
            self.client, Qt.TextElideMode.ElideRight, client_rect.width()
        )
        self._texts.append(
            _Text(client_rect, client, header, True, single | int(Qt.AlignmentFlag.AlignRight))
        )
        rule_y = head_rect.bottom() + 14 * s
        self._rules.append(
            (QPointF(side, rule_y), QPointF(w - side, rule_y), max(3 * s, 1.5), True)
        )
        foot_rect = QRectF(side, h - top_pad - line_h, w - 2 * side, line_h)
        self._texts.append(
            _Text(
                foot_rect,
                self.counter_text(),
                header,
                True,
                single | int(Qt.AlignmentFlag.AlignRight),
            )
        )
        body = QRectF(side, rule_y + 48 * s, w - 2 * side, foot_rect.top() - rule_y - 72 * s)
        if slide.title_slide:
            self._layout_title(slide, body, s)
        else:
            self._layout_content(slide, body, s)
        for other in self.slides:
            if isinstance(other.chart, QWidget) and other is not slide:
                other.chart.hide()

    def _wrapped(self, font: QFont, text: str, width: float) -> float:
        return QFontMetricsF(font).boundingRect(QRectF(0, 0, width, 1e6), WRAP, text).height()

    def _layout_title(self, slide: Slide, body: QRectF, s: float) -> None:
        k = 1.0
        while True:
            big = self._font(TITLE_PX * s * k, bold=True)
            small = self._font(CAPTION_PX * s * k)
            width = body.width() * 0.9
            heights = [self._wrapped(big, slide.heading, width)]
            heights += [self._wrapped(small, t, width) for t in slide.lines]
            gap = 36 * s * k
            total = sum(heights) + gap * len(slide.lines)
            if total <= body.height() or k < 0.3:
                break
            k *= 0.9
        y = body.top() + max((body.height() - total) / 2 - 24 * s, 0)
        x = body.left() + (body.width() - width) / 2
        center = WRAP | int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self._texts.append(
            _Text(QRectF(x, y, width, heights[0]), slide.heading, big, False, center)
        )
        y += heights[0] + gap
        for text, hh in zip(slide.lines, heights[1:], strict=True):
            self._texts.append(_Text(QRectF(x, y, width, hh), text, small, True, center))
            y += hh + gap * 0.4

    def _layout_content(self, slide: Slide, body: QRectF, s: float) -> None:
        chart = slide.chart
        if isinstance(chart, QPixmap) and chart.isNull():
            chart = None
        # A chart on a wide screen goes to the right of the text, else under it.
        beside = chart is not None and body.width() > 1.3 * body.height()
        gutter = 56 * s
        text_w = (body.width() - gutter) * 0.5 if beside else body.width()
        wants_room = (chart is not None and not beside) or slide.table is not None
        k = 1.0
        while True:
            heading = self._font(HEADING_PX * s * k, bold=True)
            figure = self._font(FIGURE_PX * s * k, bold=True)
            caption = self._font(CAPTION_PX * s * k)
            line = self._font(LINE_PX * s * k)
            # The figure is one line: smaller type where it would not fit across.
            fw = QFontMetricsF(figure).horizontalAdvance(slide.figure)
            if fw > text_w:
                figure.setPixelSize(max(int(figure.pixelSize() * text_w / fw) - 1, 6))
            items: list[tuple[str, QFont, float, bool]] = []
            if slide.figure:
                items.append((slide.figure, figure, 6 * s * k, False))
            if slide.caption:
                items.append((slide.caption, caption, 40 * s * k, True))
            items += [(t, line, 20 * s * k, False) for t in slide.lines]
            head_h = self._wrapped(heading, slide.heading, body.width())
            head_gap = 44 * s * k
            heights = [self._wrapped(f, t, text_w) for t, f, _, _ in items]
            used = head_h + head_gap + sum(heights) + sum(gap for _, _, gap, _ in items)
            room = body.height() - used
            if k < 0.35 or room >= (body.height() * 0.35 if wants_room else 0):
                break
            k *= 0.92
        self._texts.append(
            _Text(QRectF(body.left(), body.top(), body.width(), head_h), slide.heading, heading)
        )
        y = top = body.top() + head_h + head_gap
        if chart is None and slide.table is None:  # the figure a little above the middle
            y += max(room, 0) * 0.3
        for (text, font, gap, muted), hh in zip(items, heights, strict=True):
            self._texts.append(_Text(QRectF(body.left(), y, text_w, hh), text, font, muted))
            y += hh + gap
        if beside:
            left = body.left() + text_w + gutter
            rest = QRectF(left, top, body.right() - left, body.bottom() - top)
        else:
            rest = QRectF(body.left(), y + 8 * s, body.width(), max(body.bottom() - y - 8 * s, 0))
        if slide.table is not None:
            self._layout_table(slide.table, rest, s * k)
        if isinstance(chart, QPixmap) and rest.height() > 20:
            size = chart.size().toSizeF() / chart.devicePixelRatio()
            size.scale(rest.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = rest.left() + (rest.width() - size.width()) / 2
            self._picture = (QRectF(QPointF(x, rest.top()), size), chart)
        elif isinstance(chart, QWidget):
            chart.setGeometry(rest.toRect())
            chart.setVisible(rest.height() > 20)

    def _layout_table(self, table: Table, rest: QRectF, s: float) -> None:
        headers, rows = table
        px = start = TABLE_PX * s
        while True:
            font, bold = self._font(px), self._font(px, bold=True)
            fm, fb = QFontMetricsF(font), QFontMetricsF(bold)
            pad = px * 1.6  # 0.6 px each side, and some slack
            widths = [
                max(
                    [fb.horizontalAdvance(h)]
                    + [fm.horizontalAdvance(r[i]) for r in rows if i < len(r)]
                )
                + pad
                for i, h in enumerate(headers)
            ]
            # A long name is cut short (…) rather than shrinking the whole table.
            widths[0] = min(widths[0], rest.width() * 0.42)
            row_h = fm.height() * 1.7
            fits = sum(widths) <= rest.width() and row_h * (len(rows) + 1) <= rest.height()
            if fits or px < max(start * 0.5, 9):
                break
            px *= 0.92
        if sum(widths) > rest.width():  # the first column (names) gives way
            widths[0] = max(rest.width() - sum(widths[1:]), rest.width() * 0.2)
        else:  # spread out, up to the full width, easier to follow across
            spare = min(rest.width() - sum(widths), sum(widths) * 0.6)
            widths = [w + spare / len(widths) for w in widths]
        self._table = (
            QRectF(rest.left(), rest.top(), rest.width(), row_h),
            widths,
            row_h,
            font,
            bold,
        )

    # -- painting --

    def paintEvent(self, event: QPaintEvent) -> None:
        pal = self.palette()
        bg = pal.color(QPalette.ColorRole.Window)
        fg = pal.color(QPalette.ColorRole.WindowText)
        muted = _mix(fg, bg, 0.28)
        accent = pal.color(QPalette.ColorRole.Highlight)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.fillRect(self.rect(), bg)
        for a, b, width, is_accent in self._rules:
            pen = QPen(accent if is_accent else muted)
            pen.setWidthF(width)
            p.setPen(pen)
            p.drawLine(a, b)
        for t in self._texts:
            p.setFont(t.font)
            p.setPen(muted if t.muted else fg)
            p.drawText(t.rect, t.flags, t.text)
        if self._picture is not None:
            rect, pixmap = self._picture
            p.drawPixmap(rect, pixmap, QRectF(pixmap.rect()))
        if self._table is not None:
            self._paint_table(p, fg, bg)
        p.end()

    def _paint_table(self, p: QPainter, fg: QColor, bg: QColor) -> None:
        assert self._table is not None
        first, widths, row_h, font, bold = self._table
        headers, rows = self.current().table or ([], [])
        stripe = _mix(bg, fg, 0.07)
        x0, y = first.left(), first.top()
        total_w = sum(widths)
        for r, cells in enumerate([headers, *rows]):
            if r > 0 and r % 2 == 0:
                p.fillRect(QRectF(x0, y, total_w, row_h), stripe)
            p.setFont(bold if r == 0 else font)
            p.setPen(fg)
            x = x0
            pad = font.pixelSize() * 0.6
            for i, (cell, cw) in enumerate(zip(cells, widths, strict=False)):
                rect = QRectF(x + pad, y, cw - 2 * pad, row_h)
                align = Qt.AlignmentFlag.AlignLeft if i == 0 else Qt.AlignmentFlag.AlignRight
                text = p.fontMetrics().elidedText(
                    cell, Qt.TextElideMode.ElideRight, int(rect.width() + 1)
                )
                p.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), text)
                x += cw
            y += row_h
            if r == 0:
                pen = QPen(fg)
                pen.setWidthF(max(row_h / 24, 1.0))
                p.setPen(pen)
                p.drawLine(QPointF(x0, y), QPointF(x0 + total_w, y))
