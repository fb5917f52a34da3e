"""pytest plugin for the HDL regression (loaded from tests/conftest.py via `pytest_plugins`).

- `--sim icarus|verilator|all` (default: $SIM, else every simulator found): the simulators HDL tests run on.
- fixture `hdl_sim`: tests that request it are parametrized over the selected simulators; a selected but
  missing simulator skips with the reason (the da4ml.toolchain message), and fails the test when --sim/SIM
  asked for it (`make test` runs `--sim all`: there a missing simulator is a failure, never a skip).
- fixtures `verilator_sim`, `icarus_sim`: tests that need that one simulator (same rules); `one_hdl_sim`: the
  first usable of the selected ones.
- fixture `hdl_build_dir`: a build directory of its own per test id (tmp_path), so `pytest -n auto` is safe.
- `assert_caught(res)`: a failing run counts as a caught mutation only if the design built and simulated and
  the testbench reported the first bad cycle (a build failure or a crash is not a caught mutation).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


def _explicit(config: pytest.Config) -> bool:
    return bool(config.getoption("--sim") or os.environ.get("SIM"))


def use_simulator(config: pytest.Config, sim: str) -> str:
    """``sim`` if it is selected and usable; else skip, or fail when --sim/SIM asked for it."""
    from da4ml.toolchain import ToolError, find_simulator

    if sim not in selected_simulators(config):
        pytest.skip(f"{sim} is not selected (--sim/SIM)")
    try:
        find_simulator(sim)
    except ToolError as e:
        if _explicit(config):
            pytest.fail(f"--sim/SIM asks for {sim}, which is unusable: {e}")
        pytest.skip(f"{sim} not available: {e}")
    return sim


@pytest.fixture
def hdl_sim(request: pytest.FixtureRequest) -> str:
    return use_simulator(request.config, request.param)


@pytest.fixture
def verilator_sim(request: pytest.FixtureRequest) -> str:
    return use_simulator(request.config, "verilator")


@pytest.fixture
def icarus_sim(request: pytest.FixtureRequest) -> str:
    return use_simulator(request.config, "icarus")


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
    if _explicit(request.config):
        pytest.fail("--sim/SIM asks for simulators none of which is usable: " + "; ".join(reasons))
    pytest.skip("no selected simulator available: " + "; ".join(reasons))


def assert_caught(res: Any) -> dict[str, Any]:
    """The first mismatch of a run (da4ml.verif.RunResult) that must fail because its RTL is wrong.

    It counts only if the design built and simulated and the testbench reported the first bad cycle: a
    build failure, a simulator crash or a missing report fails the test instead of passing it."""
    assert not res.passed, f"the wrong RTL passed:\n{res.summary()}"
    assert not res.error, f"the run failed for another reason than a mismatch (not a caught mutation):\n{res.summary()}"
    assert res.stats, f"the testbench reported nothing: did the design build and simulate?\n{res.summary()}"
    first = res.stats.get("first_mismatch")
    assert first is not None and res.stats.get("n_mismatches", 0) >= 1, f"no mismatch reported:\n{res.summary()}"
    assert f"first bad cycle {first['cycle']}," in res.report, f"the report names no first bad cycle:\n{res.report}"
    return first
