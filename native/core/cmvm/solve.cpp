#include "cmvm/solve.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "cmvm/decompose.hpp"
#include "cmvm/delay.hpp"
#include "cmvm/worker_pool.hpp"

namespace da4ml::cmvm {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kMaxEdgeShift = 2;              // decomposition edges may scale either column by up to 2**2
constexpr size_t kLookaheadMaxTerms = 16000;  // look-ahead trials up to ~ 64 x 64 dense 8-bit kernels
constexpr size_t kLookaheadMaxColumn = 512;   // ... and columns of at most this many digits
constexpr size_t kCountTrialMaxTerms = 1500;  // count-driven look-ahead in wmc searches: slow with many ties
constexpr size_t kThreadMinTerms = 40;        // below this many digits the trials run on the calling thread (measured:
                                              // 4x4 4-bit kernels ~0.1 ms lose with a thread start, 6x6 and 8x8 gain)

struct Trial {
    int dc;  // 0: single stage
    Method m0, m1;
    int variant;
    double la_margin, la_weight, ref_scale;
    CseOptions cse(Method m, const SolveOptions &o) const {
        return CseOptions{m, o.adder_size, o.carry_size, variant, la_margin, la_weight, ref_scale};
    }
    std::string name() const {
        auto mn = [](Method m) { return m == Method::MC ? "mc" : "wmc"; };
        std::string s = "dc=" + std::to_string(dc) + " method0=" + mn(m0) + " method1=" + mn(m1);
        if (variant) s += " variant=" + std::to_string(variant);
        if (variant & 4) s += " margin=" + std::to_string(la_margin) + " weight=" + std::to_string(la_weight);
        if (ref_scale != 1.0) s += " ref_scale=" + std::to_string(ref_scale);
        return s;
    }
};

struct Context {
    IntKernel k;
    SolveOptions opt;
    std::vector<double> col_lb;  // per column: minimal depth of its digits
    double deadline = kInf;      // global depth limit
    std::vector<Edge> edges;     // decomposition distances (shared by the trials)
};

void add_digits(std::vector<Term> &col, int32_t var, int64_t value, int32_t shift) {
    for_each_csd_digit(value, [&](Digit dg) { col.push_back(Term{var, dg.bit + shift, dg.sign}); });
}

// A stage problem prepared once, by the first trial that needs it; the others wait for it and share it.
class SharedStage {
   public:
    template <class Make>
    const PreparedStage &get(Make &&make, int carry_size) {
        std::call_once(once_, [&] { prepared_ = prepare_stage(make(), carry_size); });
        return *prepared_;
    }

