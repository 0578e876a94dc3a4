"""Result views: one pyqtgraph plot (or table) per module."""
