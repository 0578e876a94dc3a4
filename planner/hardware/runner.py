"""Running hardware tools: no shell, a hard time limit, and every failure as a result, not a raise.

Tests substitute their own `CommandRunner` (canned outputs) or put fake executables on PATH.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from planner.hardware.values import first_line

Status = Literal["ran", "missing", "denied", "timeout", "error"]

# Below this much time left a command is not started at all.
MIN_RUN_S = 0.05


@dataclass(frozen=True)
class CommandResult:
    """What running one command gave: its output, or why there is none."""

    argv: tuple[str, ...]
    status: Status
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ran" and self.returncode == 0

    @property
    def tool(self) -> str:
        return os.path.basename(self.argv[0]) if self.argv else "?"

    def failure(self) -> str:
        """One line for a note: why this command gave nothing usable."""
        if self.status == "missing":
            return "not installed (not found on PATH)"
        if self.status == "denied":
            return f"cannot be run: {self.detail or 'permission denied'}"
        if self.status == "timeout":
            return f"no answer within {self.detail} (stopped)"
        if self.status == "error":
            return f"cannot be run: {self.detail}"
        return f"exit code {self.returncode}: {first_line(self.stderr, self.stdout)}"


class CommandRunner(Protocol):
    def __call__(self, argv: Sequence[str], timeout_s: float) -> CommandResult: ...


def _non_executable_on_path(name: str) -> str | None:
    """A file of that name on PATH that shutil.which skipped because it cannot be executed."""
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder, name) if folder else ""
        if candidate and os.path.isfile(candidate) and not os.access(candidate, os.X_OK):
            return candidate
    return None


def _kill(proc: subprocess.Popen[str]) -> None:
    try:
        if sys.platform != "win32":
            # The tool may be a script whose children hold the pipes open: end the group.
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass


@dataclass(frozen=True)
class SubprocessRunner:
    """Runs tools found with shutil.which, without a shell, and kills them on timeout."""

    env_overrides: dict[str, str] = field(default_factory=lambda: {"LC_ALL": "C", "LANG": "C"})

    def __call__(self, argv: Sequence[str], timeout_s: float) -> CommandResult:
        args = tuple(argv)
        if not args:
            return CommandResult(args, "error", detail="empty command")
        exe = shutil.which(args[0])
        if exe is None:
            blocked = _non_executable_on_path(args[0])
            if blocked:
                return CommandResult(args, "denied", detail=f"{blocked} is not executable")
            return CommandResult(args, "missing")
        if timeout_s < MIN_RUN_S:
            return CommandResult(args, "timeout", detail="0 s (no time left)")
        env = dict(os.environ)
        if sys.platform != "win32":
            env.update(self.env_overrides)
        try:
            proc = subprocess.Popen(
                [exe, *args[1:]],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=env,
                start_new_session=sys.platform != "win32",
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        except PermissionError as exc:
            return CommandResult(args, "denied", detail=exc.strerror or str(exc))
        except OSError as exc:
            return CommandResult(args, "error", detail=exc.strerror or str(exc))
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill(proc)
            try:
                out, err = proc.communicate(timeout=1.0)
            except (subprocess.TimeoutExpired, OSError, ValueError):
                out, err = "", ""
            return CommandResult(
                args, "timeout", proc.returncode, out or "", err or "", f"{timeout_s:.1f} s"
            )
        return CommandResult(args, "ran", proc.returncode, out or "", err or "")


class Deadline:
    """One time budget shared by every command of a detection run."""

    def __init__(self, seconds: float) -> None:
        self.start = time.monotonic()
        self.end = self.start + max(seconds, 0.0)

    def remaining(self) -> float:
        return max(self.end - time.monotonic(), 0.0)

    def elapsed(self) -> float:
        return time.monotonic() - self.start


@dataclass(frozen=True)
class Tools:
    """The runner and the shared deadline, handed to every probe."""

    runner: CommandRunner
    deadline: Deadline
    per_command_s: float

    def run(self, *argv: str) -> CommandResult:
        budget = min(self.per_command_s, self.deadline.remaining())
        if budget < MIN_RUN_S:
            return CommandResult(tuple(argv), "timeout", detail="0 s (time budget used up)")
        try:
            return self.runner(argv, budget)
        except Exception as exc:  # a substituted runner must not break detection either
            return CommandResult(tuple(argv), "error", detail=f"{type(exc).__name__}: {exc}")
