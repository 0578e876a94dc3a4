"""Cross-validation: how well the estimator does on GPUs and models it was not fitted on.

Each GPU model (and each model) in the data is held out in turn: the factors are refitted
without its measurements, and its measurements are then estimated with the refitted factors.
This is the accuracy to expect on hardware with no measurements of its own."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planner.estimate.fit import Case, fit_table


@dataclass(frozen=True)
class HeldOut:
    metric: str
    n: int
    groups: int
    mdape: float


def cross_validate(
    cases: Sequence[Case],
    key: Callable[[Case], str],
    progress: Callable[[int, int], None] | None = None,
) -> list[HeldOut]:
    """Hold out each value of `key` in turn; median error per metric on the held-out rows."""
    usable = [c for c in cases if not c.m.suspect]
    keys = sorted({key(c) for c in usable})
    errors: dict[str, list[float]] = defaultdict(list)
    groups: dict[str, set[str]] = defaultdict(set)
    for i, k in enumerate(keys):
        if progress:
            progress(i, len(keys))
        train = [c for c in usable if key(c) != k]
        test = [c for c in usable if key(c) == k]
        table = fit_table(train)
        for c in test:
            f, _ = table.lookup(c.m.engine_family, c.hw_class)
            est = c.predict(f)
            errors[c.m.metric].append(abs(est - c.m.value) / c.m.value * 100)
            groups[c.m.metric].add(k)
    return [
        HeldOut(metric=m, n=len(e), groups=len(groups[m]), mdape=statistics.median(e))
        for m, e in sorted(errors.items())
    ]


def by_gpu(c: Case) -> str:
    return c.m.deployment.gpu.id


def by_model(c: Case) -> str:
    return c.m.deployment.model.id
