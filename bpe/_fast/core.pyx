# cython: language_level=3, boundscheck=False, wraparound=False, embedsignature=True
"""Native twin of bpe/merge.py: `BytePairCore` and `byte_pair_encode`, same names and results.

The algorithm lives in plain C++ headers (`_core.hpp`, `_merge.hpp`, `_pretokenize.hpp`); this
module only converts Python objects at the boundary and releases the GIL around the work, so
`Tokenizer.encode_batch` scales with threads. Texts split by one of tiktoken's patterns (R50K,
CL100K, O200K) or a vendor pattern the scanner knows (`_BUILTIN_PATTERNS`: Qwen, Qwen 3.5, Tekken,
GPT-2/Claude legacy) go through the native pre-tokeniser; any other pattern is split by `regex` and
the pieces are merged natively.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.ref cimport Py_INCREF
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy
from libcpp.vector cimport vector

from ._types cimport (Core, EncodeError, NO_RANK, PAT_CL100K, PAT_CUSTOM, PAT_O200K, PAT_QWEN, PAT_QWEN3_5,
                      PAT_R50K, PAT_TEKKEN, Pattern, rank_t, split_text)

from bpe.pretokenize import (CL100K, GPT2_BYTELEVEL_PATTERN, O200K, QWEN3_5_PATTERN, QWEN_PATTERN, R50K,
                             TEKKEN_PATTERN, cover_pattern, piece_finder)

__all__ = ["BytePairCore", "byte_pair_encode", "split"]


cdef extern from "Python.h":
    ctypedef struct PyObject
    PyObject* _tuple_get "PyTuple_GET_ITEM" (object tup, Py_ssize_t i)
    void _list_set "PyList_SET_ITEM" (object lst, Py_ssize_t i, PyObject* item)
    void _incref "Py_INCREF" (PyObject* obj)
    # Raises UnicodeEncodeError on lone surrogates, which is what the Tokenizer's retry expects.
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL
    object PyUnicode_DecodeUTF8(const char* s, Py_ssize_t size, const char* errors)


cdef extern from *:
    """
    #include "_merge.hpp"
    // Rank lookup in a Python dict, for the module-level byte_pair_encode (holds the GIL).
    struct BpeDictFind {
        PyObject* ranks;
        int failed;
        bpe::rank_t operator()(const uint8_t* p, size_t n) {
            if (failed) return bpe::NO_RANK;
            PyObject* key = PyBytes_FromStringAndSize((const char*)p, (Py_ssize_t)n);
            if (!key) { failed = 1; return bpe::NO_RANK; }
            PyObject* value = PyDict_GetItemWithError(ranks, key);
            Py_DECREF(key);
            if (!value) { failed = PyErr_Occurred() != NULL; return bpe::NO_RANK; }
            unsigned long long r = PyLong_AsUnsignedLongLong(value);
            if (PyErr_Occurred()) { failed = 1; return bpe::NO_RANK; }
            if (r >= bpe::NO_RANK) {
                PyErr_SetString(PyExc_OverflowError, "rank does not fit in 32 bits");
                failed = 1;
                return bpe::NO_RANK;
            }
            return (bpe::rank_t)r;
        }
    };
    static int bpe_encode_with_dict(PyObject* ranks, const uint8_t* p, size_t n,
                                    std::vector<bpe::rank_t>* out, size_t* bad_off, size_t* bad_len) {
        BpeDictFind find{ranks, 0};
        auto emit = [out](bpe::rank_t r) { out->push_back(r); };
        bool ok = bpe::byte_pair_encode(p, n, find, emit, bad_off, bad_len);
        if (find.failed) return -1;
        return ok ? 1 : 0;
    }
    """
    int bpe_encode_with_dict(object ranks, const uint8_t* p, size_t n, vector[rank_t]* out,
                             size_t* bad_off, size_t* bad_len) except -1


# HF's GPT-2 ByteLevel pattern (Claude's legacy tokenizer) splits exactly like R50K: the contractions
# are the same strings, `\s+(?!\S)|\s+` cuts a whitespace run where `\s++$|\s+(?!\S)|\s` does, and
# R50K's possessive quantifiers end their branches, so they change nothing. Inside bpe.pipeline's
# cover pattern the gap branch never matches, because the pattern matches at every position (each
# character is \s, \p{L}, \p{N} or [^\s\p{L}\p{N}]).
GPT2_PATTERN = GPT2_BYTELEVEL_PATTERN
GPT2_COVER_PATTERN = cover_pattern(GPT2_BYTELEVEL_PATTERN)

# Pattern string -> native scanner; counting.pyx uses the same table.
_BUILTIN_PATTERNS = {
    R50K: PAT_R50K, CL100K: PAT_CL100K, O200K: PAT_O200K,
    QWEN_PATTERN: PAT_QWEN, QWEN3_5_PATTERN: PAT_QWEN3_5, TEKKEN_PATTERN: PAT_TEKKEN,
    GPT2_PATTERN: PAT_R50K, GPT2_COVER_PATTERN: PAT_R50K,
}


def split(str text, str pat_str) -> list:
    """Split text into the pieces BPE works on: the native scanner for `_BUILTIN_PATTERNS`, else `regex`.

    Twin of `bpe.pretokenize.split`; lone surrogates raise UnicodeEncodeError on the native path.
    Example: split("Hello world!", CL100K) == ["Hello", " world", "!"]
    """
    cdef Pattern pattern = _BUILTIN_PATTERNS.get(pat_str, PAT_CUSTOM)
    if pattern == PAT_CUSTOM:
        return piece_finder(pat_str)(text)
    cdef Py_ssize_t n
    cdef const char* s = PyUnicode_AsUTF8AndSize(text, &n)
    cdef vector[size_t] ends
    with nogil:
        split_text(pattern, <const uint8_t*>s, n, ends)
    cdef size_t start = 0
    out = []
    for end in ends:
        out.append(PyUnicode_DecodeUTF8(s + start, end - start, NULL))
        start = end
    return out


def byte_pair_encode(bytes piece, ranks) -> list:
    """Encode one pre-tokenised piece with the rank-based BPE merge.

    Example: byte_pair_encode(b"aaab", {b"a": 0, b"b": 1, b"aa": 2, b"ab": 3}) == [2, 3]
    """
    cdef vector[rank_t] out
    cdef size_t bad_off = 0, bad_len = 0
    if not isinstance(ranks, dict):
        ranks = dict(ranks)
    cdef const uint8_t* p = <const uint8_t*>PyBytes_AS_STRING(piece)
    if not bpe_encode_with_dict(ranks, p, <size_t>PyBytes_GET_SIZE(piece), &out, &bad_off, &bad_len):
        raise KeyError(piece[bad_off : bad_off + bad_len])
    return [r for r in out]


# Releasing and retaking the GIL costs about as much as encoding a short line; below this many
# bytes other Python threads would gain nothing from the release (encode_batch releases it anyway).
cdef Py_ssize_t NOGIL_MIN_BYTES = 2048


cdef class BytePairCore:
    """Ordinary-text encoder and decoder for one vocabulary and split pattern (native twin)."""

    cdef Core core
    cdef Pattern pattern
    cdef readonly dict ranks
    cdef readonly str pat_str
    cdef object _findall
    cdef dict _specials
    cdef dict _decoder
    # The int object of every id, so building a result list allocates nothing. A tuple, not a list:
    # the garbage collector untracks a tuple of ints, so full collections stop walking 200,000 items.
    cdef tuple _ints

    def __init__(self, mergeable_ranks, special_tokens, str pat_str):
        self.ranks = dict(mergeable_ranks)
        self.pat_str = pat_str
        self._specials = dict(special_tokens)
        self.pattern = _BUILTIN_PATTERNS.get(pat_str, PAT_CUSTOM)
        self._findall = piece_finder(pat_str)
        self._decoder = None
        self.core.reserve(len(self.ranks))
        cdef bytes token
        top = -1
        for token, rank in self.ranks.items():
            self.core.add_ordinary(<const uint8_t*>PyBytes_AS_STRING(token), PyBytes_GET_SIZE(token),
                                   _checked_rank(rank))
            if rank > top:
                top = rank
        for text, rank in self._specials.items():
            token = text.encode("utf-8")
            self.core.add_decodable(<const uint8_t*>PyBytes_AS_STRING(token), PyBytes_GET_SIZE(token),
                                    _checked_rank(rank))
            if rank > top:
                top = rank
        self._ints = tuple(range(top + 1)) if top < (1 << 24) else None

    def __reduce__(self):
        return (BytePairCore, (self.ranks, self._specials, self.pat_str))

    @property
    def decoder(self) -> dict:
        """Token id -> bytes for ordinary and special tokens (built on first use)."""
        if self._decoder is None:
            dec = {rank: token for token, rank in self.ranks.items()}
            for text, rank in self._specials.items():
                dec[rank] = text.encode("utf-8")
            self._decoder = dec
        return self._decoder

    # ====================
    # Encoding
    # ====================

    def encode_piece(self, str piece) -> list:
        """Encode one pre-tokenised piece."""
        cdef Py_ssize_t n
        cdef const uint8_t* p = <const uint8_t*>PyUnicode_AsUTF8AndSize(piece, &n)
        cdef vector[rank_t] out
        cdef EncodeError err
        if not self.core.encode_piece(p, n, out, &err):
            _raise_missing(p, err)
        return self._as_list(out)

    def encode_ordinary(self, str text) -> list:
        """Encode text with no special-token handling."""
        cdef vector[rank_t] out
        self._encode(text, &out)
        return self._as_list(out)

    def encode_ordinary_batch(self, texts, int num_threads=8) -> list:
        """Encode several texts on native threads with the GIL released; equals a loop of encode_ordinary.

        Lone surrogates are replaced with U+FFFD first, as `Tokenizer.encode_ordinary` does.
        """
        texts = list(texts)
        if self.pattern == PAT_CUSTOM or num_threads <= 1 or len(texts) <= 1:
            return [self.encode_ordinary(_utf8_clean(t)) for t in texts]
        cdef vector[const uint8_t*] starts
        cdef vector[size_t] sizes
        cdef vector[vector[rank_t]] outs
        cdef EncodeError err
        cdef Py_ssize_t n
        cdef size_t k, failed
        cdef unsigned threads = num_threads
        keep = [_utf8_clean(t) for t in texts]  # the UTF-8 buffers live as long as these strings
        for t in keep:
            starts.push_back(<const uint8_t*>PyUnicode_AsUTF8AndSize(t, &n))
            sizes.push_back(n)
        with nogil:
            failed = self.core.encode_batch(self.pattern, starts.data(), sizes.data(), starts.size(), outs,
                                            threads, &err)
        if failed < starts.size():
            _raise_missing(starts[failed], err)
        return [self._as_list(outs[k]) for k in range(outs.size())]

    def count_ordinary(self, str text) -> int:
        """Number of tokens `encode_ordinary(text)` would return, without building the list."""
        cdef Py_ssize_t n
        cdef const uint8_t* s
        cdef size_t count = 0
        cdef EncodeError err
        cdef bint ok
        cdef vector[rank_t] out
        if self.pattern == PAT_CUSTOM:
            self._encode(text, &out)
            return out.size()
        s = <const uint8_t*>PyUnicode_AsUTF8AndSize(text, &n)
        if n < NOGIL_MIN_BYTES:  # (Cython's `with nogil(cond)` takes only compile-time conditions)
            ok = self.core.count_text(self.pattern, s, n, &count, &err)
        else:
            with nogil:
                ok = self.core.count_text(self.pattern, s, n, &count, &err)
        if not ok:
            _raise_missing(s, err)
        return count

    cdef int _encode(self, str text, vector[rank_t]* out) except -1:
        cdef Py_ssize_t n
        cdef const uint8_t* s
        cdef EncodeError err
        cdef bint ok = True
        cdef vector[const uint8_t*] starts
        cdef vector[size_t] sizes
        cdef size_t k
        if self.pattern != PAT_CUSTOM:
            s = <const uint8_t*>PyUnicode_AsUTF8AndSize(text, &n)
            if n < NOGIL_MIN_BYTES:
                ok = self.core.encode_text(self.pattern, s, n, out[0], &err)
            else:
                with nogil:
                    ok = self.core.encode_text(self.pattern, s, n, out[0], &err)
            if not ok:
                _raise_missing(s, err)
            return 0
        # Custom pattern: `regex` splits (GIL held), then all pieces merge with the GIL released.
        pieces = self._findall(text)
        starts.reserve(len(pieces))
        sizes.reserve(len(pieces))
        for piece in pieces:
            s = <const uint8_t*>PyUnicode_AsUTF8AndSize(piece, &n)
            starts.push_back(s)
            sizes.push_back(n)
        with nogil:
            for k in range(starts.size()):
                if not self.core.encode_piece(starts[k], sizes[k], out[0], &err):
                    ok = False
                    break
        if not ok:
            _raise_missing(starts[k], err)
        return 0

    cdef list _as_list(self, vector[rank_t]& ids):
        cdef Py_ssize_t k, m = ids.size()
        cdef list out = PyList_New(m)
        cdef tuple ints = self._ints
        cdef PyObject* item
        cdef object obj  # typed: untyped, Cython would infer a C int and hand the list a freed temporary
        if ints is None:
            for k in range(m):
                obj = ids[k]
                Py_INCREF(obj)  # PyList_SET_ITEM steals a reference
                PyList_SET_ITEM(out, k, obj)
            return out
        for k in range(m):
            # Borrowed from the id cache, one INCREF for the list: no allocation, no temporary.
            item = _tuple_get(ints, ids[k])
            _incref(item)
            _list_set(out, k, item)
        return out

    # ====================
    # Decoding
    # ====================

    def decode_bytes(self, tokens) -> bytes:
        """Concatenate the bytes of the tokens; an unknown id raises KeyError."""
        cdef vector[const char*] parts
        cdef vector[size_t] sizes
        cdef const char* p
        cdef size_t n, total = 0, k
        cdef long long tid
        seq = tokens if isinstance(tokens, (list, tuple)) else list(tokens)
        parts.reserve(len(seq))
        sizes.reserve(len(seq))
        for t in seq:
            try:
                tid = t
            except (TypeError, OverflowError):
                raise KeyError(f"unknown token id {t!r}") from None
            if tid < 0 or not self.core.token_bytes(<uint64_t>tid, &p, &n):
                raise KeyError(f"unknown token id {t!r}")
            parts.push_back(p)
            sizes.push_back(n)
            total += n
        result = PyBytes_FromStringAndSize(NULL, total)
        cdef char* dst = PyBytes_AS_STRING(result)
        with nogil:
            for k in range(parts.size()):
                memcpy(dst, parts[k], sizes[k])
                dst += sizes[k]
        return result


cdef str _utf8_clean(str text):
    # Lone surrogates have no UTF-8; replace them with U+FFFD as tiktoken (and bpe.core) do.
    try:
        PyUnicode_AsUTF8AndSize(text, NULL)
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


cdef rank_t _checked_rank(object rank) except? 0xFFFFFFFF:
    if not isinstance(rank, int) or rank < 0 or rank >= NO_RANK:
        raise ValueError(f"token id {rank!r} is not an integer in [0, {NO_RANK})")
    return rank


cdef int _raise_missing(const uint8_t* base, EncodeError& err) except -1:
    raise KeyError(PyBytes_FromStringAndSize(<const char*>base + err.off, err.len))
