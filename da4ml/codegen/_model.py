"""What every project model (RTLModel, HLSModel) shares: the rendered files, cached; the manifest; predict's
checks of its arguments. A subclass renders (``_render``), says whether it is compiled and runs a batch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..ir import CombLogic, Pipeline
from ..ir.batch import as_batch
from ..ir.staging import split_stages
from ..project import Manifest
from ..project.directory import WriteReport, write_project
from .render import Design

__all__ = ["ProjectModel", "stages_of"]


def stages_of(solution: CombLogic | Pipeline, cutoff: float) -> list[CombLogic]:
    """The stages of a project: a Pipeline's own, or a CombLogic split at ``cutoff`` (<= 0: one stage)."""
    if isinstance(solution, Pipeline):
        return list(solution.solutions)
    if isinstance(solution, CombLogic):
        return list(split_stages(solution, cutoff).solutions) if cutoff > 0 else [solution]
    raise TypeError(f"solution must be a da4ml CombLogic or Pipeline, got {type(solution).__name__}")


class ProjectModel:
    prj_name: str
    path: Path
    print_latency: bool
    design: Design
    last_write: WriteReport | None = None
    _files: dict[str, bytes] | None = None
    _manifest: Manifest | None = None

    def _render(self) -> tuple[dict[str, bytes], Manifest]:
        raise NotImplementedError

    @property
    def compiled(self) -> bool:
        raise NotImplementedError

    def _run(self, x: np.ndarray, n_threads: int) -> np.ndarray:
        """float64 outputs (batch >= 1, n_out) of the compiled model on inputs ``x`` (batch, n_in)."""
        raise NotImplementedError

    @property
    def stages(self) -> tuple[CombLogic, ...]:
        return self.design.stages

    def render(self) -> tuple[dict[str, bytes], Manifest]:
        """``({relative path: bytes}, manifest)`` of the project without touching the disk."""
        if self._files is None:
            self._files, self._manifest = self._render()
        assert self._manifest is not None
        return self._files, self._manifest

    def _write(self, extra: Callable[[Path, Manifest], None] | None = None) -> WriteReport:
        """Write the rendered files (and what ``extra(folder, manifest)`` adds) to ``path``, all or nothing
        (da4ml.project.directory.write_project): only the files da4ml generates are replaced, everything else
        in the folder is kept. What was replaced goes to ``last_write`` (printed with print_latency)."""
        files, manifest = self.render()

        def fill(folder: Path) -> None:
            for rel, content in files.items():
                f = folder / rel
                f.parent.mkdir(parents=True, exist_ok=True)
                f.write_bytes(content)
            if extra is not None:
                extra(folder, manifest)

        self.last_write = report = write_project(self.path, fill)
        if self.print_latency and (report.replaced or report.kept or report.cleaned):
            print(f"{self.prj_name}: {report}")
        return report

    @property
    def manifest(self) -> Manifest:
        """The project's manifest (what manifest.json holds)."""
        return self.render()[1]

    def predict(self, data, n_threads: int = 0) -> np.ndarray:
        """Outputs of the compiled model: float64 (batch, n_out) (one sample (n_in,) gives (n_out,)), as
        ``CombLogic.predict`` returns them, for ``data`` read as it reads it (``(batch, ...)`` with n_in values
        per sample); the batch is split over ``n_threads`` parallel runs (0: one per
        core)."""
        if not self.compiled:
            raise RuntimeError(f"{self.prj_name}: call .compile() before .predict()")
        if isinstance(n_threads, bool) or not isinstance(n_threads, (int, np.integer)) or n_threads < 0:
            raise ValueError(f"n_threads={n_threads!r} must be an integer >= 0 (0: one per core)")
        manifest = self.manifest
        x, one_sample = as_batch(data, manifest.n_in)
        if x.shape[0] == 0:
            return np.zeros((0, manifest.n_out), dtype=np.float64)
        y = self._run(x, int(n_threads))
        return y[0] if one_sample else y
