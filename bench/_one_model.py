"""One cost model for programs from any tool: ours (da4ml.trace._cost.estimate_ops), op by op from exact types."""

from __future__ import annotations


def one_model_cost(words: list[int]) -> float:
    """Cost of a program (from its DAIS binary) under one model for every tool."""
    import numpy as np

    from da4ml.ir import CombLogic
    from da4ml.trace._cost import estimate_ops

    return estimate_ops(CombLogic.from_binary(np.asarray(words, dtype=np.int32))).cost
