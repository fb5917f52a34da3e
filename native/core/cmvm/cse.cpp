#include "cmvm/cse.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include "cmvm/cost.hpp"
#include "cmvm/delay.hpp"
#include "cmvm/linform.hpp"
#include "cmvm/pattern_table.hpp"
#include "dais/opcodes.hpp"

namespace da4ml::cmvm {

namespace {

constexpr int kShiftBias = 1 << 18;
// Look-ahead (SelectionRule::lookahead): among the best patterns (exact ties for mc; within one reference width for
// wmc) take the one destroying the least sharing potential; at most kMaxTies candidates per step.
constexpr size_t kMaxTies = 32;
constexpr int32_t kMaxVars = (1 << 22) - 2;
constexpr double kInf = std::numeric_limits<double>::infinity();

inline bool tless(const Term &t, const Term &u) { return t.var < u.var || (t.var == u.var && t.shift < u.shift); }
// The same order as a function object: the searches and sorts inline it (a function pointer they may not).
struct TLess {
    bool operator()(const Term &t, const Term &u) const { return tless(t, u); }
};

// Pattern of two terms t < u of one column: value a + sigma * b * 2**s, placed at t.shift with t.sign.
inline uint64_t make_key(const Term &t, const Term &u) {
    int64_t s = static_cast<int64_t>(u.shift) - t.shift;
    if (s <= -kShiftBias || s >= kShiftBias) throw std::overflow_error("CMVM: shift between two terms out of range");
    return (static_cast<uint64_t>(t.var) << 42) | (static_cast<uint64_t>(u.var) << 20) |
           (static_cast<uint64_t>(s + kShiftBias) << 1) | static_cast<uint64_t>(t.sign != u.sign);
}
inline uint64_t key_of(const Term &x, const Term &y) { return tless(x, y) ? make_key(x, y) : make_key(y, x); }

struct Pat {
    int32_t a, b, s;
    int sigma;
};
inline Pat decode(uint64_t k) {
    Pat p;
    p.a = static_cast<int32_t>(k >> 42);
    p.b = static_cast<int32_t>((k >> 20) & ((1u << 22) - 1));
    p.s = static_cast<int32_t>((k >> 1) & ((1u << 19) - 1)) - kShiftBias;
    p.sigma = (k & 1) ? -1 : 1;
    return p;
}

// Calls f(i, j) for each pair of terms c[i] = (p.a, sh), c[j] = (p.b, sh + p.s) of sorted column c whose signs
// match the pattern, in increasing sh, until f returns true.  One merge walk: no search per pair.
// `work` counts the walk's steps (work units of the search budget).
template <class F>
void for_each_match(const std::vector<Term> &c, const Pat &p, uint64_t &work, F &&f) {
    work += 2;  // the two searches
    auto at = std::lower_bound(c.begin(), c.end(), Term{p.a, std::numeric_limits<int32_t>::min(), 1}, TLess{});
    auto bt = std::lower_bound(c.begin(), c.end(), Term{p.b, std::numeric_limits<int32_t>::min(), 1}, TLess{});
    for (; at != c.end() && at->var == p.a; ++at) {
        ++work;
        const int64_t us = static_cast<int64_t>(at->shift) + p.s;
        while (bt != c.end() && bt->var == p.b && bt->shift < us) ++bt;
        if (bt == c.end() || bt->var != p.b) return;
        if (bt->shift != us || bt->sign != p.sigma * at->sign) continue;
        if (f(static_cast<int>(at - c.begin()), static_cast<int>(bt - c.begin()))) return;
    }
}

struct Var {
    LinForm f;
    QInt q;
    double lat = 0.0;
    int width = 0;
    int32_t a = -1, b = -1, s = 0;
    int sigma = 0;
};

struct HeapEntry {
    double score;
    double lat;
    int width;
    bool capped;
    uint64_t key;
};

inline uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

struct HeapLess {
    bool narrower_first = false, larger_keys_first = false, earliest_first = false;
    uint64_t tie_seed = 0;
    bool operator()(const HeapEntry &x, const HeapEntry &y) const {  // true: x has lower priority
        if (earliest_first && x.lat != y.lat) return x.lat > y.lat;
        if (x.score != y.score) return x.score < y.score;
        if (narrower_first) {
            if (x.width != y.width) return x.width > y.width;
            if (x.lat != y.lat) return x.lat > y.lat;
        } else {
            if (x.lat != y.lat) return x.lat > y.lat;
            if (x.width != y.width) return x.width > y.width;
        }
        uint64_t kx = x.key, ky = y.key;
        if (tie_seed) {
            kx = mix64(kx ^ tie_seed);
            ky = mix64(ky ^ tie_seed);
        }
        return larger_keys_first ? kx < ky : kx > ky;
    }
};

// Priority queue of pattern entries: the initial entries as one sorted run (cache friendly; they are most
// of the entries) merged with a binary heap of the entries pushed later.
class PatternQueue {
   public:
    explicit PatternQueue(HeapLess less) : less_(less), heap_(less) {}
    void push_initial(const HeapEntry &e) { run_.push_back(e); }
    void seal() {  // best first
        std::sort(run_.begin(), run_.end(), [this](const HeapEntry &a, const HeapEntry &b) { return less_(b, a); });
    }
    void push(const HeapEntry &e) { heap_.push(e); }
    bool empty() const { return pos_ >= run_.size() && heap_.empty(); }
    const HeapEntry &top() const { return from_run() ? run_[pos_] : heap_.top(); }
    void pop() {
        if (from_run())
            ++pos_;
        else
            heap_.pop();
    }

