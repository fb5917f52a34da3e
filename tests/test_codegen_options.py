"""Names and options that would make a design that does not compile, or splice text into a vendor script,
are refused before anything is written (issue 18, items 9-11)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from codegen_programs import prog_mlp

from da4ml.codegen import RTLModel
from da4ml.codegen.names import SV_KEYWORDS, VHDL_KEYWORDS, check_identifier
from da4ml.ir.staging import assign_stages
from da4ml.trace import to_pipeline


def _model(tmp_path, name="ok_top", **kw):
    return RTLModel(prog_mlp(), name, tmp_path / "p", print_latency=False, **kw)


@pytest.mark.parametrize(
    "name,match",
    [("interface", "SystemVerilog-2017 keyword"), ("class", "keyword"), ("const", "keyword"),
     ("always_ff", "keyword"), ("Entity", "VHDL-2008 keyword"), ("signal", "VHDL-2008"), ("clk", "clashes"),
     ("model_inp", "clashes"), ("std", "clashes"), ("IEEE", "clashes"), ("v12", "clashes"), ("stage0", "clashes"),
     ("v3_neg", "clashes"), ("out2_neg", "clashes"), ("dut", "clashes"),
     ("a__b", "single '_'"), ("top_", "single '_'"), ("1top", "letter"), ("x" * 65, "64")],
)  # fmt: skip
def test_unusable_names_refused(tmp_path, name, match):
    with pytest.raises(ValueError, match=match):
        _model(tmp_path, name)
    assert not (tmp_path / "p").exists()


def test_keyword_lists_are_the_tools():
    """Every listed SystemVerilog keyword is refused by Verilator as a module name (the list is not made up);
    a sample is enough to keep the test fast."""
    verilator = shutil.which("verilator")
    if verilator is None:
        pytest.skip("verilator not on PATH")
    assert len(SV_KEYWORDS) == 248 and len(VHDL_KEYWORDS) == 115  # IEEE 1800-2017 Annex B, 1076-2008 15.10
    for kw in sorted(SV_KEYWORDS)[::25]:
        src = f"module {kw}(input wire a, output wire b); assign b = a; endmodule\n"
        res = subprocess.run([verilator, "--lint-only", "-"], check=False, input=src, capture_output=True, text=True)
        assert res.returncode != 0, kw
    assert check_identifier("my_model") == "my_model"


@pytest.mark.parametrize(
    "kw,match",
    [({"part_name": 'x"; exec rm -rf /tmp/foo; #'}, "not an FPGA part name"), ({"part_name": "a b"}, "part name"),
     ({"part_name": "[exec ls]"}, "part name"), ({"clock_uncertainty": float("nan")}, "clock_uncertainty=nan"),
     ({"clock_uncertainty": -0.1}, "clock_uncertainty=-0.1"), ({"clock_uncertainty": 9.0}, "below clock_period"),
     ({"clock_period": float("inf")}, "clock_period=inf"), ({"io_delay_minmax": (0.1, float("inf"))}, "max=inf"),
     ({"io_delay_minmax": (0.1,)}, "pair"), ({"register_layers": True}, "register_layers"),
     ({"latency_cutoff": "2"}, "latency_cutoff='2' must be a number"), ({"latency_cutoff": float("nan")}, "nan"),
     ({"latency_cutoff": -np.inf}, "-inf"), ({"latency_cutoff": 0}, "use -1")],
)  # fmt: skip
def test_unsafe_option_values_refused(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        _model(tmp_path, **kw)


def test_vendor_part_names_accepted(tmp_path):
    for part in ("xcvu13p-flga2577-2-e", "xcvc1902-vsva2197-2MP-e-S", "10AX115S2F45I1SG", "xc7a35tcpg236-1"):
        files, _ = _model(tmp_path, part_name=part).render()
        assert f"set part {part}\n" in files["src/build_vivado.tcl"].decode()


@pytest.mark.parametrize("cutoff", [1e-9, 0.001, 0.4])
def test_cutoff_below_every_op_delay_refused(cutoff):
    """1e-9 used to hang, 0.001 made thousands of empty stages: a cutoff shorter than the fastest op's delay
    only adds stages with no logic."""
    comb = prog_mlp()
    with pytest.raises(ValueError, match=r"shorter than the fastest op's delay \(0.5, op 11, RELU\)"):
        to_pipeline(comb, cutoff)
    with pytest.raises(ValueError, match="latency_cutoff >= 0.5"):
        assign_stages(comb, cutoff)
    assert len(to_pipeline(comb, 0.5)) > len(to_pipeline(comb, 1)) > 1  # the limit itself is fine
