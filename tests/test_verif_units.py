"""da4ml.verif pieces that need no simulator: manifest, stimulus, packing, golden model, writer, tool discovery."""

from __future__ import annotations

import json
import shutil
import stat
import sys
from pathlib import Path

import numpy as np
import pytest
from da4ml.verif import ManifestError, load_manifest, write_testbench
from da4ml.verif.golden import GoldenModel
from da4ml.verif.stimulus import corner_vectors, make_stimulus

from da4ml.project import Lane, Port
from da4ml.project.packing import pack_ints, unpack_int
from da4ml.toolchain import ToolError, find_verilator

sys.path.insert(0, str(Path(__file__).parent))
import hdl_fixtures

DATA = Path(__file__).parent / "data" / "hdl"


def _copy(tmp_path: Path, design: str = "addsub_pipe") -> Path:
    prj = tmp_path / design
    shutil.copytree(DATA / design, prj, ignore=shutil.ignore_patterns("sim_build"))
    return prj


def _edit_manifest(prj: Path, **changes: object) -> None:
    man = json.loads((prj / "manifest.json").read_text())
    man.update(changes)
    (prj / "manifest.json").write_text(json.dumps(man))


# --- manifest ------------------------------------------------------------------------------------------


def test_manifest_loads() -> None:
    m = load_manifest(DATA / "addsub_pipe")
    assert (m.top, m.latency_cycles, m.clock, m.n_in, m.n_out) == ("addsub_pipe", 2, "clk", 2, 4)
    assert [(la.offset, la.width) for la in m.output_port.lanes] == [(0, 8), (8, 9), (17, 5), (22, 8)]
    assert m.output_port.width == 30


def test_manifest_missing(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="manifest.json: not found; a project directory is written by RTLModel"):
        load_manifest(tmp_path)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"format": 3}, "format=3, this da4ml reads format 2"),
        ({"latency_cycles": 0}, "latency_cycles=0 but clock='clk'"),
        ({"ii": 2}, "ii=2: only II=1 designs are supported"),
        ({"dais": ["nope.dais"]}, "lists nope.dais, which does not exist"),
        (
            {"input_port": {"name": "model_inp", "width": 10}},
            r"inputs\[1\]: bits \[10:6\] do not fit in model_inp\[9:0\]",
        ),
        (
            {"outputs": [{"lane": 0, "offset": 0, "width": 8, "k": 1, "i": 5, "f": 1}]},
            r"outputs\[0\]: width=8 but k\+i\+f=7",
        ),
    ],
)
def test_manifest_errors_name_the_problem(tmp_path: Path, changes: dict, message: str) -> None:
    prj = _copy(tmp_path)
    _edit_manifest(prj, **changes)
    with pytest.raises(ManifestError, match=message):
        load_manifest(prj)


def test_manifest_overlapping_lanes(tmp_path: Path) -> None:
    prj = _copy(tmp_path)
    man = json.loads((prj / "manifest.json").read_text())
    man["outputs"][1]["offset"] = 7
    _edit_manifest(prj, outputs=man["outputs"])
    with pytest.raises(ManifestError, match="lanes overlap at bit 7"):
        load_manifest(prj)


# --- stimulus and packing --------------------------------------------------------------------------------

LANES = (
    Lane(0, 0, 6, 1, 3, 2),
    Lane(1, 6, 0, 0, -2, 2),  # zero width: constant zero, no bits
    Lane(2, 6, 5, 0, 4, 1),
    Lane(3, 11, 1, 1, 0, 0),  # 1-bit signed: {-1, 0}
)
PORT = Port("p", 12, LANES)


def test_corner_vectors() -> None:
    c = corner_vectors(LANES)
    assert c.tolist() == [[-32, 0, 0, -1], [31, 0, 31, 0], [0, 0, 0, 0], [-32, 0, 0, 0], [31, 0, 31, -1]]