   private:
    bool from_run() const {
        if (pos_ >= run_.size()) return false;
        return heap_.empty() || !less_(run_[pos_], heap_.top());
    }
    HeapLess less_;
    std::vector<HeapEntry> run_;
    size_t pos_ = 0;
    std::priority_queue<HeapEntry, std::vector<HeapEntry>, HeapLess> heap_;
};

// Width (interval arithmetic, for ranking only) of sign_t*qt*2**st + sign_u*qu*2**su, in exact integers on
// the finer of the two grids.
int approx_sum_width(const QInt &qt, int st, int sgt, const QInt &qu, int su, int sgu) {
    __extension__ typedef __int128 i128;
    const int64_t et = static_cast<int64_t>(qt.exp) + st, eu = static_cast<int64_t>(qu.exp) + su;
    const int64_t e = std::min(et, eu);
    const int64_t dt = et - e, du = eu - e;
    if (dt > 64 || du > 64) return 64;  // far apart: wider than any supported intermediate (62 bits)
    auto lo_hi = [](const QInt &q, int sg, int64_t d, i128 &lo, i128 &hi) {
        const i128 a = static_cast<i128>(sg < 0 ? -q.hi : q.lo) * (static_cast<i128>(1) << d);
        const i128 b = static_cast<i128>(sg < 0 ? -q.lo : q.hi) * (static_cast<i128>(1) << d);
        lo += a;
        hi += b;
    };
    i128 lo = 0, hi = 0;
    lo_hi(qt, sgt, dt, lo, hi);
    lo_hi(qu, sgu, du, lo, hi);
    i128 m = lo < 0 ? std::max<i128>(-lo - 1, hi) : hi;
    if (m <= 0 && lo >= 0) return 0;
    const auto hi64 = static_cast<uint64_t>(m >> 64), lo64 = static_cast<uint64_t>(m);
    const int bits = hi64 ? 128 - __builtin_clzll(hi64) : (lo64 ? 64 - __builtin_clzll(lo64) : 0);
    return bits + (lo < 0 ? 1 : 0);
}

// What setup() and count_pairs() build from a stage problem: the same for every trial solving it.
struct StageState {
    std::vector<Var> vars;
    std::vector<std::vector<Term>> cols;  // deduplicated output columns, terms sorted
    std::vector<int> out_col, out_shift;  // per output: its column (-1: zero), shift and sign
    std::vector<int8_t> out_sign;
    std::vector<double> deadline, delta;  // per column
    std::vector<kraft_t> kraft;
    std::vector<std::vector<int32_t>> var_cols;  // per variable: the columns holding it (sorted)
    PatternCounts counts;
    double width_sum = 0.0;  // summed column widths (the wmc reference width is their mean)
    bool timed = false;      // some column has a deadline
    struct Initial {
        uint64_t key;
        int32_t count;
        int width;
        double lat;
    };
    std::vector<Initial> initial;  // the patterns occurring at least twice
};

}  // namespace

struct PreparedStage {
    StageProblem problem;
    int carry_size;
    StageState state;
};

namespace {

class Cse {
   public:
    // A new problem: prepare() before run().
    Cse(const StageProblem &p, const CseOptions &o) : P_(p), O_(o), R_(o.rule), heap_(less_of(o.rule)) {}
    // A prepared one (its state copied).
    Cse(const PreparedStage &ps, const CseOptions &o)
        : P_(ps.problem), O_(o), R_(o.rule), st_(ps.state), heap_(less_of(o.rule)) {}
    void prepare() {
        setup();
        count_pairs();
    }
    StageState take_state() { return std::move(st_); }
    StageProgram run();

