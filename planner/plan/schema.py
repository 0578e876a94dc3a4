"""The `.llmplan` project file: a plan's scenarios, with everything needed to reproduce them.

Every model here keeps fields it does not know (``extra="allow"``), so a file written by a
newer planner of the same schema version survives a load and save by this one. Numbers must
be finite; times are ISO 8601 strings passed in by the caller (nothing here reads a clock).

Layout (schema 1)::

    {"schema_version": 1, "app_version": "0.1.0",
     "created": "2025-06-01T09:00:00+00:00", "modified": "2025-06-02T17:30:00+00:00",
     "title": "Support bot", "client": "ACME", "notes": "",
     "selected": 0,
     "scenarios": [{
        "name": "Scout on 2 x H100",
        "model": "llama-4-scout-17b-16e", "model_spec": null,      # full ModelSpec if custom
        "quant": "fp8", "kv_quant": "fp16",
        "hardware": [{"gpu": "h100-sxm", "gpu_spec": null, "count": 2, "memory_gib": null,
                      "nodes": null, "interconnect": "", "acquisition": "buy",
                      "prices": {"gpu_price_usd": 25000}}],
        "engine": "vllm", "tp": 2, "pp": 1, "ep": 1,
        "batched_tokens": null, "gpu_layers": null,
        "workload": {"batch": 8, "input_tokens": 2000, "output_tokens": 500,
                     "context_tokens": null},
        "cost_workload": {"tokens_per_month": 5e9, "input_tokens": 2000, ...} | null,
        "costs": {"explicit": {"electricity_usd_per_kwh": 0.2},
                  "pinned": {"kind": "owned", "gpu_price_usd": 25000, ...} | null,
                  "pinned_inputs": "<fingerprint>", "sources": [...]},
        "price_snapshot": {<PriceSnapshot, in full>} | null,
        "price_overrides": {<PriceOverrides>},
        "api": "openai/gpt-4o" | null,
        "detected_hardware": {...} | null,
        "notes": ""}]}

The scenario deploys on its first hardware item; further items are inventory the plan
records (the estimators model one kind of accelerator per deployment).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from planner import __version__
from planner.catalog.schema import GpuSpec, ModelSpec
from planner.cost import CostWorkload, OwnedCosts, RentedCosts
from planner.estimate.inputs import MAX_GPUS, MAX_TOKENS, Workload
from planner.estimate.scenario import make_workload
from planner.prices.overrides import PriceOverrides
from planner.prices.schema import PriceSnapshot

SCHEMA_VERSION = 1
FILE_SUFFIX = ".llmplan"

Acquisition = Literal["buy", "rent", "owned"]

# Cost inputs a plan may set explicitly (planner.costinputs.hardware_costs reads these keys).
COST_KEYS = frozenset(
    (set(OwnedCosts.model_fields) | set(RentedCosts.model_fields) | {"gpu_draw_share"})
    - {"kind", "already_owned", "term"}
)
# The keys that belong to one hardware item rather than to the whole scenario.
ITEM_PRICE_KEYS = frozenset({"gpu_price_usd", "usd_per_gpu_hour"})


def _check_time(value: str) -> str:
    datetime.fromisoformat(value)  # ValueError when it is not ISO 8601
    return value


Timestamp = Annotated[
    str,
    AfterValidator(_check_time),
    Field(description="ISO 8601 time, e.g. 2025-06-01T09:00:00+00:00"),
]
CostValue = Annotated[float, Field(ge=0, allow_inf_nan=False)]


def _check_cost_keys(values: dict[str, float]) -> dict[str, float]:
    unknown = sorted(set(values) - COST_KEYS)
    if unknown:
        raise ValueError(
            f"unknown cost input(s) {', '.join(unknown)}; known: {', '.join(sorted(COST_KEYS))}"
        )
    return values


CostValues = Annotated[dict[str, CostValue], AfterValidator(_check_cost_keys)]


class _Open(BaseModel):
    """Frozen, finite numbers, and unknown fields kept for the next save."""

    model_config = ConfigDict(frozen=True, extra="allow", allow_inf_nan=False)

    def replace(self, **changes: Any) -> Self:
        """A validated copy with some fields changed (model_copy does not validate)."""
        return self.model_validate(self.model_dump() | changes)


class HardwareItem(_Open):
    """Accelerators of one kind in the inventory, and how they are paid for."""

    gpu: str = Field(min_length=1, description="Catalog GPU id")
    gpu_spec: GpuSpec | None = Field(
        default=None, description="The full spec when the accelerator is custom"
    )
    count: int = Field(default=1, ge=1, le=MAX_GPUS, description="Accelerators in total")
    memory_gib: float | None = Field(
        default=None, gt=0, description="Memory per device when it differs from the catalog"
    )
    nodes: int | None = Field(
        default=None, ge=1, le=MAX_GPUS, description="Servers the accelerators sit in"
    )
    interconnect: str = Field(default="", description="Free-form note, e.g. 'NVLink, 400G IB'")
    acquisition: Acquisition = "buy"
    prices: CostValues = Field(
        default_factory=dict,
        description="Explicit prices for these accelerators (gpu_price_usd, usd_per_gpu_hour)",
    )

    @model_validator(mode="after")
    def _check(self) -> HardwareItem:
        if self.gpu_spec is not None and self.gpu_spec.id != self.gpu:
            raise ValueError(f"gpu_spec.id '{self.gpu_spec.id}' differs from gpu '{self.gpu}'")
        if self.nodes is not None and self.nodes > self.count:
            raise ValueError(f"{self.nodes} nodes for {self.count} accelerator(s)")
        return self


class EstimatorWorkload(_Open):
    """The load the memory and speed estimate is made at."""

    batch: int | Literal["max"] = Field(
        default=1, description="Sequences decoded together; 'max' fills free memory"
    )
    input_tokens: int = Field(default=512, ge=0, le=MAX_TOKENS)
    output_tokens: int = Field(default=128, ge=0, le=MAX_TOKENS)
    context_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKENS)

    def to_workload(self) -> Workload:
        return make_workload(self.batch, self.input_tokens, self.output_tokens, self.context_tokens)

    @model_validator(mode="after")
    def _check(self) -> EstimatorWorkload:
        self.to_workload()  # PlanInputError (a ValueError) when the combination is invalid
        return self


class PlanCostWorkload(CostWorkload):
    """planner.cost.CostWorkload as the file stores it (unknown fields kept)."""

    model_config = ConfigDict(frozen=True, extra="allow", allow_inf_nan=False)

    def to_cost_workload(self) -> CostWorkload:
        return CostWorkload.model_validate({k: getattr(self, k) for k in CostWorkload.model_fields})


class CostSource(_Open):
    """One cost input as it was resolved: value, unit and where it came from."""

    label: str
    value: float
    unit: str
    source: str
    as_of: str | None = None
    assumption: bool = False


class CostAssumptions(_Open):
    """The cost inputs this plan sets, and the full cost inputs resolved from them.

    `pinned` holds every cost input as resolved when the scenario was made (explicit values,
    the user's overrides and the bundled defaults of that day), so that the numbers do not
    move when a later planner ships new defaults. It is used only while `pinned_inputs`
    still matches the scenario's cost inputs (see planner.plan.build.cost_fingerprint).
    """

    explicit: CostValues = Field(
        default_factory=dict, description="Values set for this plan: electricity, pue, ..."
    )
    pinned: Annotated[OwnedCosts | RentedCosts, Field(discriminator="kind")] | None = None
    pinned_inputs: str | None = Field(
        default=None, description="Fingerprint of the inputs `pinned` was resolved from"
    )
    sources: tuple[CostSource, ...] = ()


class Scenario(_Open):
    """One deployment of one model, its load, and what it costs."""

    name: str = Field(min_length=1, max_length=500)
    model: str = Field(min_length=1, description="Catalog model id")
    model_spec: ModelSpec | None = Field(
        default=None, description="The full spec when the model is custom"
    )
    quant: str = Field(min_length=1, description="Weight format id")
    kv_quant: str = Field(default="fp16", min_length=1, description="KV-cache format id")
    hardware: tuple[HardwareItem, ...] = Field(
        min_length=1, description="Inventory; the scenario deploys on the first item"
    )
    engine: str | None = Field(default=None, description="Engine id (None: the usual one)")
    tp: int | None = Field(default=None, ge=1, le=MAX_GPUS)
    pp: int | None = Field(default=None, ge=1, le=MAX_GPUS)
    ep: int | None = Field(default=None, ge=1, le=MAX_GPUS)
    batched_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    gpu_layers: int | None = Field(default=None, ge=0)
    workload: EstimatorWorkload = Field(default_factory=EstimatorWorkload)
    cost_workload: PlanCostWorkload | None = None
    costs: CostAssumptions = Field(default_factory=CostAssumptions)
    price_snapshot: PriceSnapshot | None = Field(
        default=None, description="The API prices used, in full"
    )
    price_overrides: PriceOverrides = Field(
        default_factory=PriceOverrides, description="The user's own prices when it was made"
    )
    api: str | None = Field(default=None, description="API price id compared against")
    detected_hardware: dict[str, Any] | None = Field(
        default=None, description="What hardware detection found, if the user kept it"
    )
    notes: str = ""

    @property
    def deployed(self) -> HardwareItem:
        """The hardware item the scenario runs on."""
        return self.hardware[0]

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.model_spec is not None and self.model_spec.id != self.model:
            raise ValueError(
                f"model_spec.id '{self.model_spec.id}' differs from model '{self.model}'"
            )
        return self


class Plan(_Open):
    """A project file: scenarios for one client, one of them selected."""

    schema_version: Literal[1] = 1  # SCHEMA_VERSION
    app_version: str = Field(default=__version__, description="Planner version that saved it")
    created: Timestamp
    modified: Timestamp
    title: str = ""
    client: str = ""
    notes: str = ""
    scenarios: tuple[Scenario, ...] = ()
    selected: int = Field(default=0, ge=0, description="Index of the selected scenario")

    @model_validator(mode="after")
    def _check(self) -> Plan:
        if self.selected >= max(len(self.scenarios), 1):
            raise ValueError(
                f"selected is {self.selected} but there are {len(self.scenarios)} scenario(s)"
            )
        return self

    @classmethod
    def new(
        cls,
        now: str,
        title: str = "",
        client: str = "",
        notes: str = "",
        scenarios: tuple[Scenario, ...] = (),
    ) -> Plan:
        """A fresh plan created (and modified) at `now`, an ISO 8601 time."""
        return cls(
            created=now,
            modified=now,
            title=title,
            client=client,
            notes=notes,
            scenarios=scenarios,
        )

    def touched(self, now: str) -> Plan:
        """The same plan marked as modified at `now`."""
        return self.model_copy(update={"modified": _check_time(now)})

    @property
    def current(self) -> Scenario | None:
        """The selected scenario (None in an empty plan)."""
        return self.scenarios[self.selected] if self.scenarios else None

    def with_scenario(self, scenario: Scenario, select: bool = True) -> Plan:
        """The plan with a scenario appended (and selected)."""
        scenarios = (*self.scenarios, scenario)
        return self.model_copy(
            update={
                "scenarios": scenarios,
                "selected": len(scenarios) - 1 if select else self.selected,
            }
        )
