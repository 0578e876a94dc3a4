"""Where bundled resources live: a source checkout, an installed wheel or a frozen binary."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

ENV_RESOURCES = "LLM_PLANNER_RESOURCES"


def resources_dir() -> Path:
    """The `resources/` folder, found the same way from source, a wheel and PyInstaller."""
    return _resources_dir(os.environ.get(ENV_RESOURCES))


@cache
def _resources_dir(override: str | None) -> Path:
    if override:
        return Path(override)
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "resources"
    here = Path(__file__).resolve().parent
    installed = here / "_resources"
    if installed.is_dir():
        return installed
    return here.parent / "resources"
