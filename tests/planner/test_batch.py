"""Scenario CSV batch mode: planner.batch.run_batch and `estimate --scenarios IN --out OUT`."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest
from cli_runner import run_cli

from planner.batch import OPTIONAL, REQUIRED, ScenarioFileError, output_columns, run_batch
from planner.catalog.load import bundled_catalog
from planner.estimate.speed import SPEED_FIELDS

CAT = bundled_catalog()
HEADER = ["model", "quant", "gpu", "gpu_count", "engine", "batch", "input_len", "output_len"]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def batch(text: str) -> tuple[list[str], list[dict[str, str]], tuple[int, int]]:
    """(output header, output rows, (rows, errors)) of run_batch on `text`."""
    out = io.StringIO()
    counts = run_batch(CAT, io.StringIO(text), out)
    out.seek(0)
    reader = csv.DictReader(out)
    rows = list(reader)
    assert reader.fieldnames is not None
    return list(reader.fieldnames), rows, counts


def good_row(**kw: str) -> list[str]:
    row = {
        "model": "Llama 3.1 8B",
        "quant": "bf16",
        "gpu": "H100",
        "gpu_count": "1",
        "engine": "vllm",
        "batch": "1",
        "input_len": "512",
        "output_len": "128",
    } | kw
    return [row[h] for h in HEADER]


def assert_estimated(r: dict[str, str]) -> None:
    assert r["error"] == "", r["error"]
    assert r["fits"] == "true"
    for col in ("weights_gib_per_gpu", "total_gib_per_gpu", "usable_gib_per_gpu"):
        assert float(r[col]) > 0
    for f in SPEED_FIELDS:
        for col in (f, f"{f}_p10", f"{f}_p90"):
            v = float(r[col])
            assert math.isfinite(v) and v >= 0, col


# --- header contract ------------------------------------------------------------------------


def test_output_columns() -> None:
    cols = output_columns()
    assert cols[0] == "fits" and cols[-1] == "error"
    assert cols[:6] == [
        "fits",
        "weights_gib_per_gpu",
        "kv_cache_gib_per_gpu",
        "overhead_gib_per_gpu",
        "total_gib_per_gpu",
        "usable_gib_per_gpu",
    ]
    for f in SPEED_FIELDS:
        i = cols.index(f)
        assert cols[i + 1 : i + 3] == [f"{f}_p10", f"{f}_p90"]
    assert len(cols) == 6 + 3 * len(SPEED_FIELDS) + 1
    assert len(set(cols)) == len(cols)
    assert not set(cols) & (set(REQUIRED) | set(OPTIONAL))


def test_header_is_inputs_then_outputs() -> None:
    header, rows, counts = batch(csv_text(HEADER, [good_row()]))
    assert header == HEADER + output_columns()
    assert counts == (1, 0)
    assert_estimated(rows[0])


def test_extra_columns_pass_through_unchanged_and_in_order() -> None:
    # Extra columns before, between and after the required ones, with awkward values.
    header = ["scenario", "model", "quant", "note", "gpu", "gpu_count", "engine", "batch"]
    header += ["input_len", "output_len", "owner, team", "tp"]
    row = ["s-01", "Llama 3.1 8B", "bf16", ' "quoted", and, commas ', "H100", "2", "vllm"]
    row += ["1", "512", "128", "ünïcødé ✓", "2"]
    out_header, rows, _ = batch(csv_text(header, [row]))
    assert out_header == header + output_columns()
    r = rows[0]
    assert [r[h] for h in header] == row
    assert_estimated(r)


def test_header_names_are_trimmed() -> None:
    header = [f" {h} " for h in HEADER]
    out_header, rows, _ = batch(csv_text(header, [good_row()]))
    assert out_header[: len(HEADER)] == HEADER
    assert_estimated(rows[0])


def test_optional_columns_are_used() -> None:
    header = [*HEADER, "tp", "pp", "ep", "kv_quant", "context_len"]
    rows_in = [
        [*good_row(model="Llama 3.1 70B", gpu_count="4"), "4", "1", "", "fp8", ""],
        [*good_row(model="Llama 3.1 70B", gpu_count="4"), "2", "2", "", "", "4096"],
        [*good_row(model="Mixtral 8x7B", gpu_count="2"), "2", "", "2", "", ""],
    ]
    _, rows, counts = batch(csv_text(header, rows_in))
    assert counts == (3, 0)
    for r in rows:
        assert_estimated(r)
    # fp8 KV halves the cache of the same deployment.
    _, plain, _ = batch(csv_text(header, [[*rows_in[0][:-2], "", ""]]))
    assert float(rows[0]["kv_cache_gib_per_gpu"]) == pytest.approx(
        float(plain[0]["kv_cache_gib_per_gpu"]) / 2, abs=0.002
    )


# --- bad rows --------------------------------------------------------------------------------


def test_bad_rows_get_an_error_and_the_rest_are_estimated() -> None:
    header = ["id", *HEADER, "tp"]
    rows_in = [
        ["ok-1", *good_row(), ""],
        ["unknown-gpu", *good_row(gpu="H900"), ""],
        ["tp-too-big", *good_row(gpu_count="2"), "4"],
        ["bad-batch", *good_row(batch="lots"), ""],
        ["unknown-model", *good_row(model="Llama 9 8B"), ""],
        ["fp8-on-a100", *good_row(quant="fp8", gpu="A100 SXM 80GB"), ""],
        ["gguf-on-vllm", *good_row(quant="q4_k_m"), ""],
        ["bad-input", *good_row(input_len="twelve"), ""],
        ["negative-gpus", *good_row(gpu_count="-1"), ""],
        ["ok-2", *good_row(model="Qwen3 8B"), ""],
    ]
    _, rows, counts = batch(csv_text(header, rows_in))
    assert [r["id"] for r in rows] == [r[0] for r in rows_in]
    by_id = {r["id"]: r for r in rows}
    assert counts == (10, 8)
    assert_estimated(by_id["ok-1"])
    assert_estimated(by_id["ok-2"])
    expected = {
        "unknown-gpu": "unknown GPU 'H900'",
        "tp-too-big": "only 2 GPU",
        "bad-batch": "batch",
        "unknown-model": "unknown model 'Llama 9 8B'",
        "fp8-on-a100": "FP8",
        "gguf-on-vllm": "does not run",
        "bad-input": "input_len",
        "negative-gpus": "at least 1",
    }
    for row_id, text in expected.items():
        r = by_id[row_id]
        assert text in r["error"], (row_id, r["error"])
        assert "\n" not in r["error"]
        # No estimate on a row that could not be estimated.
        assert all(r[c] == "" for c in output_columns() if c != "error"), row_id


def test_zero_gpus_is_an_error() -> None:
    _, rows, _ = batch(csv_text(HEADER, [good_row(gpu_count="0")]))
    assert "at least 1" in rows[0]["error"]


def test_a_row_that_does_not_fit_says_so() -> None:
    _, rows, counts = batch(csv_text(HEADER, [good_row(model="Llama 3.1 405B")]))
    r = rows[0]
    assert r["fits"] == "false"
    assert float(r["total_gib_per_gpu"]) > float(r["usable_gib_per_gpu"])
    assert r["decode_tokens_per_s"] == ""
    assert "does not fit" in r["error"]
    assert counts == (1, 1)


def test_short_and_long_rows() -> None:
    # A row with fewer cells than the header, and one with more: both still get a result.
    text = ",".join(HEADER) + "\n"
    text += "Llama 3.1 8B,bf16,H100,1,vllm,1,512\n"  # output_len missing
    text += "Llama 3.1 8B,bf16,H100,1,vllm,1,512,128,surplus\n"
    header, rows, counts = batch(text)
    assert header == HEADER + output_columns()
    assert counts[0] == 2
    assert "output_len" in rows[0]["error"]
    assert_estimated(rows[1])


# --- batch=max and llama-bench rows ---------------------------------------------------------------


def test_batch_max_fills_memory() -> None:
    _, rows, _ = batch(
        csv_text(HEADER, [good_row(batch="max"), good_row(batch="MAX"), good_row(batch="1")])
    )
    for r in rows:
        assert_estimated(r)
    assert rows[0]["output_tokens_per_s_total"] == rows[1]["output_tokens_per_s_total"]
    # Many sequences at once: far more total output, each sequence slower.
    assert float(rows[0]["output_tokens_per_s_total"]) > 10 * float(
        rows[2]["output_tokens_per_s_total"]
    )
    assert float(rows[0]["decode_tokens_per_s"]) < float(rows[2]["decode_tokens_per_s"])
    assert float(rows[0]["kv_cache_gib_per_gpu"]) > float(rows[2]["kv_cache_gib_per_gpu"])


def test_batch_max_of_a_model_that_does_not_fit() -> None:
    _, rows, _ = batch(csv_text(HEADER, [good_row(model="Llama 3.1 405B", batch="max")]))
    assert rows[0]["fits"] == "false"
    assert rows[0]["error"]


def test_llama_bench_pp_and_tg_rows() -> None:
    # llama-bench pp512: a 512-token prompt, nothing generated; tg128: 128 tokens generated
    # from an empty context. Both at batch 1.
    base = {"model": "Meta-Llama-3-8B", "quant": "q4_k_m", "gpu": "RTX 4090"}
    base |= {"engine": "llama.cpp"}
    header = ["test", *HEADER]
    rows_in = [
        ["pp512", *good_row(**base, input_len="512", output_len="0")],
        ["tg128", *good_row(**base, input_len="0", output_len="128")],
        ["pp512+tg128", *good_row(**base, input_len="512", output_len="128")],
    ]
    _, rows, counts = batch(csv_text(header, rows_in))
    assert counts == (3, 0)
    pp, tg, both = rows
    for r in rows:
        assert r["error"] == "" and r["fits"] == "true"
    # pp512: prompt processing rate, no output.
    assert float(pp["prefill_tokens_per_s"]) > 0
    assert float(pp["output_tokens_per_s_total"]) == 0
    # tg128: generation rate, no prompt.
    assert float(tg["prefill_tokens_per_s"]) == 0
    assert float(tg["decode_tokens_per_s"]) > 0
    # At batch 1 with no prompt, all output comes at the decode rate.
    assert float(tg["output_tokens_per_s_total"]) == pytest.approx(
        float(tg["decode_tokens_per_s"]), rel=1e-3
    )
    # Prefill is much faster per token than decode on a GPU.
    assert float(pp["prefill_tokens_per_s"]) > 10 * float(tg["decode_tokens_per_s"])
    # With a prompt first, the output rate is below the pure decode rate.
    assert float(both["output_tokens_per_s_total"]) < float(tg["output_tokens_per_s_total"])


def test_zero_input_and_output_is_an_error() -> None:
    _, rows, _ = batch(csv_text(HEADER, [good_row(input_len="0", output_len="0")]))
    assert "cannot both be 0" in rows[0]["error"]


# --- whole-file errors -------------------------------------------------------------------------


def test_missing_required_column_raises() -> None:
    header = [h for h in HEADER if h != "engine"]
    with pytest.raises(ScenarioFileError, match="engine"):
        batch(csv_text(header, []))


def test_empty_file_raises() -> None:
    with pytest.raises(ScenarioFileError, match="empty"):
        batch("")


def test_header_only_gives_header_only() -> None:
    header, rows, counts = batch(csv_text(HEADER, []))
    assert header == HEADER + output_columns()
    assert rows == [] and counts == (0, 0)


# --- through the command line ---------------------------------------------------------------


def test_cli_scenarios_to_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        csv_text(["id", *HEADER], [["a", *good_row()], ["b", *good_row(gpu="H900")]]),
        encoding="utf-8",
    )
    rc, out, err = run_cli(capsys, "estimate", "--scenarios", str(src), "--out", str(dst))
    assert rc == 0, err
    assert out == ""
    assert "2 scenario(s) estimated, 1 with an error" in err
    with dst.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == ["id", *HEADER, *output_columns()]
    assert_estimated(rows[0])
    assert "unknown GPU" in rows[1]["error"]


def test_cli_scenarios_to_stdout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(csv_text(HEADER, [good_row()]), encoding="utf-8")
    rc, out, err = run_cli(capsys, "estimate", "--scenarios", str(src))
    assert rc == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    assert_estimated(rows[0])


def _one_line_error(rc: int, out: str, err: str) -> str:
    assert rc == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_cli_missing_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(csv_text([h for h in HEADER if h != "gpu"], []), encoding="utf-8")
    line = _one_line_error(*run_cli(capsys, "estimate", "--scenarios", str(src), "--out", str(dst)))
    assert "missing column(s): gpu" in line


def test_cli_empty_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("", encoding="utf-8")
    line = _one_line_error(*run_cli(capsys, "estimate", "--scenarios", str(src), "--out", str(dst)))
    assert "empty" in line


def test_cli_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    line = _one_line_error(*run_cli(capsys, "estimate", "--scenarios", str(tmp_path / "nope.csv")))
    assert "nope.csv" in line


def test_cli_binary_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"\xff\xfe\x00\x01binary\x80\x81")
    line = _one_line_error(*run_cli(capsys, "estimate", "--scenarios", str(src)))
    assert "UTF-8" in line


def test_cli_reads_a_csv_with_a_byte_order_mark(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(csv_text(HEADER, [good_row()]), encoding="utf-8-sig")
    rc, _, err = run_cli(capsys, "estimate", "--scenarios", str(src), "--out", str(dst))
    assert rc == 0, err
    with dst.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert_estimated(rows[0])
