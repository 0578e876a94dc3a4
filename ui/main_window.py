"""The main window: step navigator and page on the left, results always visible on the right."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from planner.plan.schema import FILE_SUFFIX, Plan, Scenario
from ui.dialogs import QtDialogs
from ui.documents import Documents
from ui.lazy import LazySlot, LazyTabs
from ui.pages.base import StepPage
from ui.pages.costs import CostsPage
from ui.pages.hardware import HardwarePage
from ui.pages.model import ModelPage
from ui.pages.quant import QuantPage
from ui.pages.workload import WorkloadPage
from ui.plots.base import ResultView
from ui.plots.compare import CompareView
from ui.plots.cost import CostView
from ui.plots.recommend import RecommendView
from ui.plots.throughput import ThroughputView
from ui.plots.vram import VramView
from ui.presenter import Computed, Presenter
from ui.settings import Settings
from ui.summary import Summary
from ui.workers import Jobs

P = TypeVar("P", bound=StepPage)
V = TypeVar("V", bound=ResultView)

APP_NAME = "LLM Deployment Planner"
# The steps and result tabs, in order. Each page and view is built when first shown or
# asked for (a person sees one of each at a time), so the window opens sooner.
PAGE_TYPES: tuple[type[StepPage], ...] = (
    ModelPage,
    QuantPage,
    HardwarePage,
    WorkloadPage,
    CostsPage,
)
VIEW_TYPES: tuple[type[ResultView], ...] = (
    VramView,
    ThroughputView,
    CostView,
    RecommendView,
    CompareView,
)


class MainWindow(QMainWindow):
    def __init__(self, presenter: Presenter, settings: Settings, dark: bool = False) -> None:
        super().__init__()
        self.p = presenter
        if presenter.parent() is None:
            presenter.setParent(self)  # the window owns its plan, and they go together
        self.settings = settings
        self.dark = dark
        self.dialogs = QtDialogs(self)
        self.docs = Documents(presenter, self.dialogs, self)
        if settings.last_dir:
            self.docs.last_dir = Path(settings.last_dir)
        self.jobs = Jobs(self)
        self.presentation: QWidget | None = None
        self._stale: set[ResultView] = set()
        self._stale_pages: set[StepPage] = set()
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.setMinimumSize(1024, 640)

        self._pages: list[LazySlot] = []
        self._build()
        from ui.actions import build_actions

        self.actions_ = build_actions(self)
        self._wire()
        from ui.benchmarks import BenchmarkController

        self.benchmarks = BenchmarkController(self)
        self.benchmarks.install(self)  # File > Import benchmark results, the Measured tab
        self.set_dark(dark)
        self._restore()
        self.show_plan(presenter.plan)
        if presenter.scenario is not None:
            self.show_scenario(presenter.scenario)

    # --- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        self.steps = QListWidget()
        self.steps.setObjectName("steps")
        self.steps.setMaximumWidth(170)
        self.steps.setToolTip("The steps of a plan; results update as you change any of them")
        self.stack = QStackedWidget()
        for i, kind in enumerate(PAGE_TYPES, start=1):
            item = QListWidgetItem(f"{i}  {kind.title}")
            item.setToolTip(kind.hint)
            self.steps.addItem(item)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            holder = QWidget()
            lay = QVBoxLayout(holder)
            heading = QLabel(f"<b style='font-size:13pt'>{i}. {kind.title}</b>")
            hint = QLabel(kind.hint)
            hint.setWordWrap(True)
            lay.addWidget(heading)
            lay.addWidget(hint)
            make = partial(kind, self.p.context)
            self._pages.append(LazySlot(make, lay, 1, self._page_built))  # below the hint
            scroll.setWidget(holder)
            self.stack.addWidget(scroll)
        self.summary = Summary()
        self.tabs = LazyTabs()
        self.tabs.setDocumentMode(True)
        self.tabs.built.connect(self._view_built)
        for view_kind in VIEW_TYPES:
            self.tabs.add_lazy(view_kind, view_kind.title)
        results = QWidget()
        rl = QVBoxLayout(results)
        rl.setContentsMargins(4, 0, 0, 0)
        rl.addWidget(self.summary)
        rl.addWidget(self.tabs, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main-splitter")
        self.splitter.addWidget(self.steps)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(results)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setSizes([130, 470, 766])
        self.setCentralWidget(self.splitter)

        bar = QToolBar("Scenario")
        bar.setObjectName("scenario-toolbar")
        bar.setMovable(False)
        bar.addWidget(QLabel(" Scenario: "))
        self.scenario_box = QComboBox()
        self.scenario_box.setMinimumContentsLength(28)
        self.scenario_box.setToolTip("The scenario being edited; each is one deployment")
        bar.addWidget(self.scenario_box)
        self.scenario_bar = bar
        self.addToolBar(bar)
        self.status_time = QLabel("")
        self.statusBar().addPermanentWidget(self.status_time)

    # --- pages and views, built on first use ---------------------------------------------
    def page(self, index: int) -> StepPage:
        """The page of step `index`, built now if it was not yet."""
        page = self._pages[index].get()
        assert isinstance(page, StepPage)
        return page

    def _page_built(self, page: QWidget) -> None:
        assert isinstance(page, StepPage)
        page.changed.connect(self.p.apply)
        if isinstance(page, ModelPage):
            page.import_requested.connect(self.import_model)
        elif isinstance(page, HardwarePage):
            page.detect_requested.connect(self.detect)
        self._stale_pages.add(page)  # it shows the scenario when it is on screen

    @property
    def pages(self) -> list[StepPage]:
        """Every step page (building those not built yet)."""
        return [self.page(i) for i in range(len(PAGE_TYPES))]

    @property
    def model_page(self) -> ModelPage:
        return self._typed_page(ModelPage)

    @property
    def quant_page(self) -> QuantPage:
        return self._typed_page(QuantPage)

    @property
    def hardware_page(self) -> HardwarePage:
        return self._typed_page(HardwarePage)

    @property
    def workload_page(self) -> WorkloadPage:
        return self._typed_page(WorkloadPage)

    @property
    def costs_page(self) -> CostsPage:
        return self._typed_page(CostsPage)

    def _typed_page(self, kind: type[P]) -> P:
        page = self.page(PAGE_TYPES.index(kind))
        assert isinstance(page, kind)
        return page

    @property
    def views(self) -> list[ResultView]:
        """Every result view, in tab order (building those not built yet)."""
        return [v for v in self.tabs.pages() if isinstance(v, ResultView)]

    def built_views(self) -> list[ResultView]:
        return [v for v in self.tabs.built_pages() if isinstance(v, ResultView)]

    @property
    def vram(self) -> VramView:
        return self._typed_view(VramView)

    @property
    def throughput(self) -> ThroughputView:
        return self._typed_view(ThroughputView)

    @property
    def cost(self) -> CostView:
        return self._typed_view(CostView)

    @property
    def recommend(self) -> RecommendView:
        return self._typed_view(RecommendView)

    @property
    def compare(self) -> CompareView:
        return self._typed_view(CompareView)

    def _typed_view(self, kind: type[V]) -> V:
        view = self.tabs.page(VIEW_TYPES.index(kind))
        assert isinstance(view, kind)
        return view

    def _view_built(self, view: object) -> None:
        if isinstance(view, RecommendView):
            view.search_requested.connect(self.find_configurations)
            view.adopt_requested.connect(self.adopt)
        setter = getattr(view, "set_theme", None)
        if setter is not None:
            setter(self.dark)
        if isinstance(view, ResultView) and not isinstance(view, CompareView):
            self._stale.add(view)  # drawn from the latest results when shown

    def _wire(self) -> None:
        p = self.p
        self.steps.currentRowChanged.connect(self.go_to_step)
        self.tabs.currentChanged.connect(lambda _i: self._refresh_visible())
        self.scenario_box.activated.connect(p.select)
        p.plan_changed.connect(self.show_plan)
        p.scenario_changed.connect(self.show_scenario)
        p.computed.connect(self.show_computed)
        p.message.connect(self._status)
        p.undo_stack.cleanChanged.connect(self._clean_changed)
        self.docs.opened.connect(lambda _path: self._title())
        self.docs.recent_changed.connect(lambda _files: self.actions_.fill_recent())
        self.jobs.result.connect(self._job_result)
        self.jobs.error.connect(self._job_error)

    # Bound methods, not lambdas: Qt drops these connections when the window is deleted.
    def _status(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def _clean_changed(self, _clean: bool) -> None:
        from shiboken6 import isValid

        if isValid(self.p.undo_stack):  # not while the window is being torn down
            self._title()

    def _restore(self) -> None:
        s = self.settings
        if s.geometry:
            self.restoreGeometry(QByteArray.fromBase64(s.geometry.encode()))
        else:
            self.resize(1366, 768)
        if s.window_state:
            self.restoreState(QByteArray.fromBase64(s.window_state.encode()))
        if s.splitter:
            self.splitter.restoreState(QByteArray.fromBase64(s.splitter.encode()))
        self.go_to_step(min(s.step, len(PAGE_TYPES) - 1))
        self.tabs.setCurrentIndex(min(s.result_tab, self.tabs.count() - 1))

    def remember(self) -> None:
        s = self.settings
        s.geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        s.window_state = bytes(self.saveState().toBase64().data()).decode()
        s.splitter = bytes(self.splitter.saveState().toBase64().data()).decode()
        s.step = self.stack.currentIndex()
        s.result_tab = self.tabs.currentIndex()
        s.last_dir = str(self.docs.last_dir) if self.docs.last_dir else None

    # --- showing state ---------------------------------------------------------------------
    def go_to_step(self, index: int) -> None:
        if not 0 <= index < len(PAGE_TYPES):
            return
        self.page(index)
        if self.steps.currentRow() != index:
            self.steps.setCurrentRow(index)
        self.stack.setCurrentIndex(index)
        self._refresh_page_extras()

    def current_page(self) -> StepPage:
        return self.page(self.stack.currentIndex())

    def show_plan(self, plan: Plan) -> None:
        self.scenario_box.blockSignals(True)
        self.scenario_box.clear()
        for s in plan.scenarios:
            self.scenario_box.addItem(s.name)
        self.scenario_box.setCurrentIndex(plan.selected)
        self.scenario_box.blockSignals(False)
        self._title()
        if isinstance(self.tabs.currentWidget(), CompareView):
            self._refresh_compare()

    def show_scenario(self, scenario: Scenario) -> None:
        # The page on screen shows the change now; the others when they are shown.
        self._stale_pages = {p for s in self._pages if isinstance(p := s.widget, StepPage)}
        self._refresh_page_extras()

    def show_computed(self, c: Computed) -> None:
        if c.dashboard is None:
            self.summary.show_error(c.error or "")
        else:
            self.summary.show_dashboard(c.dashboard)
        # Only the view on screen is redrawn now; the others when their tab is shown.
        self._stale = {v for v in self.built_views() if not isinstance(v, CompareView)}
        self._refresh_visible()
        self.status_time.setText(f"computed in {c.elapsed_ms:.0f} ms")

    def _refresh_visible(self) -> None:
        view = self.tabs.currentWidget()
        if isinstance(view, CompareView):
            self._refresh_compare()
        elif isinstance(view, ResultView):
            self.bring_up_to_date(view)

    def bring_up_to_date(self, view: ResultView) -> None:
        """Draw `view` from the latest results if it has not been since they changed (views
        off screen are drawn when shown, or when exported)."""
        if view in self._stale and self.p.last is not None:
            self._stale.discard(view)
            view.show_dashboard(self.p.last.dashboard)

    def _refresh_compare(self) -> None:
        from planner.recommend_plan import compare_plan

        rows, dashboards = compare_plan(self.p.context.catalog, self.p.plan, self.p.table())
        self.compare.show_plan(rows, dashboards)

    def _refresh_page_extras(self) -> None:
        """Computed lists a page shows (only for the page on screen: they cost time)."""
        scenario = self.p.scenario
        if scenario is None:
            return
        page = self.current_page()
        if page not in self._stale_pages:
            return  # it already shows this scenario
        self._stale_pages.discard(page)
        page.show_scenario(scenario)
        cat = self.p.context.catalog
        if isinstance(page, QuantPage):
            from planner.quantchoice import quant_options, suggest_quant

            options = quant_options(cat, scenario)
            page.show_options(options, suggest_quant(options))
        elif isinstance(page, CostsPage):
            from planner.costview import cost_inputs

            page.show_cost_inputs(cost_inputs(cat, scenario))

    def _title(self) -> None:
        name = self.docs.name
        title = self.p.plan.title
        text = f"{name}[*]"
        if title:
            text += f" – {title}"
        self.setWindowTitle(f"{text} – {APP_NAME}")
        self.setWindowModified(self.p.dirty)

    def set_dark(self, dark: bool) -> None:
        self.dark = dark
        for v in self.built_views():
            setter = getattr(v, "set_theme", None)
            if setter is not None:
                setter(dark)

    # --- intents that need planner calls or background work ---------------------------------
    def import_model(self, path: object) -> None:
        from planner.catalog.imported import ModelImportError
        from planner.quantchoice import imported_fields

        ctx = self.p.context
        where = Path(str(path))
        try:
            fields = imported_fields(where, ctx.catalog)
        except (ModelImportError, OSError) as exc:
            self.dialogs.error("Cannot import model", str(exc))
            return
        spec = fields["model_spec"]
        ctx.catalog = ctx.catalog.with_entries(models=[spec])
        self.p.apply(fields)
        self.statusBar().showMessage(f"Imported {spec.name} from {where.name}", 8000)

    def detect(self) -> None:
        from planner.hardware.detect import detect

        catalog = self.p.context.catalog
        self.hardware_page.show_detection_started()
        self.jobs.submit("detect", lambda: detect(catalog=catalog))

    def find_configurations(self, constraints: object) -> None:
        from planner.recommend_plan import recommend_for_scenario

        scenario = self.p.scenario
        if scenario is None:
            return
        catalog, table = self.p.context.catalog, self.p.table()
        self.recommend.show_search_started()
        self.jobs.submit(
            "recommend",
            lambda: recommend_for_scenario(catalog, scenario, constraints, table),  # type: ignore[arg-type]
        )

    def adopt(self, candidate: object) -> None:
        from planner.recommend_plan import adopt

        scenario = self.p.scenario
        if scenario is None:
            return
        new = adopt(self.p.context.catalog, scenario, candidate)  # type: ignore[arg-type]
        fields = {k: getattr(new, k) for k in type(new).model_fields if k != "name"}
        self.p.apply(fields)
        self.statusBar().showMessage("Adopted the recommended configuration", 8000)

    def _job_result(self, kind: str, value: object) -> None:
        if kind == "detect":
            self.hardware_page.show_detection(value)
        elif kind == "recommend":
            self.recommend.show_search_result(value)
        elif kind == "export":
            self.statusBar().showMessage(f"Wrote {value}", 8000)

    def _job_error(self, kind: str, message: str) -> None:
        if kind == "detect":
            self.hardware_page.show_detection_failed(message)
        elif kind == "recommend":
            self.recommend.show_search_failed(message)
        elif kind == "export":
            self.statusBar().clearMessage()
            self.dialogs.error("Cannot export the report", message)

    # --- drag and drop, close ----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        first = paths[0]
        if first.suffix == FILE_SUFFIX:
            self.docs.open(first)
        elif first.is_dir() or first.name == "config.json" or first.suffix.lower() == ".gguf":
            self.import_model(first)
        else:  # benchmark outputs: llama-bench, vLLM, SGLang, ... (recognised by content)
            self.benchmarks.import_files(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.docs.closing():
            event.ignore()
            return
        self.remember()
        self.jobs.shutdown()
        if self.presentation is not None:
            self.presentation.close()
        event.accept()
