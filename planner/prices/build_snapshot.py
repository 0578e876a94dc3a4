"""Maintainer script: rebuild resources/prices/api_current.json from the genai-prices package.

    pip install '.[data]'            # genai-prices is not a runtime dependency
    python -m planner.prices.build_snapshot [--check]

For each price the standard-tier price in force on the package's data date is taken; its
`as_of` is the start date genai-prices gives for that price, else the data date (said so in
the notes). genai-prices states no data date of its own, so the data date is the latest day
its maintainers say they checked or verified a price ("checked 2026-...", in price comments).
Tiered (long-context) prices keep the base tier and describe the others in
`long_context_note`. A few hosted-open prices genai-prices lacks (DeepInfra, and some models
at other providers) come from litellm's price table as transcribed in the project's reference
price table (facts_prices.csv); they are marked so. Where that table disagrees with
genai-prices, genai-prices is kept and the other figure noted.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import re
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from planner.fileio import atomic_write_text
from planner.paths import resources_dir

OUTPUT = "api_current.json"
PACKAGE = "genai-prices"
_CHECKED = re.compile(r"\b(?:checked|verified)(?: on)? (\d{4}-\d{2}-\d{2})", re.IGNORECASE)
FACTS = "the project's reference price table (facts_prices.csv)"
LITELLM = "litellm 1.110.2 (PyPI): litellm/model_prices_and_context_window_backup.json"


@dataclass(frozen=True)
class Closed:
    id: str
    name: str
    gp_provider: str
    gp_model: str


@dataclass(frozen=True)
class Hosted:
    provider: str  # slug used in the price id
    gp_provider: str
    gp_model: str
    open_model: str
    note: str = ""


@dataclass(frozen=True)
class Supplement:
    """A hosted-open price genai-prices lacks, copied from the reference price table."""

    provider: str
    provider_model: str
    open_model: str
    input: float
    output: float


PROVIDERS = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google",
    "together": "Together AI",
    "groq": "Groq",
    "fireworks": "Fireworks",
    "bedrock": "AWS Bedrock",
    "deepinfra": "DeepInfra",
}

CLOSED = (
    Closed("openai/gpt-4o", "GPT-4o", "openai", "gpt-4o"),
    Closed("openai/gpt-4o-mini", "GPT-4o mini", "openai", "gpt-4o-mini"),
    Closed("openai/gpt-4.1", "GPT-4.1", "openai", "gpt-4.1"),
    Closed("openai/o3", "o3", "openai", "o3"),
    Closed("anthropic/claude-3-5-sonnet", "Claude 3.5 Sonnet", "anthropic", "claude-3-5-sonnet"),
    Closed("anthropic/claude-sonnet-4", "Claude Sonnet 4", "anthropic", "claude-sonnet-4-0"),
    Closed("anthropic/claude-3-haiku", "Claude 3 Haiku", "anthropic", "claude-3-haiku"),
    Closed(
        "anthropic/claude-3-5-haiku", "Claude 3.5 Haiku", "anthropic", "claude-3-5-haiku-latest"
    ),
    Closed("anthropic/claude-haiku-4-5", "Claude Haiku 4.5", "anthropic", "claude-haiku-4-5"),
    Closed("google/gemini-1.5-pro", "Gemini 1.5 Pro", "google", "gemini-1.5-pro"),
    Closed("google/gemini-2.0-flash", "Gemini 2.0 Flash", "google", "gemini-2.0-flash"),
    Closed("google/gemini-2.5-pro", "Gemini 2.5 Pro", "google", "gemini-2.5-pro"),
    Closed("google/gemini-2.5-flash", "Gemini 2.5 Flash", "google", "gemini-2.5-flash"),
)

# Display names of the catalog models that appear below.
OPEN_NAMES = {
    "llama-4-scout-17b-16e": "Llama 4 Scout",
    "llama-4-maverick-17b-128e": "Llama 4 Maverick",
    "llama-3.3-70b": "Llama 3.3 70B",
    "llama-3.1-8b": "Llama 3.1 8B",
    "llama-3.1-70b": "Llama 3.1 70B",
    "llama-3.1-405b": "Llama 3.1 405B",
    "llama-3.2-1b": "Llama 3.2 1B",
    "llama-3.2-3b": "Llama 3.2 3B",
    "llama-3-8b": "Llama 3 8B",
    "llama-3-70b": "Llama 3 70B",
    "llama-2-7b": "Llama 2 7B",
    "llama-2-13b": "Llama 2 13B",
    "llama-2-70b": "Llama 2 70B",
    "mistral-7b-v0.1": "Mistral 7B v0.1",
    "mixtral-8x7b": "Mixtral 8x7B",
    "mixtral-8x22b": "Mixtral 8x22B",
    "gpt-oss-20b": "gpt-oss-20b",
    "gpt-oss-120b": "gpt-oss-120b",
    "qwen3-32b": "Qwen3 32B",
    "qwen3-235b-a22b": "Qwen3 235B-A22B",
    "qwen3-coder-30b-a3b": "Qwen3-Coder 30B-A3B",
    "deepseek-v3": "DeepSeek V3",
    "deepseek-r1": "DeepSeek R1",
    "gemma-2-9b": "Gemma 2 9B",
    "gemma-3-4b": "Gemma 3 4B",
    "gemma-3-12b": "Gemma 3 12B",
    "gemma-3-27b": "Gemma 3 27B",
}

_TURBO = "Together's 'Turbo' endpoint of the model"
HOSTED = (
    Hosted(
        "together", "together", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama-4-scout-17b-16e"
    ),
    Hosted(
        "together",
        "together",
        "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8",
        "llama-4-maverick-17b-128e",
        "Served from the FP8 checkpoint.",
    ),
    Hosted(
        "together",
        "together",
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "llama-3.3-70b",
        f"{_TURBO}.",
    ),
    Hosted(
        "together",
        "together",
        "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo",
        "llama-3.1-8b",
        f"{_TURBO}.",
    ),
    Hosted(
        "together",
        "together",
        "meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo",
        "llama-3.1-70b",
        f"{_TURBO}.",
    ),
    Hosted(
        "together",
        "together",
        "meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo",
        "llama-3.1-405b",
        f"{_TURBO}.",
    ),
    Hosted(
        "together",
        "together",
        "meta-llama/Meta-Llama-3-8B-Instruct-Turbo",
        "llama-3-8b",
        f"{_TURBO}.",
    ),
    Hosted(
        "together",
        "together",
        "meta-llama/Meta-Llama-3-70B-Instruct-Turbo",
        "llama-3-70b",
        f"{_TURBO}.",
    ),
    Hosted("together", "together", "meta-llama/Llama-2-7b-chat-hf", "llama-2-7b"),
    Hosted("together", "together", "meta-llama/Llama-2-13b-chat-hf", "llama-2-13b"),
    Hosted("together", "together", "meta-llama/Llama-2-70b-chat-hf", "llama-2-70b"),
    Hosted("together", "together", "mistralai/Mistral-7B-Instruct-v0.1", "mistral-7b-v0.1"),
    Hosted("together", "together", "mistralai/Mixtral-8x7B-Instruct-v0.1", "mixtral-8x7b"),
    Hosted("together", "together", "mistralai/Mixtral-8x22B-Instruct-v0.1", "mixtral-8x22b"),
    Hosted("together", "together", "openai/gpt-oss-120b", "gpt-oss-120b"),
    Hosted("groq", "groq", "meta-llama/llama-4-scout-17b-16e-instruct", "llama-4-scout-17b-16e"),
    Hosted(
        "groq", "groq", "meta-llama/llama-4-maverick-17b-128e-instruct", "llama-4-maverick-17b-128e"
    ),
    Hosted("groq", "groq", "llama-3.3-70b-versatile", "llama-3.3-70b"),
    Hosted("groq", "groq", "llama-3.1-8b-instant", "llama-3.1-8b"),
    Hosted("groq", "groq", "llama-3.1-70b-versatile", "llama-3.1-70b"),
    Hosted("groq", "groq", "llama3-8b-8192", "llama-3-8b", "8K-context endpoint."),
    Hosted("groq", "groq", "llama3-70b-8192", "llama-3-70b", "8K-context endpoint."),
    Hosted("groq", "groq", "llama-3.2-1b-preview", "llama-3.2-1b", "A preview endpoint."),
    Hosted("groq", "groq", "llama-3.2-3b-preview", "llama-3.2-3b", "A preview endpoint."),
    Hosted("groq", "groq", "gemma2-9b-it", "gemma-2-9b"),
    Hosted("groq", "groq", "mixtral-8x7b-32768", "mixtral-8x7b"),
    Hosted("groq", "groq", "openai/gpt-oss-20b", "gpt-oss-20b"),
    Hosted("groq", "groq", "openai/gpt-oss-120b", "gpt-oss-120b"),
    Hosted("groq", "groq", "qwen/qwen3-32b", "qwen3-32b"),
    Hosted("fireworks", "fireworks", "llama4-maverick-instruct-basic", "llama-4-maverick-17b-128e"),
    Hosted(
        "fireworks",
        "fireworks",
        "deepseek-v3-0324",
        "deepseek-v3",
        "The DeepSeek-V3-0324 checkpoint (same architecture as the catalog's DeepSeek V3).",
    ),
    Hosted(
        "fireworks",
        "fireworks",
        "deepseek-r1-0528",
        "deepseek-r1",
        "The DeepSeek-R1-0528 checkpoint.",
    ),
    Hosted("fireworks", "fireworks", "llama-v3p1-8b-instruct", "llama-3.1-8b"),
    Hosted("fireworks", "fireworks", "gemma-3-27b-it", "gemma-3-27b"),
    Hosted("fireworks", "fireworks", "qwen3-235b-a22b", "qwen3-235b-a22b"),
    Hosted("fireworks", "fireworks", "gpt-oss-20b", "gpt-oss-20b"),
    Hosted("fireworks", "fireworks", "gpt-oss-120b", "gpt-oss-120b"),
    Hosted("bedrock", "aws", "meta.llama4-scout-17b-instruct-v1:0", "llama-4-scout-17b-16e"),
    Hosted("bedrock", "aws", "meta.llama4-maverick-17b-instruct-v1:0", "llama-4-maverick-17b-128e"),
    Hosted("bedrock", "aws", "meta.llama3-3-70b-instruct-v1:0", "llama-3.3-70b"),
    Hosted("bedrock", "aws", "meta.llama3-1-8b-instruct-v1:0", "llama-3.1-8b"),
    Hosted("bedrock", "aws", "meta.llama3-1-70b-instruct-v1:0", "llama-3.1-70b"),
    Hosted("bedrock", "aws", "meta.llama3-2-1b-instruct-v1:0", "llama-3.2-1b"),
    Hosted("bedrock", "aws", "meta.llama3-2-3b-instruct-v1:0", "llama-3.2-3b"),
    Hosted("bedrock", "aws", "meta.llama3-8b-instruct-v1:0", "llama-3-8b"),
    Hosted("bedrock", "aws", "meta.llama3-70b-instruct-v1:0", "llama-3-70b"),
    Hosted("bedrock", "aws", "deepseek.r1-v1:0", "deepseek-r1"),
    Hosted("bedrock", "aws", "google.gemma-3-4b-it", "gemma-3-4b"),
    Hosted("bedrock", "aws", "google.gemma-3-12b-it", "gemma-3-12b"),
    Hosted("bedrock", "aws", "google.gemma-3-27b-it", "gemma-3-27b"),
    Hosted("bedrock", "aws", "mistral.mixtral-8x7b-instruct-v0:1", "mixtral-8x7b"),
    Hosted("bedrock", "aws", "openai.gpt-oss-20b-1:0", "gpt-oss-20b"),
    Hosted("bedrock", "aws", "openai.gpt-oss-120b-1:0", "gpt-oss-120b"),
    Hosted("bedrock", "aws", "qwen.qwen3-32b-v1:0", "qwen3-32b"),
    Hosted("bedrock", "aws", "qwen.qwen3-coder-30b-a3b-v1:0", "qwen3-coder-30b-a3b"),
)

SUPPLEMENTS = (
    Supplement("together", "deepseek-ai/DeepSeek-V3", "deepseek-v3", 1.25, 1.25),
    Supplement(
        "fireworks",
        "accounts/fireworks/models/llama4-scout-instruct-basic",
        "llama-4-scout-17b-16e",
        0.15,
        0.6,
    ),
    Supplement(
        "fireworks", "accounts/fireworks/models/llama-v3p3-70b-instruct", "llama-3.3-70b", 0.9, 0.9
    ),
    Supplement("bedrock", "deepseek.v3-v1:0", "deepseek-v3", 0.58, 1.68),
    Supplement(
        "deepinfra",
        "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8",
        "llama-4-maverick-17b-128e",
        0.2,
        0.8,
    ),
    Supplement(
        "deepinfra", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama-4-scout-17b-16e", 0.1, 0.3
    ),
    Supplement("deepinfra", "meta-llama/Llama-3.3-70B-Instruct", "llama-3.3-70b", 0.23, 0.4),
    Supplement("deepinfra", "deepseek-ai/DeepSeek-V3", "deepseek-v3", 0.32, 0.89),
)

# The reference price table's figures (input, output, cached input) for a cross-check.
REFERENCE = {
    "openai/gpt-4o": (2.5, 10.0, 1.25),
    "openai/gpt-4o-mini": (0.15, 0.6, 0.075),
    "openai/gpt-4.1": (2.0, 8.0, 0.5),
    "openai/o3": (2.0, 8.0, 0.5),
    "anthropic/claude-3-5-sonnet": (3.0, 15.0, 0.3),
    "anthropic/claude-sonnet-4": (3.0, 15.0, 0.3),
    "anthropic/claude-3-haiku": (0.25, 1.25, 0.03),
    "anthropic/claude-3-5-haiku": (0.8, 4.0, 0.08),
    "anthropic/claude-haiku-4-5": (1.0, 5.0, 0.1),
    "google/gemini-1.5-pro": (1.25, 5.0, None),
    "google/gemini-2.5-pro": (1.25, 10.0, 0.125),
    "google/gemini-2.5-flash": (0.3, 2.5, 0.03),
    "together/llama-4-maverick-17b-128e": (0.27, 0.85, None),
    "together/llama-4-scout-17b-16e": (0.18, 0.59, None),
    "together/llama-3.3-70b": (1.04, 1.04, None),
    "groq/llama-4-maverick-17b-128e": (0.2, 0.6, None),
    "groq/llama-4-scout-17b-16e": (0.11, 0.34, None),
    "groq/llama-3.3-70b": (0.59, 0.79, None),
    "fireworks/llama-4-maverick-17b-128e": (0.22, 0.88, None),
    "fireworks/deepseek-v3": (0.9, 0.9, None),
    "bedrock/llama-4-maverick-17b-128e": (0.24, 0.97, None),
    "bedrock/llama-4-scout-17b-16e": (0.17, 0.66, None),
    "bedrock/llama-3.3-70b": (0.72, 0.72, None),
}
# Where the figure above is not genai-prices' own: that table lists both for Together's
# Llama 3.3 70B (genai-prices 0.88, litellm 1.04) and flags the conflict.
REFERENCE_ORIGIN = {"together/llama-3.3-70b": "litellm 1.110.2"}


def _number(value: Any) -> float | None:
    """A genai-prices price (Decimal, TieredPrices or None) as its base-tier float."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return float(value.base)


