"""Recent plan files and autosave with recovery, in a state folder the caller passes in."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from planner.plan import (
    MAX_RECENT,
    SCHEMA_VERSION,
    Plan,
    RecentFiles,
    autosave,
    discard_recovery,
    find_recovery,
    load_plan,
    save_plan,
)

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "plans" / "v1_golden.llmplan"


def golden() -> Plan:
    return load_plan(GOLDEN, backup=False).plan


def touch(path: Path) -> Path:
    path.write_text("{}", encoding="utf-8")
    return path


def test_recent_files_newest_first_without_duplicates(tmp_path: Path) -> None:
    state = tmp_path / "state"
    recent = RecentFiles(state)
    assert recent.files() == []
    a, b, c = (touch(tmp_path / f"{n}.llmplan") for n in "abc")
    for p in (a, b, c, a):
        recent.add(p)
    assert recent.files() == [a, c, b]
    again = RecentFiles(state)  # read back from disk
    assert again.files() == [a, c, b]
    doc = json.loads((state / "recent_plans.json").read_text(encoding="utf-8"))
    assert doc == {"schema_version": 1, "files": [str(a), str(c), str(b)]}


def test_recent_files_keep_ten_and_drop_missing_ones(tmp_path: Path) -> None:
    recent = RecentFiles(tmp_path / "state")
    paths = [touch(tmp_path / f"p{i}.llmplan") for i in range(MAX_RECENT + 3)]
    for p in paths:
        recent.add(p)
    assert recent.files() == paths[::-1][:MAX_RECENT]
    paths[-1].unlink()
    assert recent.files() == paths[-2::-1][: MAX_RECENT - 1]
    recent.add(paths[0])
    assert paths[-1] not in json.loads(recent.path.read_text(encoding="utf-8"))["files"]
    recent.remove(paths[0])
    assert paths[0] not in recent.files()
    recent.clear()
    assert recent.files() == []


def test_relative_paths_are_stored_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    touch(tmp_path / "rel.llmplan")
    recent = RecentFiles(tmp_path / "state")
    recent.add(Path("rel.llmplan"))
    assert recent.files() == [tmp_path / "rel.llmplan"]


def test_a_damaged_recent_list_starts_afresh(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    recent = RecentFiles(state)
    for junk in ("not json", "[1, 2]", '{"files": "x"}', '{"files": [1, null, "a\\u0000b"]}'):
        recent.path.write_text(junk, encoding="utf-8")
        assert recent.files() == []
    a = touch(tmp_path / "a.llmplan")
    assert recent.add(a) == [a]


def test_autosave_is_recovered_after_a_crash(tmp_path: Path) -> None:
    state = tmp_path / "state"
    source = tmp_path / "client.llmplan"
    plan = golden()
    save_plan(source, plan)
    edited = plan.model_copy(update={"title": "unsaved edits"}).touched("2025-07-01T10:00:00+00:00")
    first = autosave(state, edited, source)
    assert source.read_bytes() != first.read_bytes()  # the file itself is untouched
    # ...the application dies here; on the next start:
    (rec,) = find_recovery(state)
    assert rec.plan == edited and rec.source_path == source and rec.autosave_path == first
    assert autosave(state, edited, source) == first  # one slot per file
    discard_recovery(state, rec.source_path, rec.plan)
    assert find_recovery(state) == []


def test_untitled_plans_each_get_a_slot_and_newest_comes_first(tmp_path: Path) -> None:
    state = tmp_path / "state"
    one = Plan.new("2025-07-01T10:00:00+00:00", title="one")
    two = Plan.new("2025-07-01T10:05:00+00:00", title="two")
    p1 = autosave(state, one, None)
    p2 = autosave(state, two, None)
    assert p1 != p2
    os.utime(p1, ns=(1_000_000_000, 1_000_000_000))
    assert [r.plan.title for r in find_recovery(state)] == ["two", "one"]
    assert all(r.source_path is None for r in find_recovery(state))
    discard_recovery(state, None, one)
    (rec,) = find_recovery(state)
    assert rec.plan == two
    rec.discard()
    assert find_recovery(state) == []


def test_damaged_or_future_autosaves_are_skipped_not_deleted(tmp_path: Path) -> None:
    state = tmp_path / "state"
    good = autosave(state, golden(), tmp_path / "x.llmplan")
    folder = good.parent
    bad = folder / "junk.autosave.json"
    bad.write_text("{ truncated", encoding="utf-8")
    future = folder / "future.autosave.json"
    doc = json.loads(good.read_text(encoding="utf-8"))
    doc["plan"]["schema_version"] = SCHEMA_VERSION + 1
    future.write_text(json.dumps(doc), encoding="utf-8")
    foreign = folder / "foreign.autosave.json"
    foreign.write_text('{"autosave_version": 9, "plan": {}}', encoding="utf-8")
    assert [r.autosave_path for r in find_recovery(state)] == [good]
    assert bad.exists() and future.exists() and foreign.exists()


def test_no_state_folder_means_nothing_to_recover(tmp_path: Path) -> None:
    assert find_recovery(tmp_path / "never-created") == []
