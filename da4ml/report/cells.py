"""Table cells shared by every report format (text formats in render.py, HTML in html.py): which columns a
set of rows fills, and how a value is printed."""

from __future__ import annotations

from collections.abc import Sequence

from .project import COLUMNS, Column, ProjectRow


def format_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    return str(v)


def used_columns(rows: Sequence[ProjectRow]) -> list[Column]:
    """Columns with a value in at least one row (name always)."""
    return [c for c in COLUMNS if c.key == "name" or any(getattr(r, c.key) is not None for r in rows)]
