#include "cmvm/solve.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
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
constexpr double kCorrelatedDigits = 0.75;    // see `correlated` in solve()
// Work units of a trial besides its CSE steps (copying the prepared stage, the programs, the report;
// measured with callgrind on 4x4 kernels: ~150k instructions, the CSE's steps ~115 each).
constexpr uint64_t kTrialWork = 1300;
constexpr uint64_t kDefaultRoundSeed = 0x243F6A8885A308D3ull;  // the default's own seeded round
constexpr size_t kThreadMinTerms = 40;  // below this many digits the trials run on the calling thread (measured:
                                        // 4x4 4-bit kernels ~0.1 ms lose with a thread start, 6x6 and 8x8 gain)
// Search budget: trials run in batches of this many (the batches, not the threads, decide which trials
// run: the result does not depend on the thread count or timing).
constexpr size_t kBudgetBatch = 4;
// The exact search on small kernels (no delay constraint): at most this many CSD digits, and its nodes
// counted at this many work units each (measured with callgrind: ~66k instructions per node).
constexpr size_t kExactMaxDigits = 16;
constexpr uint64_t kExactNodeWork = 600;

uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// One decomposition of the kernel (a tree of the columns) with the trials' shared stage-1 preparation.
struct Tree;

struct Trial {
    int dc = 0;        // 0: single stage
    const Tree *tree;  // the decomposition (nullptr for the single stage)
    SelectionRule r1;  // stage 1 (and single stage)
    SelectionRule r2;  // stage 2
    std::string name() const;
};

std::string rule_name(const SelectionRule &r) {
    std::string s = r.method == Method::MC ? "mc" : "wmc";
    if (r.lookahead) s += " look-ahead(margin=" + std::to_string(r.lookahead_margin).substr(0, 4) + ")";
    if (r.ref_scale != 1.0) s += " occurrence=" + std::to_string(r.ref_scale).substr(0, 4) + "w";
    if (r.latency_penalty) s += " latency-penalty=" + std::to_string(*r.latency_penalty).substr(0, 4);
    if (r.narrower_first) s += " narrower-first";
    if (r.larger_keys_first) s += " larger-keys-first";
    if (r.earliest_first) s += " earliest-first";
    if (r.tie_seed) s += " tie-seed=" + std::to_string(r.tie_seed % 100000);
    return s;
}

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

struct Tree {
    int dc = 0;
    uint64_t tie_seed = 0;
    Decomposition d;
    mutable SharedStage stage1;
};

std::string Trial::name() const {
    std::string s = "dc=" + std::to_string(dc);
    if (tree && tree->tie_seed) s += " tree-seed=" + std::to_string(tree->tie_seed % 100000);
    s += " " + rule_name(r1);
    if (dc != 0 && (r2.method != r1.method || r2.tie_seed != r1.tie_seed)) s += " / " + rule_name(r2);
    return s;
}

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

CseOptions cse_options(const SelectionRule &r, const SolveOptions &o) {
    return CseOptions{r, o.adder_size, o.carry_size};
}

Solution single_stage(const Context &cx, const SelectionRule &rule, SharedStage &shared) {
    const PreparedStage &p = shared.get([&] { return single_stage_problem(cx); }, cx.opt.carry_size);
    Solution s;
    s.stages.push_back(run_cse(p, cse_options(rule, cx.opt)));
    return s;
}

