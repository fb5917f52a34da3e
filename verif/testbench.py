"""The generic cocotb testbench: driven only by manifest.json and the DAIS binaries of a project.

Bulk work is done block by block ahead of the loop (stimulus, golden outputs, packing into port words; see
`Samples`), so that memory stays bounded however many samples a run checks. The loop then does as little
per clock as possible, in one of two ways:

- batched (`_check_batched`, the default for Verilog designs): the design sits behind the batch wrapper
  (templates/batch_wrapper.v.j2), which presents one of K input words per clock and captures every
  output; the testbench writes K samples, lets K clock cycles run, and compares K captured outputs with one
  big-integer operation. One cocotb wake-up per K cycles.
- direct (`_check_pipelined` / `_check_combinational`): one write of the input port and one read of the
  output port per clock, for designs without a wrapper in their language.

Packed words are compared; lanes are decoded only when a word mismatches.
"""

from __future__ import annotations

import collections
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..project import Manifest
from ..project.packing import pack_ints
from .config import TbConfig
from .golden import GoldenModel
from .report import Mismatch, format_report
from .stimulus import BLOCK, stimulus_range

log = logging.getLogger("da4ml.verif")


RESET_CYCLES = 2  # clock cycles a reset (if the design has one) is held before the first sample
LATENCY_HINT_SPAN = 4  # the mismatch report compares with the expected outputs of samples this close
PROGRESS_EVERY_S = 0.5  # how often the testbench tells the runner how far it got


def reset_active_low(name: str) -> bool:
    """Reset polarity from the port name: rst_n, resetn, aresetn, ... are active low; others active high."""
    return re.search(r"(_n|rstn|resetn)$", name.lower()) is not None


def _lane_bits_only(raw: str, mask: int) -> str:
    """The port value as read (MSB first, uppercased), with bits outside every lane shown as '0'."""
    width = len(raw)
    bits = format(mask, f"0{width}b")
    return "".join(c if b == "1" else "0" for c, b in zip(raw.upper(), bits))


def _xz_only_outside_lanes(raw: str, expected: int, mask: int) -> bool:
    """Slow path: True when every X/Z bit lies outside the lanes and the lane bits match."""
    clean = _lane_bits_only(raw, mask)
    return all(c in "01" for c in clean) and int(clean, 2) == expected


def _port_handle(dut: Any, name: str, width: int, what: str) -> Any:
    try:
        h = getattr(dut, name)
    except AttributeError:
        raise AssertionError(
            f"top module {dut._name} has no port {name!r} ({what} in manifest.json); the RTL and manifest disagree"
        ) from None
    if len(h) != width:
        raise AssertionError(f"port {name} is {len(h)} bits wide, manifest.json says {width}; regenerate the project")
    return h


def _binstr_reader(handle: Any) -> Callable[[], str]:
    """The cheapest read of a port as an MSB-first string of 0/1/X/Z (uppercased only when not 0/1)."""
    raw = getattr(getattr(handle, "_handle", None), "get_signal_val_binstr", None)
    if raw is not None:
        return raw
    return lambda: str(handle.value)


def _drive_value(word: int, width: int) -> Any:
    # The simulator takes ints of <= 32 bits directly; wider ports take a binary string.
    return word if width <= 32 else format(word, f"0{width}b")


def _writer(handle: Any, width: int) -> Callable[[Any], None]:
    """The cheapest immediate write of a value (from _drive_value) to a port.

    Writes happen on the falling edge, half a period away from the sampling rising edge, so an immediate
    (no-delay) write is race-free on both simulators and skips cocotb's per-write ReadWrite scheduling.
    Falls back to the public API if cocotb's internals differ.
    """
    try:
        from cocotb.handle import _GPISetAction

        action = _GPISetAction.NO_DELAY.value
        sim_obj = handle._handle
        put = sim_obj.set_signal_val_int if width <= 32 else sim_obj.set_signal_val_binstr
    except (ImportError, AttributeError):
        from cocotb.handle import Immediate

        def put_public(v: Any) -> None:
            handle.value = Immediate(v)

        return put_public

    def put_fast(v: Any) -> None:
        put(action, v)

    return put_fast


@dataclass(frozen=True)
class Chunk:
    """Samples ``first .. first + len(drive) - 1``: lane integers, input port words, expected output words."""

    first: int
    stim: np.ndarray
    drive: list[int]
    expected: list[int]