def test_stimulus_on_grid_and_seeded() -> None:
    a = make_stimulus(LANES, 5000, np.random.default_rng(3))
    b = make_stimulus(LANES, 5000, np.random.default_rng(3))
    assert np.array_equal(a, b) and a.dtype == np.int64
    lo = np.array([la.min_int for la in LANES])
    hi = np.array([la.max_int for la in LANES])
    assert ((a >= lo) & (a <= hi)).all()
    assert (a.min(axis=0) == lo).all() and (a.max(axis=0) == hi).all()  # corners + 5000 draws reach both ends
    assert not np.array_equal(a, make_stimulus(LANES, 5000, np.random.default_rng(4)))


def test_pack_unpack_roundtrip() -> None:
    v = make_stimulus(LANES, 300, np.random.default_rng(0))
    words = pack_ints(v, PORT)
    assert all(0 <= w < 1 << 12 for w in words)
    assert [unpack_int(w, PORT) for w in words] == v.tolist()
    # lane 0 at the LSBs, two's complement inside its field
    assert pack_ints(np.array([[-1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, -1]]), PORT) == [0x3F, 1 << 6, 1 << 11]


def test_pack_wide_port() -> None:
    lanes = tuple(Lane(j, 10 * j, 10, 1, 9, 0) for j in range(64))
    port = Port("w", 640, lanes)
    v = make_stimulus(lanes, 50, np.random.default_rng(1))
    words = pack_ints(v, port)
    expect = [sum((int(x) & 1023) << (10 * j) for j, x in enumerate(row)) for row in v]
    assert words == expect


# --- golden model against exact integer arithmetic -----------------------------------------------------


def test_golden_addsub_exhaustive() -> None:
    m = load_manifest(DATA / "addsub_pipe")
    x0 = np.arange(-32, 32)
    x1 = np.arange(0, 32)
    grid = np.array([(a, b) for a in x0 for b in x1], dtype=np.int64)
    got = GoldenModel(m).expected_lanes(grid)
    # exact integers in steps of the output types: y0, y1 at 2**-2, y2 at 1, y3 at 2**-2
    a, b = grid[:, 0], grid[:, 1]  # x0 in steps of 2**-2, x1 in steps of 2**-1
    want = np.stack([a + 2 * b, a - 4 * b, b, a + 2 * b + 3], axis=1)
    assert np.array_equal(got, want)


def test_fixture_binaries_up_to_date() -> None:
    for d in ("addsub_pipe", "addsub_comb"):
        assert (DATA / d / "model.dais").read_bytes() == hdl_fixtures.addsub_dais(), (
            "regenerate with: python tests/hdl_fixtures.py --regenerate"
        )


# --- writer ----------------------------------------------------------------------------------------------


def test_write_testbench_deterministic(tmp_path: Path) -> None:
    man = json.loads((DATA / "addsub_pipe" / "manifest.json").read_text())
    write_testbench(tmp_path / "a", man)
    write_testbench(tmp_path / "b", dict(reversed(list(man.items()))))
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert [str(p) for p in files] == ["Makefile", "tb/test_addsub_pipe.py"]
    for p in files:
        assert (tmp_path / "a" / p).read_bytes() == (tmp_path / "b" / p).read_bytes()
    mk = (tmp_path / "a" / "Makefile").read_text()
    for target in ("sim:", "lint:", "waves:", "clean:", "help:"):
        assert f"\n{target}" in mk
    for var in ("SIM", "SEED", "N_SAMPLES", "WAVES"):
        assert f"\n{var} " in mk
    assert str(tmp_path) not in mk  # no absolute paths: the project directory can move


def test_committed_fixture_testbenches_up_to_date(tmp_path: Path) -> None:
    for d in ("addsub_pipe", "addsub_comb"):
        man = json.loads((DATA / d / "manifest.json").read_text())
        write_testbench(tmp_path / d, man)
        for rel in ("Makefile", f"tb/test_{d}.py"):
            assert (tmp_path / d / rel).read_bytes() == (DATA / d / rel).read_bytes(), f"{d}/{rel} is stale"


def test_write_testbench_rejects_bad_top(tmp_path: Path) -> None:
    man = json.loads((DATA / "addsub_pipe" / "manifest.json").read_text())
    with pytest.raises(ValueError, match="is not a Verilog module name"):
        write_testbench(tmp_path, {**man, "top": "1bad name"})


