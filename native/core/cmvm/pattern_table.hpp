// Occurrence counts of two-term patterns: a small open-addressing hash map (uint64 key -> int32 count).
#pragma once
#include <cstdint>
#include <vector>

namespace da4ml::cmvm {

class PatternCounts {
   public:
    static constexpr uint64_t kEmpty = ~0ull;
    PatternCounts() { rehash(16); }  // grown by reserve() or on demand: tiny stages copy little
    int32_t get(uint64_t key) const {
        const Slot &sl = slots_[find(key)];
        return sl.key == key ? sl.val : 0;
    }
    // Adds d and returns the new count.
    int32_t add(uint64_t key, int32_t d) {
        size_t i = find(key);
        if (slots_[i].key != key) {
            if ((used_ + 1) * 2 > slots_.size()) {
                rehash(slots_.size() * 2);
                i = find(key);
            }
            slots_[i] = Slot{key, 0};
            ++used_;
        }
        return slots_[i].val += d;
    }

    // Room for n keys without growing (one allocation instead of repeated doubling).
    void reserve(size_t n) {
        size_t cap = slots_.size();
        while (cap < 2 * n + 2) cap *= 2;
        if (cap > slots_.size()) rehash(cap);
    }

    template <class F>
    void for_each(F &&f) const {
        for (const Slot &sl : slots_)
            if (sl.key != kEmpty && sl.val != 0) f(sl.key, sl.val);
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
    // Key and count side by side: a look-up touches one cache line.
    struct Slot {
        uint64_t key;
        int32_t val;
    };
    size_t find(uint64_t key) const {
        size_t mask = slots_.size() - 1, i = mix(key) & mask;
        while (slots_[i].key != key && slots_[i].key != kEmpty) i = (i + 1) & mask;
        return i;
    }
    void rehash(size_t cap) {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(cap, Slot{kEmpty, 0});
        used_ = 0;
        for (const Slot &sl : old)
            if (sl.key != kEmpty && sl.val != 0) {
                slots_[find(sl.key)] = sl;
                ++used_;
            }
    }
    std::vector<Slot> slots_;
    size_t used_ = 0;
};

}  // namespace da4ml::cmvm
