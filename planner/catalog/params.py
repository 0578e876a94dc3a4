"""Parameter counts by part, computed from a model's dimensions."""

from __future__ import annotations

from dataclasses import dataclass

from planner.catalog.schema import ModelSpec


@dataclass(frozen=True)
class ParamBreakdown:
    """Parameter counts (not billions) of each part of a model."""

    embedding: int
    lm_head: int
    attention_per_layer: int
    dense_mlp_per_layer: int
    expert: int  # one routed expert in one MoE layer
    shared_per_moe_layer: int
    router_per_moe_layer: int
    norms_per_layer: int
    final_norm: int
    num_layers: int
    num_moe_layers: int
    num_experts: int
    experts_per_token: int

    @property
    def num_dense_layers(self) -> int:
        return self.num_layers - self.num_moe_layers

    @property
    def output_head(self) -> int:
        """The output projection's parameters: the embedding matrix when they are tied."""
        return self.lm_head or self.embedding

    @property
    def routed_experts_total(self) -> int:
        return self.num_moe_layers * self.num_experts * self.expert

    @property
    def non_expert(self) -> int:
        """Everything but the routed experts (attention, dense FFN, shared experts, embeddings)."""
        return (
            self.embedding
            + self.lm_head
            + self.final_norm
            + self.num_layers * (self.attention_per_layer + self.norms_per_layer)
            + self.num_dense_layers * self.dense_mlp_per_layer
            + self.num_moe_layers * (self.shared_per_moe_layer + self.router_per_moe_layer)
        )

    @property
    def total(self) -> int:
        return self.non_expert + self.routed_experts_total

    @property
    def active(self) -> int:
        """Parameters used per token (one token reads k experts per MoE layer)."""
        return self.non_expert + self.num_moe_layers * self.experts_per_token * self.expert

    @property
    def per_layer_non_expert(self) -> float:
        """Average non-expert parameters in one layer (embeddings excluded)."""
        body = self.non_expert - self.embedding - self.lm_head - self.final_norm
        return body / self.num_layers


def attention_params(m: ModelSpec) -> int:
    h = m.hidden_size
    if m.mla is not None:
        a = m.mla
        qk = a.qk_nope_head_dim + a.qk_rope_head_dim
        q = (
            h * a.q_lora_rank + a.q_lora_rank * m.num_attention_heads * qk
            if a.q_lora_rank
            else (h * m.num_attention_heads * qk)
        )
        kv_a = h * (a.kv_lora_rank + a.qk_rope_head_dim)
        kv_b = a.kv_lora_rank * m.num_attention_heads * (a.qk_nope_head_dim + a.v_head_dim)
        o = m.num_attention_heads * a.v_head_dim * h
        latent_norms = (a.q_lora_rank or 0) + a.kv_lora_rank
        return q + kv_a + kv_b + o + latent_norms
    q = h * m.num_attention_heads * m.head_dim
    kv = 2 * h * m.num_kv_heads * m.head_dim
    o = m.num_attention_heads * m.head_dim * h
    bias = (m.num_attention_heads + 2 * m.num_kv_heads) * m.head_dim if m.qkv_bias else 0
    return q + kv + o + bias


def count_params(m: ModelSpec) -> tuple[int, int]:
    """(total, active) parameters computed from the dimensions.

    Embeddings V*h (x2 when untied); per layer attention q, k, v, o (+ q/k/v bias) or MLA's
    projections and latent norms, two norms; a final norm; a gated MLP 3*h*I on dense layers;
    on MoE layers 3*h*I_moe per routed expert, a router h*E and 3*h*I_shared per shared
    expert. Active counts k routed experts instead of E. Vision towers, multi-token-prediction
    heads and o-projection biases are not counted.
    """
    b = breakdown(m)
    return b.total, b.active


def breakdown(m: ModelSpec) -> ParamBreakdown:
    h = m.hidden_size
    expert_width = m.moe_intermediate_size or 0
    shared_width = m.shared_expert_intermediate_size or expert_width
    return ParamBreakdown(
        embedding=m.vocab_size * h,
        lm_head=0 if m.tie_word_embeddings else m.vocab_size * h,
        attention_per_layer=attention_params(m),
        dense_mlp_per_layer=3 * h * m.intermediate_size,
        expert=3 * h * expert_width,
        shared_per_moe_layer=m.num_shared_experts * 3 * h * shared_width,
        router_per_moe_layer=h * m.num_routed_experts,
        norms_per_layer=2 * h,
        final_norm=h,
        num_layers=m.num_layers,
        num_moe_layers=m.num_moe_layers,
        num_experts=m.num_routed_experts,
        experts_per_token=m.experts_per_token,
    )
