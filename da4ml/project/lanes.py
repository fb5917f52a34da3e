"""Lanes: the fixed-point fields of a flat port (docs/project_layout.md), the same for every HDL and HLS.

Lane ``j`` of a port holds the two's-complement (or unsigned) integer ``x_j * 2**f_j`` of value ``j`` in
bits ``[offset + width - 1 : offset]``; lanes are packed from bit 0 up, lane 0 at the LSBs, and a lane of
width 0 (a constant zero) takes no bits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..ir.opcodes import MAX_VALUE_BITS

__all__ = ["MAX_LANE_WIDTH", "Lane", "Port", "bus_width", "check_input_read", "kif_rows", "lanes_of"]

MAX_LANE_WIDTH = MAX_VALUE_BITS  # dais.md: the interpreter holds values in int64 and refuses anything wider


@dataclass(frozen=True)
class Lane:
    """Lane ``lane`` of a port: bits ``[offset + width - 1 : offset]`` hold ``x * 2**f`` of type (k, i, f)."""

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


@dataclass(frozen=True)
class Port:
    """A flat port ``name[width-1:0]`` and the lanes it carries (``width >= 1``: a port has a bit even when
    every lane is constant zero)."""

    name: str
    width: int
    lanes: tuple[Lane, ...]

    @classmethod
    def packed(cls, name: str, kifs) -> Port:
        """The port of ``kifs`` (rows of (k, i, f), or CombLogic's ``inp_kifs`` / ``out_kifs``) packed from bit 0."""
        lanes = lanes_of(kifs)
        return cls(name, max(bus_width(lanes), 1), tuple(lanes))

    @property
    def mask(self) -> int:
        """The bits of the port that belong to some lane."""
        mask = 0
        for la in self.lanes:
            mask |= ((1 << la.width) - 1) << la.offset
        return mask


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
        w = max(k + i + f, 0)
        lanes.append(Lane(j, offset, w, k, i, f))
        offset += w
    return lanes


def bus_width(lanes: Sequence[Lane]) -> int:
    """Bits the lanes occupy (0 when every lane is constant zero)."""
    return sum(lane.width for lane in lanes)


def check_input_read(t: int, kif: tuple[int, int, int], shift: int, lane: Lane) -> None:
    """INPUT op ``t`` of type ``kif`` reads its input ``x`` as ``(k, i - shift, f + shift)``; a design's port
    carries that input as ``lane`` (the type of the first op reading it). Refuse, naming both, when the lane
    drops a bit the op keeps: it needs as fine a step and as high a wrap-around point."""
    k, i, f = kif
    if lane.f < f + shift or lane.k + lane.i < k + i - shift:
        raise ValueError(
            f"op {t} reads input {lane.lane} as ({k},{i - shift},{f + shift}), which the input's port lane "
            f"({lane.k},{lane.i},{lane.f}) (the type of the first op reading input {lane.lane}) cannot carry; "
            f"give every INPUT op of input {lane.lane} the same type"
        )
