// Native pre-tokeniser: hand-written scanners over UTF-8 that cut text exactly where the `regex`
// module's findall cuts it for tiktoken's R50K, CL100K and O200K patterns (bpe/pretokenize.py) and
// for the vendor patterns that are variations of them (bpe/vendors.py):
// - Qwen: cl100k with single digits `\p{N}`, o200k's whitespace rules (`\s*[\r\n]+|\s+(?!\S)|\s+`,
//   no `\s++$`) and no possessive quantifiers. Possessiveness changes nothing in these patterns:
//   every quantifier either ends its branch or is followed by something that cannot fail (`[\r\n]*`),
//   except the optional prefix of `[^\r\n\p{L}\p{N}]?\p{L}+`, and giving the prefix back cannot help
//   there (without it the branch must start with a letter, which the prefix is not).
// - Qwen 3.5/3.6: Qwen with letters `[\p{L}\p{M}]+` and the punctuation class without \p{M}.
// - Mistral Tekken: o200k with single digits `\p{N}` and no contraction suffix.
// - HF's GPT-2 ByteLevel pattern (Claude's legacy tokenizer), also inside bpe.pipeline's cover
//   pattern: it splits like R50K (see _BUILTIN_PATTERNS in core.pyx), so R50K's scanner serves it.
//
// Character classes come from _unicode_tables.h, generated from the `regex` module (Unicode 17.0)
// by gen_unicode_tables.py. Every code point is in exactly one of \s (S), \p{L} (L), \p{N} (N) or
// "other" (O = [^\s\p{L}\p{N}]); o200k also needs U = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and
// W = [\p{Ll}\p{Lm}\p{Lo}\p{M}], which overlap (Lm, Lo, M) and may hold non-letters (M), and Qwen 3.5
// needs the marks M = \p{M} (disjoint from L, N and \s) as letters.
//
// How each regex construct reduces to a scan (j = end of the maximal \s run starting at i):
// - `\s++$`: possessive, so it matches iff the run reaches the end of the text ($ could also match
//   before a final "\n", but the possessive run would already have eaten that "\n").
// - `\s+(?!\S)`: the greedy run backs off one character when a non-space follows: the run minus its
//   last character if that leaves at least one, the whole run at the end of the text.
// - `\s*[\r\n]` and `\s*[\r\n]+`: the run backs off to just after its last \r or \n.
// - `(?i:...)` contractions use regex's simple case folding: 's' also matches U+017F; the fold sets
//   are generated too.
// - o200k's `P?U*W+`: the greedy U* backs off until W+ can start; the result is the W run after the
//   maximal U run, or else the U run cut after its last W character. P? is greedy, so the prefix is
//   tried first and dropped only if the rest fails, and a combining mark is in P, U and W at once.
// Every scan is linear: no character is examined more than a few times per piece.
#pragma once
#include <stdint.h>
#include <string.h>

#include "_unicode_tables.h"

