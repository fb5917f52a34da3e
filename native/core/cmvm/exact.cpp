#include "cmvm/exact.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <stdexcept>
#include <string>

#include "cmvm/cost.hpp"
#include "cmvm/linform.hpp"
#include "dais/opcodes.hpp"

namespace da4ml::cmvm {

namespace {

constexpr int kMaxDim = 16;

// A node: integer coefficients over the (row-scaled) inputs.  D: the storage dimension (>= the kernel rows;
// unused components are zero).
template <int D>
struct Vec {
    std::array<int64_t, D> c{};
    bool operator==(const Vec &o) const { return c == o.c; }
    bool operator<(const Vec &o) const { return c < o.c; }  // the canonical order of the search
};

template <int D>
uint64_t hash_of(const Vec<D> &v) {
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int64_t x : v.c) h = (h ^ static_cast<uint64_t>(x)) * 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 29);
}

// Odd (the common power of two removed) with a positive first non-zero coefficient: the value before is
// sign * 2**tz * the value after.  False for zero.
template <int D>
bool normalize(Vec<D> &v, int *tz_out = nullptr, int *sign_out = nullptr) {
    uint64_t any = 0;
    for (int64_t x : v.c) any |= static_cast<uint64_t>(x);
    if (!any) return false;
    const int tz = __builtin_ctzll(any);
    int sign = 0;
    for (int64_t &x : v.c) {
        x >>= tz;  // exact: every coefficient is a multiple of 2**tz
        if (!sign && x) sign = x > 0 ? 1 : -1;
    }
    if (sign < 0)
        for (int64_t &x : v.c) x = -x;
    if (tz_out) *tz_out = tz;
    if (sign_out) *sign_out = sign;
    return true;
}

// 2**a * u + sign * 2**b * v for min(a, b) == 0, a, b <= range and both signs, normalized: f(w).  No
// overflow: coefficients of at most 2**25 shifted by at most 27.
template <int D, class F>
void for_each_combination(int range, const Vec<D> &u, const Vec<D> &v, F &&f) {
    for (int s = -range; s <= range; ++s) {
        Vec<D> a = u, b = v;
        if (s < 0)
            for (int64_t &x : a.c) x *= int64_t{1} << -s;
        if (s > 0)
            for (int64_t &x : b.c) x *= int64_t{1} << s;
        for (int sg = -1; sg <= 1; sg += 2) {
            Vec<D> w;
            for (int i = 0; i < D; ++i) w.c[i] = a.c[i] + sg * b.c[i];
            if (normalize(w)) f(w);
        }
    }
}

// Set of vectors, cleared in O(1) (generation stamps); grows by doubling.
template <int D>
class VecSet {
   public:
    VecSet() { rehash(64); }
    void clear() {
        if (++gen_ == 0) {
            std::fill(stamp_.begin(), stamp_.end(), 0u);
            gen_ = 1;
        }
        size_ = 0;
    }
    bool contains(const Vec<D> &v) const {
        const size_t m = slots_.size() - 1;
        for (size_t i = hash_of(v) & m;; i = (i + 1) & m) {
            if (stamp_[i] != gen_) return false;
            if (slots_[i] == v) return true;
        }
    }
    bool insert(const Vec<D> &v) {
        if ((size_ + 1) * 2 > slots_.size()) grow();
        const size_t m = slots_.size() - 1;
        for (size_t i = hash_of(v) & m;; i = (i + 1) & m) {
            if (stamp_[i] != gen_) {
                stamp_[i] = gen_;
                slots_[i] = v;
                ++size_;
                return true;
            }
            if (slots_[i] == v) return false;
        }
    }

