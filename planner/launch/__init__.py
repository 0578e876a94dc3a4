"""Engine launch configs: the command line, Ollama Modelfile or Kubernetes manifest that starts
a planned deployment, with every flag checked against the engine's own definitions
(tests/data/engine_flags/SOURCES.md).

    cfg = launch_config(dep, wl, estimate(dep, wl), "vllm")
    print(cfg.text)

CLI helpers for the `launch` subcommand: add_launch_command(subparsers), run_launch(catalog, args),
and launch_text(dep, wl, engine, fmt) for deployments that come from elsewhere (plan files).
"""

from planner.launch.build import launch_config
from planner.launch.cli import add_launch_command, format_launch, launch_text, run_launch
from planner.launch.config import (
    LAUNCH_ENGINES,
    LaunchConfig,
    LaunchError,
    launch_engine,
)

__all__ = [
    "LAUNCH_ENGINES",
    "LaunchConfig",
    "LaunchError",
    "add_launch_command",
    "format_launch",
    "launch_config",
    "launch_engine",
    "launch_text",
    "run_launch",
]
