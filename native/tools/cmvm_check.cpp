// Native self-check of the CMVM optimizer: random kernels, exact integer evaluation of the emitted
// programs against x @ W, delay bounds, determinism.  Usage: cmvm_check [n_cases] [seed]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

#include "cmvm/solve.hpp"
#include "dais/opcodes.hpp"

using namespace da4ml::cmvm;
using da4ml::dais::Opcode;
__extension__ typedef __int128 i128;

namespace {

struct Dy {  // exact dyadic rational n * 2**e
    i128 n = 0;
    int e = 0;
};
Dy align_to(Dy a, int e) {
    if (a.e < e) throw std::logic_error("align_to: finer than value");
    a.n = a.n * (static_cast<i128>(1) << (a.e - e));
    a.e = e;
    return a;
}
bool eq(Dy a, Dy b) {
    int e = std::min(a.e, b.e);
    return align_to(a, e).n == align_to(b, e).n;
}

// Evaluates one stage on exact inputs; checks every op value lies in its interval on its grid.
std::vector<Dy> run_stage(const StageProgram &p, const std::vector<Dy> &x) {
    std::vector<Dy> buf(p.ops.size());
    for (size_t t = 0; t < p.ops.size(); ++t) {
        const ProgOp &op = p.ops[t];
        Dy v;
        if (op.opcode == static_cast<int>(Opcode::INPUT)) {
            v = x[op.id0];
        } else {
            Dy a = buf[op.id0], b = buf[op.id1];
            auto s = static_cast<int32_t>(op.data & 0xffffffff);
            b.e += s;
            int e = std::min(a.e, b.e);
            a = align_to(a, e);
            b = align_to(b, e);
            v.e = e;
            v.n = op.opcode == static_cast<int>(Opcode::ADD) ? a.n + b.n : a.n - b.n;
        }
        // In steps of the op type.
        if (v.n != 0) {
            if (v.e < op.q.exp) {
                i128 d = static_cast<i128>(1) << (op.q.exp - v.e);
                if (v.n % d != 0) throw std::runtime_error("op " + std::to_string(t) + " value off its grid");
                v.n /= d;
                v.e = op.q.exp;
            } else {
                v = align_to(v, op.q.exp);
            }
            if (v.n < op.q.lo || v.n > op.q.hi)
                throw std::runtime_error("op " + std::to_string(t) + " out of interval");
        } else {
            v.e = op.q.exp;
        }
        buf[t] = v;
    }
    std::vector<Dy> out(p.n_out);
    for (int j = 0; j < p.n_out; ++j) {
        if (p.out_idxs[j] < 0) continue;
        Dy v = buf[p.out_idxs[j]];
        v.e += p.out_shifts[j];
        if (p.out_negs[j]) v.n = -v.n;
        out[j] = v;
    }
    return out;
}

}  // namespace

