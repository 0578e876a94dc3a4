"""The desktop application (PySide6 + pyqtgraph). Every number it shows comes from planner/."""
