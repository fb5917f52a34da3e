// The exact minimum-adder search on random small kernels, against the heuristic (method0=mc).
// Usage: cmvm_exact n_in n_out bits cases [seed] [max_nodes]
// Prints per case the heuristic and exact adder counts, the proven lower bound and the search nodes.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "cmvm/solve.hpp"

using namespace da4ml::cmvm;

int main(int argc, char **argv) {
    const int n_in = argc > 1 ? std::atoi(argv[1]) : 3, n_out = argc > 2 ? std::atoi(argv[2]) : 3;
    const int bits = argc > 3 ? std::atoi(argv[3]) : 3, cases = argc > 4 ? std::atoi(argv[4]) : 10;
    const unsigned seed = argc > 5 ? static_cast<unsigned>(std::atoi(argv[5])) : 1;
    ExactLimits lim;
    lim.max_nodes = argc > 6 ? std::atoll(argv[6]) : 2'000'000;
    std::mt19937_64 rng(seed);
    const int half = 1 << (bits - 1);
    double heur = 0, best = 0, lb = 0;
    int proven = 0;
    for (int c = 0; c < cases; ++c) {
        std::vector<double> w(static_cast<size_t>(n_in) * n_out);
        for (auto &v : w) v = std::uniform_int_distribution<int>(-half, half)(rng);
        SolveOptions opt;
        opt.method0 = Method::MC;
        opt.n_threads = 1;
        const auto t0 = std::chrono::steady_clock::now();
        MinimumResult r = solve_minimum_adders(w.data(), n_in, n_out, opt, lim);
        const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("case %d: heuristic %d exact %d lower bound %d %s nodes %lld %.3f s\n", c, r.heuristic_adders,
                    r.best.n_adders, r.lower_bound, r.optimal ? "optimal" : "open", static_cast<long long>(r.nodes),
                    dt);
        heur += r.heuristic_adders;
        best += r.best.n_adders;
        lb += r.lower_bound;
        proven += r.optimal;
    }
    std::printf("%dx%d %d-bit: heuristic %.2f best %.2f lower bound %.2f proven %d/%d\n", n_in, n_out, bits,
                heur / cases, best / cases, lb / cases, proven, cases);
}
