// The one cost/latency model of an adder in the C++ core.  Must stay identical to da4ml/ir/cost.py
// (adder_cost / adder_latency); a test compares them.
#pragma once

namespace da4ml::cmvm {

// LUT proxy of an adder whose result is `width` bits wide (about one LUT per output bit).
inline double adder_cost(int width, int adder_size) {
    if (width <= 0) return 0.0;
    if (adder_size <= 0) return static_cast<double>(width);
    return static_cast<double>(((width + adder_size - 1) / adder_size) * adder_size);
}

// Delay of one adder: one level, or the number of `carry_size`-bit carry-chain segments.
inline double adder_latency(int width, int carry_size) {
    if (carry_size <= 0) return 1.0;
    int segs = (width + carry_size - 1) / carry_size;
    return static_cast<double>(segs < 1 ? 1 : segs);
}

}  // namespace da4ml::cmvm
