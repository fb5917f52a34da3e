"""What a long phase is doing, told once and kept short: a live line on a terminal (rich), a few plain lines
elsewhere (CI logs, pytest, pipes).

- ``with phase("verilating mlp (2 jobs)"):`` a spinner with the elapsed time on a terminal; otherwise a line
  every `PLAIN_EVERY_S` seconds while it runs and one when it ends. A phase shorter than `QUIET_S` leaves
  nothing behind.
- ``with counter("icarus: checking", total) as c: c.update(done)``: a bar with count, rate and ETA on a
  terminal; otherwise the same figures as plain lines every `PLAIN_EVERY_S` seconds.

Output goes to stderr; ``DA4ML_PROGRESS=0`` silences it, ``DA4ML_PROGRESS=plain`` forces the plain lines.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator

__all__ = ["PLAIN_EVERY_S", "QUIET_S", "counter", "enabled", "phase"]

PLAIN_EVERY_S = 15.0
QUIET_S = 2.0


def _mode() -> str:
    """'off', 'plain' or 'live'."""
    env = os.environ.get("DA4ML_PROGRESS", "").lower()
    if env in ("0", "off", "no", "false"):
        return "off"
    if env == "plain":
        return "plain"
    return "live" if sys.stderr.isatty() else "plain"


def enabled() -> bool:
    return _mode() != "off"


def _fmt_s(s: float) -> str:
    return f"{s:.1f} s" if s < 60 else f"{int(s // 60)} min {int(s % 60):02d} s"


def _plain(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class _Ticker:
    """Calls ``fn()`` every ``every`` seconds (the first time after ``first``) from a daemon thread until stopped."""

    def __init__(self, every: float, fn, first: float | None = None) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(every, fn, every if first is None else first))
        self._thread.daemon = True
        self._thread.start()

    def _loop(self, every: float, fn, first: float) -> None:
        wait = first
        while not self._stop.wait(wait):
            fn()
            wait = every

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def phase(what: str) -> Iterator[None]:
    """Tell that ``what`` is going on while the block runs, and how long it took."""
    mode = _mode()
    t0 = time.perf_counter()
    if mode == "off":
        yield
        return
    if mode == "plain":
        ticker = _Ticker(PLAIN_EVERY_S, lambda: _plain(f"{what} ... {_fmt_s(time.perf_counter() - t0)}"), QUIET_S)
        try:
            yield
        finally:
            ticker.stop()
        if time.perf_counter() - t0 >= QUIET_S:
            _plain(f"{what}: done in {_fmt_s(time.perf_counter() - t0)}")
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status(f"{what} ...") as status:
        ticker = _Ticker(1.0, lambda: status.update(f"{what} ... {_fmt_s(time.perf_counter() - t0)}"))
        try:
            yield
        finally:
            ticker.stop()
    took = time.perf_counter() - t0
    if took >= QUIET_S:
        console.print(f"{what}: done in {_fmt_s(took)}", highlight=False)


class _Count:
    def __init__(self) -> None:
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done


@contextlib.contextmanager
def counter(what: str, total: int, unit: str = "samples") -> Iterator[_Count]:
    """A count towards ``total``; the caller sets ``c.update(done)`` as it goes (from any thread)."""
    mode = _mode()
    c = _Count()
    t0 = time.perf_counter()

    def figures() -> str:
        el = time.perf_counter() - t0
        rate = c.done / el if el > 0 else 0.0
        eta = f", ETA {_fmt_s((total - c.done) / rate)}" if 0 < rate and c.done < total else ""
        return f"{c.done}/{total} {unit}, {rate:.0f}/s{eta}"

    if mode == "off":
        yield c
        return
    if mode == "plain":
        ticker = _Ticker(PLAIN_EVERY_S, lambda: _plain(f"{what}: {figures()}"), QUIET_S)
        try:
            yield c
        finally:
            ticker.stop()
        if time.perf_counter() - t0 >= QUIET_S:
            _plain(f"{what}: {figures()} in {_fmt_s(time.perf_counter() - t0)}")
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit))
    with Progress(*columns, TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=total)
        ticker = _Ticker(0.25, lambda: bar.update(task, completed=c.done))
        try:
            yield c
        finally:
            ticker.stop()
    if time.perf_counter() - t0 >= QUIET_S:
        Console(stderr=True).print(f"{what}: {figures()} in {_fmt_s(time.perf_counter() - t0)}", highlight=False)
