"""cocotb test module for a project without tb/: the project directory comes from DA4ML_VERIF_PROJECT."""

from __future__ import annotations

import os
from typing import Any

import cocotb

from .testbench import run_testbench


@cocotb.test()
async def da4ml_verif(dut: Any) -> None:
    await run_testbench(dut, os.environ["DA4ML_VERIF_PROJECT"])
