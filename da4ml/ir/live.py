"""Which ops of a program reach an output (what a back end emits)."""

from __future__ import annotations

import functools

from .comb_logic import CombLogic
from .fixed import kif_of
from .op import operands

__all__ = ["live_ops"]

# types of repeated intervals (carried stage inputs share their source op's interval) computed once
_kif = functools.lru_cache(maxsize=1 << 16)(kif_of)


def live_ops(comb: CombLogic) -> list[bool]:
    """Ops whose value reaches an output (reverse reachability; a value of width <= 0 is the constant 0
    and needs none of its operands)."""
    live = [False] * len(comb.ops)
    for o in comb.out_idxs:
        if o >= 0:
            live[o] = True
    for t in range(len(comb.ops) - 1, -1, -1):
        if live[t] and sum(_kif(comb.ops[t].qint)) > 0:
            for s in operands(comb.ops[t]):
                if s >= 0:
                    live[s] = True
    return live
