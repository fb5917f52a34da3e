"""Regenerate tests/data/report/published/: projects written by the published da4ml 0.6.0 (its metadata.json
and model/ JSON, the files `da4ml report` reads; the HDL is left out), plus each program's DAIS binary saved by
the same package, which the tests read with our binary reader as the independent truth for the JSON reading.

The published package runs in its own venv (bench/.venvs/, git-ignored) as a black box through its public
API. Usage: python bench/make_report_fixtures.py
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from _venv import published_python

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "report" / "published"

SCRIPT = r"""
import sys, numpy as np
from da4ml.trace import FixedVariableArray, HWConfig, comb_trace, ops
from da4ml.codegen import HLSModel, VerilogModel
out = sys.argv[1]
w = np.random.default_rng(0).integers(-8, 8, (4, 3)) / 4
for cutoff, name in ((-1, "pubcomb"), (2, "pubpipe"), (-1, "pubhls")):
    x = FixedVariableArray.from_kif(np.ones(4), 3, 2, hwconf=HWConfig(1, -1, cutoff))
    comb = comb_trace(x, ops.relu(x @ w.astype(np.float32), i=4, f=2))
    if name == "pubhls":
        HLSModel(comb, name, f"{out}/{name}").write()
    else:
        VerilogModel(comb, name, f"{out}/{name}", latency_cutoff=cutoff, print_latency=False).write()
    comb.save_binary(f"{out}/{name}/model.dais.bin")
"""


def main() -> None:
    python = published_python("0.6.0")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([python, "-I", "-c", SCRIPT, tmp], check=True, cwd=tmp)
        shutil.rmtree(OUT, ignore_errors=True)
        for prj in sorted(Path(tmp).iterdir()):
            keep = [prj / "metadata.json", prj / "model.dais.bin", *sorted((prj / "model").glob("*.json"))]
            for f in keep:
                dst = OUT / prj.name / f.relative_to(prj)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, dst)
    files = sorted(p for p in OUT.rglob("*") if p.is_file())
    print(f"{OUT}: {len(files)} files, {sum(p.stat().st_size for p in files)} bytes")


if __name__ == "__main__":
    main()
