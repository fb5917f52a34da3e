"""The HTML report: the table and three charts (LUTs per project, cost estimate against Yosys LUTs,
latency), one self-contained file (inline CSS and SVG, no script, nothing fetched)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import __version__
from ..project.templates import render
from .cells import format_value, used_columns
from .charts import Chart, bar_chart, scatter_chart
from .project import ProjectRow

__all__ = ["charts_of", "render_html"]


def _labels(rows: Sequence[ProjectRow]) -> list[str]:
    """Project names, made unique (a name seen twice gets its path)."""
    names = [r.name for r in rows]
    return [r.name if names.count(r.name) == 1 else f"{r.name} ({r.path})" for r in rows]


def charts_of(rows: Sequence[ProjectRow]) -> list[Chart]:
    labels = _labels(rows)
    luts = bar_chart(
        "luts",
        "LUTs per project",
        "The cost model's estimate next to the LUTs Yosys (synth_xilinx: LUT1-LUT6 and INV cells) and Vivado counted.",
        labels,
        [
            ("cost estimate", [r.cost for r in rows]),
            ("Yosys LUT", [r.yosys_lut for r in rows]),
            ("Vivado LUT", [r.vivado_lut for r in rows]),
        ],
        "LUTs",
    )
    fidelity = scatter_chart(
        "fidelity",
        "Cost estimate against Yosys LUTs",
        "One point per project with a Yosys result; on the solid line the estimate is exact, between the "
        "dashed lines it is within 10 %.",
        [(lab, r.cost, r.yosys_lut) for lab, r in zip(labels, rows) if r.cost and r.yosys_lut is not None],
        "cost estimate (LUTs)",
        "Yosys LUTs",
    )
    latency = bar_chart(
        "latency",
        "Latency",
        "Combinational depth of the program in adder levels, the LUT levels on Yosys's longest path, and "
        "the pipeline's latency in clock cycles.",
        labels,
        [
            ("adder levels", [r.adder_levels for r in rows]),
            ("Yosys LUT levels", [r.yosys_lut_levels for r in rows]),
            ("cycles", [r.latency_cycles for r in rows]),
        ],
        "levels / cycles",
    )
    return [luts, fidelity, latency]


def render_html(rows: Sequence[ProjectRow], warnings: Sequence[str] = ()) -> str:
    cols = used_columns(rows)
    table = [[format_value(getattr(r, c.key)) for c in cols] for r in rows]
    return render(
        "report:report.html.j2",
        version=__version__,
        columns=cols,
        table=table,
        charts=charts_of(rows),
        warnings=list(warnings),
    )
