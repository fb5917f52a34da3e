"""The text contract hls4ml relies on (hls_logic_and_bridge_gen), the function-level bridge, refusals of what
HLS cannot express exactly, the ap_types search, and the published model API (repr, compile/predict keywords)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from codegen_programs import ALL_PROGRAMS, random_inputs
from hls_support import INLINE, FunctionBridges, needs_cxx

from da4ml.codegen import HLSModel, RTLModel
from da4ml.codegen.hls import hls_logic_and_bridge_gen
from da4ml.codegen.hls.cpp import AP_MAX_W, MAX_EXPONENT
from da4ml.codegen.hls.render import bridge_input_kifs, bridge_symbol
from da4ml.ir import CombLogic, Op, Opcode, Pipeline, qint_of
from da4ml.project import kif_rows
from da4ml.toolchain import ToolError, find_ap_types
from da4ml.trace import FixedVariableArray, HWConfig, comb_trace


def dense_layer(seed: int = 0, n_in: int = 6, n_out: int = 4) -> CombLogic:
    """What hls4ml's DistributedArithmeticCodegen builds: from_kif inputs times a constant kernel plus bias."""
    rng = np.random.default_rng(seed)
    k, i, f = rng.integers(0, 2, n_in), rng.integers(0, 4, n_in), rng.integers(0, 5, n_in)
    inp = FixedVariableArray.from_kif(k, i, f, HWConfig(1, -1, -1), solver_options={"hard_dc": 2})
    out = inp @ (rng.integers(-32, 32, (n_in, n_out)) / 8) + rng.integers(-8, 8, n_out) / 4
    return comb_trace(inp, out)


def _live_reads(comb: CombLogic) -> dict[int, int]:
    from da4ml.ir.live import live_ops

    reads: dict[int, int] = {}
    for t, op in enumerate(comb.ops):
        if op.opcode == Opcode.INPUT and live_ops(comb)[t] and sum(op.kif) > 0:
            reads[op.input_index] = reads.get(op.input_index, 0) + 1
    return reads


# -- the text contract ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("prog", [*sorted(ALL_PROGRAMS), "dense"])
def test_text_contract(prog):
    comb = dense_layer() if prog == "dense" else ALL_PROGRAMS[prog]()
    pragmas = [INLINE, "#pragma HLS LATENCY min=1"]
    fn, bridge = hls_logic_and_bridge_gen(comb, "dense_da_3", "vitis", pragmas=pragmas, print_latency=True)
    n_in, n_out = comb.shape
    assert fn.startswith("\n") and fn.endswith("\n") and not fn.startswith("\n\n")
    sig = re.search(r"template\s*<typename inp_t, typename out_t>\s*void dense_da_3\((.*)\)\s*\{", fn)
    assert sig and sig.group(1) == f"inp_t model_inp[{n_in}], out_t model_out[{n_out}]"
    assert "#include" not in fn, "fn_str is pasted inside namespace nnet: no includes"
    lines = fn.splitlines()
    first_read = min((k for k, ln in enumerate(lines) if "= model_inp[" in ln), default=len(lines))
    for p in pragmas:
        at = [k for k, ln in enumerate(lines) if ln.strip() == p]
        assert len(at) == 1 and at[0] < first_read, p
    reads = _live_reads(comb)
    for j in range(n_in):
        stmts = [ln for ln in lines if f"model_inp[{j}]" in ln]
        assert len(stmts) == reads.get(j, 0), (j, stmts)
        assert all(ln.endswith(f" = model_inp[{j}];") for ln in stmts), stmts
    assert fn.count("model_inp[") == 1 + sum(reads.values())  # the signature and the reads
    for j in range(n_out):
        assert len(re.findall(rf"^\s*model_out\[{j}\] = .*;", fn, re.MULTILINE)) == 1
    assert "latency" in fn
    assert ("(void)model_inp;" in fn) == (not reads)
    assert '#include "dense_da_3.hh"' in bridge and bridge_symbol("dense_da_3") in bridge


def test_hls4ml_quantizer_folding_text_replacement():
    """The replacement FuseQuantizerIntoDALayers does: every read becomes model_inp_q_j, the definitions go
    right after the pragma, ahead of every use."""
    comb = dense_layer(1)
    fn, _ = hls_logic_and_bridge_gen(comb, "dense_da_1", "vitis", pragmas=[INLINE], print_latency=True)
    n_in = comb.shape[0]
    defs = [f"ap_fixed<8, 3, AP_RND, AP_SAT> model_inp_q_{j} = model_inp[{j}];" for j in range(n_in)]
    code = fn
    for j in range(n_in):
        code = code.replace(f"model_inp[{j}];", f"model_inp_q_{j};")
    code = code.replace(INLINE, INLINE + "\n  " + "\n    ".join(defs))
    lines = [ln.strip() for ln in code.splitlines()]
    for j in range(n_in):
        define = lines.index(defs[j])
        uses = [k for k, ln in enumerate(lines) if ln.endswith(f"= model_inp_q_{j};")]
        assert uses and define < min(uses)
    assert code.count("model_inp[") == 1 + n_in  # the signature and the inserted definitions


