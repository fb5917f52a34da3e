// Bit-exact DAIS interpreter: decoding (constructor) and block-wise evaluation (run).
#include "interpreter.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include "range.hpp"

namespace da4ml::dais {

struct Interpreter::Failure {
    size_t sample = std::numeric_limits<size_t>::max();  // first failing sample (min over threads wins)
    bool input = false;                                  // InputError rather than ProgramError
    std::string message;
};

namespace {

using u64 = uint64_t;
constexpr u64 kSign = u64{1} << 63;

// Arithmetic right shift on the two's-complement word, spelled with logical shifts so that it vectorizes
// without AVX-512 (s in [0, 63]).
inline u64 sra(u64 x, int s) { return ((x ^ kSign) >> s) - (kSign >> s); }
inline u64 wrap(u64 v, u64 mask, u64 bias) { return ((v + bias) & mask) - bias; }

int32_t clamp_shift(int64_t s) { return static_cast<int32_t>(std::clamp<int64_t>(s, 0, 63)); }

// rescale(v, from, to) as a left shift then an arithmetic right shift, one of them zero.  Clamping at 63
// is exact: a value shifted left by >= 63 is either proven zero by the reader or wrapped into <= 62 bits
// right after (so it is 0 either way); a right shift by >= 63 leaves only the sign, as 63 does.
void set_rescale(int64_t from, int64_t to, int32_t &left, int32_t &right) {
    left = clamp_shift(to - from);
    right = clamp_shift(from - to);
}

Range rescale_range(const Range &r, int64_t from, int64_t to) {
    if (r.lo == 0 && r.hi == 0) return r;
    if (to >= from) return shl(r, static_cast<int>(to - from));  // proven <= 62 bits by the reader
    const int s = static_cast<int>(std::min<int64_t>(from - to, 126));
    return {r.lo >> s, r.hi >> s};
}

bool inside(const Range &r, const Type &t) {
    const Range tr = type_range(t);
    return r.lo >= tr.lo && r.hi <= tr.hi;
}

u64 low_mask(int64_t w) { return w <= 0 ? 0 : (u64{1} << w) - 1; }

// floor(x * 2**s) wrapped into a w-bit type (mask/bias), for finite x.  Exact for every double.
// scale is 2**s when s is in the normal exponent range, else 0.
u64 quantize_input(double x, int64_t s, double scale, int64_t w, u64 mask, u64 bias) {
    if (scale != 0.0) {
        const double y = x * scale;  // exact when |y| >= 2**-1022
        if (std::fabs(y) < 0x1p62) {
            const int64_t v = std::fabs(y) >= 1.0 ? static_cast<int64_t>(std::floor(y)) : (x < 0 ? -1 : 0);
            return wrap(static_cast<u64>(v), mask, bias);
        }
    }
    // floor(x * 2**s) mod 2**w == floor((x mod 2**(w - s)) * 2**s); fmod is exact.
    const int64_t e = w - s;
    double r;
    if (e > 1023)
        r = x;  // |x| < 2**1024 <= 2**e
    else if (e < -1074)
        r = 0.0;  // every double is a multiple of 2**-1074
    else
        r = std::fmod(x, std::ldexp(1.0, static_cast<int>(e)));
    const double y = std::ldexp(r, static_cast<int>(std::clamp<int64_t>(s, -4000, 4000)));  // |y| < 2**w
    const int64_t v = std::fabs(y) >= 1.0 ? static_cast<int64_t>(std::floor(y)) : (r < 0 ? -1 : 0);
    return wrap(static_cast<u64>(v), mask, bias);
}

std::string kif_str(const Type &t) {
    std::ostringstream s;
    s << "(k=" << t.k << ", i=" << t.i << ", f=" << t.f << ")";
    return s.str();
}

// ---- kernels: one op over n samples --------------------------------------------------------------------
using D = Interpreter::Decoded;
using Kind = Interpreter::Kind;

template <bool Check>
u64 k_addsub(const D &d, const u64 *__restrict a, const u64 *__restrict b, u64 *__restrict o, size_t n) {
    const int sa = d.sa, sb = d.sb, rl = d.rl, rr = d.rr;
    const u64 nb = d.neg_b, cm = d.chk_mask, cb = d.chk_bias;
    u64 err = 0;
    for (size_t j = 0; j < n; ++j) {
        const u64 v = sra(((a[j] << sa) + (((b[j] << sb) ^ nb) - nb)) << rl, rr);
        o[j] = v;
        if (Check) err |= (v + cb) & cm;
    }
    return err;
}

void k_quantize(const D &d, const u64 *__restrict a, u64 *__restrict o, size_t n, bool relu) {
    const int rl = d.rl, rr = d.rr;
    const u64 na = d.neg_a, wm = d.wrap_mask, wb = d.wrap_bias;
    if (relu) {
        for (size_t j = 0; j < n; ++j) {
            const u64 s = (a[j] ^ na) - na;
            o[j] = wrap(sra(s << rl, rr), wm, wb) & ((s >> 63) - 1);  // 0 where s < 0
        }
    } else {
        for (size_t j = 0; j < n; ++j) o[j] = wrap(sra(((a[j] ^ na) - na) << rl, rr), wm, wb);
    }
}

template <bool Check>
u64 k_addconst(const D &d, const u64 *__restrict a, u64 *__restrict o, size_t n) {
    const int rl = d.rl, rr = d.rr;
    const u64 k = d.konst, cm = d.chk_mask, cb = d.chk_bias;
    u64 err = 0;
    for (size_t j = 0; j < n; ++j) {
        const u64 v = sra(a[j] << rl, rr) + k;
        o[j] = v;
        if (Check) err |= (v + cb) & cm;
    }
    return err;
}

void k_mux(const D &d, const u64 *__restrict a, const u64 *__restrict b, const u64 *__restrict c, u64 *__restrict o,
           size_t n) {
    const int rl = d.rl, rr = d.rr, bl = d.bl, br = d.br, msb = d.msb;
    const u64 nb = d.neg_b, wm = d.wrap_mask, wb = d.wrap_bias;
    for (size_t j = 0; j < n; ++j) {
        const u64 m = u64{0} - ((c[j] >> msb) & 1);
        const u64 x = wrap(sra(a[j] << rl, rr), wm, wb);
        const u64 y = wrap(sra(((b[j] ^ nb) - nb) << bl, br), wm, wb);
        o[j] = (x & m) | (y & ~m);
    }
}

template <bool Check>
u64 k_mul(const D &d, const u64 *__restrict a, const u64 *__restrict b, u64 *__restrict o, size_t n) {
    const int rl = d.rl, rr = d.rr;
    const u64 cm = d.chk_mask, cb = d.chk_bias;
    u64 err = 0;
    for (size_t j = 0; j < n; ++j) {
        const u64 v = sra((a[j] * b[j]) << rl, rr);
        o[j] = v;
        if (Check) err |= (v + cb) & cm;
    }
    return err;
}

template <bool Check, int Which>  // 0 AND, 1 OR, 2 XOR
u64 k_bitbin(const D &d, const u64 *__restrict a, const u64 *__restrict b, u64 *__restrict o, size_t n) {
    const int sa = d.sa, sb = d.sb, rl = d.rl, rr = d.rr;
    const u64 na = d.neg_a, nb = d.neg_b, cm = d.chk_mask, cb = d.chk_bias;
    u64 err = 0;
    for (size_t j = 0; j < n; ++j) {
        const u64 p = ((a[j] ^ na) - na) << sa;
        const u64 q = ((b[j] ^ nb) - nb) << sb;
        const u64 r = Which == 0 ? (p & q) : Which == 1 ? (p | q) : (p ^ q);
        const u64 v = sra(r << rl, rr);
        o[j] = v;
        if (Check) err |= (v + cb) & cm;
    }
    return err;
}

template <bool Check, int Which>  // 0 NOT, 1 OR-reduce, 2 AND-reduce
u64 k_bitun(const D &d, const u64 *__restrict a, u64 *__restrict o, size_t n) {
    const u64 na = d.neg_a, k = d.konst, cm = d.chk_mask, cb = d.chk_bias;
    u64 err = 0;
    for (size_t j = 0; j < n; ++j) {
        const u64 s = (a[j] ^ na) - na;
        const u64 v = Which == 0 ? (~s & k) : Which == 1 ? u64{s != 0} : u64{(s & k) == k};
        o[j] = v;
        if (Check) err |= (v + cb) & cm;
    }
    return err;
}

template <bool Check>
u64 dispatch_checked(const D &d, const u64 *a, const u64 *b, u64 *o, size_t n) {
    switch (d.kind) {
        case Kind::AddSub:
            return k_addsub<Check>(d, a, b, o, n);
        case Kind::AddConst:
            return k_addconst<Check>(d, a, o, n);
        case Kind::Mul:
            return k_mul<Check>(d, a, b, o, n);
        case Kind::BitAnd:
            return k_bitbin<Check, 0>(d, a, b, o, n);
        case Kind::BitOr:
            return k_bitbin<Check, 1>(d, a, b, o, n);
        case Kind::BitXor:
            return k_bitbin<Check, 2>(d, a, b, o, n);
        case Kind::BitNot:
            return k_bitun<Check, 0>(d, a, o, n);
        case Kind::BitAny:
            return k_bitun<Check, 1>(d, a, o, n);
        case Kind::BitAll:
            return k_bitun<Check, 2>(d, a, o, n);
        default:
            return 0;
    }
}

}  // namespace

Interpreter::Interpreter(Program program) : program_(std::move(program)) {
    validate(program_);
    const auto &ops = program_.ops;
    const size_t n = ops.size();

    // Liveness: an op's slot is reused once its last reader has run; outputs live to the end.
    auto operands = [&](size_t t) {
        const Op &op = ops[t];
        std::vector<int32_t> ids;
        if (op.opcode != static_cast<int32_t>(Opcode::INPUT) && op.id0 >= 0) ids.push_back(op.id0);
        if (op.id1 >= 0) ids.push_back(op.id1);
        if (op.reads(kReadsCond)) ids.push_back(static_cast<int32_t>(op.field(Field::COND)));
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        return ids;
    };
    std::vector<int64_t> last(n, -1);
    for (size_t t = 0; t < n; ++t)
        for (int32_t id : operands(t)) last[id] = static_cast<int64_t>(t);
    for (int32_t o : program_.out_idxs)
        if (o >= 0) last[o] = static_cast<int64_t>(n);
    std::vector<int32_t> slot(n, -1), free_slots;
    for (size_t t = 0; t < n; ++t) {
        if (free_slots.empty()) {
            slot[t] = static_cast<int32_t>(n_slots_++);
        } else {
            slot[t] = free_slots.back();
            free_slots.pop_back();
        }
        for (int32_t id : operands(t))
            if (last[id] == static_cast<int64_t>(t)) free_slots.push_back(slot[id]);
        if (last[t] < 0) free_slots.push_back(slot[t]);  // dead: computed, never read
    }

    for (const auto &table : program_.lookup_tables) tables_.emplace_back(table.begin(), table.end());

    ops_.resize(n);
    std::vector<bool> used(program_.n_in, false);
    for (size_t t = 0; t < n; ++t) {
        const Op &op = ops[t];
        D &d = ops_[t];
        const Type &T = op.type;
        const Type *A = op.id0 >= 0 && op.opcode != static_cast<int32_t>(Opcode::INPUT) ? &ops[op.id0].type : nullptr;
        const Type *B = op.id1 >= 0 ? &ops[op.id1].type : nullptr;
        const int64_t w = T.width();
        d.out = slot[t];
        d.a = A ? slot[op.id0] : 0;
        d.b = B ? slot[op.id1] : 0;
        d.wrap_mask = low_mask(w);
        d.wrap_bias = (T.k && w > 0) ? u64{1} << (w - 1) : 0;
        d.chk_mask = ~d.wrap_mask;
        d.chk_bias = d.wrap_bias;
        Range result{0, 0};  // range of the result from the operands' types, for ops that do not wrap
        bool may_overflow = false;
        switch (static_cast<Opcode>(op.opcode)) {
            case Opcode::INPUT:
                d.kind = Kind::Input;
                d.index = op.id0;
                d.inp_shift = int64_t{program_.inp_shifts[op.id0]} + T.f;
                d.width = w;
                used[op.id0] = true;
                break;
            case Opcode::ADD:
            case Opcode::SUB: {
                d.kind = Kind::AddSub;
                const int64_t shift = op.field(Field::SHIFT);
                const int64_t F = std::max<int64_t>(A->f, int64_t{B->f} - shift);
                d.sa = clamp_shift(F - A->f);
                d.sb = clamp_shift(F - B->f + shift);
                d.neg_b = find_opcode(op.opcode)->neg_b ? ~u64{0} : 0;
                set_rescale(F, T.f, d.rl, d.rr);
                Range ra = rescale_range(type_range(*A), A->f, F);
                Range rb = rescale_range(type_range(*B), B->f - shift, F);
                result = rescale_range(add(ra, d.neg_b ? neg(rb) : rb), F, T.f);
                may_overflow = true;
                break;
            }
            case Opcode::RELU:
            case Opcode::NEG_RELU:
            case Opcode::QUANTIZE:
            case Opcode::NEG_QUANTIZE:
                d.kind = (op.opcode == static_cast<int32_t>(Opcode::RELU) ||
                          op.opcode == static_cast<int32_t>(Opcode::NEG_RELU))
                             ? Kind::Relu
                             : Kind::Quantize;
                d.neg_a = find_opcode(op.opcode)->neg_a ? ~u64{0} : 0;
                set_rescale(A->f, T.f, d.rl, d.rr);
                break;
            case Opcode::ADD_CONST: {
                d.kind = Kind::AddConst;
                const int64_t c = op.field(Field::CONSTANT);
                d.konst = static_cast<u64>(c);
                set_rescale(A->f, T.f, d.rl, d.rr);
                result = add(rescale_range(type_range(*A), A->f, T.f), Range{c, c});
                may_overflow = true;
                break;
            }
            case Opcode::CONST:
                d.kind = Kind::Const;
                d.konst = static_cast<u64>(op.field(Field::CONSTANT));
                break;
            case Opcode::MUX:
            case Opcode::NEG_MUX: {
                d.kind = Kind::Mux;
                const int64_t cond = op.field(Field::COND);
                d.c = slot[cond];
                d.msb = static_cast<int32_t>(std::max<int64_t>(ops[cond].type.width() - 1, 0));
                d.neg_b = find_opcode(op.opcode)->neg_b ? ~u64{0} : 0;
                set_rescale(A->f, T.f, d.rl, d.rr);
                set_rescale(int64_t{B->f} - op.field(Field::SHIFT), T.f, d.bl, d.br);
                break;
            }
            case Opcode::MUL: {
                d.kind = Kind::Mul;
                const int64_t F = int64_t{A->f} + B->f;
                set_rescale(F, T.f, d.rl, d.rr);
                result = rescale_range(mul(type_range(*A), type_range(*B)), F, T.f);
                may_overflow = true;
                break;
            }
            case Opcode::LOOKUP:
                d.kind = Kind::Lookup;
                d.index = static_cast<int32_t>(op.field(Field::TABLE));
                d.konst = static_cast<u64>(type_min(*A) + op.field(Field::TABLE_OFFSET));
                break;
            case Opcode::BIT_UNARY:
            case Opcode::NEG_BIT_UNARY: {
                d.neg_a = find_opcode(op.opcode)->neg_a ? ~u64{0} : 0;
                const u64 m = low_mask(A->width());
                const Range ra = type_range(*A), s = d.neg_a ? neg(ra) : ra;
                const auto which = static_cast<BitUnary>(op.field(Field::BIT_OP));
                if (which == BitUnary::NOT) {
                    d.kind = Kind::BitNot;
                    d.konst = A->k ? ~u64{0} : m;
                    result = A->k ? Range{-s.hi - 1, -s.lo - 1} : Range{0, static_cast<i128>(m)};
                } else {
                    d.kind = which == BitUnary::ANY ? Kind::BitAny : Kind::BitAll;
                    d.konst = m;
                    result = Range{0, 1};
                }
                may_overflow = true;
                break;
            }
            case Opcode::BIT_BINARY: {
                const auto which = static_cast<BitBinary>(op.field(Field::BIT_OP));
                const int64_t lo = op.field(Field::SHIFT);
                d.kind = which == BitBinary::AND ? Kind::BitAnd : which == BitBinary::OR ? Kind::BitOr : Kind::BitXor;
                d.neg_a = op.field(Field::NEG_A) ? ~u64{0} : 0;
                d.neg_b = op.field(Field::NEG_B) ? ~u64{0} : 0;
                const int64_t dd = lo + A->f - B->f;
                d.sa = clamp_shift(-dd);
                d.sb = clamp_shift(dd);
                const int64_t F = std::max<int64_t>(A->f, int64_t{B->f} - lo);
                set_rescale(F, T.f, d.rl, d.rr);
                Range p = type_range(*A), q = type_range(*B);
                if (d.neg_a) p = neg(p);
                if (d.neg_b) q = neg(q);
                result =
                    rescale_range(bitwise_bound(rescale_range(p, A->f, F), rescale_range(q, B->f - lo, F)), F, T.f);
                may_overflow = true;
                break;
            }
        }
        d.check = may_overflow && !inside(result, T);
    }
    for (int32_t c = 0; c < program_.n_in; ++c)
        if (used[c]) used_inputs_.push_back(c);

    for (int32_t j = 0; j < program_.n_out; ++j) {
        const int32_t o = program_.out_idxs[j];
        out_slots_.push_back(o >= 0 ? slot[o] : -1);
        const int64_t e = o >= 0 ? int64_t{program_.out_shifts[j]} - ops[o].type.f : 0;
        const bool normal = e >= -1022 && e <= 1023;
        out_scales_.push_back(normal ? std::ldexp(1.0, static_cast<int>(e)) : 0.0);
        out_exps_.push_back(static_cast<int32_t>(std::clamp<int64_t>(e, -4000, 4000)));
    }
}

bool Interpreter::run_block(const double *x, double *y, size_t s0, size_t n, uint64_t *buf, Failure &failure) const {
    const size_t n_in = static_cast<size_t>(program_.n_in), n_out = static_cast<size_t>(program_.n_out);
    auto row = [&](int32_t s) { return buf + static_cast<size_t>(s) * kBlock; };
    const double *xb = x + s0 * n_in;
    for (size_t j = 0; j < n; ++j)
        for (int32_t c : used_inputs_)
            if (!std::isfinite(xb[j * n_in + c])) {
                std::ostringstream msg;
                msg << "input x[" << s0 + j << ", " << c << "] is " << xb[j * n_in + c]
                    << ": inputs must be finite numbers";
                failure = Failure{s0 + j, true, msg.str()};
                return false;
            }
    for (size_t t = 0; t < ops_.size(); ++t) {
        const D &d = ops_[t];
        u64 *o = row(d.out);
        const u64 *a = row(d.a), *b = row(d.b);
        u64 err = 0;
        switch (d.kind) {
            case Kind::Input: {
                const int64_t s = d.inp_shift, w = d.width;
                const u64 wm = d.wrap_mask, wb = d.wrap_bias;
                const double scale = s >= -1022 && s <= 1023 ? std::ldexp(1.0, static_cast<int>(s)) : 0.0;
                const double *xc = xb + d.index;
                for (size_t j = 0; j < n; ++j) o[j] = quantize_input(xc[j * n_in], s, scale, w, wm, wb);
                break;
            }
            case Kind::Relu:
                k_quantize(d, a, o, n, true);
                break;
            case Kind::Quantize:
                k_quantize(d, a, o, n, false);
                break;
            case Kind::Const:
                std::fill(o, o + n, d.konst);
                break;
            case Kind::Mux:
                k_mux(d, a, b, row(d.c), o, n);
                break;
            case Kind::Lookup: {
                const int64_t *table = tables_[d.index].data();
                const u64 base = d.konst;
                for (size_t j = 0; j < n; ++j) o[j] = static_cast<u64>(table[a[j] - base]);
                break;
            }
            default:
                err = d.check ? dispatch_checked<true>(d, a, b, o, n) : dispatch_checked<false>(d, a, b, o, n);
        }
        if (err != 0) {
            const Op &op = program_.ops[t];
            size_t j = 0;
            while (j < n && ((o[j] + d.chk_bias) & d.chk_mask) == 0) ++j;
            const Range r = type_range(op.type);
            std::ostringstream msg;
            msg << "op " << t << " (" << opcode_name(op.opcode) << "): at sample " << s0 + j << " the result "
                << static_cast<int64_t>(o[j]) << " does not fit the op's type " << kif_str(op.type) << " range ["
                << to_string(r.lo) << ", " << to_string(r.hi)
                << "]: the program's types are inconsistent (a malformed binary or a tracer bug)";
            failure = Failure{s0 + j, false, msg.str()};
            return false;
        }
    }
    for (size_t k = 0; k < n_out; ++k) {
        double *yk = y + s0 * n_out + k;
        const int32_t sl = out_slots_[k];
        if (sl < 0) {
            for (size_t j = 0; j < n; ++j) yk[j * n_out] = 0.0;
            continue;
        }
        const u64 *v = row(sl);
        const u64 neg = program_.out_negs[k] ? ~u64{0} : 0;
        const double scale = out_scales_[k];
        const int e = out_exps_[k];
        for (size_t j = 0; j < n; ++j) {
            const double value = static_cast<double>(static_cast<int64_t>((v[j] ^ neg) - neg));
            yk[j * n_out] = scale != 0.0 ? value * scale : std::ldexp(value, e);
        }
    }
    return true;
}

void Interpreter::run(const double *x, double *y, size_t n_samples, int n_threads) const {
    if (n_samples == 0) return;
    size_t threads = n_threads > 0 ? static_cast<size_t>(n_threads) : std::max(1u, std::thread::hardware_concurrency());
    const size_t n_blocks = (n_samples + kBlock - 1) / kBlock;
    threads = std::min(threads, n_blocks);
    // Threads take blocks from a shared counter (balanced even when the machine is busy).  After a failure, blocks
    // past the failing one are skipped but every earlier block still runs, so the error reported (the one at the
    // smallest sample) does not depend on the number of threads or on scheduling.
    std::atomic<size_t> next_block{0};
    std::atomic<size_t> failed_block{std::numeric_limits<size_t>::max()};
    std::vector<Failure> failures(threads);
    auto work = [&](size_t k) {
        std::vector<u64> buf(std::max<size_t>(n_slots_, 1) * kBlock);
        for (size_t blk; (blk = next_block.fetch_add(1, std::memory_order_relaxed)) < n_blocks;) {
            if (blk > failed_block.load(std::memory_order_relaxed)) continue;
            const size_t s0 = blk * kBlock;
            Failure f;
            if (run_block(x, y, s0, std::min(kBlock, n_samples - s0), buf.data(), f)) continue;
            if (f.sample < failures[k].sample) failures[k] = std::move(f);
            size_t seen = failed_block.load(std::memory_order_relaxed);
            while (blk < seen && !failed_block.compare_exchange_weak(seen, blk, std::memory_order_relaxed)) {
            }
        }
    };
    auto guarded = [&](size_t k) {
        try {
            work(k);
        } catch (const std::exception &e) {  // e.g. std::bad_alloc: report it, never terminate
            failures[k] = Failure{0, false, std::string("interpreter thread failed: ") + e.what()};
        }
    };
    std::vector<std::thread> pool;
    for (size_t k = 1; k < threads; ++k) pool.emplace_back(guarded, k);
    guarded(0);
    for (auto &th : pool) th.join();
    const Failure *first = nullptr;
    for (const auto &f : failures)
        if (!f.message.empty() && (!first || f.sample < first->sample)) first = &f;
    if (first) {
        if (first->input) throw InputError(first->message);
        throw ProgramError(first->message);
    }
}

}  // namespace da4ml::dais
