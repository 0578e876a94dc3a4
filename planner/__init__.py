"""LLM Deployment Planner: the domain layer (catalog, estimators, command line). No Qt here."""

__version__ = "0.1.0"
