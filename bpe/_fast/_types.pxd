# cython: language_level=3
"""C++ declarations shared by the bpe._fast modules (the implementation lives in the .hpp headers)."""
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libcpp cimport bool
from libcpp.vector cimport vector


cdef extern from "_core.hpp" namespace "bpe" nogil:
    ctypedef uint32_t rank_t
    const rank_t NO_RANK

    enum Pattern:
        PAT_CUSTOM
        PAT_R50K
        PAT_CL100K
        PAT_O200K
        PAT_QWEN
        PAT_QWEN3_5
        PAT_TEKKEN

    cdef cppclass EncodeError:
        size_t off
        size_t len

    cdef cppclass Core:
        void reserve(size_t n_tokens)
        void add_ordinary(const uint8_t* p, size_t n, rank_t rank)
        void add_decodable(const uint8_t* p, size_t n, rank_t id)
        bool token_bytes(uint64_t id, const char** p, size_t* n)
        bool encode_piece(const uint8_t* p, size_t n, vector[rank_t]& out, EncodeError* err)
        bool encode_text(Pattern pat, const uint8_t* s, size_t n, vector[rank_t]& out, EncodeError* err)
        size_t encode_batch(Pattern pat, const uint8_t* const* texts, const size_t* lens, size_t n_texts,
                            vector[vector[rank_t]]& outs, unsigned n_threads, EncodeError* err)
        bool count_text(Pattern pat, const uint8_t* s, size_t n, size_t* count, EncodeError* err)

    void split_text(Pattern pat, const uint8_t* s, size_t n, vector[size_t]& ends)
