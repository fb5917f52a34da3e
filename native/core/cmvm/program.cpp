#include "cmvm/program.hpp"

#include <algorithm>

#include "dais/opcodes.hpp"

namespace da4ml::cmvm {

using dais::Opcode;

int StageProgram::n_adders() const {
    int n = 0;
    for (auto &op : ops)
        if (op.opcode == static_cast<int32_t>(Opcode::ADD) || op.opcode == static_cast<int32_t>(Opcode::SUB)) ++n;
    return n;
}

double StageProgram::cost() const {
    double c = 0.0;
    for (auto &op : ops) c += op.cost;
    return c;
}

double StageProgram::latency() const {
    double l = 0.0;
    for (int j = 0; j < n_out; ++j)
        if (out_idxs[j] >= 0) l = std::max(l, ops[out_idxs[j]].latency);
    return l;
}

QInt StageProgram::out_qint(int j) const {
    if (out_idxs[j] < 0) return QInt{};
    return ops[out_idxs[j]].q.scaled(out_shifts[j], out_negs[j] ? -1 : 1);
}

void Solution::finalize() {
    n_adders = 0;
    cost = 0.0;
    work = 0;
    for (auto &s : stages) {
        n_adders += s.n_adders();
        cost += s.cost();
        work += s.work;
    }
    latency = stages.empty() ? 0.0 : stages.back().latency();
}

}  // namespace da4ml::cmvm
