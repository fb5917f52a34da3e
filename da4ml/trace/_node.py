"""DAIS-level graph nodes: one node = one DAIS op with an exact integer interval (vmin..vmax in steps of
2**-f).  Nodes are immutable; each carries its latency and cost under the configuration of the inputs it was
computed from (``config``: None for a node that reads no input, i.e. a constant)."""

from __future__ import annotations

import itertools
import weakref

from da4ml.ir import Opcode

from ._config import DEFAULT_HWCONF, TraceConfig, common_config
from ._cost import op_cost_delay
from ._errors import TraceError
from ._types import MAX_WIDTH, kif_int, type_range, width_int

_uid = itertools.count()


class TraceInput:
    """One input position of a traced program: its arrival time and the trace's configuration."""

    __slots__ = ("config", "latency", "name", "uid")

    def __init__(self, config: TraceConfig, latency: float = 0.0, name: str = ""):
        self.config = config
        self.latency = float(latency)
        self.uid = next(_uid)
        self.name = name


class Node:
    __slots__ = (
        "__weakref__",
        "a",
        "b",
        "c",
        "config",
        "cost",
        "data",
        "f",
        "input",
        "latency",
        "opcode",
        "table",
        "uid",
        "vmax",
        "vmin",
        "wide",
    )

    def __init__(self, opcode, a, b, c, data, vmin, vmax, f, table=None, input=None, sub=0, wide=None):
        self.opcode = Opcode(opcode)
        self.a, self.b, self.c = a, b, c
        self.data = data
        self.vmin, self.vmax, self.f = int(vmin), int(vmax), int(f)
        self.table = table
        self.input = input
        self.uid = next(_uid)
        w = width_int(self.vmin, self.vmax)
        self.wide = wide
        config = input.config if input is not None else None
        for o in (a, b, c):
            if o is not None:
                if o.wide is not None:
                    raise TraceError(o.wide)
                if o.config is not config:
                    config = common_config(config, o.config, f"an operation ({self.opcode.name})")
        self.config = config
        if w > MAX_WIDTH and wide is None:
            raise TraceError(
                f"{self.opcode.name} would produce a {w}-bit value (interval [{self.vmin}, {self.vmax}] * 2**-{self.f}); "
                f"DAIS values are limited to {MAX_WIDTH} bits: quantize the operands (or the constants) first"
            )
        if self.opcode in (Opcode.ADD, Opcode.SUB):
            _check_aligned_sum(self)
        elif self.opcode == Opcode.MUL:
            _check_product(self)
        in_w = tuple(width_int(o.vmin, o.vmax) for o in (a, b) if o is not None)
        const, offset, kifs = 0, 0, None
        if self.opcode in (Opcode.ADD, Opcode.SUB):
            const, kifs = int(data), (a.kif, b.kif, kif_int(self.vmin, self.vmax, self.f))
        elif self.opcode == Opcode.ADD_CONST:
            const = int(data)
            sub = (const & -const).bit_length() - 1 if const else w  # pass-through low bits
            offset = self.f - a.f
        elif self.opcode in (Opcode.MUX, Opcode.NEG_MUX):
            sub = int(any(o is not None and o.opcode == Opcode.CONST for o in (a, b)))
        hw = config.hwconf if config is not None else DEFAULT_HWCONF
        self.cost, delay = op_cost_delay(self.opcode, w, hw, in_w, sub, const, offset, kifs)
        if self.opcode == Opcode.INPUT:
            self.latency = input.latency
        else:
            self.latency = max((o.latency for o in (a, b, c) if o is not None), default=0.0) + delay

    @property
    def kif(self) -> tuple[int, int, int]:
        return kif_int(self.vmin, self.vmax, self.f)

    @property
    def width(self) -> int:
        return width_int(self.vmin, self.vmax)

    def __repr__(self):
        return f"Node({self.opcode.name}, [{self.vmin}, {self.vmax}]*2**-{self.f}, lat={self.latency})"


def _aligned(n: Node, shift: int) -> tuple[int, int]:
    """The full range of n's binary type (its minimal k, i, f), shifted left by ``shift`` >= 0 bits."""
    if n.vmin == 0 and n.vmax == 0:
        return 0, 0
    lo, hi = type_range(*n.kif)
    return lo << shift, hi << shift


def _check_aligned_sum(n: Node) -> None:
    """An adder's exact sum at the common step ``F = max(A.f, B.f - shift)``, over the full ranges of its
    operands' types, must fit MAX_WIDTH bits: the check every DAIS reader makes (dais.md, opcodes 0 / 1), done
    here so the operation that builds it fails, not the program's first ``predict``."""
    a, b, shift = n.a, n.b, int(n.data)
    F = max(a.f, b.f - shift)
    alo, ahi = _aligned(a, F - a.f)
    blo, bhi = _aligned(b, F - b.f + shift)
    lo, hi = (alo - bhi, ahi - blo) if n.opcode == Opcode.SUB else (alo + blo, ahi + bhi)
    w = width_int(lo, hi)
    if w > MAX_WIDTH:
        raise TraceError(
            f"{n.opcode.name} of values of types {a.kif} and {b.kif} (b * 2**{shift}) needs a {w}-bit exact sum "
            f"at step 2**-{F}; DAIS values are limited to {MAX_WIDTH} bits: the operands' steps and magnitudes lie "
            "too far apart. Quantize the operands (or the constants, e.g. a weight 1e30 or 0.1) to fewer bits first"
        )


def _check_product(n: Node) -> None:
    """The exact product over the full ranges of the operands' types must fit MAX_WIDTH bits (dais.md, 7)."""
    alo, ahi = _aligned(n.a, 0)
    blo, bhi = _aligned(n.b, 0)
    p = (alo * blo, alo * bhi, ahi * blo, ahi * bhi)
    w = width_int(min(p), max(p))
    if w > MAX_WIDTH:
        raise TraceError(
            f"MUL of values of types {n.a.kif} and {n.b.kif} needs a {w}-bit exact product; DAIS values are "
            f"limited to {MAX_WIDTH} bits: quantize the operands to fewer bits first"
        )


_CONS: weakref.WeakValueDictionary[tuple, Node] = weakref.WeakValueDictionary()


def mk(opcode, a, b, c, data, vmin, vmax, f, table=None, input=None, sub=0, wide=None) -> Node:
    """Hash-consed node constructor: structurally identical ops are one node (so x - x' folds when x' is a
    re-trace of x).  Keys hold operand ids, which stay valid while the cached node (holding them) lives; the
    configuration follows from the operands (or the input), so it needs no place in the key."""
    key = (int(opcode), id(a), id(b), id(c), data, int(vmin), int(vmax), int(f), table,
           None if input is None else input.uid)  # fmt: skip
    n = _CONS.get(key)
    if n is None:
        n = Node(opcode, a, b, c, data, vmin, vmax, f, table=table, input=input, sub=sub, wide=wide)
        _CONS[key] = n
    return n


def input_node(inp: TraceInput, k: int, i: int, f: int) -> Node | None:
    """The INPUT node of input ``inp`` read as type (k, i, f) (None: a type that holds only 0)."""
    lo, hi = type_range(k, i, f)
    if lo == hi:
        return None
    return mk(Opcode.INPUT, None, None, None, 0, lo, hi, f, input=inp)
