// Stage 1 of the method: W = W1 @ W2 from a minimum spanning tree (Prim) over the columns of W plus a zero
// vertex.  Column j = d_j + sign_j * column parent_j, so W1 holds the edge vectors d and W2 (entries
// +-2**shift1[j]) rebuilds each column from the path to the root.
#pragma once
#include <cstdint>
#include <vector>

#include "cmvm/csd.hpp"

namespace da4ml::cmvm {

struct Decomposition {
    std::vector<int> parent;                  // -1: attached to the zero vertex (or a zero column)
    std::vector<int8_t> sign;                 // column j = d_j + sign_j * column parent_j
    std::vector<std::vector<int64_t>> diff;   // d_j over the rows of IntKernel.m (same row scaling)
    std::vector<int> path_len;                // nodes on the path from j to the root (0 for zero columns)
    bool trivial() const;                     // every column its own root: no decomposition
};

struct DecomposeLimits {
    int max_path_len = -1;      // <= 0: unlimited
    double deadline = -1;       // < 0: none; else stage-1 LB(d_k) + ceil(log2(L)) <= deadline along paths
    std::vector<double> in_lat; // input arrival times (for the delay check)
};

Decomposition decompose(const IntKernel &k, const DecomposeLimits &lim);

// Lower bound of summing the CSD digits of a vector (one entry per row) with the rows' arrival times.
double digits_lower_bound(const std::vector<int64_t> &v, const std::vector<double> &in_lat);

int ceil_log2(int n);

}  // namespace da4ml::cmvm
