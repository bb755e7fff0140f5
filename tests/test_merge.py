"""The rank-based merge: linear and heap paths agree, twins agree, every vocabulary token round-trips."""
from __future__ import annotations

from hypothesis import given, strategies as st

from bpe import _backend, merge
from tests.conftest import vendor

TOY = {b"a": 0, b"b": 1, b"c": 2, b"aa": 3, b"ab": 4, b"aab": 5, b"bc": 6, b"aaa": 7}
toy_pieces = st.text(alphabet="abc", max_size=300).map(str.encode)


def test_example():
    assert merge.byte_pair_encode(b"aaab", {b"a": 0, b"b": 1, b"aa": 2, b"ab": 3}) == [2, 3]


def test_whole_piece_hit():
    assert merge.byte_pair_encode(b"aab", TOY) == [5]


@given(toy_pieces)
def test_hyp_linear_equals_heap(piece):
    if piece:
        assert merge._merge_linear(piece, TOY) == merge._merge_heap(piece, TOY)


@given(st.binary(max_size=400))
def test_hyp_linear_equals_heap_on_cl100k(piece):
    ranks = vendor("cl100k_base", "reference")._mergeable_ranks
    if piece:
        assert merge._merge_linear(piece, ranks) == merge._merge_heap(piece, ranks)


@given(st.binary(max_size=300))
def test_hyp_twins_agree_on_bytes(piece):
    results = []
    for name, cls in _backend.core_classes().items():
        core = vendor("o200k_base", name)._core
        results.append(core.decode_bytes(core.encode_piece(piece.decode("latin-1"))))
    assert all(r == results[0] for r in results)


def test_every_cl100k_token_roundtrips(backend):
    tok = vendor("cl100k_base", backend)
    for token, rank in list(tok._mergeable_ranks.items())[::97]:
        assert tok.decode_single_token_bytes(rank) == token
        assert tok.encode_single_token(token) == rank


def test_leftmost_wins_on_equal_ranks():
    # "aaa": pairs (a,a) at 0 and 1 share rank 3; the leftmost merges first, like tiktoken.
    ranks = {b"a": 0, b"aa": 3, b"b": 1}
    assert merge.byte_pair_encode(b"aaa", ranks) == [3, 0]
    assert merge._merge_heap(b"aaa", ranks) == [3, 0]


def test_cache_is_bounded():
    core = merge.BytePairCore(TOY, {}, r"\S")
    core.CACHE_LIMIT = 3
    for piece in "abcabc":
        core.encode_piece(piece * 2)
    assert len(core._cache) <= 3
