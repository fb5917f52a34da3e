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
    double adders = 0, cost = 0, lat = 0, tsum = 0, work = 0;
    for (int t = 0; t < trials; ++t) {
        std::vector<double> w(static_cast<size_t>(n) * n);
        for (auto &v : w) v = std::uniform_int_distribution<int>(lo, hi)(rng);
        SolveOptions opt;
        opt.hard_dc = hdc;
        opt.method0 = meth ? Method::WMC : Method::MC;
        opt.n_threads = 1;
        // PORTFOLIO="rule;rule;..." overrides the default search points; a rule is comma-separated words:
        // mc|wmc, la=<margin> (look-ahead), occ=<scale>, narrow (narrower first), large (larger keys first),
        // early (earliest sums first), lp=<occurrences per level> (latency penalty).
        if (const char *e = std::getenv("PORTFOLIO")) {
            std::string spec(e);
            size_t pos = 0;
            while (pos < spec.size()) {
                size_t end = spec.find(';', pos);
                if (end == std::string::npos) end = spec.size();
                const std::string rule = spec.substr(pos, end - pos);
                SelectionRule r = SelectionRule::greedy(rule.rfind("mc", 0) == 0 ? Method::MC : Method::WMC);
                size_t q = 0;
                while (q < rule.size()) {
                    size_t c = rule.find(',', q);
                    if (c == std::string::npos) c = rule.size();
                    const std::string word = rule.substr(q, c - q);
                    if (word.rfind("la=", 0) == 0) r = r.look_ahead(std::atof(word.c_str() + 3));
                    if (word.rfind("occ=", 0) == 0) r = r.valuing_occurrence_at(std::atof(word.c_str() + 4));
                    if (word == "narrow") r = r.narrower_before_earlier();
                    if (word == "large") r = r.larger_keys_before_smaller();
                    if (word == "early") r = r.earliest_before_best();
                    if (word.rfind("lp=", 0) == 0) r = r.penalizing_latency(std::atof(word.c_str() + 3));
                    q = c + 1;
                }
                opt.portfolio.push_back(r);
                pos = end + 1;
            }
        }
        if (const char *e = std::getenv("BUDGET")) opt.search_budget = std::atof(e);
        if (const char *e = std::getenv("NOSEARCH")) {
            opt.search_all_decompose_dc = false;
            opt.decompose_dc = std::atoi(e);
        }
        std::clock_t c0 = std::clock();
        SolveResult r = solve(w.data(), n, n, opt);
        tsum += double(std::clock() - c0) / CLOCKS_PER_SEC;
        adders += r.best.n_adders;
        if (std::getenv("SHOWTRIAL")) std::printf("  %s: %d %g\n", r.best.trial.c_str(), r.best.n_adders, r.best.cost);
        if (std::getenv("TRIALS"))  // every trial: name|adders|cost|latency|work, then a line "  K"
            for (const TrialReport &t : r.trials)
                std::fprintf(stderr, "T %s|%d|%g|%g|%llu%s\n", t.name.c_str(), t.n_adders, t.cost, t.latency,
                             static_cast<unsigned long long>(t.work), t.kept ? "|kept" : "");
        if (std::getenv("TRIALS")) std::fprintf(stderr, "  K\n");
        work += static_cast<double>(r.work);
        cost += r.best.cost;
        lat += r.best.latency;
    }
    std::printf("N=%d hard_dc=%d method=%s: adders %.1f bits %.1f depth %.2f time %.2f ms work %.3g\n", n, hdc,
                meth ? "wmc" : "mc", adders / trials, cost / trials, lat / trials, 1e3 * tsum / trials, work / trials);
}
