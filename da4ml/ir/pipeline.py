"""``Pipeline``: register stages of combinational programs, chained value for value."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from .._files import atomic_write
from . import json_io
from .comb_logic import CombLogic
from .fixed import QInterval, width_of
from .op import Op
from .opcodes import Opcode, opcode_info


class Pipeline:
    """A sequence of ``CombLogic`` stages; stage ``k+1``'s input ``j`` is stage ``k``'s output ``j``."""

    __slots__ = ("solutions",)

    def __init__(self, solutions: Sequence[CombLogic]):
        solutions = tuple(solutions)
        if not solutions:
            raise ValueError("a Pipeline needs at least one stage")
        for k, (a, b) in enumerate(pairwise(solutions)):
            if a.shape[1] != b.shape[0]:
                raise ValueError(
                    f"stage {k} has {a.shape[1]} outputs but stage {k + 1} has {b.shape[0]} inputs: stages chain "
                    "output j -> input j"
                )
        self.solutions = solutions

    def __iter__(self) -> Iterator[CombLogic]:
        return iter(self.solutions)

    def __len__(self) -> int:
        return len(self.solutions)

    def __getitem__(self, k: int) -> CombLogic:
        return self.solutions[k]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pipeline):
            return NotImplemented
        return self.solutions == other.solutions

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Pipeline(stages={len(self)}, shape={self.shape}, cost={self.cost:g}, reg_bits={self.reg_bits})"

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.solutions[0].shape[0]), int(self.solutions[-1].shape[1]))

    @property
    def cost(self) -> float:
        return float(sum(s.cost for s in self.solutions))

    @property
    def latency(self) -> tuple[float, float]:
        """Arrival times at the last stage's outputs (stages carry arrival times forward)."""
        return self.solutions[-1].latency

    @property
    def out_latency(self) -> list[float]:
        return self.solutions[-1].out_latency

    @property
    def reg_bits(self) -> int:
        """Bits held in the registers between stages."""
        return int(sum(width_of(q.kif) for s in self.solutions[:-1] for q in s.out_qint))

    @property
    def inp_qint(self) -> list[QInterval]:
        return self.solutions[0].inp_qint

    @property
    def out_qint(self) -> list[QInterval]:
        return self.solutions[-1].out_qint

    @property
    def inp_kifs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.solutions[0].inp_kifs

    @property
    def out_kifs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.solutions[-1].out_kifs

    @property
    def kernel(self) -> np.ndarray:
        kernel = self.solutions[0].kernel
        for stage in self.solutions[1:]:
            kernel = kernel @ stage.kernel
        return kernel

    def flatten(self) -> CombLogic:
        """The stages chained into one program computing exactly what they compute in turn.

        Stage ``k + 1``'s INPUT op reading input ``j`` becomes a MUX (NEG_MUX when output ``j`` is negated)
        whose condition is the constant 0, so it always takes ``b * 2**shift`` = stage ``k``'s output op
        shifted by ``out_shifts[j] + inp_shifts[j]``, wrapped into the INPUT op's type: exactly the INPUT
        semantics applied to the output's value, with no float in between (outputs wider than 53 bits)."""
        if len(self.solutions) == 1:
            return self.solutions[0]
        first, last = self.solutions[0], self.solutions[-1]
        zero = Op.build(Opcode.CONST, qint=QInterval(0, 0, 1), constant=0)
        ops: list[Op] = [zero]
        tables: list = []
        prev_map: list[int] = []
        prev: CombLogic | None = None
        for stage in self.solutions:
            local: list[int] = []
            table0 = len(tables)
            tables.extend(stage.lookup_tables)
            for op in stage.ops:
                info = opcode_info(op.opcode)
                if info.opcode == Opcode.INPUT and prev is not None:
                    j = op.input_index
                    o = prev.out_idxs[j]
                    if o < 0:
                        new = Op.build(Opcode.CONST, qint=op.qint, latency=op.latency, constant=0)
                    else:
                        code = Opcode.NEG_MUX if prev.out_negs[j] else Opcode.MUX
                        shift = int(prev.out_shifts[j]) + int(stage.inp_shifts[j])
                        src = prev_map[o]
                        new = Op.build(code, src, src, qint=op.qint, latency=op.latency, cond=0, shift=shift)
                else:
                    new = Op(
                        local[op.id0] if info.reads_a else op.id0 if info.opcode == Opcode.INPUT else -1,
                        local[op.id1] if info.reads_b else -1,
                        op.opcode,
                        op.data,
                        op.qint,
                        op.latency,
                        op.cost,
                    )
                    if info.reads_cond:
                        new = new.with_fields(cond=local[op.cond])
                    elif info.family == Opcode.LOOKUP:
                        new = new.with_fields(table=table0 + op.table)
                local.append(len(ops))
                ops.append(new)
            prev, prev_map = stage, local
        return CombLogic(
            shape=(first.shape[0], last.shape[1]),
            inp_shifts=list(first.inp_shifts),
            out_idxs=[prev_map[o] if o >= 0 else -1 for o in last.out_idxs],
            out_shifts=list(last.out_shifts),
            out_negs=list(last.out_negs),
            ops=ops,
            carry_size=first.carry_size,
            adder_size=first.adder_size,
            lookup_tables=tuple(tables),
            exact_intervals=all(stage.exact_intervals for stage in self.solutions),
        )

    def predict(self, data: Any, n_threads: int = 0) -> np.ndarray:
        """Bit-exact outputs of the stages applied in turn (run as one chained program: exact at any width);
        ``data`` is read as ``CombLogic.predict`` reads it (``(batch, ...)`` with ``n_in`` values per sample)."""
        return self.flatten().predict(data, n_threads)

    def __call__(self, x: Any, quantize: bool = False, debug: bool = False) -> Any:
        if not getattr(x, "__da4ml_replay__", None):  # numbers: the chained program, exact at any width
            return self.flatten()(x, quantize=quantize, debug=debug)
        for k, stage in enumerate(self.solutions):
            x = stage(x, quantize=quantize and k == 0, debug=debug)
        return x

    def save(self, path: str | os.PathLike) -> None:
        atomic_write(path, json_io.dumps(json_io.pipeline_to_dict(self)))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Pipeline:
        return cls.from_json_dict(json_io.loads(Path(path).read_bytes()))

    @classmethod
    def from_json_dict(cls, obj: dict) -> Pipeline:
        """The pipeline of a JSON object written by ``save`` (every stage validated)."""
        return cls([CombLogic.from_json_dict(stage) for stage in json_io.pipeline_stages(obj)])
