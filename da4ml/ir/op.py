"""One DAIS operation."""

from __future__ import annotations

from typing import NamedTuple

from .fixed import QInterval, kif_of

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _signed32(x: int) -> int:
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x


class Op(NamedTuple):
    """``buf[t] = opcode(buf[id0], buf[id1], data)``; ``qint`` is the exact interval of the result."""

    id0: int
    id1: int
    opcode: int
    data: int
    qint: QInterval
    latency: float
    cost: float

    @staticmethod
    def pack(lo: int, hi: int) -> int:
        """``data`` from its signed low and high 32-bit halves."""
        for name, half in (("lo", lo), ("hi", hi)):
            if not INT32_MIN <= half <= INT32_MAX:
                raise ValueError(f"data {name}={half} does not fit a signed 32-bit half")
        return (hi << 32) | (lo & 0xFFFFFFFF)

    @property
    def lo(self) -> int:
        return _signed32(self.data)

    @property
    def hi(self) -> int:
        return _signed32(self.data >> 32)

    @property
    def kif(self) -> tuple[int, int, int]:
        return kif_of(self.qint)
