"""Recent plan files, and autosaves that survive a crash, in a state folder passed in.

The application passes platformdirs' user_state_dir; tests pass a temporary folder.
Everything here is written atomically; a damaged list or autosave is never fatal.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.fileio import atomic_write_text
from planner.plan.io import (
    PlanFileError,
    parse_json,
    plan_from_doc,
    plan_to_doc,
    read_limited,
)
from planner.plan.schema import Plan

RECENT_FILE = "recent_plans.json"
MAX_RECENT = 10
AUTOSAVE_DIR = "autosave"
AUTOSAVE_SUFFIX = ".autosave.json"
AUTOSAVE_VERSION = 1


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(Path(path).expanduser()))


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # unreadable, or a damaged entry (embedded NUL)
        return False


class RecentFiles:
    """The plan files opened or saved lately, newest first, at most `limit`."""

    def __init__(self, state_dir: Path, limit: int = MAX_RECENT) -> None:
        self.path = Path(state_dir) / RECENT_FILE
        self.limit = limit

    def _stored(self) -> list[Path]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            return []  # missing or damaged: start a new list
        files = doc.get("files") if isinstance(doc, dict) else None
        if not isinstance(files, list):
            return []
        return [Path(f) for f in files if isinstance(f, str) and f]

    def _store(self, files: list[Path]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"schema_version": 1, "files": [str(f) for f in files]}
        atomic_write_text(self.path, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")

    def files(self) -> list[Path]:
        """The recent files that still exist, newest first."""
        return [f for f in self._stored() if _is_file(f)][: self.limit]

    def add(self, path: Path) -> list[Path]:
        """Put `path` first (once); drop files that no longer exist; keep `limit`."""
        new = _absolute(path)
        files = [new, *(f for f in self._stored() if f != new and _is_file(f))]
        files = files[: self.limit]
        self._store(files)
        return files

    def remove(self, path: Path) -> None:
        gone = _absolute(path)
        self._store([f for f in self._stored() if f != gone])

    def clear(self) -> None:
        self._store([])


@dataclass(frozen=True)
class Recovery:
    """An autosaved plan left behind by a session that did not close cleanly."""

    autosave_path: Path
    source_path: Path | None  # the file the plan was opened from or saved to, if any
    plan: Plan
    autosaved_ns: int  # modification time of the autosave file

    def discard(self) -> None:
        """Drop this autosave (recovered or declined)."""
        self.autosave_path.unlink(missing_ok=True)


def _slot(state_dir: Path, plan: Plan, source_path: Path | None) -> Path:
    key = f"file:{_absolute(source_path)}" if source_path is not None else f"new:{plan.created}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    prefix = "file" if source_path is not None else "untitled"
    return Path(state_dir) / AUTOSAVE_DIR / f"{prefix}-{digest}{AUTOSAVE_SUFFIX}"


def autosave(state_dir: Path, plan: Plan, source_path: Path | None) -> Path:
    """Keep a copy of unsaved work (one per source file, or per new plan); returns its path."""
    target = _slot(state_dir, plan, source_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "autosave_version": AUTOSAVE_VERSION,
        "source_path": None if source_path is None else str(_absolute(source_path)),
        "plan": plan_to_doc(plan),
    }
    try:
        atomic_write_text(target, json.dumps(doc, ensure_ascii=False, allow_nan=False))
    except OSError as exc:
        raise PlanFileError(f"{target}: cannot autosave ({exc.strerror or exc})") from None
    return target


def _read_recovery(path: Path) -> Recovery:
    doc = parse_json(read_limited(path), str(path))
    if not isinstance(doc, dict) or doc.get("autosave_version") != AUTOSAVE_VERSION:
        raise PlanFileError(f"{path}: not an autosave of this planner")
    source = doc.get("source_path")
    if source is not None and not isinstance(source, str):
        raise PlanFileError(f"{path}: source_path must be a string")
    plan, _ = plan_from_doc(doc.get("plan"), str(path))
    return Recovery(
        autosave_path=path,
        source_path=Path(source) if source else None,
        plan=plan,
        autosaved_ns=path.stat().st_mtime_ns,
    )


def find_recovery(state_dir: Path) -> list[Recovery]:
    """Autosaves waiting to be recovered, newest first (unreadable ones are left alone)."""
    folder = Path(state_dir) / AUTOSAVE_DIR
    try:
        candidates = sorted(folder.glob(f"*{AUTOSAVE_SUFFIX}"))
    except OSError:
        return []
    found: list[Recovery] = []
    for path in candidates:
        try:
            found.append(_read_recovery(path))
        except (PlanFileError, OSError):
            continue
    return sorted(found, key=lambda r: r.autosaved_ns, reverse=True)


def discard_recovery(state_dir: Path, source_path: Path | None, plan: Plan) -> None:
    """Drop the autosave `autosave(state_dir, plan, source_path)` wrote (after a save, or
    when the user declines to recover it: pass the Recovery's source_path and plan)."""
    _slot(state_dir, plan, source_path).unlink(missing_ok=True)