   private:
    std::once_flag once_;
    std::shared_ptr<const PreparedStage> prepared_;
};

StageProblem single_stage_problem(const Context &cx) {
    StageProblem p;
    p.in_q = cx.opt.in_q;
    p.in_lat = cx.opt.in_lat;
    p.cols.resize(cx.k.n_out);
    for (int j = 0; j < cx.k.n_out; ++j)
        for (int i = 0; i < cx.k.n_in; ++i) add_digits(p.cols[j], i, cx.k.at(i, j), cx.k.shift0[i] + cx.k.shift1[j]);
    p.deadline.assign(cx.k.n_out, cx.deadline);
    return p;
}

Solution single_stage(const Context &cx, const Trial &t, SharedStage &shared) {
    const PreparedStage &p = shared.get([&] { return single_stage_problem(cx); }, cx.opt.carry_size);
    Solution s;
    s.stages.push_back(run_cse(p, t.cse(t.m0, cx.opt)));
    return s;
}

DecomposeLimits limits_for(const Context &cx, int dc) {
    DecomposeLimits lim;
    lim.max_path_len = dc < 0 ? -1 : (1 << std::min(dc, 20));
    lim.deadline = std::isinf(cx.deadline) ? -1.0 : cx.deadline;
    lim.in_lat = cx.opt.in_lat;
    return lim;
}

bool same_tree(const Decomposition &x, const Decomposition &y) {
    return x.parent == y.parent && x.sign == y.sign && x.a == y.a && x.b == y.b;
}

// Stage-1 problem of decomposition d: the tree's difference vectors, each by the deadline that leaves room
// for its column's stage-2 path.
StageProblem first_stage_problem(const Context &cx, const Decomposition &d) {
    const int n = cx.k.n_out;
    std::vector<int> room(n, 0);
    for (int j = 0; j < n; ++j) {
        if (d.path_len[j] == 0) continue;
        int r = ceil_log2(d.path_len[j]);
        for (int k = j; k >= 0; k = d.parent[k]) room[k] = std::max(room[k], r);
    }
    StageProblem p1;
    p1.in_q = cx.opt.in_q;
    p1.in_lat = cx.opt.in_lat;
    p1.cols.resize(n);
    p1.deadline.assign(n, kInf);
    for (int k = 0; k < n; ++k) {
        for (int i = 0; i < cx.k.n_in; ++i) add_digits(p1.cols[k], i, d.diff[k][i], cx.k.shift0[i]);
        if (!std::isinf(cx.deadline)) p1.deadline[k] = cx.deadline - room[k];
    }
    return p1;
}

std::optional<Solution> two_stage(const Context &cx, const Trial &t, const Decomposition &d, SharedStage &shared) {
    if (d.trivial()) return std::nullopt;
    const int n = cx.k.n_out;
    const PreparedStage &p1 = shared.get([&] { return first_stage_problem(cx, d); }, cx.opt.carry_size);
    Solution s;
    s.stages.push_back(run_cse(p1, t.cse(t.m0, cx.opt)));
    const StageProgram &s1 = s.stages[0];
    StageProblem p2;
    p2.cols.resize(n);
    for (int k = 0; k < n; ++k) {
        p2.in_q.push_back(s1.out_qint(k));
        p2.in_lat.push_back(s1.out_idxs[k] >= 0 ? s1.ops[s1.out_idxs[k]].latency : 0.0);
    }
    for (int j = 0; j < n; ++j)
        for (auto &pt : d.path(j))
            p2.cols[j].push_back(Term{pt.col, cx.k.shift1[j] + pt.shift, static_cast<int8_t>(pt.sign)});
    p2.deadline.assign(n, cx.deadline);
    s.stages.push_back(run_cse(p2, t.cse(t.m1, cx.opt)));
    return s;
}

// The kept trial: wmc (bit-width weighted) minimizes the cost (summed adder widths), then the adder count;
// mc (plain count) minimizes the adder count, then the cost.  Then the latency; then the trial order.
bool better(const Solution &a, const Solution &b, Method m) {
    if (m == Method::MC && a.n_adders != b.n_adders) return a.n_adders < b.n_adders;
    if (a.cost != b.cost) return a.cost < b.cost;
    if (a.n_adders != b.n_adders) return a.n_adders < b.n_adders;
    return a.latency < b.latency;
}

void fill_defaults(SolveOptions &opt, int n_in) {
    if (opt.in_q.empty()) opt.in_q.assign(n_in, QInt{-128, 127, 0});
    if (opt.in_lat.empty()) opt.in_lat.assign(n_in, 0.0);
    if (static_cast<int>(opt.in_q.size()) != n_in || static_cast<int>(opt.in_lat.size()) != n_in)
        throw std::invalid_argument("CMVM: need one quantization interval and one latency per input (kernel row)");
    // Every input interval is widened to contain 0: the program then stays within its types for every
    // input between 0 and the given values, e.g. the unit impulses that rebuild its kernel.
    for (QInt &q : opt.in_q) {
        q.lo = std::min<int64_t>(q.lo, 0);
        q.hi = std::max<int64_t>(q.hi, 0);
    }
}

}  // namespace

