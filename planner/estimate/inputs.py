"""Validated inputs of an estimate: what runs where, and the load it serves."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.catalog.schema import EngineSpec, GpuSpec, ModelSpec, QuantFormat

MAX_GPUS = 4096
MAX_TOKENS = 100_000_000


class PlanInputError(ValueError):
    """An input combination that cannot be estimated; the message names the valid choices."""


class Deployment(BaseModel):
    """A model in a format, on a number of identical accelerators, under one engine."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: ModelSpec
    quant: QuantFormat = Field(description="Weight format")
    kv_quant: QuantFormat = Field(description="KV-cache format")
    gpu: GpuSpec
    gpu_count: int = Field(default=1, ge=1, le=MAX_GPUS, description="Accelerators in total")
    engine: EngineSpec
    tp: int = Field(default=1, ge=1, le=MAX_GPUS, description="Tensor-parallel degree")
    pp: int = Field(default=1, ge=1, le=MAX_GPUS, description="Pipeline (layer split) degree")
    ep: int = Field(default=1, ge=1, le=MAX_GPUS, description="Expert-parallel degree")
    memory_gib: float | None = Field(
        default=None, gt=0, description="Memory per device when it differs from the catalog"
    )
    host_bandwidth_gbps: float = Field(
        default=89.6,
        gt=0,
        description="System RAM bandwidth for offloaded layers (assumed: dual-channel DDR5-5600)",
    )
    batched_tokens: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Tokens per forward pass (vLLM --max-num-batched-tokens, llama.cpp -ub); "
        "default: the engine's",
    )
    gpu_layers: int | None = Field(
        default=None, ge=0, description="Layers on the GPUs (llama.cpp -ngl); the rest in RAM"
    )

    @property
    def replicas(self) -> int:
        """Data-parallel copies of the model."""
        return self.gpu_count // (self.tp * self.pp)

    @property
    def chunk_tokens(self) -> int:
        """Tokens per forward pass: buffers are sized for it and prefill runs in such chunks."""
        return self.batched_tokens or self.engine.max_batched_tokens

    @property
    def layer_split(self) -> bool:
        return self.engine.multi_gpu_default == "layer-split" and self.pp > 1

    @property
    def capacity_gib(self) -> float:
        mem = self.memory_gib if self.memory_gib is not None else self.gpu.memory_gib
        return mem * self.gpu.usable_memory_fraction

    @property
    def offloaded_layers(self) -> int:
        if self.gpu_layers is None:
            return 0
        return max(self.model.num_layers - self.gpu_layers, 0)

    @model_validator(mode="after")
    def _check(self) -> Deployment:
        e, q, g = self.engine, self.quant, self.gpu
        if self.tp * self.pp > self.gpu_count:
            raise PlanInputError(
                f"tp x pp = {self.tp * self.pp} needs {self.tp * self.pp} GPUs, "
                f"but there are only {self.gpu_count} GPU(s)"
            )
        if self.gpu_count % (self.tp * self.pp):
            raise PlanInputError(
                f"{self.gpu_count} GPUs do not divide into replicas of "
                f"tp x pp = {self.tp * self.pp}"
            )
        if self.ep > 1 and not self.model.is_moe:
            raise PlanInputError(
                f"ep > 1 needs a mixture-of-experts model; {self.model.name} is dense"
            )
        if self.ep > self.gpu_count:
            raise PlanInputError(f"ep = {self.ep} is more than the {self.gpu_count} GPU(s)")
        if self.tp > 1 and "tp" not in e.parallelism:
            raise PlanInputError(f"{e.name} has no tensor parallelism; use pp (layer split)")
        if "weights" not in q.applies_to:
            raise PlanInputError(f"{q.name} is a KV-cache format, not a weight format")
        if "kv" not in self.kv_quant.applies_to:
            raise PlanInputError(f"{self.kv_quant.name} is not a KV-cache format")
        if e.id not in q.engines:
            raise PlanInputError(
                f"{e.name} does not run {q.name}; engines that do: {', '.join(q.engines)}"
            )
        if g.vendor not in e.vendors:
            raise PlanInputError(
                f"{e.name} does not run on {g.vendor} hardware ({g.name}); "
                f"it supports: {', '.join(e.vendors)}"
            )
        if q.requires is not None and g.tflops(q.requires) is None:
            raise PlanInputError(
                f"{g.name} has no native {q.requires.upper()} support needed by {q.name}; "
                "use a 16-bit or weight-only format there (e.g. bf16, fp16, awq-int4, q4_k_m)"
            )
        if self.gpu_layers is not None and self.gpu_layers > self.model.num_layers:
            raise PlanInputError(
                f"gpu_layers {self.gpu_layers} exceeds the model's {self.model.num_layers} layers"
            )
        return self


class Workload(BaseModel):
    """The load: sequences decoded together and tokens per request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    batch: int | Literal["max"] = Field(
        default=1, description="Sequences decoded together; 'max' fills free memory"
    )
    input_len: int = Field(
        default=512, ge=0, le=MAX_TOKENS, description="Prompt tokens per request"
    )
    output_len: int = Field(
        default=128, ge=0, le=MAX_TOKENS, description="Output tokens per request"
    )
    context_len: int | None = Field(
        default=None,
        ge=1,
        le=MAX_TOKENS,
        description="KV cache per sequence (default: input + output)",
    )

    @model_validator(mode="after")
    def _check(self) -> Workload:
        if isinstance(self.batch, int) and not (1 <= self.batch <= 1_000_000):
            raise PlanInputError(f"batch must be 1..1000000 or 'max', not {self.batch}")
        if self.input_len + self.output_len == 0 and self.context_len is None:
            raise PlanInputError("input_len and output_len cannot both be 0")
        return self

    @property
    def seq_tokens(self) -> int:
        """Tokens of KV cache each sequence needs."""
        return (
            self.context_len
            if self.context_len is not None
            else max(self.input_len + self.output_len, 1)
        )
