"""The testbench must FAIL on wrong RTL, and its report must name the first bad cycle.

Each test copies a fixture project into tmp_path and edits one thing (like sed on the Verilog text, or
manifest.json), then checks the failure against independently computed expectations. A mutation counts as
caught only when the design built and simulated and the testbench reported the first bad cycle
(hdl_plugin.assert_caught): a build failure is not a caught mutation.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from da4ml.verif import run
from hdl_plugin import assert_caught

DATA = Path(__file__).parent / "data" / "hdl"
pytestmark = pytest.mark.simulator
SEED = 7


def mutant(tmp_path: Path, design: str, old: str, new: str) -> Path:
    prj = tmp_path / design
    shutil.copytree(DATA / design, prj, ignore=shutil.ignore_patterns("sim_build"))
    src = prj / "src" / f"{design}.v"
    text = src.read_text()
    assert text.count(old) == 1, f"mutation pattern {old!r} must occur exactly once in {src}"
    src.write_text(text.replace(old, new))
    return prj


@pytest.mark.parametrize("design, latency", [("addsub_pipe", 2), ("addsub_comb", 0)])
def test_sub_turned_into_add_fails(design: str, latency: int, hdl_sim: str, tmp_path: Path) -> None:
    # op 3 (x0 - 2*x1) becomes x0 + 2*x1: wrong exactly when x1 != 0. Corner vector 0 (all minimum) has
    # x1 = 0; corner vector 1 (all maximum: x0 = 7.75, x1 = 15.5) is the first bad sample, on lane 1.
    prj = mutant(tmp_path, design, "- {2'b00, x1, 2'b00}", "+ {2'b00, x1, 2'b00}")
    res = run(prj, hdl_sim, seed=SEED, n_samples=500, build_dir=tmp_path / "build")
    first = assert_caught(res)
    cycle = 1 + max(latency - 1, 0)  # sample s is checked at falling edge s + latency - 1
    assert (first["sample"], first["cycle"], first["xz"]) == (1, cycle, False)
    rep = res.report
    assert f"first bad cycle {cycle}," in rep and "sample 1 (corner vector 'all maximum')" in rep
    assert "model_out lane 1 (bits [16:8]" in rep
    assert "expected     : 0x1a3 (int -93, real -23.25)" in rep  # 7.75 - 2 * 15.5
    assert "actual       : 0x09b (int 155, real 38.75)" in rep  # 7.75 + 2 * 15.5
    assert "lanes          : 1 bad [1], 3 good" in rep
    assert f"seed           : {SEED}" in rep and res.repro in rep and "--waves" in res.repro
    assert "x0=0x1f (int 31, real 7.75), x1=0x1f (int 31, real 15.5)" in rep


def test_constant_off_by_one_lsb_fails(one_hdl_sim: str, tmp_path: Path) -> None:
    # op 4 = op2 + 3 LSB becomes op2 + 4 LSB: every sample is wrong on lane 3, the first at cycle 1.
    prj = mutant(tmp_path, "addsub_pipe", "y0 + 8'd3", "y0 + 8'd4")
    res = run(prj, one_hdl_sim, seed=SEED, n_samples=300, build_dir=tmp_path / "build", max_mismatches=5)
    first = assert_caught(res)
    assert (first["sample"], first["cycle"], first["xz"]) == (0, 1, False)
    assert 10.0 <= first["time_ns"] < 10.01  # falling edge 1 of a 5 ns clock (+1 step of start-up)
    assert res.stats["n_mismatches"] == 5  # MAX_MISMATCHES collects, then stops
    assert "model_out lane 3 (bits [29:22]" in res.report
    assert "expected     : 0xe3 (int -29, real -7.25)" in res.report  # -8 + 0 + 3 LSB of 0.25
    assert "actual       : 0xe4 (int -28, real -7.0)" in res.report
    assert "summary        : 5 bad samples in 5 checked (stopped at MAX_MISMATCHES)" in res.report


def test_wrong_latency_in_manifest_fails_with_hint(one_hdl_sim: str, tmp_path: Path) -> None:
    prj = tmp_path / "addsub_pipe"
    shutil.copytree(DATA / "addsub_pipe", prj, ignore=shutil.ignore_patterns("sim_build"))
    man = json.loads((prj / "manifest.json").read_text())
    man["latency_cycles"] = 3  # the RTL has 2
    (prj / "manifest.json").write_text(json.dumps(man, sort_keys=True, indent=2) + "\n")
    res = run(prj, one_hdl_sim, seed=SEED, n_samples=200, build_dir=tmp_path / "build")
    assert assert_caught(res)["sample"] == 0
    assert "real latency may be 2 cycles, manifest.json says 3" in res.report


def test_undriven_output_bit_is_an_xz_failure(icarus_sim: str, tmp_path: Path) -> None:
    """Needs a 4-state simulator: Icarus (Verilator has no Z)."""
    prj = mutant(tmp_path, "addsub_pipe", "assign model_out = out_r;", "assign model_out = {out_r[29:1], 1'bz};")
    res = run(prj, icarus_sim, seed=SEED, n_samples=100, build_dir=tmp_path / "build")
    assert assert_caught(res)["xz"] is True
    assert res.report.startswith("X/Z ON OUTPUT in addsub_pipe (icarus): first bad cycle 1,")
    assert "model_out lane 0 (bits [7:0]" in res.report and "X/Z bits" in res.report


def test_build_failure_names_command_and_log(one_hdl_sim: str, tmp_path: Path) -> None:
    prj = mutant(tmp_path, "addsub_pipe", "endmodule", "endmodul")
    res = run(prj, one_hdl_sim, seed=SEED, n_samples=10, build_dir=tmp_path / "build")
    assert not res.passed and not res.report
    assert "build of addsub_pipe failed" in res.error and "command:" in res.error and "build.log" in res.error
    assert res.results_xml.is_file()  # JUnit results.xml always, with the error in it
    assert "build of addsub_pipe failed" in res.results_xml.read_text()


def test_make_sim_exits_non_zero_on_failure(one_hdl_sim: str, tmp_path: Path) -> None:
    """The per-design Makefile -> CLI -> runner path: a failing design gives a non-zero exit and the report."""
    import subprocess
    import sys

    prj = mutant(tmp_path, "addsub_comb", "y0 + 8'd3", "y0 + 8'd2")
    args = [f"PYTHON={sys.executable}", f"SIM={one_hdl_sim}", "SEED=7", "N_SAMPLES=50", "MAX_MISMATCHES=3"]
    proc = subprocess.run(["make", "-C", str(prj), "sim", *args], capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert f"da4ml.verif FAIL: addsub_comb ({prj}) on {one_hdl_sim}, 3/50 samples checked, seed 7" in proc.stdout
    assert "OUTPUT MISMATCH in addsub_comb" in proc.stdout and "first bad cycle 0," in proc.stdout
    assert (prj / "sim_build" / one_hdl_sim / "results.xml").is_file()
    clean = tmp_path / "clean"
    shutil.copytree(DATA / "addsub_comb", clean, ignore=shutil.ignore_patterns("sim_build"))
    ok = subprocess.run(["make", "-C", str(clean), "sim", *args], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]
