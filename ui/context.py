"""What the pages and views may read: the catalog, the price snapshots, the quality scores.

Read-only data for display. Pages never compute estimates from it; they emit the user's
intent and the presenter calls planner/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from planner.catalog.load import Catalog
from planner.prices.schema import PriceSnapshot


@dataclass
class AppContext:
    catalog: Catalog
    snapshots: dict[str, PriceSnapshot]  # by name: "current", "spring-2025", ...
    user_dir: Path  # the user's own catalog entries and settings
    state_dir: Path  # recent files, autosaves


def load_context(user_dir: Path, state_dir: Path) -> AppContext:
    from planner.catalog.load import load_catalog
    from planner.prices.load import api_snapshots

    return AppContext(load_catalog(user_dir), dict(api_snapshots()), user_dir, state_dir)
