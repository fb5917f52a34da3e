"""The trial workers (a persistent helper pool): concurrent callers and forked children get exactly the
programs of a single-threaded solve."""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading

import numpy as np
import pytest

from da4ml.cmvm import solve


def _kernels() -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    # 8x8 4-bit: above the size at which the trials use the helper threads
    return [np.round(rng.uniform(size=(8, 8)) * 16 - 8) for _ in range(4)]


def test_concurrent_callers_get_the_serial_programs():
    ks = _kernels()
    ref = [solve(w, hard_dc=0, n_threads=1) for w in ks]
    got: dict[int, list] = {}

    def run(t: int) -> None:  # several Python threads solve at once (the pool is busy for all but one)
        got[t] = [solve(w, hard_dc=0) for w in ks for _ in range(3)]

    threads = [threading.Thread(target=run, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    expected = [r for r in ref for _ in range(3)]
    assert sorted(got) == [0, 1, 2, 3]
    for t, programs in got.items():
        assert programs == expected, f"caller {t} got other programs than the single-threaded solve"


def _child(w: np.ndarray, q) -> None:
    q.put(solve(w, hard_dc=0).solutions)


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_forked_child_solves_after_the_parent_used_the_pool():
    w = _kernels()[0]
    ref = solve(w, hard_dc=0)  # the parent's helpers exist now; the child has none of them
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(w, q))
    p.start()
    try:
        got = q.get(timeout=60)
    finally:
        p.join(timeout=60)
    assert p.exitcode == 0
    assert got == ref.solutions
