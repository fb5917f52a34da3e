#include "cmvm/linform.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>

#include "dais/opcodes.hpp"

namespace da4ml::cmvm {

namespace {
__extension__ typedef __int128 i128;
constexpr int kMaxBits = dais::kMaxValueBits;
constexpr i128 kLimit = static_cast<i128>(1) << kMaxBits;

[[noreturn]] void too_wide() {
    throw std::overflow_error("CMVM intermediate needs more than " + std::to_string(kMaxBits) + " bits");
}

int ctz64(int64_t v) {
    auto u = static_cast<uint64_t>(v < 0 ? -v : v);
    int n = 0;
    while (!(u & 1)) {
        u >>= 1;
        ++n;
    }
    return n;
}

i128 shl_checked(i128 v, int sh) {
    if (sh < 0) throw std::logic_error("negative shift in linear form");
    if (v == 0) return 0;
    if (sh > kMaxBits) too_wide();
    i128 lim = kLimit >> sh;
    if (v >= lim || v <= -lim) too_wide();
    return v * (static_cast<i128>(1) << sh);
}
// Strips the common power of two of the coefficients into the exponent (e: exponent of the coefficients).
void normalize(LinForm &r, int64_t e) {
    if (!r.coef.empty()) {
        int tz = 64;
        for (auto &c : r.coef) tz = std::min(tz, ctz64(c.second));
        for (auto &c : r.coef) c.second >>= tz;
        e += tz;
    }
    if (e < INT32_MIN / 2 || e > INT32_MAX / 2) throw std::overflow_error("CMVM shift out of range");
    r.exp = static_cast<int32_t>(e);
}
}  // namespace

LinForm lf_input(int32_t input) {
    LinForm f;
    f.coef.push_back({input, 1});
    return f;
}

LinForm lf_combine(const LinForm &a, const LinForm &b, int32_t s, int sigma) {
    LinForm r;
    int64_t eb = static_cast<int64_t>(b.exp) + s;
    int64_t e = std::min<int64_t>(a.exp, eb);
    int sa = static_cast<int>(a.exp - e), sb = static_cast<int>(eb - e);
    r.coef.reserve(a.coef.size() + b.coef.size());
    size_t i = 0, j = 0;
    while (i < a.coef.size() || j < b.coef.size()) {
        int32_t ia = i < a.coef.size() ? a.coef[i].first : INT32_MAX;
        int32_t ib = j < b.coef.size() ? b.coef[j].first : INT32_MAX;
        i128 v = 0;
        int32_t idx = std::min(ia, ib);
        if (ia == idx) v += shl_checked(a.coef[i++].second, sa);
        if (ib == idx) v += sigma * shl_checked(b.coef[j++].second, sb);
        if (v >= kLimit || v <= -kLimit) too_wide();
        if (v != 0) r.coef.push_back({idx, static_cast<int64_t>(v)});
    }
    normalize(r, e);
    return r;
}

LinForm lf_sum(std::vector<InputTerm> terms) {
    LinForm r;
    if (terms.empty()) return r;
    std::sort(terms.begin(), terms.end(), [](const InputTerm &x, const InputTerm &y) { return x.var < y.var; });
    int32_t e = terms[0].shift;
    for (auto &t : terms) e = std::min(e, t.shift);
    for (size_t i = 0; i < terms.size();) {
        i128 v = 0;
        size_t j = i;
        for (; j < terms.size() && terms[j].var == terms[i].var; ++j) {
            v += terms[j].sign * shl_checked(1, static_cast<int>(static_cast<int64_t>(terms[j].shift) - e));
            if (v >= kLimit || v <= -kLimit) too_wide();
        }
        if (v != 0) r.coef.push_back({terms[i].var, static_cast<int64_t>(v)});
        i = j;
    }
    normalize(r, e);
    return r;
}

QInt lf_range(const LinForm &f, const std::vector<QInt> &inputs) {
    QInt q;
    if (f.coef.empty()) return q;
    int64_t base = INT64_MAX, step = INT64_MAX;
    for (auto &c : f.coef) {
        const QInt &x = inputs[c.first];
        base = std::min<int64_t>(base, static_cast<int64_t>(f.exp) + x.exp);
        step = std::min<int64_t>(step, static_cast<int64_t>(f.exp) + x.exp + ctz64(c.second));
    }
    i128 lo = 0, hi = 0;
    for (auto &c : f.coef) {
        const QInt &x = inputs[c.first];
        int sh = static_cast<int>(static_cast<int64_t>(f.exp) + x.exp - base);
        if (sh > kMaxBits) too_wide();
        i128 n = c.second;
        i128 a = n * x.lo, b = n * x.hi;
        if (a > b) std::swap(a, b);
        lo += shl_checked(a, sh);
        hi += shl_checked(b, sh);
    }
    int d = static_cast<int>(step - base);
    lo >>= d;  // exact: every contribution is a multiple of 2**d
    hi >>= d;
    if (lo <= -kLimit || hi >= kLimit) too_wide();
    q.lo = static_cast<int64_t>(lo);
    q.hi = static_cast<int64_t>(hi);
    q.exp = static_cast<int32_t>(step);
    if (q.width() > kMaxBits) too_wide();
    return q;
}

}  // namespace da4ml::cmvm
