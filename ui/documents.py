"""Plan files from the desktop: new, open, save, recent files, autosave and recovery.

The window supplies the dialogs through the small `Dialogs` interface, so all of this is
tested with fakes. Loading and saving go through planner.plan (atomic saves, migrations with
a `.bak`, one-line messages for damaged files).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from planner.plan.build import costs_pinned, resolve_costs
from planner.plan.io import PlanFileError, load_plan, save_plan
from planner.plan.recent import RecentFiles, Recovery, autosave, discard_recovery, find_recovery
from planner.plan.schema import FILE_SUFFIX, Plan
from ui.presenter import Presenter, default_scenario, now_iso

AUTOSAVE_MS = 30_000
PLAN_FILTER = f"Plans (*{FILE_SUFFIX});;All files (*)"
Answer = Literal["save", "discard", "cancel"]


class Dialogs(Protocol):
    def open_path(self, caption: str, filter: str) -> Path | None: ...
    def save_path(self, caption: str, suggested: Path, filter: str) -> Path | None: ...
    def ask_unsaved(self, name: str) -> Answer: ...
    def ask_recover(self, recovery: Recovery) -> bool: ...
    def error(self, title: str, text: str) -> None: ...


class Documents(QObject):
    """File commands for the presenter's plan."""

    recent_changed = Signal(list)  # [Path]
    opened = Signal(object)  # Path | None

    def __init__(
        self, presenter: Presenter, dialogs: Dialogs, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.p = presenter
        self.dialogs = dialogs
        self.recent = RecentFiles(presenter.context.state_dir)
        self.last_dir: Path | None = None
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave_now)
        self._autosave.start()

    @property
    def name(self) -> str:
        return self.p.path.name if self.p.path is not None else "Untitled plan"

    # --- the unsaved-changes guard -----------------------------------------------------------
    def may_discard(self) -> bool:
        """True when the current plan may be replaced (saved, or the user said so)."""
        if not self.p.dirty:
            return True
        answer = self.dialogs.ask_unsaved(self.name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    # --- commands ----------------------------------------------------------------------------
    def new(self) -> bool:
        if not self.may_discard():
            return False
        self._forget_autosave()
        plan = Plan.new(now_iso(), scenarios=(default_scenario(self.p.context.catalog),))
        self.p.replace_plan(plan, None)
        self.opened.emit(None)
        return True

    def open(self, path: Path | None = None) -> bool:
        if not self.may_discard():
            return False
        if path is None:
            path = self.dialogs.open_path("Open plan", PLAN_FILTER)
            if path is None:
                return False
        return self.load(path)

    def load(self, path: Path) -> bool:
        """Open `path`; a damaged file shows a message and keeps the current plan."""
        try:
            loaded = load_plan(path)
        except PlanFileError as exc:
            self.dialogs.error("Cannot open plan", str(exc))
            return False
        if not loaded.plan.scenarios:
            self.dialogs.error("Cannot open plan", f"{path}: the plan has no scenarios")
            return False
        self._forget_autosave()
        self.p.replace_plan(loaded.plan, path)
        self.last_dir = path.parent
        self._remember(path)
        self.opened.emit(path)
        return True

    def save(self) -> bool:
        if self.p.path is None:
            return self.save_as()
        return self._write(self.p.path)

    def save_as(self) -> bool:
        folder = self.last_dir or Path.home()
        suggested = folder / (self._stem() + FILE_SUFFIX)
        path = self.dialogs.save_path("Save plan as", suggested, PLAN_FILTER)
        if path is None:
            return False
        if path.suffix != FILE_SUFFIX:
            path = path.with_name(path.name + FILE_SUFFIX)
        return self._write(path)

    def _stem(self) -> str:
        if self.p.path is not None:
            return self.p.path.stem
        title = self.p.plan.title or (self.p.scenario.name if self.p.scenario else "plan")
        keep = "".join(c if c.isalnum() or c in " -_" else " " for c in title)
        return "-".join(keep.split())[:60] or "plan"

    def _write(self, path: Path) -> bool:
        cat = self.p.context.catalog
        plan = self.p.plan
        scenarios = tuple(s if costs_pinned(s) else resolve_costs(cat, s) for s in plan.scenarios)
        plan = plan.model_copy(update={"scenarios": scenarios}).touched(now_iso())
        try:
            save_plan(path, plan)
        except (PlanFileError, OSError) as exc:
            self.dialogs.error("Cannot save plan", str(exc))
            return False
        discard_recovery(self.p.context.state_dir, self.p.path, self.p.plan)
        self.p.mark_saved(plan, path)
        self.last_dir = path.parent
        self._remember(path)
        self.opened.emit(path)
        return True

    def _remember(self, path: Path) -> None:
        try:
            self.recent.add(path)
        except OSError:
            return  # an unwritable state folder costs the recent list, nothing else
        self.recent_changed.emit(self.recent_files())

    def recent_files(self) -> list[Path]:
        return list(self.recent.files())

    def clear_recent(self) -> None:
        self.recent.clear()
        self.recent_changed.emit([])

    # --- autosave and recovery ---------------------------------------------------------------
    def autosave_now(self) -> Path | None:
        if not self.p.dirty:
            return None
        try:
            return autosave(self.p.context.state_dir, self.p.plan, self.p.path)
        except PlanFileError:
            return None  # a full disk must not interrupt the user; the next tick retries

    def _forget_autosave(self) -> None:
        discard_recovery(self.p.context.state_dir, self.p.path, self.p.plan)

    def offer_recovery(self) -> bool:
        """At start: offer the newest autosave left by a session that did not close cleanly."""
        found = find_recovery(self.p.context.state_dir)
        if not found:
            return False
        newest = found[0]
        if not self.dialogs.ask_recover(newest):
            for r in found:
                r.discard()
            return False
        self.p.replace_plan(newest.plan, newest.source_path)
        # Recovered work is unsaved work: mark it dirty so closing asks to save it.
        self.p.undo_stack.resetClean()
        newest.discard()
        self.opened.emit(newest.source_path)
        return True

    def closing(self) -> bool:
        """The window is closing: True when it may (unsaved work saved or discarded)."""
        if not self.may_discard():
            return False
        self._autosave.stop()
        self._forget_autosave()
        return True
