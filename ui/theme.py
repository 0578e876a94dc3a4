"""Light and dark palettes; 'system' follows the platform's colour scheme as it changes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from ui.settings import Theme


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return bool(hints.colorScheme() == Qt.ColorScheme.Dark)


def is_dark(theme: Theme) -> bool:
    return system_is_dark() if theme == "system" else theme == "dark"


def dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#1e1f22"), QColor("#2b2d31"), QColor("#e6e6e6")
    role = QPalette.ColorRole
    p.setColor(role.Window, window)
    p.setColor(role.WindowText, text)
    p.setColor(role.Base, base)
    p.setColor(role.AlternateBase, QColor("#26282c"))
    p.setColor(role.ToolTipBase, QColor("#3a3d42"))
    p.setColor(role.ToolTipText, text)
    p.setColor(role.Text, text)
    p.setColor(role.Button, window)
    p.setColor(role.ButtonText, text)
    p.setColor(role.BrightText, QColor("#ff6b6b"))
    p.setColor(role.Highlight, QColor("#3d7bd9"))
    p.setColor(role.HighlightedText, QColor("#ffffff"))
    p.setColor(role.Link, QColor("#6ea8fe"))
    p.setColor(role.PlaceholderText, QColor("#8a8d93"))
    p.setColor(role.Mid, QColor("#9a9da3"))
    p.setColor(role.Light, QColor("#4a4d52"))
    p.setColor(role.Dark, QColor("#151618"))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(disabled, r, QColor("#6b6e73"))
    return p


def light_palette() -> QPalette:
    p = QApplication.style().standardPalette()
    p.setColor(QPalette.ColorRole.Mid, QColor("#6b6f76"))
    return p


def apply_theme(app: QApplication, theme: Theme) -> bool:
    """Set the palette for `theme`; returns True when it is dark."""
    if app.style().name().lower() != "fusion":  # once: a new style re-polishes every widget
        app.setStyle("Fusion")  # the same look on every platform, and palettes apply fully
    dark = is_dark(theme)
    app.setPalette(dark_palette() if dark else light_palette())
    return dark