def _tiers(prices: Any) -> str | None:
    parts: dict[int, list[str]] = {}
    for attr, label in (
        ("input_mtok", "input"),
        ("output_mtok", "output"),
        ("cache_read_mtok", "cached input"),
    ):
        value = getattr(prices, attr, None)
        if value is None or isinstance(value, Decimal):
            continue
        for tier in value.tiers:
            parts.setdefault(int(tier.start), []).append(f"{label} {float(tier.price):g}")
    if not parts:
        return None
    return (
        "; ".join(
            f"prompts over {start // 1000}K tokens: {', '.join(items)} USD per million"
            for start, items in sorted(parts.items())
        )
        + " (the base tier is kept above)"
    )


def data_date(providers: list[Any]) -> date:
    """Latest day the package's price comments say a price was checked or verified."""
    found: list[date] = []
    for provider in providers:
        texts = [provider.price_comments, provider.description]
        for model in provider.models:
            texts += [model.price_comments, model.description]
        for text in texts:
            found += [date.fromisoformat(d) for d in _CHECKED.findall(text or "")]
    if not found:
        raise SystemExit("genai-prices data gives no 'checked <date>' to date the snapshot")
    return max(found)


def in_force(model: Any, day: date) -> tuple[Any, date | None]:
    """The standard price on `day` and the start date genai-prices gives for it (if any).

    Mirrors genai-prices: the last conditional price whose constraint holds wins; time-of-day
    discounts never count as the standard price.
    """
    prices = model.prices
    if not isinstance(prices, list):
        return prices, None
    for conditional in reversed(prices):
        constraint = conditional.constraint
        if constraint is None:
            return conditional.prices, None
        start = getattr(constraint, "start_date", None)
        if isinstance(start, date) and start <= day:
            return conditional.prices, start
    return prices[0].prices, None


