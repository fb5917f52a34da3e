"""``to_pipeline`` for traced programs: the one staging algorithm (``da4ml.ir.staging.split_stages``), keeping
the tracer's marker on each stage's op list so that replaying a stage stays exact."""

from __future__ import annotations

from da4ml.ir import CombLogic, Pipeline
from da4ml.ir.staging import split_stages

from .tracer import TracedOps


def to_pipeline(comb: CombLogic, latency_cutoff: float, retiming: bool = True, verbose: bool = False) -> Pipeline:
    """Register stages of at most ``latency_cutoff`` combinational latency each (<= 0: one stage).

    ``retiming``: see ``da4ml.ir.staging.split_stages`` (stages are cut at the ops' arrival times)."""
    pipe = split_stages(comb, latency_cutoff, retiming=retiming)
    if isinstance(comb.ops, TracedOps):
        pipe = Pipeline([stage._replace(ops=TracedOps(stage.ops)) for stage in pipe])
    if verbose:
        print(f"to_pipeline: {len(pipe)} stage(s) at latency cutoff {latency_cutoff}")
    return pipe
