"""Shared helpers of the HLS tests: the C++ compiler and ap_types (skip with the toolchain's reason when
missing), and one check of a compiled HLSModel against independent truth."""

from __future__ import annotations

import numpy as np
import pytest

from da4ml.codegen import HLSModel
from da4ml.toolchain import ToolError, find_ap_types, find_cxx


def _reason() -> str | None:
    try:
        find_cxx()
        find_ap_types()
    except ToolError as e:
        return str(e)
    return None


_MISSING = _reason()
needs_cxx = pytest.mark.skipif(_MISSING is not None, reason=f"no HLS C-simulation: {_MISSING}")


def compiled(solution, tmp_path, name: str, **kw) -> HLSModel:
    model = HLSModel(solution, name, tmp_path / name, print_latency=False, **kw)
    model.write()
    model.compile()
    assert model.compiled
    return model


def assert_same(got: np.ndarray, want: np.ndarray, x: np.ndarray, what: str) -> None:
    """Bit-for-bit equality (float64 of exact fixed-point values), naming the first mismatch."""
    assert got.dtype == np.float64 and got.shape == want.shape, (got.dtype, got.shape, want.shape)
    bad = np.argwhere(got != want)
    if len(bad):
        s, j = bad[0]
        pytest.fail(
            f"{what}: {len(bad)} mismatches; first: sample {s} output {j}: HLS {got[s, j]!r} != expected "
            f"{want[s, j]!r}; input {x[s].tolist()}"
        )
