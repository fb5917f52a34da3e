#include "cmvm/decompose.hpp"

#include <algorithm>
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
std::vector<int64_t> combo(const std::vector<int64_t> &a, const std::vector<int64_t> &b, int sign) {
    std::vector<int64_t> r(a.size());
    for (size_t i = 0; i < a.size(); ++i) r[i] = a[i] - sign * b[i];
    return r;
}
bool fits62(const std::vector<int64_t> &a, const std::vector<int64_t> &b) {
    for (size_t i = 0; i < a.size(); ++i) {
        const int64_t lim = int64_t{1} << 61;
        if (a[i] >= lim || a[i] <= -lim || b[i] >= lim || b[i] <= -lim) return false;
    }
    return true;
}
}  // namespace

Decomposition decompose(const IntKernel &k, const DecomposeLimits &lim) {
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
    d.diff = col;
    d.path_len.assign(n, 0);
    const bool timed = lim.deadline >= 0;
    std::vector<double> lb(n, 0.0), anc_lb(n, 0.0);
    // Best attachment of every vertex not yet in the tree: (weight, parent, sign).
    std::vector<int> best_w(n), best_p(n, -1);
    std::vector<int8_t> best_s(n, 1);
    std::vector<bool> in_tree(n, false);
    for (int j = 0; j < n; ++j) best_w[j] = weight(col[j]);
    for (int step = 0; step < n; ++step) {
        int v = -1;
        for (int j = 0; j < n; ++j) {
            if (in_tree[j] || zero[j]) continue;
            if (v < 0 || best_w[j] < best_w[v]) v = j;
        }
        if (v < 0) break;
        in_tree[v] = true;
        int p = best_p[v];
        d.parent[v] = p;
        d.sign[v] = best_s[v];
        d.diff[v] = p < 0 ? col[v] : combo(col[v], col[p], best_s[v]);
        d.path_len[v] = p < 0 ? 1 : d.path_len[p] + 1;
        if (timed) {
            lb[v] = digits_lower_bound(d.diff[v], lim.in_lat);
            anc_lb[v] = std::max(lb[v], p < 0 ? -std::numeric_limits<double>::infinity() : anc_lb[p]);
        }
        const int len = d.path_len[v] + 1;
        if (lim.max_path_len > 0 && len > lim.max_path_len) continue;
        for (int w = 0; w < n; ++w) {
            if (in_tree[w] || zero[w]) continue;
            if (!fits62(col[w], col[v])) continue;
            for (int8_t s : {int8_t{1}, int8_t{-1}}) {
                auto dv = combo(col[w], col[v], s);
                int wt = weight(dv);
                if (wt >= best_w[w]) continue;
                if (timed) {
                    double need = std::max(anc_lb[v], digits_lower_bound(dv, lim.in_lat)) + ceil_log2(len);
                    if (need > lim.deadline + 1e-9) continue;
                }
                best_w[w] = wt;
                best_p[w] = v;
                best_s[w] = s;
            }
        }
    }
    return d;
}

}  // namespace da4ml::cmvm