DecomposeLimits limits_for(const Context &cx, int dc, uint64_t tie_seed) {
    DecomposeLimits lim;
    lim.max_path_len = dc < 0 ? -1 : (1 << std::min(dc, 20));
    lim.deadline = std::isinf(cx.deadline) ? -1.0 : cx.deadline;
    lim.in_lat = cx.opt.in_lat;
    lim.tie_seed = tie_seed;
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

std::optional<Solution> two_stage(const Context &cx, const Trial &t) {
    const Decomposition &d = t.tree->d;
    if (d.trivial()) return std::nullopt;
    const int n = cx.k.n_out;
    const PreparedStage &p1 = t.tree->stage1.get([&] { return first_stage_problem(cx, d); }, cx.opt.carry_size);
    Solution s;
    s.stages.push_back(run_cse(p1, cse_options(t.r1, cx.opt)));
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
    s.stages.push_back(run_cse(p2, cse_options(t.r2, cx.opt)));
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
    if (!(opt.search_budget >= 0.0) || std::isinf(opt.search_budget))
        throw std::invalid_argument("CMVM: search_budget must be a finite number >= 0");
}

IntKernel active_kernel(const double *w, int n_in, int n_out, const SolveOptions &opt) {
    IntKernel k = factor_kernel(w, n_in, n_out);
    // Inputs that can only be zero contribute nothing: drop their rows.
    for (int i = 0; i < n_in; ++i)
        if (opt.in_q[i].is_zero())
            for (int j = 0; j < n_out; ++j) k.m[static_cast<size_t>(i) * n_out + j] = 0;
    return k;
}

// Runs trials on nt threads (the calling thread one of them); results in trial order.
class TrialRunner {
   public:
    TrialRunner(const Context &cx, SharedStage &single, int nt) : cx_(cx), single_(single), nt_(nt) {}
    std::vector<std::optional<Solution>> run(const std::vector<Trial> &trials) {
        std::vector<std::optional<Solution>> out(trials.size());
        std::vector<std::exception_ptr> errs(trials.size());
        // Execution order (results do not depend on it): the slowest trials first, single-stage look-ahead
        // ones, so that the threads finish together.
        std::vector<size_t> order(trials.size());
        for (size_t t = 0; t < order.size(); ++t) order[t] = t;
        std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
            auto slow = [&](size_t t) { return trials[t].dc == 0 && trials[t].r1.lookahead; };
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
                        s = single_stage(cx_, tr.r1, single_);
                    else
                        s = two_stage(cx_, tr);
                    if (s) {
                        s->trial = tr.name();
                        s->finalize();
                        s->work += kTrialWork;
                        if (!std::isinf(cx_.deadline) && s->latency > cx_.deadline + 1e-9 && tr.dc != 0) s.reset();
                    }
                    out[t] = std::move(s);
                } catch (...) {
                    errs[t] = std::current_exception();
                }
            }
        };
        const int nt = std::max(1, std::min<int>(nt_, static_cast<int>(trials.size())));
        run_parallel(nt - 1, worker);
        for (size_t t = 0; t < trials.size(); ++t)
            if (errs[t] && !out[t]) {
                // An overflow (too wide intermediates) fails every trial alike; rethrow the first.
                bool any = false;
                for (auto &o : out) any = any || o.has_value();
                if (!any) std::rethrow_exception(errs[t]);
            }
        return out;
    }

   private:
    const Context &cx_;
    SharedStage &single_;
    int nt_;
};

// The default portfolio (tuned on the paper and NN-like protocols): plain greedy, look-ahead among patterns
// within one reference width, and look-ahead within half a width with the other key order.
std::vector<SelectionRule> default_portfolio(const Context &cx, size_t total, size_t widest) {
    const Method m0 = cx.opt.method0;
    using R = SelectionRule;
    // Look-ahead costs about (candidates x occurrences x column size) per step: only for moderate sizes.
    const bool lookahead = total <= kLookaheadMaxTerms && widest <= kLookaheadMaxColumn;
    if (!lookahead) return {R::greedy(m0)};
    if (!cx.opt.search_all_decompose_dc) return {R::greedy(m0).look_ahead()};
    if (m0 == Method::WMC && cx.opt.hard_dc < 0 && total <= kCountTrialMaxTerms)
        // Unconstrained wmc: a count-driven look-ahead trial (other tie order; decompositions only) finds
        // programs with fewer adders at hardly more bits; a look-ahead valuing one more occurrence at 1.5
        // mean widths replaces the one at 1 (paper N=16: 339.9 -> 338.9 adders, 4300 -> 4297 bits).
        return {R::greedy(m0),
                R::greedy(Method::MC).look_ahead().larger_keys_before_smaller().narrower_before_earlier(),
                R::greedy(m0).look_ahead().valuing_occurrence_at(1.5),
                R::greedy(m0).look_ahead(0.5).larger_keys_before_smaller()};
    // Tightest delay: also the plain greedy with the other key order (single stage, cheap; paper N=16: -15 bits).
    if (cx.opt.hard_dc == 0)
        return {R::greedy(m0), R::greedy(m0).larger_keys_before_smaller(), R::greedy(m0).look_ahead(),
                R::greedy(m0).look_ahead(0.5).larger_keys_before_smaller()};
    return {R::greedy(m0), R::greedy(m0).look_ahead(), R::greedy(m0).look_ahead(0.5).larger_keys_before_smaller()};
}

