"""Mutated binaries (bit flips, extreme words, truncation, extension, corrupted counts) never crash the reader
or the interpreter: every rejection is a DAISError.  Mutations run in subprocesses so a crash is a test
failure, not a dead test run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dais_words as dw
import numpy as np
import pytest
from dais_random import random_kif
from dais_words import Op, Prog

HERE = Path(__file__).parent
CHUNK = 800
CHUNKS = 6  # 4800 mutations


def extra_bases(tmp: Path) -> list[Path]:
    """Programs exercising what the published fixtures do not: every opcode, tables, mux shifts, wide types."""
    rng = np.random.default_rng(99)
    ops = [Op(dw.INPUT, j, -1, 0, random_kif(rng, 8, wmin=1)) for j in range(3)] + [Op(dw.INPUT, 3, -1, 0, (1, 40, 8))]
    ops += [
        Op(dw.ADD, 0, 1, 2, (1, 20, 8)),
        Op(dw.SUB, 3, 3, 0, (1, 42, 8)),
        Op(dw.RELU, 4, -1, 0, (0, 8, 2)),
        Op(dw.NEG_QUANT, 5, -1, 0, (1, 6, 3)),
        Op(dw.ADD_CONST, 6, -1, 2**33, (1, 40, 2)),
        Op(dw.CONST, -1, -1, -5, (1, 3, 0)),
        Op(dw.NEG_MUX, 7, 2, dw.pack(9, 2), (1, 12, 3)),
        Op(dw.MUL, 0, 1, 0, (1, 30, 12)),
        Op(dw.LOOKUP, 2, -1, dw.pack(0, -1), (1, 7, 0)),
        Op(dw.NEG_BIT_UNARY, 1, -1, 0, (1, 10, 5)),
        Op(dw.BIT_BINARY, 0, 1, dw.pack(1, (2 << 24) | 3), (1, 20, 8)),
    ]
    lo, hi = dw.type_range(ops[2].kif)
    prog = Prog(
        4, ops, [4, 5, 6, 7, 8, 9, 10, 11, 12, -1], tables=[[int(v) for v in rng.integers(-128, 128, hi - lo + 3)]]
    )
    path = tmp / "all_opcodes.bin"
    dw.encode(prog).tofile(path)
    return [path]


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_mutated_binaries(chunk: int, tmp_path: Path) -> None:
    bases = sorted((HERE / "data" / "published").glob("*.bin")) + extra_bases(tmp_path)
    cmd = [sys.executable, str(HERE / "_fuzz_worker.py"), str(1000 + chunk), str(CHUNK), *map(str, bases)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode >= 0, f"worker killed by signal {-res.returncode}; reproduce: {' '.join(cmd)}\n{res.stderr}"
    assert res.returncode == 0, f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}\nreproduce: {' '.join(cmd)}"
    stats = json.loads(res.stdout.strip().splitlines()[-1])
    assert sum(stats.values()) == CHUNK
    # both paths exercised (most extreme words are refused: every type and output must be a float64)
    assert stats["rejected"] > CHUNK // 10 and stats["ran"] > CHUNK // 20, stats


def test_every_field_at_every_extreme(tmp_path: Path) -> None:
    """Each word of each base binary set to each extreme value, through the whole Python surface: a refusal
    is a ValueError naming the op or header field (never OverflowError, inf outputs or a traceback)."""
    bases = extra_bases(tmp_path) + sorted((HERE / "data" / "published").glob("*.bin"))[:2]
    cmd = [sys.executable, str(HERE / "_fuzz_worker.py"), "--fields", *map(str, bases)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert res.returncode == 0, f"{res.stdout[-4000:]}\n{res.stderr[-3000:]}\nreproduce: {' '.join(cmd)}"
    stats = json.loads(res.stdout.strip().splitlines()[-1])
    assert stats["rejected"] > 0 and stats["ran"] > 0, stats
