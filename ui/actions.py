"""The menus, toolbar buttons and shortcuts of the main window."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QInputDialog, QMenu

from ui import exports
from ui.main_window import PAGE_TYPES
from ui.pages.hardware import HardwarePage
from ui.theme import apply_theme

if TYPE_CHECKING:
    from ui.main_window import MainWindow

Std = QKeySequence.StandardKey


class Actions:
    def __init__(self, w: MainWindow) -> None:
        self.w = w
        self.recent_menu: QMenu | None = None

    def action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | Std | str | None = None,
        tip: str = "",
    ) -> QAction:
        a = QAction(text, self.w)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(tip)
        a.triggered.connect(lambda _checked=False: slot())
        menu.addAction(a)
        return a

    def fill_recent(self) -> None:
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        files = self.w.docs.recent_files()
        for path in files:
            a = menu.addAction(path.name)
            a.setToolTip(str(path))
            a.setStatusTip(str(path))
            a.triggered.connect(lambda _c=False, p=path: self.w.docs.open(p))
        if files:
            menu.addSeparator()
            menu.addAction("Clear list").triggered.connect(self.w.docs.clear_recent)
        menu.setEnabled(bool(files))


def build_actions(w: MainWindow) -> Actions:
    acts = Actions(w)
    mb = w.menuBar()
    docs, p = w.docs, w.p

    f = mb.addMenu("&File")
    acts.action(f, "&New plan", docs.new, Std.New, "Start a new plan")
    acts.action(f, "&Open…", docs.open, Std.Open, "Open a plan file (.llmplan)")
    acts.recent_menu = f.addMenu("Open &Recent")
    acts.fill_recent()
    acts.action(f, "&Save", docs.save, Std.Save, "Save the plan")
    acts.action(f, "Save &As…", docs.save_as, Std.SaveAs, "Save the plan under a new name")
    f.addSeparator()
    acts.action(
        f,
        "&Import model…",
        lambda: _import_model(w),
        "Ctrl+I",
        "Add a model from a config.json, a model folder or a GGUF file",
    )
    ex = f.addMenu("&Export")
    acts.action(
        ex,
        "Report as &PDF…",
        lambda: exports.export_pdf(w, background=True),
        "Ctrl+E",
        "A report of every scenario with its charts, sources and dates",
    )
    acts.action(ex, "Report as &Markdown…", lambda: exports.export_report(w, "md"))
    acts.action(ex, "Report as &HTML…", lambda: exports.export_report(w, "html"))
    acts.action(ex, "Report as &CSV…", lambda: exports.export_report(w, "csv"))
    ex.addSeparator()
    acts.action(ex, "Current plot as P&NG…", lambda: exports.export_plot(w, "png"))
    acts.action(ex, "Current plot as &SVG…", lambda: exports.export_plot(w, "svg"))
    acts.action(ex, "Current plot &data as CSV…", lambda: exports.export_plot(w, "csv"))
    f.addSeparator()
    acts.action(f, "&Quit", w.close, Std.Quit, "Close the planner")

    e = mb.addMenu("&Edit")
    undo = p.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcut(QKeySequence(Std.Undo))
    redo = p.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcut(QKeySequence(Std.Redo))
    e.addAction(undo)
    e.addAction(redo)
    e.addSeparator()
    acts.action(
        e,
        "Plan &details…",
        lambda: exports.edit_plan_details(w),
        None,
        "Title, client and notes shown in reports and presentations",
    )

    s = mb.addMenu("&Scenario")
    acts.action(s, "&Add", p.add_scenario, "Ctrl+Shift+N", "Add a scenario to the plan")
    acts.action(s, "&Duplicate", p.duplicate_scenario, "Ctrl+D", "Copy the selected scenario")
    acts.action(s, "&Rename…", lambda: _rename(w), "F2", "Rename the selected scenario")
    acts.action(s, "De&lete", p.delete_scenario, None, "Delete the selected scenario")
    for a in s.actions():
        w.scenario_bar.addAction(a)

    v = mb.addMenu("&View")
    for i, kind in enumerate(PAGE_TYPES):
        acts.action(v, f"&{i + 1} {kind.title}", lambda i=i: w.go_to_step(i), f"Ctrl+{i + 1}")
    v.addSeparator()
    for i in range(w.tabs.count()):
        acts.action(
            v,
            f"Results: {w.tabs.tabText(i)}",
            lambda i=i: w.tabs.setCurrentIndex(i),
            f"Alt+{i + 1}",
        )
    v.addSeparator()
    pres = acts.action(
        v,
        "&Presentation mode",
        lambda: exports.present(w),
        "F5",
        "Full screen, large type; arrow keys step through the key results",
    )
    w.scenario_bar.addSeparator()
    w.scenario_bar.addAction(pres)
    acts.action(v, "&Full screen", lambda: _toggle_full_screen(w), Std.FullScreen)
    theme = v.addMenu("&Theme")
    group = QActionGroup(w)
    for key, label in (("system", "Follow the &system"), ("light", "&Light"), ("dark", "&Dark")):
        a = theme.addAction(label)
        a.setCheckable(True)
        a.setChecked(w.settings.theme == key)
        group.addAction(a)
        a.triggered.connect(lambda _c=False, k=key: _set_theme(w, k))

    t = mb.addMenu("&Tools")
    acts.action(
        t,
        "&Detect this machine",
        _detect(w),
        "Ctrl+Shift+D",
        "Find this machine's GPUs, memory and links (no network)",
    )
    acts.action(
        t,
        "&Find configurations",
        lambda: w.tabs.setCurrentWidget(w.recommend),
        "Ctrl+R",
        "Rank GPUs, formats and engines for this workload by cost",
    )

    h = mb.addMenu("&Help")
    acts.action(
        h,
        "&Data sources",
        lambda: exports.data_sources(w),
        None,
        "Every catalog and price source with its date",
    )
    acts.action(h, "&About", lambda: exports.about(w), None, "Versions and data dates")
    return acts


def _import_model(w: MainWindow) -> None:
    w.go_to_step(0)
    path = w.model_page.choose_file()
    if path is not None:
        w.import_model(path)


def _detect(w: MainWindow) -> Callable[[], None]:
    def run() -> None:
        w.go_to_step(PAGE_TYPES.index(HardwarePage))
        w.detect()

    return run


def _rename(w: MainWindow) -> None:
    s = w.p.scenario
    if s is None:
        return
    name, ok = QInputDialog.getText(w, "Rename scenario", "Name:", text=s.name)
    if ok:
        w.p.rename_scenario(name)


def _toggle_full_screen(w: MainWindow) -> None:
    if w.isFullScreen():
        w.showNormal()
    else:
        w.showFullScreen()


def _set_theme(w: MainWindow, key: str) -> None:
    w.settings.theme = key  # type: ignore[assignment]
    app = QApplication.instance()
    if isinstance(app, QApplication):
        w.set_dark(apply_theme(app, w.settings.theme))
