#include "cmvm/decompose.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "cmvm/delay.hpp"

namespace da4ml::cmvm {

int ceil_log2(int n) {
    int l = 0;
    while ((1 << l) < n) ++l;
    return l;
}

bool Decomposition::trivial() const {
    for (size_t j = 0; j < parent.size(); ++j)
        if (parent[j] >= 0) return false;
    return true;
}

double digits_lower_bound(const std::vector<int64_t> &v, const std::vector<double> &in_lat) {
    std::vector<double> arr;
    for (size_t i = 0; i < v.size(); ++i) {
        int w = csd_weight(v[i]);
        for (int k = 0; k < w; ++k) arr.push_back(in_lat[i]);
    }
    return sum_lower_bound(arr, 1.0);
}

namespace {
int weight(const std::vector<int64_t> &v) {
    int w = 0;
    for (auto x : v) w += csd_weight(x);
    return w;
}
std::vector<int64_t> combo(const std::vector<int64_t> &w, const std::vector<int64_t> &v, const Edge &e) {
    std::vector<int64_t> r(w.size());
    for (size_t i = 0; i < w.size(); ++i) r[i] = w[i] * (int64_t{1} << e.a) - e.sign * v[i] * (int64_t{1} << e.b);
    return r;
}
bool fits(const std::vector<int64_t> &a, int max_shift) {
    const int64_t lim = int64_t{1} << (60 - max_shift);
    for (auto x : a)
        if (x >= lim || x <= -lim) return false;
    return true;
}
}  // namespace

std::vector<Edge> edge_table(const IntKernel &k, int max_shift) {
    const int n = k.n_out;
    std::vector<std::vector<int64_t>> col(n, std::vector<int64_t>(k.n_in));
    std::vector<bool> ok(n);
    for (int j = 0; j < n; ++j) {
        for (int i = 0; i < k.n_in; ++i) col[j][i] = k.at(i, j);
        ok[j] = fits(col[j], max_shift);
    }
    std::vector<Edge> t(static_cast<size_t>(n) * n);
    // Weights of 2**a * col_w - s * 2**b * col_v for every shift sh (a = max(-sh, 0), b = max(sh, 0)) and
    // sign; the edge v -> w with shift -sh is the same vector times -s, so each pair is weighed once.
    const int ns = 2 * max_shift + 1;
    std::vector<int> wt(static_cast<size_t>(ns) * 2);
    auto pick = [&](bool mirror) {
        Edge best;
        best.weight = -1;
        for (int sh = -max_shift; sh <= max_shift; ++sh)
            for (int8_t s : {int8_t{1}, int8_t{-1}}) {
                Edge e;
                e.sign = s;
                e.a = static_cast<int8_t>(sh < 0 ? -sh : 0);
                e.b = static_cast<int8_t>(sh > 0 ? sh : 0);
                e.weight = wt[static_cast<size_t>((mirror ? -sh : sh) + max_shift) * 2 + (s < 0)];
                if (best.weight < 0 || e.weight < best.weight) best = e;
            }
        return best;
    };
    for (int w = 0; w < n; ++w) {
        t[static_cast<size_t>(w) * n + w].weight = -1;
        for (int v = w + 1; v < n; ++v) {
            if (!ok[w] || !ok[v]) {
                t[static_cast<size_t>(w) * n + v].weight = -1;
                t[static_cast<size_t>(v) * n + w].weight = -1;
                continue;
            }
            for (int sh = -max_shift; sh <= max_shift; ++sh) {
                const int a = sh < 0 ? -sh : 0, b = sh > 0 ? sh : 0;
                for (int8_t s : {int8_t{1}, int8_t{-1}}) {
                    int sum = 0;
                    for (int i = 0; i < k.n_in; ++i)
                        sum += csd_weight(col[w][i] * (int64_t{1} << a) - s * col[v][i] * (int64_t{1} << b));
                    wt[static_cast<size_t>(sh + max_shift) * 2 + (s < 0)] = sum;
                }
            }
            t[static_cast<size_t>(w) * n + v] = pick(false);
            t[static_cast<size_t>(v) * n + w] = pick(true);
        }
    }
    return t;
}

std::vector<PathTerm> Decomposition::path(int j) const {
    std::vector<PathTerm> out;
    if (path_len[j] == 0) return out;
    int sign = 1, shift = 0;
    for (int k = j; k >= 0; k = parent[k]) {
        shift -= a[k];
        out.push_back(PathTerm{k, sign, shift});
        sign *= this->sign[k];
        shift += b[k];
    }
    return out;
}

Decomposition decompose(const IntKernel &k, const DecomposeLimits &lim, const std::vector<Edge> &edges) {
    const int n = k.n_out;
    std::vector<std::vector<int64_t>> col(n, std::vector<int64_t>(k.n_in));
    std::vector<bool> zero(n, true);
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < k.n_in; ++i) {
            col[j][i] = k.at(i, j);
            if (col[j][i]) zero[j] = false;
        }
    Decomposition d;
    d.parent.assign(n, -1);
    d.sign.assign(n, 1);
    d.a.assign(n, 0);
    d.b.assign(n, 0);
    d.diff = col;
    d.path_len.assign(n, 0);
    const bool timed = lim.deadline >= 0;
    std::vector<double> lb(n, 0.0), anc_lb(n, 0.0);
    // Best attachment of every vertex not yet in the tree: (weight, parent, sign).
    std::vector<int> best_w(n), best_p(n, -1);
    std::vector<Edge> best_e(n);
    std::vector<bool> in_tree(n, false);
    for (int j = 0; j < n; ++j) best_w[j] = weight(col[j]);
    // Tie-breaks of equal weights: by index, or by a seeded hash of (vertex, parent).
    auto tie = [&](int w, int v) -> uint64_t {
        if (!lim.tie_seed) return 0;
        uint64_t x = lim.tie_seed ^ (static_cast<uint64_t>(w) << 32) ^ static_cast<uint64_t>(v + 1);
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ull;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebull;
        return x ^ (x >> 31);
    };
    for (int step = 0; step < n; ++step) {
        int v = -1;
        for (int j = 0; j < n; ++j) {
            if (in_tree[j] || zero[j]) continue;
            if (v < 0 || best_w[j] < best_w[v] || (best_w[j] == best_w[v] && tie(j, best_p[j]) < tie(v, best_p[v])))
                v = j;
        }
        if (v < 0) break;
        in_tree[v] = true;
        int p = best_p[v];
        d.parent[v] = p;
        d.sign[v] = best_e[v].sign;
        d.a[v] = best_e[v].a;
        d.b[v] = best_e[v].b;
        d.diff[v] = p < 0 ? col[v] : combo(col[v], col[p], best_e[v]);
        d.path_len[v] = p < 0 ? 1 : d.path_len[p] + 1;
        if (timed) {
            lb[v] = digits_lower_bound(d.diff[v], lim.in_lat);
            anc_lb[v] = std::max(lb[v], p < 0 ? -std::numeric_limits<double>::infinity() : anc_lb[p]);
        }
        const int len = d.path_len[v] + 1;
        if (lim.max_path_len > 0 && len > lim.max_path_len) continue;
        for (int w = 0; w < n; ++w) {
            if (in_tree[w] || zero[w]) continue;
            const Edge &e = edges[static_cast<size_t>(w) * n + v];
            if (e.weight < 0 || e.weight > best_w[w]) continue;
            if (e.weight == best_w[w] && !(tie(w, v) < tie(w, best_p[w]))) continue;
            if (timed) {
                double need =
                    std::max(anc_lb[v], digits_lower_bound(combo(col[w], col[v], e), lim.in_lat)) + ceil_log2(len);
                if (need > lim.deadline + 1e-9) continue;
            }
            best_w[w] = e.weight;
            best_p[w] = v;
            best_e[w] = e;
        }
    }
    return d;
}

}  // namespace da4ml::cmvm
