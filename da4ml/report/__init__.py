"""da4ml.report: what a generated design costs and how fast it is, read from its project directory.

- project.py: one ``ProjectRow`` per project (ours: manifest.json; the published da4ml's: metadata.json),
  with signoff.py (the testbench's JUnit results), yosys.py (``run_synth``: the project's Yosys script and
  its machine-readable result) and vendor.py (finding vivado.py / quartus.py / vitis.py reports).
- render.py: JSON, CSV, TSV, Markdown, the terminal table; html.py + charts.py: the HTML report with
  inline SVG charts; cells.py: the columns and value printing every format shares. Files that cannot be
  read are named in warnings, never a crash.
"""

from .errors import ReportError, VendorReportError
from .project import COLUMNS, ProjectRow, read_project, read_projects
from .render import FORMATS, render_text, sort_rows, terminal_table
from .yosys import YosysResult, load_result, run_synth

__all__ = [
    "COLUMNS",
    "FORMATS",
    "ProjectRow",
    "ReportError",
    "VendorReportError",
    "YosysResult",
    "load_result",
    "read_project",
    "read_projects",
    "render_text",
    "run_synth",
    "sort_rows",
    "terminal_table",
]
