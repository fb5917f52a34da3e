// Exact quantization intervals: value = n * 2**exp with integer n in [lo, hi].
#pragma once
#include <cstdint>

namespace da4ml::cmvm {

struct QInt {
    int64_t lo = 0;
    int64_t hi = 0;
    int32_t exp = 0;  // step = 2**exp

    bool is_zero() const { return lo == 0 && hi == 0; }
    double min() const;
    double max() const;
    double step() const;
    // Width in bits of the minimal fixed-point type holding the interval (same rule as da4ml.ir.kif_of).
    int width() const;
    // The interval of +-value * 2**shift.
    QInt scaled(int shift, int sign) const;
};

// Exact conversion from (min, max, step) doubles; throws std::invalid_argument when off-grid.
QInt qint_from_doubles(double min, double max, double step);

}  // namespace da4ml::cmvm
