// The CMVM optimizer's entry point: search over decomposition depths and methods (independent trials on
// threads), keep the cheapest exact program.  Deterministic: the result does not depend on thread timing.
#pragma once
#include <optional>
#include <vector>

#include "cmvm/csd.hpp"
#include "cmvm/cse.hpp"
#include "cmvm/program.hpp"
#include "cmvm/qint.hpp"

namespace da4ml::cmvm {

// One point of the search portfolio (tried for every decomposition depth).
struct SearchPoint {
    Method method;  // stage 1 (and single stage); stage 2 uses method1 if given, else this
    int variant = 0;
    double la_margin = 1.0;
    double la_weight = 1.0;
    double ref_scale = 1.0;
};

struct SolveOptions {
    Method method0 = Method::WMC;
    std::optional<Method> method1;  // nullopt: auto
    int hard_dc = -1;               // -1: no delay constraint; d >= 0: depth <= lower bound + d
    int decompose_dc = -2;          // -2: auto; -1: unlimited; 0: no decomposition; d: stage-2 paths <= 2**d
    std::vector<QInt> in_q;         // per input (empty: signed 8-bit integers)
    std::vector<double> in_lat;     // per input (empty: 0)
    int adder_size = -1;
    int carry_size = -1;
    bool search_all_decompose_dc = true;
    int n_threads = 0;                   // 0: hardware concurrency
    std::vector<SearchPoint> portfolio;  // empty: the default portfolio
};

struct SolveResult {
    Solution best;
    double depth_lower_bound = 0.0;  // max over outputs of the minimal depth of its digits (+ input latency)
    double depth_limit = -1.0;       // lower bound + hard_dc (or -1 when unconstrained)
    int n_trials = 0;
};

SolveResult solve(const double *w, int n_in, int n_out, const SolveOptions &opt);

// Stage-1 factors as row-major float64 matrices: W1 (n_in x n_out), W2 (n_out x n_out), W1 @ W2 == W.
void kernel_decompose(const double *w, int n_in, int n_out, int dc, std::vector<double> &w1, std::vector<double> &w2);

}  // namespace da4ml::cmvm