   private:
    void setup();
    void count_pairs();
    void init_queue();
    double auto_latency_penalty() const;
    // A pattern's priority: its occurrences (wmc: times the reference width, less its own width), less the
    // latency penalty per level of its sum's arrival.
    double score(int count, int width, double lat) const {
        const double pen = latency_penalty_ * lat;
        if (R_.method == Method::MC) return count - pen;
        return (count - pen) * ref_width_ - width;
    }
    // Approximate width and arrival time of pattern key's sum (independent of the trial's options).
    struct Shape {
        int width;
        double lat;
    };
    Shape shape(uint64_t key) const;
    HeapEntry entry(uint64_t key, int count, bool capped = false, double forced_score = kNaN) const;
    void push(uint64_t key, int count, bool capped = false, double forced_score = kNaN) {
        heap_.push(entry(key, count, capped, forced_score));
    }
    Var make_var(const Pat &p) const;
    double new_latency(const Pat &p) const {  // latency of a + sigma * b << s
        const double l = std::max(st_.vars[p.a].lat, st_.vars[p.b].lat);
        return O_.carry_size <= 0 ? l + 1.0 : make_var(p).lat;
    }
    int32_t add_var(Var v, uint64_t key);
    kraft_t unit(int col, double lat) const { return kraft_unit(st_.deadline[col], lat, st_.delta[col]); }
    // Next occurrence of pattern p in col whose substitution keeps the column within its deadline.
    bool next_occurrence(int col, const Pat &p, double vlat, int &ti, int &ui) const;
    void substitute(int col, int ti, int ui, int32_t v);
    void note_var_col(int32_t var, int col);
    void cse_loop();
    // Look-ahead: the value of a candidate destroying `loss` (its loss for mc; lookahead_weight * loss - score
    // for wmc) is non-decreasing in loss (lookahead_weight >= 0), so once it reaches the best value so far the
    // candidate cannot be taken (strictly smaller wins) and the rest of its loss need not be summed.
    struct LossCut {
        bool weighted;
        double weight, score, best;
        bool hit(double loss) const { return (weighted ? weight * loss - score : loss) >= best; }
    };
    // Sum over the other terms x of column col of (occurrences of pattern (c[i], x) - 1): the sharing the
    // term's pairs offer elsewhere.  Cached for one look-ahead round (look_round_), in which neither the
    // columns nor the counts change.
    int pair_potential(int col, int i);
    int simulate(const Pat &p, double vlat, const std::vector<int32_t> &cols, double *loss,
                 const LossCut *cut = nullptr);
    // Columns holding both variables of p (the shorter of their column lists; a superset).  The reference
    // stays valid until the next add_var.
    const std::vector<int32_t> &candidate_cols(const Pat &p) const;
    // Feasible occurrences of p (simulate without loss), cached per pattern until one of its columns changes.
    int feasible_count(const Pat &p, uint64_t key);
    bool check(const HeapEntry &e);
    int32_t combine(const Term &t, const Term &u);
    Term sum_column(int col, double deadline);
    StageProgram emit();

