"""Report rows as text: JSON, CSV, TSV, Markdown and the terminal table (HTML: html.py).

Every format holds every column; the terminal table and Markdown leave out the columns no project has a value
in. Numbers are printed the same way everywhere (``format_value``); a missing value is empty (JSON: null).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Sequence

from .cells import format_value, used_columns
from .html import render_html
from .project import COLUMNS, ProjectRow

__all__ = ["FORMATS", "format_value", "render_text", "sort_rows", "used_columns"]

FORMATS = ("json", "csv", "tsv", "md", "html")
REPORT_FORMAT = 1


def sort_rows(rows: Sequence[ProjectRow], key: str | None) -> list[ProjectRow]:
    """Rows sorted by column ``key`` (``-key``: descending); rows without a value go last. Unknown key:
    ValueError listing the columns."""
    if not key:
        return list(rows)
    desc = key.startswith("-")
    name = key.lstrip("-")
    keys = [c.key for c in COLUMNS]
    if name not in keys:
        raise ValueError(f"--sort {key!r}: no such column; use one of {', '.join(keys)} (--sort=-KEY for descending)")
    have = [r for r in rows if getattr(r, name) is not None]
    missing = [r for r in rows if getattr(r, name) is None]
    return sorted(have, key=lambda r: getattr(r, name), reverse=desc) + missing


def _json(rows: Sequence[ProjectRow], warnings: Sequence[str]) -> str:
    doc = {
        "format": REPORT_FORMAT,
        "columns": [{"key": c.key, "header": c.header} for c in COLUMNS],
        "projects": [r.as_dict() for r in rows],
        "warnings": list(warnings),
    }
    return json.dumps(doc, indent=2) + "\n"


def _delimited(rows: Sequence[ProjectRow], dialect: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, dialect=dialect, lineterminator="\n")
    w.writerow([c.key for c in COLUMNS])
    for r in rows:
        w.writerow([format_value(getattr(r, c.key)) for c in COLUMNS])
    return buf.getvalue()


def _md_cell(v: str) -> str:
    return v.replace("|", "\\|")


def _markdown(rows: Sequence[ProjectRow], warnings: Sequence[str]) -> str:
    cols = used_columns(rows)
    lines = [
        "| " + " | ".join(c.header for c in cols) + " |",
        "|" + "|".join("---:" if c.numeric else "---" for c in cols) + "|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(_md_cell(format_value(getattr(r, c.key))) for c in cols) + " |")
    lines += [""] + [f"- warning: {w}" for w in warnings]
    return "\n".join(lines).rstrip("\n") + "\n"


def terminal_table(rows: Sequence[ProjectRow], width: int | None = None) -> str:
    """Aligned columns (numbers right-aligned); when wider than the terminal, split into blocks that each
    repeat the project name."""
    cols = used_columns(rows)
    cells = [[format_value(getattr(r, c.key)) for c in cols] for r in rows]
    widths = [max([len(c.header)] + [len(row[j]) for row in cells]) for j, c in enumerate(cols)]
    width = width or shutil.get_terminal_size((160, 24)).columns
    blocks: list[list[int]] = []
    cur: list[int] = [0]
    used = widths[0]
    for j in range(1, len(cols)):
        if used + 2 + widths[j] > width and len(cur) > 1:
            blocks.append(cur)
            cur, used = [0], widths[0]
        cur.append(j)
        used += 2 + widths[j]
    blocks.append(cur)
    out: list[str] = []
    for block in blocks:

        def fmt(texts: list[str], block: list[int] = block) -> str:
            parts = [t.rjust(widths[j]) if cols[j].numeric else t.ljust(widths[j]) for t, j in zip(texts, block)]
            return "  ".join(parts).rstrip()

        out.append(fmt([cols[j].header for j in block]))
        out.append("  ".join("-" * widths[j] for j in block))
        out += [fmt([row[j] for j in block]) for row in cells]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render_text(rows: Sequence[ProjectRow], fmt: str, warnings: Sequence[str] = ()) -> str:
    if fmt == "json":
        return _json(rows, warnings)
    if fmt == "csv":
        return _delimited(rows, "excel")
    if fmt == "tsv":
        return _delimited(rows, "excel-tab")
    if fmt == "md":
        return _markdown(rows, warnings)
    if fmt == "html":
        return render_html(rows, warnings)
    raise ValueError(f"report format {fmt!r} is not one of {', '.join(FORMATS)}")
