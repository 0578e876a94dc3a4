"""Where bundled resources live: a source checkout, an installed wheel or a frozen binary."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

ENV_RESOURCES = "LLM_PLANNER_RESOURCES"
ENV_HOME = "LLM_PLANNER_HOME"  # redirects every user folder (the tests use it)


def state_dir() -> Path:
    """Recent files and autosaves (under LLM_PLANNER_HOME when it is set)."""
    override = os.environ.get(ENV_HOME)
    if override:
        return Path(override) / "state"
    import platformdirs

    return Path(platformdirs.user_state_dir("llm-planner", appauthor=False))


def user_dir() -> Path:
    """Where the user's own models and accelerators are kept (override with LLM_PLANNER_HOME)."""
    override = os.environ.get(ENV_HOME)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("llm-planner", appauthor=False))


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
