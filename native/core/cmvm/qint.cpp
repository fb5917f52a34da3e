#include "cmvm/qint.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "dais/opcodes.hpp"

namespace da4ml::cmvm {

namespace {
int bit_length(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }
}  // namespace

double QInt::min() const { return std::ldexp(static_cast<double>(lo), exp); }
double QInt::max() const { return std::ldexp(static_cast<double>(hi), exp); }
double QInt::step() const { return std::ldexp(1.0, exp); }

int QInt::width() const {
    if (lo == 0 && hi == 0) return 0;
    if (lo < 0) {
        int64_t m = -lo - 1;
        if (hi > m) m = hi;
        return 1 + bit_length(static_cast<uint64_t>(m));
    }
    return bit_length(static_cast<uint64_t>(hi));
}

QInt QInt::scaled(int shift, int sign) const {
    QInt r = *this;
    r.exp += shift;
    if (sign < 0) {
        r.lo = -hi;
        r.hi = -lo;
    }
    return r;
}

QInt qint_from_doubles(double min, double max, double step) {
    if (!(step > 0) || !std::isfinite(step) || !std::isfinite(min) || !std::isfinite(max))
        throw std::invalid_argument("quantization interval needs finite min, max and a positive step");
    int e = 0;
    double m = std::frexp(step, &e);
    if (m != 0.5) throw std::invalid_argument("quantization step " + std::to_string(step) + " is not a power of two");
    int exp = e - 1;
    double lo = std::ldexp(min, -exp), hi = std::ldexp(max, -exp);
    if (lo != std::floor(lo) || hi != std::floor(hi))
        throw std::invalid_argument("quantization interval bounds are not multiples of its step");
    if (lo > hi) throw std::invalid_argument("quantization interval has min > max");
    if (std::fabs(lo) > std::ldexp(1.0, dais::kMaxValueBits) || std::fabs(hi) > std::ldexp(1.0, dais::kMaxValueBits))
        throw std::invalid_argument("quantization interval too wide for " + std::to_string(dais::kMaxValueBits) +
                                    "-bit values");
    QInt q;
    q.lo = static_cast<int64_t>(lo);
    q.hi = static_cast<int64_t>(hi);
    q.exp = exp;
    return q;
}

}  // namespace da4ml::cmvm
