// The encoder core behind bpe._fast.core.BytePairCore: rank table + decoder + text encoders.
// Plain C++ (no Python API), so every method here runs with the GIL released.
#pragma once
#include <stdint.h>
#include <string.h>

#include <atomic>
#include <memory>
#include <thread>
#include <string>
#include <unordered_map>
#include <vector>

#include "_merge.hpp"
#include "_pretokenize.hpp"

namespace bpe {

// Where a merge failed: a final part that is not a token (only with vocabularies missing a byte).
struct EncodeError {
    size_t off = 0, len = 0;
};

class Core {
  public:
    RankTable table;

    void reserve(size_t n_tokens) { table.reserve(n_tokens); }

    // Register a token for encoding (ordinary) and decoding (ordinary and special).
    void add_ordinary(const uint8_t* p, size_t n, rank_t rank) {
        table.insert(p, n, rank);
        add_decodable(p, n, rank);
    }
    void add_decodable(const uint8_t* p, size_t n, rank_t id) {
        if (id < DENSE_IDS) {
            if (id >= dec_off_.size()) {
                dec_off_.resize((size_t)id + 1, 0);
                dec_len_.resize((size_t)id + 1, UNKNOWN);
            }
            dec_off_[id] = dec_bytes_.size();
            dec_len_[id] = (uint32_t)n;
        } else {
            sparse_[id] = std::make_pair(dec_bytes_.size(), (uint32_t)n);
        }
        dec_bytes_.append((const char*)p, n);
    }

    // Bytes of a token id: false when the id is unknown.
    inline bool token_bytes(uint64_t id, const char** p, size_t* n) const {
        if (id < dec_len_.size() && dec_len_[id] != UNKNOWN) {
            *p = dec_bytes_.data() + dec_off_[id];
            *n = dec_len_[id];
            return true;
        }
        if (id >= DENSE_IDS && id <= 0xFFFFFFFFu) {
            auto it = sparse_.find((rank_t)id);
            if (it != sparse_.end()) {
                *p = dec_bytes_.data() + it->second.first;
                *n = it->second.second;
                return true;
            }
        }
        return false;
    }

    // Encode one piece, appending its ids.
    inline bool encode_piece(const uint8_t* p, size_t n, std::vector<rank_t>& out, EncodeError* err) const {
        auto emit = [&out](rank_t r) { out.push_back(r); };
        auto find = [this](const uint8_t* q, size_t m) { return table.find(q, m); };
        bool ok = byte_pair_encode(p, n, find, emit, &err->off, &err->len);
        return ok;
    }

    // Split text with a built-in pattern and encode every piece; err offsets are into text.
    bool encode_text(Pattern pat, const uint8_t* s, size_t n, std::vector<rank_t>& out, EncodeError* err) const {
        out.reserve(out.size() + n / 3 + 16);
        auto emit = [&out](rank_t r) { out.push_back(r); };
        return scan(pat, s, n, emit, err);
    }

    // encode_text over many texts on n_threads threads (each text on one thread, taken in turn
    // from a shared counter so long and short texts balance). Returns the index of a failed text,
    // or n_texts when all succeeded.
    size_t encode_batch(Pattern pat, const uint8_t* const* texts, const size_t* lens, size_t n_texts,
                        std::vector<std::vector<rank_t>>& outs, unsigned n_threads, EncodeError* err) const {
        outs.assign(n_texts, std::vector<rank_t>());
        std::atomic<size_t> next{0}, failed{n_texts};
        auto work = [&]() {
            EncodeError local;
            for (size_t k; (k = next.fetch_add(1)) < n_texts;) {
                if (!encode_text(pat, texts[k], lens[k], outs[k], &local)) {
                    size_t expected = n_texts;
                    if (failed.compare_exchange_strong(expected, k)) *err = local;
                }
            }
        };
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < n_threads && t < n_texts; t++) pool.emplace_back(work);
        work();
        for (auto& th : pool) th.join();
        return failed.load();
    }

    // Number of ids encode_text would produce.
    bool count_text(Pattern pat, const uint8_t* s, size_t n, size_t* count, EncodeError* err) const {
        size_t c = 0;
        auto emit = [&c](rank_t) { c++; };
        bool ok = scan(pat, s, n, emit, err);
        *count = c;
        return ok;
    }

