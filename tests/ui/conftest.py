"""Shared fixtures of the UI tests: a context on a private home, the example plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.plan.io import load_plan
from planner.plan.schema import Plan
from ui.context import AppContext, load_context

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "enterprise-llama4.llmplan"


@pytest.fixture
def context(tmp_path: Path) -> AppContext:
    return load_context(tmp_path / "home", tmp_path / "state")


@pytest.fixture
def example_plan() -> Plan:
    return load_plan(EXAMPLE, backup=False).plan
