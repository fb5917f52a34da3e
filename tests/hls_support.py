"""Shared helpers of the HLS tests: the C++ compiler and ap_types (skip with the toolchain's reason when
missing), one library of many function bridges (one g++ run: ap_types is parsed once), and one check of a
compiled HLSModel against independent truth."""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np
import pytest

from da4ml.codegen import HLSModel
from da4ml.codegen.hls import hls_logic_and_bridge_gen
from da4ml.codegen.hls.bridge import compile_command
from da4ml.codegen.hls.render import bridge_input_kifs, bridge_symbol
from da4ml.project import lanes_of
from da4ml.project.values import lanes_to_real, quantize_lanes
from da4ml.toolchain import ToolError, find_ap_types, find_cxx, run_tool

INLINE = "#pragma HLS INLINE"
# -Wall -Wextra -Werror -pedantic on the generated C++ (ap_types as a system header: its warnings are Xilinx's).
# The uninitialized-use warnings are off: they fire inside ap_types itself (its default constructor
# ``ap_private()`` calls ``clearUnusedBits()``, which reads the word it has not written yet), reported through
# inlining into any code that declares an ap_fixed. ``#pragma HLS`` is for the HLS tool, not g++.
STRICT = ("-Wall", "-Wextra", "-Werror", "-pedantic", "-Wno-unknown-pragmas", "-Wno-uninitialized",
          "-Wno-maybe-uninitialized")  # fmt: skip


def _reason() -> str | None:
    try:
        find_cxx()
        find_ap_types()
    except ToolError as e:
        return str(e)
    return None


_MISSING = _reason()
needs_cxx = pytest.mark.skipif(_MISSING is not None, reason=f"no HLS C-simulation: {_MISSING}")


class FunctionBridges:
    """``hls_logic_and_bridge_gen`` of each program (what hls4ml inlines), every bridge in one translation
    unit compiled once with the strict warning flags; ``run(name, x)`` gives real outputs for real inputs."""

    def __init__(self, programs: dict, tmp: Path):
        self.programs = dict(programs)
        units = []
        for name, comb in self.programs.items():
            fn, bridge = hls_logic_and_bridge_gen(comb, name, pragmas=[INLINE])
            (tmp / f"{name}.hh").write_text(fn)
            (tmp / f"{name}_bridge.cc").write_text(bridge)
            units.append(f'#include "{name}_bridge.cc"\n')
        (tmp / "all.cc").write_text("".join(units))
        lib = tmp / "libfunctions.so"
        cmd = compile_command(find_cxx(), find_ap_types(), [tmp / "all.cc"], lib, STRICT)
        run_tool(cmd, cwd=tmp, log=tmp / "build.log")
        self._so = ctypes.CDLL(str(lib))

    def run(self, name: str, x: np.ndarray) -> np.ndarray:
        comb = self.programs[name]
        fn = getattr(self._so, bridge_symbol(name))
        fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
        fn.restype = None
        ins, outs = lanes_of(bridge_input_kifs(comb)), lanes_of(comb.out_kifs)
        xi = np.ascontiguousarray(quantize_lanes(x, ins))
        y = np.zeros((len(x), len(outs)), dtype=np.int64)
        fn(xi.ctypes.data, y.ctypes.data, len(x))
        return lanes_to_real(y, outs)


def compiled(solution, tmp_path, name: str, **kw) -> HLSModel:
    model = HLSModel(solution, name, tmp_path / name, print_latency=False, **kw)
    model.write()
    model.compile()
    assert model.compiled
    return model


def assert_same(got: np.ndarray, want: np.ndarray, x: np.ndarray, what: str) -> None:
    """Bit-for-bit equality (float64 of exact fixed-point values), naming the first mismatch."""
    assert got.dtype == np.float64 and got.shape == want.shape, (got.dtype, got.shape, want.shape)
    bad = np.argwhere(got != want)
    if len(bad):
        s, j = bad[0]
        pytest.fail(
            f"{what}: {len(bad)} mismatches; first: sample {s} output {j}: HLS {got[s, j]!r} != expected "
            f"{want[s, j]!r}; input {x[s].tolist()}"
        )