SolveResult solve(const double *w, int n_in, int n_out, const SolveOptions &opt_in) {
    if (n_in <= 0 || n_out <= 0) throw std::invalid_argument("CMVM: kernel must have at least one row and column");
    Context cx;
    cx.opt = opt_in;
    fill_defaults(cx.opt, n_in);
    cx.k = factor_kernel(w, n_in, n_out);
    // Inputs that can only be zero contribute nothing: drop their rows.
    for (int i = 0; i < n_in; ++i)
        if (cx.opt.in_q[i].is_zero())
            for (int j = 0; j < n_out; ++j) cx.k.m[static_cast<size_t>(i) * n_out + j] = 0;
    size_t total = 0, widest = 0;  // CSD digits: overall and in the widest column
    for (int j = 0; j < n_out; ++j) {
        size_t c = 0;
        for (int i = 0; i < n_in; ++i) c += csd_weight(cx.k.at(i, j));
        total += c;
        widest = std::max(widest, c);
    }
    int nt = opt_in.n_threads > 0 ? opt_in.n_threads : static_cast<int>(std::thread::hardware_concurrency());
    if (opt_in.n_threads <= 0 && total < kThreadMinTerms) nt = 1;  // tiny problems: threads cost more than they save
    prewake_helpers(nt - 1);                                       // their wake-up overlaps the decompositions below
    SolveResult res;
    double lb = -kInf;
    cx.col_lb.assign(n_out, -kInf);
    {
        StageProblem p;
        p.in_q = cx.opt.in_q;
        p.in_lat = cx.opt.in_lat;
        p.cols.resize(n_out);
        for (int j = 0; j < n_out; ++j) {
            std::vector<double> arr;
            for (int i = 0; i < n_in; ++i) {
                int64_t v = cx.k.at(i, j);
                add_digits(p.cols[j], i, v, 0);
                for (int d = csd_weight(v); d > 0; --d) arr.push_back(cx.opt.in_lat[i]);
            }
            cx.col_lb[j] = sum_lower_bound(arr, column_delta(p, j, cx.opt.carry_size));
            lb = std::max(lb, cx.col_lb[j]);
        }
    }
    res.depth_lower_bound = std::isinf(lb) ? 0.0 : lb;
    if (cx.opt.hard_dc >= 0) {
        cx.deadline = res.depth_lower_bound + cx.opt.hard_dc;
        res.depth_limit = cx.deadline;
    }
    // Trials.
    std::vector<int> dcs;
    if (cx.opt.search_all_decompose_dc) {
        // Depths that win in practice (measured on the paper and NN-like protocols): a tight delay leaves
        // room only for shallow trees; without one, trees of depth 2-3 (and unlimited ones for many columns).
        const int maxd = ceil_log2(std::max(n_out, 2));
        std::vector<int> cand = cx.opt.hard_dc == 0  ? std::vector<int>{0, 1}
                                : cx.opt.hard_dc > 0 ? std::vector<int>{0, 2}
                                                     : std::vector<int>{0, 2, 3};
        if (cx.opt.hard_dc < 0 && n_out > 16) cand.push_back(-1);
        for (int d : cand)
            if (d <= maxd) dcs.push_back(d);
        if (dcs.size() == 1 && maxd >= 1) dcs.push_back(1);  // few columns: the one depth that exists
    } else {
        int d = cx.opt.decompose_dc;
        if (d == -2) d = cx.opt.hard_dc < 0 ? -1 : cx.opt.hard_dc;
        dcs.push_back(d);
    }
    if (dcs.size() > 1 || dcs[0] != 0) cx.edges = edge_table(cx.k, kMaxEdgeShift);
    // The decomposition of every depth, once per solve (shared by the trials).  A depth whose tree is
    // trivial (no decomposition) or equal to that of an earlier depth gives no new trial: its trials
    // would rebuild the very same programs, which lose every tie to the earlier ones.
    std::vector<Decomposition> decs(dcs.size());
    std::vector<bool> dc_new(dcs.size(), true);
    for (size_t i = 0; i < dcs.size(); ++i) {
        if (dcs[i] == 0) continue;
        decs[i] = decompose(cx.k, limits_for(cx, dcs[i]), cx.edges);
        if (!cx.opt.search_all_decompose_dc) continue;  // one explicit depth: keep its trial as asked
        if (decs[i].trivial()) dc_new[i] = false;
        for (size_t e = 0; e < i && dc_new[i]; ++e)
            if (dcs[e] != 0 && dc_new[e] && same_tree(decs[e], decs[i])) dc_new[i] = false;
    }
    std::vector<Trial> trials;
    // Portfolio (tuned on the paper and NN-like protocols): plain greedy, look-ahead among patterns within
    // one reference width, and look-ahead within half a width with the other key order.
    std::vector<SearchPoint> pf = cx.opt.portfolio;
    const Method m0 = cx.opt.method0;
    if (pf.empty()) {
        // Look-ahead costs about (candidates x occurrences x column size) per step: only for moderate sizes.
        const bool lookahead = total <= kLookaheadMaxTerms && widest <= kLookaheadMaxColumn;
        if (!lookahead)
            pf = {{m0, 0, 1.0, 1.0}};
        else if (!cx.opt.search_all_decompose_dc)
            pf = {{m0, 4, 1.0, 1.0}};
        else if (m0 == Method::WMC && cx.opt.hard_dc < 0 && total <= kCountTrialMaxTerms)
            // Unconstrained wmc: a count-driven look-ahead trial (other tie order; decompositions only) finds
            // programs with fewer adders at hardly more bits; a look-ahead valuing one more occurrence at 1.5
            // mean widths replaces the one at 1 (paper N=16: 339.9 -> 338.9 adders, 4300 -> 4297 bits).
            pf = {{m0, 0, 1.0, 1.0}, {Method::MC, 7, 1.0, 1.0}, {m0, 4, 1.0, 1.0, 1.5}, {m0, 5, 0.5, 1.0}};
        else
            pf = {{m0, 0, 1.0, 1.0}, {m0, 4, 1.0, 1.0}, {m0, 5, 0.5, 1.0}};
    }
    std::vector<size_t> trial_dec;  // per trial: index into decs
    for (const SearchPoint &sp : pf)
        for (size_t di = 0; di < dcs.size(); ++di) {
            const int d = dcs[di];
            if (!dc_new[di]) continue;
            // A count-driven trial in a wmc search: single stage never wins and is the slowest trial.
            if (cx.opt.portfolio.empty() && sp.method != m0 && d == 0 && dcs.size() > 1) continue;
            // Under the tightest delay the plain greedy trial only pays off in a single stage (paper N=16,
            // hard_dc=0: same adders and bits without its decomposition trial, less time).
            const bool tight = cx.opt.portfolio.empty() && m0 == Method::WMC && cx.opt.hard_dc == 0;
            if (tight && sp.variant == 0 && d != 0 && pf.size() > 1) continue;
            Method m1 = cx.opt.method1 ? *cx.opt.method1 : sp.method;
            trials.push_back(Trial{d, sp.method, m1, sp.variant, sp.la_margin, sp.la_weight, sp.ref_scale});
            trial_dec.push_back(di);
        }
    res.n_trials = static_cast<int>(trials.size());
    // Trials of one stage problem share its preparation: one for the single stage, one per decomposition.
    SharedStage single_shared;
    std::vector<std::unique_ptr<SharedStage>> first_shared;
    for (size_t i = 0; i < decs.size(); ++i) first_shared.push_back(std::make_unique<SharedStage>());
    std::vector<std::optional<Solution>> out(trials.size());
    std::vector<std::exception_ptr> errs(trials.size());
    // Execution order (results do not depend on it): the slowest trials first, single-stage look-ahead
    // ones, so that the threads finish together.
    std::vector<size_t> order(trials.size());
    for (size_t t = 0; t < order.size(); ++t) order[t] = t;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
        auto slow = [&](size_t t) { return trials[t].dc == 0 && (trials[t].variant & 4) != 0; };
        return slow(x) && !slow(y);
    });
    std::atomic<size_t> next{0};
    auto worker = [&]() {
        for (size_t i; (i = next.fetch_add(1)) < trials.size();) {
            const size_t t = order[i];
            try {
                const Trial &tr = trials[t];
                std::optional<Solution> s;
                if (tr.dc == 0)
                    s = single_stage(cx, tr, single_shared);
                else
                    s = two_stage(cx, tr, decs[trial_dec[t]], *first_shared[trial_dec[t]]);
                if (s) {
                    s->trial = tr.name();
                    s->finalize();
                    if (!std::isinf(cx.deadline) && s->latency > cx.deadline + 1e-9 && tr.dc != 0) s.reset();
                }
                out[t] = std::move(s);
            } catch (...) {
                errs[t] = std::current_exception();
            }
        }
    };
    nt = std::max(1, std::min<int>(nt, static_cast<int>(trials.size())));
    run_parallel(nt - 1, worker);  // the calling thread is one of the nt workers
    int bi = -1;
    for (size_t t = 0; t < trials.size(); ++t)
        if (out[t] && (bi < 0 || better(*out[t], *out[bi], cx.opt.method0))) bi = static_cast<int>(t);
    if (bi < 0) {
        for (auto &e : errs)
            if (e) std::rethrow_exception(e);
        // No decomposition fit: fall back to the single stage (always exists).
        res.best = single_stage(cx, Trial{0, cx.opt.method0, cx.opt.method0, 0, 1.0, 1.0, 1.0}, single_shared);
        res.best.trial = "fallback single stage";
        res.best.finalize();
        return res;
    }
    res.best = std::move(*out[bi]);
    return res;
}

void kernel_decompose(const double *w, int n_in, int n_out, int dc, std::vector<double> &w1, std::vector<double> &w2) {
    IntKernel k = factor_kernel(w, n_in, n_out);
    DecomposeLimits lim;
    lim.max_path_len = dc < 0 ? -1 : (1 << std::min(dc, 20));
    Decomposition d = decompose(k, lim, edge_table(k, kMaxEdgeShift));
    w1.assign(static_cast<size_t>(n_in) * n_out, 0.0);
    w2.assign(static_cast<size_t>(n_out) * n_out, 0.0);
    for (int c = 0; c < n_out; ++c)
        for (int i = 0; i < n_in; ++i)
            w1[static_cast<size_t>(i) * n_out + c] = std::ldexp(static_cast<double>(d.diff[c][i]), k.shift0[i]);
    for (int j = 0; j < n_out; ++j)
        for (auto &pt : d.path(j))
            w2[static_cast<size_t>(pt.col) * n_out + j] = pt.sign * std::ldexp(1.0, k.shift1[j] + pt.shift);
}

}  // namespace da4ml::cmvm
