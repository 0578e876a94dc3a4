"""Read and write `.llmplan` files: size limit, one-line errors, migrations with a backup.

Anything wrong with a file (too big, not JSON, truncated, wrong types, a newer schema)
raises PlanFileError with one line naming the file and the problem, and writes nothing.
"""

from __future__ import annotations

import json
import math
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner import __version__
from planner.fileio import atomic_write_bytes, atomic_write_text
from planner.plan.migrate import OLDEST, MigrationError, migrate
from planner.plan.schema import SCHEMA_VERSION, Plan

MAX_FILE_BYTES = 20 * 1024 * 1024
BACKUP_SUFFIX = ".bak"


class PlanFileError(ValueError):
    """A plan file cannot be read or written; the message is one line."""


def one_line(text: object) -> str:
    return " ".join(str(text).split())


@dataclass(frozen=True)
class LoadedPlan:
    plan: Plan
    path: Path
    migrated_from: int | None  # the file's schema version, when older than this planner's
    backup: Path | None  # copy of the original written before migrating


def backup_path(path: Path) -> Path:
    """Where the original of a migrated file is kept: `<name>.bak` beside it."""
    return path.with_name(path.name + BACKUP_SUFFIX)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a plan may hold")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def parse_json(data: bytes, where: str) -> Any:
    """JSON from bytes (UTF-8, optional BOM); only finite numbers."""
    if not data.strip():
        raise PlanFileError(f"{where}: the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlanFileError(f"{where}: not a plan file (not UTF-8 text)") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            raise PlanFileError(
                f"{where}: the file ends too early (truncated or damaged)"
            ) from None
        raise PlanFileError(
            one_line(
                f"{where}: not a plan file (not JSON: {exc.msg} at line {exc.lineno} "
                f"column {exc.colno})"
            )
        ) from None
    except RecursionError:
        raise PlanFileError(f"{where}: not a plan file (nested too deeply)") from None
    except ValueError as exc:  # NaN, Infinity, overflowing numbers, giant integers
        raise PlanFileError(one_line(f"{where}: not a plan file ({exc})")) from None


def _version(doc: Any, where: str) -> int:
    if not isinstance(doc, dict):
        kind = "a list" if isinstance(doc, list) else "a single value"
        raise PlanFileError(f"{where}: not a plan file (a JSON object expected, found {kind})")
    if "schema_version" not in doc:
        raise PlanFileError(f"{where}: not a plan file (no schema_version)")
    version = doc["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise PlanFileError(
            one_line(f"{where}: schema_version must be a whole number, not {str(version)[:40]!r}")
        )
    if version > SCHEMA_VERSION:
        raise PlanFileError(
            f"{where}: saved by a newer planner (plan schema {version}; this planner "
            f"{__version__} reads schemas {OLDEST} to {SCHEMA_VERSION}): update the planner "
            "to open it"
        )
    if version < OLDEST:
        raise PlanFileError(f"{where}: unsupported plan schema {version}")
    return version


def _validation_message(where: str, exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    loc = ".".join(str(p) for p in first["loc"])
    msg = str(first["msg"]).removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return one_line(f"{where}: {loc + ': ' if loc else ''}{msg}{more}")[:1000]


def plan_from_doc(doc: Any, where: str) -> tuple[Plan, int]:
    """A validated plan from a parsed document, migrated; and the document's schema version."""
    version = _version(doc, where)
    try:
        current = migrate(dict(doc), version)
    except (MigrationError, KeyError, TypeError, AttributeError) as exc:
        raise PlanFileError(
            one_line(f"{where}: cannot migrate from plan schema {version}: {exc}")
        ) from None
    try:
        return Plan.model_validate(current), version
    except ValidationError as exc:
        raise PlanFileError(_validation_message(where, exc)) from None
    except RecursionError:
        raise PlanFileError(f"{where}: not a plan file (nested too deeply)") from None


def read_limited(path: Path) -> bytes:
    """The file's bytes; refuses (before reading) anything but a regular file of <= 20 MB."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise PlanFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise PlanFileError(one_line(f"{path}: cannot read ({exc.strerror or exc})")) from None
    if not stat.S_ISREG(st.st_mode):
        raise PlanFileError(f"{path}: not a plan file (not a regular file)")
    if st.st_size > MAX_FILE_BYTES:
        raise PlanFileError(
            f"{path}: too large for a plan file ({st.st_size / 2**20:.1f} MiB; the limit is "
            f"{MAX_FILE_BYTES // 2**20} MiB)"
        )
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise PlanFileError(one_line(f"{path}: cannot read ({exc.strerror or exc})")) from None
    if len(data) > MAX_FILE_BYTES:
        raise PlanFileError(f"{path}: too large for a plan file (it grew while being read)")
    return data


def _write_backup(path: Path, data: bytes) -> Path:
    """Copy the original bytes to `<name>.bak` atomically, with the original's permissions."""
    bak = backup_path(path)
    atomic_write_bytes(bak, data, mode=path.stat().st_mode & 0o7777)
    return bak


def load_plan(path: Path, *, backup: bool = True) -> LoadedPlan:
    """Read, migrate and validate a plan file.

    When the file has an older schema and `backup` is true, its original bytes are first
    copied to `<name>.bak` (the file itself is left as it is until the plan is saved).
    """
    path = Path(path)
    data = read_limited(path)
    doc = parse_json(data, str(path))
    plan, version = plan_from_doc(doc, str(path))
    migrated = version if version < SCHEMA_VERSION else None
    bak = None
    if migrated is not None and backup:
        try:
            bak = _write_backup(path, data)
        except OSError as exc:
            raise PlanFileError(
                one_line(
                    f"{path}: cannot keep a copy of the original before migrating it "
                    f"({exc.strerror or exc}: {backup_path(path)})"
                )
            ) from None
    return LoadedPlan(plan=plan, path=path, migrated_from=migrated, backup=bak)


def plan_to_doc(plan: Plan) -> dict[str, Any]:
    """The JSON object a plan is saved as (this planner's version as the writer)."""
    doc = plan.model_dump(mode="json")
    doc["app_version"] = __version__
    doc["schema_version"] = SCHEMA_VERSION
    return doc


def plan_to_json(plan: Plan) -> str:
    return json.dumps(plan_to_doc(plan), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def save_plan(path: Path, plan: Plan) -> None:
    """Write the plan atomically (a crash leaves the old file or the new one, never half),
    keeping the file's permission bits."""
    path = Path(path)
    try:
        text = plan_to_json(plan)
    except (ValueError, TypeError, RecursionError) as exc:
        raise PlanFileError(one_line(f"{path}: cannot save this plan ({exc})")) from None
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        raise PlanFileError(
            f"{path}: the plan is too large to save ({size / 2**20:.1f} MiB; the limit is "
            f"{MAX_FILE_BYTES // 2**20} MiB)"
        )
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise PlanFileError(one_line(f"{path}: cannot save ({exc.strerror or exc})")) from None


def check_plan(path: Path) -> LoadedPlan:
    """Load without writing anything (no backup): for validation."""
    return load_plan(path, backup=False)
