"""Packing of fixed-point lanes into flat ports, shared by the HDL writer, the manifest and the model I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Lane", "bus_width", "kif_rows", "lanes_of"]


@dataclass(frozen=True)
class Lane:
    """Lane ``lane`` of a bus: bits ``[offset + width - 1 : offset]`` hold ``x * 2**f`` of type (k, i, f)
    (the one lane description of the HDL writer, the manifest, the model I/O and the testbench)."""

    lane: int
    offset: int
    width: int
    k: int
    i: int
    f: int

    @property
    def kif(self) -> tuple[int, int, int]:
        return (self.k, self.i, self.f)

    @property
    def signed(self) -> bool:
        return bool(self.k)

    @property
    def min_int(self) -> int:
        if self.width <= 0:
            return 0
        return -(1 << (self.width - 1)) if self.k else 0

    @property
    def max_int(self) -> int:
        if self.width <= 0:
            return 0
        return (1 << (self.width - 1)) - 1 if self.k else (1 << self.width) - 1

    def describe(self, port: str) -> str:
        if self.width <= 0:
            return f"{port} lane {self.lane} (constant zero, no bits)"
        return (
            f"{port} lane {self.lane} (bits [{self.offset + self.width - 1}:{self.offset}], "
            f"{'signed' if self.k else 'unsigned'} k={self.k} i={self.i} f={self.f})"
        )

    def manifest(self) -> dict:
        return {"lane": self.lane, "offset": self.offset, "width": self.width, "k": self.k, "i": self.i, "f": self.f}


def kif_rows(kifs) -> list[tuple[int, int, int]]:
    """``[(k, i, f), ...]`` from either that form or the ``(k_array, i_array, f_array)`` that
    ``CombLogic.inp_kifs`` / ``out_kifs`` return."""
    if isinstance(kifs, tuple) and len(kifs) == 3 and all(isinstance(a, np.ndarray) for a in kifs):
        return [(int(k), int(i), int(f)) for k, i, f in zip(*kifs)]
    return [(int(k), int(i), int(f)) for k, i, f in kifs]


def lanes_of(kifs: Iterable[Sequence[int]]) -> list[Lane]:
    """Lanes packed from bit 0 up, lane 0 at the LSBs; a lane of width <= 0 (constant zero) takes no bits."""
    lanes = []
    offset = 0
    for j, (k, i, f) in enumerate(kif_rows(kifs)):
        k, i, f = int(k), int(i), int(f)
        w = max(k + i + f, 0)
        lanes.append(Lane(j, offset, w, k, i, f))
        offset += w
    return lanes


def bus_width(lanes: Sequence[Lane]) -> int:
    """Bits the lanes occupy (0 when every lane is constant zero)."""
    return sum(lane.width for lane in lanes)
