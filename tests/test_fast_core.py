"""Native encoder core (bpe/_fast/core.pyx) == reference twin (bpe/merge.py), beyond the tiktoken parity tests.

Covers what test_encoding.py cannot see through the Tokenizer: the module-level byte_pair_encode,
toy vocabularies (missing bytes, custom patterns), the heap/linear switch, decoding errors and
threads sharing one core.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, strategies as st

from bpe import _backend, merge, pretokenize
from tests.conftest import vendor


@pytest.fixture(scope="module")
def native():
    if "fast" not in _backend.core_classes():
        pytest.skip(f"native extension not built ({_backend._FAST_IMPORT_ERROR})")
    from bpe._fast import core

    return core


TOY = {bytes([b]): b for b in range(256)}
TOY.update({b"aa": 256, b"ab": 257, b"aaa": 258, b"aab": 259, b"ba": 260, b"aaaa": 261, b"abab": 262})


@given(st.binary(max_size=300).map(lambda b: b.replace(b"\x00", b"a")))
def test_hyp_byte_pair_encode_twins_agree(native, piece):
    # Mostly a/b so the toy merges fire, long enough to cross into the heap merge.
    piece = bytes(b"ab"[x % 2] if x % 3 else x for x in piece)
    assert native.byte_pair_encode(piece, TOY) == merge.byte_pair_encode(piece, TOY)


@pytest.mark.parametrize("n", [1, 2, 3, 95, 96, 97, 200, 5000])
def test_linear_and_heap_merges_agree(native, n):
    cl = vendor("cl100k_base", "reference")._core.ranks
    for piece in (b"a" * n, b"ab" * n, "日本".encode() * n, b" " * n):
        assert native.byte_pair_encode(piece, cl) == merge.byte_pair_encode(piece, cl)


def test_example_in_docstring(native):
    assert native.byte_pair_encode(b"aaab", {b"a": 0, b"b": 1, b"aa": 2, b"ab": 3}) == [2, 3]


def test_missing_byte_raises_keyerror_like_reference(native):
    ranks = {b"a": 0, b"b": 1, b"ab": 2}
    for cls in (merge.BytePairCore, native.BytePairCore):
        core = cls(ranks, {}, pretokenize.CL100K)
        assert core.encode_ordinary("abab") == [2, 2]
        with pytest.raises(KeyError):
            core.encode_ordinary("abc")
    with pytest.raises(KeyError):
        native.byte_pair_encode(b"abc", ranks)


def test_custom_pattern_uses_regex_split(native):
    ranks = dict(TOY)
    specials = {"<|x|>": 999}
    for text in ["aab ab  abab", "a\u00e9a ab", ""]:
        expected = merge.BytePairCore(ranks, specials, r"\S+|\s+").encode_ordinary(text)
        got = native.BytePairCore(ranks, specials, r"\S+|\s+")
        assert got.encode_ordinary(text) == expected
        assert got.count_ordinary(text) == len(expected)
    with pytest.raises(UnicodeEncodeError):
        native.BytePairCore(ranks, {}, r"\S+").encode_ordinary("a\ud800")


def test_attributes_match_reference(native):
    ranks, specials = dict(TOY), {"<|x|>": 999}
    ref = merge.BytePairCore(ranks, specials, pretokenize.O200K)
    fast = native.BytePairCore(ranks, specials, pretokenize.O200K)
    assert fast.ranks == ref.ranks and fast.pat_str == ref.pat_str and fast.decoder == ref.decoder
    assert fast.encode_piece("aaab") == ref.encode_piece("aaab")


def test_decode_bytes_errors(native):
    core = native.BytePairCore(dict(TOY), {"<|x|>": 1 << 30}, pretokenize.CL100K)
    assert core.decode_bytes([97, 256, 1 << 30]) == b"aaa<|x|>"
    assert core.decode_bytes(iter([98])) == b"b"
    assert core.decode_bytes(()) == b""
    for bad in ([300], [-1], [1 << 70], ["a"]):
        with pytest.raises(KeyError, match="unknown token id"):
            core.decode_bytes(bad)


def test_bad_rank_is_a_clear_error(native):
    with pytest.raises(ValueError, match="token id"):
        native.BytePairCore({b"a": -1}, {}, pretokenize.CL100K)


def test_threads_share_one_core(native):
    tok = vendor("o200k_base", "fast")
    texts = [f"thread {i}: " + "héllo wörld 日本語 12345 " * (50 + i) for i in range(16)]
    expected = [tok.encode_ordinary(t) for t in texts]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(tok.encode_ordinary, texts)) == expected
    assert tok.encode_ordinary_batch(texts, num_threads=2) == expected
