"""Bring your own benchmark: import benchmark output files, show them beside the estimates
(the "Measured" tab), and calibrate the estimates to them.

`BenchmarkController.install(window)` adds File ▸ Import benchmark results… (Ctrl+B) and the
Measured tab to a `ui.main_window.MainWindow`; the window calls `import_files(paths)` for
dropped files that are neither plans nor models. Files are read and resolved off the UI
thread (`window.jobs`, kind "benchmarks"); what a file does not say is asked for with
`ask_missing` (a dialog; tests replace the method). Imported measurements live for the
session; a calibration goes into the plan (one undo step) through the presenter. Every
number comes from `planner.benchcalib` / `planner.calibrate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from planner.benchcalib import (
    calibrate,
    calibration_status,
    comparison_rows,
    implications,
    measurements_for,
    missing_fields,
    scenario_defaults,
    stored_calibrations,
    unusable_reason,
    without_flags,
)
from planner.catalog.load import Catalog
from planner.estimate.efficiency import EfficiencyTable
from planner.estimate.measured import Measurement
from ui.plots.measured import MeasuredView

if TYPE_CHECKING:
    from planner.benchimport import ImportedRun
    from ui.main_window import MainWindow

KIND = "benchmarks"
ACTION_TEXT = "Import benchmark results…"
SHORTCUT = "Ctrl+B"
FILES_FILTER = "Benchmark output (*.json *.jsonl *.csv *.sql *.txt *.log *.md);;All files (*)"
CALIBRATION_FILTER = "Calibration (*.json);;All files (*)"
SKIPPED_SHOWN = 3  # skipped rows listed inline; the tooltip lists them all


@dataclass
class _Read:
    """One file as the worker left it: an error, or a run with what it does not say, and
    its measurements when it says everything."""

    path: Path
    run: ImportedRun | None = None
    error: str | None = None
    missing: list[str] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class _Batch:
    """What a background job returns: phase "read" (files parsed) or "resolved"."""

    phase: str
    files: list[_Read]


def read_files(paths: Sequence[Path], catalog: Catalog) -> _Batch:
    """Parse every file; resolve those that say everything (runs on a worker thread)."""
    from planner.benchimport import BenchImportError, import_benchmark

    out = []
    for path in paths:
        try:
            run = import_benchmark(path)
        except BenchImportError as exc:
            out.append(_Read(path, error=str(exc)))
            continue
        reason = unusable_reason(run)
        if reason is not None:
            out.append(_Read(path, run, error=reason))
            continue
        missing = missing_fields(run, catalog)
        item = _Read(path, run, missing=missing)
        if not missing:
            item.measurements, item.problems = measurements_for([run], {}, catalog)
        out.append(item)
    return _Batch("read", out)


def resolve_files(items: Sequence[tuple[_Read, dict[str, Any]]], catalog: Catalog) -> _Batch:
    """Resolve runs with the answers given for them (runs on a worker thread)."""
    out = []
    for item, answers in items:
        assert item.run is not None
        item.measurements, item.problems = measurements_for([item.run], answers, catalog)
        out.append(item)
    return _Batch("resolved", out)


class BenchmarkController(QObject):
    """The window's benchmark import, the Measured tab and the calibration buttons."""

    imported = Signal(int)  # measurements added by an import
    failed = Signal(str)  # an import that added nothing, with the one-line reason
    rows_changed = Signal()  # the Measured tab was refilled

    def __init__(self, window: MainWindow | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent or window)
        self.w: MainWindow | None = None
        self.view = MeasuredView()
        self.action: QAction | None = None
        self.measurements: list[Measurement] = []
        self.problems: list[str] = []
        self.rows: list[Any] = []
        self._pending: list[Path] = []
        self._held: list[_Read] = []  # files read while others wait for answers
        self._busy = False
        self._drawn_for: tuple[object, int] | None = None
        self._version = 0
        v = self.view
        v.import_requested.connect(self.choose_and_import)
        v.calibrate_requested.connect(self.calibrate)
        v.use_calibration_toggled.connect(self.set_use_calibration)
        v.export_requested.connect(lambda: self.export_calibration())
        v.import_calibration_requested.connect(lambda: self.import_calibration())
        v.clear_requested.connect(self.clear)

    # --- installing into the window ----------------------------------------------------

    def install(self, window: MainWindow) -> None:
        """Add the menu action and the Measured tab, and follow the presenter."""
        self.w = window
        if self.parent() is None:
            self.setParent(window)
        self.action = self._add_menu_action(window)
        window.tabs.addTab(self.view, self.view.title)
        self._add_view_action(window)
        self.view.set_theme(window.dark)
        p = window.p
        p.computed.connect(lambda _c: self.refresh())
        p.plan_changed.connect(lambda _plan: self.refresh())
        window.jobs.result.connect(self._job_result)
        window.jobs.error.connect(self._job_error)
        self.refresh(force=True)

    def _add_menu_action(self, window: MainWindow) -> QAction:
        action = QAction(ACTION_TEXT, window)
        action.setShortcut(QKeySequence(SHORTCUT))
        tip = (
            "Your own llama-bench, vLLM, SGLang, trtllm-bench, GenAI-Perf, Ollama or MLX-LM "
            "results beside the estimates; calibrate the estimates to them"
        )
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: self.choose_and_import())
        menu = _menu(window, "File")
        if menu is None:
            window.addAction(action)  # the shortcut works without a menu
            return action
        acts = menu.actions()
        after = next(
            (i for i, a in enumerate(acts) if a.text().replace("&", "").startswith("Import model")),
            None,
        )
        if after is not None and after + 1 < len(acts):
            menu.insertAction(acts[after + 1], action)
        elif after is not None:
            menu.addAction(action)
        else:
            seps = [a for a in acts if a.isSeparator()]
            if seps:
                menu.insertAction(seps[-1], action)
            else:
                menu.addAction(action)
        return action

    def _add_view_action(self, window: MainWindow) -> None:
        """View ▸ Results: Measured, after the other result views (Alt+<its number>)."""
        menu = _menu(window, "View")
        if menu is None:
            return
        acts = menu.actions()
        results = [i for i, a in enumerate(acts) if a.text().startswith("Results:")]
        action = QAction(f"Results: {self.view.title}", window)
        n = window.tabs.indexOf(self.view) + 1
        if 0 < n <= 9:
            action.setShortcut(QKeySequence(f"Alt+{n}"))
        action.triggered.connect(lambda _c=False: window.tabs.setCurrentWidget(self.view))
        if results and results[-1] + 1 < len(acts):
            menu.insertAction(acts[results[-1] + 1], action)
        else:
            menu.addAction(action)

    # --- importing ----------------------------------------------------------------------

    def choose_files(self) -> list[Path]:
        """The files the person picks (a file dialog; tests replace this)."""
        w = self.w
        folder = str(w.docs.last_dir) if w is not None and w.docs.last_dir else ""
        names, _ = QFileDialog.getOpenFileNames(w, ACTION_TEXT.rstrip("…"), folder, FILES_FILTER)
        return [Path(n) for n in names]

    def choose_and_import(self) -> None:
        paths = self.choose_files()
        if paths:
            self.import_files(paths)

    def import_files(self, paths: Sequence[Path]) -> None:
        """Read benchmark files in the background, then show them beside the estimates."""
        w = self._window()
        paths = [Path(p) for p in paths]
        if not paths:
            return
        if self._busy:
            self._pending += paths  # after the running import (a newer job would drop it)
            return
        self._busy = True
        catalog = w.p.context.catalog
        n = len(paths)
        w.statusBar().showMessage(f"Reading {n} benchmark file{'s' if n != 1 else ''}…")
        w.jobs.submit(KIND, lambda: read_files(paths, catalog))

    def ask_missing(
        self, run: ImportedRun, missing: list[str], defaults: dict[str, Any]
    ) -> dict[str, Any] | None:
        """What the file does not say, from the person (None: they cancelled)."""
        from ui.bench_dialog import MissingFieldsDialog

        w = self._window()
        dialog = MissingFieldsDialog(w.p.context.catalog, run, missing, defaults, w)
        try:
            if dialog.exec() != MissingFieldsDialog.DialogCode.Accepted:
                return None
            return dialog.answers()
        finally:
            dialog.deleteLater()

    def _job_result(self, kind: str, value: object) -> None:
        if kind != KIND or not isinstance(value, _Batch):
            return
        if value.phase == "read":
            self._after_read(value.files)
        else:
            self._finish(value.files)

    def _job_error(self, kind: str, message: str) -> None:
        if kind != KIND:
            return
        w = self._window()
        self._busy = False
        self._held = []
        w.statusBar().clearMessage()
        w.dialogs.error("Cannot import benchmark results", message)
        self.failed.emit(message)
        self._next()

    def _after_read(self, files: list[_Read]) -> None:
        """Ask for what files do not say (on the UI thread), then resolve those."""
        w = self._window()
        done: list[_Read] = []
        asks: list[tuple[_Read, dict[str, Any]]] = []
        defaults: dict[str, Any] = dict(scenario_defaults(w.p.context.catalog, w.p.scenario))
        for item in files:
            if item.error is not None or not item.missing:
                done.append(item)
                continue
            assert item.run is not None
            answers = self.ask_missing(item.run, list(item.missing), dict(defaults))
            if answers is None:
                item.error = f"{item.run.source_name}: not imported (cancelled)"
                done.append(item)
                continue
            defaults.update(answers)  # the next file is likely from the same machine
            asks.append((item, answers))
        if not asks:
            self._finish(done)
            return
        catalog = w.p.context.catalog
        self._held = done
        w.jobs.submit(KIND, lambda: resolve_files(asks, catalog))

    def _finish(self, files: list[_Read]) -> None:
        w = self._window()
        files, self._held = [*self._held, *files], []
        errors: list[str] = []
        added: list[Measurement] = []
        names: list[str] = []
        for item in files:
            if item.error is not None:
                if not item.error.endswith("(cancelled)"):
                    errors.append(item.error)
                continue
            if not item.measurements:
                why = item.problems[0] if item.problems else "no rows"
                name = item.run.source_name if item.run else item.path.name
                reason = why.removeprefix(f"{name}: ")
                errors.append(without_flags(f"{name}: no usable measurement: {reason}"))
                continue
            assert item.run is not None
            name = item.run.source_name
            # A file imported again replaces what it gave before.
            self.measurements = [
                m for m in self.measurements if m.source.rsplit(":", 1)[0] != name
            ] + item.measurements
            self.problems = [p for p in self.problems if not p.startswith(f"{name}: ")] + [
                without_flags(p) for p in item.problems
            ]
            added += item.measurements
            names.append(name)
        self._busy = False
        if added:
            self._version += 1
            self.refresh(force=True)
            w.tabs.setCurrentWidget(self.view)
            n = len(added)
            w.statusBar().showMessage(
                f"Imported {n} measurement{'s' if n != 1 else ''} from {', '.join(names)}", 8000
            )
            self.imported.emit(n)
        else:
            w.statusBar().clearMessage()
        if errors:
            w.dialogs.error("Cannot import benchmark results", "\n".join(errors))
            if not added:
                self.failed.emit(errors[0])
        self._next()

    def _next(self) -> None:
        if self._pending and not self._busy:
            paths, self._pending = self._pending, []
            self.import_files(paths)

    def clear(self) -> None:
        """Forget the imported measurements (the plan's calibrations stay)."""
        self.measurements, self.problems = [], []
        self._version += 1
        self.refresh(force=True)

    # --- showing ------------------------------------------------------------------------

    def table(self) -> EfficiencyTable | None:
        """The factors the estimates use now: the presenter's (None: the bundled)."""
        return self._window().p.table()

    def refresh(self, force: bool = False) -> None:
        """Re-estimate the measurements with the presenter's current factors (cheap when
        nothing changed) and refill the Measured tab."""
        w = self.w
        if w is None:
            return
        p = w.p
        docs = p.calibrations()
        self.view.set_calibration_state(bool(stored_calibrations(docs)), p.use_calibration)
        table = self.table()
        key = (table, self._version)
        if not force and self._drawn_for is not None and self._same(key):
            return
        self._drawn_for = key
        self.rows = comparison_rows(self.measurements, table) if self.measurements else []
        status = calibration_status(docs, p.use_calibration)
        self.view.show_rows(self.rows, status[:1].upper() + status[1:], self._details(docs))
        self.rows_changed.emit()

    def _same(self, key: tuple[object, int]) -> bool:
        assert self._drawn_for is not None
        return self._drawn_for[0] is key[0] and self._drawn_for[1] == key[1]

    def _details(self, docs: list[dict[str, Any]]) -> str:
        w = self._window()
        lines = []
        if docs and w.p.use_calibration:
            lines += implications(docs)
        if self.problems:
            n = len(self.problems)
            shown = "; ".join(self.problems[:SKIPPED_SHOWN])
            more = f"; and {n - SKIPPED_SHOWN} more" if n > SKIPPED_SHOWN else ""
            lines.append(f"{n} row{'s' if n != 1 else ''} skipped: {shown}{more}")
            self.view.details.setToolTip("\n".join(self.problems[:200]))
        else:
            self.view.details.setToolTip("")
        return "\n".join(lines)

    # --- calibration --------------------------------------------------------------------

    def calibrate(self) -> bool:
        """Fit a calibration to the imported measurements and store it in the plan."""
        w = self._window()
        if not self.measurements:
            w.dialogs.info(
                "Nothing to calibrate from",
                f"Import benchmark results first (File ▸ {ACTION_TEXT}, {SHORTCUT}).",
            )
            return False
        from planner.calibrate import CalibrationError

        try:
            cal = calibrate(self.measurements, date.today().isoformat())
        except CalibrationError as exc:
            w.dialogs.error("Cannot calibrate", str(exc))
            return False
        w.p.add_calibration(cal.model_dump(mode="json"))
        if not w.p.use_calibration:
            w.p.set_use_calibration(True)
        self.refresh()  # no-op when plan_changed already did
        groups = ", ".join(f"{e.family} on {e.hw_class}" for e in cal.entries)
        n = sum(e.measurements for e in cal.entries)
        w.statusBar().showMessage(
            f"Calibrated {groups} from {n} measurement{'s' if n != 1 else ''}; stored in the "
            "plan (Edit ▸ Undo removes it)",
            10000,
        )
        return True

    def set_use_calibration(self, on: bool) -> None:
        w = self._window()
        w.p.set_use_calibration(on)
        self.refresh()

    def export_calibration(self, path: Path | None = None) -> bool:
        """Save the plan's latest calibration to a file (asks where unless given)."""
        w = self._window()
        cals = stored_calibrations(w.p.calibrations())
        if not cals:
            w.dialogs.info(
                "No calibration to export",
                "This plan holds no calibration yet: import benchmark results and press "
                "“Calibrate from these”.",
            )
            return False
        cal = cals[-1]
        if path is None:
            folder = w.docs.last_dir or Path.home()
            path = w.dialogs.save_path(
                "Export calibration", folder / f"calibration-{cal.created}.json",
                CALIBRATION_FILTER,
            )  # fmt: skip
            if path is None:
                return False
        from planner.calibrate import save_calibration

        try:
            save_calibration(path, cal)
        except (OSError, ValueError) as exc:
            w.dialogs.error("Cannot export the calibration", f"{path}: {exc}")
            return False
        w.statusBar().showMessage(f"Wrote the calibration to {path}", 8000)
        return True

    def import_calibration(self, path: Path | None = None) -> bool:
        """Add a calibration file to the plan (asks which unless given)."""
        w = self._window()
        if path is None:
            path = w.dialogs.open_path("Import calibration", CALIBRATION_FILTER)
            if path is None:
                return False
        from planner.calibrate import CalibrationError, load_calibration

        try:
            cal = load_calibration(path)
        except CalibrationError as exc:
            w.dialogs.error("Cannot import the calibration", str(exc))
            return False
        w.p.add_calibration(cal.model_dump(mode="json"))
        if not w.p.use_calibration:
            w.p.set_use_calibration(True)
        self.refresh()
        w.statusBar().showMessage(f"Added the calibration from {path.name} to the plan", 8000)
        return True

    # --- helpers ------------------------------------------------------------------------

    def _window(self) -> MainWindow:
        if self.w is None:
            raise RuntimeError("BenchmarkController.install(window) has not been called")
        return self.w


def _menu(window: MainWindow, title: str) -> QMenu | None:
    for a in window.menuBar().actions():
        menu = a.menu()
        if isinstance(menu, QMenu) and a.text().replace("&", "") == title:
            return menu
    return None
