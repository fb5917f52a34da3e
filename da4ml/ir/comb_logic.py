"""``CombLogic``: one combinational DAIS program (see shared/spec/dais.md)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .._core import dais as _dais
from .._files import atomic_write
from . import binary, json_io
from .batch import as_batch
from .evaluate import evaluate
from .fixed import QInterval, _log2_exact, as_qinterval, kif_of
from .op import INT64_MAX, INT64_MIN, Op
from .opcodes import Opcode

_LINEAR_OPCODES = frozenset({Opcode.INPUT, Opcode.ADD, Opcode.SUB, Opcode.QUANTIZE, Opcode.NEG_QUANTIZE})


def _kif_arrays(qints: Sequence[QInterval]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    kifs = np.array([kif_of(q) for q in qints], dtype=np.int64).reshape(-1, 3)
    return kifs[:, 0].copy(), kifs[:, 1].copy(), kifs[:, 2].copy()


class CombLogic(NamedTuple):
    """One block of combinational logic in SSA form: ``ops[t]`` writes ``buf[t]`` from earlier values.

    ``exact_intervals``: every op's declared interval holds exactly the values the op can produce, also where
    the op type alone allows more (a MUX whose interval is narrower than its operands': the condition keeps the
    other values out).  comb_trace writes such programs and says so; replaying one (``comb(symbolic_x)``) may
    then rebuild those muxes without the wrap their type implies.  Not part of the binary format (a binary
    reads back False); kept by the JSON format and by staging; not part of ``==`` (the same program, see
    ``_canonical``; ``same_annotations`` also compares latency and cost)."""

    shape: tuple[int, int]
    inp_shifts: Sequence[int]
    out_idxs: Sequence[int]
    out_shifts: Sequence[int]
    out_negs: Sequence[bool]
    ops: Sequence[Op]
    carry_size: int = -1
    adder_size: int = -1
    lookup_tables: Sequence[Sequence[int]] = ()
    exact_intervals: bool = False

    # ---- accounting -------------------------------------------------------------------------------
    @property
    def cost(self) -> float:
        """Sum of the ops' cost estimates (LUTs)."""
        return float(sum(op.cost for op in self.ops))

    @property
    def out_latency(self) -> list[float]:
        """Arrival time of every output (0 for constant-zero outputs)."""
        return [float(self.ops[o].latency) if o >= 0 else 0.0 for o in self.out_idxs]

    @property
    def latency(self) -> tuple[float, float]:
        """``(min, max)`` arrival time over the outputs that carry a value."""
        lat = [float(self.ops[o].latency) for o in self.out_idxs if o >= 0]
        return (min(lat), max(lat)) if lat else (0.0, 0.0)

    # ---- interface types --------------------------------------------------------------------------
    @property
    def inp_qint(self) -> list[QInterval]:
        """The value interval of every input ``x[j]`` (a dead input: the zero interval)."""
        qints = [QInterval(0.0, 0.0, 1.0)] * self.shape[0]
        seen = [False] * self.shape[0]
        for op in self.ops:
            if op.opcode == Opcode.INPUT and not seen[op.id0]:
                seen[op.id0] = True
                qints[op.id0] = as_qinterval(op.qint).scaled(-int(self.inp_shifts[op.id0]))
        return qints

    @property
    def out_qint(self) -> list[QInterval]:
        """The value interval of every output."""
        return [
            as_qinterval(self.ops[o].qint).scaled(int(s), bool(neg)) if o >= 0 else QInterval(0.0, 0.0, 1.0)
            for o, s, neg in zip(self.out_idxs, self.out_shifts, self.out_negs)
        ]

    @property
    def inp_kifs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(k, i, f)`` arrays of the input types."""
        return _kif_arrays(self.inp_qint)

    @property
    def out_kifs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(k, i, f)`` arrays of the output types."""
        return _kif_arrays(self.out_qint)

    # ---- evaluation -------------------------------------------------------------------------------
    def predict(self, data: Any, n_threads: int = 0) -> np.ndarray:
        """Bit-exact float64 outputs ``(batch, n_out)`` through the C++ interpreter, for ``data`` shaped
        ``(batch, n_in)`` or ``(batch, ...)`` with ``n_in`` values per sample (``(N, 2, 8)`` for 16 inputs:
        each sample flattened in C order); one sample ``(n_in,)`` gives ``(n_out,)``. ``n_threads=0`` uses
        every core."""
        x, one_sample = as_batch(data, self.shape[0])
        self._check_fields()
        interpreter = _dais.Interpreter(binary.encode(self))  # validates the program
        y = interpreter.predict(x, int(n_threads))
        return y[0] if one_sample else y

    def __call__(self, x: Any, quantize: bool = False, debug: bool = False) -> Any:
        """On numbers: the outputs computed in Python (equal to ``predict``); on symbolic arrays: the
        program replayed symbolically (retracing).

        ``quantize=True`` first quantizes the inputs to the program's input types (``inp_qint``).
        ``debug=True`` checks every value against its op's declared interval (numbers) or every replayed
        op's value against its op's declared type (symbols) and raises ``ProgramValueError`` naming the first
        op that leaves it (a correct program always passes)."""
        replay = getattr(x, "__da4ml_replay__", None)
        if replay is not None:
            return replay(self, quantize, debug)
        return evaluate(self, x, quantize=quantize, debug=debug)

    @property
    def kernel(self) -> np.ndarray:
        """The matrix ``W`` with ``outputs == inputs @ W``, for a linear program (shift-add only)."""
        nonlinear = sorted({Opcode(op.opcode).name for op in self.ops if op.opcode not in _LINEAR_OPCODES})
        if nonlinear:
            raise ValueError(f"kernel is defined for linear programs only; this one uses {', '.join(nonlinear)}")
        k, _, f = self.inp_kifs
        # one LSB per input: -step is representable in every signed type, +step in every unsigned one
        impulse = np.where(k == 1, -1.0, 1.0) * np.exp2(-f.astype(np.float64))
        return self.predict(np.diag(impulse)) / impulse[:, None]

    # ---- validation and (de)serialization ---------------------------------------------------------
    def validate(self) -> None:
        """Raise ValueError naming the op and the problem if the program is malformed."""
        self.to_binary()

    def _check_fields(self) -> None:
        """What the binary cannot express: field lengths, opcodes, data range, interval grids."""
        n_in, n_out = self.shape
        for name, seq, n in (
            ("inp_shifts", self.inp_shifts, n_in),
            ("out_idxs", self.out_idxs, n_out),
            ("out_shifts", self.out_shifts, n_out),
            ("out_negs", self.out_negs, n_out),
        ):
            if len(seq) != n:
                raise ValueError(f"{name} has {len(seq)} entries; shape {tuple(self.shape)} needs {n}")
        for t, op in enumerate(self.ops):
            try:
                Opcode(op.opcode)
            except ValueError:
                raise ValueError(f"op {t}: unknown opcode {op.opcode}") from None
            if not INT64_MIN <= int(op.data) <= INT64_MAX:
                raise ValueError(f"op {t} ({Opcode(op.opcode).name}): data {op.data} does not fit int64")
            try:
                _log2_exact(op.qint.step)
                kif_of(op.qint)
            except ValueError as err:
                raise ValueError(f"op {t} ({Opcode(op.opcode).name}): {err}") from None

    def to_binary(self) -> np.ndarray:
        """The program in the DAIS binary format (int32 words, spec version 1), validated."""
        self._check_fields()
        words = binary.encode(self)
        _dais.validate(words)
        return words

    def save_binary(self, path: str | os.PathLike) -> None:
        atomic_write(path, self.to_binary().tobytes())

    @classmethod
    def from_binary(cls, data: bytes | np.ndarray) -> CombLogic:
        """Load a validated binary (spec version 0 or 1)."""
        return cls(**binary.decode(data))

    @classmethod
    def load_binary(cls, path: str | os.PathLike) -> CombLogic:
        return cls.from_binary(Path(path).read_bytes())

    def to_json_dict(self) -> dict:
        return json_io.comb_to_dict(self)

    @classmethod
    def from_json_dict(cls, obj: dict) -> CombLogic:
        """The program of a JSON object written by ``to_json_dict`` (format version 1 or 2), validated."""
        comb = cls(**json_io.comb_fields(obj))
        comb.validate()
        return comb

    def save(self, path: str | os.PathLike) -> None:
        """Save as JSON (keeps latency and cost, which the binary does not)."""
        atomic_write(path, json_io.dumps(json_io.comb_to_dict(self)))

    @classmethod
    def load(cls, path: str | os.PathLike) -> CombLogic:
        return cls.from_json_dict(json_io.loads(Path(path).read_bytes()))

    # ---- equality ---------------------------------------------------------------------------------
    # ``==`` is "the same program" (api.md): what the DAIS binary holds, which fixes every output bit for
    # every input: shape, shifts, output indices and signs, each op's (id0, id1, opcode, data, type (k, i, f))
    # and the tables.  The exact interval inside a type is an annotation too (the interpreter computes with
    # types; a binary stores the type).  The annotations of the cost model (each op's latency and cost, adder_size, carry_size)
    # and exact_intervals are not part of it: the binary does not store them, so
    # ``CombLogic.from_binary(c.to_binary()) == c`` holds; ``same_annotations`` compares them too.
    def _canonical(self) -> tuple:
        return (
            tuple(int(v) for v in self.shape),
            tuple(int(v) for v in self.inp_shifts),
            tuple(int(v) for v in self.out_idxs),
            tuple(int(v) for v in self.out_shifts),
            tuple(bool(v) for v in self.out_negs),
            tuple((int(op.id0), int(op.id1), int(op.opcode), int(op.data), kif_of(op.qint)) for op in self.ops),
            tuple(tuple(int(v) for v in table) for table in self.lookup_tables),
        )

    def same_annotations(self, other: CombLogic) -> bool:
        """``self == other`` and equal annotations too (each op's exact interval, latency and cost, adder_size,
        carry_size): what a JSON round trip keeps and a binary one does not."""
        return (
            self == other
            and (int(self.adder_size), int(self.carry_size)) == (int(other.adder_size), int(other.carry_size))
            and [(as_qinterval(o.qint), float(o.latency), float(o.cost)) for o in self.ops]
            == [(as_qinterval(o.qint), float(o.latency), float(o.cost)) for o in other.ops]
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CombLogic):
            return NotImplemented
        return self._canonical() == other._canonical()

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        lat = self.latency
        return (
            f"CombLogic(shape={tuple(self.shape)}, ops={len(self.ops)}, cost={self.cost:g}, "
            f"latency=({lat[0]:g}, {lat[1]:g}), tables={len(self.lookup_tables)})"
        )
