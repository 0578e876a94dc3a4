"""The Qt binding keeps Python's reference counts straight.

PySide6 6.12.0 on Python 3.11 drops a reference to None on every Qt call that returns None,
and the interpreter aborts after a few thousand of them (a dozen plot redraws);
pyproject.toml excludes that release. This catches it, or a release like it, here and not
in a user's session.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QGraphicsWidget
from pytestqt.qtbot import QtBot


def test_qt_calls_returning_none_keep_none_alive(qtbot: QtBot) -> None:
    widget = QGraphicsWidget()
    widget.update()
    before = sys.getrefcount(None)
    for _ in range(500):
        widget.update()
    lost = before - sys.getrefcount(None)
    assert lost < 50, f"{lost} references to None lost in 500 calls returning None"