namespace bpe {

enum Pattern { PAT_CUSTOM = 0, PAT_R50K = 1, PAT_CL100K = 2, PAT_O200K = 3, PAT_QWEN = 4, PAT_QWEN3_5 = 5, PAT_TEKKEN = 6 };

// Whitespace rules: cl100k's `\s++$|\s*[\r\n]|\s+(?!\S)|\s` or o200k's `\s*[\r\n]+|\s+(?!\S)|\s+`.
// They differ only on a run that reaches the end of the text and holds a newline: cl100k keeps the
// whole run, o200k cuts after the last newline.
enum Spaces { SPACES_CL100K, SPACES_O200K };

// Two-stage lookup table (256 code points per block), expanded once from the generated ranges.
class CharClasses {
  public:
    CharClasses() {
        static uint8_t flat[0x110000];
        const size_t n_ranges = sizeof(bpe_ucd_ranges) / sizeof(bpe_ucd_ranges[0]);
        for (size_t r = 0; r < n_ranges; r++) {
            uint32_t lo = bpe_ucd_ranges[r] >> 8;
            uint32_t hi = r + 1 < n_ranges ? (bpe_ucd_ranges[r + 1] >> 8) : 0x110000;
            memset(flat + lo, (int)(bpe_ucd_ranges[r] & 0xFF), hi - lo);
        }
        n_blocks_ = 0;
        for (uint32_t b = 0; b < 0x1100; b++) {
            const uint8_t* blk = flat + (b << 8);
            uint32_t found = n_blocks_;
            for (uint32_t k = 0; k < n_blocks_; k++) {
                if (memcmp(blocks_ + (k << 8), blk, 256) == 0) {
                    found = k;
                    break;
                }
            }
            if (found == n_blocks_) memcpy(blocks_ + (n_blocks_++ << 8), blk, 256);
            stage1_[b] = (uint16_t)found;
        }
        for (uint32_t c = 0; c < 256; c++)
            byte_[c] = c >= 0x80 ? (uint8_t)BYTE_HI : (uint8_t)(flat[c] | (c == '\r' || c == '\n' ? BYTE_NL : 0));
    }
    // Flags of one byte for the ASCII fast paths: the ASCII character's flags, plus BYTE_NL for \r
    // and \n; any byte >= 0x80 is just BYTE_HI (a non-ASCII character starts or continues there).
    static const uint8_t BYTE_NL = 0x40, BYTE_HI = 0x80;
    inline uint8_t byte(uint8_t c) const { return byte_[c]; }
    inline uint8_t of(uint32_t cp) const { return blocks_[(stage1_[cp >> 8] << 8) | (cp & 0xFF)]; }
    inline uint8_t ascii(uint8_t c) const { return blocks_[c]; }  // block 0 is always stored first

  private:
    uint16_t stage1_[0x1100];
    uint8_t blocks_[256 * 0x1100];  // worst case: every block distinct (Unicode 17 needs 139)
    uint32_t n_blocks_;
    uint8_t byte_[256];
};

static inline const CharClasses& char_classes() {
    static const CharClasses table;  // C++11 guarantees thread-safe one-time construction
    return table;
}

static inline bool in_set(uint32_t cp, const uint32_t* set, size_t n) {
    for (size_t k = 0; k < n; k++)
        if (set[k] == cp) return true;
    return false;
}
#define BPE_FOLD(letter, cp) in_set((cp), bpe_fold_##letter, sizeof(bpe_fold_##letter) / sizeof(uint32_t))

class Scanner {
  public:
    Scanner(const uint8_t* s, size_t n) : s_(s), n_(n), cls_(char_classes()) {}

    // End (byte offset) of the piece starting at i < n. The cl100k and o200k scanners are templates
    // over what their vendor variants change: letter class, most digits per piece, whitespace rules
    // and (o200k) the contraction suffix.
    inline size_t next(Pattern pat, size_t i) const {
        size_t e;
        switch (pat) {
            case PAT_R50K: return next_r50k(i);
            case PAT_CL100K:
                return (e = ascii_cl100k<3, SPACES_CL100K>(i)) ? e : next_cl100k<BPE_L, 3, SPACES_CL100K>(i);
            case PAT_QWEN:
                return (e = ascii_cl100k<1, SPACES_O200K>(i)) ? e : next_cl100k<BPE_L, 1, SPACES_O200K>(i);
            case PAT_QWEN3_5:  // the ASCII path is the same: ASCII has no marks
                return (e = ascii_cl100k<1, SPACES_O200K>(i)) ? e : next_cl100k<BPE_L | BPE_M, 1, SPACES_O200K>(i);
            case PAT_TEKKEN: return (e = ascii_o200k<false, 1>(i)) ? e : next_o200k<false, 1>(i);
            default: return (e = ascii_o200k<true, 3>(i)) ? e : next_o200k<true, 3>(i);
        }
    }

