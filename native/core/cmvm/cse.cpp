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
// Look-ahead (variant bit 2): among the best patterns (exact ties for mc; within one reference width for
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

struct HeapLess {
    int variant = 0;
    bool operator()(const HeapEntry &x, const HeapEntry &y) const {  // true: x has lower priority
        if (x.score != y.score) return x.score < y.score;
        if (variant & 2) {
            if (x.width != y.width) return x.width > y.width;
            if (x.lat != y.lat) return x.lat > y.lat;
        } else {
            if (x.lat != y.lat) return x.lat > y.lat;
            if (x.width != y.width) return x.width > y.width;
        }
        return (variant & 1) ? x.key < y.key : x.key > y.key;
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

// Approximate width (interval arithmetic, for ranking only) of sign_t*qt*2**st + sign_u*qu*2**su.
int approx_sum_width(const QInt &qt, int st, int sgt, const QInt &qu, int su, int sgu) {
    QInt a = qt.scaled(st, sgt), b = qu.scaled(su, sgu);
    double lo = a.min() + b.min(), hi = a.max() + b.max();
    double step = std::ldexp(1.0, std::min(a.exp, b.exp));
    double nlo = lo / step, nhi = hi / step;
    double m = nlo < 0 ? std::max(-nlo - 1, nhi) : nhi;
    if (m <= 0 && nlo >= 0) return 0;
    int bits = m < 1 ? 0 : static_cast<int>(std::floor(std::log2(m))) + 1;
    return bits + (nlo < 0 ? 1 : 0);
}

class Cse {
   public:
    Cse(const StageProblem &p, const CseOptions &o) : P_(p), O_(o), heap_(HeapLess{o.variant}) {}
    StageProgram run();

   private:
    void setup();
    void count_pairs();
    double score(int count, int width) const {
        if (O_.method == Method::MC) return count;
        return count * ref_width_ - width;
    }
    HeapEntry entry(uint64_t key, int count, bool capped = false, double forced_score = kNaN) const;
    void push(uint64_t key, int count, bool capped = false, double forced_score = kNaN) {
        heap_.push(entry(key, count, capped, forced_score));
    }
    Var make_var(const Pat &p) const;
    double new_latency(const Pat &p) const {  // latency of a + sigma * b << s
        const double l = std::max(vars_[p.a].lat, vars_[p.b].lat);
        return O_.carry_size <= 0 ? l + 1.0 : make_var(p).lat;
    }
    int32_t add_var(Var v, uint64_t key);
    kraft_t unit(int col, double lat) const { return kraft_unit(deadline_[col], lat, delta_[col]); }
    // Index of term (var, shift) in col, or -1.
    int find_term(int col, int32_t var, int32_t shift) const;
    // Next occurrence of pattern p in col whose substitution keeps the column within its deadline.
    bool next_occurrence(int col, const Pat &p, double vlat, int &ti, int &ui) const;
    void substitute(int col, int ti, int ui, int32_t v);
    void note_var_col(int32_t var, int col);
    void cse_loop();
    // Look-ahead: the value of a candidate destroying `loss` (its loss for mc; la_weight * loss - score for
    // wmc) is non-decreasing in loss (la_weight >= 0), so once it reaches the best value so far the
    // candidate cannot be taken (strictly smaller wins) and the rest of its loss need not be summed.
    struct LossCut {
        bool weighted;
        double weight, score, best;
        bool hit(double loss) const { return (weighted ? weight * loss - score : loss) >= best; }
    };
    int simulate(const Pat &p, double vlat, const std::vector<int32_t> &cols, double *loss,
                 const LossCut *cut = nullptr);
    // Columns holding both variables of p (the shorter of their column lists; a superset).  The reference
    // stays valid until the next add_var.
    const std::vector<int32_t> &candidate_cols(const Pat &p) const;
    bool check(const HeapEntry &e);
    int32_t combine(const Term &t, const Term &u);
    Term sum_column(int col);
    StageProgram emit();

    static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    const StageProblem &P_;
    CseOptions O_;
    std::vector<Var> vars_;
    std::vector<std::vector<Term>> cols_;
    std::vector<int> out_col_, out_shift_;
    std::vector<int8_t> out_sign_;
    std::vector<double> deadline_, delta_;
    std::vector<kraft_t> kraft_;
    std::vector<std::vector<int32_t>> var_cols_;
    PatternCounts counts_;
    PatternQueue heap_;
    std::unordered_map<uint64_t, int32_t> memo_;
    double ref_width_ = 16.0;
    std::vector<Term> final_terms_;
    std::vector<uint64_t> pending_;
    std::vector<int> used_;  // scratch of simulate
    bool timed_ =
        false;  // some column has a deadline  // keys whose count rose during one acceptance (queued once after it)
};

void Cse::setup() {
    const int n_in = static_cast<int>(P_.in_q.size());
    vars_.resize(n_in);
    for (int i = 0; i < n_in; ++i) {
        vars_[i].f = lf_input(i);
        vars_[i].q = P_.in_q[i];
        vars_[i].lat = P_.in_lat[i];
        vars_[i].width = P_.in_q[i].width();
    }
    var_cols_.resize(n_in);
    // Deduplicate columns equal up to a power of two and a sign.
    std::map<std::vector<int64_t>, int> uniq;
    const int n_out = static_cast<int>(P_.cols.size());
    out_col_.assign(n_out, -1);
    out_shift_.assign(n_out, 0);
    out_sign_.assign(n_out, 1);
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
            c = static_cast<int>(cols_.size());
            uniq.emplace(std::move(sig), c);
            cols_.push_back(std::move(ts));
            deadline_.push_back(dl);
        } else {
            c = it->second;
            deadline_[c] = std::min(deadline_[c], dl);
        }
        out_col_[j] = c;
        out_shift_[j] = m;
        out_sign_[j] = static_cast<int8_t>(g);
    }
    const int nc = static_cast<int>(cols_.size());
    delta_.assign(nc, 1.0);
    kraft_.assign(nc, 0);
    double wsum = 0;
    for (int c = 0; c < nc; ++c) {
        // Column value range (also the reference width of wmc).
        LinForm acc;
        bool first = true;
        for (auto &t : cols_[c]) {
            LinForm tf = vars_[t.var].f;
            if (first) {
                acc = tf;
                acc.exp += t.shift;
                if (t.sign < 0)
                    for (auto &x : acc.coef) x.second = -x.second;
                first = false;
            } else {
                acc = lf_combine(acc, tf, t.shift, t.sign);
            }
        }
        int w = lf_range(acc, P_.in_q).width();
        wsum += w;
        delta_[c] = adder_latency(w, O_.carry_size);
        std::vector<double> arr;
        for (auto &t : cols_[c]) arr.push_back(vars_[t.var].lat);
        double lb = sum_lower_bound(arr, delta_[c]);
        if (deadline_[c] < lb) deadline_[c] = lb;  // an impossible deadline degrades to the minimum
        for (auto &t : cols_[c]) {
            kraft_[c] += unit(c, vars_[t.var].lat);
            note_var_col(t.var, c);
        }
    }
    if (nc) ref_width_ = O_.ref_scale * wsum / nc;
    for (double d : deadline_) timed_ = timed_ || !std::isinf(d);
}

