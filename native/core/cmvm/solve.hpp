// The CMVM optimizer's entry point: search over decomposition depths and methods (independent trials on
// threads), keep the cheapest exact program.  Deterministic: the result does not depend on thread timing.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cmvm/csd.hpp"
#include "cmvm/cse.hpp"
#include "cmvm/exact.hpp"
#include "cmvm/program.hpp"
#include "cmvm/qint.hpp"

namespace da4ml::cmvm {

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
    int n_threads = 0;                     // 0: hardware concurrency
    std::vector<SelectionRule> portfolio;  // empty: the default portfolio
    // Anytime search: after the default trials, more trials (seeded tie-breaks of the decomposition and of
    // the pattern selection; the exact search on small kernels) until this much work is spent, in budget
    // seconds (kWorkUnitsPerSecond work units each; about one second of one core).  0: none.  The result is
    // never worse than the default and depends only on the kernel, the options, the budget and the seed.
    double search_budget = 0.0;
    uint64_t seed = 0;
};

// Work units per budget second: about one second of one core of the 2-core development VM (a work unit is
// ~115 instructions of the CSE, measured with callgrind).
constexpr double kWorkUnitsPerSecond = 5.0e7;

struct TrialReport {
    std::string name;
    int n_adders = 0;
    double cost = 0.0, latency = 0.0;
    uint64_t work = 0;
    bool kept = false;  // the solution returned
};

struct SolveResult {
    Solution best;
    double depth_lower_bound = 0.0;  // max over outputs of the minimal depth of its digits (+ input latency)
    double depth_limit = -1.0;       // lower bound + hard_dc (or -1 when unconstrained)
    int n_trials = 0;
    uint64_t work = 0;                // summed over every trial (work units)
    std::vector<TrialReport> trials;  // every trial that gave a program, in trial order
};

SolveResult solve(const double *w, int n_in, int n_out, const SolveOptions &opt);

// Fewest adders: the heuristic program of `opt` (its adder count the upper bound), then the exact search
// (exact.hpp) for a program with fewer.  Unconstrained delay only (opt.hard_dc == -1).
struct MinimumResult {
    Solution best;             // the exact program if it has fewer adders, else the heuristic one
    int heuristic_adders = 0;  // of the heuristic program
    int lower_bound = 0;       // proven minimum adder count (== best.n_adders when optimal)
    bool optimal = false;      // the search finished
    int64_t nodes = 0;         // search nodes visited
};
MinimumResult solve_minimum_adders(const double *w, int n_in, int n_out, const SolveOptions &opt,
                                   const ExactLimits &lim);

// Stage-1 factors as row-major float64 matrices: W1 (n_in x n_out), W2 (n_out x n_out), W1 @ W2 == W.
void kernel_decompose(const double *w, int n_in, int n_out, int dc, std::vector<double> &w1, std::vector<double> &w2);

}  // namespace da4ml::cmvm
