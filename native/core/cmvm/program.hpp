// The optimizer's output: DAIS stage programs (shared/spec/dais.md) with value intervals, latencies, costs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cmvm/qint.hpp"

namespace da4ml::cmvm {

struct ProgOp {
    int32_t opcode = 0;
    int32_t id0 = -1;
    int32_t id1 = -1;
    int64_t data = 0;
    QInt q;
    double latency = 0.0;
    double cost = 0.0;
};

struct StageProgram {
    int n_in = 0;
    int n_out = 0;
    std::vector<int32_t> inp_shifts;
    std::vector<ProgOp> ops;
    std::vector<int32_t> out_idxs, out_shifts;
    std::vector<int8_t> out_negs;
    uint64_t work = 0;  // steps of the search that built it (deterministic work units, for search budgets)

    int n_adders() const;
    double cost() const;
    double latency() const;  // max arrival time over (non-constant) outputs; 0 if none
    // Interval of output j (zero interval for a constant-zero output).
    QInt out_qint(int j) const;
};

struct Solution {
    std::vector<StageProgram> stages;  // one or two stages; stage k+1 input j = stage k output j
    int n_adders = 0;
    double cost = 0.0;
    double latency = 0.0;
    uint64_t work = 0;  // summed over the stages
    std::string trial;  // which search trial produced it (for reports)
    void finalize();    // fills n_adders, cost, latency, work from the stages
};

// data field of an opcode that splits it into lo/hi int32 halves.
inline int64_t pack_data(int32_t lo, int32_t hi) {
    return static_cast<int64_t>((static_cast<uint64_t>(static_cast<uint32_t>(hi)) << 32) |
                                static_cast<uint64_t>(static_cast<uint32_t>(lo)));
}

}  // namespace da4ml::cmvm
