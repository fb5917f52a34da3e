// Fuzz harness for the DAIS reader and interpreter.
//
// libFuzzer:   clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -DDA4ML_LIBFUZZER
//                -Inative/core native/tools/dais_fuzz.cpp native/core/dais/*.cpp -o dais_fuzz
// Replay:      g++ -std=c++17 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -Inative/core
//                native/tools/dais_fuzz.cpp native/core/dais/*.cpp -o dais_fuzz -lpthread
//              (or CMake with -DDA4ML_BUILD_NATIVE_TOOLS=ON), then: dais_fuzz FILE...
//              Each file is a binary of little-endian int32 words; a corpus of mutations comes from
//              DAIS_FUZZ_DUMP=DIR python tests/_fuzz_worker.py SEED COUNT BASE.bin...
// Any input must either be rejected with ProgramError or run; anything else (a crash, a sanitizer report, another
// exception) is a bug.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "dais/interpreter.hpp"
#include "dais/program.hpp"

using namespace da4ml::dais;

namespace {

// Deterministic inputs derived from the binary itself: small, large, fractional and negative values.
std::vector<double> inputs_for(const uint8_t *data, size_t size, size_t n_samples, size_t n_in) {
    std::vector<double> x(n_samples * n_in);
    uint64_t h = 1469598103934665603ull;
    for (size_t j = 0; j < size; ++j) h = (h ^ data[j]) * 1099511628211ull;
    for (auto &v : x) {
        h = h * 6364136223846793005ull + 1442695040888963407ull;
        const int64_t m = static_cast<int64_t>(h >> 11) - (int64_t{1} << 52);
        v = std::ldexp(static_cast<double>(m), static_cast<int>((h >> 3) % 80) - 60);
    }
    return x;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::vector<int32_t> words(size / 4);
    if (!words.empty()) std::memcpy(words.data(), data, words.size() * 4);
    Program program;
    try {
        program = parse_binary(words.data(), words.size());
    } catch (const ProgramError &) {
        return 0;
    }
    const Interpreter interp(std::move(program));
    const size_t n_samples = 3 + size % 300;
    const auto x = inputs_for(data, size, n_samples, static_cast<size_t>(interp.n_in()));
    std::vector<double> y(n_samples * static_cast<size_t>(interp.n_out()));
    try {
        interp.run(x.data(), y.data(), n_samples, 1 + static_cast<int>(size % 2));
    } catch (const ProgramError &) {
    } catch (const InputError &) {
    }
    return 0;
}

#ifndef DA4ML_LIBFUZZER
int main(int argc, char **argv) {
    for (int j = 1; j < argc; ++j) {
        std::ifstream in(argv[j], std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "cannot read %s\n", argv[j]);
            return 2;
        }
        const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    }
    std::printf("replayed %d inputs\n", argc - 1);
    return 0;
}
#endif
