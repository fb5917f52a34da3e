"""Constant matrix-vector multiplication (CMVM) optimizer: ``x @ W`` as shift-and-add DAIS programs."""

from .options import solver_options_t
from .solve import ExactSolution, csd_decompose, kernel_decompose, solve, solve_exact, solve_raw

__all__ = [
    "ExactSolution",
    "csd_decompose",
    "kernel_decompose",
    "solve",
    "solve_exact",
    "solve_raw",
    "solver_options_t",
]