  private:
    static constexpr uint8_t O_MASK = BPE_L | BPE_N | BPE_S;

    // Code point at i (valid UTF-8 assumed: the text comes from CPython's UTF-8 encoder).
    inline uint32_t cp_at(size_t i, size_t* len) const {
        uint32_t c = s_[i];
        if (c < 0x80) {
            *len = 1;
            return c;
        }
        if (c < 0xE0) {
            *len = 2;
            return ((c & 0x1F) << 6) | (s_[i + 1] & 0x3F);
        }
        if (c < 0xF0) {
            *len = 3;
            return ((c & 0x0F) << 12) | ((s_[i + 1] & 0x3F) << 6) | (s_[i + 2] & 0x3F);
        }
        *len = 4;
        return ((c & 0x07) << 18) | ((s_[i + 1] & 0x3F) << 12) | ((s_[i + 2] & 0x3F) << 6) | (s_[i + 3] & 0x3F);
    }
    inline uint8_t flags_at(size_t i, size_t* len) const {
        uint8_t c = s_[i];
        if (c < 0x80) {
            *len = 1;
            return cls_.ascii(c);
        }
        return cls_.of(cp_at(i, len));
    }
    // End of the run of characters with any of `mask` starting at i.
    inline size_t run(uint8_t mask, size_t i) const {
        size_t len;
        while (i < n_ && (flags_at(i, &len) & mask)) i += len;
        return i;
    }
    // End of the run of characters with none of `mask` starting at i.
    inline size_t run_not(uint8_t mask, size_t i) const {
        size_t len;
        while (i < n_ && !(flags_at(i, &len) & mask)) i += len;
        return i;
    }
    inline size_t run_crlf(size_t i, bool slash) const {
        while (i < n_ && (s_[i] == '\r' || s_[i] == '\n' || (slash && s_[i] == '/'))) i++;
        return i;
    }
    inline bool is_flags_at(size_t i, uint8_t any, uint8_t none) const {
        size_t len;
        if (i >= n_) return false;
        uint8_t f = flags_at(i, &len);
        return (f & any) && !(f & none);
    }
    // Whether the character at i is "other": none of `mask` (O_MASK, or with M for Qwen 3.5).
    inline bool is_other_at(size_t i, uint8_t mask = O_MASK) const {
        size_t len;
        return i < n_ && !(flags_at(i, &len) & mask);
    }
    // End of \p{N}{1,MaxDigits} given the end e of its first digit.
    template <int MaxDigits>
    inline size_t more_digits(size_t e) const {
        for (int k = 1; k < MaxDigits && e < n_; k++) {
            size_t len;
            if (!(flags_at(e, &len) & BPE_N)) break;
            e += len;
        }
        return e;
    }

    // The whitespace run at i: its end, the start of its last character, and the offset just after
    // its last \r or \n (0 if none).
    struct WsRun {
        size_t end, last_start, after_newline;
    };
    inline WsRun ws_run(size_t i) const {
        WsRun r{i, i, 0};
        size_t len;
        while (r.end < n_ && (flags_at(r.end, &len) & BPE_S)) {
            r.last_start = r.end;
            r.end += len;
            if (s_[r.last_start] == '\r' || s_[r.last_start] == '\n') r.after_newline = r.end;
        }
        return r;
    }
    // The whitespace piece at i (a \s character), under either set of whitespace rules.
    template <Spaces Sp>
    inline size_t space_piece(size_t i) const {
        WsRun w = ws_run(i);
        if (Sp == SPACES_CL100K && w.end == n_) return n_;  // \s++$
        if (w.after_newline) return w.after_newline;        // \s*[\r\n] or \s*[\r\n]+
        if (w.end == n_) return n_;                         // \s+(?!\S) at the end
        if (w.last_start > i) return w.last_start;          // \s+(?!\S)
        return w.end;                                       // \s or \s+ (a single character here)
    }

