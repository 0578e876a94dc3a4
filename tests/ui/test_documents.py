"""Plan files from the desktop: open, save, damaged files, unsaved changes, autosave."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from planner.plan.io import load_plan
from planner.plan.recent import Recovery
from planner.plan.schema import Plan
from ui.context import AppContext
from ui.documents import Answer, Documents
from ui.presenter import Presenter

EXAMPLE = Path(__file__).resolve().parents[2] / "resources/examples/enterprise-llama4.llmplan"


class FakeDialogs:
    def __init__(self) -> None:
        self.open_answer: Path | None = None
        self.save_answer: Path | None = None
        self.unsaved: Answer = "cancel"
        self.recover = True
        self.errors: list[tuple[str, str]] = []
        self.asked_unsaved = 0

    def open_path(self, caption: str, filter: str) -> Path | None:
        return self.open_answer

    def save_path(self, caption: str, suggested: Path, filter: str) -> Path | None:
        return self.save_answer

    def ask_unsaved(self, name: str) -> Answer:
        self.asked_unsaved += 1
        return self.unsaved

    def ask_recover(self, recovery: Recovery) -> bool:
        return self.recover

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))


@pytest.fixture
def docs(qtbot: QtBot, context: AppContext) -> tuple[Documents, FakeDialogs]:
    dialogs = FakeDialogs()
    return Documents(Presenter(context), dialogs), dialogs


def test_open_through_the_dialog_and_save_as(
    docs: tuple[Documents, FakeDialogs], tmp_path: Path
) -> None:
    d, dialogs = docs
    src = tmp_path / "example.llmplan"
    shutil.copy(EXAMPLE, src)
    dialogs.open_answer = src
    assert d.open()
    assert d.p.path == src and d.p.plan.title.startswith("Llama 4")
    assert d.recent_files() == [src]
    d.p.apply({"kv_quant": "fp8"})
    assert d.p.dirty
    dialogs.save_answer = tmp_path / "copy"  # the suffix is added
    assert d.save_as()
    saved = tmp_path / "copy.llmplan"
    assert d.p.path == saved and not d.p.dirty
    plan = load_plan(saved, backup=False).plan
    assert plan.scenarios[0].kv_quant == "fp8"
    assert plan.modified > plan.created
    assert d.recent_files()[0] == saved


def test_damaged_file_shows_a_message_and_keeps_the_current_plan(
    docs: tuple[Documents, FakeDialogs], tmp_path: Path
) -> None:
    d, dialogs = docs
    before = d.p.plan
    bad = tmp_path / "bad.llmplan"
    bad.write_text(EXAMPLE.read_text()[:500])
    assert not d.open(bad)
    assert dialogs.errors and "bad.llmplan" in dialogs.errors[0][1]
    assert d.p.plan is before and d.p.path is None


def test_unsaved_changes_prompt(docs: tuple[Documents, FakeDialogs], tmp_path: Path) -> None:
    d, dialogs = docs
    d.p.apply({"kv_quant": "fp8"})
    dialogs.unsaved = "cancel"
    assert not d.new()
    assert d.p.scenario is not None and d.p.scenario.kv_quant == "fp8"
    dialogs.unsaved = "save"
    dialogs.save_answer = None  # the user cancels the save dialog: nothing is lost
    assert not d.new()
    assert d.p.dirty
    dialogs.unsaved = "discard"
    assert d.new()
    assert not d.p.dirty and d.p.scenario is not None and d.p.scenario.kv_quant != "fp8"
    assert dialogs.asked_unsaved == 3
    assert d.closing()  # nothing unsaved: no question
    assert dialogs.asked_unsaved == 3


def test_autosave_and_recovery(
    qtbot: QtBot, context: AppContext, example_plan: Plan, tmp_path: Path
) -> None:
    dialogs = FakeDialogs()
    crashed = Documents(Presenter(context, example_plan), dialogs)
    assert crashed.autosave_now() is None  # nothing unsaved yet
    crashed.p.apply({"kv_quant": "fp8"})
    assert crashed.autosave_now() is not None
    # The next start offers it back; the recovered plan is unsaved work.
    again = Documents(Presenter(context), dialogs)
    assert again.offer_recovery()
    assert again.p.scenario is not None and again.p.scenario.kv_quant == "fp8"
    assert again.p.dirty
    # ... and only once.
    assert not Documents(Presenter(context), dialogs).offer_recovery()


def test_declined_recovery_is_dropped(
    qtbot: QtBot, context: AppContext, example_plan: Plan
) -> None:
    dialogs = FakeDialogs()
    crashed = Documents(Presenter(context, example_plan), dialogs)
    crashed.p.apply({"kv_quant": "fp8"})
    crashed.autosave_now()
    dialogs.recover = False
    assert not Documents(Presenter(context), dialogs).offer_recovery()
    dialogs.recover = True
    assert not Documents(Presenter(context), dialogs).offer_recovery()


def test_save_to_an_unwritable_place_reports_and_stays_dirty(
    docs: tuple[Documents, FakeDialogs], tmp_path: Path
) -> None:
    d, dialogs = docs
    d.p.apply({"kv_quant": "fp8"})
    dialogs.save_answer = tmp_path / "no-such-folder" / "plan.llmplan"
    assert not d.save_as()
    assert dialogs.errors and d.p.dirty and d.p.path is None