class Samples:
    """The samples ``start .. stop - 1`` of a run, made (stimulus, golden model, packing) one block at a time."""

    def __init__(self, m: Manifest, golden: GoldenModel, seed: int, start: int, stop: int) -> None:
        self.m, self.golden, self.seed, self.start, self.stop = m, golden, seed, start, stop
        self._cache: dict[int, Chunk] = {}

    def __len__(self) -> int:
        return self.stop - self.start

    def _make(self, first: int, stop: int) -> Chunk:
        stim = stimulus_range(self.m.input_port.lanes, self.seed, first, stop)
        expected = self.golden.expected_lanes(stim)
        return Chunk(first, stim, pack_ints(stim, self.m.input_port), pack_ints(expected, self.m.output_port))

    def chunk(self, first: int) -> Chunk:
        """The block-aligned chunk holding sample ``first`` (clipped to this range); the last few are kept."""
        j = first // BLOCK
        got = self._cache.get(j)
        if got is None:
            lo, hi = max(j * BLOCK, self.start), min((j + 1) * BLOCK, self.stop)
            got = self._make(lo, hi)
            if len(self._cache) >= 2:
                self._cache.pop(min(self._cache))
            self._cache[j] = got
        return got

    def words(self, first: int, n: int, which: str) -> list[int]:
        """``n`` consecutive input ("drive") or expected output ("expected") words from sample ``first``."""
        out: list[int] = []
        s = first
        while len(out) < n:
            c = self.chunk(s)
            seq = getattr(c, which)
            take = seq[s - c.first : s - c.first + n - len(out)]
            out.extend(take)
            s += len(take)
        return out

    def around(self, s: int) -> tuple[np.ndarray, dict[int, int]]:
        """The stimulus rows of samples near ``s`` and their expected words (for a mismatch report)."""
        lo, hi = max(self.start, s - LATENCY_HINT_SPAN), min(self.stop, s + LATENCY_HINT_SPAN + 1)
        chunk = self._make(lo, hi)
        return chunk.stim, {lo + i: w for i, w in enumerate(chunk.expected)}


class Progress:
    """Tells the runner (another process) how far this testbench got: a small JSON file, rewritten atomically
    at most every PROGRESS_EVERY_S seconds."""

    def __init__(self, path: str, total: int) -> None:
        self.path, self.total = path, total
        self.t0 = time.perf_counter()
        self._next = 0.0

    def __call__(self, checked: int, force: bool = False) -> None:
        if not self.path:
            return
        now = time.perf_counter() - self.t0
        if now < self._next and not force:
            return
        self._next = now + PROGRESS_EVERY_S
        tmp = f"{self.path}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"checked": checked, "total": self.total, "elapsed_s": round(now, 3)}, fh)
        os.replace(tmp, self.path)


