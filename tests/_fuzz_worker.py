"""Subprocess body of tests/test_fuzz_binary.py: mutate DAIS binaries, parse and run each.

usage: python _fuzz_worker.py SEED COUNT BASE.bin [BASE.bin ...]
Prints one JSON line of counts; exits 3 (with the mutation) if anything but DAISError/ValueError is raised.
A crash (signal) shows as a negative return code in the parent.  With DAIS_FUZZ_DUMP=DIR every mutation is also
written to DIR (a corpus for native/tools/dais_fuzz.cpp under sanitizers).
"""

from __future__ import annotations

import json
import os
import sys
import traceback

import numpy as np

from da4ml._core import dais

EXTREMES = [0, 1, -1, 2, 7, 8, 31, 32, 61, 62, 63, 64, -62, -63, -64, 255, 2**31 - 1, -(2**31), 2**30, -(2**30)]
HEADER = 6


def mutate(words: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    w = words.astype(np.int64)
    for _ in range(int(rng.integers(1, 4))):
        kind = int(rng.integers(0, 7))
        n = len(w)
        if kind == 0 and n:  # bit flip
            j = int(rng.integers(0, n))
            w[j] ^= np.int64(1) << int(rng.integers(0, 32))
        elif kind == 1 and n:  # a word replaced by an extreme value
            w[int(rng.integers(0, n))] = rng.choice(EXTREMES)
        elif kind == 2 and n:  # truncation
            w = w[: int(rng.integers(0, n))]
        elif kind == 3:  # extension
            w = np.concatenate([w, rng.choice(EXTREMES, int(rng.integers(1, 12)))])
        elif kind == 4 and n > HEADER:  # count words
            w[int(rng.integers(0, HEADER))] = rng.choice(EXTREMES + [int(rng.integers(-50, 50))])
        elif kind == 5 and n > HEADER:  # an op field: small perturbation, aimed at the deep checks
            j = int(rng.integers(HEADER, n))
            w[j] += int(rng.integers(-3, 4))
        elif kind == 6 and n > HEADER:  # a random word
            w[int(rng.integers(0, n))] = int(rng.integers(-(2**31), 2**31))
    w = ((w + 2**31) % 2**32) - 2**31  # back into int32 (bit flips of bit 31)
    return w.astype(np.int32)


def main() -> None:
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    bases = [np.fromfile(p, dtype="<i4") for p in sys.argv[3:]]
    rng = np.random.default_rng(seed)
    stats = {"rejected": 0, "ran": 0, "run_error": 0}
    for m in range(count):
        words = mutate(bases[m % len(bases)], rng)
        if os.environ.get("DAIS_FUZZ_DUMP"):  # corpus for the native harness (native/tools/dais_fuzz.cpp)
            words.tofile(os.path.join(os.environ["DAIS_FUZZ_DUMP"], f"m{seed}_{m}.bin"))
        try:
            interp = dais.Interpreter(words)
        except dais.DAISError:
            stats["rejected"] += 1
            continue
        except Exception:  # noqa: BLE001 - report anything else with the mutation that caused it
            print(f"mutation {m} (seed {seed}): not a DAISError\n{traceback.format_exc()}{words.tolist()}")
            sys.exit(3)
        x = rng.normal(0, 2.0 ** rng.integers(0, 40), (int(rng.integers(0, 300)), interp.n_in))
        try:
            interp.predict(x, n_threads=int(rng.integers(1, 3)))
            stats["ran"] += 1
        except ValueError:  # DAISError (a value outside its declared type) or bad input
            stats["run_error"] += 1
        except Exception:  # noqa: BLE001
            print(f"mutation {m} (seed {seed}): predict raised\n{traceback.format_exc()}{words.tolist()}")
            sys.exit(3)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
