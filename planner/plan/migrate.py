"""Schema migrations of plan files: one function per version step, on plain JSON objects.

Schema 0 (planner 0.0.x) held a single scenario with flat fields::

    {"schema_version": 0, "app_version": "0.0.9", "saved": "2024-11-02T10:15:00+00:00",
     "title": "...", "client": "...", "notes": "...",
     "scenario": {
        "name": "...",                                  # optional
        "model": "llama-3.1-70b", "custom_model": {<ModelSpec>} | null,
        "quant": "awq-int4", "kv_cache": "fp8" | null,
        "gpu": "a100-sxm-80gb", "custom_gpu": {<GpuSpec>} | null, "gpus": 2,
        "memory_gib": null, "engine": "vllm" | null, "tp": 2 | null, "pp": 1 | null,
        "batch": 8 | "max", "input_tokens": 1024, "output_tokens": 256, "context": null,
        "tokens_per_month": 2e9 | null, "requests_per_month": null, "cached_share": 0.1,
        "peak_to_average": 2, "active_hours": 24, "ttft_ms": null, "tpot_ms": null,
        "rent": false, "gpu_price_usd": 15000 | null, "gpu_hour_price": null,
        "electricity_usd_per_kwh": 0.12 | null, "pue": 1.3 | null, "years": 4 | null}}

Schema 0 embedded no price snapshot and pinned no cost defaults: a migrated scenario takes
them from the bundled data of the planner that opens it. Fields a step does not know are
carried over unchanged (top level and per scenario).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.plan.schema import SCHEMA_VERSION

Doc = dict[str, Any]


class MigrationError(ValueError):
    """The document does not have the layout its schema version promises."""


def _object(value: Any, what: str) -> Doc:
    if not isinstance(value, dict):
        raise MigrationError(f"{what} must be a JSON object")
    return value


def _v0_scenario(old: Doc, default_name: str) -> Doc:
    s = dict(old)

    def take(key: str) -> Any:
        return s.pop(key, None)

    def drop_none(d: Doc) -> Doc:
        return {k: v for k, v in d.items() if v is not None}

    model, custom_model = take("model"), take("custom_model")
    gpu, custom_gpu = take("gpu"), take("custom_gpu")
    name = take("name")
    rent = take("rent")
    prices = drop_none(
        {"gpu_price_usd": take("gpu_price_usd"), "usd_per_gpu_hour": take("gpu_hour_price")}
    )
    item = drop_none(
        {
            "gpu": gpu,
            "gpu_spec": custom_gpu,
            "count": take("gpus"),
            "memory_gib": take("memory_gib"),
            "acquisition": "rent" if rent is True else "buy",
            "prices": prices,
        }
    )
    input_tokens, output_tokens = take("input_tokens"), take("output_tokens")
    workload = drop_none(
        {
            "batch": take("batch"),
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "context_tokens": take("context"),
        }
    )
    volume = drop_none(
        {
            "tokens_per_month": take("tokens_per_month"),
            "requests_per_month": take("requests_per_month"),
        }
    )
    traffic = drop_none(
        {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cached_input_share": take("cached_share"),
            "peak_to_average": take("peak_to_average"),
            "active_hours_per_day": take("active_hours"),
            "ttft_target_ms": take("ttft_ms"),
            "tpot_target_ms": take("tpot_ms"),
        }
    )
    explicit = drop_none(
        {
            "electricity_usd_per_kwh": take("electricity_usd_per_kwh"),
            "pue": take("pue"),
            "amortization_years": take("years"),
        }
    )
    new: Doc = {
        "name": name if name is not None else default_name,
        "model": custom_model.get("id")
        if model is None and isinstance(custom_model, dict)
        else model,
        "model_spec": custom_model,
        "quant": take("quant"),
        "kv_quant": take("kv_cache") or "fp16",
        "hardware": [item],
        "engine": take("engine"),
        "tp": take("tp"),
        "pp": take("pp"),
        "workload": workload,
        "cost_workload": volume | traffic if volume else None,
        "costs": {"explicit": explicit},
    }
    return drop_none(new) | s  # unknown v0 fields ride along


def v0_to_v1(doc: Doc) -> Doc:
    """One flat scenario becomes a list of structured scenarios; `saved` becomes both times."""
    out = dict(doc)
    scenario = _object(out.pop("scenario", None), "'scenario'")
    saved = out.pop("saved", None)
    out.setdefault("created", saved)
    out.setdefault("modified", saved)
    title = out.get("title")
    default_name = title if isinstance(title, str) and title.strip() else "Scenario 1"
    out["scenarios"] = [_v0_scenario(scenario, default_name)]
    out["selected"] = 0
    out["schema_version"] = 1
    return out


MIGRATIONS: dict[int, Callable[[Doc], Doc]] = {0: v0_to_v1}
OLDEST = min(MIGRATIONS)
assert all(v in MIGRATIONS for v in range(OLDEST, SCHEMA_VERSION))


def migrate(doc: Doc, version: int) -> Doc:
    """Bring `doc` (at `version`) step by step to SCHEMA_VERSION."""
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise MigrationError(f"no migration from schema {version}")
        doc = step(doc)
        version += 1
        doc["schema_version"] = version
    return doc
