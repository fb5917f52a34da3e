"""Build a Verilated C++ model of a written project and run it on batches (model I/O through files)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .. import progress
from ..project import Header, Manifest, Port
from ..project.packing import n_words, pack, unpack
from ..project.templates import render
from ..project.values import lanes_to_real, quantize_lanes
from ..toolchain import ToolError, build_jobs, run_tool, verilator_build

__all__ = ["BUILD_DIR", "build_model", "run_model"]

BUILD_DIR = Path("build") / "verilator"
_BINARY = "model"


def build_model(prj: Path, manifest: Manifest, header: Header, jobs: int | None = None) -> Path:
    """Verilate and compile ``prj`` (written by RTLModel.write) into ``prj/build/verilator/model`` with ``jobs``
    parallel jobs (default: every core), the C++ optimization every Verilated model gets (toolchain's
    `verilator_build`).

    Skips the build when the stamp of the same program and options is already there."""
    build = prj / BUILD_DIR
    exe = build / "obj_dir" / _BINARY
    stamp = build / "stamp"
    jobs = build_jobs(jobs)
    sim_env, flags = verilator_build(jobs)
    # the same program, options, Verilator and C++ optimization: the same model (the job count does not count)
    setup = f"{sim_env.description} {sim_env.env.get('MAKEFLAGS', '')}"
    key = f"{manifest.program_sha256} {manifest.options_sha256} {setup}\n"
    if exe.is_file() and stamp.is_file() and stamp.read_text() == key:
        return exe
    build.mkdir(parents=True, exist_ok=True)
    harness = build / "harness.cpp"
    harness.write_text(
        render(
            "rtl:verilator_harness.cpp.j2",
            header=header,
            top=manifest.top,
            binary=_BINARY,
            in_words=n_words(manifest.input_port.width, 32),
            out_words=n_words(manifest.output_port.width, 32),
            latency=manifest.latency_cycles,
            clocked=manifest.clock is not None,
        )
    )
    cmd = [
        sim_env.executable,
        "--cc",
        "--exe",
        "--build",
        *flags,
        "--top-module",
        manifest.top,
        "--Mdir",
        "obj_dir",
        "-o",
        _BINARY,
        *[str((prj / f).resolve()) for f in manifest.sources],
        str(harness.resolve()),
    ]
    with progress.phase(f"verilator: building the model of {manifest.top} ({jobs} jobs)"):
        run_tool(cmd, cwd=build, log=build / "build.log", env=sim_env.environ())
    if not exe.is_file():
        raise ToolError(f"verilator finished but {exe} is missing; see {build / 'build.log'}")
    stamp.write_text(key)
    return exe


def run_model(exe: Path, data: np.ndarray, inp: Port, out: Port) -> np.ndarray:
    """Outputs (float64, (batch, n_out)) of the compiled model on real inputs ``data`` (batch, n_in)."""
    batch = data.shape[0]
    words = pack(quantize_lanes(data, inp.lanes), inp, word_bits=32)
    with tempfile.TemporaryDirectory(prefix="da4ml-verilator-") as tmp:
        fin, fout = Path(tmp) / "inp.bin", Path(tmp) / "out.bin"
        words.astype("<u4").tofile(fin)
        proc = subprocess.run([str(exe), str(batch), str(fin), str(fout)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise ToolError(f"{exe} {batch} {fin} {fout} failed (exit {proc.returncode}):\n{proc.stderr}")
        out_words = np.fromfile(fout, dtype="<u4").reshape(batch, n_words(out.width, 32))
    return lanes_to_real(unpack(out_words, out, word_bits=32), out.lanes)
