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

    def predict(self, data: Any, n_threads: int = 0) -> np.ndarray:
        y = np.asarray(data, dtype=np.float64)
        for stage in self.solutions:
            y = stage.predict(y, n_threads)
        return y

    def __call__(self, x: Any, quantize: bool = False, debug: bool = False) -> Any:
        for k, stage in enumerate(self.solutions):
            x = stage(x, quantize=quantize and k == 0, debug=debug)
        return x

    def save(self, path: str | os.PathLike) -> None:
        atomic_write(path, json_io.dumps(json_io.pipeline_to_dict(self)))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Pipeline:
        return json_io.pipeline_from_dict(json_io.loads(Path(path).read_text()))
