"""Pydantic schemas for the bundled price data (resources/prices/*.json).

Units: API prices in USD per million tokens; hardware in USD per GPU (purchase) or USD per
GPU-hour (cloud). Every price names its source and the date the source gives for it
(``as_of``: an ISO date, or YYYY-MM where the source gives only a month).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

_AS_OF = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
SLUG = r"^[a-z0-9][a-z0-9._-]*$"


def _check_as_of(value: str) -> str:
    if not _AS_OF.fullmatch(value):
        raise ValueError(f"'{value}' is not an ISO date (YYYY-MM-DD) or a month (YYYY-MM)")
    date.fromisoformat(value if len(value) == 10 else f"{value}-01")  # ValueError if impossible
    return value


AsOf = Annotated[
    str,
    AfterValidator(_check_as_of),
    Field(description="Date the source gives for the figure: YYYY-MM-DD, or YYYY-MM"),
]
Usd = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ApiPrice(Frozen):
    """Pay-per-token price of one model at one provider (standard tier, base context)."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*$",
        description="'<vendor>/<model>' for closed models, '<provider>/<catalog model id>' "
        "for hosted open models",
    )
    name: str = Field(min_length=1, description="Display name, e.g. 'GPT-4o'")
    provider: str = Field(min_length=1, description="Who sells it, e.g. 'OpenAI', 'Together AI'")
    kind: Literal["closed", "hosted-open"] = Field(
        description="A closed model, or an open-weight catalog model served by a provider"
    )
    open_model: str | None = Field(
        default=None, pattern=SLUG, description="Catalog model id (hosted-open only)"
    )
    input_usd_per_mtok: Usd = Field(description="Input (prompt) tokens, USD per million")
    output_usd_per_mtok: Usd = Field(description="Output tokens, USD per million")
    cached_input_usd_per_mtok: Usd | None = Field(
        default=None, description="Cached (cache-read) input tokens, where offered"
    )
    as_of: AsOf
    source: str = Field(min_length=3, description="Where the price comes from")
    notes: str = Field(default="", description="Caveats, how the date was chosen, conflicts")
    long_context_note: str | None = Field(
        default=None, description="Higher tiers above a prompt size; the prices above are the base"
    )

    @model_validator(mode="after")
    def _check(self) -> ApiPrice:
        if self.kind == "hosted-open":
            if self.open_model is None:
                raise ValueError("hosted-open prices need open_model (a catalog model id)")
            if self.id.split("/", 1)[1] != self.open_model:
                raise ValueError("a hosted-open id is '<provider>/<open_model>'")
        elif self.open_model is not None:
            raise ValueError("closed-model prices have no open_model")
        return self


class PriceSnapshot(Frozen):
    """A dated, named set of API prices (the current one, or a historical one)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Slug, e.g. 'current'")
    title: str = Field(min_length=1, description="Display title")
    as_of: AsOf
    source: str = Field(min_length=3, description="Where the snapshot's prices come from")
    description: str = Field(default="", description="What the snapshot is for")
    prices: tuple[ApiPrice, ...] = Field(description="One entry per price id")

    @model_validator(mode="after")
    def _unique(self) -> PriceSnapshot:
        seen: set[str] = set()
        for p in self.prices:
            if p.id in seen:
                raise ValueError(f"duplicate price id '{p.id}'")
            seen.add(p.id)
        return self

    def get(self, price_id: str) -> ApiPrice | None:
        """The price with this id, or None."""
        return next((p for p in self.prices if p.id == price_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.prices)


HardwareKind = Literal["purchase", "cloud_on_demand", "cloud_reserved"]


class HardwarePrice(Frozen):
    """A dated purchase price per GPU, or a cloud price per GPU-hour."""

    gpu_id: str = Field(pattern=SLUG, description="Catalog GPU id")
    kind: HardwareKind = Field(description="Bought, rented on demand, or rented on a term")
    usd: float = Field(
        gt=0, allow_inf_nan=False, description="USD per GPU (purchase) or per GPU-hour (cloud)"
    )
    provider: str = Field(min_length=1, description="Vendor, reseller or cloud")
    as_of: AsOf
    source: str = Field(min_length=3, description="Where the price comes from")
    notes: str = Field(default="", description="Row it was read from, arithmetic, caveats")
    term_years: int | None = Field(
        default=None, ge=1, le=5, description="Commitment term (cloud_reserved only)"
    )
    single_unit: bool = Field(
        default=True,
        description="One GPU bought alone or a 1-GPU instance; False for a per-GPU share of "
        "a multi-GPU system, kit or instance",
    )
    used: bool = Field(default=False, description="Second-hand or resale (purchase only)")
    undated: bool = Field(
        default=False,
        description="The source states no date; as_of is when it was published or read (notes)",
    )
    indicative: bool = Field(
        default=False,
        description="Not a firm list price: marketplace median, community offer, or an "
        "on-demand equivalent for a shape not sold on demand",
    )

    @model_validator(mode="after")
    def _check(self) -> HardwarePrice:
        if (self.kind == "cloud_reserved") != (self.term_years is not None):
            raise ValueError("term_years is given for cloud_reserved prices and only for them")
        if self.used and self.kind != "purchase":
            raise ValueError("only purchase prices can be for used hardware")
        return self


class CostDefault(Frozen):
    """A default for the owned-hardware cost model, sourced or a labelled assumption."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Cost-model input it feeds")
    value: float = Field(allow_inf_nan=False, description="The default value, in `unit`")
    unit: str = Field(min_length=1, description="Unit of `value`")
    as_of: AsOf
    source: str = Field(min_length=3, description="Where the value comes from")
    assumption: bool = Field(description="True when no source gives the value")
    note: str = Field(default="", description="Derivation, alternatives, why it was assumed")

    @model_validator(mode="after")
    def _check(self) -> CostDefault:
        if self.assumption and not self.note.strip():
            raise ValueError("an assumed default needs a note saying why and how it was chosen")
        return self


class HardwarePriceFile(Frozen):
    """resources/prices/hardware.json."""

    schema_version: Literal[1] = 1
    hardware_prices: tuple[HardwarePrice, ...]
    defaults: tuple[CostDefault, ...]

    @model_validator(mode="after")
    def _unique_defaults(self) -> HardwarePriceFile:
        keys = [d.key for d in self.defaults]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"duplicate default keys: {', '.join(dupes)}")
        return self
