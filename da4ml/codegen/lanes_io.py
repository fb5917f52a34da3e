"""Numbers <-> packed port words (vectorized): the model I/O of compiled RTL."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..ir import MAX_VALUE_BITS
from .layout import Lane, bus_width

__all__ = ["n_words", "pack_words", "quantize_lanes", "unpack_lanes"]


def n_words(lanes: Sequence[Lane]) -> int:
    """32-bit words of the port (ports are at least 1 bit wide)."""
    return (max(bus_width(lanes), 1) + 31) // 32


def _floor_wrap(x: np.ndarray, f: int, width: int) -> np.ndarray:
    """``floor(x * 2**f)`` modulo ``2**width`` (0 <= result < 2**width, int64), exact for every finite double."""
    m, e = np.frexp(x)  # x = m * 2**e, 0.5 <= |m| < 1
    mant = np.ldexp(m, 53).astype(np.int64)  # x = mant * 2**(e - 53), exactly
    s = e.astype(np.int64) - 53 + f  # x * 2**f = mant * 2**s
    left_s = np.clip(s, 0, width)  # s >= width: every kept bit is 0
    keep = np.left_shift(np.int64(1), width - left_s) - 1
    left = np.left_shift(mant & keep, left_s)
    right = np.right_shift(mant, np.clip(-s, 0, 63))  # arithmetic: floor
    return np.where(s >= 0, left, right) & np.int64((1 << width) - 1)


def quantize_lanes(x: np.ndarray, lanes: Sequence[Lane]) -> np.ndarray:
    """Lane integers ``wrap(floor(x * 2**f))`` as int64 (batch, n_lanes): exact for every finite input."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(x.shape, dtype=np.int64)
    for ln in lanes:
        if ln.width <= 0:
            continue
        if ln.width > MAX_VALUE_BITS:
            raise ValueError(
                f"input lane {ln.lane} is {ln.width} bits wide; at most {MAX_VALUE_BITS} bits are supported"
            )
        col = x[:, ln.lane]
        if not np.all(np.isfinite(col)):
            bad = int(np.argmin(np.isfinite(col)))
            raise ValueError(f"input {ln.lane} of sample {bad} is {col[bad]}: inputs must be finite numbers")
        iv = _floor_wrap(col, ln.f, ln.width)
        if ln.signed:
            iv = np.where(iv >= 1 << (ln.width - 1), iv - (1 << ln.width), iv)
        out[:, ln.lane] = iv
    return out


def pack_words(ints: np.ndarray, lanes: Sequence[Lane]) -> np.ndarray:
    """(batch, n_words) uint32 of the bus holding the lane integers (two's complement in each lane)."""
    batch = ints.shape[0]
    nw = n_words(lanes)
    bits = np.zeros((batch, nw * 32), dtype=np.uint8)
    for ln in lanes:
        if ln.width <= 0:
            continue
        u = ints[:, ln.lane].astype(np.uint64) & np.uint64((1 << ln.width) - 1)
        shifts = np.arange(ln.width, dtype=np.uint64)
        bits[:, ln.offset : ln.offset + ln.width] = ((u[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)
    packed = np.packbits(bits, axis=1, bitorder="little")
    return np.ascontiguousarray(packed).view("<u4").reshape(batch, nw)


def unpack_lanes(words: np.ndarray, lanes: Sequence[Lane]) -> np.ndarray:
    """Real values (float64, (batch, n_lanes)) of the lanes in (batch, n_words) uint32 port words."""
    batch = words.shape[0]
    bits = np.unpackbits(
        np.ascontiguousarray(words.astype("<u4")).view(np.uint8).reshape(batch, -1), axis=1, bitorder="little"
    )
    out = np.zeros((batch, len(lanes)), dtype=np.float64)
    for ln in lanes:
        if ln.width <= 0:
            continue
        chunk = bits[:, ln.offset : ln.offset + ln.width].astype(np.uint64)
        u = (chunk << np.arange(ln.width, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
        v = u.astype(np.int64)
        if ln.signed:
            v = np.where(u >= np.uint64(1 << (ln.width - 1)), v - np.int64(1 << (ln.width - 1)) * 2, v)
        out[:, ln.lane] = np.ldexp(v.astype(np.float64), -ln.f)
    return out
