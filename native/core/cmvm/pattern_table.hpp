// Occurrence counts of two-term patterns: a small open-addressing hash map (uint64 key -> int32 count).
#pragma once
#include <cstdint>
#include <vector>

namespace da4ml::cmvm {

class PatternCounts {
   public:
    static constexpr uint64_t kEmpty = ~0ull;
    PatternCounts() { rehash(1024); }
    int32_t get(uint64_t key) const {
        size_t i = find(key);
        return keys_[i] == key ? vals_[i] : 0;
    }
    // Adds d and returns the new count.
    int32_t add(uint64_t key, int32_t d) {
        size_t i = find(key);
        if (keys_[i] != key) {
            if ((used_ + 1) * 2 > keys_.size()) {
                rehash(keys_.size() * 2);
                i = find(key);
            }
            keys_[i] = key;
            vals_[i] = 0;
            ++used_;
        }
        vals_[i] += d;
        return vals_[i];
    }

    // Room for n keys without growing (one allocation instead of repeated doubling).
    void reserve(size_t n) {
        size_t cap = keys_.size();
        while (cap < 2 * n + 2) cap *= 2;
        if (cap > keys_.size()) rehash(cap);
    }

    template <class F>
    void for_each(F &&f) const {
        for (size_t i = 0; i < keys_.size(); ++i)
            if (keys_[i] != kEmpty && vals_[i] != 0) f(keys_[i], vals_[i]);
    }

   private:
    static uint64_t mix(uint64_t x) {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdull;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53ull;
        x ^= x >> 33;
        return x;
    }
    size_t find(uint64_t key) const {
        size_t mask = keys_.size() - 1, i = mix(key) & mask;
        while (keys_[i] != key && keys_[i] != kEmpty) i = (i + 1) & mask;
        return i;
    }
    void rehash(size_t cap) {
        std::vector<uint64_t> ok = std::move(keys_);
        std::vector<int32_t> ov = std::move(vals_);
        keys_.assign(cap, kEmpty);
        vals_.assign(cap, 0);
        used_ = 0;
        for (size_t i = 0; i < ok.size(); ++i)
            if (ok[i] != kEmpty && ov[i] != 0) {
                size_t j = find(ok[i]);
                keys_[j] = ok[i];
                vals_[j] = ov[i];
                ++used_;
            }
    }
    std::vector<uint64_t> keys_;
    std::vector<int32_t> vals_;
    size_t used_ = 0;
};

}  // namespace da4ml::cmvm