int main(int argc, char **argv) {
    int n_cases = argc > 1 ? std::atoi(argv[1]) : 200;
    unsigned seed = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 1;
    std::mt19937_64 rng(seed);
    auto rnd = [&](int lo, int hi) { return static_cast<int>(std::uniform_int_distribution<int>(lo, hi)(rng)); };
    int fails = 0;
    double t_total = 0;
    for (int c = 0; c < n_cases; ++c) {
        int n_in = rnd(1, 24), n_out = rnd(1, 24), bits = rnd(1, 12);
        int kind = rnd(0, 4);
        std::vector<double> w(static_cast<size_t>(n_in) * n_out);
        for (auto &v : w) {
            int m = rnd(-(1 << (bits - 1)), (1 << (bits - 1)));
            if (kind == 1 && rnd(0, 3)) m = 0;                    // sparse
            if (kind == 2) m = rnd(0, 1) ? (1 << rnd(0, 6)) : 0;  // powers of two
            v = std::ldexp(m, rnd(-2, 1) * (kind == 3));
        }
        if (kind == 4 && n_out > 2)  // duplicate / negated / shifted columns
            for (int i = 0; i < n_in; ++i) {
                w[static_cast<size_t>(i) * n_out + 1] = -2 * w[static_cast<size_t>(i) * n_out];
                w[static_cast<size_t>(i) * n_out + 2] = w[static_cast<size_t>(i) * n_out];
            }
        SolveOptions opt;
        opt.hard_dc = rnd(-1, 2);
        opt.method0 = rnd(0, 1) ? Method::MC : Method::WMC;
        opt.n_threads = 2;
        for (int i = 0; i < n_in; ++i) {
            int wbits = rnd(1, 10), f = rnd(-2, 3);
            bool sgn = rnd(0, 1);
            QInt q;
            q.exp = -f;
            q.lo = sgn ? -(int64_t{1} << (wbits - 1)) : 0;
            q.hi = sgn ? (int64_t{1} << (wbits - 1)) - 1 : (int64_t{1} << wbits) - 1;
            opt.in_q.push_back(q);
            opt.in_lat.push_back(rnd(0, 2));
        }
        auto t0 = std::chrono::steady_clock::now();
        SolveResult r;
        try {
            r = solve(w.data(), n_in, n_out, opt);
        } catch (std::exception &e) {
            std::printf("case %d: solve threw: %s\n", c, e.what());
            ++fails;
            continue;
        }
        t_total += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        SolveResult r2 = solve(w.data(), n_in, n_out, opt);
        bool same = r2.best.stages.size() == r.best.stages.size() && r2.best.cost == r.best.cost;
        for (size_t s = 0; same && s < r.best.stages.size(); ++s) {
            auto &a = r.best.stages[s], &b = r2.best.stages[s];
            same = a.ops.size() == b.ops.size() && a.out_idxs == b.out_idxs && a.out_shifts == b.out_shifts;
            for (size_t t = 0; same && t < a.ops.size(); ++t)
                same = a.ops[t].opcode == b.ops[t].opcode && a.ops[t].id0 == b.ops[t].id0 &&
                       a.ops[t].id1 == b.ops[t].id1 && a.ops[t].data == b.ops[t].data;
        }
        if (!same) {
            std::printf("case %d: non-deterministic\n", c);
            ++fails;
        }
        if (opt.hard_dc >= 0 && r.best.latency > r.depth_limit + 1e-9) {
            std::printf("case %d: latency %g > limit %g (%s)\n", c, r.best.latency, r.depth_limit,
                        r.best.trial.c_str());
            ++fails;
        }
        // Exactness on random inputs, including the extremes.
        for (int trial = 0; trial < 8; ++trial) {
            std::vector<Dy> x(n_in);
            for (int i = 0; i < n_in; ++i) {
                const QInt &q = opt.in_q[i];
                int64_t m = trial == 0   ? q.lo
                            : trial == 1 ? q.hi
                                         : std::uniform_int_distribution<int64_t>(q.lo, q.hi)(rng);
                x[i] = Dy{m, q.exp};
            }
            std::vector<Dy> y;
            try {
                y = x;
                for (auto &st : r.best.stages) y = run_stage(st, y);
            } catch (std::exception &e) {
                std::printf("case %d: %s (%s)\n", c, e.what(), r.best.trial.c_str());
                ++fails;
                break;
            }
            bool ok = true;
            for (int j = 0; j < n_out; ++j) {
                Dy ref{0, -40};
                for (int i = 0; i < n_in; ++i) {
                    double wij = w[static_cast<size_t>(i) * n_out + j];
                    Dy term{static_cast<i128>(std::ldexp(wij, 8)) * x[i].n, x[i].e - 8};
                    int e = std::min(ref.e, term.e);
                    ref = Dy{align_to(ref, e).n + align_to(term, e).n, e};
                }
                if (!eq(ref, y[j])) ok = false;
            }
            if (!ok) {
                std::printf("case %d: WRONG result (%dx%d, %s)\n", c, n_in, n_out, r.best.trial.c_str());
                ++fails;
                break;
            }
        }
    }
    std::printf("%d cases, %d failures, solve time %.3f s\n", n_cases, fails, t_total);
    return fails ? 1 : 0;
}
