// Canonical signed digits and power-of-two factoring of a constant matrix.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace da4ml::cmvm {

struct Digit {
    int32_t bit;  // weight 2**bit
    int8_t sign;  // +1 or -1
};

// Calls f(Digit) for each digit of the non-adjacent form of n (|n| < 2**62), lowest bit first.
template <class F>
void for_each_csd_digit(int64_t n, F &&f) {
    for (int bit = 0; n != 0; ++bit, n >>= 1) {  // n is even after the digit: exact shift (also for negatives)
        if (n & 1) {
            const int d = ((n & 3) == 1) ? 1 : -1;
            n -= d;
            f(Digit{bit, static_cast<int8_t>(d)});
        }
    }
}
// Non-adjacent form of n (|n| < 2**62): the minimal signed-digit representation, lowest bit first.
std::vector<Digit> csd_digits(int64_t n);
int csd_weight(int64_t n);

// W[i][j] == m[i*n_out + j] * 2**(shift0[i] + shift1[j]); every non-zero row/column of m has an odd entry.
struct IntKernel {
    int n_in = 0;
    int n_out = 0;
    std::vector<int64_t> m;
    std::vector<int32_t> shift0, shift1;
    int64_t at(int i, int j) const { return m[static_cast<size_t>(i) * n_out + j]; }
};

// Exact conversion of a row-major float64 matrix; throws std::invalid_argument (naming the entry)
// when an entry is not finite or the matrix needs integers of 62 bits or more.
IntKernel factor_kernel(const double *w, int n_in, int n_out);

}  // namespace da4ml::cmvm
