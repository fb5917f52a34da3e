"""The generic cocotb testbench: driven only by manifest.json and the DAIS binaries of a project.

Bulk work first (stimulus, golden outputs, packing into port words); then a tight loop with one write of
the input port and one read of the output port per clock, comparing packed words. Lanes are decoded only
when a word mismatches.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..project import Manifest
from ..project.packing import pack_ints
from .config import TbConfig
from .golden import GoldenModel
from .report import Mismatch, format_report
from .stimulus import make_stimulus

log = logging.getLogger("da4ml.verif")


RESET_CYCLES = 2  # clock cycles a reset (if the design has one) is held before the first sample


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


def _drive_values(words: list[int], width: int) -> list[Any]:
    # The simulator takes ints of <= 32 bits directly; wider ports take a binary string (precomputed here).
    if width <= 32:
        return words
    return [format(w, f"0{width}b") for w in words]


def _writer(handle: Any, width: int) -> Callable[[Any], None]:
    """The cheapest immediate write of a precomputed value (from _drive_values) to a port.

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


async def run_testbench(dut: Any, project_dir: str | Path) -> None:
    """Verify the DUT against the DAIS interpreter; raise AssertionError with a report on any mismatch."""
    import cocotb

    m = Manifest.load(project_dir)
    cfg = TbConfig.from_env(default_seed=int(cocotb.RANDOM_SEED))
    t0 = time.perf_counter()
    golden = GoldenModel(m)
    rng = np.random.default_rng(cfg.seed)
    stim = make_stimulus(m.input_port.lanes, cfg.n_samples, rng)
    expected = golden.expected_lanes(stim)
    drive = _drive_values(pack_ints(stim, m.input_port), m.input_port.width)
    exp_words = pack_ints(expected, m.output_port)
    t_prep = time.perf_counter() - t0
    log.info(
        "da4ml.verif: %s, %d samples, seed %d, latency %d, golden: %s, prep %.3f s",
        m.top,
        cfg.n_samples,
        cfg.seed,
        m.latency_cycles,
        golden.backend,
        t_prep,
    )

    inp = _port_handle(dut, m.input_port.name, m.input_port.width, "input_port")
    out = _port_handle(dut, m.output_port.name, m.output_port.width, "output_port")
    read = _binstr_reader(out)
    write = _writer(inp, m.input_port.width)
    n = cfg.n_samples
    max_bad = max(cfg.max_mismatches, 1)
    rst, rst_on = None, 1
    if m.reset:
        rst = _port_handle(dut, m.reset, 1, "reset")
        rst_on = 0 if reset_active_low(m.reset) else 1
    t1 = time.perf_counter()
    if m.latency_cycles > 0:
        clk = _port_handle(dut, m.clock, 1, "clock")
        bad = await _check_pipelined(m, clk, inp, rst, rst_on, drive, exp_words, read, write, max_bad)
    else:
        bad = await _check_combinational(m, inp, rst, rst_on, drive, exp_words, read, write, max_bad)
    t_loop = time.perf_counter() - t1
    n_checked = (bad[-1].sample + 1) if len(bad) >= max_bad else n
    stats: dict[str, Any] = {
        "top": m.top,
        "sim": cfg.sim,
        "seed": cfg.seed,
        "n_samples": n,
        "n_checked": n_checked,
        "latency_cycles": m.latency_cycles,
        "golden": golden.backend,
        "prep_s": round(t_prep, 6),
        "loop_s": round(t_loop, 6),
        "samples_per_s_loop": round(n_checked / t_loop, 1) if t_loop > 0 else None,
        "n_mismatches": len(bad),
        "first_mismatch": None,
        "report": "",
    }
    report = ""
    if bad:
        report = format_report(
            m,
            bad,
            stim,
            exp_words,
            n_checked=n_checked,
            seed=cfg.seed,
            sim=cfg.sim,
            waves_path=cfg.waves_path,
            repro=cfg.repro,
            max_mismatches=max_bad,
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


async def _check_pipelined(
    m: Manifest,
    clk: Any,
    inp: Any,
    rst: Any,
    rst_on: int,
    drive: list[Any],
    exp_words: list[int],
    read: Callable[[], str],
    write: Callable[[Any], None],
    max_bad: int,
) -> list[Mismatch]:
    """Clocked loop at II=1: sample s is written before rising edge s and checked at falling edge s + lat - 1."""
    from cocotb.clock import Clock
    from cocotb.simtime import get_sim_time
    from cocotb.triggers import FallingEdge, Timer

    n, lat = len(drive), m.latency_cycles
    mask = m.output_port.mask  # only lane bits are compared (and checked for X/Z)
    bad: list[Mismatch] = []
    clock = Clock(clk, m.clock_period_ns, unit="ns", impl="gpi")
    clk.value = 0
    inp.value = drive[0]  # public, scheduled write: Icarus ignores an immediate write before time 0 settles
    if rst is not None:
        rst.value = rst_on
    await Timer(1, unit="step")  # let the X->0 change of clk pass: it must not count as a falling edge
    clock.start(start_high=False)  # rising edge c at (c + 1/2) periods; outputs sampled on falling edges
    falling = FallingEdge(clk)
    if rst is not None:
        for _ in range(RESET_CYCLES):
            await falling
        rst.value = 1 - rst_on
    t_start = get_sim_time("ps")  # a falling edge (or the clock start): rising edge 0 is half a period on
    n_cycles = n + lat - 1
    # At falling edge c the last rising edge is c: the output holds sample c - lat + 1.
    for c in range(n_cycles):
        await falling
        s = c - lat + 1
        if s >= 0:
            raw = read()
            try:
                ok = (int(raw, 2) & mask) == exp_words[s]
            except ValueError:  # X / Z bits somewhere on the port
                ok = _xz_only_outside_lanes(raw, exp_words[s], mask)
            if not ok:
                bad.append(Mismatch(s, c, get_sim_time("ns"), _lane_bits_only(raw, mask)))
                if len(bad) >= max_bad:
                    break
        if c + 1 < n:
            write(drive[c + 1])
    clock.stop()
    # Guard the alignment: falling edge c must come (c + 1) clock periods after t_start.
    elapsed = get_sim_time("ps") - t_start
    period_ps = round(m.clock_period_ns * 1000)
    last = bad[-1].cycle if len(bad) >= max_bad else n_cycles - 1
    if elapsed != (last + 1) * period_ps:
        raise RuntimeError(
            f"testbench clock alignment broken: falling edge {last} at {elapsed} ps, expected "
            f"{(last + 1) * period_ps} ps; please report this da4ml.verif bug"
        )
    return bad


async def _check_combinational(
    m: Manifest,
    inp: Any,
    rst: Any,
    rst_on: int,
    drive: list[Any],
    exp_words: list[int],
    read: Callable[[], str],
    write: Callable[[Any], None],
    max_bad: int,
) -> list[Mismatch]:
    """Drive, wait one settle time (clock_period_ns), sample, compare."""
    from cocotb.simtime import get_sim_time
    from cocotb.triggers import Timer

    mask = m.output_port.mask  # only lane bits are compared (and checked for X/Z)
    bad: list[Mismatch] = []
    settle = Timer(m.clock_period_ns, unit="ns")
    if rst is not None:
        rst.value = rst_on
        await settle
        rst.value = 1 - rst_on
    await Timer(1, unit="step")  # leave time 0: Icarus ignores an immediate write before it settles
    for s in range(len(drive)):
        write(drive[s])
        await settle
        raw = read()
        try:
            ok = (int(raw, 2) & mask) == exp_words[s]
        except ValueError:  # X / Z bits somewhere on the port
            ok = _xz_only_outside_lanes(raw, exp_words[s], mask)
        if not ok:
            bad.append(Mismatch(s, s, get_sim_time("ns"), _lane_bits_only(raw, mask)))
            if len(bad) >= max_bad:
                break
    return bad
