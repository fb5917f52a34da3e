"""Run settings handed from the runner (parent process) to the testbench (inside the simulator) by env vars."""

from __future__ import annotations

import os
from dataclasses import dataclass

ENV_PREFIX = "DA4ML_VERIF_"
DEFAULT_N_SAMPLES = 2000
MAX_SEED = 2**32  # seeds are 0 .. 2**32 - 1 (cocotb's COCOTB_RANDOM_SEED, numpy's default_rng)


@dataclass(frozen=True)
class TbConfig:
    seed: int
    n_samples: int = DEFAULT_N_SAMPLES
    max_mismatches: int = 1
    sim: str = "?"
    waves_path: str = ""  # empty: waves not recorded
    repro: str = ""  # one-line command reproducing the run
    report_path: str = ""  # where the testbench writes its mismatch report / stats (JSON)

    def to_env(self) -> dict[str, str]:
        return {
            ENV_PREFIX + "SEED": str(self.seed),
            ENV_PREFIX + "N_SAMPLES": str(self.n_samples),
            ENV_PREFIX + "MAX_MISMATCHES": str(self.max_mismatches),
            ENV_PREFIX + "SIM": self.sim,
            ENV_PREFIX + "WAVES_PATH": self.waves_path,
            ENV_PREFIX + "REPRO": self.repro,
            ENV_PREFIX + "REPORT_PATH": self.report_path,
        }

    @classmethod
    def from_env(cls, default_seed: int) -> TbConfig:
        def get(name: str, default: str) -> str:
            return os.environ.get(ENV_PREFIX + name, "") or default

        return cls(
            seed=int(get("SEED", str(default_seed))),
            n_samples=int(get("N_SAMPLES", str(DEFAULT_N_SAMPLES))),
            max_mismatches=int(get("MAX_MISMATCHES", "1")),
            sim=get("SIM", "?"),
            waves_path=get("WAVES_PATH", ""),
            repro=get("REPRO", ""),
            report_path=get("REPORT_PATH", ""),
        )
