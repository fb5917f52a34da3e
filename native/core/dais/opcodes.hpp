// DAIS opcodes and limits: the single definition shared by the C++ core and (through the bindings)
// the Python package.  Semantics: shared/spec/dais.md.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace da4ml::dais {

enum class Opcode : int32_t {
    INPUT = -1,          // buf = wrap(floor(x[id0] * 2**(inp_shift + T.f)), T)
    ADD = 0,             // a + b * 2**lo
    SUB = 1,             // a - b * 2**lo
    RELU = 2,            // max(a, 0) requantized
    NEG_RELU = -2,       // max(-a, 0) requantized
    QUANTIZE = 3,        // wrap(rescale(a))
    NEG_QUANTIZE = -3,   // wrap(rescale(-a))
    ADD_CONST = 4,       // rescale(a) + data
    CONST = 5,           // data
    MUX = 6,             // msb(buf[lo]) ? a : b * 2**hi
    NEG_MUX = -6,        // msb(buf[lo]) ? a : -b * 2**hi
    MUL = 7,             // a * b
    LOOKUP = 8,          // lookup_tables[lo][a - a_min - hi]
    BIT_UNARY = 9,       // NOT / OR-reduce / AND-reduce of a
    NEG_BIT_UNARY = -9,  // same, of -a
    BIT_BINARY = 10,     // AND / OR / XOR of aligned a, b
};

struct OpcodeInfo {
    Opcode opcode;
    std::string_view name;
    int min_spec_version;  // first binary spec version that may use it
};

inline constexpr std::array<OpcodeInfo, 16> kOpcodes{{
    {Opcode::INPUT, "INPUT", 0},
    {Opcode::ADD, "ADD", 0},
    {Opcode::SUB, "SUB", 0},
    {Opcode::RELU, "RELU", 0},
    {Opcode::NEG_RELU, "NEG_RELU", 0},
    {Opcode::QUANTIZE, "QUANTIZE", 0},
    {Opcode::NEG_QUANTIZE, "NEG_QUANTIZE", 0},
    {Opcode::ADD_CONST, "ADD_CONST", 0},
    {Opcode::CONST, "CONST", 0},
    {Opcode::MUX, "MUX", 0},
    {Opcode::NEG_MUX, "NEG_MUX", 0},
    {Opcode::MUL, "MUL", 0},
    {Opcode::LOOKUP, "LOOKUP", 0},
    {Opcode::BIT_UNARY, "BIT_UNARY", 1},
    {Opcode::NEG_BIT_UNARY, "NEG_BIT_UNARY", 1},
    {Opcode::BIT_BINARY, "BIT_BINARY", 1},
}};

// Binary format: spec versions this build reads, and the one it writes.
inline constexpr int32_t kSpecVersionWritten = 1;
inline constexpr int32_t kSpecVersionMinRead = 0;
inline constexpr int32_t kSpecVersionMaxRead = 1;
inline constexpr int kWordsPerOp = 8;

// Values (and aligned intermediates) are held in int64: anything wider than this is refused.
inline constexpr int kMaxValueBits = 62;

// BIT_UNARY sub-operations (data lo) and BIT_BINARY operations (data hi >> 24).
enum class BitUnary : int32_t { NOT = 0, ANY = 1, ALL = 2 };
enum class BitBinary : int32_t { AND = 0, OR = 1, XOR = 2 };

}  // namespace da4ml::dais
