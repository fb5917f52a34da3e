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

}  // namespace da4ml::cmvm
