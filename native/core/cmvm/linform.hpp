// Exact linear forms over a stage's inputs: value = sum_k coef[k].second * 2**exp * x[coef[k].first].
// They give every intermediate its exact value range (inputs are independent), which is narrower than
// interval arithmetic whenever an input occurs with both signs (e.g. (x << 3) - x).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "cmvm/qint.hpp"

namespace da4ml::cmvm {

struct LinForm {
    int32_t exp = 0;
    std::vector<std::pair<int32_t, int64_t>> coef;  // sorted by input index, non-zero coefficients
};

LinForm lf_input(int32_t input);
// a + sigma * b * 2**s; throws std::overflow_error beyond 62-bit coefficients.
LinForm lf_combine(const LinForm &a, const LinForm &b, int32_t s, int sigma);
// Sum of sign_k * x[var_k] * 2**shift_k over stage inputs, normalized as lf_combine leaves it; throws
// std::overflow_error beyond 62-bit coefficients.
struct InputTerm {
    int32_t var, shift;
    int sign;
};
LinForm lf_sum(std::vector<InputTerm> terms);
// Exact range of the form for independent inputs of the given intervals; throws std::overflow_error
// when a value could need more than 62 bits.
QInt lf_range(const LinForm &f, const std::vector<QInt> &inputs);

}  // namespace da4ml::cmvm
