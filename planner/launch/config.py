"""What a launch config is, the engines it can be for, and the checks every engine shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from planner.estimate.inputs import Deployment, Workload
from planner.estimate.scenario import Estimate

Kind = Literal["command", "modelfile", "manifest"]

LAUNCH_ENGINES = ("vllm", "sglang", "trtllm", "llamacpp", "ollama", "k8s")

# Other spellings people use for the same targets.
_ALIASES = {
    "tensorrt-llm": "trtllm",
    "trt-llm": "trtllm",
    "trtllm-serve": "trtllm",
    "llama.cpp": "llamacpp",
    "llama-cpp": "llamacpp",
    "llama-server": "llamacpp",
    "kubernetes": "k8s",
    "vllm-k8s": "k8s",
}

# The catalog engine whose memory model a plan for each target must have been estimated with.
CATALOG_ENGINE = {
    "vllm": "vllm",
    "k8s": "vllm",
    "sglang": "sglang",
    "trtllm": "tensorrt-llm",
    "llamacpp": "llama.cpp",
    "ollama": "llama.cpp",
}

# The releases whose flag definitions the emitted flags were checked against
# (tests/data/engine_flags/SOURCES.md).
FLAGS_FROM = {
    "vllm": "vLLM 0.33.0",
    "k8s": "vLLM 0.33.0",
    "sglang": "SGLang 0.5.23",
    "trtllm": "TensorRT-LLM 1.3 as rendered by inferlab-integration-tensorrt-llm 0.12.0 "
    "(TensorRT-LLM's own option list was not obtainable)",
    "llamacpp": "the llama.cpp vendored in llama-cpp-python 0.3.36",
    "ollama": "the ollama 0.6.3 Python client's options and an Ollama server build of 2025-07-25",
}


class LaunchError(ValueError):
    """The engine cannot run this deployment as planned; the message is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


@dataclass(frozen=True)
class LaunchConfig:
    """How to start one planned deployment on one engine.

    kind "command": `text` is the shell command line (`argv` quoted with shlex.join);
    "modelfile": `text` is an Ollama Modelfile and `env` the server's environment;
    "manifest": `text` is Kubernetes YAML and `argv` the container's command line.
    `notes` state every assumption the config makes.
    """

    engine: str
    kind: Kind
    text: str
    argv: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict, hash=False)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "engine": self.engine,
            "kind": self.kind,
            "text": self.text,
            "argv": list(self.argv),
            "env": dict(self.env),
            "notes": list(self.notes),
        }


def launch_engine(name: str) -> str:
    """The launch target a name means; LaunchError names the choices."""
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in LAUNCH_ENGINES:
        raise LaunchError(
            f"unknown launch engine '{name}'; choose from {', '.join(LAUNCH_ENGINES)}"
        )
    return key


def check_plan(dep: Deployment, wl: Workload, est: Estimate, target: str) -> None:
    """Refuse what no launch config can fix: another engine's plan, no fit, too long a context."""
    want = CATALOG_ENGINE[target]
    if dep.engine.id != want:
        raise LaunchError(
            f"this plan was estimated for {dep.engine.name}, not for {target}; estimate it "
            f"with engine '{want}' first (memory limits differ between engines)"
        )
    if not est.fits:
        need = est.memory.worst
        raise LaunchError(
            f"{dep.model.name} in {dep.quant.name} does not fit on {dep.gpu.name} at batch "
            f"{max(est.batch, 1)} and context {wl.seq_tokens} (needs {need.total_gib:.1f} GiB "
            f"of {need.usable_gib:.1f} GiB per GPU); no launch config for a plan that does not fit"
        )
    if wl.seq_tokens > dep.model.max_context:
        raise LaunchError(
            f"context {wl.seq_tokens} exceeds {dep.model.name}'s maximum of "
            f"{dep.model.max_context} tokens"
        )


def batch_note(wl: Workload, est: Estimate, what: str) -> str:
    if wl.batch == "max":
        return (
            f"{what} {est.batch}: the most sequences of {wl.seq_tokens} tokens that the estimate "
            "fits in memory (batch 'max')"
        )
    return f"{what} {est.batch}: the workload's batch"


def memory_fraction(dep: Deployment) -> float:
    """The engine's share of each GPU, scaled down when the plan gives less memory per GPU
    than the catalog (another process holds the rest)."""
    frac = dep.engine.memory_fraction
    if dep.memory_gib is not None and dep.memory_gib < dep.gpu.memory_gib:
        frac *= dep.memory_gib / dep.gpu.memory_gib
    return round(frac, 3)


def number(v: float) -> str:
    return f"{v:g}"


def repo_name(dep: Deployment) -> str:
    """Short model name for file names and labels."""
    return (dep.model.hf_repo or dep.model.id).rsplit("/", 1)[-1]


_SIXTEEN_BIT = ("bf16", "fp16")


def checkpoint(dep: Deployment, online: tuple[str, ...], model_path: str | None) -> tuple[str, str]:
    """The model argument for a Hugging Face-format engine and the note that explains it.

    `online` lists the formats the engine can quantize a 16-bit checkpoint to while loading.
    """
    m, q = dep.model, dep.quant
    if model_path:
        return model_path, f"model: {model_path} (given)"
    native = m.native_quant or "bf16"
    held = m.native_quant or "16-bit"
    placeholder = f"/models/{repo_name(dep)}-{q.id}"
    if m.hf_repo is None:
        return (
            f"/models/{m.id}",
            f"model: /models/{m.id} is a placeholder: {m.name} has no Hugging Face repo in the "
            "catalog; point it at the checkpoint folder",
        )
    if q.id == native or (q.id in _SIXTEEN_BIT and native in _SIXTEEN_BIT):
        return m.hf_repo, f"model: {m.hf_repo} (published in {held}); downloaded on first start"
    if q.id in online and native in _SIXTEEN_BIT:
        return (
            m.hf_repo,
            f"model: {m.hf_repo} holds {held} weights; the engine quantizes them to {q.name} "
            "while loading (online quantization)",
        )
    what = "conversion" if q.id in _SIXTEEN_BIT else "pre-quantized checkpoint"
    return (
        placeholder,
        f"model: {placeholder} is a placeholder for a {q.name} {what} of {m.hf_repo} "
        f"(that repo holds {held} weights and this engine cannot convert them while loading)",
    )
