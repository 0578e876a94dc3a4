"""Load and validate the bundled catalog, plus the user's own models and accelerators."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from planner.catalog.resolve import Resolver
from planner.catalog.schema import EngineSpec, GpuSpec, ModelSpec, QuantFormat
from planner.fileio import atomic_write_text
from planner.paths import resources_dir

E = TypeVar("E", bound=BaseModel)

USER_GPUS_FILE = "gpus.json"
USER_MODELS_FILE = "models.json"


class CatalogError(ValueError):
    """A catalog or user-definition file is missing or invalid."""


def _read_entries(path: Path, key: str, cls: type[E]) -> list[E]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogError(f"catalog file not found: {path}") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise CatalogError(f"cannot read {path}: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        raise CatalogError(f"{path}: expected an object with a '{key}' list")
    out: list[E] = []
    for i, raw in enumerate(doc[key]):
        try:
            out.append(cls.model_validate(raw))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise CatalogError(f"{path}: {key}[{i}] {loc}: {first['msg']}") from exc
    return out


def _by_id(entries: Iterable[E]) -> dict[str, E]:
    out: dict[str, E] = {}
    for e in entries:
        entry_id = getattr(e, "id")  # noqa: B009 - every catalog entry has an id
        if entry_id in out:
            raise CatalogError(f"duplicate catalog id '{entry_id}'")
        out[entry_id] = e
    return out


def _names(e: Any) -> list[str]:
    return [e.name, *e.aliases] + ([e.hf_repo] if getattr(e, "hf_repo", None) else [])


@dataclass(frozen=True)
class Catalog:
    """Everything the estimators can be asked about, with loose name lookup."""

    models: dict[str, ModelSpec]
    gpus: dict[str, GpuSpec]
    quants: dict[str, QuantFormat]
    engines: dict[str, EngineSpec]
    _resolvers: dict[str, Resolver[Any]] = field(default_factory=dict, repr=False, compare=False)

    def _resolver(self, kind: str, entries: Mapping[str, E]) -> Resolver[E]:
        """The name index of one kind, built on first loose lookup (an exact id needs none)."""
        r: Resolver[E] | None = self._resolvers.get(kind)
        if r is None:
            r = Resolver(kind, entries, {k: _names(v) for k, v in entries.items()})
            self._resolvers[kind] = r
        return r

    def model(self, name: str) -> ModelSpec:
        found = self.models.get(name)
        return found if found is not None else self._resolver("model", self.models).get(name)

    def gpu(self, name: str) -> GpuSpec:
        found = self.gpus.get(name)
        return found if found is not None else self._resolver("GPU", self.gpus).get(name)

    def quant(self, name: str) -> QuantFormat:
        found = self.quants.get(name)
        if found is not None:
            return found
        return self._resolver("quantization", self.quants).get(name)

    def engine(self, name: str) -> EngineSpec:
        found = self.engines.get(name)
        return found if found is not None else self._resolver("engine", self.engines).get(name)

    def with_entries(
        self, models: Iterable[ModelSpec] = (), gpus: Iterable[GpuSpec] = ()
    ) -> Catalog:
        """A catalog with user entries added; they behave exactly like bundled ones."""
        models, gpus = list(models), list(gpus)
        if not models and not gpus:
            return self
        m = dict(self.models)
        g = dict(self.gpus)
        for model in models:
            m[model.id] = model
        for gpu in gpus:
            g[gpu.id] = gpu
        kept = {  # the name indexes of the kinds that gained nothing carry over
            kind: r
            for kind, r in self._resolvers.items()
            if (kind != "model" or not models) and (kind != "GPU" or not gpus)
        }
        return Catalog(models=m, gpus=g, quants=self.quants, engines=self.engines, _resolvers=kept)


@cache
def bundled_catalog() -> Catalog:
    """The catalog shipped in resources/catalog (loaded once per process)."""
    root = resources_dir() / "catalog"
    return Catalog(
        models=_by_id(_read_entries(root / "models.json", "models", ModelSpec)),
        gpus=_by_id(_read_entries(root / "gpus.json", "gpus", GpuSpec)),
        quants=_by_id(_read_entries(root / "quants.json", "quants", QuantFormat)),
        engines=_by_id(_read_entries(root / "engines.json", "engines", EngineSpec)),
    )


def load_catalog(user_dir: Path | None = None) -> Catalog:
    """Bundled catalog plus the user's definitions in `user_dir` (gpus.json, models.json)."""
    cat = bundled_catalog()
    if user_dir is None:
        return cat
    gpus: list[GpuSpec] = []
    models: list[ModelSpec] = []
    if (user_dir / USER_GPUS_FILE).is_file():
        gpus = _read_entries(user_dir / USER_GPUS_FILE, "gpus", GpuSpec)
    if (user_dir / USER_MODELS_FILE).is_file():
        models = _read_entries(user_dir / USER_MODELS_FILE, "models", ModelSpec)
    entries: list[GpuSpec | ModelSpec] = [*gpus, *models]
    for entry in entries:
        if not entry.custom:
            raise CatalogError(f"user entry '{entry.id}' must have custom: true")
    return cat.with_entries(models=models, gpus=gpus)


def save_user_entry(user_dir: Path, entry: GpuSpec | ModelSpec) -> Path:
    """Add or replace a user-defined accelerator or model (atomic write)."""
    fname, key = (
        (USER_GPUS_FILE, "gpus") if isinstance(entry, GpuSpec) else (USER_MODELS_FILE, "models")
    )
    path = user_dir / fname
    existing: list[dict[str, Any]] = []
    if path.is_file():
        doc = json.loads(path.read_text(encoding="utf-8"))
        existing = [e for e in doc.get(key, []) if e.get("id") != entry.id]
    existing.append(
        entry.model_dump(mode="json", exclude_defaults=True) | {"id": entry.id, "custom": True}
    )
    user_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps({"schema_version": 1, key: existing}, indent=1))
    return path
