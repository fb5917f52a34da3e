"""The DAIS binary format of ``shared/spec/dais.md`` (little-endian int32 words).

Decoding is validated by the C++ reader first, so the Python side only ever sees well-formed words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._core import dais as _dais
from .fixed import qint_of
from .op import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, Op
from .opcodes import SPEC_VERSION_WRITTEN, WORDS_PER_OP

if TYPE_CHECKING:
    from .comb_logic import CombLogic

#: written into the ``firmware_version`` word (readers ignore it)
FIRMWARE_VERSION = 0


def _int32_words(values: Sequence[int], what: str) -> np.ndarray:
    arr = np.asarray([int(v) for v in values], dtype=np.int64)
    bad = (arr < INT32_MIN) | (arr > INT32_MAX)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{what}[{j}] = {int(arr[j])} does not fit a signed 32-bit word of the binary format")
    return arr.astype(np.int32)


def encode(comb: CombLogic) -> np.ndarray:
    """The program as binary words (spec version 1)."""
    n_in, n_out = comb.shape
    header = [SPEC_VERSION_WRITTEN, FIRMWARE_VERSION, n_in, n_out, len(comb.ops), len(comb.lookup_tables)]
    records = np.empty((len(comb.ops), WORDS_PER_OP), dtype=np.int64)
    for t, op in enumerate(comb.ops):
        data = int(op.data)
        if not INT64_MIN <= data <= INT64_MAX:
            raise ValueError(f"op {t}: data {data} does not fit int64")
        k, i, f = op.kif
        records[t] = (int(op.opcode), op.id0, op.id1, op.lo, op.hi, k, i, f)  # words 3-4: data, low half first
    parts = [
        _int32_words(header, "header"),
        _int32_words(comb.inp_shifts, "inp_shifts"),
        _int32_words(comb.out_idxs, "out_idxs"),
        _int32_words(comb.out_shifts, "out_shifts"),
        _int32_words([int(bool(n)) for n in comb.out_negs], "out_negs"),
        _int32_words(records.ravel().tolist(), "op records"),
        _int32_words([len(t) for t in comb.lookup_tables], "table sizes"),
    ]
    parts += [_int32_words(table, f"lookup_tables[{j}]") for j, table in enumerate(comb.lookup_tables)]
    return np.concatenate(parts).astype("<i4")


def as_words(data: bytes | bytearray | memoryview | np.ndarray) -> np.ndarray:
    """Binary content (bytes or an int32 array) as a flat little-endian int32 array."""
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in "iu" or (data.dtype.itemsize != 4 and data.dtype != np.uint8):
            raise ValueError(f"a DAIS binary array must hold int32 words (or raw uint8 bytes), got {data.dtype}")
        if data.dtype.itemsize == 4:
            return np.ascontiguousarray(data.ravel()).astype("<i4", copy=False)
        data = data.tobytes()
    raw = bytes(data)
    if len(raw) % 4:
        raise ValueError(f"a DAIS binary is a sequence of 32-bit words; got {len(raw)} bytes (not a multiple of 4)")
    return np.frombuffer(raw, dtype="<i4").copy()


def decode(data: bytes | bytearray | memoryview | np.ndarray) -> dict:
    """Validated binary -> the fields of a ``CombLogic`` (latency/cost are not stored: 0)."""
    words = as_words(data)
    _dais.validate(words)
    w = words.astype(np.int64)
    n_in, n_out, n_ops, n_tables = (int(v) for v in w[2:6])
    pos = 6

    def take(n: int) -> np.ndarray:
        nonlocal pos
        out = w[pos : pos + n]
        pos += n
        return out

    inp_shifts = take(n_in).tolist()
    out_idxs = take(n_out).tolist()
    out_shifts = take(n_out).tolist()
    out_negs = [bool(v) for v in take(n_out)]
    records = take(n_ops * WORDS_PER_OP).reshape(n_ops, WORDS_PER_OP)
    ops = []
    for opcode, id0, id1, lo, hi, k, i, f in records.tolist():
        ops.append(Op(id0, id1, opcode, Op.pack(lo, hi), qint_of(k, i, f), 0.0, 0.0))
    sizes = take(n_tables).tolist()
    tables = tuple(tuple(take(size).tolist()) for size in sizes)
    return {
        "shape": (n_in, n_out),
        "inp_shifts": inp_shifts,
        "out_idxs": out_idxs,
        "out_shifts": out_shifts,
        "out_negs": out_negs,
        "ops": ops,
        "lookup_tables": tables,
    }
