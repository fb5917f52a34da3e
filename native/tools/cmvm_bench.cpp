// Quick native benchmark of the paper protocol: N x N kernels, entries uniform in 129..255, signed 8-bit
// inputs.  Usage: cmvm_bench N trials hard_dc [method(0=mc,1=wmc)] [seed]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>

#include "cmvm/solve.hpp"

using namespace da4ml::cmvm;

int main(int argc, char **argv) {
    int n = argc > 1 ? std::atoi(argv[1]) : 16;
    int trials = argc > 2 ? std::atoi(argv[2]) : 20;
    int hdc = argc > 3 ? std::atoi(argv[3]) : -1;
    int meth = argc > 4 ? std::atoi(argv[4]) : 1;
    unsigned seed = argc > 5 ? static_cast<unsigned>(std::atoi(argv[5])) : 0;
    int lo = argc > 6 ? std::atoi(argv[6]) : 129, hi = argc > 7 ? std::atoi(argv[7]) : 255;
    std::mt19937_64 rng(seed);
    double adders = 0, cost = 0, lat = 0, tsum = 0;
    for (int t = 0; t < trials; ++t) {
        std::vector<double> w(static_cast<size_t>(n) * n);
        for (auto &v : w) v = std::uniform_int_distribution<int>(lo, hi)(rng);
        SolveOptions opt;
        opt.hard_dc = hdc;
        opt.method0 = meth ? Method::WMC : Method::MC;
        opt.n_threads = 1;
        // PORTFOLIO="m,variant,margin,weight;..." (m: 0 mc, 1 wmc) overrides the default search points.
        if (const char *e = std::getenv("PORTFOLIO")) {
            std::string spec(e);
            size_t pos = 0;
            while (pos < spec.size()) {
                size_t end = spec.find(';', pos);
                if (end == std::string::npos) end = spec.size();
                int m = 1, v = 0;
                double mg = 1, wt = 1, rs = 1;
                std::sscanf(spec.substr(pos, end - pos).c_str(), "%d,%d,%lf,%lf,%lf", &m, &v, &mg, &wt, &rs);
                opt.portfolio.push_back(SearchPoint{m ? Method::WMC : Method::MC, v, mg, wt, rs});
                pos = end + 1;
            }
        }
        if (const char *e = std::getenv("NOSEARCH")) {
            opt.search_all_decompose_dc = false;
            opt.decompose_dc = std::atoi(e);
        }
        std::clock_t c0 = std::clock();
        SolveResult r = solve(w.data(), n, n, opt);
        tsum += double(std::clock() - c0) / CLOCKS_PER_SEC;
        adders += r.best.n_adders;
        if (std::getenv("SHOWTRIAL")) std::printf("  %s: %d %g\n", r.best.trial.c_str(), r.best.n_adders, r.best.cost);
        cost += r.best.cost;
        lat += r.best.latency;
    }
    std::printf("N=%d hard_dc=%d method=%s: adders %.1f bits %.1f depth %.2f time %.2f ms\n", n, hdc,
                meth ? "wmc" : "mc", adders / trials, cost / trials, lat / trials, 1e3 * tsum / trials);
}
