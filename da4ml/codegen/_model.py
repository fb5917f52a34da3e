"""What every project model (RTLModel, HLSModel) shares: the rendered files, cached; the manifest; predict's
checks of its arguments. A subclass renders (``_render``), says whether it is compiled and runs a batch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..ir import CombLogic
from ..project import Manifest
from ..project.directory import WriteReport, write_project
from .render import Design

__all__ = ["ProjectModel"]


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
        ``CombLogic.predict`` returns them; the batch is split over ``n_threads`` parallel runs (0: one per
        core)."""
        if not self.compiled:
            raise RuntimeError(f"{self.prj_name}: call .compile() before .predict()")
        if isinstance(n_threads, bool) or not isinstance(n_threads, (int, np.integer)) or n_threads < 0:
            raise ValueError(f"n_threads={n_threads!r} must be an integer >= 0 (0: one per core)")
        x = np.asarray(data, dtype=np.float64)
        manifest = self.manifest
        n_in = manifest.n_in
        if x.ndim == 1 and x.shape[0] == n_in:  # one sample: (n_out,), as CombLogic.predict
            return self.predict(x[None, :], n_threads)[0]
        if x.ndim != 2 or x.shape[1] != n_in:
            raise ValueError(f"data must be shaped (batch, {n_in}) or ({n_in},), got {np.shape(data)}")
        if x.shape[0] == 0:
            return np.zeros((0, manifest.n_out), dtype=np.float64)
        return self._run(x, int(n_threads))
