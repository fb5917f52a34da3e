"""Runs the published da4ml 0.6.0 as a black box (its public ``da4ml.cmvm.solve``) on the kernels of a
benchmark job.  Executed by bench/cmvm.py with the interpreter of bench/.venvs/da4ml-0.6.0; it uses only
the public API and the public attributes of the returned solution (ops, opcode, qint, latency).

Usage: python cmvm_reference_worker.py JOB.npz RESULT.json
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np


def _width(qint) -> int:
    lo, hi, step = (float(v) for v in qint)
    a, b = round(lo / step), round(hi / step)
    if a == 0 and b == 0:
        return 0
    return 1 + max(-a - 1, b).bit_length() if a < 0 else b.bit_length()


def _stages(sol):
    return list(sol.solutions) if hasattr(sol, "solutions") else [sol]


def main() -> None:
    from da4ml.cmvm import solve  # the published package of this interpreter's environment

    job = np.load(sys.argv[1])
    kernels, hard_dcs, method0 = job["kernels"], job["hard_dcs"], str(job["method0"])
    solve(kernels[0].astype(np.float32), hard_dc=-1, method0=method0)  # warm-up outside the timings
    out = []
    for w, hdc in zip(kernels, hard_dcs):
        t0, c0 = time.perf_counter(), time.process_time()
        sol = solve(w.astype(np.float32), hard_dc=int(hdc), method0=method0)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        adders = bits = 0
        for st in _stages(sol):
            for op in st.ops:
                if int(op.opcode) in (0, 1):
                    adders += 1
                    bits += _width(op.qint)
        out.append({"adders": adders, "bits": bits, "depth": float(sol.latency[1]), "time": dt, "cpu": dc})
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
