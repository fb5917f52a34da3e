"""HDL regression over generated designs: da4ml.codegen projects verified by the generic testbench.

Matrix: every program of codegen_programs (one per op family, plus a small MLP) x combinational /
pipelined x the selected simulators; plus a mutation of generated Verilog that must fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import codegen_programs as programs
import pytest
from da4ml.verif import run
from hdl_plugin import assert_caught

from da4ml.codegen import RTLModel

pytestmark = pytest.mark.simulator

PROGRAMS = sorted(programs.ALL_PROGRAMS)
KINDS = {"comb": {}, "pipe": {"latency_cutoff": 1, "register_layers": 1}}


def _project(tmp_path: Path, prog: str, kind: str) -> Path:
    comb = programs.ALL_PROGRAMS[prog]()
    model = RTLModel(comb, f"{kind}_{prog}", tmp_path / f"{kind}_{prog}", print_latency=False, **KINDS[kind])
    return Path(model.write())


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("prog", PROGRAMS)
def test_generated_design_passes(prog: str, kind: str, hdl_sim: str, tmp_path: Path) -> None:
    prj = _project(tmp_path, prog, kind)
    assert (prj / "tb").is_dir() and (prj / "Makefile").is_file(), "RTLModel.write() must call write_testbench"
    res = run(prj, hdl_sim, seed=20, n_samples=2000, build_dir=tmp_path / "build")
    assert res.passed, res.summary()
    assert (res.stats["latency_cycles"] > 0) == (kind == "pipe")


def test_mutated_generated_design_fails(one_hdl_sim: str, tmp_path: Path) -> None:
    """Turn the first adder of the generated MLP into a subtractor: the run must fail, naming a cycle."""
    prj = _project(tmp_path, "mlp", "pipe")
    for src in sorted((prj / "src").glob("*.v")):
        text = src.read_text()
        mt = re.search(r"^(\s*\w+ = [^;]*?) \+ ", text, flags=re.MULTILINE)  # a blocking assignment
        if mt:
            src.write_text(text[: mt.end(1)] + " - " + text[mt.end() :])
            break
    else:
        pytest.fail("no adder found in the generated Verilog")
    res = run(prj, one_hdl_sim, seed=20, n_samples=2000, build_dir=tmp_path / "build")
    first = assert_caught(res)
    assert not first["xz"]
    assert first["cycle"] == first["sample"] + res.stats["latency_cycles"] - 1
