// Native twin of bpe/merge.py: the bytes -> rank hash table and the rank-based byte-pair merge.
// No Python types here; bpe/_fast/core.pyx is the only glue. The rule is tiktoken's (see merge.py):
// repeatedly merge the adjacent pair whose concatenation has the lowest rank, leftmost on ties.
//
// Performance notes (why the code looks the way it does):
// - Almost every piece of real text is a whole token, so `find(piece)` comes first and most pieces
//   cost one hash probe. Keys of up to 8 bytes (most tokens) are compared as one 64-bit word, so a
//   hit costs no memcmp; longer keys compare the first word, then the tail.
// - Pieces up to SMALL_PIECE bytes use tiktoken's linear scan over stack arrays: for short pieces a
//   min-scan beats any heap. Longer pieces use a binary heap of (rank, start) with lazy deletion, so
//   one million identical bytes merge in O(n log n) instead of O(n^2).
// - The merge remembers the rank of every merged part (it is the rank of the pair that made it), so
//   the final ids cost no further lookups.
#pragma once
#include <stdint.h>
#include <string.h>

#include <algorithm>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// An empty asm statement in a copy loop keeps GCC from turning the loop into a memmove call.
#if defined(__GNUC__)
#define BPE_KEEP_LOOP() __asm__ volatile("")
#else
#define BPE_KEEP_LOOP()
#endif

namespace bpe {

typedef uint32_t rank_t;
static const rank_t NO_RANK = 0xFFFFFFFFu;
static const size_t SMALL_PIECE = 96;

// The first min(n, 8) bytes of p as a little-endian word, zero-padded; no read beyond p[n-1].
static inline uint64_t load_prefix(const uint8_t* p, size_t n) {
    uint64_t w = 0;
    if (n >= 8) {
        memcpy(&w, p, 8);
    } else if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        w = (uint64_t)lo | ((uint64_t)hi << ((n - 4) * 8));
    } else if (n >= 2) {
        uint16_t lo, hi;
        memcpy(&lo, p, 2);
        memcpy(&hi, p + n - 2, 2);
        w = (uint64_t)lo | ((uint64_t)hi << ((n - 2) * 8));
    } else if (n == 1) {
        w = p[0];
    }
    return w;
}

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

static inline uint64_t hash_bytes(const uint8_t* p, size_t n, uint64_t first_word) {
    uint64_t h = mix64(first_word ^ (n * 0x9E3779B97F4A7C15ULL));
    for (size_t i = 8; i < n; i += 8) {
        uint64_t w;
        if (i + 8 <= n) {
            memcpy(&w, p + i, 8);
        } else {
            w = load_prefix(p + i, n - i);
        }
        h = mix64(h ^ w ^ 0x2545F4914F6CDD1DULL);
    }
    return h;
}

// Open-addressing (linear probing) table from byte strings to ranks, built once per core.
class RankTable {
  public:
    struct Slot {
        uint64_t word;  // first 8 bytes of the key, zero-padded
        uint32_t len;   // 0 marks an empty slot (no token is empty)
        rank_t rank;
    };

    RankTable() : shift_(63), mask_(1) {
        slots_.resize(2);
        offs_.resize(2);
        tags_.assign(2 + GROUP, 0);
        clear_bytes();
    }

    void reserve(size_t n) {
        size_t cap = 16;
        while (cap < n + n / 4 + 16) cap <<= 1;  // load factor <= 0.8: a smaller table misses cache less
        slots_.assign(cap, Slot{0, 0, NO_RANK});
        offs_.assign(cap, 0);
        tags_.assign(cap + GROUP, 0);
        mask_ = cap - 1;
        shift_ = 64 - __builtin_ctzll(cap);
        arena_.clear();
        clear_bytes();
    }

    // Insert (or overwrite) key -> rank; empty keys are ignored since no piece is empty.
    void insert(const uint8_t* p, size_t n, rank_t rank) {
        if (n == 0 || n > 0xFFFFFFFFu) return;
        if (n == 1) byte_rank_[p[0]] = rank;
        if (n == 2) pair_rank_[p[0] | (p[1] << 8)] = rank;
        uint64_t w = load_prefix(p, n);
        uint64_t h = hash_bytes(p, n, w);
        size_t i = slot_of(h);
        while (tags_[i] != 0) {
            if (equal(i, p, n, w)) {
                slots_[i].rank = rank;
                return;
            }
            i = (i + 1) & mask_;
        }
        slots_[i] = Slot{w, (uint32_t)n, rank};
        tags_[i] = tag_of(h);
        if (i < GROUP) tags_[mask_ + 1 + i] = tags_[i];  // mirror: a group read never wraps
        offs_[i] = (uint32_t)arena_.size();
        if (n > 8) arena_.append((const char*)p + 8, n - 8);  // only the tail is ever compared
    }

