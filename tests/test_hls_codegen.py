"""HLS C++ compiled with g++ (the C-simulation bridge) equals the exact DAIS semantics: every opcode family,
random programs, every quantize mode the tracer lowers, pipelines; the C++ is warning-free C++11."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from codegen_programs import ALL_PROGRAMS, expected, pipeline_mismatched_lanes, random_inputs, random_program
from hls_support import STRICT, FunctionBridges, assert_same, compiled, needs_cxx
from trace_util import fr, grid, ref_quantize

from da4ml.codegen.hls.bridge import CXXFLAGS, build_bridge
from da4ml.ir import Pipeline
from da4ml.project import Manifest
from da4ml.trace import FixedVariableArray, comb_trace, ops

N_SAMPLES = 3000
RANDOM_SEEDS = (0, 1)
pytestmark = needs_cxx


@pytest.fixture(scope="module")
def functions(tmp_path_factory):
    """Every hand-built program and two random ones as function bridges: one library, compiled once."""
    programs = {f"p_{name}": build() for name, build in ALL_PROGRAMS.items()}
    programs.update({f"rnd{seed}": random_program(seed)[0] for seed in RANDOM_SEEDS})
    return FunctionBridges(programs, tmp_path_factory.mktemp("hls_functions"))


@pytest.mark.parametrize("prog", sorted(ALL_PROGRAMS))
def test_programs_match_exact(prog, functions):
    """Every opcode family through hls_logic_and_bridge_gen (what hls4ml inlines), compiled warning-free with
    -Wall -Wextra -Werror -pedantic as C++11."""
    comb = functions.programs[f"p_{prog}"]
    x = random_inputs(comb, N_SAMPLES, seed=1)
    want = expected(comb, x)
    assert np.array_equal(comb.predict(x), want), "reference evaluator and interpreter disagree"
    assert_same(functions.run(f"p_{prog}", x), want, x, prog)


def _random_case(seed: int):
    import dais_words as dw
    from dais_random import random_inputs as words_inputs

    comb, prog = random_program(seed)
    x = words_inputs(prog, np.random.default_rng(seed), N_SAMPLES)
    want = dw.evaluate_batch(prog, x)
    assert np.array_equal(comb.predict(x), want)
    return comb, x, want


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_programs_match_interpreter(seed, functions):
    """Random programs over every opcode; inputs mixing on-grid, out-of-range, off-grid and extreme doubles."""
    _, x, want = _random_case(seed)
    assert_same(functions.run(f"rnd{seed}", x), want, x, f"random program {seed}")


@pytest.mark.parametrize("seed,cutoff", [(2, 2), (3, 1)])
def test_random_programs_in_stages(seed, cutoff, tmp_path):
    """HLSModel projects of random programs split into stages (chained functions in the top)."""
    comb, x, want = _random_case(seed)
    model = compiled(comb, tmp_path, f"rnd{seed}", latency_cutoff=cutoff)
    assert len(model.stages) > 1
    assert_same(model.predict(x), want, x, f"random program {seed} (cutoff {cutoff})")
    assert_same(model.predict(x, n_threads=1), want, x, "one thread")


def test_quantize_every_mode_the_tracer_lowers(tmp_path):
    """Every (overflow, round) pair of ops.quantize and every round mode of ops.relu, on signed and unsigned
    inputs, in one program: HLS == interpreter == an independent exact reference."""
    rng = np.random.default_rng(7)
    modes = list(itertools.product(["WRAP", "SAT", "SAT_SYM"], ["TRN", "RND", "RND_CONV"]))
    n = 6
    outs, refs, kins = [], [], []
    x = FixedVariableArray.from_kif(np.repeat([1, 0], n), 4, 4)
    for k_in in (1, 0):
        xs = x[(1 - k_in) * n : (2 - k_in) * n]
        for overflow, rnd in modes:
            tk, ti, tf = rng.integers(0, 2, n), rng.integers(-2, 6, n), rng.integers(-2, 6, n)
            outs.append(ops.quantize(xs, tk, ti, tf, overflow, rnd))
            refs.append(("q", k_in, tk, ti, tf, overflow, rnd))
        for rnd in ("TRN", "RND", "RND_CONV"):
            outs.append(ops.relu(xs, 2, 1, rnd))
            refs.append(("r", k_in, None, None, None, None, rnd))
        kins.append(k_in)
    comb = comb_trace(x, np.concatenate(outs))
    X = np.concatenate([grid(rng, 1, 4, 4, (N_SAMPLES, n)), grid(rng, 0, 4, 4, (N_SAMPLES, n))], axis=1)
    want_cols = []
    for kind, k_in, tk, ti, tf, overflow, rnd in refs:
        cols = X[:, (1 - k_in) * n : (2 - k_in) * n]
        if kind == "q":
            ref = [[ref_quantize(fr(v), int(a), int(b), int(c), overflow, rnd) for v, a, b, c in zip(r, tk, ti, tf)]
                   for r in cols]  # fmt: skip
        else:
            ref = [[ref_quantize(max(fr(v), Fraction(0)), 0, 2, 1, "WRAP", rnd) for v in r] for r in cols]
        want_cols.append(np.array([[float(v) for v in r] for r in ref]))
    want = np.concatenate(want_cols, axis=1)
    assert np.array_equal(comb.predict(X), want), "interpreter and exact reference disagree"
    model = compiled(comb, tmp_path, "qmodes")
    assert_same(model.predict(X), want, X, "quantize modes")


def test_given_pipeline_with_mismatched_boundary_types(tmp_path):
    pipe = pipeline_mismatched_lanes()
    model = compiled(pipe, tmp_path, "given")
    assert len(model.stages) == 2 and "given_mid0_t" in (tmp_path / "given" / "src" / "given.hh").read_text()
    x = random_inputs(pipe.solutions[0], N_SAMPLES, seed=5)
    assert_same(model.predict(x), pipe.predict(x), x, "given pipeline")


def test_traced_mlp_pipeline(tmp_path):
    """A traced network (CMVM-optimized layers, relu, a tanh lookup table, saturating rounding) in stages."""
    rng = np.random.default_rng(3)
    x = FixedVariableArray.from_kif(np.ones(8, int), np.full(8, 3), np.full(8, 3))
    h = ops.relu(x @ (rng.integers(-32, 32, (8, 8)) / 16), 4, 2)
    t = h.apply(lambda v: np.floor(np.tanh(v) * 16) / 16)  # a lookup table with 4 fractional bits
    y = ops.quantize(t @ (rng.integers(-16, 16, (8, 4)) / 8), 1, 3, 2, "SAT", "RND")
    comb = comb_trace(x, y)
    assert comb.lookup_tables, "the tanh should be a lookup table"
    model = compiled(comb, tmp_path, "mlp", latency_cutoff=2)
    assert len(model.stages) > 1
    X = grid(rng, 1, 3, 3, (N_SAMPLES, 8))
    assert_same(model.predict(X), comb.predict(X), X, "traced mlp, staged")
    assert_same(model.predict(X), Pipeline(model.stages).predict(X), X, "traced mlp vs its stages")


def test_project_cpp_is_warning_free_cpp11(tmp_path):
    """The project's top, stage functions and bridge under the strict flags (the function bridges are compiled
    with them in the ``functions`` fixture)."""
    model = compiled(ALL_PROGRAMS["mlp"](), tmp_path, "w_mlp", latency_cutoff=1)
    assert len(model.stages) > 1
    prj = model.path.resolve()
    lib = build_bridge(prj, Manifest.load(prj), prj / "src" / "w_mlp_bridge.cc", STRICT)
    assert lib.is_file() and "-std=c++11" in CXXFLAGS


def test_project_files_are_deterministic_and_complete(tmp_path):
    from da4ml.codegen import HLSModel

    comb = ALL_PROGRAMS["mlp"]()
    a = HLSModel(comb, "det", tmp_path / "a", print_latency=False)
    b = HLSModel(comb, "det", tmp_path / "b", print_latency=False)
    fa, ma = a.render()
    fb, _ = b.render()
    assert fa == fb
    assert set(fa) == {"src/det.hh", "src/det.cc", "src/det_bridge.cc", "src/build_vitis_hls.tcl", "model.dais",
                       "manifest.json"}  # fmt: skip
    prj = a.write()
    m = Manifest.load(prj)
    assert m == ma and m.sources == ("src/det.cc", "src/det.hh") and m.language == "hls"
    for rel in ("src/det.hh", "src/det.cc", "src/det_bridge.cc"):
        assert fa[rel].decode().startswith("// Generated by da4ml"), rel
    tcl = fa["src/build_vitis_hls.tcl"].decode()
    assert "set_top $top" in tcl and "set top det" in tcl and "add_files [file join $src_dir det.cc]" in tcl
    assert "create_clock -period 5.0" in tcl and "set_part {xcvu13p-flga2577-2-e}" in tcl
    assert type(comb).load_binary(prj / "model.dais") == comb.__class__.from_binary(comb.to_binary())
