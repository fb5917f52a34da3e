"""pytest plugin for the HDL regression (loaded from tests/conftest.py via `pytest_plugins`).

- `--sim icarus|verilator|all` (default: $SIM, else every simulator found): the simulators HDL tests run on.
- fixture `hdl_sim`: tests that request it are parametrized over the selected simulators; a selected but
  missing simulator skips with the reason (the da4ml.toolchain message).
- fixture `hdl_build_dir`: a build directory of its own per test id (tmp_path), so `pytest -n auto` is safe.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SIMULATORS = ("icarus", "verilator")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--sim",
        action="store",
        default=None,
        choices=(*SIMULATORS, "all"),
        help="HDL simulator for tests marked `simulator` (default: $SIM, else all found)",
    )


def selected_simulators(config: pytest.Config) -> list[str]:
    choice = config.getoption("--sim") or os.environ.get("SIM") or "all"
    if choice != "all" and choice not in SIMULATORS:
        raise pytest.UsageError(f"SIM={choice!r}: use one of {', '.join(SIMULATORS)} or all")
    return list(SIMULATORS) if choice == "all" else [choice]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "hdl_sim" in metafunc.fixturenames:
        metafunc.parametrize("hdl_sim", selected_simulators(metafunc.config), indirect=True)


@pytest.fixture
def hdl_sim(request: pytest.FixtureRequest) -> str:
    from da4ml.toolchain import ToolError, find_simulator

    sim = request.param
    try:
        find_simulator(sim)
    except ToolError as e:
        if request.config.getoption("--sim") or os.environ.get("SIM"):
            pytest.fail(f"--sim/SIM asks for {sim}, which is unusable: {e}")
        pytest.skip(f"{sim} not available: {e}")
    return sim


@pytest.fixture
def hdl_build_dir(tmp_path: Path) -> Path:
    d = tmp_path / "sim_build"
    d.mkdir()
    return d


@pytest.fixture
def one_hdl_sim(request: pytest.FixtureRequest) -> str:
    """The first usable of the selected simulators (for tests that need a simulator, not the matrix)."""
    from da4ml.toolchain import ToolError, find_simulator

    reasons = []
    for sim in selected_simulators(request.config):
        try:
            find_simulator(sim)
        except ToolError as e:
            reasons.append(f"{sim}: {e}")
            continue
        return sim
    pytest.skip("no selected simulator available: " + "; ".join(reasons))
