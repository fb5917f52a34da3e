"""RTL built by Verilator equals the exact DAIS semantics, combinational and pipelined; lint is clean."""

from __future__ import annotations

import numpy as np
import pytest
from codegen_programs import ALL_PROGRAMS, expected, pipeline_mismatched_lanes, random_inputs, random_program
from codegen_support import lint, needs_linter, needs_verilator

from da4ml.codegen import RTLModel

N_SAMPLES = 3000


def _check(comb, tmp_path, name, seed, **kw):
    model = RTLModel(comb, name, tmp_path / name, print_latency=False, **kw)
    model.write()
    lint(tmp_path / name, model.manifest)
    model.compile()
    x = random_inputs(comb, N_SAMPLES, seed)
    want = expected(comb, x)
    got = model.predict(x)
    interp = comb.predict(x)  # the C++ interpreter: a second, independent scoreboard
    assert np.array_equal(interp, want), f"{name}: reference evaluator and interpreter disagree"
    assert got.dtype == np.float64 and got.shape == want.shape
    bad = np.argwhere(got != want)
    if len(bad):
        s, j = bad[0]
        pytest.fail(
            f"{name}: {len(bad)} mismatches; first: sample {s} output {j}: RTL {got[s, j]!r} != exact "
            f"{want[s, j]!r}; input {x[s].tolist()}; project {tmp_path / name}"
        )
    return model


@pytest.mark.simulator
@needs_verilator
@needs_linter
@pytest.mark.parametrize("prog", sorted(ALL_PROGRAMS))
def test_combinational_matches_exact(prog, tmp_path):
    comb = ALL_PROGRAMS[prog]()
    model = _check(comb, tmp_path, f"comb_{prog}", seed=1)
    assert model.manifest.latency_cycles == 0 and model.manifest.clock is None


@pytest.mark.simulator
@needs_verilator
@needs_linter
@pytest.mark.parametrize(
    "prog,cutoff,layers",
    [
        ("mlp", 1, 1),
        ("mlp", 2, 0),
        ("mlp", 3, 2),
        ("const_mux_mul", 1, 1),
        ("bits", 0.5, 1),
        ("lookup", 1, 1),
        ("edges", 0.5, 1),
        ("constant_only", 1, 1),
    ],
)
def test_pipelined_matches_exact(prog, cutoff, layers, tmp_path):
    comb = ALL_PROGRAMS[prog]()
    model = _check(
        comb,
        tmp_path,
        f"pipe_{prog}_{str(cutoff).replace('.', 'p')}_{layers}",
        seed=2,
        latency_cutoff=cutoff,
        register_layers=layers,
    )
    n_stages = len(model.stages)
    assert model.manifest.latency_cycles == n_stages - 1 + 2 * layers
    assert model.manifest.clock == "clk"


@pytest.mark.simulator
@needs_verilator
@needs_linter
@pytest.mark.parametrize("seed,cutoff,layers", [(0, -1, 1), (1, -1, 1), (2, 1, 1), (3, 2, 0)])
def test_random_programs_match_interpreter(seed, cutoff, layers, tmp_path):
    """Random programs over every opcode, inputs mixing on-grid, out-of-range, off-grid and extreme doubles."""
    import dais_words as dw
    from dais_random import random_inputs as words_inputs

    comb, prog = random_program(seed)
    name = f"rnd{seed}"
    model = RTLModel(comb, name, tmp_path / name, latency_cutoff=cutoff, register_layers=layers, print_latency=False)
    model.write()
    lint(tmp_path / name, model.manifest)
    model.compile()
    x = words_inputs(prog, np.random.default_rng(seed), N_SAMPLES)
    want = dw.evaluate_batch(prog, x)
    assert np.array_equal(comb.predict(x), want)
    got = model.predict(x)
    bad = np.argwhere(got != want)
    assert not len(bad), (
        f"{len(bad)} mismatches; first {bad[0].tolist()}: RTL {got[tuple(bad[0])]} != {want[tuple(bad[0])]}; x={x[bad[0][0]].tolist()}"
    )


@pytest.mark.simulator
@needs_verilator
@needs_linter
def test_given_pipeline_with_mismatched_boundary_types(tmp_path):
    pipe = pipeline_mismatched_lanes()
    model = RTLModel(pipe, "given", tmp_path / "given", register_layers=0, print_latency=False)
    prj = model.write()
    lint(prj, model.manifest)
    assert model.manifest.latency_cycles == 1
    model.compile()
    x = random_inputs(pipe.solutions[0], N_SAMPLES, seed=5)
    assert np.array_equal(model.predict(x), pipe.predict(x))


@pytest.mark.simulator
@needs_verilator
def test_published_compile_and_predict_keywords(tmp_path):
    """compile(nproc=...), predict(data, n_threads=...) as code written for the published API calls them; repr
    says when the model is compiled; the batch split over parallel runs gives the same outputs."""
    comb = ALL_PROGRAMS["mlp"]()
    model = RTLModel(comb, "kw", tmp_path / "kw", latency_cutoff=2, print_latency=False)
    assert "not compiled" in repr(model)
    model.compile(nproc=2)
    assert model.compiled and "compiled (" in repr(model)
    x = random_inputs(comb, 2500, seed=3)
    want = expected(comb, x)
    assert np.array_equal(model.predict(x, n_threads=3), want)
    assert np.array_equal(model.predict(x, n_threads=0), want)
    assert np.array_equal(model.predict(x[0], n_threads=1), want[0])
