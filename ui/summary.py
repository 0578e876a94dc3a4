"""The always-visible results strip: fit, speed, cost against the cheapest API, what binds.

It formats the numbers of a `planner.dashboard.Dashboard`; it computes none of its own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from planner.dashboard import Dashboard
from ui.text import number, si, usd

OK_COLOUR = "#1a7f37"
BAD_COLOUR = "#c62828"


class Card(QFrame):
    """A heading, one big line and a few small lines."""

    def __init__(self, heading: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setToolTip(tooltip)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(2)
        self.heading = QLabel(heading.upper())
        self.heading.setStyleSheet("font-size: 8pt; font-weight: 600; color: palette(mid);")
        self.big = QLabel("–")
        self.big.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.small = QLabel("")
        self.small.setWordWrap(True)
        self.small.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for w in (self.heading, self.big, self.small):
            lay.addWidget(w)
        lay.addStretch(1)

    def set(self, big: str, small: str = "", colour: str | None = None) -> None:
        self.big.setText(big)
        style = "font-size: 16pt; font-weight: 600;"
        self.big.setStyleSheet(style + (f" color: {colour};" if colour else ""))
        self.small.setText(small)


class Summary(QWidget):
    """Four cards in a row and a line of notes under them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.fit = Card("Memory", "Does the model fit on each GPU, and how much is left over")
        self.speed = Card(
            "Speed",
            "Output tokens per second for the whole deployment at the workload's concurrency, "
            "with the p10..p90 range of the calibrated estimate; time to first token (TTFT) "
            "and per output token (TPOT)",
        )
        self.cost = Card(
            "Cost",
            "Self-hosted cost per million tokens at the monthly volume, against the cheapest "
            "closed API at the same traffic",
        )
        self.binds = Card("What binds", "What stops the deployment serving more")
        for c in (self.fit, self.speed, self.cost, self.binds):
            row.addWidget(c)
        outer.addLayout(row)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: palette(mid);")
        outer.addWidget(self.notes)

    def show_error(self, message: str) -> None:
        self.fit.set("Cannot estimate", message, BAD_COLOUR)
        for c in (self.speed, self.cost, self.binds):
            c.set("–", "")
        self.notes.setText("")

    def show_dashboard(self, d: Dashboard) -> None:
        est = d.estimate
        dep = est.deployment
        worst = est.memory.worst
        gpus = f"{dep.gpu_count} x {dep.gpu.name}"
        if d.fits:
            self.fit.set(
                "Fits",
                f"{worst.headroom_gib:.1f} GiB free of {worst.usable_gib:.1f} GiB usable per GPU"
                f" on {gpus}; up to {est.max_batch:,} sequences, "
                f"{si(est.max_context)} tokens of context",
                OK_COLOUR,
            )
        else:
            self.fit.set(
                "Does not fit",
                f"needs {-worst.headroom_gib:.1f} GiB more per GPU on {gpus} "
                f"({worst.total_gib:.1f} of {worst.usable_gib:.1f} GiB)",
                BAD_COLOUR,
            )
        s = est.speed
        if s is None:
            self.speed.set("–", "no speed estimate: the model does not fit")
        else:
            lo, hi = s.low["output_tokens_per_s_total"], s.high["output_tokens_per_s_total"]
            self.speed.set(
                f"{number(s.output_tokens_per_s_total)} tok/s",
                f"{number(lo)}–{number(hi)} at {s.batch} concurrent; TTFT {s.ttft_ms:,.0f} ms, "
                f"TPOT {s.tpot_ms:.1f} ms ({1000 / s.tpot_ms:.0f} tok/s per user)",
            )
        self._cost(d)
        self.binds.set(_short(d.binding), d.binding)
        self.notes.setText("; ".join(d.notes))

    def _cost(self, d: Dashboard) -> None:
        own = d.self_hosted_line
        if own is None:
            why = d.result.cost_note
            if d.scenario.cost_workload is None:
                why = "set a monthly volume on the Workload step to compare with APIs"
            self.cost.set("–", why or "")
            return
        cheapest = d.cheapest_api
        cmp = d.result.comparison
        lines = [f"range {usd(own.usd_per_mtok_low)}–{usd(own.usd_per_mtok_high)}"]
        colour = None
        if cheapest is not None:
            lines.append(f"cheapest API: {cheapest.label} {usd(cheapest.usd_per_mtok)}/Mtok")
            colour = OK_COLOUR if own.usd_per_mtok <= cheapest.usd_per_mtok else None
        if cmp is not None and d.result.api is not None:
            verb = "saves" if cmp.savings_usd >= 0 else "costs"
            lines.append(
                f"vs {d.result.api.name}: {verb} {usd(abs(cmp.savings_usd))}/month "
                f"({abs(cmp.savings_pct):.0f}%)"
            )
            if cmp.savings_usd >= 0:
                colour = OK_COLOUR
        self.cost.set(f"{usd(own.usd_per_mtok)} / Mtok", "\n".join(lines), colour)


def _short(binding: str) -> str:
    text = binding.split(":")[0].split("(")[0].strip()
    return text[:1].upper() + text[1:30] if text else "–"