    inline rank_t find(const uint8_t* p, size_t n) const {
        if (n <= 2) return n == 2 ? pair_rank_[p[0] | (p[1] << 8)] : byte_rank_[p[0]];
        uint64_t w = load_prefix(p, n);
        return find_hashed(p, n, w, hash_bytes(p, n, w));
    }

    // find() for n > 2 when the caller already has the prefix word and hash (the piece cache).
    inline rank_t find_hashed(const uint8_t* p, size_t n, uint64_t w, uint64_t h) const {
        size_t i = slot_of(h);
        const uint8_t tag = tag_of(h);
#if defined(__SSE2__)
        // Linear probing, GROUP tags per step: one compare settles up to 16 slots. At the table's
        // load (~0.76 for o200k) a miss probes ~9 slots on average, one by one that was most of
        // the merge loop's time; here it is usually one group.
        const __m128i want = _mm_set1_epi8((char)tag), zero = _mm_setzero_si128();
        for (;;) {
            __m128i g = _mm_loadu_si128((const __m128i*)(tags_.data() + i));
            unsigned empty = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(g, zero));
            unsigned match = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(g, want));
            match &= (empty & (0u - empty)) - 1;  // only slots before the first empty one
            while (match) {
                size_t j = (i + (size_t)__builtin_ctz(match)) & mask_;
                if (equal(j, p, n, w)) return slots_[j].rank;
                match &= match - 1;
            }
            if (empty) return NO_RANK;
            i = (i + GROUP) & mask_;
        }
#else
        for (;;) {
            uint8_t t = tags_[i];
            if (t == 0) return NO_RANK;
            if (t == tag && equal(i, p, n, w)) return slots_[i].rank;
            i = (i + 1) & mask_;
        }
#endif
    }

  private:
    inline size_t slot_of(uint64_t h) const { return (size_t)((h * 0x9E3779B97F4A7C15ULL) >> shift_) & mask_; }
    static inline uint8_t tag_of(uint64_t h) { return (uint8_t)(h | 0x80); }  // never 0 (= empty)
    inline bool equal(size_t i, const uint8_t* p, size_t n, uint64_t w) const {
        const Slot& s = slots_[i];
        return s.word == w && s.len == n && (n <= 8 || memcmp(arena_.data() + offs_[i], p + 8, n - 8) == 0);
    }
    void clear_bytes() {
        std::fill(byte_rank_, byte_rank_ + 256, NO_RANK);
        pair_rank_.assign(65536, NO_RANK);
    }

    // Most probes in the merge loop are misses (the pair is not a token). A miss is settled in
    // tags_, one byte per slot (128 KB for cl100k, so it stays in L2), and only a tag match
    // touches slots_.
    static const size_t GROUP = 16;  // tags_ has GROUP extra bytes mirroring its first ones
    std::vector<uint8_t> tags_;
    std::vector<Slot> slots_;
    std::vector<uint32_t> offs_;  // arena offset of each long key's tail, parallel to slots_
    std::string arena_;
    rank_t byte_rank_[256];          // single bytes and byte pairs skip the hash entirely:
    std::vector<rank_t> pair_rank_;  // the merge loop looks up every adjacent pair first
    unsigned shift_;
    size_t mask_;
};

