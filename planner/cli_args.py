"""Argument types and option groups shared by the command-line subcommands."""

from __future__ import annotations

import argparse


def positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {v}")
    return v


def non_negative(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {v}")
    return v


def concurrency_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a comma-separated list of numbers"
        ) from None
    if not values or min(values) < 1 or max(values) > 100_000:
        raise argparse.ArgumentTypeError("concurrencies must be 1..100000")
    return sorted(set(values))


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return v


def add_deployment_args(e: argparse.ArgumentParser) -> None:
    """What runs where: shared by estimate, cost and compare."""
    e.add_argument(
        "--model", help="catalog name, HF repo id, or a config.json / model folder / .gguf"
    )
    e.add_argument("--quant", help="weight format, e.g. bf16, fp8, awq-int4, q4_k_m")
    e.add_argument("--gpu", help="accelerator, e.g. 'H100 SXM', 'NVIDIA GeForce RTX 4090'")
    e.add_argument("--gpus", type=positive, default=1, help="number of GPUs (default 1)")
    e.add_argument("--tp", type=positive, help="tensor-parallel degree")
    e.add_argument("--pp", type=positive, help="pipeline / layer-split degree")
    e.add_argument("--ep", type=positive, help="expert-parallel degree (MoE)")
    e.add_argument("--engine", help="vllm, sglang, tensorrt-llm, llama.cpp (ollama), mlx, lmdeploy")
    e.add_argument("--kv-quant", help="KV-cache format: fp16 (default), fp8, q8_0, q4_0")
    e.add_argument(
        "--memory-gib", type=positive_float, help="memory per device if not the catalog's"
    )
    e.add_argument("--gpu-layers", type=non_negative, help="layers on the GPU (llama.cpp -ngl)")
    e.add_argument(
        "--batched-tokens",
        type=positive,
        help="tokens per forward pass (vLLM --max-num-batched-tokens, llama.cpp -ub)",
    )


def add_cost_args(p: argparse.ArgumentParser, title: str, snapshot_help: str) -> None:
    """How the hardware is paid for and the prices that override the bundled ones."""
    g = p.add_argument_group(title)
    mode = g.add_mutually_exclusive_group()
    mode.add_argument("--rent", action="store_true", help="rent GPUs by the hour")
    mode.add_argument("--already-owned", action="store_true", help="count running costs only")
    g.add_argument("--gpu-price", type=positive_float, help="purchase price per GPU, USD")
    g.add_argument("--gpu-hour-price", type=positive_float, help="rental per GPU-hour, USD")
    g.add_argument("--server-price", type=float, help="host server per node, USD")
    g.add_argument("--years", type=positive_float, help="amortisation years")
    g.add_argument("--cost-of-capital", type=float, help="per year, e.g. 0.08")
    g.add_argument("--electricity", type=float, help="USD per kWh")
    g.add_argument("--pue", type=positive_float)
    g.add_argument("--ops-share", type=float, help="operations per year, share of capital")
    g.add_argument("--staff-per-year", type=float, help="staff cost per year, USD")
    g.add_argument("--colocation", type=float, help="USD per kW-month")
    g.add_argument("--snapshot", default="current", help=snapshot_help)


def add_traffic_args(g: argparse._ArgumentGroup) -> None:
    """The shape of a month's traffic and its latency targets (not its volume or lengths)."""
    g.add_argument("--cached-share", type=float, default=0.0, help="input an API bills as cached")
    g.add_argument("--peak-to-average", type=positive_float, default=2.0, help="(default 2)")
    g.add_argument("--active-hours", type=positive_float, default=24.0, help="a day (24)")
    g.add_argument("--ttft-ms", type=positive_float, help="time to first token target")
    g.add_argument("--tpot-ms", type=positive_float, help="time per output token target")
