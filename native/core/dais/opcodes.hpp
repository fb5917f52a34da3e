// DAIS opcodes, their operands, the fields packed into an op's `data`, and the limits: the single definition
// shared by the C++ core and (through the bindings, `da4ml._core.dais.opcodes()`) the Python package.
// Semantics: shared/spec/dais.md.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

namespace da4ml::dais {

enum class Opcode : int32_t {
    INPUT = -1,          // buf = wrap(floor(x[id0] * 2**(inp_shift + T.f)), T)
    ADD = 0,             // a + b * 2**shift
    SUB = 1,             // a - b * 2**shift
    RELU = 2,            // max(a, 0) requantized
    NEG_RELU = -2,       // max(-a, 0) requantized
    QUANTIZE = 3,        // wrap(rescale(a))
    NEG_QUANTIZE = -3,   // wrap(rescale(-a))
    ADD_CONST = 4,       // rescale(a) + constant
    CONST = 5,           // constant
    MUX = 6,             // msb(buf[cond]) ? a : b * 2**shift
    NEG_MUX = -6,        // msb(buf[cond]) ? a : -b * 2**shift
    MUL = 7,             // a * b
    LOOKUP = 8,          // lookup_tables[table][a - a_min - table_offset]
    BIT_UNARY = 9,       // NOT / OR-reduce / AND-reduce of a
    NEG_BIT_UNARY = -9,  // same, of -a
    BIT_BINARY = 10,     // AND / OR / XOR of aligned (+-a), (+-b) * 2**shift
};

// BIT_UNARY sub-operations (field BIT_OP) and BIT_BINARY operations (field BIT_OP).
enum class BitUnary : int32_t { NOT = 0, ANY = 1, ALL = 2 };
enum class BitBinary : int32_t { AND = 0, OR = 1, XOR = 2 };

inline constexpr std::array<std::pair<std::string_view, BitUnary>, 3> kBitUnaryNames{
    {{"NOT", BitUnary::NOT}, {"ANY", BitUnary::ANY}, {"ALL", BitUnary::ALL}}};
inline constexpr std::array<std::pair<std::string_view, BitBinary>, 3> kBitBinaryNames{
    {{"AND", BitBinary::AND}, {"OR", BitBinary::OR}, {"XOR", BitBinary::XOR}}};

// The named fields an op packs into its signed 64-bit `data` (dais.md: lo = bits 0..31, hi = bits 32..63).
enum class Field : int32_t {
    SHIFT = 0,         // b is read as b * 2**shift (ADD, SUB, MUX, BIT_BINARY)
    COND = 1,          // index of the op whose msb selects (MUX)
    TABLE = 2,         // index of the lookup table (LOOKUP)
    TABLE_OFFSET = 3,  // index offset: entry = table[a - a_min - table_offset] (LOOKUP)
    BIT_OP = 4,        // BitUnary / BitBinary value
    NEG_A = 5,         // a is negated (BIT_BINARY)
    NEG_B = 6,         // b is negated (BIT_BINARY)
    CONSTANT = 7,      // the constant, in steps of the op's type (ADD_CONST, CONST)
};

inline constexpr std::array<std::string_view, 8> kFieldNames{"shift",  "cond",  "table", "table_offset",
                                                             "bit_op", "neg_a", "neg_b", "constant"};

// Where a field sits: `width` bits from bit `bit` of data, read as a signed or unsigned integer.
struct FieldSpec {
    Field field;
    int8_t bit;
    int8_t width;
    bool is_signed;
};

inline constexpr FieldSpec kLoField(Field f) { return {f, 0, 32, true}; }
inline constexpr FieldSpec kHiField(Field f) { return {f, 32, 32, true}; }
inline constexpr FieldSpec kDataField(Field f) { return {f, 0, 64, true}; }

// The value of a field of `data`.
inline constexpr int64_t field_value(int64_t data, const FieldSpec &s) {
    const uint64_t u = static_cast<uint64_t>(data) >> s.bit;
    if (s.width >= 64) return static_cast<int64_t>(u);
    const uint64_t mask = (uint64_t{1} << s.width) - 1, v = u & mask;
    if (s.is_signed && (v >> (s.width - 1)) & 1) return static_cast<int64_t>(v | ~mask);
    return static_cast<int64_t>(v);
}

// Which earlier ops an opcode reads (bit set): id0 as `a`, id1 as `b`, the field COND as the condition.
enum OperandFlag : uint8_t { kReadsA = 1, kReadsB = 2, kReadsCond = 4 };

inline constexpr int kMaxFields = 4;

struct OpcodeInfo {
    Opcode opcode;
    std::string_view name;
    int min_spec_version;  // first binary spec version that may use it
    Opcode family;         // the operation without its negation: SUB -> ADD, NEG_RELU -> RELU, ...
    uint8_t operands;      // OperandFlag bits (INPUT's id0 is an input index, not an op)
    bool neg_a;            // a is always negated (NEG_RELU, NEG_QUANTIZE, NEG_BIT_UNARY)
    bool neg_b;            // b is always negated (SUB, NEG_MUX)
    uint8_t n_fields;
    std::array<FieldSpec, kMaxFields> fields;
};

namespace detail {
inline constexpr uint8_t kA = kReadsA, kAB = kReadsA | kReadsB, kMux = kReadsA | kReadsB | kReadsCond;
inline constexpr std::array<FieldSpec, kMaxFields> kNoFields{};
inline constexpr std::array<FieldSpec, kMaxFields> kShiftFields{kLoField(Field::SHIFT)};
inline constexpr std::array<FieldSpec, kMaxFields> kConstFields{kDataField(Field::CONSTANT)};
inline constexpr std::array<FieldSpec, kMaxFields> kMuxFields{kLoField(Field::COND), kHiField(Field::SHIFT)};
inline constexpr std::array<FieldSpec, kMaxFields> kLookupFields{kLoField(Field::TABLE), kHiField(Field::TABLE_OFFSET)};
inline constexpr std::array<FieldSpec, kMaxFields> kBitUnaryFields{kLoField(Field::BIT_OP)};
// hi: bit 0 negates a, bit 1 negates b, bits 24..31 (hi >> 24) the operation; bits 2..23 are reserved (0).
inline constexpr std::array<FieldSpec, kMaxFields> kBitBinaryFields{
    kLoField(Field::SHIFT), FieldSpec{Field::NEG_A, 32, 1, false}, FieldSpec{Field::NEG_B, 33, 1, false},
    FieldSpec{Field::BIT_OP, 56, 8, true}};
}  // namespace detail

inline constexpr std::array<OpcodeInfo, 16> kOpcodes{{
    {Opcode::INPUT, "INPUT", 0, Opcode::INPUT, 0, false, false, 0, detail::kNoFields},
    {Opcode::ADD, "ADD", 0, Opcode::ADD, detail::kAB, false, false, 1, detail::kShiftFields},
    {Opcode::SUB, "SUB", 0, Opcode::ADD, detail::kAB, false, true, 1, detail::kShiftFields},
    {Opcode::RELU, "RELU", 0, Opcode::RELU, detail::kA, false, false, 0, detail::kNoFields},
    {Opcode::NEG_RELU, "NEG_RELU", 0, Opcode::RELU, detail::kA, true, false, 0, detail::kNoFields},
    {Opcode::QUANTIZE, "QUANTIZE", 0, Opcode::QUANTIZE, detail::kA, false, false, 0, detail::kNoFields},
    {Opcode::NEG_QUANTIZE, "NEG_QUANTIZE", 0, Opcode::QUANTIZE, detail::kA, true, false, 0, detail::kNoFields},
    {Opcode::ADD_CONST, "ADD_CONST", 0, Opcode::ADD_CONST, detail::kA, false, false, 1, detail::kConstFields},
    {Opcode::CONST, "CONST", 0, Opcode::CONST, 0, false, false, 1, detail::kConstFields},
    {Opcode::MUX, "MUX", 0, Opcode::MUX, detail::kMux, false, false, 2, detail::kMuxFields},
    {Opcode::NEG_MUX, "NEG_MUX", 0, Opcode::MUX, detail::kMux, false, true, 2, detail::kMuxFields},
    {Opcode::MUL, "MUL", 0, Opcode::MUL, detail::kAB, false, false, 0, detail::kNoFields},
    {Opcode::LOOKUP, "LOOKUP", 0, Opcode::LOOKUP, detail::kA, false, false, 2, detail::kLookupFields},
    {Opcode::BIT_UNARY, "BIT_UNARY", 1, Opcode::BIT_UNARY, detail::kA, false, false, 1, detail::kBitUnaryFields},
    {Opcode::NEG_BIT_UNARY, "NEG_BIT_UNARY", 1, Opcode::BIT_UNARY, detail::kA, true, false, 1, detail::kBitUnaryFields},
    {Opcode::BIT_BINARY, "BIT_BINARY", 1, Opcode::BIT_BINARY, detail::kAB, false, false, 4, detail::kBitBinaryFields},
}};

// The table entry of an opcode, or nullptr for an unknown value.
inline constexpr const OpcodeInfo *find_opcode(int32_t opcode) {
    for (const auto &info : kOpcodes)
        if (static_cast<int32_t>(info.opcode) == opcode) return &info;
    return nullptr;
}

// Where `field` sits in the data of `info`'s ops, or nullptr if that opcode has no such field.
inline constexpr const FieldSpec *find_field(const OpcodeInfo &info, Field field) {
    for (int j = 0; j < info.n_fields; ++j)
        if (info.fields[j].field == field) return &info.fields[j];
    return nullptr;
}

// The data bits that `info`'s fields cover (the others are reserved).
inline constexpr uint64_t fields_mask(const OpcodeInfo &info) {
    uint64_t m = 0;
    for (int j = 0; j < info.n_fields; ++j) {
        const FieldSpec &s = info.fields[j];
        m |= (s.width >= 64 ? ~uint64_t{0} : (uint64_t{1} << s.width) - 1) << s.bit;
    }
    return m;
}

// Binary format: spec versions this build reads, and the one it writes.
inline constexpr int32_t kSpecVersionWritten = 1;
inline constexpr int32_t kSpecVersionMinRead = 0;
inline constexpr int32_t kSpecVersionMaxRead = 1;
inline constexpr int kWordsPerOp = 8;

// Values (and aligned intermediates) are held in int64: anything wider than this is refused.  The one
// width limit of the project (the CMVM optimizer and the Python package use this constant).
inline constexpr int kMaxValueBits = 62;

// An output is a float64 buf * 2**(out_shift - f): its magnitude stays below 2**kMaxOutputExponent (so its
// most negative value is finite) and its step at or above 2**kMinOutputExponent (the smallest subnormal).
inline constexpr int kMaxOutputExponent = 1023;
inline constexpr int kMinOutputExponent = -1074;

}  // namespace da4ml::dais