   private:
    void rehash(size_t cap) {
        slots_.assign(cap, Vec<D>{});
        stamp_.assign(cap, 0u);
        gen_ = 1;
        size_ = 0;
    }
    void grow() {
        std::vector<Vec<D>> live;
        for (size_t i = 0; i < slots_.size(); ++i)
            if (stamp_[i] == gen_) live.push_back(slots_[i]);
        rehash(slots_.size() * 2);
        for (const Vec<D> &v : live) insert(v);
    }
    std::vector<Vec<D>> slots_;
    std::vector<uint32_t> stamp_;
    uint32_t gen_ = 1;
    size_t size_ = 0;
};

// The nodes built so far, in order, with O(1) membership; removed last-in first-out (which keeps linear
// probing valid without tombstones).
template <int D>
class NodeStack {
   public:
    static constexpr size_t kCap = 256;  // slots; at most kCap / 2 nodes
    NodeStack() : slots_(kCap, -1) {}
    size_t size() const { return nodes_.size(); }
    const Vec<D> &operator[](size_t i) const { return nodes_[i]; }
    const std::vector<Vec<D>> &all() const { return nodes_; }
    bool contains(const Vec<D> &v) const {
        for (size_t i = hash_of(v) & (kCap - 1);; i = (i + 1) & (kCap - 1)) {
            if (slots_[i] < 0) return false;
            if (nodes_[static_cast<size_t>(slots_[i])] == v) return true;
        }
    }
    void push(const Vec<D> &v) {
        if (nodes_.size() >= kCap / 2) throw std::length_error("CMVM exact: too many nodes");
        size_t i = hash_of(v) & (kCap - 1);
        while (slots_[i] >= 0) i = (i + 1) & (kCap - 1);
        slots_[i] = static_cast<int>(nodes_.size());
        pos_.push_back(i);
        nodes_.push_back(v);
    }
    void pop() {
        slots_[pos_.back()] = -1;
        pos_.pop_back();
        nodes_.pop_back();
    }

   private:
    std::vector<Vec<D>> nodes_;
    std::vector<size_t> pos_;
    std::vector<int> slots_;
};

template <int D>
class Search {
   public:
    Search(int n, int max_shift, int64_t bound, std::vector<Vec<D>> targets, int64_t max_nodes)
        : n_(n), B_(max_shift), C_(bound), targets_(std::move(targets)), max_nodes_(max_nodes) {
        have_.assign(targets_.size(), 0);
        for (size_t t = 0; t < targets_.size(); ++t) target_index_.emplace_back(targets_[t], static_cast<int>(t));
        std::sort(target_index_.begin(), target_index_.end());
    }

    // Iterative deepening from lo adders to hi - 1.  Returns the adder count found (nodes() then holds the
    // program's nodes in order), -1 if none up to hi - 1, -2 if the node budget ran out (proven() is the
    // number of adders below which nothing exists).
    int run(int lo, int hi) {
        proven_ = lo;
        for (int k = lo; k < hi; ++k) {
            reset();
            const int r = closure_from(0, k);
            bool ok = false;
            if (r >= 0) ok = dfs(r, -1);
            if (out_of_budget_) return -2;
            if (ok) return k;
            proven_ = k + 1;
        }
        return -1;
    }
    int proven() const { return proven_; }
    int64_t visited() const { return visited_; }
    const std::vector<Vec<D>> &nodes() const { return nodes_.all(); }

