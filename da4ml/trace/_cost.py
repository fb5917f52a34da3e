"""Cost (LUT proxy) and delay (adder levels) of each DAIS op kind: the tracer's one cost model.

Adders use da4ml.ir.cost (the model shared with the CMVM optimizer).  The rest are LUT counts calibrated on
Yosys synth_xilinx (`python bench/synth.py --op-classes`, which measures each class on its own design):
re-interpretations (QUANTIZE without negation, CONST, INPUT, NOT) are wiring; a 2:1 mux, a relu gate or a
two-input bitwise op is one LUT per output bit (a LUT2/LUT3 cell each: synthesis does not pair them in one
LUT6); adding a constant puts an inverter (a LUT1) on every bit where the constant has a one and feeds the
other bits to the carry chain as they are; a negation inverts every operand bit; a product of two
variables is an array of partial products; a lookup or a bit reduction costs LUT levels by input width."""

from __future__ import annotations

import math

from da4ml.ir import BitUnary, HWConfig, Opcode, operands
from da4ml.ir.cost import adder_cost, adder_latency

LUT_DELAY = 1.0


def op_cost_delay(
    opcode: int, width: int, hw, in_widths: tuple[int, ...] = (), sub: int = 0, data: int = 0, offset: int = 0
) -> tuple[float, float]:
    """(cost, delay) of one op whose result is `width` bits wide; `in_widths` the operand widths; `data`
    the op's data word and `offset` its operand's LSB in result bits (ADD_CONST: the constant in steps of the
    result); `sub` by op: ADD_CONST the constant's trailing zero bits, MUX 1 when a branch is a constant,
    bit ops their kind or negation count."""
    asz, csz = hw.adder_size, hw.carry_size
    w = max(width, 0)
    if opcode in (Opcode.INPUT, Opcode.QUANTIZE, Opcode.CONST):
        return 0.0, 0.0
    if opcode == Opcode.ADD_CONST:
        # the result bits below the constant's lowest set bit are wires (`sub` of them); above, a carry chain
        # whose sum inputs are x's bits, inverted (a LUT1 each) where the constant has a one; above x's MSB
        # the sum inputs are x's sign, so the constant's ones there share one inverter
        wa = max(w - sub, 0)
        if not wa:
            return 0.0, 0.0
        c = int(data) & ((1 << w) - 1)
        lo, hi = max(sub, offset), min(offset + (in_widths[0] if in_widths else w), w)
        ones = ((c >> lo) & ((1 << (hi - lo)) - 1)).bit_count() if hi > lo else 0
        return float(ones + (1 if c >> max(hi, 0) else 0)), float(adder_latency(wa, csz))
    if opcode == Opcode.NEG_QUANTIZE:
        # -x inverts every operand bit into a carry chain (also the dropped ones: they make the carry-in)
        wi = in_widths[0] if in_widths else w
        cost = adder_cost(max(wi, 1), asz) if w > 0 else 0.0
        return float(cost), (float(adder_latency(w, csz)) if w > 1 else LUT_DELAY)
    if opcode in (Opcode.ADD, Opcode.SUB):
        return float(adder_cost(w, asz)), float(adder_latency(w, csz))
    if opcode == Opcode.RELU:
        return float(w), 0.0
    if opcode == Opcode.NEG_RELU:
        return float(adder_cost(w, asz) + w), float(adder_latency(w, csz))
    if opcode == Opcode.MUX:
        # a constant branch makes it an AND/OR per bit, which synthesis merges into the LUT of the mux or
        # comparison next to it (saturation's two muxes take one LUT per bit): half a LUT per bit
        return (w / 2 if sub else float(w)), LUT_DELAY
    if opcode == Opcode.NEG_MUX:
        return float(w + adder_cost(w, asz)), float(adder_latency(w, csz)) + LUT_DELAY
    if opcode == Opcode.MUL:
        wa, wb = (in_widths + (w, w))[:2]
        levels = max(1, math.ceil(math.log2(max(2, min(wa, wb)))))
        # up to 6 operand bits every product bit is one LUT6; beyond, an array of partial products: an AND
        # and an adder bit per operand-bit pair, less a row (measured 4x4 to 8x8 within 10 %)
        wa, wb = max(1, wa), max(1, wb)
        cost = w if wa + wb <= 6 else 2 * wa * wb - min(wa, wb)
        return float(cost), float(adder_latency(w, csz)) * levels
    if opcode == Opcode.LOOKUP:
        wi = in_widths[0] if in_widths else 0
        return float(w * max(1, 2 ** max(0, wi - 6))), LUT_DELAY * max(1, math.ceil(max(wi, 1) / 6))
    if opcode in (Opcode.BIT_UNARY, Opcode.NEG_BIT_UNARY):
        neg = opcode == Opcode.NEG_BIT_UNARY
        wi = in_widths[0] if in_widths else w
        base = (
            (0.0, 0.0)
            if sub == BitUnary.NOT
            else (float(math.ceil(max(wi, 1) / 5)), LUT_DELAY * max(1, math.ceil(math.log(max(wi, 2), 6))))
        )
        if neg:
            return base[0] + adder_cost(wi, asz), base[1] + adder_latency(wi, csz)
        return base
    if opcode == Opcode.BIT_BINARY:
        extra = sub  # number of negated operands
        return float(w + extra * adder_cost(w, asz)), LUT_DELAY + (adder_latency(w, csz) if extra else 0.0)
    raise ValueError(f"no cost model for opcode {opcode}")


def estimate_ops(comb, hw=None):
    """``comb`` with every op's cost and latency recomputed by this model from the op types alone (a program
    read from a DAIS binary, which stores neither, gets the figures its tracer gave it). Inputs arrive at 0."""
    hw = hw or HWConfig(comb.adder_size, comb.carry_size)
    lat: list[float] = []
    ops = []
    for op in comb.ops:
        code = Opcode(op.opcode)
        reads = operands(op)  # a, b, then a mux's condition
        data_in = reads[:2]
        sub = offset = const = 0
        if code == Opcode.ADD_CONST:
            const = op.constant
            sub = ((const & -const).bit_length() - 1) if const else op.width
            offset = op.kif[2] - comb.ops[op.id0].kif[2]
        elif code in (Opcode.BIT_UNARY, Opcode.NEG_BIT_UNARY):
            sub = op.bit_op
        elif code == Opcode.BIT_BINARY:
            sub = int(op.neg_a) + int(op.neg_b)
        elif code in (Opcode.MUX, Opcode.NEG_MUX):
            sub = int(any(comb.ops[i].opcode == Opcode.CONST for i in data_in))
        in_widths = tuple(comb.ops[i].width for i in data_in)
        cost, delay = op_cost_delay(code, op.width, hw, in_widths, sub, const, offset)
        lat.append(max((lat[i] for i in reads), default=0.0) + delay)
        ops.append(op._replace(latency=lat[-1], cost=cost))
    return comb._replace(ops=ops)
