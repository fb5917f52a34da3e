"""Regenerate tests/data/published/: binaries saved by the published da4ml releases plus their own predictions.

The published packages run in separate venvs (bench/.venvs/, git-ignored) as black boxes through their
public API; see bench/_published_programs.py.  Usage: python bench/make_published_fixtures.py [--versions ...]
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from _venv import published_python

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "published"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--versions", nargs="+", default=["0.6.0", "0.5.2"])
    args = parser.parse_args()
    for version in args.versions:
        python = published_python(version)
        subprocess.run([python, str(Path(__file__).with_name("_published_programs.py")), str(OUT)], check=True)
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{OUT}: {len(list(OUT.iterdir()))} files, {total} bytes")


if __name__ == "__main__":
    main()
