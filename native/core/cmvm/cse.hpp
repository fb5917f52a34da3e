// Stage 2 of the method: greedy common-subexpression elimination on two-term patterns a +- (b << s),
// then arrival-time-aware summation of what remains of each output.  One call builds one stage program.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "cmvm/program.hpp"
#include "cmvm/qint.hpp"

namespace da4ml::cmvm {

enum class Method { MC, WMC };

struct Term {
    int32_t var;    // stage input index
    int32_t shift;  // weight 2**shift
    int8_t sign;    // +1 / -1
};

struct StageProblem {
    std::vector<QInt> in_q;               // per input: exact interval (zero interval: unused)
    std::vector<double> in_lat;           // per input: arrival time
    std::vector<std::vector<Term>> cols;  // output j = sum(sign * x[var] * 2**shift)
    std::vector<double> deadline;         // per output; +inf (or empty vector): unconstrained
};

struct CseOptions {
    Method method = Method::WMC;
    int adder_size = -1;
    int carry_size = -1;
    int variant = 0;         // bits 0-1: tie-breaking order; bit 2: look-ahead selection
    double la_margin = 1.0;  // wmc look-ahead: candidates within this many reference widths of the best
    double la_weight = 1.0;  // wmc look-ahead: bits charged per destroyed pair occurrence
    double ref_scale = 1.0;  // wmc: value of one more occurrence, in units of the mean output width
};

// Throws std::overflow_error if an intermediate would need more than 62 bits.
StageProgram run_cse(const StageProblem &problem, const CseOptions &opt);

// A stage problem made ready for the CSE (columns deduplicated and sorted, pair counts, the initial patterns),
// built once and shared by the trials that solve it with different options (same carry_size).
struct PreparedStage;
std::shared_ptr<const PreparedStage> prepare_stage(const StageProblem &problem, int carry_size);
StageProgram run_cse(const PreparedStage &prepared, const CseOptions &opt);

// Per-column adder delay used by the delay model (1 level, or carry segments of the column's width).
double column_delta(const StageProblem &problem, int col, int carry_size);

}  // namespace da4ml::cmvm
