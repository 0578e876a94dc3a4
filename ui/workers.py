"""Slow work off the UI thread: a QRunnable per job, results by signal, the newest wins.

Workers never touch widgets. `Jobs.submit(kind, fn)` runs `fn()` on the thread pool and
emits `result(kind, value)` or `error(kind, message)` on the UI thread, but only for the
newest job of that kind (a generation counter drops stale results). `Jobs.shutdown()`
cancels what has not started and waits for the rest (call it on close).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    done = Signal(str, int, object)  # kind, generation, value
    failed = Signal(str, int, str)  # kind, generation, message


class _Job(QRunnable):
    def __init__(self, kind: str, gen: int, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.kind, self.gen, self.fn, self.signals = kind, gen, fn, signals
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            value = self.fn()
        except Exception as exc:  # reported to the UI as one line
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.signals.failed.emit(self.kind, self.gen, text)
            return
        self.signals.done.emit(self.kind, self.gen, value)


class Jobs(QObject):
    """Background jobs by kind; only the newest job's outcome of each kind is reported."""

    started = Signal(str)  # kind
    result = Signal(str, object)  # kind, value
    error = Signal(str, str)  # kind, message
    finished = Signal(str)  # kind (after result or error of the newest job)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool(self)
        self._gen: dict[str, int] = {}
        self._running: dict[str, int] = {}
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)

    def submit(self, kind: str, fn: Callable[[], Any]) -> int:
        gen = self._gen.get(kind, 0) + 1
        self._gen[kind] = gen
        self._running[kind] = self._running.get(kind, 0) + 1
        self.started.emit(kind)
        self._pool.start(_Job(kind, gen, fn, self._signals))
        return gen

    def busy(self, kind: str) -> bool:
        return self._running.get(kind, 0) > 0

    def _settle(self, kind: str) -> None:
        self._running[kind] = max(self._running.get(kind, 1) - 1, 0)

    def _on_done(self, kind: str, gen: int, value: object) -> None:
        self._settle(kind)
        if gen == self._gen.get(kind):
            self.result.emit(kind, value)
            self.finished.emit(kind)

    def _on_failed(self, kind: str, gen: int, message: str) -> None:
        self._settle(kind)
        if gen == self._gen.get(kind):
            self.error.emit(kind, message)
            self.finished.emit(kind)

    def wait(self, msecs: int = -1) -> bool:
        return bool(self._pool.waitForDone(msecs))

    def shutdown(self) -> None:
        self._pool.clear()
        for kind in self._gen:
            self._gen[kind] += 1  # whatever still finishes is stale
        self._pool.waitForDone()
