"""The step pages: Model, Quantization, Hardware, Workload, Costs (one step per module)."""