def test_layout_options():
    comb = ALL_PROGRAMS["add_sub"]()
    fn, bridge = hls_logic_and_bridge_gen(comb, "f", n_indent=2, n_base_indent=4, namespace="ns")
    lines = fn.splitlines()
    assert lines[1] == "    namespace ns {" and lines[2] == "      template <typename inp_t, typename out_t>"
    assert any(ln.startswith("        ap_") for ln in lines) and lines[-1] == "    }  // namespace ns"
    assert "ns::f<" in bridge
    plain, _ = hls_logic_and_bridge_gen(comb, "f")
    assert "latency" not in plain and "namespace" not in plain and plain.splitlines()[1].startswith("template")
    assert hls_logic_and_bridge_gen(comb, "f") == hls_logic_and_bridge_gen(comb, "f"), "deterministic"
    assert hls_logic_and_bridge_gen(comb, "f", flavor="vivado")[0] == plain


def test_pipeline_is_generated_as_its_flattened_program():
    comb = dense_layer(2)
    from da4ml.ir.staging import split_stages

    pipe = split_stages(comb, 1.0)
    assert isinstance(pipe, Pipeline) and len(pipe) > 1
    fn, _ = hls_logic_and_bridge_gen(pipe, "p")
    assert fn == hls_logic_and_bridge_gen(pipe.flatten(), "p")[0]


# -- the function-level bridge, compiled ---------------------------------------------------------------------


@needs_cxx
def test_function_bridge_matches_interpreter(tmp_path):
    """A program reading an input at two types (a finer, wider second read): the bridge widens that lane so
    both reads are exact."""
    twice = CombLogic(
        (1, 2), [0], [0, 1], [0, 0], [False, False],
        [Op(0, -1, Opcode.INPUT, 0, qint_of(1, 2, 1), 0.0, 0.0), Op(0, -1, Opcode.INPUT, 0, qint_of(1, 4, 3), 0.0, 0.0)],
    )  # fmt: skip
    assert bridge_input_kifs(twice) == [(1, 4, 3)] and kif_rows(twice.inp_kifs) == [(1, 2, 1)]
    lib = FunctionBridges({"edges": ALL_PROGRAMS["edges"](), "dense": dense_layer(3), "twice": twice}, tmp_path)
    for name, comb in lib.programs.items():
        x = random_inputs(comb, 2000, seed=4) * (1.5 if name == "twice" else 1.0)  # off-grid too
        want = comb.predict(x)
        assert np.array_equal(lib.run(name, x), want), name


# -- what HLS cannot express is refused at generation, naming the op -----------------------------------------


def _one_op_program(qint) -> CombLogic:
    ops = [Op(0, -1, Opcode.INPUT, 0, qint_of(1, 3, 2), 0.0, 0.0), Op.build(Opcode.QUANTIZE, 0, qint=qint)]
    return CombLogic((1, 1), [0], [1], [0], [False], ops)


def test_exponent_beyond_ap_fixed_template_arithmetic_is_refused():
    """Such a type is outside float64 too, so the IR refuses the program, naming the op, before any back end
    sees it (the HLS generator's own exponent check stays for programs built around the validator)."""
    e = MAX_EXPONENT + 10
    with pytest.raises(ValueError, match=r"op 1 \(QUANTIZE\).*outside float64"):
        comb = _one_op_program(qint_of(1, -e, e + 2))
        hls_logic_and_bridge_gen(comb, "f")


def test_lanes_no_single_ap_fixed_holds_are_refused():
    ops = [
        Op(0, -1, Opcode.INPUT, 0, qint_of(1, 3, 2), 0.0, 0.0),
        Op.build(Opcode.QUANTIZE, 0, qint=qint_of(1, -AP_MAX_W, AP_MAX_W + 2)),
    ]
    comb = CombLogic((1, 2), [0], [0, 1], [0, 0], [False, False], ops)
    with pytest.raises(ValueError, match=r"bridge's output array.*at most 1024 bits"):
        hls_logic_and_bridge_gen(comb, "f")
    with pytest.raises(ValueError, match=r"top's output array.*HLS cannot express"):
        HLSModel(comb, "wide", "unused", print_latency=False).render()


def test_a_shift_beyond_the_template_arithmetic_is_refused():
    ops = [
        Op(0, -1, Opcode.INPUT, 0, qint_of(1, 3, 2), 0.0, 0.0),
        Op.build(Opcode.MUX, 0, 0, qint=qint_of(1, 3, 2), cond=0, shift=MAX_EXPONENT * 2),
    ]
    comb = CombLogic((1, 1), [0], [1], [0], [False], ops)
    with pytest.raises(ValueError, match=r"op 1 MUX .*operand b \* 2\*\*33554432.*exponent beyond"):
        hls_logic_and_bridge_gen(comb, "f")


