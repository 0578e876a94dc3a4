"""`llm-planner launch`: the command line, Modelfile or manifest that starts a planned deployment.

add_launch_command() registers the subcommand; run_launch() runs it. The deployment and workload
come from the options here, or from elsewhere (a plan file) through launch_text().
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from planner.catalog.load import Catalog
from planner.cli_args import add_deployment_args, non_negative, positive
from planner.errors import CliError
from planner.estimate.inputs import Deployment, Workload
from planner.estimate.scenario import estimate, make_workload
from planner.launch.build import launch_config
from planner.launch.config import (
    CATALOG_ENGINE,
    LAUNCH_ENGINES,
    LaunchConfig,
    LaunchError,
    launch_engine,
)

FORMATS = ("text", "json")


def add_launch_command(sub: Any) -> argparse.ArgumentParser:
    """Register `launch` on the subparsers object of the main parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "launch",
        help="the command line, Ollama Modelfile or Kubernetes manifest that starts a deployment",
    )
    p.add_argument("file", nargs="?", type=Path, help="a .llmplan file (instead of the options)")
    p.add_argument("--scenario", type=positive, help="with FILE: this scenario (1 = the first)")
    add_deployment_args(p)
    for action in p._actions:  # the shared --engine names the launch target here
        if action.dest == "engine":
            action.help = (
                f"where to launch: {', '.join(LAUNCH_ENGINES)} (k8s: a vLLM Deployment "
                "manifest); the plan is estimated with that engine's memory model"
            )
            action.metavar = "|".join(LAUNCH_ENGINES)
    p.add_argument(
        "--batch",
        default="max",
        help="sequences served together, or 'max' for the most that fit (default max)",
    )
    p.add_argument(
        "--input-tokens", type=non_negative, default=512, help="prompt tokens (default 512)"
    )
    p.add_argument(
        "--output-tokens", type=non_negative, default=128, help="output tokens (default 128)"
    )
    p.add_argument("--context", type=positive, help="context per sequence (default input + output)")
    p.add_argument(
        "--model-path", help="checkpoint folder, repo id or .gguf to use instead of a placeholder"
    )
    p.add_argument("--image", help="container image for --engine k8s")
    p.add_argument("--format", choices=FORMATS, default="text")
    return p


def run_launch(catalog: Catalog, args: argparse.Namespace) -> int:
    """Print the launch config the options describe; user errors raise CliError (one line)."""
    if not args.engine:
        raise CliError(f"missing --engine ({', '.join(LAUNCH_ENGINES)})")
    try:
        target = launch_engine(args.engine)
    except LaunchError as exc:
        raise CliError(str(exc)) from exc
    if args.file is not None:
        dep, wl = _from_plan(catalog, args.file, args.scenario, CATALOG_ENGINE[target])
    else:
        from planner.cli_estimate import deployment_from_args

        dep_args = argparse.Namespace(**{**vars(args), "engine": CATALOG_ENGINE[target]})
        dep = deployment_from_args(catalog, dep_args)
        wl = make_workload(args.batch, args.input_tokens, args.output_tokens, args.context)
    print(
        launch_text(dep, wl, target, args.format, model_path=args.model_path, image=args.image),
        end="",
    )
    return 0


def _from_plan(
    catalog: Catalog, path: Path, scenario: int | None, engine: str
) -> tuple[Deployment, Workload]:
    """A plan scenario's deployment, moved to the launch target's engine."""
    from planner.estimate.scenario import build_deployment
    from planner.plan.build import scenario_catalog, scenario_inputs
    from planner.plan.io import PlanFileError, load_plan

    try:
        plan = load_plan(path, backup=False).plan
    except PlanFileError as exc:
        raise CliError(str(exc)) from exc
    index = (scenario - 1) if scenario is not None else plan.selected
    if not 0 <= index < len(plan.scenarios):
        raise CliError(f"{path} has {len(plan.scenarios)} scenario(s); --scenario {scenario}")
    chosen = plan.scenarios[index]
    dep, wl, cost_wl, costs = scenario_inputs(catalog, chosen)
    gpu_count = dep.gpu_count
    if cost_wl is not None and costs is not None:
        # A plan sized for a monthly volume runs as many replicas as its peak needs.
        from planner.costplan import NoCapacityError, plan_self_hosted

        try:
            sized = plan_self_hosted(dep, cost_wl, costs)
            gpu_count = max(gpu_count, sized.gpus)
        except NoCapacityError:
            pass
    if dep.engine.id != engine or gpu_count != dep.gpu_count:
        dep = build_deployment(
            scenario_catalog(catalog, chosen),
            dep.model,
            dep.quant,
            dep.gpu,
            gpu_count,
            engine,
            tp=dep.tp,
            pp=dep.pp,
            ep=dep.ep,
            kv_quant=dep.kv_quant,
            memory_gib=dep.memory_gib,
            gpu_layers=dep.gpu_layers,
            batched_tokens=dep.batched_tokens,
        )
    return dep, wl


def launch_text(
    dep: Deployment,
    wl: Workload,
    engine: str,
    fmt: str = "text",
    *,
    model_path: str | None = None,
    image: str | None = None,
) -> str:
    """Estimate `dep` under `wl` and render its launch config as text or JSON.

    Raises CliError with the one-line reason when the engine cannot run it.
    """
    est = estimate(dep, wl)
    try:
        cfg = launch_config(dep, wl, est, engine, model_path=model_path, image=image)
    except LaunchError as exc:
        raise CliError(str(exc)) from exc
    if fmt == "json":
        return json.dumps(cfg.to_dict(), indent=1) + "\n"
    return format_launch(cfg)


def format_launch(cfg: LaunchConfig) -> str:
    """The config as a person pastes it: the text, the environment, the notes as comments."""
    parts = []
    if cfg.kind == "modelfile":
        parts.append("# Modelfile\n" + cfg.text)
    else:
        parts.append(cfg.text if cfg.text.endswith("\n") else cfg.text + "\n")
    if cfg.env:
        env = "\n".join(f"{k}={v}" for k, v in cfg.env.items())
        parts.append("# Environment of the Ollama server:\n" + env + "\n")
    if cfg.notes:
        parts.append("# Notes:\n" + "".join(f"# - {n}\n" for n in cfg.notes))
    return "\n".join(parts)
