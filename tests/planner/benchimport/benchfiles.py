"""Where the benchmark samples live, and small helpers shared by the benchimport tests."""

from __future__ import annotations

from pathlib import Path

from planner.benchimport import BenchRow, ImportedRun, import_benchmark

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "benchsamples"


def sample(rel: str) -> Path:
    """A sample by its path under benchsamples/, or by a unique prefix of its name."""
    path = SAMPLES / rel
    if path.is_file():
        return path
    found = sorted(path.parent.glob(path.name + "*"))
    assert len(found) == 1, (rel, found)
    return found[0]


def load(rel: str) -> ImportedRun:
    return import_benchmark(sample(rel))


def load_text(rel: str) -> str:
    return sample(rel).read_text(encoding="utf-8")


def rows_of(run: ImportedRun, metric: str) -> list[BenchRow]:
    return [r for r in run.rows if r.metric == metric]


def all_samples() -> list[Path]:
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.name != "INDEX.md")
