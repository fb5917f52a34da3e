// Exact integer ranges (in 128 bits) for the reader's width proofs.  Internal to native/core/dais.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>

#include "opcodes.hpp"
#include "program.hpp"

namespace da4ml::dais {

__extension__ typedef __int128 i128;

struct Range {
    i128 lo;
    i128 hi;
};

inline std::string to_string(i128 v) {
    if (v == 0) return "0";
    const bool negative = v < 0;
    std::string s;
    while (v != 0) {
        const int digit = static_cast<int>(v % 10);
        s.push_back(static_cast<char>('0' + (digit < 0 ? -digit : digit)));
        v /= 10;
    }
    if (negative) s.push_back('-');
    return std::string(s.rbegin(), s.rend());
}

// Full integer range of a type whose width is at most kMaxValueBits (w <= 0 holds only 0).
inline Range type_range(const Type &t) {
    const int64_t w = t.width();
    if (w <= 0) return {0, 0};
    if (t.k) return {-(i128{1} << (w - 1)), (i128{1} << (w - 1)) - 1};
    return {0, (i128{1} << w) - 1};
}

// Number of bits of a non-negative value: 0 for 0.
inline int bit_length(i128 v) {
    int n = 0;
    while (v > 0) {
        v >>= 1;
        ++n;
    }
    return n;
}

// Smallest width of a (signed if the range reaches below 0, else unsigned) type holding the range.
inline int bits_needed(const Range &r) {
    if (r.lo >= 0) return bit_length(r.hi);
    return 1 + std::max(bit_length(~r.lo), bit_length(std::max<i128>(r.hi, 0)));
}

// Ranges passed here hold at most 2**63 in magnitude, so every result fits comfortably in 128 bits.
inline Range shl(const Range &r, int s) { return {r.lo * (i128{1} << s), r.hi * (i128{1} << s)}; }
inline Range neg(const Range &r) { return {-r.hi, -r.lo}; }
inline Range add(const Range &a, const Range &b) { return {a.lo + b.lo, a.hi + b.hi}; }
inline Range mul(const Range &a, const Range &b) {
    const i128 c[4] = {a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi};
    return {*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
}
// A range holding every AND / OR / XOR of two's-complement values drawn from a and b.
inline Range bitwise_bound(const Range &a, const Range &b) {
    if (a.lo >= 0 && b.lo >= 0) {
        const int n = std::max(bit_length(a.hi), bit_length(b.hi));
        return {0, (i128{1} << n) - 1};
    }
    const int w = std::max(bits_needed(a) + (a.lo >= 0), bits_needed(b) + (b.lo >= 0));
    return {-(i128{1} << (w - 1)), (i128{1} << (w - 1)) - 1};
}

}  // namespace da4ml::dais