# --- tools -----------------------------------------------------------------------------------------------


def _fake_exe(path: Path, text: str) -> Path:
    path.write_text(f"#!/bin/sh\necho '{text}'\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_old_verilator_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VERILATOR_ROOT", raising=False)
    exe = _fake_exe(tmp_path / "verilator", "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)")
    monkeypatch.setenv("VERILATOR", str(exe))
    with pytest.raises(ToolError, match=r"Verilator 5\.006, cocotb 2\.x needs >= 5\.036; .*verilator==5\.48\.0"):
        find_verilator()


def test_verilator_root_without_verilator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERILATOR_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError, match=r"no Verilator found \(VERILATOR_ROOT="):
        find_verilator()


def test_new_verilator_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VERILATOR_ROOT", raising=False)
    exe = _fake_exe(tmp_path / "verilator", "Verilator 5.040 2025-08-30 rev v5.040")
    monkeypatch.setenv("VERILATOR", str(exe))
    env = find_verilator()
    assert env.path_prepend == (str(tmp_path),) and "5.040" in env.description


def test_cli_reports_missing_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from da4ml.verif.cli import main

    assert main(["run", str(tmp_path), "--sim", "icarus"]) == 2
    assert "manifest.json: not found" in capsys.readouterr().err
    xml = tmp_path / "sim_build" / "icarus" / "results.xml"  # JUnit results.xml always
    assert xml.is_file() and "manifest.json: not found" in xml.read_text()


def test_fixture_manifests_match_the_program_types() -> None:
    """The hand-written fixtures follow rtl_contract.md: lane types are CombLogic.inp_kifs / out_kifs."""
    from da4ml.ir import CombLogic

    for d in ("addsub_pipe", "addsub_comb"):
        m = load_manifest(DATA / d)
        comb = CombLogic.load_binary(m.dais_paths[0])
        for lanes, kifs in ((m.input_port.lanes, comb.inp_kifs), (m.output_port.lanes, comb.out_kifs)):
            assert [(la.k, la.i, la.f) for la in lanes] == list(zip(*(a.tolist() for a in kifs)))


def test_real_to_lanes_refuses_off_grid_and_out_of_range() -> None:
    from da4ml.project.values import real_to_lanes

    lanes = (Lane(0, 0, 6, 1, 3, 2), Lane(1, 6, 5, 0, 4, 1))
    assert real_to_lanes(np.array([[-8.0, 15.5], [7.75, 0.0]]), lanes, "t").tolist() == [[-32, 31], [31, 0]]
    with pytest.raises(ValueError, match=r"t: sample 1 lane 0 = 0\.125 is not a multiple of 2\*\*-2"):
        real_to_lanes(np.array([[0.0, 0.0], [0.125, 0.0]]), lanes, "t")
    with pytest.raises(ValueError, match=r"sample 0 lane 1 = 16\.0 \(integer 32\) lies outside \[0, 31\]"):
        real_to_lanes(np.array([[0.0, 16.0]]), lanes, "t")
    with pytest.raises(ValueError, match="is not a multiple"):
        real_to_lanes(np.array([[np.nan, 0.0]]), lanes, "t")


def test_lane_mask_and_gap_bits() -> None:
    from da4ml.verif.testbench import _lane_bits_only, _xz_only_outside_lanes

    port = Port("p", 8, (Lane(0, 0, 3, 0, 3, 0), Lane(1, 5, 2, 0, 2, 0)))  # bits 3, 4 and 7 are in no lane
    assert port.mask == 0b0110_0111
    assert _lane_bits_only("x10zz101", port.mask) == "01000101"
    assert _xz_only_outside_lanes("x10zz101", 0b0100_0101, port.mask)
    assert not _xz_only_outside_lanes("x10zz101", 0b0100_0100, port.mask)  # lane bits differ
    assert not _xz_only_outside_lanes("0x0zz101", 0b0000_0101, port.mask)  # X inside lane 1