  private:
    static constexpr uint32_t UNKNOWN = 0xFFFFFFFFu;
    static constexpr uint64_t DENSE_IDS = 1u << 24;  // ids above this live in a hash map

    // Per-call memo of the pieces that needed a merge: words repeat, and a merge costs several
    // hash probes into a table too big for the cache, while a hit here costs one probe into a
    // small one. Direct-mapped (a collision just replaces the entry); keys point into the text,
    // so it lives only as long as one call and never makes a repeated call faster ("cold").
    struct PieceMemo {
        struct Entry {
            uint64_t hash;
            size_t off;
            uint32_t len, ids_off, ids_len;
        };
        std::vector<Entry> slots;
        std::vector<rank_t> ids;
        size_t mask = 0;
        explicit PieceMemo(size_t text_len) {
            size_t cap = 64;
            while (cap < 16384 && cap * 8 < text_len) cap <<= 1;
            slots.assign(cap, Entry{0, 0, 0, 0, 0});
            mask = cap - 1;
        }
    };
    static const size_t MEMO_MAX_PIECE = 64;
    static const size_t MEMO_MIN_TEXT = 4096;  // bytes; below this no memo (see scan)

    template <class Emit>
    bool scan(Pattern pat, const uint8_t* s, size_t n, Emit& emit, EncodeError* err) const {
        Scanner sc(s, n);
        auto find = [this](const uint8_t* q, size_t m) { return table.find(q, m); };
        std::unique_ptr<PieceMemo> memo;  // allocated at the first piece that needs a merge
        size_t i = 0;
        while (i < n) {
            size_t e = sc.next(pat, i);
            const uint8_t* p = s + i;
            size_t len = e - i;
            if (len <= 2 || len > MEMO_MAX_PIECE) {
                if (!byte_pair_encode(p, len, find, emit, &err->off, &err->len)) {
                    err->off += i;
                    return false;
                }
                i = e;
                continue;
            }
            uint64_t w = load_prefix(p, len);
            uint64_t h = hash_bytes(p, len, w);
            rank_t whole = table.find_hashed(p, len, w, h);
            if (whole != NO_RANK) {
                emit(whole);
                i = e;
                continue;
            }
            if (n < MEMO_MIN_TEXT) {
                // A short text (a chat message, one line of a batch) rarely repeats a piece, and
                // setting up the memo would cost more than the merge it might save.
                if (!merge_small(p, len, find, emit, &err->off, &err->len)) {
                    err->off += i;
                    return false;
                }
                i = e;
                continue;
            }
            if (!memo) memo.reset(new PieceMemo(n));
            typename PieceMemo::Entry& slot = memo->slots[(h ^ (h >> 29)) & memo->mask];
            if (slot.hash == h && slot.len == len && memcmp(s + slot.off, p, len) == 0) {
                for (uint32_t k = 0; k < slot.ids_len; k++) emit(memo->ids[slot.ids_off + k]);
                i = e;
                continue;
            }
            size_t first = memo->ids.size();
            std::vector<rank_t>& ids = memo->ids;
            auto record = [&ids](rank_t r) { ids.push_back(r); };
            if (!merge_small(p, len, find, record, &err->off, &err->len)) {
                err->off += i;
                return false;
            }
            for (size_t k = first; k < ids.size(); k++) emit(ids[k]);
            slot = typename PieceMemo::Entry{h, i, (uint32_t)len, (uint32_t)first, (uint32_t)(ids.size() - first)};
            i = e;
        }
        return true;
    }

    std::string dec_bytes_;
    std::vector<uint64_t> dec_off_;
    std::vector<uint32_t> dec_len_;
    std::unordered_map<rank_t, std::pair<uint64_t, uint32_t>> sparse_;
};

// Piece ends (byte offsets) of text under a built-in pattern; for tests and `core.split`.
static inline void split_text(Pattern pat, const uint8_t* s, size_t n, std::vector<size_t>& ends) {
    Scanner sc(s, n);
    for (size_t i = 0; i < n; i = ends.back()) ends.push_back(sc.next(pat, i));
}

}  // namespace bpe
