"""Reference twin of the encoder core: rank-based byte-pair merge in plain Python.

The native twin is `bpe/_fast/core.pyx`; both define `byte_pair_encode` and `BytePairCore` with
the same signatures and results, and `bpe/_backend.py` is the only place that picks one.

The rule is tiktoken's: split the piece into single bytes, then repeatedly merge the adjacent pair
whose concatenation has the lowest rank (leftmost on ties) until no adjacent concatenation is a
token. Ranks are keyed by bytes, not by pairs, so vocabularies whose single-byte tokens are not
numbered by byte value (cl100k_base) need no special handling.
"""
from __future__ import annotations

import heapq
from typing import Mapping, Sequence

from .pretokenize import piece_finder

# Pieces up to this many bytes use the linear scan (fast for the short pieces that make up almost
# all text); longer ones use the heap so that a million-byte piece stays O(n log n).
LARGE_PIECE_BYTES = 128

_NO_RANK = 1 << 62


def _merge_linear(piece: bytes, ranks: Mapping[bytes, int]) -> list[int]:
    """O(n * m) merge for short pieces: keep the rank of every adjacent pair in a list."""
    get = ranks.get
    bounds = list(range(len(piece) + 1))  # start offset of every part, plus the end
    pair_ranks = [get(piece[i : i + 2], _NO_RANK) for i in range(len(piece) - 1)]
    while pair_ranks:
        best = min(pair_ranks)
        if best == _NO_RANK:
            break
        i = pair_ranks.index(best)  # leftmost lowest rank, like tiktoken
        del bounds[i + 1]
        del pair_ranks[i]
        if i < len(pair_ranks):
            pair_ranks[i] = get(piece[bounds[i] : bounds[i + 2]], _NO_RANK)
        if i > 0:
            pair_ranks[i - 1] = get(piece[bounds[i - 1] : bounds[i + 1]], _NO_RANK)
    return [ranks[piece[bounds[j] : bounds[j + 1]]] for j in range(len(bounds) - 1)]


def _merge_heap(piece: bytes, ranks: Mapping[bytes, int]) -> list[int]:
    """O(n log n) merge for long pieces: a heap of (rank, start) over a linked list of parts.

    Popping (rank, start) gives the lowest rank and, among equal ranks, the leftmost part: the same
    order as the linear scan. Stale heap entries are recognised by comparing with `pair_rank`.
    """
    get = ranks.get
    n = len(piece)
    next_start = list(range(1, n + 1))  # start of the part after the one starting at i (n = end)
    prev_start = list(range(-1, n - 1))
    pair_rank = [get(piece[i : i + 2], _NO_RANK) for i in range(n - 1)] + [_NO_RANK]
    heap = [(r, i) for i, r in enumerate(pair_rank) if r != _NO_RANK]
    heapq.heapify(heap)
    alive = bytearray(b"\x01") * n

    def refresh(i: int) -> None:
        j = next_start[i]
        r = get(piece[i : next_start[j]], _NO_RANK) if j < n else _NO_RANK
        pair_rank[i] = r
        if r != _NO_RANK:
            heapq.heappush(heap, (r, i))

    while heap:
        r, i = heapq.heappop(heap)
        if not alive[i] or pair_rank[i] != r:
            continue  # stale: this part has been merged or its right neighbour has changed
        j = next_start[i]
        alive[j] = 0
        next_start[i] = next_start[j]
        if next_start[j] < n:
            prev_start[next_start[j]] = i
        refresh(i)
        if prev_start[i] >= 0:
            refresh(prev_start[i])
    out = []
    i = 0
    while i < n:
        out.append(ranks[piece[i : next_start[i]]])
        i = next_start[i]
    return out


def byte_pair_encode(piece: bytes, ranks: Mapping[bytes, int]) -> list[int]:
    """Encode one pre-tokenised piece with the rank-based BPE merge.

    Example: byte_pair_encode(b"aaab", {b"a": 0, b"b": 1, b"aa": 2, b"ab": 3}) == [2, 3]
    """
    rank = ranks.get(piece)
    if rank is not None:
        return [rank]
    if len(piece) <= LARGE_PIECE_BYTES:
        return _merge_linear(piece, ranks)
    return _merge_heap(piece, ranks)


class BytePairCore:
    """Ordinary-text encoder and decoder for one vocabulary and split pattern (reference twin).

    Special tokens are the caller's business (see `bpe.core.Tokenizer`); `decode_bytes` knows
    their bytes so a single join serves both kinds of token.
    """

    # Whole pieces repeat constantly in real text; caching them is what makes the pure-Python
    # path usable on large corpora. Bounded so that adversarial input cannot exhaust memory.
    CACHE_LIMIT = 200_000

    def __init__(
        self,
        mergeable_ranks: Mapping[bytes, int],
        special_tokens: Mapping[str, int],
        pat_str: str,
    ) -> None:
        self.ranks = dict(mergeable_ranks)
        self.pat_str = pat_str
        self._findall = piece_finder(pat_str)  # strings, no match objects: the cheaper call
        self.decoder: dict[int, bytes] = {rank: token for token, rank in self.ranks.items()}
        for text, rank in special_tokens.items():
            self.decoder[rank] = text.encode("utf-8")
        self._cache: dict[str, list[int]] = {}

    def merge_bytes(self, data: bytes) -> list[int]:
        """The merge rule applied to one piece's bytes (subclasses with another rule override this)."""
        return byte_pair_encode(data, self.ranks)

    def encode_piece(self, piece: str) -> list[int]:
        """Encode one pre-tokenised piece (cached)."""
        ids = self._cache.get(piece)
        if ids is None:
            ids = self.merge_bytes(piece.encode("utf-8"))
            if len(self._cache) >= self.CACHE_LIMIT:
                self._cache.clear()
            self._cache[piece] = ids
        return ids

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode text with no special-token handling."""
        out: list[int] = []
        encode_piece = self.encode_piece
        for piece in self._findall(text):
            out.extend(encode_piece(piece))
        return out

    def count_ordinary(self, text: str) -> int:
        """Number of tokens `encode_ordinary(text)` would return, without building the list."""
        encode_piece = self.encode_piece
        return sum(len(encode_piece(piece)) for piece in self._findall(text))

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """Concatenate the bytes of the tokens; an unknown id raises KeyError."""
        decoder = self.decoder
        try:
            return b"".join([decoder[t] for t in tokens])
        except KeyError as exc:
            raise KeyError(f"unknown token id {exc.args[0]!r}") from None