// Columns equal up to sign and a power of two (and zero columns) are one problem: the distinct columns are
// solved, and the outputs read off them.  Copies then cost nothing and do not change the search.  Returns
// false if every non-zero column is distinct.
bool solve_distinct(const IntKernel &k, int n_in, int n_out, const SolveOptions &opt, SolveResult &res) {
    std::vector<int> of(n_out, -1), sign(n_out, 1);  // output j = sign[j] * 2**shift1[j] * distinct of[j]
    std::vector<int> firsts;
    for (int j = 0; j < n_out; ++j) {
        int lead = 0;
        for (int i = 0; i < n_in && !lead; ++i) lead = k.at(i, j) > 0 ? 1 : k.at(i, j) < 0 ? -1 : 0;
        if (!lead) continue;
        for (size_t u = 0; u < firsts.size() && of[j] < 0; ++u) {
            bool same = true;
            for (int i = 0; i < n_in && same; ++i) same = k.at(i, j) * lead == k.at(i, firsts[u]) * sign[firsts[u]];
            if (same) of[j] = static_cast<int>(u);
        }
        sign[j] = lead;
        if (of[j] < 0) {
            of[j] = static_cast<int>(firsts.size());
            firsts.push_back(j);
        }
    }
    const int nd = static_cast<int>(firsts.size());
    if (nd == 0 || nd == n_out) return false;
    std::vector<double> wd(static_cast<size_t>(n_in) * nd);
    for (int i = 0; i < n_in; ++i)
        for (int u = 0; u < nd; ++u)
            wd[static_cast<size_t>(i) * nd + u] =
                std::ldexp(static_cast<double>(k.at(i, firsts[u]) * sign[firsts[u]]), k.shift0[i]);
    res = solve(wd.data(), n_in, nd, opt);
    StageProgram &last = res.best.stages.back();
    const StageProgram d = last;
    last.n_out = n_out;
    last.out_idxs.assign(n_out, -1);
    last.out_shifts.assign(n_out, 0);
    last.out_negs.assign(n_out, 0);
    for (int j = 0; j < n_out; ++j) {
        if (of[j] < 0) continue;
        last.out_idxs[j] = d.out_idxs[of[j]];
        last.out_shifts[j] = d.out_shifts[of[j]] + k.shift1[j];
        last.out_negs[j] = static_cast<int8_t>((d.out_negs[of[j]] != 0) != (sign[j] < 0));
    }
    return true;
}

}  // namespace

