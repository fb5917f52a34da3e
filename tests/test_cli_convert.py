"""`da4ml convert MODEL OUTDIR`: every bad argument refused up front (status 2, the value and the fix named),
and a tiny saved HGQ2 model converted to a project that a simulator signs off and whose program equals
``model.predict`` bit for bit."""

from __future__ import annotations

import json
import os
import re
import warnings

import numpy as np
import pytest

from da4ml.cli import main

T = r"\d+\.\d\d s"  # a phase's time in the summary

pytestmark = [
    # Keras' own Variable.__array__ (numpy 2) and its numpy backend's custom_gradient pass-through (not our code)
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:`custom_gradient` for the numpy backend:UserWarning"),
]


def _fake_model(tmp_path, name="m.keras"):
    p = tmp_path / name
    p.write_bytes(b"not checked before the options are")
    return p


@pytest.mark.parametrize(
    "extra,match",
    [
        (["--latency-cutoff", "0"], r"--latency-cutoff 0: give the adder levels per pipeline stage .* or -1"),
        (["--latency-cutoff", "nan"], r"--latency-cutoff nan"),
        (["--clock-period", "-2"], r"--clock-period -2: must be a positive number of ns"),
        (["--clock-period", "inf"], r"--clock-period inf"),
        (["--flavor", "vhdl"], r"--flavor 'vhdl': convert writes verilog"),
        (["--part", "xc vu13p"], r"--part 'xc vu13p': not an FPGA part name"),
        (["--part", "a;rm -rf"], r"not an FPGA part name"),
        (["--sim", "modelsim"], r"--sim 'modelsim': not one of icarus, verilator, all, none"),
        (["--sim", "none,icarus"], r"--sim none together with --sim icarus"),
        (["--n-samples", "10"], r"--n-samples 10: only used when simulating; add --sim"),
        (["--seed", "3"], r"--seed 3: only used when simulating"),
        (["--sim", "none", "--n-samples", "5"], r"--n-samples 5: only used when simulating"),
        (["--name", "1abc"], r"--name: prj_name '1abc' is not a valid HDL name"),
        (["--name", "module"], r"--name: prj_name 'module' is a SystemVerilog-2017 keyword"),
    ],
)
def test_bad_option(tmp_path, capsys, extra, match):
    rc = main(["convert", str(_fake_model(tmp_path)), str(tmp_path / "prj"), *extra])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("da4ml convert: error: ")
    assert re.search(match, err), err
    assert not (tmp_path / "prj").exists()


@pytest.mark.simulator
def test_bad_n_samples_with_sim(tmp_path, capsys, one_hdl_sim):
    rc = main(["convert", str(_fake_model(tmp_path)), str(tmp_path / "p"), "--sim", one_hdl_sim, "--n-samples", "0"])
    assert rc == 2 and "--n-samples 0: must be >= 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    "model,match",
    [
        ("missing.keras", r"MODEL .*missing.keras: no such file"),
        ("weights.h5", r"a \.h5 file is not a saved Keras 3 model"),
        ("noext", r"a suffix-less file is not a saved Keras 3 model"),
        ("adir.keras", r"is a directory"),
    ],
)
def test_bad_model_path(tmp_path, capsys, model, match):
    (tmp_path / "weights.h5").write_bytes(b"x")
    (tmp_path / "noext").write_bytes(b"x")
    (tmp_path / "adir.keras").mkdir()
    assert main(["convert", str(tmp_path / model), str(tmp_path / "prj")]) == 2
    assert re.search(match, capsys.readouterr().err)


