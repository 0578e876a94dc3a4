"""MLX-LM: `mlx_lm.generate --verbose` (Prompt / Generation lines) and `mlx_lm.benchmark`
(Trial / Averages lines)."""

from __future__ import annotations

import re

from planner.benchimport.model import (
    BenchRow,
    ImportedRun,
    finish,
    make_row,
    model_from_command,
    num,
    small_int,
)
from planner.benchimport.names import quant_hint

ENGINE = "mlx"
_PROMPT = re.compile(r"^\s*Prompt:\s*(\d+)\s*tokens?,\s*([\d.]+)\s*tokens-per-sec")
_GEN = re.compile(r"^\s*Generation:\s*(\d+)\s*tokens?,\s*([\d.]+)\s*tokens-per-sec")
_TIMING = re.compile(
    r"Timing with prompt_tokens=(\d+)\D+generation_tokens=(\d+)"
    r"(?:\D+batch_size=(\d+))?"
)
_TRIAL = re.compile(r"^\s*Trial\s+\d+:\s*prompt_tps=([\d.]+),\s*generation_tps=([\d.]+)")
_AVG = re.compile(r"^\s*Averages:\s*prompt_tps=([\d.]+),\s*generation_tps=([\d.]+)")
_CLI_P = re.compile(r"(?:\s-p|--prompt-tokens)(?:=|\s+)(\d+)")
_CLI_G = re.compile(r"(?:\s-g|--generation-tokens)(?:=|\s+)(\d+)")


def has_generate(text: str) -> bool:
    return any(_PROMPT.match(line) for line in text.splitlines())


def has_benchmark(text: str) -> bool:
    return any(_TRIAL.match(line) or _AVG.match(line) for line in text.splitlines())


def _setup(model: str | None) -> dict[str, object]:
    return {
        "model": model,
        "quant": quant_hint(model, mlx=True) if model else None,
        "engine": ENGINE,
    }


def parse_generate(text: str, name: str) -> ImportedRun:
    rows: list[BenchRow] = []
    notes: list[str] = []
    model: str | None = None
    prompt_tokens: int | None = None
    for i, line in enumerate(text.splitlines(), start=1):
        cmd = model_from_command(line)
        if cmd:
            model = cmd
            continue
        base = ("batch 1: one request", *(() if model else ("the model is not named",)))
        p = _PROMPT.match(line)
        if p:
            prompt_tokens = small_int(p.group(1))
            r = make_row(
                notes,
                f"line {i}",
                metric="prefill_tokens_per_s",
                value=num(p.group(2)),
                batch=1,
                input_len=prompt_tokens,
                output_len=0,
                notes=base,
                raw=line,
                **_setup(model),
            )
            if r is not None:
                rows.append(r)
            continue
        g = _GEN.match(line)
        if g:
            r = make_row(
                notes,
                f"line {i}",
                metric="decode_tokens_per_s",
                value=num(g.group(2)),
                batch=1,
                input_len=prompt_tokens or 0,
                output_len=small_int(g.group(1)),
                notes=base,
                raw=line,
                **_setup(model),
            )
            if r is not None:
                rows.append(r)
            if prompt_tokens is None:
                notes.append(f"line {i}: no Prompt line before it: input length taken as 0")
    return finish("mlx_lm.generate", "MLX-LM generate verbose", name, rows, notes)


def parse_benchmark(text: str, name: str) -> ImportedRun:
    rows: list[BenchRow] = []
    notes: list[str] = []
    model: str | None = None
    p_tok = g_tok = None
    batch = 1
    trials: list[tuple[float, float]] = []
    average: tuple[float, float] | None = None
    start = 0

    def flush() -> None:
        nonlocal trials, average
        if average is None and trials:
            n = len(trials)
            average = (sum(t[0] for t in trials) / n, sum(t[1] for t in trials) / n)
            notes.append(f"line {start}: no Averages line; mean of {n} trials")
        if average is not None:
            rows.extend(_bench_rows(average, p_tok, g_tok, batch, model, f"line {start}", notes))
        trials, average = [], None

    for i, line in enumerate(text.splitlines(), start=1):
        cmd = model_from_command(line)
        if cmd:
            flush()
            model = cmd
            if (mp := _CLI_P.search(line)) is not None:
                p_tok = small_int(mp.group(1))
            if (mg := _CLI_G.search(line)) is not None:
                g_tok = small_int(mg.group(1))
            continue
        t = _TIMING.search(line)
        if t:
            flush()
            p_tok, g_tok = small_int(t.group(1)), small_int(t.group(2))
            batch = small_int(t.group(3)) or 1
            start = i
            continue
        tr = _TRIAL.match(line)
        if tr:
            pt, gt = num(tr.group(1)), num(tr.group(2))
            if pt is not None and gt is not None:
                trials.append((pt, gt))
            start = start or i
            continue
        av = _AVG.match(line)
        if av:
            pa, ga = num(av.group(1)), num(av.group(2))
            average = (pa, ga) if pa is not None and ga is not None else None
            start = start or i
            flush()
    flush()
    return finish("mlx_lm.benchmark", "MLX-LM benchmark report", name, rows, notes)


def _bench_rows(
    average: tuple[float, float],
    p_tok: int | None,
    g_tok: int | None,
    batch: int,
    model: str | None,
    where: str,
    notes: list[str],
) -> list[BenchRow]:
    base = [f"mlx_lm.benchmark averages, batch {batch}"]
    if model is None:
        base.append("the model is not named")
    if p_tok is None:
        base.append("prompt and generation lengths not stated")
    raw = f"prompt_tps={average[0]}, generation_tps={average[1]}"
    rows: list[BenchRow] = []
    r = make_row(
        notes,
        where,
        metric="prefill_tokens_per_s",
        value=average[0],
        batch=batch,
        input_len=p_tok,
        output_len=0,
        notes=tuple(base),
        raw=raw,
        **_setup(model),
    )
    if r is not None:
        rows.append(r)
    if batch == 1:
        r = make_row(
            notes,
            where,
            metric="decode_tokens_per_s",
            value=average[1],
            batch=1,
            input_len=p_tok,
            output_len=g_tok,
            notes=tuple(base),
            raw=raw,
            **_setup(model),
        )
        if r is not None:
            rows.append(r)
    else:
        notes.append(
            f"{where}: generation_tps at batch {batch} is a total over the batch; "
            "not mapped to a per-sequence decode rate"
        )
    return rows