   private:
    void reset() {
        while (nodes_.size()) nodes_.pop();
        for (int i = 0; i < n_; ++i) {
            Vec<D> e;
            e.c[i] = 1;
            nodes_.push(e);
        }
        std::fill(have_.begin(), have_.end(), 0);
        missing_ = static_cast<int>(targets_.size());
    }
    int target_of(const Vec<D> &v) const {
        auto it = std::lower_bound(target_index_.begin(), target_index_.end(), std::make_pair(v, -1));
        return it != target_index_.end() && it->first == v ? it->second : -1;
    }
    bool in_bound(const Vec<D> &v) const {
        for (int64_t x : v.c)
            if (x > C_ || x < -C_) return false;
        return true;
    }
    // True if target t is one adder of the search space away using node x and a built node y (x among
    // them): t * 2**c = sign * 2**d * x + sign' * 2**k * y with |k - d| <= B, i.e. y = norm(t * 2**c - sign *
    // 2**d * x) (c <= B + 1: a sum of two nodes loses at most B + 1 low zero bits).
    bool reachable_with(const Vec<D> &t, const Vec<D> &x) const {
        for (int s = -B_; s <= B_ + 1; ++s) {
            const int c = s > 0 ? s : 0, d = s < 0 ? -s : 0;
            for (int sg = -1; sg <= 1; sg += 2) {
                Vec<D> y;
                for (int i = 0; i < D; ++i) y.c[i] = t.c[i] * (int64_t{1} << c) - sg * x.c[i] * (int64_t{1} << d);
                int k = 0;
                if (normalize(y, &k) && k - d <= B_ && d - k <= B_ && nodes_.contains(y)) return true;
            }
        }
        return false;
    }
    // Adds a node (and marks it if it is a target).
    void push(const Vec<D> &v) {
        nodes_.push(v);
        const int t = target_of(v);
        if (t >= 0 && !have_[t]) {
            have_[t] = 1;
            --missing_;
        }
    }
    void pop_to(size_t size) {
        while (nodes_.size() > size) {
            const int t = target_of(nodes_[nodes_.size() - 1]);
            if (t >= 0 && have_[t]) {
                have_[t] = 0;
                ++missing_;
            }
            nodes_.pop();
        }
    }
    // Adds every missing target one adder away (repeatedly), looking only at adders that use a node added
    // since `from` (the older ones reach no missing target); each costs one of the r adders left.  Returns
    // the adders left, or -1 if they ran out.  Safe: a reachable target may be built now in any program.
    int closure_from(size_t from, int r) {
        for (bool grew = true; grew && missing_ > 0;) {
            grew = false;
            for (size_t t = 0; t < targets_.size(); ++t) {
                if (have_[t]) continue;
                bool hit = false;
                for (size_t x = from; x < nodes_.size() && !hit; ++x) hit = reachable_with(targets_[t], nodes_[x]);
                if (!hit) continue;
                if (--r < 0) return -1;
                push(targets_[t]);
                grew = true;
            }
        }
        return r;
    }
    bool tick() {
        ++visited_;
        if (max_nodes_ > 0 && visited_ > max_nodes_) out_of_budget_ = true;
        return !out_of_budget_;
    }
    // r adders left, every reachable target built.  last_at: the index of the previous non-target node, -1
    // if none (canonical order: a node that the nodes before it can build must come after it).
    bool dfs(int r, int last_at) {
        if (missing_ == 0) return true;
        if (!tick()) return false;
        if (r < missing_ + 1) return false;  // no target is one adder away: at least one more node needed
        if (r == missing_ + 1) return last_node(nullptr, 0);
        const size_t base = nodes_.size();
        // One level above the last node: the nodes one adder away from these, for every child's last_node.
        VecSet<D> *reach = nullptr;
        if (r == missing_ + 2) {
            reach = &scratch(kReachDepth);
            reach->clear();
            add_reach(*reach, 0);
        }
        VecSet<D> &seen = scratch(base);
        seen.clear();
        for (size_t i = 0; i < base; ++i)
            for (size_t j = i; j < base; ++j) {
                const bool fresh =
                    last_at < 0 || i >= static_cast<size_t>(last_at) || j >= static_cast<size_t>(last_at);
                bool stop = false;
                for_each_combination(B_, nodes_[i], nodes_[j], [&](const Vec<D> &w) {
                    if (stop || (!fresh && !(nodes_[static_cast<size_t>(last_at)] < w)) || !in_bound(w) ||
                        nodes_.contains(w) || !seen.insert(w))
                        return;
                    push(w);
                    const int r2 = closure_from(base, r - 1);
                    if (r2 >= 0 && (reach && missing_ > 0 ? (tick() && last_node(reach, base))
                                                          : dfs(r2, static_cast<int>(base)))) {
                        stop = true;
                        return;
                    }
                    pop_to(base);
                    if (out_of_budget_) stop = true;
                });
                if (stop) return missing_ == 0;
            }
        return false;
    }
    // Inserts every in-bound adder of two nodes, one of them at index >= from.
    void add_reach(VecSet<D> &reach, size_t from) const {
        for (size_t i = 0; i < nodes_.size(); ++i)
            for (size_t j = std::max(i, from); j < nodes_.size(); ++j)
                for_each_combination(B_, nodes_[i], nodes_[j], [&](const Vec<D> &w) {
                    if (in_bound(w)) reach.insert(w);
                });
    }
    // Exactly one non-target node may be added: the first target built after it uses it, so it is
    // norm(t * 2**c - sign * 2**d * x) for a missing target t and a node x (or t / (2**a +- 1)); it must be
    // one adder away itself, and then every missing target must follow by closure.  `parent_reach`: the
    // nodes one adder away from the first `parent_size` nodes (nullptr: none; computed here).
    bool last_node(const VecSet<D> *parent_reach, size_t parent_size) {
        const size_t base = nodes_.size();
        // Nodes one adder away: the parent's, and those of adders with a node added since.
        VecSet<D> &local = scratch(base);
        local.clear();
        add_reach(local, parent_reach ? parent_size : 0);
        auto reachable = [&](const Vec<D> &w) {
            return local.contains(w) || (parent_reach && parent_reach->contains(w));
        };
        VecSet<D> &tried = scratch(base + 1);
        tried.clear();
        bool ok = false;
        auto try_node = [&](const Vec<D> &w) {
            if (ok || out_of_budget_ || !in_bound(w) || !reachable(w) || nodes_.contains(w) || !tried.insert(w)) return;
            if (!tick()) return;
            push(w);
            const int r2 = closure_from(base, missing_);
            if (r2 >= 0 && missing_ == 0) {
                ok = true;
                return;
            }
            pop_to(base);
        };
        for (size_t t = 0; t < targets_.size() && !ok; ++t) {
            if (have_[t]) continue;
            const Vec<D> &tv = targets_[t];
            for (size_t x = 0; x < base && !ok; ++x) for_each_combination(B_ + 2, tv, nodes_[x], try_node);
            for (int a = 1; a <= B_ && !ok; ++a)
                for (int sg = -1; sg <= 1 && !ok; sg += 2) {
                    const int64_t d = (int64_t{1} << a) + sg;
                    if (d <= 1) continue;
                    Vec<D> w;
                    bool div = true;
                    for (int i = 0; i < D && div; ++i) {
                        div = tv.c[i] % d == 0;
                        w.c[i] = tv.c[i] / d;
                    }
                    if (div && normalize(w)) try_node(w);
                }
        }
        return ok;
    }
    static constexpr size_t kReachDepth = NodeStack<D>::kCap;  // scratch slot of the shared reach set
    VecSet<D> &scratch(size_t depth) {
        while (scratch_.size() <= depth) scratch_.emplace_back();
        return scratch_[depth];
    }

