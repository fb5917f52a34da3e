// Stage 1 of the method: W = W1 @ W2 from a minimum spanning tree (Prim) over the columns of W plus a zero
// vertex.  Column j = d_j + sign_j * column parent_j, so W1 holds the edge vectors d and W2 (entries
// +-2**shift1[j]) rebuilds each column from the path to the root.
#pragma once
#include <cstdint>
#include <vector>

#include "cmvm/csd.hpp"

namespace da4ml::cmvm {

struct Edge {
    int weight = 0;  // CSD digits of d = 2**a * col_w - sign * 2**b * col_v
    int8_t sign = 1;
    int8_t a = 0, b = 0;
};

// Cheapest edge between every pair of columns (row-major n_out x n_out; [w * n + v]: w from v).
std::vector<Edge> edge_table(const IntKernel &k, int max_shift);

struct PathTerm {
    int col;    // tree vector d_col
    int sign;   // +-1
    int shift;  // power of two
};

struct Decomposition {
    std::vector<int> parent;   // -1: attached to the zero vertex (or a zero column)
    std::vector<int8_t> sign;  // column j = 2**-a_j * (d_j + sign_j * 2**b_j * column parent_j)
    std::vector<int8_t> a, b;
    std::vector<std::vector<int64_t>> diff;   // d_j over the rows of IntKernel.m (same row scaling)
    std::vector<int> path_len;                // nodes on the path from j to the root (0 for zero columns)
    bool trivial() const;                     // every column its own root: no decomposition
    std::vector<PathTerm> path(int j) const;  // column j = sum sign * 2**shift * d_col
};

struct DecomposeLimits {
    int max_path_len = -1;       // <= 0: unlimited
    double deadline = -1;        // < 0: none; else stage-1 LB(d_k) + ceil(log2(L)) <= deadline along paths
    std::vector<double> in_lat;  // input arrival times (for the delay check)
    uint64_t tie_seed = 0;       // non-zero: equal-weight choices are broken by a hash seeded with it (else by index)
};

Decomposition decompose(const IntKernel &k, const DecomposeLimits &lim, const std::vector<Edge> &edges);

// Lower bound of summing the CSD digits of a vector (one entry per row) with the rows' arrival times.
double digits_lower_bound(const std::vector<int64_t> &v, const std::vector<double> &in_lat);

int ceil_log2(int n);

}  // namespace da4ml::cmvm
