"""launch_config: one planned deployment as the command, Modelfile or manifest that starts it."""

from __future__ import annotations

import shlex

from planner.estimate.inputs import Deployment, Workload
from planner.estimate.scenario import Estimate
from planner.launch.config import (
    FLAGS_FROM,
    LaunchConfig,
    check_plan,
    launch_engine,
)
from planner.launch.engines import (
    llamacpp_argv,
    ollama_modelfile,
    sglang_argv,
    trtllm_argv,
    vllm_argv,
)
from planner.launch.k8s import manifest


def launch_config(
    dep: Deployment,
    wl: Workload,
    est: Estimate,
    engine: str,
    *,
    model_path: str | None = None,
    image: str | None = None,
) -> LaunchConfig:
    """How to start `dep` serving `wl` on `engine` (vllm, sglang, trtllm, llamacpp, ollama, k8s).

    `est` is the estimate of this deployment and workload: its batch sets the engine's
    concurrency cap. `model_path` replaces the model placeholder (a checkpoint folder, a repo
    id, a .gguf file); `image` the container image of the Kubernetes manifest.
    Raises LaunchError (a ValueError with a one-line message) for what the engine cannot run.
    """
    target = launch_engine(engine)
    check_plan(dep, wl, est, target)
    checked = f"options as defined by {FLAGS_FROM[target]}"
    if target == "ollama":
        text, env, notes = ollama_modelfile(dep, wl, est, model_path)
        return LaunchConfig(
            engine=target,
            kind="modelfile",
            text=text,
            env=env,
            notes=(*notes, checked),
        )
    if target == "k8s":
        text, argv, notes = manifest(dep, wl, est, model_path, image)
        return LaunchConfig(
            engine=target,
            kind="manifest",
            text=text,
            argv=tuple(argv),
            notes=(*notes, checked),
        )
    if target == "vllm":
        argv, notes = vllm_argv(dep, wl, est, model_path, per_replica=False)
    elif target == "sglang":
        argv, notes = sglang_argv(dep, wl, est, model_path)
    elif target == "trtllm":
        argv, notes = trtllm_argv(dep, wl, est, model_path)
    else:
        argv, notes = llamacpp_argv(dep, wl, est, model_path)
    return LaunchConfig(
        engine=target,
        kind="command",
        text=shlex.join(argv),
        argv=tuple(argv),
        notes=(*notes, checked),
    )
