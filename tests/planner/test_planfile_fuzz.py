"""Random, mutated, flipped and truncated plan files raise PlanFileError and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.plan import Plan, PlanFileError, load_plan

DATA = Path(__file__).resolve().parents[1] / "data" / "plans"
GOLDEN_BYTES = (DATA / "v1_golden.llmplan").read_bytes()
V0_BYTES = (DATA / "v0_single_scenario.llmplan").read_bytes()
GOLDEN_DOC = json.loads(GOLDEN_BYTES)
V0_DOC = json.loads(V0_BYTES)

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Names the schema uses, so that random objects often hit real fields.
KEYS = sorted(
    {
        "schema_version",
        "scenario",
        "scenarios",
        "model",
        "model_spec",
        "custom_model",
        "gpu",
        "gpu_spec",
        "hardware",
        "count",
        "prices",
        "costs",
        "pinned",
        "kind",
        "explicit",
        "workload",
        "cost_workload",
        "price_snapshot",
        "selected",
        "created",
        "modified",
        "batch",
        "__class__",
        "__dict__",
        "model_config",
        "model_fields",
    }
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["max", "fp8", "h100-sxm", "2025-01-01", "owned", "rent", "1e999"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


def _load_bytes(folder: Path, data: bytes) -> Plan | None:
    path = folder / "fuzz.llmplan"
    path.write_bytes(data)
    try:
        return load_plan(path).plan
    except PlanFileError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg and str(path) in msg
        return None


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@SETTINGS
@given(doc=json_values)
def test_random_json(folder: Path, doc: Any) -> None:
    _load_bytes(folder, json.dumps(doc).encode())


@SETTINGS
@given(
    doc=st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8), v=st.sampled_from([0, 1])
)
def test_random_objects_with_a_known_version(folder: Path, doc: dict[str, Any], v: int) -> None:
    _load_bytes(folder, json.dumps(doc | {"schema_version": v}).encode())


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


GOLDEN_PATHS = _paths(GOLDEN_DOC)[1:]
V0_PATHS = _paths(V0_DOC)[1:]


def _replace(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    doc = json.loads(json.dumps(doc))
    target = doc
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@SETTINGS
@given(
    which=st.sampled_from(["v1", "v0"]),
    data=st.data(),
    value=json_values,
    delete=st.booleans(),
)
def test_mutated_documents(
    folder: Path, which: str, data: st.DataObject, value: Any, delete: bool
) -> None:
    doc, paths = (GOLDEN_DOC, GOLDEN_PATHS) if which == "v1" else (V0_DOC, V0_PATHS)
    path = data.draw(st.sampled_from(paths))
    _load_bytes(folder, json.dumps(_replace(doc, path, value, delete)).encode())


@SETTINGS
@given(
    which=st.sampled_from([GOLDEN_BYTES, V0_BYTES]),
    flips=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(1, 255)), min_size=1, max_size=4
    ),
)
def test_byte_flips(folder: Path, which: bytes, flips: list[tuple[int, int]]) -> None:
    data = bytearray(which)
    for pos, mask in flips:
        data[pos % len(data)] ^= mask
    _load_bytes(folder, bytes(data))


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(GOLDEN_BYTES)))
def test_truncations(folder: Path, cut: int) -> None:
    plan = _load_bytes(folder, GOLDEN_BYTES[:cut])
    if GOLDEN_BYTES[:cut].strip() == GOLDEN_BYTES.strip():
        assert plan is not None  # only the final newline was cut
    else:
        assert plan is None


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(V0_BYTES)))
def test_truncations_of_an_old_file(folder: Path, cut: int) -> None:
    plan = _load_bytes(folder, V0_BYTES[:cut])
    assert (plan is not None) == (V0_BYTES[:cut].strip() == V0_BYTES.strip())