def test_outdir_not_a_project_is_kept(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("precious")
    assert main(["convert", str(_fake_model(tmp_path)), str(out)]) == 2
    assert "not a da4ml project (no manifest.json)" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "precious"
    (tmp_path / "afile").write_text("x")
    assert main(["convert", str(_fake_model(tmp_path)), str(tmp_path / "afile")]) == 2
    assert "exists and is not a directory" in capsys.readouterr().err


def test_unloadable_model(tmp_path, capsys):
    pytest.importorskip("keras")
    assert main(["convert", str(_fake_model(tmp_path)), str(tmp_path / "prj"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "MODEL" in err and "Keras cannot load it" in err
    assert not (tmp_path / "prj").exists()


# ---- a tiny HGQ2 model, end to end ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """(path, model): 6 -> 4 (relu) -> 3 HGQ2 MLP, seeded weights (no training), saved as .keras."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    pytest.importorskip("hgq")
    from hgq.layers import QDense

    keras.utils.set_random_seed(1)
    inp = keras.Input((2, 3))
    x = keras.layers.Flatten()(inp)
    x = QDense(4, activation="relu")(x)
    model = keras.Model(inp, QDense(3)(x), name="tiny")
    path = tmp_path_factory.mktemp("tiny") / "tiny-model.keras"
    with warnings.catch_warnings():  # Keras' JAX backend saving HGQ2 0.2.0's variables (not our code)
        warnings.filterwarnings("ignore", r"__array__ implementation doesn't accept a copy keyword", DeprecationWarning)
        model.save(path)
    return path, model


@pytest.mark.simulator
def test_convert_and_sign_off(tiny_model, tmp_path, capsys, one_hdl_sim):
    path, model = tiny_model
    out = tmp_path / "prj"
    rc = main(["convert", str(path), str(out), "--latency-cutoff", "2", "--sim", one_hdl_sim, "--n-samples", "300"])
    cap = capsys.readouterr()
    assert rc == 0, cap.out + cap.err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["top"] == "tiny_model"  # from the file name
    # every phase timed, in order (progress on stderr leaves a line only for phases of 2 s or more)
    assert re.search(
        rf"time       : loading {T}, tracing {T}, optimizing {T}, writing {T}, simulating on {one_hdl_sim} {T}\n",
        cap.out,
    ), cap.out
    if os.environ.get("DA4ML_PROGRESS", "") not in ("0", "off", "no", "false"):
        assert f"simulating on {one_hdl_sim} (300 samples, seed 2026): done in" in cap.err, cap.err
    # the summary
    assert f"{one_hdl_sim:<10} : PASS, 300 of 300 samples checked" in cap.out, cap.out
    assert f"files      : {out.resolve()}" in cap.out
    cycles = manifest["latency_cycles"]
    assert cycles > 0 and f"{cycles} cycles, II=1" in cap.out
    # the written program is the model: bit-exact against model.predict on batch-shaped inputs
    from da4ml.ir import CombLogic, Pipeline

    assert len(manifest["dais"]) > 1  # one binary per stage
    comb = Pipeline([CombLogic.load_binary(out / p) for p in manifest["dais"]])
    # any float input: the input lanes hold one more fraction bit and the model's input rounding is in hardware
    x = np.random.default_rng(2).normal(0, 2, (400, 2, 3)).astype(np.float32)
    want = np.asarray(model.predict(x, verbose=0, batch_size=400), dtype=np.float64)
    assert np.array_equal(comb.predict(x), want)


def test_convert_again_replaces_project_without_sim(tiny_model, tmp_path, capsys):
    path, _ = tiny_model
    out = tmp_path / "prj"
    assert main(["convert", str(path), str(out), "--name", "tiny", "-q", "--latency-cutoff", "-1"]) == 0
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    cap = capsys.readouterr()
    assert cap.err == ""  # -q: no progress
    assert "combinational (0 cycles)" in cap.out and ": PASS" not in cap.out
    from da4ml.ir import CombLogic

    comb = CombLogic.load_binary(out / "model.dais")
    assert f"program    : {len(comb.ops)} DAIS ops, cost " in cap.out, cap.out  # (a binary carries no costs)
    assert main(["convert", str(path), str(out), "--name", "tiny", "-q", "--latency-cutoff", "-1"]) == 0
    second = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert first == second  # deterministic: byte-identical projects


def test_unsupported_layer_is_named(tmp_path, capsys):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    pytest.importorskip("hgq")
    from hgq.layers import QDense

    inp = keras.Input((4, 2))
    x = keras.layers.Flatten()(keras.layers.UpSampling1D(2, name="up")(inp))
    model = keras.Model(inp, QDense(2)(x))
    path = tmp_path / "up.keras"
    with warnings.catch_warnings():  # see tiny_model
        warnings.filterwarnings("ignore", r"__array__ implementation doesn't accept a copy keyword", DeprecationWarning)
        model.save(path)
    assert main(["convert", str(path), str(tmp_path / "prj"), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"da4ml convert: error: tracing {path} failed: NotImplementedError: "), err
    assert "'up' (keras.src.layers.reshaping.up_sampling1d.UpSampling1D)" in err, err
    assert not (tmp_path / "prj").exists()