async def run_testbench(dut: Any, project_dir: str | Path) -> None:
    """Verify the DUT against the DAIS interpreter; raise AssertionError with a report on any mismatch."""
    import cocotb

    m = Manifest.load(project_dir)
    cfg = TbConfig.from_env(default_seed=int(cocotb.RANDOM_SEED))
    start, stop = cfg.start, cfg.end
    if not 0 <= start < stop <= cfg.n_samples:
        raise AssertionError(f"sample range {start}..{stop} is not inside the run's {cfg.n_samples} samples")
    t0 = time.perf_counter()
    golden = GoldenModel(m)
    samples = Samples(m, golden, cfg.seed, start, stop)
    samples.chunk(start)  # the first block now: its time is start-up, not loop
    t_prep = time.perf_counter() - t0
    mode = f"batches of {cfg.batch}" if cfg.batch else "one sample per wake-up"
    log.info(
        "da4ml.verif: %s, samples %d..%d of %d%s, seed %d, latency %d, golden: %s, %s, prep %.3f s",
        m.top,
        start,
        stop - 1,
        cfg.n_samples,
        f" (shard {cfg.shard})" if cfg.shard else "",
        cfg.seed,
        m.latency_cycles,
        golden.backend,
        mode,
        t_prep,
    )
    max_bad = max(cfg.max_mismatches, 1)
    progress = Progress(cfg.progress_path, len(samples))
    rst, rst_on = None, 1
    if m.reset:
        rst = _port_handle(dut, m.reset, 1, "reset")
        rst_on = 0 if reset_active_low(m.reset) else 1
    t1, c1 = time.perf_counter(), time.process_time()
    if cfg.batch:
        bad = await _check_batched(m, dut, samples, cfg.batch, rst, rst_on, max_bad, progress)
    else:
        inp = _port_handle(dut, m.input_port.name, m.input_port.width, "input_port")
        out = _port_handle(dut, m.output_port.name, m.output_port.width, "output_port")
        io = (_binstr_reader(out), _writer(inp, m.input_port.width), inp)
        if m.latency_cycles > 0:
            clk = _port_handle(dut, m.clock, 1, "clock")
            bad = await _check_pipelined(m, clk, samples, rst, rst_on, io, max_bad, progress)
        else:
            bad = await _check_combinational(m, samples, rst, rst_on, io, max_bad, progress)
    t_loop, c_loop = time.perf_counter() - t1, time.process_time() - c1
    n_checked = (bad[-1].sample + 1 - start) if len(bad) >= max_bad else len(samples)
    progress(n_checked, force=True)
    stats: dict[str, Any] = {
        "top": m.top,
        "sim": cfg.sim,
        "seed": cfg.seed,
        "n_samples": cfg.n_samples,
        "start": start,
        "stop": stop,
        "shard": cfg.shard,
        "batch": cfg.batch,
        "repro": cfg.repro,
        "n_checked": n_checked,
        "latency_cycles": m.latency_cycles,
        "golden": golden.backend,
        "prep_s": round(t_prep, 6),
        "loop_s": round(t_loop, 6),
        "loop_cpu_s": round(c_loop, 6),  # CPU time of the simulator process (on a loaded machine: < loop_s)
        "samples_per_s_loop": round(n_checked / t_loop, 1) if t_loop > 0 else None,
        "n_mismatches": len(bad),
        "first_mismatch": None,
        "report": "",
    }
    report = ""
    if bad:
        stim_rows, exp_near = samples.around(bad[0].sample)
        lo = max(start, bad[0].sample - LATENCY_HINT_SPAN)
        report = format_report(
            m,
            bad,
            {lo + i: row for i, row in enumerate(stim_rows)},
            {**exp_near, **{b.sample: b.expected for b in bad}},
            n_checked=n_checked,
            seed=cfg.seed,
            sim=cfg.sim,
            waves_path=cfg.waves_path,
            repro=cfg.repro,
            max_mismatches=max_bad,
            shard=cfg.shard,
        )
        f = bad[0]
        stats["first_mismatch"] = {"sample": f.sample, "cycle": f.cycle, "time_ns": f.time_ns, "xz": f.has_xz}
        stats["report"] = report
    if cfg.report_path:
        Path(cfg.report_path).write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")
    log.info(
        "da4ml.verif: checked %d samples in %.3f s (%.0f samples/s in the loop)",
        n_checked,
        t_loop,
        n_checked / t_loop if t_loop > 0 else float("nan"),
    )
    if bad:
        raise AssertionError("\n" + report)


def _cycle_of(m: Manifest, sample: int) -> int:
    """The clock cycle at which a sample's output is checked (rising-edge index; combinational: the sample)."""
    return sample + m.latency_cycles - 1 if m.latency_cycles > 0 else sample


def _compare(raw: str, expected: int, mask: int) -> bool:
    try:
        return (int(raw, 2) & mask) == expected
    except ValueError:  # X / Z bits somewhere on the port
        return _xz_only_outside_lanes(raw, expected, mask)


async def _start_clock(m: Manifest, clk: Any, rst: Any, rst_on: int, first_drive: Callable[[], None]) -> Any:
    """Clock low, the first input applied, reset held for RESET_CYCLES (then released); returns the clock.

    The clock starts one time step in, so that the X->0 change of clk does not count as a falling edge;
    rising edge c then comes (c + 1/2) periods after the returned moment, falling edge c (c + 1) periods after.
    """
    from cocotb.clock import Clock
    from cocotb.triggers import FallingEdge, Timer

    clock = Clock(clk, m.clock_period_ns, unit="ns", impl="gpi")
    clk.value = 0
    first_drive()  # public, scheduled writes: Icarus ignores an immediate write before time 0 settles
    if rst is not None:
        rst.value = rst_on
    await Timer(1, unit="step")
    clock.start(start_high=False)
    if rst is not None:
        falling = FallingEdge(clk)
        for _ in range(RESET_CYCLES):
            await falling
        rst.value = 1 - rst_on
    return clock


