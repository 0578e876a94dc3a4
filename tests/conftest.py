"""Test setup: Qt renders offscreen (before any Qt import) and user folders are redirected."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the real user's data folder."""
    monkeypatch.setenv("LLM_PLANNER_HOME", str(tmp_path_factory.mktemp("home")))