void Cse::note_var_col(int32_t var, int col) {
    auto &v = var_cols_[var];
    auto it = std::lower_bound(v.begin(), v.end(), col);
    if (it == v.end() || *it != col) v.insert(it, col);
}

HeapEntry Cse::entry(uint64_t key, int count, bool capped, double forced_score) const {
    Pat p = decode(key);
    const Var &a = vars_[p.a], &b = vars_[p.b];
    int w = approx_sum_width(a.q, 0, 1, b.q, p.s, p.sigma);
    double lat = std::max(a.lat, b.lat) + adder_latency(w, O_.carry_size);
    double sc = std::isnan(forced_score) ? score(count, w) : forced_score;
    return HeapEntry{sc, lat, w, capped, key};
}

void Cse::count_pairs() {
    size_t pairs = 0;  // an upper bound on the distinct patterns (capped: the table grows if needed)
    for (auto &col : cols_) pairs += col.size() * (col.size() - (col.empty() ? 0 : 1)) / 2;
    counts_.reserve(std::min<size_t>(pairs, size_t{1} << 20));
    for (auto &col : cols_)
        for (size_t i = 0; i < col.size(); ++i)
            for (size_t j = i + 1; j < col.size(); ++j) counts_.add(make_key(col[i], col[j]), 1);
    counts_.for_each([&](uint64_t k, int32_t n) {
        if (n >= 2) heap_.push_initial(entry(k, n));
    });
    heap_.seal();
}

