// Delay bounds: the minimal depth of summing terms with given arrival times, and the Kraft-sum test
// that decides in O(1) per update whether a column can still be summed by its deadline.
#pragma once
#include <cmath>
#include <vector>

namespace da4ml::cmvm {

// Minimal completion time of summing terms arriving at `arrivals` with adders of delay `delta`
// (optimal: repeatedly combine the two earliest).  Empty: -infinity.
double sum_lower_bound(std::vector<double> arrivals, double delta);

// A term arriving at t can sit at most L = floor((deadline - t) / delta) adders below the output.
// A set of terms fits iff sum 2**-L <= 1 (Kraft).  Units are 2**-kKraftBits.
__extension__ typedef unsigned __int128 kraft_t;
constexpr int kKraftBits = 60;
constexpr kraft_t kKraftOne = static_cast<kraft_t>(1) << kKraftBits;
// Returns kKraftOne + 1 (infeasible on its own) if t > deadline.  Inline: the CSE calls it in its inner loops.
inline kraft_t kraft_unit(double deadline, double t, double delta) {
    if (std::isinf(deadline)) return 0;
    double l = std::floor((delta == 1.0 ? deadline - t : (deadline - t) / delta) + 1e-9);  // x / 1 == x
    if (l < 0) return kKraftOne + 1;
    if (l >= kKraftBits) return 1;
    return static_cast<kraft_t>(1) << (kKraftBits - static_cast<int>(l));
}

}  // namespace da4ml::cmvm
