"""Mixture-of-experts: how many distinct experts a batch of tokens touches."""

from __future__ import annotations


def experts_touched(num_experts: int, experts_per_token: int, tokens: int) -> float:
    """Expected distinct experts per MoE layer for `tokens` tokens routed independently.

    Each token picks k of E experts; an expert is missed by one token with probability
    1 - k/E, so E x (1 - (1 - k/E)^tokens) are touched. At one token that is exactly k.
    """
    if num_experts == 0 or tokens <= 0:
        return 0.0
    k = min(experts_per_token, num_experts)
    return num_experts * (1.0 - (1.0 - k / num_experts) ** tokens)