SolveResult solve(const double *w, int n_in, int n_out, const SolveOptions &opt_in) {
    if (n_in <= 0 || n_out <= 0) throw std::invalid_argument("CMVM: kernel must have at least one row and column");
    Context cx;
    cx.opt = opt_in;
    fill_defaults(cx.opt, n_in);
    cx.k = active_kernel(w, n_in, n_out, cx.opt);
    {
        SolveResult distinct;
        if (solve_distinct(cx.k, n_in, n_out, cx.opt, distinct)) return distinct;
    }
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
    // Decomposition depths.
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
    std::deque<Tree> trees;  // stable addresses (trials point at them)
    std::vector<const Tree *> dc_tree(dcs.size(), nullptr);
    std::vector<bool> dc_new(dcs.size(), true);
    for (size_t i = 0; i < dcs.size(); ++i) {
        if (dcs[i] == 0) continue;
        trees.emplace_back();
        trees.back().dc = dcs[i];
        trees.back().d = decompose(cx.k, limits_for(cx, dcs[i], 0), cx.edges);
        dc_tree[i] = &trees.back();
        if (!cx.opt.search_all_decompose_dc) continue;  // one explicit depth: keep its trial as asked
        if (trees.back().d.trivial()) dc_new[i] = false;
        for (size_t e = 0; e < i && dc_new[i]; ++e)
            if (dcs[e] != 0 && dc_new[e] && same_tree(dc_tree[e]->d, dc_tree[i]->d)) dc_new[i] = false;
    }
    const std::vector<SelectionRule> pf =
        cx.opt.portfolio.empty() ? default_portfolio(cx, total, widest) : cx.opt.portfolio;
    const Method m0 = cx.opt.method0;
    auto stage2_rule = [&](const SelectionRule &r) {
        SelectionRule r2 = r;
        if (cx.opt.method1) r2.method = *cx.opt.method1;
        return r2;
    };
    // Strongly correlated columns (a tree whose difference vectors have under kCorrelatedDigits of the
    // kernel's digits, e.g. the paper protocol's all-positive entries: ~0.67; NN-like signed weights:
    // >= 0.8): unless the delay is tightest, a single stage never wins there (paper N=8/16/32 at hard_dc -1
    // and 2: not once in 20 kernels each) and its trials were 40-65% of the work.
    bool correlated = false;
    if (cx.opt.search_all_decompose_dc && cx.opt.portfolio.empty() && cx.opt.hard_dc != 0) {
        for (const Tree &t : trees) {
            size_t dd = 0;
            for (const auto &v : t.d.diff)
                for (int64_t x : v) dd += csd_weight(x);
            correlated = correlated || (t.d.trivial() ? false : static_cast<double>(dd) < kCorrelatedDigits * total);
        }
    }
    std::vector<Trial> trials;
    for (const SelectionRule &sp : pf)
        for (size_t di = 0; di < dcs.size(); ++di) {
            const int d = dcs[di];
            if (!dc_new[di]) continue;
            if (correlated && d == 0) continue;
            // A count-driven trial in a wmc search: single stage never wins and is the slowest trial.
            if (cx.opt.portfolio.empty() && sp.method != m0 && d == 0 && dcs.size() > 1) continue;
            // Under the tightest delay the plain greedy trial only pays off in a single stage (paper N=16,
            // hard_dc=0: same adders and bits without its decomposition trial, less time).
            const bool tight = cx.opt.portfolio.empty() && m0 == Method::WMC && cx.opt.hard_dc == 0;
            if (tight && !sp.lookahead && d != 0 && pf.size() > 1) continue;
            trials.push_back(Trial{d, dc_tree[di], sp, stage2_rule(sp)});
        }
    // The same trials with their trees' and their rules' ties broken by hashes of `rs`: other
    // decompositions and other pattern orders of equal merit.
    auto seeded_round = [&](const std::vector<Trial> &base, uint64_t rs) {
        std::vector<const Tree *> round_tree(dcs.size(), nullptr);
        for (size_t di = 0; di < dcs.size(); ++di) {
            if (dcs[di] == 0 || !dc_new[di]) continue;
            trees.emplace_back();
            trees.back().dc = dcs[di];
            trees.back().tie_seed = mix64(rs + di + 1) | 1;
            trees.back().d = decompose(cx.k, limits_for(cx, dcs[di], trees.back().tie_seed), cx.edges);
            round_tree[di] = &trees.back();
        }
        std::vector<Trial> out;
        for (const Trial &t : base) {
            Trial u = t;
            for (size_t di = 0; di < dcs.size(); ++di)
                if (t.dc != 0 && dc_tree[di] == t.tree) u.tree = round_tree[di];
            u.r1 = t.r1.ties_seeded(mix64(rs ^ 0x51ED) | 1);
            u.r2 = t.r2.ties_seeded(mix64(rs ^ 0xC0DE) | 1);
            out.push_back(u);
        }
        return out;
    };
    std::vector<Trial> run_now = trials;
    if (correlated) {
        // Strongly correlated columns: the decomposition trials once more with other ties (paper N=16,
        // 100 kernels: hard_dc=-1 338.8 -> 337.9 adders, 4204 -> 4191 bits; hard_dc=2 4432 -> 4412 bits;
        // twice the work, which the single-stage trials left out had taken).
        std::vector<Trial> more = seeded_round(trials, kDefaultRoundSeed);
        run_now.insert(run_now.end(), more.begin(), more.end());
    }
    SharedStage single_shared;
    TrialRunner runner(cx, single_shared, nt);
    std::vector<std::optional<Solution>> out = runner.run(run_now);
    int bi = -1;
    auto consider = [&](std::vector<std::optional<Solution>> &sols, const std::vector<Trial> &ts) {
        for (size_t t = 0; t < ts.size(); ++t) {
            if (!sols[t]) continue;
            res.work += sols[t]->work;
            res.trials.push_back(
                TrialReport{sols[t]->trial, sols[t]->n_adders, sols[t]->cost, sols[t]->latency, sols[t]->work, false});
            if (bi < 0 || better(*sols[t], res.best, m0)) {
                bi = static_cast<int>(res.trials.size()) - 1;
                res.best = std::move(*sols[t]);
            }
        }
    };
    consider(out, run_now);
    res.n_trials = static_cast<int>(run_now.size());
    if (bi < 0) {
        // No decomposition fit: fall back to the single stage (always exists).
        res.best = single_stage(cx, SelectionRule::greedy(m0), single_shared);
        res.best.trial = "fallback single stage";
        res.best.finalize();
        res.work += res.best.work;
        res.trials.push_back(
            TrialReport{res.best.trial, res.best.n_adders, res.best.cost, res.best.latency, res.best.work, false});
        bi = static_cast<int>(res.trials.size()) - 1;
    }
    // Anytime search: the budget's trials, batch by batch, in a fixed order.
    const double units = cx.opt.search_budget * kWorkUnitsPerSecond;
    double spent = 0.0;
    if (units > 0 && cx.opt.hard_dc < 0 && total <= kExactMaxDigits && exact_supported(cx.k)) {
        // Small kernels: the exact search for fewer adders (with half the budget).
        ExactLimits lim;
        lim.max_nodes = std::max<int64_t>(1, static_cast<int64_t>(0.5 * units / kExactNodeWork));
        lim.upper_bound = res.best.n_adders;
        ExactResult e = exact_minimum(cx.k, cx.opt.in_q, cx.opt.in_lat, cx.opt.adder_size, cx.opt.carry_size, lim);
        spent += static_cast<double>(e.nodes * kExactNodeWork);
        res.work += e.nodes * kExactNodeWork;
        if (e.found) {
            Solution s;
            s.stages.push_back(std::move(e.program));
            s.trial = "exact";
            s.finalize();
            s.work = e.nodes * kExactNodeWork;
            res.trials.push_back(TrialReport{s.trial, s.n_adders, s.cost, s.latency, s.work, false});
            if (better(s, res.best, m0)) {
                bi = static_cast<int>(res.trials.size()) - 1;
                res.best = std::move(s);
            }
        }
    }
    if (units > 0) {
        // Round r >= 1: every default trial again, seeded with (seed, r).
        std::vector<Trial> queue;
        for (uint64_t round = 1; spent < units;) {
            while (queue.size() < kBudgetBatch) {
                std::vector<Trial> more = seeded_round(trials, mix64(cx.opt.seed * 0x9E3779B97F4A7C15ull + round++));
                queue.insert(queue.end(), more.begin(), more.end());
            }
            std::vector<Trial> batch(queue.begin(), queue.begin() + kBudgetBatch);
            queue.erase(queue.begin(), queue.begin() + kBudgetBatch);
            std::vector<std::optional<Solution>> got = runner.run(batch);
            for (auto &g : got)
                if (g) spent += static_cast<double>(g->work);
            res.n_trials += static_cast<int>(batch.size());
            consider(got, batch);
        }
    }
    res.trials[static_cast<size_t>(bi)].kept = true;
    return res;
}

MinimumResult solve_minimum_adders(const double *w, int n_in, int n_out, const SolveOptions &opt_in,
                                   const ExactLimits &lim) {
    if (opt_in.hard_dc != -1)
        throw std::invalid_argument("CMVM exact search: hard_dc=" + std::to_string(opt_in.hard_dc) +
                                    " given; the exact search has no delay constraint (use hard_dc=-1)");
    MinimumResult res;
    SolveResult h = solve(w, n_in, n_out, opt_in);
    res.best = std::move(h.best);
    res.heuristic_adders = res.best.n_adders;
    SolveOptions opt = opt_in;
    fill_defaults(opt, n_in);
    IntKernel k = active_kernel(w, n_in, n_out, opt);
    ExactLimits l = lim;
    l.upper_bound = res.heuristic_adders;
    ExactResult e = exact_minimum(k, opt.in_q, opt.in_lat, opt.adder_size, opt.carry_size, l);
    res.nodes = e.nodes;
    res.optimal = e.optimal;
    res.lower_bound = e.lower_bound;
    if (e.found) {
        res.best = Solution{};
        res.best.stages.push_back(std::move(e.program));
        res.best.trial = "exact";
        res.best.finalize();
    }
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