Var Cse::make_var(const Pat &p) const {
    Var v;
    v.f = lf_combine(vars_[p.a].f, vars_[p.b].f, p.s, p.sigma);
    v.q = lf_range(v.f, P_.in_q);
    v.width = v.q.width();
    v.lat = std::max(vars_[p.a].lat, vars_[p.b].lat) + adder_latency(v.width, O_.carry_size);
    v.a = p.a;
    v.b = p.b;
    v.s = p.s;
    v.sigma = p.sigma;
    return v;
}

int32_t Cse::add_var(Var v, uint64_t key) {
    if (static_cast<int64_t>(vars_.size()) >= kMaxVars) throw std::overflow_error("CMVM: too many intermediates");
    vars_.push_back(std::move(v));
    var_cols_.emplace_back();
    auto id = static_cast<int32_t>(vars_.size() - 1);
    memo_.emplace(key, id);
    return id;
}

int Cse::find_term(int col, int32_t var, int32_t shift) const {
    const auto &c = cols_[col];
    Term probe{var, shift, 1};
    auto it = std::lower_bound(c.begin(), c.end(), probe, TLess{});
    if (it != c.end() && it->var == var && it->shift == shift) return static_cast<int>(it - c.begin());
    return -1;
}

bool Cse::next_occurrence(int col, const Pat &p, double vlat, int &ti, int &ui) const {
    const auto &c = cols_[col];
    Term probe{p.a, std::numeric_limits<int32_t>::min(), 1};
    auto it = std::lower_bound(c.begin(), c.end(), probe, TLess{});
    for (; it != c.end() && it->var == p.a; ++it) {
        int64_t us = static_cast<int64_t>(it->shift) + p.s;
        if (us < std::numeric_limits<int32_t>::min() || us > std::numeric_limits<int32_t>::max()) continue;
        int j = find_term(col, p.b, static_cast<int32_t>(us));
        if (j < 0 || c[j].sign != p.sigma * it->sign) continue;
        int i = static_cast<int>(it - c.begin());
        if (!std::isinf(deadline_[col])) {
            kraft_t k = kraft_[col] - unit(col, vars_[c[i].var].lat) - unit(col, vars_[c[j].var].lat) + unit(col, vlat);
            if (k > kKraftOne) continue;
        }
        ti = i;
        ui = j;
        return true;
    }
    return false;
}

void Cse::substitute(int col, int ti, int ui, int32_t v) {
    auto &c = cols_[col];
    const Term t = c[ti], u = c[ui];
    for (int x = 0; x < static_cast<int>(c.size()); ++x) {
        if (x == ti || x == ui) continue;
        counts_.add(key_of(t, c[x]), -1);
        counts_.add(key_of(u, c[x]), -1);
    }
    counts_.add(key_of(t, u), -1);
    if (!std::isinf(deadline_[col]))
        kraft_[col] = kraft_[col] - unit(col, vars_[t.var].lat) - unit(col, vars_[u.var].lat) + unit(col, vars_[v].lat);
    c.erase(c.begin() + std::max(ti, ui));
    c.erase(c.begin() + std::min(ti, ui));
    Term w{v, t.shift, t.sign};
    auto pos = std::upper_bound(c.begin(), c.end(), w, TLess{});
    pos = c.insert(pos, w);
    for (auto &x : c) {
        if (&x == &*pos) continue;
        uint64_t k = key_of(x, w);
        if (counts_.add(k, 1) >= 2) pending_.push_back(k);
    }
    note_var_col(v, col);
}

// Simulates the substitutions of pattern p (without mutating): number of feasible occurrences and, if
// asked, the sharing potential they destroy (pairs of the replaced terms that occur elsewhere too).
int Cse::simulate(const Pat &p, double vlat, const std::vector<int32_t> &cols, double *loss, const LossCut *cut) {
    int feasible = 0;
    std::vector<int> &used = used_;
    for (int col : cols) {
        const auto &c = cols_[col];
        kraft_t k = kraft_[col];
        const bool timed = !std::isinf(deadline_[col]);
        const kraft_t kv = timed ? unit(col, vlat) : 0;
        used.clear();
        Term probe{p.a, std::numeric_limits<int32_t>::min(), 1};
        for (auto it = std::lower_bound(c.begin(), c.end(), probe, TLess{}); it != c.end() && it->var == p.a; ++it) {
            int ti = static_cast<int>(it - c.begin());
            if (std::find(used.begin(), used.end(), ti) != used.end()) continue;
            int64_t us = static_cast<int64_t>(it->shift) + p.s;
            if (us < std::numeric_limits<int32_t>::min() || us > std::numeric_limits<int32_t>::max()) continue;
            int ui = find_term(col, p.b, static_cast<int32_t>(us));
            if (ui < 0 || c[ui].sign != p.sigma * it->sign) continue;
            if (std::find(used.begin(), used.end(), ui) != used.end()) continue;
            if (timed) {
                kraft_t nk = k - unit(col, vars_[c[ti].var].lat) - unit(col, vars_[c[ui].var].lat) + kv;
                if (nk > kKraftOne) continue;
                k = nk;
            }
            ++feasible;
            used.push_back(ti);
            used.push_back(ui);
            if (loss) {
                for (int x = 0; x < static_cast<int>(c.size()); ++x) {
                    if (x == ti || x == ui) continue;
                    int n1 = counts_.get(key_of(c[ti], c[x])), n2 = counts_.get(key_of(c[ui], c[x]));
                    *loss += std::max(n1 - 1, 0) + std::max(n2 - 1, 0);
                }
                if (cut && cut->hit(*loss)) return feasible;  // partial count: only the loss is used
            }
        }
    }
    return feasible;
}

