"""The hardware-cost lookup a recommendation search prices every GPU with.

`costs_for(explicit, overrides)` is the function `planner.recommend.recommend` takes: for a
GPU and a way of paying for it, the cost inputs resolved by `planner.costinputs.hardware_costs`
from explicit values (a plan's, or the command line's), the user's saved overrides and the
bundled defaults. `per_gpu` adds values that hold for one GPU only (a plan's price for the
accelerator it deploys on), which must not leak onto every other GPU the search tries.
"""

from __future__ import annotations

from collections.abc import Mapping

from planner.catalog.schema import GpuSpec
from planner.cost import HardwareCosts
from planner.costinputs import Acquisition, hardware_costs
from planner.prices.overrides import PriceOverrides
from planner.recommend import CostsFor


def costs_for(
    explicit: Mapping[str, float],
    overrides: PriceOverrides | None = None,
    per_gpu: Mapping[str, Mapping[str, float]] | None = None,
) -> CostsFor:
    """A `CostsFor` resolving each GPU's costs; None where no price is known for it."""
    saved = overrides or PriceOverrides()
    only = per_gpu or {}

    def lookup(gpu: GpuSpec, mode: Acquisition) -> HardwareCosts | None:
        values = dict(explicit) | dict(only.get(gpu.id, {}))
        found = hardware_costs(gpu, mode, values, saved.defaults, saved.hardware.get(gpu.id))
        return None if found is None else found[0]

    return lookup


__all__ = ["costs_for"]
