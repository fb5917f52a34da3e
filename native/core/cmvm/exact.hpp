// Exact minimum adder count of small constant-matrix products, by iterative-deepening search over adder
// graphs (no CSD restriction): every node is an integer vector over the inputs (a linear form), built by one
// adder as 2**a * u + sign * 2**b * v from two earlier nodes, up to a free power-of-two scale and sign.
//
// Search space: nodes whose coefficients are at most 2**(b+1) in magnitude and shifts of at most b+1, where
// b is the bit length of the kernel's largest entry (after its power-of-two factoring); within it the result
// is a proven minimum.  The usual assumption of exact multiple-constant-multiplication algorithms: wider
// intermediates are not needed in practice.
#pragma once
#include <cstdint>
#include <vector>

#include "cmvm/csd.hpp"
#include "cmvm/program.hpp"
#include "cmvm/qint.hpp"

namespace da4ml::cmvm {

struct ExactLimits {
    int64_t max_nodes = 2'000'000;  // search nodes visited before giving up (the work bound); <= 0: no bound
    int upper_bound = -1;           // adders of a known program: only fewer are searched for; -1: none
    int max_inputs = 16;            // larger kernels are refused (the search would not finish)
};

struct ExactResult {
    bool found = false;    // a program with fewer adders than upper_bound (any program when there is none)
    bool optimal = false;  // the search finished: no program has fewer than lower_bound adders
    int lower_bound = 0;   // proven: every program (in the search space) needs at least this many adders
    int n_adders = -1;     // of `program` when found
    int64_t nodes = 0;     // search nodes visited
    StageProgram program;  // when found: x @ W exactly, one stage
};

// Whether exact_minimum takes the kernel (rows and entry widths within its limits).
bool exact_supported(const IntKernel &k, int max_inputs = 16);

// in_q / in_lat: per row of the kernel (as SolveOptions: intervals already widened to contain 0).
ExactResult exact_minimum(const IntKernel &k, const std::vector<QInt> &in_q, const std::vector<double> &in_lat,
                          int adder_size, int carry_size, const ExactLimits &lim);

}  // namespace da4ml::cmvm