const std::vector<int32_t> &Cse::candidate_cols(const Pat &p) const {
    return var_cols_[p.a].size() <= var_cols_[p.b].size() ? var_cols_[p.a] : var_cols_[p.b];
}

// True if entry e is valid at its score now; otherwise requeues it at its true score (or drops it).
bool Cse::check(const HeapEntry &e) {
    int n = counts_.get(e.key);
    if (n < 2) return false;
    double sc = score(n, e.width);
    if (sc < e.score) {  // stale over-estimate: requeue at its true score
        push(e.key, n);
        return false;
    }
    if (sc > e.score && !e.capped) return false;  // a better entry for this key is (or was) queued
    Pat p = decode(e.key);
    // Without deadlines, occurrences of a pattern of two different variables never overlap: all count.
    if (!timed_ && p.a != p.b) return true;
    int feasible = simulate(p, new_latency(p), candidate_cols(p), nullptr);
    if (feasible < 2) return false;
    double fsc = score(feasible, e.width);
    if (fsc < e.score) {
        push(e.key, feasible, true, fsc);
        return false;
    }
    return true;
}

void Cse::cse_loop() {
    const bool lookahead = (O_.variant & 4) != 0;
    while (!heap_.empty()) {
        HeapEntry e = heap_.top();
        heap_.pop();
        if (!check(e)) continue;
        if (lookahead) {
            // Among the tied best patterns, take the one destroying the least sharing potential.
            std::vector<HeapEntry> tied{e};
            const double margin = O_.method == Method::MC ? 0.0 : O_.la_margin * ref_width_;
            while (!heap_.empty() && tied.size() < kMaxTies && heap_.top().score >= e.score - margin) {
                HeapEntry f = heap_.top();
                heap_.pop();
                if (check(f)) tied.push_back(f);
            }
            if (tied.size() > 1) {
                size_t best = 0;
                double best_loss = kInf;
                const bool weighted = O_.method == Method::WMC, can_cut = !weighted || O_.la_weight >= 0;
                for (size_t i = 0; i < tied.size(); ++i) {
                    Pat p = decode(tied[i].key);
                    double loss = 0;
                    const LossCut cut{weighted, O_.la_weight, tied[i].score, best_loss};
                    const bool cutting = can_cut && best_loss < kInf;
                    if (cutting && cut.hit(0)) continue;  // cannot win even destroying nothing
                    simulate(p, new_latency(p), candidate_cols(p), &loss, cutting ? &cut : nullptr);
                    if (O_.method == Method::WMC) loss = O_.la_weight * loss - tied[i].score;
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
        for (int col : candidate_cols(p)) {
            int ti, ui;
            while (next_occurrence(col, p, vars_[vid].lat, ti, ui)) substitute(col, ti, ui, vid);
        }
        std::sort(pending_.begin(), pending_.end());
        pending_.erase(std::unique(pending_.begin(), pending_.end()), pending_.end());
        for (uint64_t k : pending_)
            if (int n = counts_.get(k); n >= 2) push(k, n);
        pending_.clear();
    }
}

int32_t Cse::combine(const Term &t, const Term &u) {
    uint64_t k = make_key(t, u);
    auto it = memo_.find(k);
    if (it != memo_.end()) return it->second;
    return add_var(make_var(decode(k)), k);
}

Term Cse::sum_column(int col) {
    std::vector<Term> ts = cols_[col];
    auto lsb = [&](const Term &t) { return static_cast<int64_t>(vars_[t.var].q.exp) + t.shift; };
    while (ts.size() > 1) {
        // Earliest-ready group; if it holds one term, pair it with the next-earliest group.
        double l0 = kInf, l1 = kInf;
        for (auto &t : ts) l0 = std::min(l0, vars_[t.var].lat);
        std::vector<int> g0, g1;
        for (int i = 0; i < static_cast<int>(ts.size()); ++i)
            if (vars_[ts[i].var].lat <= l0) g0.push_back(i);
        if (g0.size() == 1) {
            for (auto &t : ts)
                if (vars_[t.var].lat > l0) l1 = std::min(l1, vars_[t.var].lat);
            for (int i = 0; i < static_cast<int>(ts.size()); ++i)
                if (vars_[ts[i].var].lat <= l1 && vars_[ts[i].var].lat > l0) g1.push_back(i);
        }
        int bi = -1, bj = -1, bw = std::numeric_limits<int>::max();
        auto consider = [&](int i, int j) {
            const Term &t = ts[i], &u = ts[j];
            int w = approx_sum_width(vars_[t.var].q, t.shift, t.sign, vars_[u.var].q, u.shift, u.sign);
            if (w < bw) {
                bw = w;
                bi = i;
                bj = j;
            }
        };
        if (g0.size() >= 2) {
            // Narrowest pair among neighbours in LSB order.
            std::stable_sort(g0.begin(), g0.end(), [&](int x, int y) { return lsb(ts[x]) < lsb(ts[y]); });
            for (size_t k = 0; k + 1 < g0.size(); ++k) consider(g0[k], g0[k + 1]);
        } else {
            for (int j : g1) consider(g0[0], j);
        }
        Term t = ts[bi], u = ts[bj];
        if (tless(u, t)) std::swap(t, u);
        int32_t v = combine(t, u);
        Term w{v, t.shift, t.sign};
        ts.erase(ts.begin() + std::max(bi, bj));
        ts.erase(ts.begin() + std::min(bi, bj));
        ts.push_back(w);
    }
    return ts[0];
}

StageProgram Cse::emit() {
    using dais::Opcode;
    StageProgram prog;
    const int n_in = static_cast<int>(P_.in_q.size());
    prog.n_in = n_in;
    prog.n_out = static_cast<int>(P_.cols.size());
    prog.inp_shifts.assign(n_in, 0);
    prog.ops.reserve(vars_.size());
    for (int i = 0; i < static_cast<int>(vars_.size()); ++i) {
        const Var &v = vars_[i];
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
        int c = out_col_[j];
        if (c < 0) {
            prog.out_idxs.push_back(-1);
            prog.out_shifts.push_back(0);
            prog.out_negs.push_back(0);
            continue;
        }
        const Term &t = final_terms_[c];
        prog.out_idxs.push_back(t.var);
        prog.out_shifts.push_back(t.shift + out_shift_[j]);
        prog.out_negs.push_back(static_cast<int8_t>(t.sign * out_sign_[j] < 0));
    }
    return prog;
}

StageProgram Cse::run() {
    setup();
    count_pairs();
    cse_loop();
    final_terms_.clear();
    for (int c = 0; c < static_cast<int>(cols_.size()); ++c) final_terms_.push_back(sum_column(c));
    return emit();
}

}  // namespace

double column_delta(const StageProblem &problem, int col, int carry_size) {
    if (carry_size <= 0 || problem.cols[col].empty()) return 1.0;
    LinForm acc;
    bool first = true;
    for (auto &t : problem.cols[col]) {
        if (problem.in_q[t.var].is_zero()) continue;
        LinForm tf = lf_input(t.var);
        if (first) {
            acc = tf;
            acc.exp += t.shift;
            if (t.sign < 0) acc.coef[0].second = -1;
            first = false;
        } else {
            acc = lf_combine(acc, tf, t.shift, t.sign);
        }
    }
    if (first) return 1.0;
    return adder_latency(lf_range(acc, problem.in_q).width(), carry_size);
}

StageProgram run_cse(const StageProblem &problem, const CseOptions &opt) {
    if (problem.in_lat.size() != problem.in_q.size())
        throw std::invalid_argument("CMVM stage problem: one latency per input needed");
    for (auto &col : problem.cols)
        for (auto &t : col)
            if (t.var < 0 || t.var >= static_cast<int32_t>(problem.in_q.size()) || (t.sign != 1 && t.sign != -1))
                throw std::invalid_argument("CMVM stage problem: bad term");
    Cse cse(problem, opt);
    return cse.run();
}

}  // namespace da4ml::cmvm
