"""The templates ship in the wheel: build it, install it into a fresh venv, render a project there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import hashlib, json, sys
from pathlib import Path
import da4ml
from da4ml.codegen.templates import templates_root
from da4ml.codegen import RTLModel
from da4ml.ir import CombLogic, Op, Opcode, QInterval

root = Path(str(templates_root())).resolve()
site = Path(sys.argv[2]).resolve()
assert site in root.parents, f"templates loaded from {root}, not from the installed wheel in {site}"
assert Path(da4ml.__file__).resolve().is_relative_to(site), da4ml.__file__
ops = [
    Op(0, -1, Opcode.INPUT, 0, QInterval(-8.0, 7.75, 0.25), 0.0, 0.0),
    Op(1, -1, Opcode.INPUT, 0, QInterval(0.0, 15.0, 1.0), 0.0, 0.0),
    Op(0, 1, Opcode.SUB, Op.pack(1, 0), QInterval(-38.0, 7.75, 0.25), 1.0, 9.0),
]
comb = CombLogic((2, 1), [0, 0], [2], [0], [False], ops)
out = {}
for cutoff in (-1, 0.5):
    files, _ = RTLModel(comb, "wheel_top", sys.argv[1], latency_cutoff=cutoff, print_latency=False).render()
    out[str(cutoff)] = {k: hashlib.sha256(v).hexdigest() for k, v in sorted(files.items())}
print(json.dumps(out, sort_keys=True))
"""


def _render_here(tmp: Path) -> dict:
    import hashlib

    from da4ml.codegen import RTLModel
    from da4ml.ir import CombLogic, Op, Opcode, QInterval

    ops = [
        Op(0, -1, Opcode.INPUT, 0, QInterval(-8.0, 7.75, 0.25), 0.0, 0.0),
        Op(1, -1, Opcode.INPUT, 0, QInterval(0.0, 15.0, 1.0), 0.0, 0.0),
        Op(0, 1, Opcode.SUB, Op.pack(1, 0), QInterval(-38.0, 7.75, 0.25), 1.0, 9.0),
    ]
    comb = CombLogic((2, 1), [0, 0], [2], [0], [False], ops)
    out = {}
    for cutoff in (-1, 0.5):
        files, _ = RTLModel(comb, "wheel_top", tmp, latency_cutoff=cutoff, print_latency=False).render()
        out[str(cutoff)] = {k: hashlib.sha256(v).hexdigest() for k, v in sorted(files.items())}
    return out


@pytest.mark.slow
def test_templates_render_from_installed_wheel(tmp_path):
    if shutil.which("cmake") is None and not (Path(sys.prefix) / "bin" / "cmake").exists():
        pytest.skip("cmake is needed to build the wheel")
    dist = tmp_path / "dist"
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(REPO)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    wheels = list(dist.glob("da4ml-*.whl"))
    assert len(wheels) == 1, wheels

    # a fresh venv; its dependencies (numpy, jinja2) come from this interpreter's site-packages via a
    # .pth line, so the test needs no network; da4ml itself only from the wheel
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    deps = tmp_path / "deps"
    deps.mkdir()
    here = Path(sysconfig.get_paths()["purelib"])
    for name in ("numpy", "numpy.libs", "jinja2", "markupsafe"):
        if (here / name).exists():
            (deps / name).symlink_to(here / name)
    (site / "zz_test_deps.pth").write_text(str(deps) + "\n")
    inst = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheels[0])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert inst.returncode == 0, inst.stdout[-3000:] + inst.stderr[-3000:]
    assert (site / "da4ml" / "rtl_templates" / "comb_module.v.j2").is_file()

    run = subprocess.run(
        [str(py), "-c", SCRIPT, str(tmp_path / "prj"), str(site)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    import json

    assert json.loads(run.stdout.strip().splitlines()[-1]) == _render_here(tmp_path / "here")
