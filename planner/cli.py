"""Plan open-weight LLM deployments offline: memory fit, speed, and cost against closed APIs.

With no arguments, or `gui`, `llm-planner` opens the desktop app; every number it shows is
also here, as tables for people and JSON or CSV for programs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from planner import __version__
from planner.catalog.load import Catalog, CatalogError, load_catalog
from planner.catalog.resolve import UnknownNameError
from planner.cli_args import (
    add_deployment_args,
    concurrency_list,
    non_negative,
    positive,
    positive_float,
)
from planner.cli_report import add_report_command, run_report
from planner.errors import CliError
from planner.estimate.inputs import PlanInputError
from planner.paths import state_dir, user_dir
from planner.prices.load import PriceDataError
from planner.table import render


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="llm-planner", description=__doc__)
    p.add_argument("--version", action="version", version=f"llm-planner {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    e = sub.add_parser("estimate", help="memory fit and speed of one deployment, or a CSV of them")
    add_deployment_args(e)
    e.add_argument("--batch", default="1", help="sequences decoded together, or 'max' (default 1)")
    e.add_argument(
        "--input-tokens", type=non_negative, default=512, help="prompt tokens (default 512)"
    )
    e.add_argument(
        "--output-tokens", type=non_negative, default=128, help="output tokens (default 128)"
    )
    e.add_argument(
        "--context", type=positive, help="KV cache per sequence (default input + output)"
    )
    e.add_argument(
        "--sweep",
        nargs="?",
        const="1,2,4,8,16,32,64,128,256",
        type=concurrency_list,
        help="also estimate at each of these concurrencies (default 1,2,4,...,256)",
    )
    e.add_argument(
        "--calibration", type=Path, help="apply a calibration file (llm-planner calibrate)"
    )
    e.add_argument("--scenarios", type=Path, help="batch mode: a scenario CSV (see README)")
    e.add_argument("--out", type=Path, help="batch mode: output CSV (default: standard output)")
    e.add_argument("--format", choices=("table", "json"), default="table")

    c = sub.add_parser("catalog", help="list or show catalog entries, add your own")
    csub = c.add_subparsers(dest="what", parser_class=_Parser, required=True)
    for kind in ("models", "gpus", "quants", "engines"):
        k = csub.add_parser(kind, help=f"list {kind}")
        k.add_argument("--format", choices=("table", "json"), default="table")
    show = csub.add_parser("show", help="one entry with its sources and assumptions")
    show.add_argument("name")
    show.add_argument("--format", choices=("table", "json"), default="table")
    add_gpu = csub.add_parser("add-gpu", help="define an accelerator the catalog lacks")
    add_gpu.add_argument("--name", required=True)
    add_gpu.add_argument("--memory-gib", type=positive_float, required=True)
    add_gpu.add_argument("--bandwidth-gbps", type=positive_float, required=True)
    add_gpu.add_argument("--fp16-tflops", type=positive_float, required=True)
    add_gpu.add_argument("--bf16-tflops", type=positive_float)
    add_gpu.add_argument("--fp8-tflops", type=positive_float)
    add_gpu.add_argument("--int8-tops", type=positive_float)
    add_gpu.add_argument("--fp4-tflops", type=positive_float)
    add_gpu.add_argument("--tdp-w", type=positive_float)
    add_gpu.add_argument("--price-usd", type=positive_float)
    add_gpu.add_argument("--price-as-of", help="date of the price, YYYY-MM-DD")
    add_gpu.add_argument(
        "--vendor", default="other", choices=("nvidia", "amd", "intel", "apple", "cpu", "other")
    )
    add_gpu.add_argument("--memory-type", default="", help="e.g. HBM3, GDDR6, LPDDR5X")
    add_gpu.add_argument("--source", default="user-defined", help="where the figures come from")
    add_model = csub.add_parser("add-model", help="import a config.json, model folder or GGUF")
    add_model.add_argument("path", type=Path)
    add_model.add_argument("--name", help="display name (default: from the file)")

    from planner.cli_calibrate import add_calibrate_command
    from planner.cli_cost import add_cost_commands
    from planner.hardware.cli import add_detect_command
    from planner.launch.cli import add_launch_command
    from planner.plan.cli import add_plan_command

    add_cost_commands(sub)
    add_plan_command(sub)
    add_report_command(sub)
    add_launch_command(sub)
    add_detect_command(sub)
    add_calibrate_command(sub)

    sub.add_parser(
        "gui",
        help="open the desktop app (also: llm-planner with no arguments); "
        "see llm-planner gui --help",
        add_help=False,
    )

    v = sub.add_parser("validate", help="compare estimates with the bundled measurements")
    v.add_argument("--format", choices=("table", "json"), default="table")
    v.add_argument("--detail", action="store_true", help="also list every group")
    v.add_argument(
        "--cross-validate",
        action="store_true",
        help="also refit without each GPU and each model in turn and score the held-out rows "
        "(about a minute)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    if argv is not None and list(argv)[:1] == ["gui"]:
        # The desktop app lives in ui/, which this package never imports.
        print(
            "llm-planner: error: the desktop app starts from the installed llm-planner "
            "command (or python -m ui.entry gui)",
            file=sys.stderr,
        )
        return 2
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        catalog = load_catalog(user_dir())
        if args.command == "estimate":
            from planner.cli_estimate import run_estimate

            return run_estimate(catalog, args)
        if args.command == "catalog":
            from planner.cli_catalog import run_catalog

            return run_catalog(catalog, args, user_dir())
        if args.command == "validate":
            return run_validate(catalog, args)
        if args.command == "plan":
            from planner.plan.cli import run_plan

            return run_plan(catalog, args, state_dir(), home=user_dir())
        if args.command == "report":
            return run_report(catalog, args)
        if args.command == "calibrate":
            from planner.cli_calibrate import run_calibrate

            return run_calibrate(catalog, args)
        if args.command == "detect":
            from planner.hardware.cli import run_detect

            return run_detect(catalog, args)
        if args.command == "launch":
            from planner.launch.cli import run_launch

            return run_launch(catalog, args)
        if args.command in ("cost", "compare", "recommend", "prices"):
            from planner.cli_cost import run_cost_command

            return run_cost_command(catalog, args, user_dir())
    except (CliError, PlanInputError, UnknownNameError, CatalogError, PriceDataError) as exc:
        print(f"llm-planner: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as command-line tools do.
        sys.stderr.close()
        return 0
    except OSError as exc:
        print(
            f"llm-planner: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 2
    return 0


def _held_dict(h: Any) -> dict[str, Any]:
    return {"n": h.n, "held_out": h.groups, "mdape_pct": h.mdape}


def run_validate(catalog: Catalog, args: argparse.Namespace) -> int:
    from planner.validate import TARGET_IN_BAND, TARGET_MDAPE, run_validation

    rep = run_validation(catalog)
    passes = rep.passes()
    held: dict[str, list[Any]] = {}
    if args.cross_validate:
        from planner.estimate.crossval import by_gpu, by_model, cross_validate
        from planner.estimate.fit import build_cases
        from planner.estimate.measured import Measurement, iter_measurements

        cases = build_cases([m for m in iter_measurements(catalog) if isinstance(m, Measurement)])
        for label, key in (("GPU", by_gpu), ("model", by_model)):
            print(f"cross-validating: holding out each {label} in turn...", file=sys.stderr)
            held[label] = cross_validate(cases, key)
    if args.format == "json":
        doc: dict[str, Any] = {
            "overall": {
                m: {
                    "n": r.n,
                    "mdape_pct": r.mdape,
                    "in_band": r.in_band,
                    "target_pct": TARGET_MDAPE[m],
                }
                for m, r in rep.overall.items()
            },
            "groups": [r.__dict__ for r in rep.rows],
            "in_band_total": rep.in_band_total,
            "fit_agreement": {"fits": rep.fit_agreement[0], "measured": rep.fit_agreement[1]},
            "memory": [
                {"what": m.what, "measured_mib": m.measured_mib, "estimated_mib": m.estimated_mib}
                for m in rep.memory
            ],
            "skipped": len(rep.skipped),
            "passes": passes,
            "held_out": {
                label: {h.metric: _held_dict(h) for h in rows} for label, rows in held.items()
            },
        }
        print(json.dumps(doc, indent=1))
        return 0
    print("Median absolute percentage error against the bundled measurements")
    print(
        render(
            ["metric", "n", "MdAPE %", "target %", "in p10..p90", "ok"],
            [
                [m, r.n, round(r.mdape, 1), TARGET_MDAPE[m], f"{r.in_band:.0%}", passes[m]]
                for m, r in rep.overall.items()
            ],
        )
    )
    print()
    print("Per engine family and hardware class")
    print(
        render(
            ["metric", "engine", "hardware class", "n", "MdAPE %", "in band"],
            [
                [r.metric, r.engine, r.hw_class, r.n, round(r.mdape, 1), f"{r.in_band:.0%}"]
                for r in rep.rows
            ],
        )
    )
    print()
    fits, total = rep.fit_agreement
    print(f"Measured configurations that the memory model says fit: {fits} of {total}")
    print(
        f"Measurements inside the p10..p90 band: {rep.in_band_total:.0%} "
        f"(target {TARGET_IN_BAND:.0%})"
    )
    if rep.memory:
        apes = sorted(m.ape for m in rep.memory)
        print(
            f"llama.cpp memory buffers (weights, KV, compute) vs load logs: {len(apes)} buffers, "
            f"median error {apes[len(apes) // 2]:.1f}%, worst {apes[-1]:.1f}%"
        )
        if args.detail:
            print(
                render(
                    ["buffer", "measured MiB", "estimated MiB", "error %"],
                    [
                        [m.what, m.measured_mib, round(m.estimated_mib, 1), round(m.ape, 1)]
                        for m in rep.memory
                    ],
                )
            )
    for label, rows in held.items():
        print()
        print(f"Held out one {label} at a time (refitted without it, then scored on it)")
        print(
            render(
                ["metric", "n", f"{label}s held out", "MdAPE %"],
                [[h.metric, h.n, h.groups, round(h.mdape, 1)] for h in rows],
            )
        )
    print(f"Rows marked SUSPECT in the data, not scored: {rep.suspect}")
    print(
        "Rows not comparable (other metrics, online-serving loads, unknown models): "
        f"{len(rep.skipped)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
