"""Progress of a long command, phase by phase, on stderr (rich).

On a terminal each running phase is a live rich line (spinner, what it does, a bar when the amount of work is
known, elapsed time); everywhere (terminal, CI log, pipe) a finished phase leaves one plain line with its time,
and a failed one says it failed, so a log shows where a run spent its time and where it stopped::

    progress = Progress()
    with progress.phase("tracing", "model.keras") as ph:
        ...
        ph.note("12 layers")
    progress.seconds["tracing"]  # 1.23
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as _RichProgress

__all__ = ["Phase", "Progress"]


class Phase:
    """A running phase: ``advance(n)`` counts work done (of ``total``), ``note(text)`` replaces its detail."""

    def __init__(self, name: str, detail: str, total: int | None, bar: _RichProgress | None):
        self.name = name
        self.detail = detail
        self.total = total
        self.completed = 0
        self._bar = bar
        self._task = bar.add_task(self._label(), total=total) if bar is not None else None

    def _label(self) -> str:
        return escape(f"{self.name} {self.detail}".rstrip())

    def advance(self, n: int = 1) -> None:
        self.completed += n
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=n)

    def note(self, detail: str) -> None:
        self.detail = detail
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, description=self._label())


class Progress:
    """Phases of one command. ``enabled=False`` prints nothing; ``file`` defaults to stderr (stdout stays for
    the command's result)."""

    def __init__(self, enabled: bool = True, file: IO[str] | None = None):
        self.enabled = enabled
        self.console = Console(file=file if file is not None else sys.stderr, highlight=False, soft_wrap=True)
        self.seconds: dict[str, float] = {}  # finished phases, in order

    def _live(self) -> _RichProgress | None:
        if not (self.enabled and self.console.is_terminal):
            return None
        return _RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,  # the plain line below replaces it
        )

    @contextmanager
    def phase(self, name: str, detail: str = "", total: int | None = None) -> Iterator[Phase]:
        bar = self._live()
        t0 = time.perf_counter()
        if bar is not None:
            bar.start()
        ph = Phase(name, detail, total, bar)
        try:
            yield ph
        except BaseException:
            if bar is not None:
                bar.stop()
            self._line(ph, time.perf_counter() - t0, "failed after")
            raise
        if bar is not None:
            bar.stop()
        self.seconds[name] = time.perf_counter() - t0
        self._line(ph, self.seconds[name], "")

    def _line(self, ph: Phase, seconds: float, what: str) -> None:
        if not self.enabled:
            return
        count = f" [{ph.completed}/{ph.total}]" if ph.total is not None else ""
        text = f"{ph.name:<10} {ph.detail}{count}".rstrip()
        self.console.print(escape(f"  {text}  ({what + ' ' if what else ''}{seconds:.2f} s)"))