    // Contractions: end of the case-insensitive contraction after the apostrophe at a, or 0.
    inline size_t contraction_ci(size_t a) const {
        if (a + 1 >= n_) return 0;
        size_t l1, l2;
        uint32_t c1 = cp_at(a + 1, &l1);
        if (BPE_FOLD(s, c1) || BPE_FOLD(d, c1) || BPE_FOLD(m, c1) || BPE_FOLD(t, c1)) return a + 1 + l1;
        size_t b = a + 1 + l1;
        if (b >= n_) return 0;
        uint32_t c2 = cp_at(b, &l2);
        if ((BPE_FOLD(l, c1) && BPE_FOLD(l, c2)) || (BPE_FOLD(v, c1) && BPE_FOLD(e, c2)) ||
            (BPE_FOLD(r, c1) && BPE_FOLD(e, c2)))
            return b + l2;
        return 0;
    }

    // ==================== ASCII fast paths
    // Most pieces of English and code are ASCII through and through. These scanners decide such a
    // piece with one table load per byte and none of the general scanner's UTF-8 decoding and
    // backtracking, and give up (return 0; every real end is > 0) as soon as a decision would
    // depend on a non-ASCII character: a run that stops at one, or one that follows a possible
    // prefix. The general scanner then redoes the piece, so their answers only need to be right on
    // ASCII, where U = [A-Z], W = [a-z] and the flags are the same table's.
    static constexpr uint8_t HI = CharClasses::BYTE_HI, NL = CharClasses::BYTE_NL;
    inline uint8_t bf(size_t i) const { return cls_.byte(s_[i]); }
    inline bool hi_at(size_t i) const { return i < n_ && s_[i] >= 0x80; }
    // End of the run of ASCII bytes with any of `mask` from i (it stops at any non-ASCII byte).
    inline size_t arun(uint8_t mask, size_t i) const {
        while (i < n_ && (bf(i) & mask)) i++;
        return i;
    }
    // End of the run of ASCII "other" bytes (none of L, N, S) from i.
    inline size_t arun_other(size_t i) const {
        while (i < n_ && !(bf(i) & (O_MASK | HI))) i++;
        return i;
    }
    // Whitespace piece at i, 0 if a non-ASCII character ends the run: `\s*[\r\n]` (o200k: `+`)
    // ends after the run's last \r or \n, `\s+(?!\S)` backs off one character, `\s` (o200k:
    // `\s+`) keeps a lone one. cl100k tries `\s++$` first, o200k after the newline rule.
    template <Spaces Sp>
    inline size_t ascii_space(size_t i) const {
        size_t e = arun(BPE_S, i);
        if (hi_at(e)) return 0;
        if (Sp == SPACES_CL100K && e == n_) return n_;
        for (size_t k = e; k > i; k--)
            if (bf(k - 1) & NL) return k;
        if (e == n_) return n_;
        return e - 1 > i ? e - 1 : e;
    }
    // \p{N}{1,MaxDigits} from a digit at i.
    template <int MaxDigits>
    inline size_t ascii_digits(size_t i) const {
        size_t e = i + 1;
        for (int k = 1; k < MaxDigits && e < n_; k++, e++) {
            uint8_t b = bf(e);
            if (b & HI) return 0;
            if (!(b & BPE_N)) break;
        }
        return e;
    }

