#include "cmvm/csd.hpp"

#include <climits>
#include <cmath>
#include <stdexcept>
#include <string>

#include "dais/opcodes.hpp"

namespace da4ml::cmvm {

std::vector<Digit> csd_digits(int64_t n) {
    std::vector<Digit> out;
    for_each_csd_digit(n, [&](Digit d) { out.push_back(d); });
    return out;
}

namespace {
inline int popcount64(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_popcountll(x);
#else
    int c = 0;
    for (; x; x &= x - 1) ++c;
    return c;
#endif
}
}  // namespace

int csd_weight(int64_t n) {
    // Non-zero digits of the canonical form of |n|: the bits where |n| >> 1 and 3|n| >> 1 differ.
    if (n > -(int64_t{1} << 61) && n < (int64_t{1} << 61)) {
        const uint64_t u = static_cast<uint64_t>(n < 0 ? -n : n), h = u >> 1;
        return popcount64(h ^ (u + h));
    }
    int w = 0;
    while (n != 0) {
        if (n & 1) {
            n -= ((n & 3) == 1) ? 1 : -1;
            ++w;
        }
        n >>= 1;
    }
    return w;
}

namespace {
// Exponent of the lowest set bit of an exact double (w != 0).
int low_exponent(double w) {
    int e = 0;
    double m = std::frexp(std::fabs(w), &e);  // m in [0.5, 1)
    auto mant = static_cast<uint64_t>(std::ldexp(m, 53));
    int tz = 0;
    while (!(mant & 1)) {
        mant >>= 1;
        ++tz;
    }
    return e - 53 + tz;
}
}  // namespace

IntKernel factor_kernel(const double *w, int n_in, int n_out) {
    IntKernel k;
    k.n_in = n_in;
    k.n_out = n_out;
    k.m.assign(static_cast<size_t>(n_in) * n_out, 0);
    k.shift0.assign(n_in, 0);
    k.shift1.assign(n_out, 0);
    std::vector<int> ex(static_cast<size_t>(n_in) * n_out, INT_MAX);
    for (int i = 0; i < n_in; ++i) {
        int mn = INT_MAX;
        for (int j = 0; j < n_out; ++j) {
            double v = w[static_cast<size_t>(i) * n_out + j];
            if (!std::isfinite(v))
                throw std::invalid_argument("kernel[" + std::to_string(i) + ", " + std::to_string(j) +
                                            "] is not finite");
            if (v != 0.0) {
                ex[static_cast<size_t>(i) * n_out + j] = low_exponent(v);
                mn = std::min(mn, ex[static_cast<size_t>(i) * n_out + j]);
            }
        }
        k.shift0[i] = (mn == INT_MAX) ? 0 : mn;
    }
    for (int j = 0; j < n_out; ++j) {
        int mn = INT_MAX;
        for (int i = 0; i < n_in; ++i) {
            int e = ex[static_cast<size_t>(i) * n_out + j];
            if (e != INT_MAX) mn = std::min(mn, e - k.shift0[i]);
        }
        k.shift1[j] = (mn == INT_MAX) ? 0 : mn;
    }
    for (int i = 0; i < n_in; ++i)
        for (int j = 0; j < n_out; ++j) {
            double v = w[static_cast<size_t>(i) * n_out + j];
            if (v == 0.0) continue;
            double s = std::ldexp(v, -(k.shift0[i] + k.shift1[j]));
            if (std::fabs(s) >= std::ldexp(1.0, dais::kMaxValueBits))
                throw std::invalid_argument("kernel[" + std::to_string(i) + ", " + std::to_string(j) + "] needs " +
                                            std::to_string(dais::kMaxValueBits) +
                                            " or more bits relative to the smallest power of two of its "
                                            "row and column; reduce the dynamic range of the kernel");
            k.m[static_cast<size_t>(i) * n_out + j] = static_cast<int64_t>(s);
        }
    return k;
}

}  // namespace da4ml::cmvm
