"""Compile an HLS project's C-simulation bridge with the C++ compiler into a shared library and run it.

The bridge (``src/<top>_bridge.cc``) takes and returns lane integers (``x * 2**f``, int64); Python quantizes
real inputs to the input lanes exactly (``da4ml.project.values``) and turns output lanes back into reals, as
the Verilator model's harness does. ctypes releases the GIL during a call, so batches run on threads.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ...project import Manifest
from ...project.values import lanes_to_real, quantize_lanes
from ...toolchain import ToolError, find_ap_types, find_cxx, run_tool

__all__ = ["BUILD_DIR", "CXXFLAGS", "Bridge", "build_bridge", "compile_command"]

BUILD_DIR = Path("build") / "hls"
# C++11: what hls4ml compiles its projects with when the compiler has nothing newer; the bridge obeys it too
CXXFLAGS = ("-std=c++11", "-O1", "-fPIC", "-shared")
_MIN_CHUNK = 256  # samples per thread below which threads do not pay


def compile_command(cxx: str, ap_types: Path, sources, out: Path, extra=()) -> list[str]:
    """The compiler command of a bridge library (ap_types as a system include: its warnings are not ours)."""
    return [cxx, *CXXFLAGS, *extra, "-isystem", str(ap_types), *[str(s) for s in sources], "-o", str(out)]


def build_bridge(prj: Path, manifest: Manifest, bridge: Path, extra_flags=()) -> Path:
    """Compile the project's bridge (which includes the top) into ``prj/build/hls/lib<top>-<hash>.so`` (a new name per program,
    sources and flags: a library already loaded in this process is never overwritten)."""
    cxx = find_cxx()
    ap_types = find_ap_types()
    sources = [bridge.resolve()]  # it includes the top's definition
    h = hashlib.sha256("\n".join([cxx, str(ap_types), *CXXFLAGS, *extra_flags]).encode())
    for src in sorted({*manifest.source_paths, bridge}):  # the code itself: a new generator, a new library
        h.update(Path(src).read_bytes())
    key = h.hexdigest()[:16]
    build = prj / BUILD_DIR
    lib = build / f"lib{manifest.top}-{key}.so"
    if lib.is_file():
        return lib
    build.mkdir(parents=True, exist_ok=True)
    tmp = build / f".{lib.name}.tmp"
    run_tool(compile_command(cxx, ap_types, sources, tmp, extra_flags), cwd=build, log=build / "build.log")
    if not tmp.is_file():
        raise ToolError(f"{cxx} finished but {tmp} is missing; see {build / 'build.log'}")
    os.replace(tmp, lib)
    return lib


class Bridge:
    """A loaded bridge library: ``run(lanes)`` maps int64 input lanes (batch, n_in) to output lanes."""

    def __init__(self, lib: Path, symbol: str, manifest: Manifest):
        self.lib_path = lib
        self._lib = ctypes.CDLL(str(lib))
        self._fn = getattr(self._lib, symbol)
        self._fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
        self._fn.restype = None
        n_in, n_out = (getattr(self._lib, f"{symbol}_n_{w}")() for w in ("in", "out"))
        if (n_in, n_out) != (manifest.n_in, manifest.n_out):
            raise ToolError(f"{lib}: the bridge has {n_in} inputs and {n_out} outputs, the manifest says "
                            f"{manifest.n_in} and {manifest.n_out}; recompile")  # fmt: skip
        self.manifest = manifest

    def run(self, lanes: np.ndarray, n_threads: int = 0) -> np.ndarray:
        x = np.ascontiguousarray(lanes, dtype=np.int64)
        batch = x.shape[0]
        y = np.zeros((batch, self.manifest.n_out), dtype=np.int64)
        if batch == 0:
            return y
        threads = n_threads or os.cpu_count() or 1
        threads = max(1, min(threads, batch // _MIN_CHUNK))
        bounds = np.linspace(0, batch, threads + 1).astype(int)

        def call(k: int) -> None:
            a, b = int(bounds[k]), int(bounds[k + 1])
            if b > a:
                self._fn(x[a:].ctypes.data, y[a:].ctypes.data, b - a)

        if threads == 1:
            call(0)
        else:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(call, range(threads)))
        return y

    def predict(self, data: np.ndarray, n_threads: int = 0) -> np.ndarray:
        """Real outputs (float64, (batch, n_out)) for real inputs (batch, n_in)."""
        m = self.manifest
        lanes = quantize_lanes(data, m.input_port.lanes)
        return lanes_to_real(self.run(lanes, n_threads), m.output_port.lanes)