// Linear-scan merge for short pieces (n <= SMALL_PIECE). Calls emit(rank) for each token in order.
// Returns false and sets *bad_off/*bad_len when a final part is not a token (vocab missing a byte).
//
// Part k is one word, (rank of part k joined with part k+1) << 32 | (start of part k), so the
// minimum word is the lowest-ranked pair and, on a tie, the leftmost: one branch-free compare per
// part finds it, and removing a part moves one array instead of three. The rank of each part is
// kept by its start offset, which never moves. (GCC would turn the shifting loop into a memmove
// call, which costs more than the few words it moves here.)
template <class Find, class Emit>
static inline bool merge_small(const uint8_t* p, size_t n, Find& find, Emit& emit, size_t* bad_off,
                               size_t* bad_len) {
    uint64_t part[SMALL_PIECE + 1];  // per part: pair rank << 32 | start; part[m] holds the end (n)
    rank_t rank_at[SMALL_PIECE];     // rank of the part starting at each offset (if it is one)
    const uint64_t NONE = (uint64_t)NO_RANK << 32;
    size_t m = n;                    // number of parts
    for (size_t k = 0; k < n; k++) {
        rank_at[k] = find(p + k, 1);
        part[k] = (k + 1 < n ? (uint64_t)find(p + k, 2) << 32 : NONE) | k;
    }
    part[n] = n;
    while (m > 1) {
        uint64_t best = part[0];
        size_t at = 0;
        for (size_t k = 1; k + 1 < m; k++) {
            bool lower = part[k] < best;
            best = lower ? part[k] : best;
            at = lower ? k : at;
        }
        if (best >= NONE) break;
        // Merge parts at and at+1: the rank of the pair becomes the rank of the part.
        const uint32_t s = (uint32_t)best;
        rank_at[s] = (rank_t)(best >> 32);
        for (size_t k = at + 1; k < m; k++) {
            part[k] = part[k + 1];
            BPE_KEEP_LOOP();
        }
        m--;
        part[at] = (at + 1 < m ? (uint64_t)find(p + s, (uint32_t)part[at + 2] - s) << 32 : NONE) | s;
        if (at > 0) {
            const uint32_t s0 = (uint32_t)part[at - 1];
            part[at - 1] = ((uint64_t)find(p + s0, (uint32_t)part[at + 1] - s0) << 32) | s0;
        }
    }
    for (size_t k = 0; k < m; k++) {
        const uint32_t s = (uint32_t)part[k];
        rank_t r = rank_at[s];
        if (r == NO_RANK) {
            *bad_off = s;
            *bad_len = (uint32_t)part[k + 1] - s;
            return false;
        }
        emit(r);
    }
    return true;
}

// Heap merge for long pieces: a min-heap of (rank << 32 | start) over a linked list of parts.
// Popping gives the lowest rank and, on ties, the leftmost part, the same order as merge_small;
// entries whose pair has changed since they were pushed are recognised and skipped.
template <class Find, class Emit>
static bool merge_large(const uint8_t* p, size_t n, Find& find, Emit& emit, size_t* bad_off, size_t* bad_len) {
    std::vector<uint32_t> next(n), prev(n);
    std::vector<rank_t> part(n, NO_RANK), pair(n, NO_RANK);
    std::vector<uint64_t> heap;
    heap.reserve(n);
    for (size_t i = 0; i < n; i++) {
        next[i] = (uint32_t)(i + 1);
        prev[i] = (uint32_t)(i - 1);  // wraps for i == 0; never read there (checked via i > 0)
    }
    for (size_t i = 0; i + 1 < n; i++) {
        pair[i] = find(p + i, 2);
        if (pair[i] != NO_RANK) heap.push_back(((uint64_t)pair[i] << 32) | i);
    }
    std::greater<uint64_t> cmp;
    std::make_heap(heap.begin(), heap.end(), cmp);
    const uint32_t end = (uint32_t)n;
    auto refresh = [&](uint32_t i) {
        uint32_t j = next[i];
        rank_t r = NO_RANK;
        if (j < end) r = find(p + i, next[j] - i);
        pair[i] = r;
        if (r != NO_RANK) {
            heap.push_back(((uint64_t)r << 32) | i);
            std::push_heap(heap.begin(), heap.end(), cmp);
        }
    };
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), cmp);
        uint64_t top = heap.back();
        heap.pop_back();
        rank_t r = (rank_t)(top >> 32);
        uint32_t i = (uint32_t)top;
        if (pair[i] != r) continue;  // stale: merged away (pair reset) or neighbour changed
        uint32_t j = next[i];
        part[i] = r;
        pair[j] = NO_RANK;  // j is no longer a part start
        next[i] = next[j];
        if (next[j] < end) prev[next[j]] = i;
        refresh(i);
        if (i > 0) refresh(prev[i]);
    }
    for (uint32_t i = 0; i < end; i = next[i]) {
        rank_t r = part[i] != NO_RANK ? part[i] : find(p + i, next[i] - i);
        if (r == NO_RANK) {
            *bad_off = i;
            *bad_len = next[i] - i;
            return false;
        }
        emit(r);
    }
    return true;
}

// Encode one piece: whole-piece lookup, then the linear or heap merge.
template <class Find, class Emit>
static inline bool byte_pair_encode(const uint8_t* p, size_t n, Find& find, Emit& emit, size_t* bad_off,
                                    size_t* bad_len) {
    if (n == 0) return true;
    rank_t whole = find(p, n);
    if (whole != NO_RANK) {
        emit(whole);
        return true;
    }
    if (n <= SMALL_PIECE) return merge_small(p, n, find, emit, bad_off, bad_len);
    return merge_large(p, n, find, emit, bad_off, bad_len);
}

}  // namespace bpe