    int n_, B_;
    int64_t C_;
    std::vector<Vec<D>> targets_;
    std::vector<std::pair<Vec<D>, int>> target_index_;
    NodeStack<D> nodes_;
    std::vector<char> have_;
    int missing_ = 0;
    int64_t max_nodes_, visited_ = 0;
    bool out_of_budget_ = false;
    int proven_ = 0;
    std::deque<VecSet<D>> scratch_;  // per search depth (nodes built): scratch sets (a deque: references stay valid)
};

// A node as built in the program: value = sign * 2**shift * buf[op].
struct Built {
    int op;
    int shift;
    int sign;
};

// The program of the found nodes, each from two earlier ones: t * 2**c = sx * 2**d * X + sy * 2**k * Y.
template <int D>
StageProgram emit(const std::vector<Vec<D>> &nodes, int n, int B, const IntKernel &k, const std::vector<QInt> &in_q,
                  const std::vector<double> &in_lat, int adder_size, int carry_size) {
    using dais::Opcode;
    StageProgram prog;
    prog.n_in = k.n_in;
    prog.n_out = k.n_out;
    prog.inp_shifts.assign(k.n_in, 0);
    std::vector<LinForm> forms;
    for (int i = 0; i < k.n_in; ++i) {
        ProgOp op;
        op.opcode = static_cast<int32_t>(Opcode::INPUT);
        op.id0 = i;
        op.q = in_q[i];
        op.latency = in_lat[i];
        prog.ops.push_back(op);
        forms.push_back(lf_input(i));
    }
    // Node i < n is input i scaled by its row's power of two: x_i * 2**shift0[i].
    std::vector<Built> built;
    for (int i = 0; i < n; ++i) built.push_back(Built{i, k.shift0[i], 1});
    for (size_t t = static_cast<size_t>(n); t < nodes.size(); ++t) {
        bool done = false;
        for (size_t i = 0; i < t && !done; ++i)
            for (int s = -(B + 2); s <= B + 2 && !done; ++s)
                for (int sg = -1; sg <= 1 && !done; sg += 2) {
                    const int c = s < 0 ? -s : 0, d = s > 0 ? s : 0;
                    Vec<D> r;
                    for (int x = 0; x < n; ++x)
                        r.c[x] = nodes[t].c[x] * (int64_t{1} << c) - sg * nodes[i].c[x] * (int64_t{1} << d);
                    int kr = 0, sr = 1;
                    if (!normalize(r, &kr, &sr)) continue;
                    size_t j = 0;
                    while (j < t && !(nodes[j] == r)) ++j;
                    if (j == t) continue;
                    // node_t * 2**c = sg 2**d node_i + sr 2**kr node_j, node = s 2**h buf[op]:
                    // = sg si 2**(d + hi) (OPi + (sg si sr sj) 2**((kr + hj) - (d + hi)) OPj)
                    const Built &bi = built[i], &bj = built[j];
                    const int sigma = sg * bi.sign * sr * bj.sign;
                    const int sh = (kr + bj.shift) - (d + bi.shift);
                    ProgOp op;
                    op.opcode = static_cast<int32_t>(sigma > 0 ? Opcode::ADD : Opcode::SUB);
                    op.id0 = bi.op;
                    op.id1 = bj.op;
                    op.data = pack_data(sh, 0);
                    LinForm f = lf_combine(forms[bi.op], forms[bj.op], sh, sigma);
                    op.q = lf_range(f, in_q);
                    const int width = op.q.width();
                    op.latency =
                        std::max(prog.ops[bi.op].latency, prog.ops[bj.op].latency) + adder_latency(width, carry_size);
                    op.cost = adder_cost(width, adder_size);
                    forms.push_back(std::move(f));
                    prog.ops.push_back(op);
                    built.push_back(Built{static_cast<int>(prog.ops.size()) - 1, d + bi.shift - c, sg * bi.sign});
                    done = true;
                }
        if (!done) throw std::logic_error("CMVM exact: a found node has no adder");
    }
    // Outputs: column j = sign * 2**tz * node, times 2**shift1[j].
    for (int j = 0; j < k.n_out; ++j) {
        Vec<D> c;
        for (int i = 0; i < n; ++i) c.c[i] = k.at(i, j);
        int tz = 0, sg = 1;
        if (!normalize(c, &tz, &sg)) {
            prog.out_idxs.push_back(-1);
            prog.out_shifts.push_back(0);
            prog.out_negs.push_back(0);
            continue;
        }
        size_t t = 0;
        while (t < nodes.size() && !(nodes[t] == c)) ++t;
        if (t == nodes.size()) throw std::logic_error("CMVM exact: an output column was not built");
        const Built &b = built[t];
        prog.out_idxs.push_back(b.op);
        prog.out_shifts.push_back(b.shift + tz + k.shift1[j]);
        prog.out_negs.push_back(static_cast<int8_t>(b.sign * sg < 0));
    }
    return prog;
}

