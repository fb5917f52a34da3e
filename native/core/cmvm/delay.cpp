#include "cmvm/delay.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <queue>

namespace da4ml::cmvm {

double sum_lower_bound(std::vector<double> arrivals, double delta) {
    if (arrivals.empty()) return -std::numeric_limits<double>::infinity();
    std::priority_queue<double, std::vector<double>, std::greater<double>> pq(arrivals.begin(), arrivals.end());
    while (pq.size() > 1) {
        double a = pq.top();
        pq.pop();
        double b = pq.top();
        pq.pop();
        pq.push(std::max(a, b) + delta);
    }
    return pq.top();
}

kraft_t kraft_unit(double deadline, double t, double delta) {
    if (std::isinf(deadline)) return 0;
    double l = std::floor((delta == 1.0 ? deadline - t : (deadline - t) / delta) + 1e-9);  // x / 1 == x
    if (l < 0) return kKraftOne + 1;
    if (l >= kKraftBits) return 1;
    return static_cast<kraft_t>(1) << (kKraftBits - static_cast<int>(l));
}

}  // namespace da4ml::cmvm