def _find(providers: list[Any], provider_id: str, model_id: str) -> tuple[Any, Any]:
    for provider in providers:
        if provider.id == provider_id:
            for model in provider.models:
                if model.id == model_id:
                    return provider, model
    raise SystemExit(f"genai-prices has no model '{model_id}' at provider '{provider_id}'")


def _cross_check(price_id: str, inp: float, out: float, cached: float | None) -> str:
    ref = REFERENCE.get(price_id)
    if ref is None or ref == (inp, out, cached):
        return ""
    cached_txt = "" if ref[2] is None else f", cached input {ref[2]:g}"
    origin = REFERENCE_ORIGIN.get(price_id, "its package sources")
    return (
        f" Cross-check: {FACTS} gives input {ref[0]:g}, output {ref[1]:g}{cached_txt} "
        f"({origin}); genai-prices is kept."
    )


def _entry(
    providers: list[Any],
    day: date,
    version: str,
    *,
    price_id: str,
    name: str,
    provider_name: str,
    kind: str,
    open_model: str | None,
    gp_provider: str,
    gp_model: str,
    extra_note: str = "",
) -> dict[str, Any]:
    provider, model = _find(providers, gp_provider, gp_model)
    prices, start = in_force(model, day)
    inp = _number(prices.input_mtok)
    out = _number(prices.output_mtok)
    if inp is None or out is None:
        raise SystemExit(f"{gp_provider}/{gp_model}: no input or output token price")
    cached = _number(getattr(prices, "cache_read_mtok", None))
    notes = [extra_note] if extra_note else []
    if start is None:
        notes.append(
            f"genai-prices gives no start date for this price; as_of is the package's data "
            f"date ({day.isoformat()})."
        )
    else:
        notes.append(f"Price in force since {start.isoformat()} (genai-prices start date).")
    if model.deprecated:
        notes.append(
            "genai-prices marks the model deprecated (retired or no longer listed by the "
            "provider); kept for comparison."
        )
    comment = (model.price_comments or "").strip()
    if comment and len(comment) <= 200:
        notes.append(f"genai-prices comment: {comment}")
    urls = (provider.pricing_urls or [""])[0]
    source = f"genai-prices {version} (PyPI) data.py: provider '{gp_provider}', model '{gp_model}'"
    if urls:
        source += f" (pricing page: {urls})"
    entry: dict[str, Any] = {
        "id": price_id,
        "name": name,
        "provider": provider_name,
        "kind": kind,
        "open_model": open_model,
        "input_usd_per_mtok": inp,
        "output_usd_per_mtok": out,
        "cached_input_usd_per_mtok": cached,
        "as_of": (start or day).isoformat(),
        "source": source,
        "notes": (" ".join(notes) + _cross_check(price_id, inp, out, cached)).strip(),
        "long_context_note": _tiers(prices),
    }
    return entry


