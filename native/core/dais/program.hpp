// A DAIS program as read from its binary form, and the validating reader.  Semantics and layout:
// shared/spec/dais.md.  Everything the interpreter relies on is checked here, once, before it runs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "opcodes.hpp"

namespace da4ml::dais {

// A malformed program (or a run-time value that contradicts the program's own types).
class ProgramError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

// Bad input data handed to a valid program (NaN, infinity, wrong shape).
class InputError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

// A fixed-point type (k, i, f); width w = k + i + f (computed in 64 bits: i and f are arbitrary int32).
struct Type {
    int32_t k = 0;
    int32_t i = 0;
    int32_t f = 0;
    int64_t width() const { return int64_t{k} + i + f; }
};

struct Op {
    int32_t opcode = 0;
    int32_t id0 = -1;
    int32_t id1 = -1;
    int64_t data = 0;
    Type type;
    // A named field of `data` (opcodes.hpp); 0 when the opcode has no such field (or is unknown).
    int64_t field(Field f) const {
        const OpcodeInfo *info = find_opcode(opcode);
        const FieldSpec *spec = info ? find_field(*info, f) : nullptr;
        return spec ? field_value(data, *spec) : 0;
    }
    // Does the op read `flag`'s operand (OperandFlag)?
    bool reads(OperandFlag flag) const {
        const OpcodeInfo *info = find_opcode(opcode);
        return info && (info->operands & flag);
    }
};

struct Program {
    int32_t spec_version = 0;
    int32_t firmware_version = 0;
    int32_t n_in = 0;
    int32_t n_out = 0;
    std::vector<int32_t> inp_shifts;
    std::vector<int32_t> out_idxs;
    std::vector<int32_t> out_shifts;
    std::vector<int32_t> out_negs;
    std::vector<Op> ops;
    std::vector<std::vector<int32_t>> lookup_tables;
};

// Name of an opcode from kOpcodes, or "opcode <n>" for an unknown value.
std::string opcode_name(int32_t opcode);

// Smallest and largest integer a type holds (w <= 0 holds only 0).  Requires w <= kMaxValueBits.
int64_t type_min(const Type &t);
int64_t type_max(const Type &t);

// Parse a binary (little-endian int32 words, as in dais.md) and validate it completely.
// Throws ProgramError naming the op (or header field) and the problem.
Program parse_binary(const int32_t *words, size_t n_words);

// Validate a Program built in memory (parse_binary calls this).  Throws ProgramError.
void validate(const Program &program);

}  // namespace da4ml::dais
