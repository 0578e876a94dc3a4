"""A process killed (SIGKILL) in the middle of saving leaves the old plan or the new one."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planner.plan import Plan, load_plan, save_plan
from planner.plan.io import parse_json, plan_from_doc

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "plans" / "v1_golden.llmplan"
NOTES_BYTES = 3_000_000  # a large plan: each save takes a while

SAVER = """
import sys
from pathlib import Path
from planner.plan import load_plan, save_plan

target, golden, size = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
base = load_plan(golden, backup=False).plan
plans = [
    base.model_copy(update={"title": f"new {i}", "notes": chr(97 + i) * size}) for i in range(3)
]
print("ready", flush=True)
i = 0
while True:
    save_plan(target, plans[i % 3])
    i += 1
"""


def _base(title: str) -> Plan:
    plan, _ = plan_from_doc(parse_json(GOLDEN.read_bytes(), "golden"), "golden")
    return plan.model_copy(update={"title": title, "notes": "o" * NOTES_BYTES})


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_save_killed_at_random_moments_never_damages_the_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.llmplan"
    old = _base("old")
    save_plan(target, old)
    target.chmod(0o640)
    rng = random.Random(20250601)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    seen: set[str] = set()
    for _round in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(target), str(GOLDEN), str(NOTES_BYTES)],
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == b"ready"
            time.sleep(rng.uniform(0.0, 0.4))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            if proc.stdout is not None:
                proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        plan = load_plan(target).plan  # never damaged
        assert plan.title in {"old", "new 0", "new 1", "new 2"}
        expected = "o" if plan.title == "old" else chr(97 + int(plan.title[-1]))
        assert plan.notes == expected * NOTES_BYTES
        assert target.stat().st_mode & 0o777 == 0o640
        seen.add(plan.title)
    # A killed save may leave its temp file behind, never a damaged plan.
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != target.name]
    assert all(n.startswith(".plan.llmplan.") and n.endswith(".tmp") for n in leftovers)
    assert seen - {"old"}, "the saver never got a save through; the test proved nothing"
