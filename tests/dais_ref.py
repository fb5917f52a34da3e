"""Tiny exact-integer DAIS evaluator for a subset of opcodes: an independent cross-check of the C++
interpreter on the HDL fixtures (it was da4ml.verif's stand-in golden model before da4ml.ir landed).

Same interface as CombLogic.predict: real inputs in, real outputs out (float64, exact for <= 53-bit values).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Opcode values per /work/shared/spec/dais.md (da4ml.ir.Opcode once available).
_INPUT, _ADD, _SUB, _ADD_CONST, _CONST = -1, 0, 1, 4, 5
_SUPPORTED = {_INPUT: "INPUT", _ADD: "ADD", _SUB: "SUB", _ADD_CONST: "ADD_CONST", _CONST: "CONST"}


def _to_s32(x: int) -> int:
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x >> 31 else x


class RefProgram:
    """A parsed DAIS binary restricted to INPUT/ADD/SUB/ADD_CONST/CONST."""

    def __init__(self, words: np.ndarray, name: str = "<program>") -> None:
        w = [int(v) for v in words]
        if len(w) < 6 or w[0] not in (0, 1):
            raise ValueError(f"{name}: not a DAIS binary (spec_version={w[0] if w else None!r})")
        n_in, n_out, n_ops, n_tables = w[2:6]
        pos = 6
        self.inp_shifts = w[pos : pos + n_in]
        pos += n_in
        self.out_idxs = w[pos : pos + n_out]
        pos += n_out
        self.out_shifts = w[pos : pos + n_out]
        pos += n_out
        self.out_negs = w[pos : pos + n_out]
        pos += n_out
        self.ops = []
        for t in range(n_ops):
            opcode, id0, id1, lo, hi, k, i, f = w[pos : pos + 8]
            pos += 8
            if opcode not in _SUPPORTED:
                raise NotImplementedError(
                    f"{name}: op {t} has opcode {opcode}, which the stand-in evaluator does not implement; "
                    "extend tests/dais_ref.py or use da4ml.ir.CombLogic.predict"
                )
            data = ((hi & 0xFFFFFFFF) << 32) | (lo & 0xFFFFFFFF)
            if data >> 63:
                data -= 1 << 64
            self.ops.append((opcode, id0, id1, _to_s32(lo), data, k, i, f))
        if n_tables:
            raise NotImplementedError(f"{name}: lookup tables are not supported by the stand-in evaluator")
        if pos != len(w):
            raise ValueError(f"{name}: {len(w) - pos} trailing words after the last op")
        self.shape = (n_in, n_out)

    def predict(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        buf: list[np.ndarray] = []
        for opcode, id0, id1, lo, data, k, i, f in self.ops:
            w = k + i + f
            if opcode == _INPUT:
                v = np.floor(x[:, id0] * 2.0 ** (self.inp_shifts[id0] + f)).astype(np.int64)
                v = _wrap(v, k, w)
            elif opcode in (_ADD, _SUB):
                fa, fb = self.ops[id0][7], self.ops[id1][7]
                big_f = max(fa, fb - lo)
                a = buf[id0] << (big_f - fa)
                b = buf[id1] << (big_f - (fb - lo))
                s = a + b if opcode == _ADD else a - b
                v = _rescale(s, big_f, f)
            elif opcode == _ADD_CONST:
                v = _rescale(buf[id0], self.ops[id0][7], f) + data
            else:  # CONST
                v = np.full(x.shape[0], data, dtype=np.int64)
            buf.append(v)
        out = np.zeros((x.shape[0], self.shape[1]), dtype=np.float64)
        for j, o in enumerate(self.out_idxs):
            if o < 0:
                continue
            val = buf[o].astype(np.float64) * 2.0 ** (self.out_shifts[j] - self.ops[o][7])
            out[:, j] = -val if self.out_negs[j] else val
        return out


def _rescale(v: np.ndarray, f_from: int, f_to: int) -> np.ndarray:
    return v << (f_to - f_from) if f_to >= f_from else v >> (f_from - f_to)


def _wrap(v: np.ndarray, k: int, w: int) -> np.ndarray:
    if w <= 0:
        return np.zeros_like(v)
    m = (v & ((1 << w) - 1)).astype(np.int64)
    return np.where(m >> (w - 1) != 0, m - (1 << w), m) if k else m


def load_ref_program(path: Path) -> RefProgram:
    return RefProgram(np.fromfile(path, dtype="<i4"), str(path))
