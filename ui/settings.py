"""The app's own settings: a pydantic model kept as JSON, writing only what differs from the
defaults (a damaged file falls back to the defaults instead of stopping the app)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.fileio import atomic_write_text
from planner.paths import ENV_HOME

SETTINGS_FILE = "settings.json"

Theme = Literal["system", "light", "dark"]


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    theme: Theme = Field(default="system", description="Colours: follow the system, or fixed")
    geometry: str | None = Field(default=None, description="Window geometry (Qt, base64)")
    window_state: str | None = Field(default=None, description="Toolbars and docks (Qt, base64)")
    splitter: str | None = Field(default=None, description="Pane sizes (Qt, base64)")
    last_dir: str | None = Field(default=None, description="Folder of the last plan opened")
    step: int = Field(default=0, ge=0, description="Step page shown last")
    result_tab: int = Field(default=0, ge=0, description="Result view shown last")


def config_dir() -> Path:
    """Settings folder (under LLM_PLANNER_HOME when it is set, as the tests do)."""
    override = os.environ.get(ENV_HOME)
    if override:
        return Path(override) / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir("llm-planner", appauthor=False))


def load_settings(folder: Path) -> Settings:
    try:
        doc = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        return Settings.model_validate(doc)
    except (OSError, ValueError, ValidationError):
        return Settings()


def save_settings(folder: Path, settings: Settings) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(settings.model_dump(exclude_defaults=True), indent=1) + "\n"
        atomic_write_text(folder / SETTINGS_FILE, text)
    except OSError:
        pass  # settings are a convenience: a read-only home must not stop the app closing
