"""The one reading of ``predict``'s ``data`` argument, shared by CombLogic, Pipeline and RTLModel."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def as_batch(data: Any, n_in: int) -> tuple[np.ndarray, bool]:
    """``(x, one_sample)``: ``data`` as a C-contiguous float64 ``(batch, n_in)`` array.

    ``(n_in,)`` is one sample (``one_sample`` is True: the caller returns ``(n_out,)``); ``(batch, ...)`` is a
    batch along the first axis whose trailing axes hold ``n_in`` values per sample in C order (a model's
    ``(batch, 2, 8)`` for 16 inputs), flattened as ``model.predict`` flattens its input into the program's
    inputs. Any other shape raises ValueError naming the shape and what fits."""
    x = np.asarray(data, dtype=np.float64)
    if x.ndim == 1 and x.shape[0] == n_in:
        return np.ascontiguousarray(x[None, :]), True
    if x.ndim >= 2 and math.prod(x.shape[1:]) == n_in:
        return np.ascontiguousarray(x.reshape(x.shape[0], n_in)), False
    shape = "(" + ", ".join(map(str, x.shape)) + ("," if x.ndim == 1 else "") + ")"
    per_sample = f"{math.prod(x.shape[1:])} values per sample" if x.ndim >= 2 else f"{x.ndim}-d"
    raise ValueError(
        f"data has shape {shape} ({per_sample}) but this program takes {n_in} inputs per sample: pass "
        f"(batch, {n_in}), one sample ({n_in},), or (batch, ...) whose trailing axes hold {n_in} values "
        "(the first axis is always the batch)"
    )