template <int D>
ExactResult run_exact(const IntKernel &k, int bits, const std::vector<QInt> &in_q, const std::vector<double> &in_lat,
                      int adder_size, int carry_size, const ExactLimits &lim) {
    const int n = k.n_in;
    // Distinct non-trivial targets: columns up to sign and power of two that are not an input.
    std::vector<Vec<D>> targets;
    for (int j = 0; j < k.n_out; ++j) {
        Vec<D> c;
        for (int i = 0; i < n; ++i) c.c[i] = k.at(i, j);
        if (!normalize(c)) continue;
        int nz = 0, ones = 0;
        for (int i = 0; i < n; ++i) {
            nz += c.c[i] != 0;
            ones += c.c[i] == 1;
        }
        if (nz == 1 && ones == 1) continue;  // an input, shifted or negated: no adder
        if (std::find(targets.begin(), targets.end(), c) == targets.end()) targets.push_back(c);
    }
    ExactResult res;
    const int B = bits + 1;
    Search<D> s(n, B, int64_t{1} << (bits + 1), targets, lim.max_nodes);
    const int lo = static_cast<int>(targets.size());
    const int hi = lim.upper_bound >= 0 ? lim.upper_bound : 1 << 30;
    const int got = s.run(lo, hi);
    res.nodes = s.visited();
    res.lower_bound = s.proven();
    if (got >= 0) {
        res.found = true;
        res.optimal = true;
        res.n_adders = got;
        res.lower_bound = got;
        res.program = emit(s.nodes(), n, B, k, in_q, in_lat, adder_size, carry_size);
    } else if (got == -1) {
        res.optimal = true;  // nothing below the upper bound: the known program is optimal
        res.lower_bound = std::max(res.lower_bound, hi);
    }
    return res;
}

}  // namespace

