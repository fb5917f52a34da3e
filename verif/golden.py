"""The scoreboard's reference: the DAIS program(s) listed in the manifest, run by the DAIS interpreter."""

from __future__ import annotations

import numpy as np

from ..ir import CombLogic  # the C++ DAIS interpreter
from ..project import MANIFEST_NAME, Manifest, ManifestError, program_sha256
from ..project.values import lanes_to_real, real_to_lanes


def load_program(manifest: Manifest) -> list[CombLogic]:
    """The DAIS stages of a project, checked before anything is built or simulated: each file decodes,
    the stages chain, their ports match the manifest's, and (when the manifest has one) the program hash
    matches the files: a ManifestError naming the file and the fix otherwise, never a design FAIL."""
    fix = "regenerate the project with RTLModel(...).write()"
    where = manifest.project_dir / MANIFEST_NAME if manifest.project_dir else MANIFEST_NAME
    blobs = [p.read_bytes() for p in manifest.dais_paths]
    if manifest.program_sha256 and manifest.program_sha256 != program_sha256(blobs):
        raise ManifestError(
            f"{where}: program_sha256 {manifest.program_sha256[:12]}... does not match the DAIS binaries "
            f"{', '.join(manifest.dais)} (sha256 {program_sha256(blobs)[:12]}...): the project is stale or a file "
            f"was replaced; {fix}"
        )
    stages = []
    for name, path, blob in zip(manifest.dais, manifest.dais_paths, blobs):
        try:
            stages.append(CombLogic.from_binary(blob))
        except (ValueError, TypeError) as e:
            raise ManifestError(f"{path}: not a valid DAIS program ({e}); {fix}") from None
    n_in, n_out = manifest.n_in, manifest.n_out
    for k, (name, stage) in enumerate(zip(manifest.dais, stages)):
        s_in = stage.shape[0]
        want_in = n_in if k == 0 else stages[k - 1].shape[1]
        if s_in != want_in:
            what = f"manifest.json lists {n_in} inputs" if k == 0 else f"stage {k - 1} has {want_in} outputs"
            raise ManifestError(f"{manifest.project_dir / name}: the program has {s_in} inputs, {what}; {fix}")
    if stages[-1].shape[1] != n_out:
        raise ManifestError(
            f"{manifest.dais_paths[-1]}: the program has {stages[-1].shape[1]} outputs, manifest.json lists "
            f"{n_out}; {fix}"
        )
    return stages


class GoldenModel:
    """Chain of DAIS stages (stage k+1 input j = stage k output j) mapping input lanes to output lanes."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.stages = load_program(manifest)
        self.backend = "da4ml.ir.CombLogic.predict"
        for lanes, what in ((manifest.input_port.lanes, "inputs"), (manifest.output_port.lanes, "outputs")):
            wide = [la.lane for la in lanes if la.width > 53]
            if wide:
                raise ValueError(
                    f"{manifest.project_dir}: {what} lanes {wide} are wider than 53 bits; the real-valued "
                    "interpreter interface cannot hold them exactly"
                )

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
