"""Run a DAIS binary through the published da4ml 0.6.0 interpreter (its own venv, black box, in a subprocess)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from _venv import published_python

# Runs in the published da4ml's venv.  0.6.0 has no CombLogic.load_binary: the binary is decoded into its public
# NamedTuples (CombLogic, Op, QInterval; tables as LookupTable of the integer entries) and its to_binary() must give
# back the very same words, so its predict() runs exactly our binary.
PUBLISHED_RUNNER = """
import json, sys, time
import numpy as np
from da4ml.types import CombLogic, Op, QInterval
from da4ml.trace.fixed_variable import LookupTable
path, data_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
w = np.fromfile(path, dtype=np.int32)
n_in, n_out, n_ops, n_tab = (int(v) for v in w[2:6])
p = 6
def take(n):
    global p
    p += n
    return [int(v) for v in w[p - n:p]]
inp_shifts, out_idxs, out_shifts, out_negs = take(n_in), take(n_out), take(n_out), take(n_out)
ops = []
for _ in range(n_ops):
    opc, id0, id1, lo, hi, k, i, f = take(8)
    ops.append(Op(id0, id1, opc, (hi << 32) | (lo & 0xFFFFFFFF), QInterval(-k * 2.0**i, 2.0**i - 2.0**-f, 2.0**-f), 0.0, 0.0))
tables = tuple(LookupTable(np.array(take(s), dtype=np.float64)) for s in take(n_tab))
comb = CombLogic((n_in, n_out), inp_shifts, out_idxs, out_shifts, [bool(v) for v in out_negs], ops, -1, -1,
                 tables or None)
assert np.array_equal(np.asarray(comb.to_binary()), w), "published to_binary() does not reproduce the benchmark binary"
x = np.load(data_path)
out = {}
for n_threads in json.loads(sys.argv[4]):
    comb.predict(x[:1000], n_threads=n_threads)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); y = comb.predict(x, n_threads=n_threads); times.append(time.perf_counter() - t0)
    out[n_threads] = times
np.save(data_path + ".out.npy", y)
print(json.dumps(out))
"""


def run_published(
    words: np.ndarray, x: np.ndarray, n_threads: list[int] = (1,), repeats: int = 1
) -> tuple[dict[int, list[float]], np.ndarray]:
    """Times of predict(x, n_threads) per thread count, and the outputs.  Raises RuntimeError with the published
    package's message if it refuses the program."""
    with tempfile.TemporaryDirectory() as tmp:
        bin_path, data_path = Path(tmp) / "prog.bin", Path(tmp) / "x.npy"
        np.asarray(words, dtype="<i4").tofile(bin_path)
        np.save(data_path, x)
        cmd = [published_python("0.6.0"), "-I", "-c", PUBLISHED_RUNNER, bin_path, data_path, str(repeats)]
        res = subprocess.run([*map(str, cmd), json.dumps(list(n_threads))], capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise RuntimeError(res.stderr.strip().splitlines()[-1] if res.stderr.strip() else "published runner failed")
        times = {int(k): v for k, v in json.loads(res.stdout.strip().splitlines()[-1]).items()}
        return times, np.load(str(data_path) + ".out.npy")
