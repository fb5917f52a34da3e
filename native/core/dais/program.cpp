// Validating reader for DAIS binaries (shared/spec/dais.md, "Binary format" and "A reader validates
// everything before running").
#include "program.hpp"

#include <algorithm>
#include <limits>
#include <sstream>

#include "range.hpp"

namespace da4ml::dais {

std::string opcode_name(int32_t opcode) {
    if (const auto *info = find_opcode(opcode)) return std::string(info->name);
    return "opcode " + std::to_string(opcode);
}

int64_t type_min(const Type &t) { return static_cast<int64_t>(type_range(t).lo); }
int64_t type_max(const Type &t) { return static_cast<int64_t>(type_range(t).hi); }

namespace {

std::string kif_str(const Type &t) {
    std::ostringstream s;
    s << "(k=" << t.k << ", i=" << t.i << ", f=" << t.f << ")";
    return s.str();
}

// Builds "op 17 (ADD): <problem>" errors.
class OpContext {
   public:
    OpContext(size_t t, const Op &op) : t_(t), op_(op) {}
    [[noreturn]] void fail(const std::string &problem) const {
        throw ProgramError("op " + std::to_string(t_) + " (" + opcode_name(op_.opcode) + "): " + problem);
    }
    // An op-index operand: -1 (unused) or an earlier op; `required` operands must be present.
    void check_operand(const char *field, int64_t id, bool required) const {
        const auto t = static_cast<int64_t>(t_);
        if (id < -1 || id >= t)
            fail(std::string("operand ") + field + "=" + std::to_string(id) +
                 " is not an earlier op (must be -1 <= id < " + std::to_string(t) + ")");
        if (required && id == -1)
            fail(std::string("operand ") + field + " is required but is -1 (must be 0 <= id < " + std::to_string(t) +
                 ")");
    }
    // A value or aligned intermediate held in int64: at most kMaxValueBits bits.
    void check_bits(const Range &r, const std::string &what) const {
        const int bits = bits_needed(r);
        if (bits > kMaxValueBits)
            fail(what + " needs " + std::to_string(bits) + " bits (range [" + to_string(r.lo) + ", " + to_string(r.hi) +
                 "]); the interpreter holds values in int64 and accepts at most " + std::to_string(kMaxValueBits) +
                 " bits: narrow the types or split the computation");
    }
    // Shift a non-zero range left by `s` >= 0 bits, refusing results wider than kMaxValueBits.
    Range shl_checked(const Range &r, int64_t s, const std::string &what) const {
        if (r.lo == 0 && r.hi == 0) return r;
        if (s > kMaxValueBits)
            fail(what + " is shifted left by " + std::to_string(s) + " bits: it would need more than " +
                 std::to_string(kMaxValueBits) + " bits");
        Range out = shl(r, static_cast<int>(s));
        check_bits(out, what);
        return out;
    }

   private:
    size_t t_;
    const Op &op_;
};

class Reader {
   public:
    Reader(const int32_t *words, size_t n) : words_(words), n_(n) {}
    size_t remaining() const { return n_ - pos_; }
    int32_t next() { return words_[pos_++]; }
    // Reserve `count` words for `what`, refusing counts the remaining length cannot hold.
    void require(uint64_t count, const std::string &what) const {
        if (count > remaining())
            throw ProgramError("binary too short: " + what + " needs " + std::to_string(count) + " words but only " +
                               std::to_string(remaining()) + " remain (file of " + std::to_string(n_) + " words)");
    }
    std::vector<int32_t> take(uint64_t count, const std::string &what) {
        require(count, what);
        std::vector<int32_t> out(words_ + pos_, words_ + pos_ + count);
        pos_ += count;
        return out;
    }