def _check_alignment(m: Manifest, t_start: int, cycles: int) -> None:
    """Guard: ``cycles`` clock periods passed since ``t_start`` (ps)."""
    from cocotb.simtime import get_sim_time

    elapsed = get_sim_time("ps") - t_start
    period_ps = round(m.clock_period_ns * 1000)
    if elapsed != cycles * period_ps:
        raise RuntimeError(
            f"testbench clock alignment broken: {elapsed} ps after the start, expected {cycles * period_ps} ps "
            f"({cycles} cycles); please report this da4ml.verif bug"
        )


async def _check_batched(
    m: Manifest,
    dut: Any,
    samples: Samples,
    k: int,
    rst: Any,
    rst_on: int,
    max_bad: int,
    progress: Progress,
) -> list[Mismatch]:
    """The batch wrapper's loop: rising edge r presents sample r and captures the output of sample r - lat.

    Batch b covers rising edges b*K .. b*K + K - 1: its inputs are written (and the previous batch's captures
    read) at the falling edge before edge b*K, half a period from any sampling edge."""
    from cocotb.simtime import get_sim_time
    from cocotb.triggers import Timer

    wi, wo, lat = m.input_port.width, m.output_port.width, m.latency_cycles
    start, stop = samples.start, samples.stop
    n = len(samples)
    clk = _port_handle(dut, "clk", 1, "the batch wrapper's clock")
    go = _port_handle(dut, "go", 1, "the batch wrapper's enable")
    b_inp = _port_handle(dut, "batch_inp", k * wi, "the batch wrapper's inputs")
    b_out = _port_handle(dut, "batch_out", k * wo, "the batch wrapper's captures")
    read, write = _binstr_reader(b_out), _writer(b_inp, k * wi)
    lane_mask = m.output_port.mask
    period_ps = round(m.clock_period_ns * 1000)

    def batch_inputs(b: int) -> int:
        first = start + b * k
        words = samples.words(first, min(k, stop - first), "drive") if first < stop else []
        acc = 0
        for i, w in enumerate(words):
            acc |= w << (i * wi)
        return acc

    def first_drive() -> None:
        b_inp.value = _drive_value(batch_inputs(0), k * wi)
        go.value = 0

    clock = await _start_clock(m, clk, rst, rst_on, first_drive)
    go.value = 1  # scheduled: takes effect before rising edge 0, half a period from now
    t_start = get_sim_time("ps")
    n_batches = math.ceil((n + lat) / k)
    period = Timer(k * period_ps, unit="ps")
    bad: list[Mismatch] = []
    done = 0
    for b in range(n_batches):
        await period  # the falling edge after rising edge b*K + K - 1
        raw = read()
        if b + 1 < n_batches:
            write(_drive_value(batch_inputs(b + 1), k * wi))
        # slot i holds the output of sample (b*K + i - lat), relative to this range
        s_lo, s_hi = max(b * k - lat, 0), min(b * k + k - lat, n)
        if s_lo >= s_hi:
            continue
        exp = samples.words(start + s_lo, s_hi - s_lo, "expected")
        want = mask = 0
        for s in range(s_lo, s_hi):
            shift = (s + lat - b * k) * wo
            want |= exp[s - s_lo] << shift
            mask |= lane_mask << shift
        try:
            ok = (int(raw, 2) & mask) == want
        except ValueError:
            ok = False  # X/Z somewhere: decide slot by slot
        if not ok:
            t_edge0 = t_start + b * k * period_ps  # the falling edge before rising edge b*K (ps)
            for s in range(s_lo, s_hi):
                slot = s + lat - b * k
                word = raw[len(raw) - (slot + 1) * wo : len(raw) - slot * wo]
                if not _compare(word, exp[s - s_lo], lane_mask):
                    # the time the direct loop reads it: the falling edge before the capture's rising edge
                    # (pipelined), one settle period after the input was applied (combinational)
                    t_ns = (t_edge0 + (slot + (0 if lat else 1)) * period_ps) / 1000
                    mm = Mismatch(start + s, _cycle_of(m, start + s), t_ns, _lane_bits_only(word, lane_mask))
                    bad.append(mm.with_expected(exp[s - s_lo]))
                    if len(bad) >= max_bad:
                        break
            if len(bad) >= max_bad:
                clock.stop()
                _check_alignment(m, t_start, (b + 1) * k)
                return bad
        done = s_hi
        progress(done)
    clock.stop()
    go.value = 0
    _check_alignment(m, t_start, n_batches * k)
    return bad