    static HeapLess less_of(const SelectionRule &r) {
        return HeapLess{r.narrower_first, r.larger_keys_first, r.earliest_first, r.tie_seed};
    }
    static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    const StageProblem &P_;
    CseOptions O_;
    SelectionRule R_;
    StageState st_;
    PatternQueue heap_;
    std::unordered_map<uint64_t, int32_t> memo_;
    double ref_width_ = 16.0;
    std::vector<Term> final_terms_;
    std::vector<uint64_t> pending_;  // keys whose count rose during one acceptance (queued once after it)
    std::vector<int> used_;          // scratch of simulate
    // Scratch of sum_column: its terms (combined ones appended), which are still to be summed, and the
    // candidate pairs (a max-heap whose top is the narrowest, then earliest, then first-made pair).
    struct SumPair {
        int width;
        double lat;
        int i, j;
        bool operator<(const SumPair &o) const {
            if (width != o.width) return width > o.width;
            if (lat != o.lat) return lat > o.lat;
            if (i != o.i) return i > o.i;
            return j > o.j;
        }
    };
    std::vector<Term> sum_terms_;
    std::vector<char> sum_alive_;
    std::vector<SumPair> sum_heap_;
    std::vector<HeapEntry> tied_;  // scratch of cse_loop
    uint32_t look_round_ = 0;      // look-ahead rounds so far
    double latency_penalty_ = 0.0;
    mutable uint64_t work_ = 0;                           // steps of this run (work units)
    std::vector<std::vector<uint32_t>> potential_round_;  // per column and term: round of the cached value
    std::vector<std::vector<int32_t>> potential_;         // per column and term: pair_potential
    // Feasibility cache: acceptances so far, the acceptance that last changed each column, and per pattern
    // the count with the acceptance it was computed after.
    struct Feasible {
        uint32_t stamp;
        int32_t n;
    };
    uint32_t step_ = 0;
    std::vector<uint32_t> col_stamp_;
    std::unordered_map<uint64_t, Feasible> feasible_;
};

void Cse::setup() {
    const int n_in = static_cast<int>(P_.in_q.size());
    st_.vars.resize(n_in);
    for (int i = 0; i < n_in; ++i) {
        st_.vars[i].f = lf_input(i);
        st_.vars[i].q = P_.in_q[i];
        st_.vars[i].lat = P_.in_lat[i];
        st_.vars[i].width = P_.in_q[i].width();
    }
    st_.var_cols.resize(n_in);
    // Deduplicate columns equal up to a power of two and a sign.
    std::map<std::vector<int64_t>, int> uniq;
    const int n_out = static_cast<int>(P_.cols.size());
    st_.out_col.assign(n_out, -1);
    st_.out_shift.assign(n_out, 0);
    st_.out_sign.assign(n_out, 1);
    for (int j = 0; j < n_out; ++j) {
        std::vector<Term> ts;
        for (auto &t : P_.cols[j])
            if (!P_.in_q[t.var].is_zero()) ts.push_back(t);
        if (ts.empty()) continue;
        std::sort(ts.begin(), ts.end(), TLess{});
        for (size_t k = 1; k < ts.size(); ++k)
            if (ts[k].var == ts[k - 1].var && ts[k].shift == ts[k - 1].shift)
                throw std::invalid_argument("CMVM stage problem: repeated term in one column");
        int m = ts[0].shift;
        for (auto &t : ts) m = std::min(m, t.shift);
        int g = ts[0].sign;
        std::vector<int64_t> sig;
        for (auto &t : ts) {
            t.shift -= m;
            t.sign = static_cast<int8_t>(t.sign * g);
            sig.push_back(t.var);
            sig.push_back(t.shift * 2 + (t.sign < 0));
        }
        double dl = P_.deadline.empty() ? kInf : P_.deadline[j];
        auto it = uniq.find(sig);
        int c;
        if (it == uniq.end()) {
            c = static_cast<int>(st_.cols.size());
            uniq.emplace(std::move(sig), c);
            st_.cols.push_back(std::move(ts));
            st_.deadline.push_back(dl);
        } else {
            c = it->second;
            st_.deadline[c] = std::min(st_.deadline[c], dl);
        }
        st_.out_col[j] = c;
        st_.out_shift[j] = m;
        st_.out_sign[j] = static_cast<int8_t>(g);
    }
    const int nc = static_cast<int>(st_.cols.size());
    st_.delta.assign(nc, 1.0);
    st_.kraft.assign(nc, 0);
    double wsum = 0;
    std::vector<InputTerm> lf_terms;
    std::vector<double> arr;
    for (int c = 0; c < nc; ++c) {
        // Column value range (also the reference width of wmc).
        lf_terms.clear();
        for (auto &t : st_.cols[c]) lf_terms.push_back(InputTerm{t.var, t.shift, t.sign});
        const LinForm acc = lf_sum(lf_terms);
        int w = lf_range(acc, P_.in_q).width();
        wsum += w;
        st_.delta[c] = adder_latency(w, O_.carry_size);
        arr.clear();
        for (auto &t : st_.cols[c]) arr.push_back(st_.vars[t.var].lat);
        double lb = sum_lower_bound(arr, st_.delta[c]);
        if (st_.deadline[c] < lb) st_.deadline[c] = lb;  // an impossible deadline degrades to the minimum
        for (auto &t : st_.cols[c]) {
            st_.kraft[c] += unit(c, st_.vars[t.var].lat);
            note_var_col(t.var, c);
        }
    }
    st_.width_sum = wsum;
    for (double d : st_.deadline) st_.timed = st_.timed || !std::isinf(d);
}

void Cse::note_var_col(int32_t var, int col) {
    auto &v = st_.var_cols[var];
    auto it = std::lower_bound(v.begin(), v.end(), col);
    if (it == v.end() || *it != col) v.insert(it, col);
}

Cse::Shape Cse::shape(uint64_t key) const {
    Pat p = decode(key);
    const Var &a = st_.vars[p.a], &b = st_.vars[p.b];
    const int w = approx_sum_width(a.q, 0, 1, b.q, p.s, p.sigma);
    return Shape{w, std::max(a.lat, b.lat) + adder_latency(w, O_.carry_size)};
}

HeapEntry Cse::entry(uint64_t key, int count, bool capped, double forced_score) const {
    const Shape sh = shape(key);
    double sc = std::isnan(forced_score) ? score(count, sh.width, sh.lat) : forced_score;
    return HeapEntry{sc, sh.lat, sh.width, capped, key};
}

void Cse::count_pairs() {
    size_t pairs = 0;  // an upper bound on the distinct patterns (capped: the table grows if needed)
    for (auto &col : st_.cols) pairs += col.size() * (col.size() - (col.empty() ? 0 : 1)) / 2;
    st_.counts.reserve(std::min<size_t>(pairs, size_t{1} << 20));
    for (auto &col : st_.cols)
        for (size_t i = 0; i < col.size(); ++i)
            for (size_t j = i + 1; j < col.size(); ++j) st_.counts.add(make_key(col[i], col[j]), 1);
    st_.counts.for_each([&](uint64_t k, int32_t n) {
        if (n < 2) return;
        const Shape sh = shape(k);
        st_.initial.push_back(StageState::Initial{k, n, sh.width, sh.lat});
    });
}

// Under a tight delay constraint (the columns' Kraft sums near 1: little room for unbalanced sums) a
// pattern whose sum arrives late costs the column more than its occurrences save: patterns then lose up to
// kMaxLatencyPenalty occurrences per level, growing from none at a mean Kraft fill of kPenaltyFill to the
// full penalty at 1 (paper protocol N=16, hard_dc=0: fill ~0.88, 429.2 -> 423.5 adders, 5472 -> 5412 bits;
// NN-like 8-bit kernels: fill ~0.69, unchanged).
constexpr double kPenaltyFill = 0.7, kMaxLatencyPenalty = 2.0;

double Cse::auto_latency_penalty() const {
    double fill = 0.0;
    int n = 0;
    for (size_t c = 0; c < st_.cols.size(); ++c)
        if (!std::isinf(st_.deadline[c])) {
            fill += static_cast<double>(st_.kraft[c]) / static_cast<double>(kKraftOne);
            ++n;
        }
    if (n == 0) return 0.0;
    fill /= n;
    return std::clamp((fill - kPenaltyFill) / (1.0 - kPenaltyFill), 0.0, 1.0) * kMaxLatencyPenalty;
}

void Cse::init_queue() {
    const size_t nc = st_.cols.size();
    if (nc) ref_width_ = R_.ref_scale * st_.width_sum / static_cast<double>(nc);
    latency_penalty_ = R_.latency_penalty ? *R_.latency_penalty : auto_latency_penalty();
    col_stamp_.assign(nc, 0);
    potential_round_.assign(nc, {});
    potential_.assign(nc, {});
    for (const auto &in : st_.initial)
        heap_.push_initial(HeapEntry{score(in.count, in.width, in.lat), in.lat, in.width, false, in.key});
    heap_.seal();
}

Var Cse::make_var(const Pat &p) const {
    Var v;
    work_ += 8 + st_.vars[p.a].f.coef.size() + st_.vars[p.b].f.coef.size();  // the exact forms and ranges
    v.f = lf_combine(st_.vars[p.a].f, st_.vars[p.b].f, p.s, p.sigma);
    v.q = lf_range(v.f, P_.in_q);
    v.width = v.q.width();
    v.lat = std::max(st_.vars[p.a].lat, st_.vars[p.b].lat) + adder_latency(v.width, O_.carry_size);
    v.a = p.a;
    v.b = p.b;
    v.s = p.s;
    v.sigma = p.sigma;
    return v;
}

int32_t Cse::add_var(Var v, uint64_t key) {
    if (static_cast<int64_t>(st_.vars.size()) >= kMaxVars) throw std::overflow_error("CMVM: too many intermediates");
    st_.vars.push_back(std::move(v));
    st_.var_cols.emplace_back();
    auto id = static_cast<int32_t>(st_.vars.size() - 1);
    memo_.emplace(key, id);
    return id;
}

bool Cse::next_occurrence(int col, const Pat &p, double vlat, int &ti, int &ui) const {
    const auto &c = st_.cols[col];
    const bool timed = !std::isinf(st_.deadline[col]);
    bool found = false;
    for_each_match(c, p, work_, [&](int i, int j) {
        if (timed) {
            kraft_t k = st_.kraft[col] - unit(col, st_.vars[c[i].var].lat) - unit(col, st_.vars[c[j].var].lat) +
                        unit(col, vlat);
            if (k > kKraftOne) return false;
        }
        ti = i;
        ui = j;
        return found = true;
    });
    return found;
}

void Cse::substitute(int col, int ti, int ui, int32_t v) {
    auto &c = st_.cols[col];
    work_ += 3 * c.size();
    const Term t = c[ti], u = c[ui];
    for (int x = 0; x < static_cast<int>(c.size()); ++x) {
        if (x == ti || x == ui) continue;
        st_.counts.add(key_of(t, c[x]), -1);
        st_.counts.add(key_of(u, c[x]), -1);
    }
    st_.counts.add(key_of(t, u), -1);
    if (!std::isinf(st_.deadline[col]))
        st_.kraft[col] = st_.kraft[col] - unit(col, st_.vars[t.var].lat) - unit(col, st_.vars[u.var].lat) +
                         unit(col, st_.vars[v].lat);
    c.erase(c.begin() + std::max(ti, ui));
    c.erase(c.begin() + std::min(ti, ui));
    Term w{v, t.shift, t.sign};
    auto pos = std::upper_bound(c.begin(), c.end(), w, TLess{});
    pos = c.insert(pos, w);
    for (auto &x : c) {
        if (&x == &*pos) continue;
        uint64_t k = key_of(x, w);
        if (st_.counts.add(k, 1) >= 2) pending_.push_back(k);
    }
    note_var_col(v, col);
    col_stamp_[col] = step_;
}

int Cse::pair_potential(int col, int i) {
    const auto &c = st_.cols[col];
    auto &round = potential_round_[col];
    auto &val = potential_[col];
    if (round.size() < c.size()) {
        round.resize(c.size(), 0);
        val.resize(c.size(), 0);
    }
    if (round[i] == look_round_) return val[i];
    work_ += c.size();
    int r = 0;
    for (int x = 0; x < static_cast<int>(c.size()); ++x)
        if (x != i) r += std::max(st_.counts.get(key_of(c[i], c[x])) - 1, 0);
    round[i] = look_round_;
    val[i] = r;
    return r;
}

// Simulates the substitutions of pattern p (without mutating): number of feasible occurrences and, if
// asked, the sharing potential they destroy (pairs of the replaced terms that occur elsewhere too).
int Cse::simulate(const Pat &p, double vlat, const std::vector<int32_t> &cols, double *loss, const LossCut *cut) {
    int feasible = 0;
    std::vector<int> &used = used_;
    for (int col : cols) {
        const auto &c = st_.cols[col];
        kraft_t k = st_.kraft[col];
        const bool timed = !std::isinf(st_.deadline[col]);
        const kraft_t kv = timed ? unit(col, vlat) : 0;
        used.clear();
        bool stop = false;
        for_each_match(c, p, work_, [&](int ti, int ui) {
            if (std::find(used.begin(), used.end(), ti) != used.end()) return false;
            if (std::find(used.begin(), used.end(), ui) != used.end()) return false;
            if (timed) {
                kraft_t nk = k - unit(col, st_.vars[c[ti].var].lat) - unit(col, st_.vars[c[ui].var].lat) + kv;
                if (nk > kKraftOne) return false;
                k = nk;
            }
            ++feasible;
            used.push_back(ti);
            used.push_back(ui);
            if (loss) {
                // Pairs of either replaced term with the column's other terms that also occur elsewhere.
                const int shared = std::max(st_.counts.get(key_of(c[ti], c[ui])) - 1, 0);
                *loss += pair_potential(col, ti) + pair_potential(col, ui) - 2 * shared;
                if (cut && cut->hit(*loss)) return stop = true;  // partial count: only the loss is used
            }
            return false;
        });
        if (stop) return feasible;
    }
    return feasible;
}

const std::vector<int32_t> &Cse::candidate_cols(const Pat &p) const {
    return st_.var_cols[p.a].size() <= st_.var_cols[p.b].size() ? st_.var_cols[p.a] : st_.var_cols[p.b];
}

int Cse::feasible_count(const Pat &p, uint64_t key) {
    const std::vector<int32_t> &cols = candidate_cols(p);
    auto it = feasible_.find(key);
    if (it != feasible_.end()) {
        bool fresh = true;
        for (int32_t c : cols) fresh = fresh && col_stamp_[c] <= it->second.stamp;
        if (fresh) return it->second.n;
    }
    const int n = simulate(p, new_latency(p), cols, nullptr);
    feasible_[key] = Feasible{step_, n};
    return n;
}

// True if entry e is valid at its score now; otherwise requeues it at its true score (or drops it).
bool Cse::check(const HeapEntry &e) {
    ++work_;
    int n = st_.counts.get(e.key);
    if (n < 2) return false;
    double sc = score(n, e.width, e.lat);
    if (sc < e.score) {  // stale over-estimate: requeue at its true score
        push(e.key, n);
        return false;
    }
    if (sc > e.score && !e.capped) return false;  // a better entry for this key is (or was) queued
    Pat p = decode(e.key);
    // Without deadlines, occurrences of a pattern of two different variables never overlap: all count.
    if (!st_.timed && p.a != p.b) return true;
    int feasible = feasible_count(p, e.key);
    if (feasible < 2) return false;
    double fsc = score(feasible, e.width, e.lat);
    if (fsc < e.score) {
        push(e.key, feasible, true, fsc);
        return false;
    }
    return true;
}

void Cse::cse_loop() {
    const bool lookahead = R_.lookahead;
    while (!heap_.empty()) {
        HeapEntry e = heap_.top();
        heap_.pop();
        if (!check(e)) continue;
        if (lookahead) {
            // Among the tied best patterns, take the one destroying the least sharing potential.
            std::vector<HeapEntry> &tied = tied_;
            tied.assign(1, e);
            const double margin = R_.method == Method::MC ? 0.0 : R_.lookahead_margin * ref_width_;
            while (!heap_.empty() && tied.size() < kMaxTies && heap_.top().score >= e.score - margin) {
                HeapEntry f = heap_.top();
                heap_.pop();
                if (check(f)) tied.push_back(f);
            }
            if (tied.size() > 1) {
                ++look_round_;
                size_t best = 0;
                double best_loss = kInf;
                const bool weighted = R_.method == Method::WMC, can_cut = !weighted || R_.lookahead_weight >= 0;
                for (size_t i = 0; i < tied.size(); ++i) {
                    Pat p = decode(tied[i].key);
                    double loss = 0;
                    const LossCut cut{weighted, R_.lookahead_weight, tied[i].score, best_loss};
                    const bool cutting = can_cut && best_loss < kInf;
                    if (cutting && cut.hit(0)) continue;  // cannot win even destroying nothing
                    simulate(p, new_latency(p), candidate_cols(p), &loss, cutting ? &cut : nullptr);
                    if (R_.method == Method::WMC) loss = R_.lookahead_weight * loss - tied[i].score;
                    if (loss < best_loss) {
                        best_loss = loss;
                        best = i;
                    }
                }
                for (size_t i = 0; i < tied.size(); ++i)
                    if (i != best) heap_.push(tied[i]);
                e = tied[best];
            }
        }
        Pat p = decode(e.key);
        int32_t vid;
        auto mit = memo_.find(e.key);
        if (mit != memo_.end()) {
            vid = mit->second;
        } else {
            vid = add_var(make_var(p), e.key);
        }
        ++step_;
        for (int col : candidate_cols(p)) {
            int ti, ui;
            while (next_occurrence(col, p, st_.vars[vid].lat, ti, ui)) substitute(col, ti, ui, vid);
        }
        std::sort(pending_.begin(), pending_.end());
        pending_.erase(std::unique(pending_.begin(), pending_.end()), pending_.end());
        for (uint64_t k : pending_)
            if (int n = st_.counts.get(k); n >= 2) push(k, n);
        pending_.clear();
    }
}

int32_t Cse::combine(const Term &t, const Term &u) {
    uint64_t k = make_key(t, u);
    auto it = memo_.find(k);
    if (it != memo_.end()) return it->second;
    return add_var(make_var(decode(k)), k);
}

// Sums what remains of column col with a binary tree that meets `deadline` (the column's own, or the soft
// one of an unconstrained column): repeatedly the narrowest pair of terms whose sum keeps the Kraft test of
// the column satisfied (every rejected pair stays infeasible: the Kraft sum never decreases).
Term Cse::sum_column(int col, double deadline) {
    std::vector<Term> &ts = sum_terms_;
    ts = st_.cols[col];
    const double delta = st_.delta[col];
    auto ku = [&](double lat) { return kraft_unit(deadline, lat, delta); };
    kraft_t k = 0;
    for (auto &t : ts) k += ku(st_.vars[t.var].lat);
    std::vector<char> &alive = sum_alive_;
    alive.assign(ts.size(), 1);
    std::vector<SumPair> &heap = sum_heap_;
    heap.clear();
    auto pair_of = [&](int i, int j) {
        const Term &t = ts[i], &u = ts[j];
        const int w = approx_sum_width(st_.vars[t.var].q, t.shift, t.sign, st_.vars[u.var].q, u.shift, u.sign);
        // Carry chains: the adder's own delay (its width bounds the exact one from above).
        const double d = O_.carry_size <= 0 ? delta : adder_latency(w, O_.carry_size);
        return SumPair{w, std::max(st_.vars[t.var].lat, st_.vars[u.var].lat) + d, i, j};
    };
    bool timed = !std::isinf(deadline) && k <= kKraftOne;
    auto push_all = [&]() {
        heap.clear();
        const int n = static_cast<int>(ts.size());
        for (int i = 0; i < n; ++i)
            for (int j = i + 1; j < n; ++j)
                if (alive[i] && alive[j]) heap.push_back(pair_of(i, j));
        std::make_heap(heap.begin(), heap.end());
        work_ += heap.size();
    };
    push_all();
    for (int left = static_cast<int>(ts.size()); left > 1;) {
        ++work_;
        if (heap.empty()) {
            // Only when an adder came out slower than the column model (carry chains of a partial sum wider
            // than the column): the deadline cannot be kept, sum by width alone.
            timed = false;
            push_all();
        }
        std::pop_heap(heap.begin(), heap.end());
        const SumPair pr = heap.back();
        heap.pop_back();
        if (!alive[pr.i] || !alive[pr.j]) continue;
        const double li = st_.vars[ts[pr.i].var].lat, lj = st_.vars[ts[pr.j].var].lat;
        if (timed && k - ku(li) - ku(lj) + ku(pr.lat) > kKraftOne) continue;
        Term t = ts[pr.i], u = ts[pr.j];
        if (tless(u, t)) std::swap(t, u);
        const int32_t v = combine(t, u);
        if (timed) k = k - ku(li) - ku(lj) + ku(st_.vars[v].lat);
        alive[pr.i] = alive[pr.j] = 0;
        const int nw = static_cast<int>(ts.size());
        ts.push_back(Term{v, t.shift, t.sign});
        alive.push_back(1);
        --left;
        work_ += nw;
        for (int x = 0; x < nw; ++x)
            if (alive[x]) {
                heap.push_back(pair_of(x, nw));
                std::push_heap(heap.begin(), heap.end());
            }
    }
    for (size_t x = ts.size(); x-- > 0;)
        if (alive[x]) return ts[x];
    throw std::logic_error("CMVM: empty column summed");
}

StageProgram Cse::emit() {
    using dais::Opcode;
    StageProgram prog;
    const int n_in = static_cast<int>(P_.in_q.size());
    prog.n_in = n_in;
    prog.n_out = static_cast<int>(P_.cols.size());
    prog.inp_shifts.assign(n_in, 0);
    prog.ops.reserve(st_.vars.size());
    for (int i = 0; i < static_cast<int>(st_.vars.size()); ++i) {
        const Var &v = st_.vars[i];
        ProgOp op;
        op.q = v.q;
        op.latency = v.lat;
        if (i < n_in) {
            op.opcode = static_cast<int32_t>(Opcode::INPUT);
            op.id0 = i;
        } else {
            op.opcode = static_cast<int32_t>(v.sigma > 0 ? Opcode::ADD : Opcode::SUB);
            op.id0 = v.a;
            op.id1 = v.b;
            op.data = pack_data(v.s, 0);
            op.cost = adder_cost(v.width, O_.adder_size);
        }
        prog.ops.push_back(op);
    }
    for (int j = 0; j < prog.n_out; ++j) {
        int c = st_.out_col[j];
        if (c < 0) {
            prog.out_idxs.push_back(-1);
            prog.out_shifts.push_back(0);
            prog.out_negs.push_back(0);
            continue;
        }
        const Term &t = final_terms_[c];
        prog.out_idxs.push_back(t.var);
        prog.out_shifts.push_back(t.shift + st_.out_shift[j]);
        prog.out_negs.push_back(static_cast<int8_t>(t.sign * st_.out_sign[j] < 0));
    }
    return prog;
}

StageProgram Cse::run() {
    init_queue();
    cse_loop();
    // Unconstrained columns are summed by the soft deadline of the stage's slowest column (its minimal
    // depth): the narrowest pairs, but no deeper than the stage already is.
    double soft = -kInf;
    std::vector<double> arr;
    for (int c = 0; c < static_cast<int>(st_.cols.size()); ++c) {
        arr.clear();
        for (auto &t : st_.cols[c]) arr.push_back(st_.vars[t.var].lat);
        soft = std::max(soft, sum_lower_bound(arr, st_.delta[c]));
    }
    final_terms_.clear();
    for (int c = 0; c < static_cast<int>(st_.cols.size()); ++c)
        final_terms_.push_back(sum_column(c, std::min(st_.deadline[c], soft)));
    StageProgram prog = emit();
    prog.work = work_;
    return prog;
}

}  // namespace

double column_delta(const StageProblem &problem, int col, int carry_size) {
    if (carry_size <= 0) return 1.0;
    std::vector<InputTerm> terms;
    for (auto &t : problem.cols[col])
        if (!problem.in_q[t.var].is_zero()) terms.push_back(InputTerm{t.var, t.shift, t.sign});
    if (terms.empty()) return 1.0;
    return adder_latency(lf_range(lf_sum(std::move(terms)), problem.in_q).width(), carry_size);
}

namespace {
void check_problem(const StageProblem &problem) {
    if (problem.in_lat.size() != problem.in_q.size())
        throw std::invalid_argument("CMVM stage problem: one latency per input needed");
    for (auto &col : problem.cols)
        for (auto &t : col)
            if (t.var < 0 || t.var >= static_cast<int32_t>(problem.in_q.size()) || (t.sign != 1 && t.sign != -1))
                throw std::invalid_argument("CMVM stage problem: bad term");
}
}  // namespace

std::shared_ptr<const PreparedStage> prepare_stage(const StageProblem &problem, int carry_size) {
    check_problem(problem);
    auto ps = std::make_shared<PreparedStage>();
    ps->problem = problem;
    ps->carry_size = carry_size;
    CseOptions o;
    o.carry_size = carry_size;
    Cse cse(ps->problem, o);
    cse.prepare();
    ps->state = cse.take_state();
    return ps;
}

StageProgram run_cse(const PreparedStage &prepared, const CseOptions &opt) {
    if (opt.carry_size != prepared.carry_size)
        throw std::invalid_argument("CMVM: stage prepared for another carry size");
    Cse cse(prepared, opt);
    return cse.run();
}

StageProgram run_cse(const StageProblem &problem, const CseOptions &opt) {
    check_problem(problem);
    Cse cse(problem, opt);
    cse.prepare();
    return cse.run();
}

}  // namespace da4ml::cmvm
