"""Import benchmark results that users ran themselves (llama-bench, vLLM, SGLang,
trtllm-bench, GenAI-Perf/AIPerf, Ollama, MLX-LM) as rows the estimator can be checked with.

Formats are told apart by content, never by file name. Everything is offline and pure.
"""

from planner.benchimport.detect import DEFAULT_MAX_BYTES, import_benchmark, parse_text
from planner.benchimport.model import BenchImportError, BenchRow, ImportedRun
from planner.benchimport.resolve import resolve_rows

__all__ = [
    "DEFAULT_MAX_BYTES",
    "BenchImportError",
    "BenchRow",
    "ImportedRun",
    "import_benchmark",
    "parse_text",
    "resolve_rows",
]
