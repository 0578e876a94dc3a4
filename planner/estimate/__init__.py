"""Estimators: memory fit, speed with uncertainty, calibration against measured data."""
