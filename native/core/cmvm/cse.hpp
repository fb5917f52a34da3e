// Stage 2 of the method: greedy common-subexpression elimination on two-term patterns a +- (b << s),
// then arrival-time-aware summation of what remains of each output.  One call builds one stage program.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "cmvm/program.hpp"
#include "cmvm/qint.hpp"

namespace da4ml::cmvm {

enum class Method { MC, WMC };

struct Term {
    int32_t var;    // stage input index
    int32_t shift;  // weight 2**shift
    int8_t sign;    // +1 / -1
};

struct StageProblem {
    std::vector<QInt> in_q;               // per input: exact interval (zero interval: unused)
    std::vector<double> in_lat;           // per input: arrival time
    std::vector<std::vector<Term>> cols;  // output j = sum(sign * x[var] * 2**shift)
    std::vector<double> deadline;         // per output; +inf (or empty vector): unconstrained
};

// How the CSE picks its next pattern: one point of the search portfolio.  Build one from greedy() and
// the modifiers, e.g. SelectionRule::greedy(Method::WMC).look_ahead(0.5).larger_keys_first().
struct SelectionRule {
    Method method = Method::WMC;
    bool lookahead = false;         // among the near-best patterns take the one destroying the least sharing
    double lookahead_margin = 1.0;  // wmc: near-best = within this many reference widths of the best score
    double lookahead_weight = 1.0;  // wmc: bits charged per destroyed pair occurrence
    double ref_scale = 1.0;         // wmc: value of one more occurrence, in units of the mean output width
    // Occurrences a pattern's priority loses per adder level of its sum's arrival; nullopt: by how tight the
    // stage's delay constraint is (none without one).
    std::optional<double> latency_penalty;
    bool narrower_first = false;     // equal scores: narrower, then earlier (else earlier, then narrower)
    bool larger_keys_first = false;  // last tie-break: the larger pattern key first (else the smaller)
    bool earliest_first = false;     // patterns whose sum is ready earliest first, then by score (balanced trees)
    uint64_t tie_seed = 0;           // non-zero: the last tie-break orders keys by a hash seeded with it

    static SelectionRule greedy(Method m) {
        SelectionRule r;
        r.method = m;
        return r;
    }
    // This rule with one field set (the modifiers below).
    template <class T, class V>
    SelectionRule with(T SelectionRule::*field, V value) const {
        SelectionRule r = *this;
        r.*field = value;
        return r;
    }
    SelectionRule look_ahead(double margin = 1.0) const {
        return with(&SelectionRule::lookahead, true).with(&SelectionRule::lookahead_margin, margin);
    }
    SelectionRule valuing_occurrence_at(double scale) const { return with(&SelectionRule::ref_scale, scale); }
    SelectionRule penalizing_latency(double occurrences_per_level) const {
        return with(&SelectionRule::latency_penalty, occurrences_per_level);
    }
    SelectionRule narrower_before_earlier() const { return with(&SelectionRule::narrower_first, true); }
    SelectionRule larger_keys_before_smaller() const { return with(&SelectionRule::larger_keys_first, true); }
    SelectionRule earliest_before_best() const { return with(&SelectionRule::earliest_first, true); }
    SelectionRule ties_seeded(uint64_t seed) const { return with(&SelectionRule::tie_seed, seed); }
};

struct CseOptions {
    SelectionRule rule;
    int adder_size = -1;
    int carry_size = -1;
};

// Throws std::overflow_error if an intermediate would need more than 62 bits.  The program's `work` counts
// the search's steps (deterministic work units).
StageProgram run_cse(const StageProblem &problem, const CseOptions &opt);

// A stage problem made ready for the CSE (columns deduplicated and sorted, pair counts, the initial patterns),
// built once and shared by the trials that solve it with different options (same carry_size).
struct PreparedStage;
std::shared_ptr<const PreparedStage> prepare_stage(const StageProblem &problem, int carry_size);
StageProgram run_cse(const PreparedStage &prepared, const CseOptions &opt);

// Per-column adder delay used by the delay model (1 level, or carry segments of the column's width).
double column_delta(const StageProblem &problem, int col, int carry_size);

}  // namespace da4ml::cmvm