    template <bool Contractions, int MaxDigits>
    size_t ascii_o200k(size_t i) const {
        uint8_t f = bf(i);
        if (f & HI) return 0;
        size_t w = i;  // start of the letters, after the optional prefix [^\r\n\p{L}\p{N}]
        if (!(f & (BPE_L | BPE_N | NL)) && i + 1 < n_) {
            uint8_t f1 = bf(i + 1);
            if (f1 & HI) return 0;
            if (f1 & BPE_L) w = i + 1;
        }
        if (w > i || (f & BPE_L)) {  // P?U*W+ or else P?U+W*: on ASCII both are "upper run, lower run"
            size_t e = arun(BPE_W, arun(BPE_U, w));
            if (hi_at(e)) return 0;
            return o200k_suffix<Contractions>(e);
        }
        if (f & BPE_N) return ascii_digits<MaxDigits>(i);
        size_t o = i;
        if (s_[i] == ' ' && i + 1 < n_ && !(bf(i + 1) & O_MASK)) o = i + 1;  // ' ?' before other
        if (o > i || !(f & BPE_S)) {
            size_t e = arun_other(o);
            if (hi_at(e)) return 0;
            while (e < n_ && (s_[e] == '\r' || s_[e] == '\n' || s_[e] == '/')) e++;
            return e;
        }
        return ascii_space<SPACES_O200K>(i);
    }

    // Also Qwen's and Qwen 3.5's (a mark after an ASCII run makes it give up like any non-ASCII).
    template <int MaxDigits, Spaces Sp>
    size_t ascii_cl100k(size_t i) const {
        uint8_t f = bf(i);
        if ((f & HI) || s_[i] == '\'') return 0;  // contractions: the general scanner
        size_t w = (f & BPE_L) ? i : n_;
        if (!(f & (BPE_L | BPE_N | NL)) && i + 1 < n_) {
            uint8_t f1 = bf(i + 1);
            if (f1 & HI) return 0;
            if (f1 & BPE_L) w = i + 1;
        }
        if (w < n_) {
            size_t e = arun(BPE_L, w);
            return hi_at(e) ? 0 : e;
        }
        if (f & BPE_N) return ascii_digits<MaxDigits>(i);
        size_t o = i;
        if (s_[i] == ' ' && i + 1 < n_ && !(bf(i + 1) & O_MASK)) o = i + 1;
        if (o > i || !(f & BPE_S)) {
            size_t e = arun_other(o);
            if (hi_at(e)) return 0;
            while (e < n_ && (s_[e] == '\r' || s_[e] == '\n')) e++;
            return e;
        }
        return ascii_space<Sp>(i);
    }

    // '(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s
    size_t next_r50k(size_t i) const {
        uint8_t c = s_[i];
        if (c == '\'' && i + 1 < n_) {
            uint8_t c1 = s_[i + 1];
            if (c1 == 's' || c1 == 'd' || c1 == 'm' || c1 == 't') return i + 2;
            if (i + 2 < n_) {
                uint8_t c2 = s_[i + 2];
                if ((c1 == 'l' && c2 == 'l') || (c1 == 'v' && c2 == 'e') || (c1 == 'r' && c2 == 'e')) return i + 3;
            }
        }
        size_t len;
        uint8_t f = flags_at(i, &len);
        if (c == ' ' && i + 1 < n_) {
            size_t len1;
            uint8_t f1 = flags_at(i + 1, &len1);
            if (f1 & BPE_L) return run(BPE_L, i + 1);
            if (f1 & BPE_N) return run(BPE_N, i + 1);
            if (!(f1 & O_MASK)) return run_not(O_MASK, i + 1);
        }
        if (f & BPE_L) return run(BPE_L, i);
        if (f & BPE_N) return run(BPE_N, i);
        if (!(f & BPE_S)) return run_not(O_MASK, i);
        WsRun w = ws_run(i);
        if (w.end == n_) return n_;                      // \s++$
        if (w.last_start > i) return w.last_start;       // \s+(?!\S)
        return w.end;                                    // \s
    }

