"""Command lines and Modelfiles for each engine, built from a plan that fits.

Every option emitted here is defined by the engine release named in config.FLAGS_FROM;
tests/data/engine_flags/ holds those definitions and the tests check each flag against them.
"""

from __future__ import annotations

from planner.estimate.inputs import Deployment, Workload
from planner.estimate.scenario import Estimate
from planner.launch.config import (
    LaunchError,
    batch_note,
    checkpoint,
    memory_fraction,
    number,
    repo_name,
)

Built = tuple[list[str], list[str]]  # argv, notes

# vLLM 0.33.0: QuantizationMethods (vllm/model_executor/layers/quantization/__init__.py).
# Pre-quantized checkpoints name their method in config.json; an explicit value must agree.
_VLLM_QUANT = {
    "fp8": "fp8",
    "awq-int4": "awq",
    "gptq-int4": "gptq",
    "nvfp4": "modelopt_fp4",
    "mxfp4": "mxfp4",
}
_VLLM_FROM_CHECKPOINT = ("int8", "int8-wo")  # W8A8 / W8A16 exports (compressed-tensors)
# SGLang 0.5.23: QUANTIZATION_CHOICES (sglang/srt/arg_groups/choices.py).
_SGLANG_QUANT = {
    "fp8": "fp8",
    "awq-int4": "awq",
    "gptq-int4": "gptq",
    "nvfp4": "modelopt_fp4",
    "mxfp4": "mxfp4",
    "int8": "w8a8_int8",
}
_DTYPE = {"bf16": "bfloat16", "fp16": "float16"}
# llama.cpp -ctk/-ctv allowed values (tools/server/README.md).
_GGUF_KV = {
    "fp16": "f16",
    "bf16": "bf16",
    "fp32": "f32",
    "q8_0": "q8_0",
    "q4_0": "q4_0",
    "q4_1": "q4_1",
    "q5_0": "q5_0",
    "q5_1": "q5_1",
}
# OLLAMA_KV_CACHE_TYPE values.
_OLLAMA_KV = {"fp16": "f16", "q8_0": "q8_0", "q4_0": "q4_0"}
# llama.cpp's default logical batch (-b), tools/server/README.md: "(default: 2048)".
_LLAMA_DEFAULT_BATCH = 2048


def _kv_16bit(dep: Deployment, engine: str, fp8: str) -> str:
    kv = dep.kv_quant.id
    if kv in ("fp16", "bf16"):
        return "auto"
    if kv == "fp8":
        return fp8
    raise LaunchError(f"{engine} has no {dep.kv_quant.name} KV cache; use fp16 or fp8")


def _vllm_expert_parallel(dep: Deployment, dp: int) -> None:
    if dep.ep > 1 and dep.ep != dep.tp * dp:
        raise LaunchError(
            f"vLLM's expert-parallel size is tp x data-parallel = {dep.tp * dp} here; "
            f"the plan's ep={dep.ep} cannot be set (use ep={dep.tp} or ep=1)"
        )


