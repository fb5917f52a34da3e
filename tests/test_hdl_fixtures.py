"""HDL regression over the fixture designs x simulators: the generic testbench passes correct RTL."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from da4ml.verif import run

DATA = Path(__file__).parent / "data" / "hdl"
FIXTURES = ["addsub_pipe", "addsub_comb"]
pytestmark = pytest.mark.simulator


@pytest.mark.parametrize("design", FIXTURES)
def test_fixture_passes(design: str, hdl_sim: str, hdl_build_dir: Path) -> None:
    res = run(DATA / design, hdl_sim, seed=1234, n_samples=3000, build_dir=hdl_build_dir)
    assert res.passed, res.summary()
    assert res.stats["n_checked"] == 3000 and res.stats["n_mismatches"] == 0
    props = {p.get("name"): p.get("value") for p in ET.parse(res.results_xml).getroot().iter("property")}
    assert props["seed"] == "1234" and props["sim"] == hdl_sim
    assert res.build_dir == hdl_build_dir.resolve()
