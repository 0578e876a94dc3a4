"""Catalog of models, accelerators, quantization formats and engines, with their sources."""