def vllm_argv(
    dep: Deployment, wl: Workload, est: Estimate, model_path: str | None, *, per_replica: bool
) -> Built:
    """`vllm serve`; with per_replica the command runs one replica (Kubernetes makes copies)."""
    q = dep.quant
    if q.id == "nf4":
        raise LaunchError(
            "vLLM 0.33 has no bitsandbytes (NF4) quantization method; pick awq-int4 or gptq-int4"
        )
    model, model_note = checkpoint(dep, ("fp8",), model_path)
    notes = [model_note]
    argv = ["vllm", "serve", model]
    argv += ["--tensor-parallel-size", str(dep.tp), "--pipeline-parallel-size", str(dep.pp)]
    dp = 1
    if dep.replicas > 1 and not per_replica:
        if dep.ep in (1, dep.tp * dep.replicas):
            dp = dep.replicas
            argv += ["--data-parallel-size", str(dp)]
            notes.append(
                f"--data-parallel-size {dp}: the plan's {dp} replicas run in one server that "
                "balances requests over them; every limit below is per replica"
            )
        else:
            notes.append(
                f"the plan has {dep.replicas} replicas of {dep.tp * dep.pp} GPU(s): start this "
                "command once per replica, each with its own GPUs (CUDA_VISIBLE_DEVICES), "
                "behind a load balancer"
            )
    _vllm_expert_parallel(dep, dp)
    if dep.ep > 1:
        argv.append("--enable-expert-parallel")
        notes.append(f"--enable-expert-parallel: experts spread over {dep.tp * dp} GPUs (tp x dp)")
    method = _VLLM_QUANT.get(q.id)
    if method:
        argv += ["--quantization", method]
    elif q.id in _VLLM_FROM_CHECKPOINT:
        notes.append(f"vLLM reads the {q.name} method from the checkpoint's config.json")
    argv += ["--dtype", _DTYPE.get(q.id, "auto")]
    argv += ["--kv-cache-dtype", _kv_16bit(dep, "vLLM", "fp8")]
    argv += ["--max-model-len", str(wl.seq_tokens), "--max-num-seqs", str(est.batch)]
    frac = memory_fraction(dep)
    argv += ["--gpu-memory-utilization", number(frac)]
    if dep.batched_tokens:
        argv += ["--max-num-batched-tokens", str(dep.batched_tokens)]
    notes += [
        f"--max-model-len {wl.seq_tokens}: the planned context (prompt + output) per sequence",
        batch_note(wl, est, "--max-num-seqs"),
        _fraction_note("--gpu-memory-utilization", dep, frac),
    ]
    return argv, notes


def _fraction_note(flag: str, dep: Deployment, frac: float) -> str:
    src = f"{flag} {number(frac)}: the catalog's {dep.engine.name} memory share"
    if dep.memory_gib is not None and dep.memory_gib < dep.gpu.memory_gib:
        src += f", scaled to the plan's {dep.memory_gib:g} of {dep.gpu.memory_gib:g} GiB per GPU"
    return src + " (what the estimate assumed)"


