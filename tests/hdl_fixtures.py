"""Hand-written fixture designs for the HDL regression, independent of da4ml.codegen (docs/project_layout.md).

- tests/data/hdl/addsub_pipe, addsub_comb: hand-written Verilog of a small DAIS program (see ADDSUB_OPS);
  their model.dais / manifest.json / testbench are produced here and committed (regenerate:
  python tests/hdl_fixtures.py --regenerate).
- make_ring_layer(): an N-lane layer y_j = x_j - 2*x_{(j+1)%N}, generated (for port-width-realistic benches).
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import numpy as np

from da4ml.project import Manifest, Port

DATA = Path(__file__).parent / "data" / "hdl"

# (opcode, id0, id1, lo, hi, k, i, f); opcodes per spec/dais.md: INPUT=-1 ADD=0 SUB=1 ADD_CONST=4
INPUT, ADD, SUB, ADD_CONST = -1, 0, 1, 4


def encode_dais(
    n_in: int,
    inp_shifts: list[int],
    ops: list[tuple[int, ...]],
    out_idxs: list[int],
    out_shifts: list[int],
    out_negs: list[int],
) -> bytes:
    """DAIS binary (spec version 1) of a table-free program."""
    words = [1, 0, n_in, len(out_idxs), len(ops), 0, *inp_shifts, *out_idxs, *out_shifts, *out_negs]
    for op in ops:
        words.extend(op)
    return np.asarray(words, dtype="<i4").tobytes()


def write_manifest(
    prj: Path, top: str, latency: int, inp_kifs: list, out_kifs: list, dais: bytes, period: float = 5.0
) -> None:
    (prj / "model.dais").write_bytes(dais)
    Manifest(
        top=top,
        language="verilog",
        latency_cycles=latency,
        clock="clk" if latency > 0 else None,
        clock_period_ns=period,
        input_port=Port.packed("model_inp", inp_kifs),
        output_port=Port.packed("model_out", out_kifs),
        dais=("model.dais",),
        sources=(f"src/{top}.v",),
        program_sha256=hashlib.sha256(dais).hexdigest(),
        options_sha256=hashlib.sha256(f"latency={latency}".encode()).hexdigest(),
        generator="tests/hdl_fixtures.py",
    ).write(prj)


# x0: (1,3,2), x1: (0,4,1)
# op2 = x0 + x1          -> (1,5,2)      out lane 0
# op3 = x0 - 2*x1        -> (1,6,2)      out lane 1
# out lane 2 = x1 * 2**1 -> (0,5,0)      (out_shift 1)
# op4 = op2 + 3 LSB      -> (1,5,2)      out lane 3
ADDSUB_OPS = [
    (INPUT, 0, -1, 0, 0, 1, 3, 2),
    (INPUT, 1, -1, 0, 0, 0, 4, 1),
    (ADD, 0, 1, 0, 0, 1, 5, 2),
    (SUB, 0, 1, 1, 0, 1, 6, 2),
    (ADD_CONST, 2, -1, 3, 0, 1, 5, 2),
]
ADDSUB_IN_KIFS = [(1, 3, 2), (0, 4, 1)]
ADDSUB_OUT_KIFS = [(1, 5, 2), (1, 6, 2), (0, 5, 0), (1, 5, 2)]


def addsub_dais() -> bytes:
    return encode_dais(2, [0, 0], ADDSUB_OPS, [2, 3, 1, 4], [0, 0, 1, 0], [0, 0, 0, 0])


def regenerate_addsub() -> None:
    from da4ml.verif import load_manifest, write_testbench

    for name, latency in (("addsub_pipe", 2), ("addsub_comb", 0)):
        write_manifest(DATA / name, name, latency, ADDSUB_IN_KIFS, ADDSUB_OUT_KIFS, addsub_dais())
        write_testbench(DATA / name, load_manifest(DATA / name))


def make_ring_layer(prj: Path, n: int, latency: int = 2, top: str | None = None) -> Path:
    """An n-lane layer y_j = x_j - 2 * x_{(j+1) % n}: inputs (1,7,0) 8 bit, outputs (1,9,0) 10 bit."""
    if latency not in (0, 1, 2):
        raise ValueError(f"latency={latency}: the ring layer fixture supports 0, 1 or 2")
    top = top or f"ring{n}_l{latency}"
    if prj.exists():
        shutil.rmtree(prj)
    (prj / "src").mkdir(parents=True)
    ops = [(INPUT, j, -1, 0, 0, 1, 7, 0) for j in range(n)]
    ops += [(SUB, j, (j + 1) % n, 1, 0, 1, 9, 0) for j in range(n)]
    dais = encode_dais(n, [0] * n, ops, [n + j for j in range(n)], [0] * n, [0] * n)
    write_manifest(prj, top, latency, [(1, 7, 0)] * n, [(1, 9, 0)] * n, dais)
    in_w, out_w = 8 * n, 10 * n
    lines = ["`timescale 1ns / 1ps", "`default_nettype none", f"module {top} ("]
    if latency:
        lines.append("    input  wire clk,")
    lines += [f"    input  wire [{in_w - 1}:0] model_inp,", f"    output wire [{out_w - 1}:0] model_out", ");"]
    src = "model_inp"
    if latency == 2:
        lines += [f"    reg [{in_w - 1}:0] inp_r;", "    always @(posedge clk) inp_r <= model_inp;"]
        src = "inp_r"
    lines += [f"    wire [7:0] x{j} = {src}[{8 * j + 7}:{8 * j}];  // op {j}" for j in range(n)]
    for j in range(n):
        jb = (j + 1) % n
        lines.append(f"    wire [9:0] y{j} = {{{{2{{x{j}[7]}}}}, x{j}}} - {{x{jb}[7], x{jb}, 1'b0}};  // op {n + j}")
    lines.append(f"    wire [{out_w - 1}:0] y = {{{', '.join(f'y{j}' for j in reversed(range(n)))}}};")
    if latency:
        lines += [
            f"    reg [{out_w - 1}:0] out_r;",
            "    always @(posedge clk) out_r <= y;",
            "    assign model_out = out_r;",
        ]
    else:
        lines.append("    assign model_out = y;")
    lines += ["endmodule", "`default_nettype wire", ""]
    (prj / "src" / f"{top}.v").write_text("\n".join(lines))
    return prj


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit(
            "usage: python tests/hdl_fixtures.py --regenerate   (rewrites tests/data/hdl/*/: model.dais, "
            "manifest.json, Makefile, tb/)"
        )
    regenerate_addsub()
