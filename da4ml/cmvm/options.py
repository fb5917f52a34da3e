"""The options of the CMVM optimizer, as users pass them (``solver_options=``)."""

from __future__ import annotations

from typing import TypedDict


class solver_options_t(TypedDict, total=False):
    """Options of ``da4ml.cmvm.solve`` (all optional)."""

    method0: str
    method1: str
    hard_dc: int
    decompose_dc: int
    adder_size: int
    carry_size: int
    search_all_decompose_dc: bool
    n_threads: int
    search_budget: float  # extra search in budget seconds (deterministic work units); 0: the default search
    seed: int  # seed of the budget's extra search