def sglang_argv(dep: Deployment, wl: Workload, est: Estimate, model_path: str | None) -> Built:
    model, model_note = checkpoint(dep, ("fp8",), model_path)
    notes = [model_note]
    argv = ["python3", "-m", "sglang.launch_server", "--model-path", model]
    argv += ["--tp-size", str(dep.tp)]
    if dep.pp > 1:
        argv += ["--pp-size", str(dep.pp)]
    if dep.replicas > 1:
        argv += ["--dp-size", str(dep.replicas)]
        notes.append(
            f"--dp-size {dep.replicas}: the plan's replicas run behind SGLang's data-parallel "
            "router; --max-running-requests is per replica"
        )
    if dep.ep > 1:
        if dep.tp % dep.ep:
            raise LaunchError(
                f"SGLang places experts inside the tensor-parallel group (ep_size x moe_dp_size "
                f"= tp_size); ep={dep.ep} does not divide tp={dep.tp}"
            )
        argv += ["--ep-size", str(dep.ep)]
        if dep.tp // dep.ep > 1:
            argv += ["--moe-dp-size", str(dep.tp // dep.ep)]
    method = _SGLANG_QUANT.get(dep.quant.id)
    if method:
        argv += ["--quantization", method]
    argv += ["--dtype", _DTYPE.get(dep.quant.id, "auto")]
    argv += ["--kv-cache-dtype", _kv_16bit(dep, "SGLang", "fp8_e4m3")]
    argv += ["--context-length", str(wl.seq_tokens), "--max-running-requests", str(est.batch)]
    frac = memory_fraction(dep)
    argv += ["--mem-fraction-static", number(frac)]
    if dep.batched_tokens:
        argv += ["--chunked-prefill-size", str(dep.batched_tokens)]
    notes += [
        f"--context-length {wl.seq_tokens}: the planned context (prompt + output) per sequence",
        batch_note(wl, est, "--max-running-requests"),
        _fraction_note("--mem-fraction-static", dep, frac),
    ]
    return argv, notes


def trtllm_argv(dep: Deployment, wl: Workload, est: Estimate, model_path: str | None) -> Built:
    model, model_note = checkpoint(dep, (), model_path)
    notes = [model_note]
    if dep.quant.id not in ("bf16", "fp16"):
        notes.append(
            "TensorRT-LLM takes the quantization from the checkpoint (e.g. a ModelOpt export); "
            "it has no quantization option"
        )
    argv = ["trtllm-serve", model, "--tp_size", str(dep.tp), "--pp_size", str(dep.pp)]
    if dep.ep > 1:
        if dep.tp % dep.ep:
            raise LaunchError(
                f"TensorRT-LLM splits experts inside the tensor-parallel group (moe_tp x moe_ep "
                f"= tp); ep={dep.ep} does not divide tp={dep.tp}"
            )
        argv += ["--ep_size", str(dep.ep)]
    argv += ["--max_batch_size", str(est.batch), "--max_seq_len", str(wl.seq_tokens)]
    if dep.batched_tokens:
        argv += ["--max_num_tokens", str(dep.batched_tokens)]
    frac = dep.engine.memory_fraction
    argv += ["--kv_cache_free_gpu_memory_fraction", number(frac)]
    argv += ["--kv_cache_dtype", _kv_16bit(dep, "TensorRT-LLM", "fp8")]
    notes += [
        f"--max_seq_len {wl.seq_tokens}: the planned context (prompt + output) per sequence",
        batch_note(wl, est, "--max_batch_size"),
        f"--kv_cache_free_gpu_memory_fraction {number(frac)}: the catalog's share of the memory "
        "left after the weights that TensorRT-LLM gives the KV cache (what the estimate assumed)",
        "trtllm-serve is the console command of the module tensorrt_llm.commands.serve "
        "(python3 -m tensorrt_llm.commands.serve takes the same options)",
    ]
    if dep.replicas > 1:
        notes.append(_copies_note(dep))
    return argv, notes


def _copies_note(dep: Deployment) -> str:
    return (
        f"the plan has {dep.replicas} replicas of {dep.tp * dep.pp} GPU(s): start this command "
        "once per replica, each with its own GPUs (CUDA_VISIBLE_DEVICES) and port, behind a "
        "load balancer"
    )


def gguf_path(dep: Deployment, model_path: str | None) -> tuple[str, str]:
    if model_path:
        return model_path, f"model: {model_path} (given)"
    q = dep.quant
    tag = {"fp16": "F16", "fp32": "F32"}.get(q.id, q.id.upper())
    path = f"/models/{repo_name(dep)}-{tag}.gguf"
    return path, (
        f"model: {path} is a placeholder: a {q.name} GGUF file of "
        f"{dep.model.hf_repo or dep.model.name} (download or convert it first)"
    )


def _layer_split_only(dep: Deployment, engine: str) -> None:
    if dep.ep > 1:
        raise LaunchError(f"{engine} has no expert parallelism; plan with ep=1")


def llamacpp_argv(dep: Deployment, wl: Workload, est: Estimate, model_path: str | None) -> Built:
    _layer_split_only(dep, "llama.cpp")
    if dep.tp > 1 and dep.pp > 1:
        raise LaunchError(
            "llama.cpp splits a model by layers (pp) or by rows (tp), not both; "
            f"plan with tp={dep.tp * dep.pp} or pp={dep.tp * dep.pp}"
        )
    kv = _GGUF_KV.get(dep.kv_quant.id)
    if kv is None:
        raise LaunchError(
            f"llama.cpp has no {dep.kv_quant.name} KV cache; use one of {', '.join(_GGUF_KV)}"
        )
    path, model_note = gguf_path(dep, model_path)
    notes = [model_note]
    slots = est.batch
    gpus = dep.tp * dep.pp
    if dep.gpu.vendor == "cpu":
        ngl = "0"
        notes.append("-ngl 0: CPU only")
    elif dep.gpu_layers is not None:
        ngl = str(dep.gpu_layers)
        notes.append(
            f"-ngl {ngl}: {ngl} of {dep.model.num_layers} layers on the GPU(s); "
            f"{dep.offloaded_layers} run from system RAM"
        )
    else:
        ngl = "999"
        notes.append("-ngl 999: every layer on the GPU(s)")
    argv = ["llama-server", "-m", path, "-ngl", ngl]
    argv += ["-c", str(wl.seq_tokens * slots), "-np", str(slots)]
    notes += [
        f"-c {wl.seq_tokens * slots}: the KV cache for {slots} slot(s) of {wl.seq_tokens} tokens "
        "(with -np given, llama.cpp keeps a KV cache per slot of -c / -np tokens)",
        batch_note(wl, est, "-np"),
    ]
    if gpus > 1:
        mode = "row" if dep.tp > 1 else "layer"
        argv += ["--split-mode", mode, "-ts", ",".join(["1"] * gpus)]
        notes.append(
            f"--split-mode {mode} -ts {','.join(['1'] * gpus)}: the model split evenly over "
            f"{gpus} GPUs " + ("by weight rows (tp)" if mode == "row" else "by layers (pp)")
        )
    argv += ["-ctk", kv, "-ctv", kv]
    if kv not in ("f16", "bf16", "f32"):
        argv += ["-fa", "on"]
        notes.append("-fa on: llama.cpp needs flash attention for a quantized V cache")
    if dep.batched_tokens:
        if dep.batched_tokens > _LLAMA_DEFAULT_BATCH:
            argv += ["-b", str(dep.batched_tokens)]
        argv += ["-ub", str(dep.batched_tokens)]
    if dep.replicas > 1:
        notes.append(_copies_note(dep))
    return argv, notes


def ollama_modelfile(
    dep: Deployment, wl: Workload, est: Estimate, model_path: str | None
) -> tuple[str, dict[str, str], list[str]]:
    """Modelfile text, the server's environment, notes."""
    _layer_split_only(dep, "Ollama")
    if dep.tp > 1:
        raise LaunchError("Ollama splits a model over GPUs by layers only; plan with tp=1")
    kv = _OLLAMA_KV.get(dep.kv_quant.id)
    if kv is None:
        raise LaunchError(f"Ollama has no {dep.kv_quant.name} KV cache; use fp16, q8_0 or q4_0")
    path, model_note = gguf_path(dep, model_path)
    lines = [f"FROM {path}", f"PARAMETER num_ctx {wl.seq_tokens}"]
    notes = [
        model_note + "; a model already pulled into Ollama can be named instead",
        f"num_ctx {wl.seq_tokens}: the planned context (prompt + output) of each request",
    ]
    if dep.gpu_layers is not None:
        lines.append(f"PARAMETER num_gpu {dep.gpu_layers}")
        notes.append(
            f"num_gpu {dep.gpu_layers}: layers on the GPU(s); {dep.offloaded_layers} of "
            f"{dep.model.num_layers} run from system RAM"
        )
    else:
        notes.append("num_gpu not set: Ollama places the layers itself; the plan has all on GPU")
    if dep.batched_tokens:
        lines.append(f"PARAMETER num_batch {dep.batched_tokens}")
    env = {"OLLAMA_NUM_PARALLEL": str(est.batch), "OLLAMA_KV_CACHE_TYPE": kv}
    notes.append(batch_note(wl, est, "OLLAMA_NUM_PARALLEL"))
    if kv != "f16":
        env["OLLAMA_FLASH_ATTENTION"] = "1"
        notes.append("OLLAMA_FLASH_ATTENTION=1: a quantized KV cache needs flash attention")
    if dep.pp > 1:
        env["OLLAMA_SCHED_SPREAD"] = "1"
        notes.append(f"OLLAMA_SCHED_SPREAD=1: spread the model over all {dep.pp} GPUs")
    notes.append(
        "the environment applies to the Ollama server (`ollama serve`); create the model from "
        "this Modelfile with `ollama create`"
    )
    if dep.replicas > 1:
        notes.append(_copies_note(dep))
    return "\n".join(lines) + "\n", env, notes
