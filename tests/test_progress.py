"""da4ml.progress: one line per finished phase with its time (also off a terminal), a failed phase says so."""

from __future__ import annotations

import io
import re

import pytest

from da4ml.progress import Progress


def test_phases_in_a_log():
    buf = io.StringIO()
    p = Progress(file=buf)
    with p.phase("tracing", "m.keras") as ph:
        ph.note("m.keras (12 layers)")
    with p.phase("simulating", "icarus", total=2) as ph:
        ph.advance()
        ph.advance()
    with pytest.raises(KeyError), p.phase("writing", "prj"):
        raise KeyError("boom")
    lines = buf.getvalue().splitlines()
    assert re.fullmatch(r"  tracing +m\.keras \(12 layers\)  \(\d+\.\d\d s\)", lines[0]), lines
    assert re.fullmatch(r"  simulating icarus \[2/2\]  \(\d+\.\d\d s\)", lines[1]), lines
    assert re.fullmatch(r"  writing +prj  \(failed after \d+\.\d\d s\)", lines[2]), lines
    assert list(p.seconds) == ["tracing", "simulating"]  # the failed phase has no time of a finished one


def test_disabled_prints_nothing():
    buf = io.StringIO()
    p = Progress(enabled=False, file=buf)
    with p.phase("tracing"):
        pass
    assert buf.getvalue() == "" and "tracing" in p.seconds


def test_markup_in_names_is_printed_verbatim():
    buf = io.StringIO()
    with Progress(file=buf).phase("loading", "[bold]x[/bold].keras"):
        pass
    assert "[bold]x[/bold].keras" in buf.getvalue()
