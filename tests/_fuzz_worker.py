"""Subprocess body of tests/test_fuzz_binary.py: mutate DAIS binaries, parse and run each.

usage: python _fuzz_worker.py SEED COUNT BASE.bin [BASE.bin ...]
       python _fuzz_worker.py --fields BASE.bin [BASE.bin ...]
Prints one JSON line of counts; exits 3 (with the mutation) if anything but DAISError/ValueError is raised.
``--fields`` sets every word of every base (each header count, shift, output index and sign, each op record
field, each table size and entry) to each of EXTREMES in turn and drives the whole Python surface on it
(``CombLogic.from_binary``, its types, JSON round trip, ``predict``): a refusal must be a ValueError naming the
op or the header field, and an accepted program must give finite outputs.
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


def surface(words: np.ndarray) -> str:
    """Everything a user does with a binary; ``'rejected'`` (a ValueError) or ``'ran'``."""
    from da4ml.ir import CombLogic

    try:
        comb = CombLogic.from_binary(words)
    except ValueError as err:
        msg = str(err)
        if not (msg.startswith(("op ", "header", "binary", "output ", "table ", "input "))):
            raise AssertionError(f"refusal names neither an op nor a header field: {msg}") from None
        return "rejected"
    _ = (comb.inp_qint, comb.out_qint, comb.inp_kifs, comb.out_kifs, comb.latency, comb.cost, repr(comb))
    again = CombLogic.from_json_dict(comb.to_json_dict())
    assert again == comb and CombLogic.from_binary(comb.to_binary()) == comb, "round trip changed the program"
    k, i, _ = comb.inp_kifs
    x = np.where(k == 1, -1.0, 1.0) * np.exp2(np.minimum(i, 60).astype(np.float64) - 1)  # large, in range
    try:
        y = comb.predict(np.stack([x, np.zeros_like(x)]))
    except ValueError as err:  # a value outside its declared type (dais.md: the reader checks at run time)
        assert str(err).startswith("op "), f"run-time refusal names no op: {err}"
        return "run_error"
    assert np.all(np.isfinite(y)), f"non-finite output {y}"
    return "ran"


def fields(paths: list[str]) -> None:
    stats = {"rejected": 0, "ran": 0, "run_error": 0}
    for p in paths:
        base = np.fromfile(p, dtype="<i4")
        for j in range(len(base)):
            for v in EXTREMES:
                words = base.copy()
                words[j] = v
                try:
                    stats[surface(words)] += 1
                except Exception:  # noqa: BLE001
                    print(f"{p}: word {j} = {v}: {traceback.format_exc()}{words.tolist()}")
                    sys.exit(3)
    print(json.dumps(stats))


def main() -> None:
    if sys.argv[1] == "--fields":
        return fields(sys.argv[2:])
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
