"""Cost (LUT proxy) and delay (adder levels) of each DAIS op kind: the tracer's one cost model.

Adders use da4ml.ir.cost (the model shared with the CMVM optimizer).  The rest are small LUT estimates:
re-interpretations (QUANTIZE without negation, CONST, INPUT, NOT) are wiring; a 2:1 mux, a relu gate or a
two-input bitwise op takes 3 or fewer inputs per output bit, so two bits share one fracturable LUT6
(width / 2 LUTs) and one LUT level; a lookup or a bit reduction costs LUT levels by input width."""

from __future__ import annotations

import math

from da4ml.ir import BitUnary, Opcode
from da4ml.ir.cost import adder_cost, adder_latency

LUT_DELAY = 1.0


def op_cost_delay(opcode: int, width: int, hw, in_widths: tuple[int, ...] = (), sub: int = 0) -> tuple[float, float]:
    """(cost, delay) of one op whose result is `width` bits wide; `in_widths` the operand widths."""
    asz, csz = hw.adder_size, hw.carry_size
    w = max(width, 0)
    if opcode in (Opcode.INPUT, Opcode.QUANTIZE, Opcode.CONST):
        return 0.0, 0.0
    if opcode == Opcode.ADD_CONST:
        # the result bits below the constant's lowest set bit are wires (`sub` of them)
        wa = max(w - sub, 0)
        return (float(adder_cost(wa, asz)), float(adder_latency(wa, csz))) if wa else (0.0, 0.0)
    if opcode == Opcode.NEG_QUANTIZE:
        # only the kept bits need an adder; the carry into them is an OR of the dropped bits (a LUT tree)
        wi = in_widths[0] if in_widths else w
        dropped = max(wi - w, 0)
        cost = adder_cost(w, asz) + math.ceil(dropped / 5)
        return float(cost), (float(adder_latency(w, csz)) if w > 1 else LUT_DELAY)
    if opcode in (Opcode.ADD, Opcode.SUB):
        return float(adder_cost(w, asz)), float(adder_latency(w, csz))
    if opcode == Opcode.RELU:
        return w / 2, 0.0
    if opcode == Opcode.NEG_RELU:
        return float(adder_cost(w, asz) + w / 2), float(adder_latency(w, csz))
    if opcode == Opcode.MUX:
        return w / 2, LUT_DELAY
    if opcode == Opcode.NEG_MUX:
        return float(w / 2 + adder_cost(w, asz)), float(adder_latency(w, csz)) + LUT_DELAY
    if opcode == Opcode.MUL:
        wa, wb = (in_widths + (w, w))[:2]
        levels = max(1, math.ceil(math.log2(max(2, min(wa, wb)))))
        return float(max(1, wa) * max(1, wb)), float(adder_latency(w, csz)) * levels
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
        return float(w / 2 + extra * adder_cost(w, asz)), LUT_DELAY + (adder_latency(w, csz) if extra else 0.0)
    raise ValueError(f"no cost model for opcode {opcode}")
