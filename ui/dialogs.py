"""The window's dialogs behind the small interface ui.documents.Dialogs (tests fake it)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from planner.plan.recent import Recovery
from ui.documents import Answer


class QtDialogs:
    """Native file dialogs and message boxes, parented to the window."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def open_path(self, caption: str, filter: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self.parent, caption, "", filter)
        return Path(name) if name else None

    def save_path(self, caption: str, suggested: Path, filter: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.parent, caption, str(suggested), filter)
        return Path(name) if name else None

    def ask_unsaved(self, name: str) -> Answer:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.parent,
            "Unsaved changes",
            f"Save the changes to {name} first?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Save:
            return "save"
        if answer == buttons.Discard:
            return "discard"
        return "cancel"

    def ask_recover(self, recovery: Recovery) -> bool:
        when = datetime.fromtimestamp(recovery.autosaved_ns / 1e9).strftime("%Y-%m-%d %H:%M")
        what = recovery.plan.title or (
            recovery.source_path.name if recovery.source_path else "an unsaved plan"
        )
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.parent,
            "Recover unsaved work",
            f"The planner did not close cleanly. Recover {what}, autosaved {when}?",
            buttons.Yes | buttons.No,
            buttons.Yes,
        )
        return bool(answer == buttons.Yes)

    def error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent, title, text)

    def info(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent, title, text)