def _supplement(s: Supplement, day: date) -> dict[str, Any]:
    price_id = f"{s.provider}/{s.open_model}"
    return {
        "id": price_id,
        "name": f"{OPEN_NAMES[s.open_model]} ({PROVIDERS[s.provider]})",
        "provider": PROVIDERS[s.provider],
        "kind": "hosted-open",
        "open_model": s.open_model,
        "input_usd_per_mtok": s.input,
        "output_usd_per_mtok": s.output,
        "cached_input_usd_per_mtok": None,
        "as_of": day.isoformat(),
        "source": f"{LITELLM}, model '{s.provider_model}', as transcribed in {FACTS}",
        "notes": (
            f"Not in genai-prices; litellm states no date, so as_of is the snapshot's as-of "
            f"date ({day.isoformat()})."
        ),
        "long_context_note": None,
    }


def build() -> dict[str, Any]:
    """The 'current' snapshot as the JSON document written to resources/prices."""
    data = importlib.import_module("genai_prices.data")
    providers: list[Any] = data.providers
    version = importlib.metadata.version(PACKAGE)
    day = data_date(providers)
    prices: list[dict[str, Any]] = []
    for c in CLOSED:
        prices.append(
            _entry(
                providers,
                day,
                version,
                price_id=c.id,
                name=c.name,
                provider_name=PROVIDERS[c.gp_provider],
                kind="closed",
                open_model=None,
                gp_provider=c.gp_provider,
                gp_model=c.gp_model,
            )
        )
    for h in HOSTED:
        prices.append(
            _entry(
                providers,
                day,
                version,
                price_id=f"{h.provider}/{h.open_model}",
                name=f"{OPEN_NAMES[h.open_model]} ({PROVIDERS[h.provider]})",
                provider_name=PROVIDERS[h.provider],
                kind="hosted-open",
                open_model=h.open_model,
                gp_provider=h.gp_provider,
                gp_model=h.gp_model,
                extra_note=h.note,
            )
        )
    prices += [_supplement(s, day) for s in SUPPLEMENTS]
    return {
        "schema_version": 1,
        "name": "current",
        "title": f"Current list prices (genai-prices {version}, data to {day.isoformat()})",
        "as_of": day.isoformat(),
        "source": (
            f"genai-prices {version} (PyPI, pydantic/genai-prices) genai_prices/data.py; "
            f"hosted-open prices it lacks from {LITELLM} via {FACTS}"
        ),
        "description": (
            "Standard-tier pay-per-token prices of closed APIs and of open-weight catalog "
            "models served by Together AI, Groq, Fireworks, AWS Bedrock and DeepInfra. "
            "Batch, flex and priority tiers, cache writes and regional surcharges are left "
            "out. The snapshot's as-of date is the latest day genai-prices says a price was "
            "checked; rebuild with `python -m planner.prices.build_snapshot`."
        ),
        "prices": prices,
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only compare with the file")
    parser.add_argument(
        "--out", type=Path, default=None, help="where to write (default: resources/prices)"
    )
    args = parser.parse_args(argv)
    out: Path = args.out or resources_dir() / "prices" / OUTPUT
    text = render(build())
    if args.check:
        same = out.is_file() and out.read_text(encoding="utf-8") == text
        print(f"{out}: {'up to date' if same else 'differs from genai-prices'}")
        return 0 if same else 1
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, text)
    print(f"wrote {out} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