   private:
    const int32_t *words_;
    size_t n_;
    size_t pos_ = 0;
};

int32_t read_count(Reader &r, const char *name) {
    const int32_t v = r.next();
    if (v < 0) throw ProgramError(std::string("header: ") + name + "=" + std::to_string(v) + " is negative");
    return v;
}

void validate_op(const Program &p, size_t t, std::vector<Range> &table_ranges) {
    const Op &op = p.ops[t];
    const OpContext ctx(t, op);
    const auto *info = find_opcode(op.opcode);
    if (!info) ctx.fail("unknown opcode " + std::to_string(op.opcode));
    if (p.spec_version < info->min_spec_version)
        ctx.fail("opcode " + std::to_string(op.opcode) +
                 " needs spec version >= " + std::to_string(info->min_spec_version) + " but the binary is version " +
                 std::to_string(p.spec_version));
    if (op.type.k != 0 && op.type.k != 1) ctx.fail("signed flag k=" + std::to_string(op.type.k) + " is not 0 or 1");
    if (op.type.width() > kMaxValueBits)
        ctx.fail("type " + kif_str(op.type) + " is " + std::to_string(op.type.width()) +
                 " bits wide; the interpreter holds values in int64 and accepts at most " +
                 std::to_string(kMaxValueBits) + " bits");
    // Every value is a float64 at the interfaces (and in the JSON / Python faces): its step 2**-f and, when it
    // holds more than 0, its magnitude (below 2**i) must be finite, non-zero float64 numbers.
    if (-int64_t{op.type.f} < kMinOutputExponent || -int64_t{op.type.f} > kMaxOutputExponent ||
        (op.type.width() > 0 && op.type.i > kMaxOutputExponent))
        ctx.fail("type " + kif_str(op.type) + " is outside float64: its step 2**-f must lie in [2**" +
                 std::to_string(kMinOutputExponent) + ", 2**" + std::to_string(kMaxOutputExponent) +
                 "] and its magnitude below 2**" + std::to_string(kMaxOutputExponent));

    const auto opc = static_cast<Opcode>(op.opcode);
    const int64_t t64 = static_cast<int64_t>(t);
    const bool need0 = info->operands & kReadsA, need1 = info->operands & kReadsB;
    if (opc == Opcode::INPUT) {
        if (op.id0 < 0 || op.id0 >= p.n_in)
            ctx.fail("input index id0=" + std::to_string(op.id0) +
                     " is out of range (must be 0 <= id0 < n_in=" + std::to_string(p.n_in) + ")");
    } else {
        ctx.check_operand("id0", op.id0, need0);
    }
    ctx.check_operand("id1", op.id1, need1);

    const Type *A = op.id0 >= 0 && opc != Opcode::INPUT ? &p.ops[op.id0].type : nullptr;
    const Type *B = op.id1 >= 0 ? &p.ops[op.id1].type : nullptr;
    const Type &T = op.type;

    switch (opc) {
        case Opcode::ADD:
        case Opcode::SUB: {
            const int64_t shift = op.field(Field::SHIFT);
            const int64_t F = std::max<int64_t>(A->f, int64_t{B->f} - shift);
            const Range a =
                ctx.shl_checked(type_range(*A), F - A->f, "operand a aligned to step 2**-" + std::to_string(F));
            const Range b = ctx.shl_checked(
                type_range(*B), F - B->f + shift,
                "operand b * 2**" + std::to_string(shift) + " aligned to step 2**-" + std::to_string(F));
            const Range s = info->neg_b ? add(a, neg(b)) : add(a, b);
            ctx.check_bits(s, "the exact sum");
            if (T.f > F) ctx.shl_checked(s, int64_t{T.f} - F, "the sum rescaled to f=" + std::to_string(T.f));
            break;
        }
        case Opcode::ADD_CONST: {
            Range a = type_range(*A);
            if (T.f > A->f)
                a = ctx.shl_checked(a, int64_t{T.f} - A->f, "operand a rescaled to f=" + std::to_string(T.f));
            const int64_t c = op.field(Field::CONSTANT);
            ctx.check_bits(add(a, Range{c, c}), "rescaled a + data (data=" + std::to_string(c) + ")");
            break;
        }
        case Opcode::CONST: {
            const Range r = type_range(T);
            const int64_t c = op.field(Field::CONSTANT);
            if (c < r.lo || c > r.hi)
                ctx.fail("constant data=" + std::to_string(c) + " is outside its type " + kif_str(T) + " range [" +
                         to_string(r.lo) + ", " + to_string(r.hi) + "]");
            break;
        }
        case Opcode::MUX:
        case Opcode::NEG_MUX: {
            const int64_t cond = op.field(Field::COND);
            if (cond < 0 || cond >= t64)
                ctx.fail("condition index lo=" + std::to_string(cond) + " is not an earlier op (must be 0 <= lo < " +
                         std::to_string(t64) + ")");
            break;
        }
        case Opcode::MUL: {
            const Range prod = mul(type_range(*A), type_range(*B));
            ctx.check_bits(prod, "the exact product");
            const int64_t F = int64_t{A->f} + B->f;
            if (T.f > F) ctx.shl_checked(prod, int64_t{T.f} - F, "the product rescaled to f=" + std::to_string(T.f));
            break;
        }
        case Opcode::LOOKUP: {
            const int64_t lo = op.field(Field::TABLE), hi = op.field(Field::TABLE_OFFSET);
            if (lo < 0 || lo >= static_cast<int64_t>(p.lookup_tables.size()))
                ctx.fail("table index lo=" + std::to_string(lo) + " does not name a table (the binary has " +
                         std::to_string(p.lookup_tables.size()) + ")");
            const auto size = static_cast<int64_t>(p.lookup_tables[lo].size());
            const Range a = type_range(*A);
            // index = a - a_min - hi over every a of A: [-hi, (a_max - a_min) - hi]
            const i128 first = -i128{hi}, last = a.hi - a.lo - hi;
            if (first < 0 || last >= size)
                ctx.fail("lookup index a - a_min - hi (hi=" + std::to_string(hi) + ") spans [" + to_string(first) +
                         ", " + to_string(last) + "] over the input type " + kif_str(*A) + " but table " +
                         std::to_string(lo) + " has " + std::to_string(size) + " entries");
            const Range tr = table_ranges[lo], r = type_range(T);
            if (size > 0 && (tr.lo < r.lo || tr.hi > r.hi))
                ctx.fail("table " + std::to_string(lo) + " holds values in [" + to_string(tr.lo) + ", " +
                         to_string(tr.hi) + "], outside the op's type " + kif_str(T) + " range [" + to_string(r.lo) +
                         ", " + to_string(r.hi) + "]");
            break;
        }
        case Opcode::BIT_UNARY:
        case Opcode::NEG_BIT_UNARY: {
            const int64_t which = op.field(Field::BIT_OP);
            if (which < 0 || which > 2)
                ctx.fail("bit operation lo=" + std::to_string(which) +
                         " is not 0 (NOT), 1 (OR-reduce) or 2 (AND-reduce)");
            break;
        }
        case Opcode::BIT_BINARY: {
            const int64_t which = op.field(Field::BIT_OP), lo = op.field(Field::SHIFT);
            if (which < 0 || which > 2)
                ctx.fail("bit operation hi>>24=" + std::to_string(which) + " is not 0 (AND), 1 (OR) or 2 (XOR)");
            if ((static_cast<uint64_t>(op.data) & ~fields_mask(*info)) != 0) {
                const auto hi = static_cast<int32_t>(static_cast<uint64_t>(op.data) >> 32);
                ctx.fail("data hi=" + std::to_string(hi) +
                         " has bits set other than bit 0, bit 1 (negations) and bits 24.. (operation)");
            }
            Range pr = type_range(*A), qr = type_range(*B);
            if (op.field(Field::NEG_A)) pr = neg(pr);
            if (op.field(Field::NEG_B)) qr = neg(qr);
            const int64_t d = lo + A->f - B->f;
            if (d > 0) qr = ctx.shl_checked(qr, d, "operand b aligned to a");
            if (d < 0) pr = ctx.shl_checked(pr, -d, "operand a aligned to b");
            ctx.check_bits(pr, "operand a");
            ctx.check_bits(qr, "operand b");
            const Range r = bitwise_bound(pr, qr);
            const int64_t F = std::max<int64_t>(A->f, int64_t{B->f} - lo);
            if (T.f > F) ctx.shl_checked(r, int64_t{T.f} - F, "the result rescaled to f=" + std::to_string(T.f));
            break;
        }
        default:
            break;  // INPUT, RELU, QUANTIZE: wrapped into T, no intermediate to bound
    }
}

}  // namespace

void validate(const Program &p) {
    if (p.spec_version < kSpecVersionMinRead || p.spec_version > kSpecVersionMaxRead)
        throw ProgramError("header: spec_version=" + std::to_string(p.spec_version) +
                           " is not supported (this reader "
                           "accepts " +
                           std::to_string(kSpecVersionMinRead) + " to " + std::to_string(kSpecVersionMaxRead) + ")");
    if (p.n_in < 0 || p.n_out < 0) throw ProgramError("header: negative n_in or n_out");
    if (p.inp_shifts.size() != static_cast<size_t>(p.n_in))
        throw ProgramError("header: inp_shifts has " + std::to_string(p.inp_shifts.size()) +
                           " entries, n_in=" + std::to_string(p.n_in));
    const auto n_out = static_cast<size_t>(p.n_out);
    if (p.out_idxs.size() != n_out || p.out_shifts.size() != n_out || p.out_negs.size() != n_out)
        throw ProgramError("header: out_idxs/out_shifts/out_negs must have n_out=" + std::to_string(n_out) +
                           " entries each");
    if (p.ops.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
        throw ProgramError("header: too many ops");

    std::vector<Range> table_ranges;
    table_ranges.reserve(p.lookup_tables.size());
    for (const auto &table : p.lookup_tables) {
        Range r{0, 0};
        if (!table.empty()) {
            const auto [mn, mx] = std::minmax_element(table.begin(), table.end());
            r = Range{*mn, *mx};
        }
        table_ranges.push_back(r);
    }
    for (size_t t = 0; t < p.ops.size(); ++t) validate_op(p, t, table_ranges);

    const auto n_ops = static_cast<int64_t>(p.ops.size());
    for (size_t j = 0; j < n_out; ++j) {
        const int64_t o = p.out_idxs[j];
        if (o < -1 || o >= n_ops)
            throw ProgramError("output " + std::to_string(j) + ": out_idxs=" + std::to_string(o) +
                               " is not an op (must be -1 <= o < n_ops=" + std::to_string(n_ops) + ")");
        if (o == -1 || p.ops[o].type.width() <= 0) continue;
        // The output is a float64 (buf * 2**(shift - f)): it must be finite and exact down to its step.
        const Type &T = p.ops[o].type;
        const int64_t s = p.out_shifts[j], top = int64_t{T.i} + s, step = s - int64_t{T.f};
        if (top > kMaxOutputExponent || step < kMinOutputExponent)
            throw ProgramError("output " + std::to_string(j) + ": out_shifts=" + std::to_string(s) + " scales op " +
                               std::to_string(o) + " of type " + kif_str(T) + " to values below 2**" +
                               std::to_string(top) + " in steps of 2**" + std::to_string(step) +
                               ", which a float64 output cannot hold (needs 2**" + std::to_string(kMinOutputExponent) +
                               " <= step and magnitude below 2**" + std::to_string(kMaxOutputExponent) + ")");
    }
}

Program parse_binary(const int32_t *words, size_t n_words) {
    if (n_words < 6)
        throw ProgramError("binary too short: " + std::to_string(n_words) +
                           " words, the header alone has 6 (spec_version, firmware_version, n_in, n_out, n_ops, "
                           "n_tables)");
    Reader r(words, n_words);
    Program p;
    p.spec_version = r.next();
    p.firmware_version = r.next();
    if (p.spec_version < kSpecVersionMinRead || p.spec_version > kSpecVersionMaxRead)
        throw ProgramError("header: spec_version=" + std::to_string(p.spec_version) +
                           " is not supported (this reader "
                           "accepts " +
                           std::to_string(kSpecVersionMinRead) + " to " + std::to_string(kSpecVersionMaxRead) + ")");
    p.n_in = read_count(r, "n_in");
    p.n_out = read_count(r, "n_out");
    const int32_t n_ops = read_count(r, "n_ops");
    const int32_t n_tables = read_count(r, "n_tables");

    // Every count is checked against the words that remain before anything is allocated.
    const uint64_t fixed =
        uint64_t(p.n_in) + 3 * uint64_t(p.n_out) + uint64_t(kWordsPerOp) * uint64_t(n_ops) + uint64_t(n_tables);
    r.require(fixed, "the header's counts (n_in=" + std::to_string(p.n_in) + ", n_out=" + std::to_string(p.n_out) +
                         ", n_ops=" + std::to_string(n_ops) + ", n_tables=" + std::to_string(n_tables) + ")");
    p.inp_shifts = r.take(p.n_in, "inp_shifts");
    p.out_idxs = r.take(p.n_out, "out_idxs");
    p.out_shifts = r.take(p.n_out, "out_shifts");
    p.out_negs = r.take(p.n_out, "out_negs");
    p.ops.resize(static_cast<size_t>(n_ops));
    for (auto &op : p.ops) {
        op.opcode = r.next();
        op.id0 = r.next();
        op.id1 = r.next();
        const auto dlo = static_cast<uint32_t>(r.next());
        const auto dhi = static_cast<uint32_t>(r.next());
        op.data = static_cast<int64_t>((uint64_t{dhi} << 32) | dlo);
        op.type.k = r.next();
        op.type.i = r.next();
        op.type.f = r.next();
    }
    const std::vector<int32_t> sizes = r.take(n_tables, "table_sizes");
    uint64_t total = 0;
    for (size_t j = 0; j < sizes.size(); ++j) {
        if (sizes[j] < 0)
            throw ProgramError("table " + std::to_string(j) + ": size " + std::to_string(sizes[j]) + " is negative");
        total += uint64_t(sizes[j]);
    }
    r.require(total, "the lookup tables' entries");
    p.lookup_tables.reserve(sizes.size());
    for (size_t j = 0; j < sizes.size(); ++j) p.lookup_tables.push_back(r.take(sizes[j], "table " + std::to_string(j)));
    if (r.remaining() != 0)
        throw ProgramError("binary has " + std::to_string(r.remaining()) + " trailing words after the last table (" +
                           std::to_string(n_words) + " words in all): the counts in the header do not match the file");
    validate(p);
    return p;
}

}  // namespace da4ml::dais
