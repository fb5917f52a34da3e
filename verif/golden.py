"""The scoreboard's reference: the DAIS program(s) listed in the manifest, run by the DAIS interpreter."""

from __future__ import annotations

import logging

import numpy as np

from ..ir import CombLogic  # the C++ DAIS interpreter
from ..project import Manifest, program_sha256
from ..project.values import lanes_to_real, real_to_lanes

log = logging.getLogger(__name__)


class GoldenModel:
    """Chain of DAIS stages (stage k+1 input j = stage k output j) mapping input lanes to output lanes."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.stages = [CombLogic.load_binary(p) for p in manifest.dais_paths]
        self.backend = "da4ml.ir.CombLogic.predict"
        for lanes, what in ((manifest.input_port.lanes, "inputs"), (manifest.output_port.lanes, "outputs")):
            wide = [la.lane for la in lanes if la.width > 53]
            if wide:
                raise ValueError(
                    f"{manifest.project_dir}: {what} lanes {wide} are wider than 53 bits; the real-valued "
                    "interpreter interface cannot hold them exactly"
                )
        on_disk = program_sha256(p.read_bytes() for p in manifest.dais_paths)
        self.sha_ok = not manifest.program_sha256 or manifest.program_sha256 == on_disk
        if not self.sha_ok:
            log.warning("program_sha256 in manifest.json does not match the DAIS binaries: the project may be stale")

    def expected_lanes(self, inp_lanes: np.ndarray) -> np.ndarray:
        """Input lane integers ``(n, n_in)`` -> expected output lane integers ``(n, n_out)``."""
        m = self.manifest
        x = lanes_to_real(inp_lanes, m.input_port.lanes)
        for stage in self.stages:
            x = np.asarray(stage.predict(x), dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != m.n_out:
            raise ValueError(
                f"{m.project_dir}: the DAIS program yields {x.shape[-1]} outputs, manifest.json lists {m.n_out}"
            )
        return real_to_lanes(x, m.output_port.lanes, f"{m.project_dir}: DAIS output")
