// Bit-exact DAIS interpreter (semantics: shared/spec/dais.md).
//
// The program is decoded once into a flat array of ops whose shift amounts, masks and buffer slots are
// precomputed.  run() evaluates one op at a time over a block of samples (tight loops the compiler
// vectorizes); threads take blocks of samples from a shared counter.  Values are held as 64-bit two's-complement
// words (uint64_t arithmetic: no signed overflow, every shift amount in [0, 63]).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "program.hpp"

namespace da4ml::dais {

class Interpreter {
   public:
    // Samples evaluated together by one op's inner loop.
    static constexpr size_t kBlock = 256;

    // The program must come from parse_binary() or have passed validate(); the constructor validates again.
    explicit Interpreter(Program program);

    const Program &program() const { return program_; }
    int32_t n_in() const { return program_.n_in; }
    int32_t n_out() const { return program_.n_out; }
    size_t n_ops() const { return program_.ops.size(); }
    // Buffer slots needed per sample after liveness-based reuse (for diagnostics).
    size_t n_slots() const { return n_slots_; }

    // x: n_samples rows of n_in doubles; y: n_samples rows of n_out doubles.  n_threads <= 0 means one per
    // hardware thread.  Throws InputError on a non-finite input value (naming sample and column) and
    // ProgramError if a value does not fit the type its op declares (a malformed program); y is then
    // unspecified.  Results do not depend on n_threads.
    void run(const double *x, double *y, size_t n_samples, int n_threads = 0) const;

    // One op, ready to run: what to compute and every shift / mask it needs.
    enum class Kind : uint8_t {
        Input,
        AddSub,
        Relu,
        Quantize,
        AddConst,
        Const,
        Mux,
        Mul,
        Lookup,
        BitNot,
        BitAny,
        BitAll,
        BitAnd,
        BitOr,
        BitXor,
    };
    struct Decoded {
        Kind kind = Kind::Const;
        bool check = false;                     // result not provably inside T: check every value at run time
        int32_t out = 0;                        // slot written
        int32_t a = 0, b = 0, c = 0;            // slots read (operand a, operand b, mux condition)
        int32_t index = 0;                      // INPUT: input column; LOOKUP: table
        int32_t sa = 0, sb = 0;                 // left shifts aligning a and b (all shifts in [0, 63])
        int32_t rl = 0, rr = 0;                 // result rescale: left then arithmetic right shift
        int32_t bl = 0, br = 0;                 // MUX: rescale of the second branch
        int32_t msb = 0;                        // MUX: bit of the condition holding its msb
        uint64_t neg_a = 0, neg_b = 0;          // all-ones to negate (x ^ n) - n
        uint64_t wrap_mask = 0, wrap_bias = 0;  // wrap(v) = ((v + bias) & mask) - bias
        uint64_t chk_mask = 0, chk_bias = 0;    // v fits T iff ((v + bias) & mask) == 0
        uint64_t konst = 0;     // ADD_CONST/CONST: data; LOOKUP: a_min + hi; BIT_UNARY: mask m or NOT mask
        int64_t inp_shift = 0;  // INPUT: inp_shift + T.f
        int64_t width = 0;      // INPUT: T's width
    };
    struct Failure;  // a run-time error found by one thread

   private:
    // One block of n <= kBlock samples from sample s0, in buf (n_slots * kBlock words).  False on a failure.
    bool run_block(const double *x, double *y, size_t s0, size_t n, uint64_t *buf, Failure &failure) const;

    Program program_;
    std::vector<Decoded> ops_;
    std::vector<std::vector<int64_t>> tables_;
    std::vector<int32_t> used_inputs_;  // input columns some INPUT op reads
    std::vector<int32_t> out_slots_;    // slot of each output's op, -1 for a constant 0
    std::vector<double> out_scales_;    // 2**(out_shift - f_o), or 0 when out of the normal range
    std::vector<int32_t> out_exps_;     // the exponent, clamped, used when out_scales_ is 0
    size_t n_slots_ = 0;
};

}  // namespace da4ml::dais