def test_bad_arguments_are_named():
    comb = ALL_PROGRAMS["add_sub"]()
    cases = [
        ({"fn_name": "int"}, ValueError, "C\\+\\+ keyword"),
        ({"fn_name": "3x"}, ValueError, "not a valid C\\+\\+ function name"),
        ({"fn_name": "a__b"}, ValueError, "reserved"),
        ({"flavor": "oneapi"}, NotImplementedError, "oneapi"),
        ({"flavor": "quartus"}, ValueError, "flavor 'quartus'"),
        ({"pragmas": "#pragma HLS INLINE"}, TypeError, "sequence of lines"),
        ({"pragmas": ["a\nb"]}, ValueError, "one non-empty line"),
        ({"n_indent": -1}, ValueError, "n_indent=-1"),
        ({"n_base_indent": 1.5}, ValueError, "n_base_indent=1.5"),
        ({"namespace": "a::b"}, ValueError, "namespace 'a::b'"),
    ]
    for kw, exc, msg in cases:
        args = {"fn_name": "f", **kw}
        with pytest.raises(exc, match=msg):
            hls_logic_and_bridge_gen(comb, **args)
    with pytest.raises(TypeError, match="CombLogic or Pipeline"):
        hls_logic_and_bridge_gen(np.zeros(3), "f")
    bad = comb._replace(out_idxs=[99] * comb.shape[1])
    with pytest.raises(ValueError, match="out"):
        hls_logic_and_bridge_gen(bad, "f")
    with pytest.raises(ValueError, match="prj_name"):
        HLSModel(comb, "void", "x", print_latency=False)
    with pytest.raises(ValueError, match="clock_period"):
        HLSModel(comb, "ok", "x", clock_period=0, print_latency=False)


# -- ap_types: three ways, else one error naming them ------------------------------------------------------


def test_ap_types_search_order_and_error(tmp_path, monkeypatch):
    import da4ml.toolchain as tc

    for env in ("DA4ML_AP_TYPES", "XILINX_HLS", "XILINX_VITIS"):
        monkeypatch.delenv(env, raising=False)
    monkeypatch.setattr(tc, "_ap_types_of_package", lambda *a: None)
    with pytest.raises(ToolError) as err:
        find_ap_types()
    msg = str(err.value)
    assert "DA4ML_AP_TYPES" in msg and "XILINX_HLS" in msg and "XILINX_VITIS" in msg and "hls4ml" in msg
    vitis = tmp_path / "Vitis" / "include"
    vitis.mkdir(parents=True)
    (vitis / "ap_fixed.h").write_text("")
    monkeypatch.setenv("XILINX_VITIS", str(tmp_path / "Vitis"))
    assert find_ap_types() == vitis
    monkeypatch.setenv("XILINX_HLS", str(tmp_path / "nothing"))
    assert find_ap_types() == vitis  # an unusable XILINX_HLS is passed over, and named if nothing is found
    own = tmp_path / "own"
    own.mkdir()
    monkeypatch.setenv("DA4ML_AP_TYPES", str(own))
    with pytest.raises(ToolError, match="holds no ap_fixed.h"):
        find_ap_types()
    (own / "ap_fixed.h").write_text("")
    assert find_ap_types() == own


# -- the published model API -----------------------------------------------------------------------------------


@needs_cxx
def test_hls_model_repr_and_predict_api(tmp_path):
    comb = ALL_PROGRAMS["const_mux_mul"]()
    model = HLSModel(comb, "api", tmp_path / "api", print_latency=False)
    assert "HLSModel('api'" in repr(model) and "not compiled" in repr(model)
    with pytest.raises(RuntimeError, match="compile"):
        model.predict(np.zeros((1, 4)))
    model.compile()  # writes the project first
    assert "compiled (libapi-" in repr(model) and model.written
    x = random_inputs(comb, 1500, seed=9)
    want = comb.predict(x)
    assert np.array_equal(model.predict(x, n_threads=2), want)
    assert np.array_equal(model.predict(x[0]), want[0])
    assert model.predict(np.zeros((0, 4))).shape == (0, comb.shape[1])
    with pytest.raises(ValueError, match=r"takes 4 inputs per sample: pass \(batch, 4\)"):
        model.predict(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="n_threads=-1"):
        model.predict(x, n_threads=-1)


def test_rtl_model_repr_and_keywords(tmp_path):
    comb = ALL_PROGRAMS["add_sub"]()
    model = RTLModel(comb, "rtl_api", tmp_path / "r", print_latency=False)
    assert "RTLModel('rtl_api'" in repr(model) and "not compiled" in repr(model) and "combinational" in repr(model)
    with pytest.raises(ValueError, match="nproc=0"):
        model.compile(nproc=0)
    with pytest.raises(RuntimeError, match="compile"):
        model.predict(np.zeros((1, 4)), n_threads=2)
