"""Run settings handed from the runner (parent process) to the testbench (inside the simulator) by env vars."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

ENV_PREFIX = "DA4ML_VERIF_"
DEFAULT_N_SAMPLES = 2000


@dataclass(frozen=True)
class TbConfig:
    seed: int
    n_samples: int = DEFAULT_N_SAMPLES  # samples of the whole run (every shard)
    max_mismatches: int = 1
    sim: str = "?"
    waves_path: str = ""  # empty: waves not recorded
    repro: str = ""  # one-line command reproducing the run
    report_path: str = ""  # where the testbench writes its mismatch report / stats (JSON)
    start: int = 0  # this process checks samples start .. stop - 1 (a shard of the run)
    stop: int = -1  # -1: n_samples
    shard: str = ""  # "k/N" when the run is split across N simulator processes
    batch: int = 0  # samples per cocotb wake-up through the batch wrapper (0: no wrapper, one per clock)
    progress_path: str = ""  # where the testbench writes how far it got (JSON, a few times a second)

    @property
    def end(self) -> int:
        return self.n_samples if self.stop < 0 else self.stop

    def to_env(self) -> dict[str, str]:
        return {ENV_PREFIX + f.name.upper(): str(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_env(cls, default_seed: int) -> TbConfig:
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = os.environ.get(ENV_PREFIX + f.name.upper(), "")
            if f.name == "seed":
                values[f.name] = int(raw or default_seed)
            elif raw:
                values[f.name] = int(raw) if f.type in ("int", int) else raw
        return cls(**values)  # type: ignore[arg-type]