    // '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+
    // |\s++$|\s*[\r\n]|\s+(?!\S)|\s                               (Letters = L, 3 digits, SPACES_CL100K)
    // Qwen:     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*
    //           |\s*[\r\n]+|\s+(?!\S)|\s+                          (Letters = L, 1 digit, SPACES_O200K)
    // Qwen 3.5: Qwen with [\p{L}\p{M}]+ and [^\s\p{L}\p{M}\p{N}]+  (Letters = L|M)
    template <uint8_t Letters, int MaxDigits, Spaces Sp>
    size_t next_cl100k(size_t i) const {
        constexpr uint8_t o_mask = Letters | BPE_N | BPE_S;  // "other" is none of these
        uint8_t c = s_[i];
        if (c == '\'') {
            size_t e = contraction_ci(i);
            if (e) return e;
        }
        size_t len;
        uint8_t f = flags_at(i, &len);
        if (f & Letters) return run(Letters, i);
        // The prefix [^\r\n\p{L}\p{N}] holds marks too, but a mark that is a letter returned above.
        if (!(f & BPE_N) && c != '\r' && c != '\n') {
            // possessive optional prefix: taken whenever it matches, so a letter must follow it
            if (is_flags_at(i + len, Letters, 0)) return run(Letters, i + len);
        }
        if (f & BPE_N) return more_digits<MaxDigits>(i + len);
        if (c == ' ' && is_other_at(i + 1, o_mask)) return run_crlf(run_not(o_mask, i + 1), false);
        if (!(f & BPE_S)) return run_crlf(run_not(o_mask, i), false);
        return space_piece<Sp>(i);
    }

    // o200k's U*W+ from s: end, or 0 when it cannot match (s > 0 always, so 0 is free).
    inline size_t upper_star_lower_plus(size_t s) const {
        size_t a = s, after_last_w = 0, len;
        while (a < n_) {
            uint8_t f = flags_at(a, &len);
            if (!(f & BPE_U)) break;
            a += len;
            if (f & BPE_W) after_last_w = a;
        }
        if (a < n_ && (flags_at(a, &len) & BPE_W)) return run(BPE_W, a);
        return after_last_w;
    }
    // o200k's U+W* from s: end, or 0.
    inline size_t upper_plus_lower_star(size_t s) const {
        size_t a = run(BPE_U, s);
        return a == s ? 0 : run(BPE_W, a);
    }
    // The optional contraction suffix after o200k's letters at e (Tekken has none).
    template <bool Contractions>
    inline size_t o200k_suffix(size_t e) const {
        if (Contractions && e < n_ && s_[e] == '\'') {
            size_t c = contraction_ci(e);
            if (c) return c;
        }
        return e;
    }

    // [^\r\n\p{L}\p{N}]?[U]*[W]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[U]+[W]*(?i:...)?
    // |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
    // Tekken: the same without the (?i:...)? suffixes and with \p{N} for \p{N}{1,3}.
    template <bool Contractions, int MaxDigits>
    size_t next_o200k(size_t i) const {
        uint8_t c = s_[i];
        size_t len;
        uint8_t f = flags_at(i, &len);
        // The prefix P = [^\r\n\p{L}\p{N}]; i + 1 > 0, so a 0 from the helpers means "no match".
        bool prefix = !(f & (BPE_L | BPE_N)) && c != '\r' && c != '\n';
        size_t e;
        if (f & (BPE_U | BPE_W) || prefix) {
            if (prefix && i + len < n_ && (e = upper_star_lower_plus(i + len))) return o200k_suffix<Contractions>(e);
            if ((f & (BPE_U | BPE_W)) && (e = upper_star_lower_plus(i)) > i) return o200k_suffix<Contractions>(e);
            if (prefix && i + len < n_ && (e = upper_plus_lower_star(i + len))) return o200k_suffix<Contractions>(e);
            if ((f & BPE_U) && (e = upper_plus_lower_star(i)) > i) return o200k_suffix<Contractions>(e);
        }
        if (f & BPE_N) return more_digits<MaxDigits>(i + len);
        if (c == ' ' && is_other_at(i + 1)) return run_crlf(run_not(O_MASK, i + 1), true);
        if (!(f & BPE_S)) return run_crlf(run_not(O_MASK, i), true);
        return space_piece<SPACES_O200K>(i);
    }

    const uint8_t* s_;
    size_t n_;
    const CharClasses& cls_;
};

}  // namespace bpe