namespace {
constexpr int kMaxBits = 24;
int entry_bits(const IntKernel &k) {
    int bits = 1;
    for (int64_t v : k.m) {
        const uint64_t a = static_cast<uint64_t>(v < 0 ? -v : v);
        if (a) bits = std::max(bits, 64 - __builtin_clzll(a));
    }
    return bits;
}
}  // namespace

bool exact_supported(const IntKernel &k, int max_inputs) {
    return k.n_in <= std::min(max_inputs, kMaxDim) && entry_bits(k) <= kMaxBits;
}

ExactResult exact_minimum(const IntKernel &k, const std::vector<QInt> &in_q, const std::vector<double> &in_lat,
                          int adder_size, int carry_size, const ExactLimits &lim) {
    const int max_in = std::min(lim.max_inputs, kMaxDim);
    if (k.n_in > max_in)
        throw std::invalid_argument("CMVM exact: " + std::to_string(k.n_in) +
                                    " kernel rows; the exact search takes at most " + std::to_string(max_in));
    const int bits = entry_bits(k);
    if (bits > kMaxBits)
        throw std::invalid_argument("CMVM exact: kernel entries wider than " + std::to_string(kMaxBits) +
                                    " bits; too large to search");
    if (k.n_in <= 2) return run_exact<2>(k, bits, in_q, in_lat, adder_size, carry_size, lim);
    if (k.n_in <= 4) return run_exact<4>(k, bits, in_q, in_lat, adder_size, carry_size, lim);
    if (k.n_in <= 8) return run_exact<8>(k, bits, in_q, in_lat, adder_size, carry_size, lim);
    return run_exact<kMaxDim>(k, bits, in_q, in_lat, adder_size, carry_size, lim);
}

}  // namespace da4ml::cmvm
