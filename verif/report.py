"""Human-readable mismatch reports (built only after a failure: nothing here runs per cycle)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..project import Lane, Manifest
from ..project.packing import unpack_int
from .stimulus import N_CORNER_VECTORS

CORNER_NAMES = ("all minimum", "all maximum", "zero", "alternating min/max", "alternating max/min")


@dataclass(frozen=True)
class Mismatch:
    sample: int  # index into the stimulus
    cycle: int  # rising-edge index at which the bad output was captured (combinational: sample index)
    time_ns: float  # simulation time of the sample point
    actual: str  # the output port as read from the simulator, MSB first ('0'/'1'/'X'/'Z'/...)
    expected: int = -1  # the expected port word (lane bits)

    def with_expected(self, word: int) -> Mismatch:
        return dataclasses.replace(self, expected=word)

    @property
    def has_xz(self) -> bool:
        return any(c not in "01" for c in self.actual)


def _fmt_real(v: int, la: Lane) -> str:
    return repr(v * 2.0**-la.f)


def _fmt_lane(v: int, la: Lane) -> str:
    digits = max((la.width + 3) // 4, 1)
    return f"0x{v & ((1 << la.width) - 1) if la.width else 0:0{digits}x} (int {v}, real {_fmt_real(v, la)})"


def _lane_bits(raw: str, la: Lane, width: int) -> str:
    # raw is MSB first: bit b sits at index width - 1 - b
    return raw[width - la.offset - la.width : width - la.offset] if la.width else ""


def bad_lanes(m: Mismatch, expected_word: int, manifest: Manifest) -> list[int]:
    port = manifest.output_port
    exp_bits = format(expected_word, f"0{port.width}b") if port.width else ""
    return [
        la.lane
        for la in port.lanes
        if la.width and _lane_bits(m.actual.upper(), la, port.width) != _lane_bits(exp_bits, la, port.width)
    ]


def sample_kind(s: int) -> str:
    return f"corner vector '{CORNER_NAMES[s]}'" if s < N_CORNER_VECTORS else "random vector"


def latency_hint(m: Mismatch, exp_words: Mapping[int, int], manifest: Manifest) -> str:
    """If the actual output equals the expected output of a nearby sample, the latency is likely off.

    ``exp_words``: expected words by sample index (those near ``m.sample`` are enough)."""
    if m.has_xz:
        return ""
    act = int(m.actual, 2)
    hits = [d for d in range(-4, 5) if d and exp_words.get(m.sample + d) == act]
    if not hits:
        return ""
    d = hits[0]
    return (
        f"  hint           : the output equals the expected value of sample {m.sample + d}; the design's real "
        f"latency may be {manifest.latency_cycles - d} cycles, manifest.json says {manifest.latency_cycles}\n"
    )


def format_report(
    manifest: Manifest,
    mismatches: list[Mismatch],
    stim: Mapping[int, np.ndarray],
    exp_words: Mapping[int, int],
    *,
    n_checked: int,
    seed: int,
    sim: str,
    waves_path: str,
    repro: str,
    max_mismatches: int,
    shard: str = "",
) -> str:
    """The report of ``mismatches`` (the first first); ``stim`` / ``exp_words``: input rows and expected words
    by sample index, for the mismatched samples and those near the first."""
    m = mismatches[0]
    port = manifest.output_port
    exp = exp_words[m.sample]
    lanes = bad_lanes(m, exp, manifest)
    kind = "X/Z ON OUTPUT" if m.has_xz else "OUTPUT MISMATCH"
    head = (
        f"{kind} in {manifest.top} ({sim}): first bad cycle {m.cycle}, sim time {m.time_ns:g} ns, "
        f"sample {m.sample} ({sample_kind(m.sample)})"
    )
    lines = [head]
    exp_lanes = unpack_int(exp, port)
    act_lanes = None if m.has_xz else unpack_int(int(m.actual, 2), port)
    for j in lanes or [la.lane for la in port.lanes if la.width]:
        la = port.lanes[j]
        lines.append(f"  output lane    : {la.describe(port.name)}")
        lines.append(f"    expected     : {_fmt_lane(exp_lanes[j], la)}")
        if act_lanes is None:
            lines.append(f"    actual       : {_lane_bits(m.actual, la, port.width)!r} (X/Z bits, binary MSB first)")
        else:
            lines.append(f"    actual       : {_fmt_lane(act_lanes[j], la)}")
    good = len([la for la in port.lanes if la.width]) - len(lanes)
    lines.append(f"  lanes          : {len(lanes)} bad {lanes}, {good} good")
    lines.append(f"  expected word  : 0x{exp:x}")
    lines.append(f"  actual word    : {m.actual} (binary, MSB first)")
    inp = ", ".join(f"x{la.lane}={_fmt_lane(int(v), la)}" for la, v in zip(manifest.input_port.lanes, stim[m.sample]))
    lines.append(f"  input vector   : [{inp}]")
    hint = latency_hint(m, exp_words, manifest)
    if hint:
        lines.append(hint.rstrip("\n"))
    lines.append(f"  seed           : {seed}")
    if shard:
        lines.append(f"  shard          : {shard} (this simulator process checked {n_checked} samples of the run)")
    lines.append(f"  waveform       : {waves_path or 'not recorded (rerun with --waves / WAVES=1)'}")
    lines.append(f"  reproduce      : {repro}")
    if len(mismatches) > 1 or max_mismatches > 1:
        stopped = " (stopped at MAX_MISMATCHES)" if len(mismatches) >= max_mismatches else ""
        lines.append(f"  summary        : {len(mismatches)} bad samples in {n_checked} checked{stopped}")
        for mm in mismatches[:20]:
            tag = "X/Z" if mm.has_xz else f"lanes {bad_lanes(mm, exp_words[mm.sample], manifest)}"
            lines.append(f"    cycle {mm.cycle:>7} t={mm.time_ns:g} ns sample {mm.sample:>7}: {tag}")
        if len(mismatches) > 20:
            lines.append(f"    ... {len(mismatches) - 20} more")
    return "\n".join(lines)