def _samples_iter(samples: Samples) -> Iterator[tuple[int, int, int]]:
    """``(index in range, input word, expected word)`` of every sample, block by block."""
    s = samples.start
    while s < samples.stop:
        c = samples.chunk(s)
        for i in range(s - c.first, len(c.drive)):
            yield s - samples.start, c.drive[i], c.expected[i]
            s += 1


async def _check_pipelined(
    m: Manifest,
    clk: Any,
    samples: Samples,
    rst: Any,
    rst_on: int,
    io: tuple[Callable[[], str], Callable[[Any], None], Any],
    max_bad: int,
    progress: Progress,
) -> list[Mismatch]:
    """Clocked loop at II=1: sample s is written before rising edge s and checked at falling edge s + lat - 1."""
    from cocotb.simtime import get_sim_time
    from cocotb.triggers import FallingEdge

    read, write, inp = io
    n, lat, wi, start = len(samples), m.latency_cycles, m.input_port.width, samples.start
    mask = m.output_port.mask  # only lane bits are compared (and checked for X/Z)
    bad: list[Mismatch] = []
    feed = _samples_iter(samples)
    first = next(feed)
    clock = await _start_clock(m, clk, rst, rst_on, lambda: setattr(inp, "value", _drive_value(first[1], wi)))
    t_start = get_sim_time("ps")  # a falling edge (or the clock start): rising edge 0 is half a period on
    falling = FallingEdge(clk)
    pending = collections.deque([first[2]])  # expected words of samples driven, not yet checked
    n_cycles = n + lat - 1
    # At falling edge c the last rising edge is c: the output holds sample c - lat + 1.
    for c in range(n_cycles):
        await falling
        s = c - lat + 1
        if s >= 0:
            expected = pending.popleft()
            raw = read()
            if not _compare(raw, expected, mask):
                t_ns = get_sim_time("ns")
                bad.append(Mismatch(start + s, _cycle_of(m, start + s), t_ns, _lane_bits_only(raw, mask)))
                bad[-1] = bad[-1].with_expected(expected)
                if len(bad) >= max_bad:
                    break
            if not s & 255:
                progress(s + 1)
        if c + 1 < n:
            _, word, expected = next(feed)
            pending.append(expected)
            write(_drive_value(word, wi))
    clock.stop()
    last = bad[-1].cycle - start if len(bad) >= max_bad else n_cycles - 1
    _check_alignment(m, t_start, last + 1)
    return bad


async def _check_combinational(
    m: Manifest,
    samples: Samples,
    rst: Any,
    rst_on: int,
    io: tuple[Callable[[], str], Callable[[Any], None], Any],
    max_bad: int,
    progress: Progress,
) -> list[Mismatch]:
    """Drive, wait one settle time (clock_period_ns), sample, compare."""
    from cocotb.simtime import get_sim_time
    from cocotb.triggers import Timer

    read, write, _ = io
    wi, start = m.input_port.width, samples.start
    mask = m.output_port.mask  # only lane bits are compared (and checked for X/Z)
    bad: list[Mismatch] = []
    settle = Timer(m.clock_period_ns, unit="ns")
    if rst is not None:
        rst.value = rst_on
        await settle
        rst.value = 1 - rst_on
    await Timer(1, unit="step")  # leave time 0: Icarus ignores an immediate write before it settles
    for s, word, expected in _samples_iter(samples):
        write(_drive_value(word, wi))
        await settle
        raw = read()
        if not _compare(raw, expected, mask):
            mm = Mismatch(start + s, _cycle_of(m, start + s), get_sim_time("ns"), _lane_bits_only(raw, mask))
            bad.append(mm.with_expected(expected))
            if len(bad) >= max_bad:
                break
        if not s & 255:
            progress(s + 1)
    return bad
