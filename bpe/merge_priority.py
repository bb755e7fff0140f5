"""Merge-priority encoder core: HF `tokenizers`' BPE rule, for vocabularies whose merge order is not id order.

`bpe.merge.BytePairCore` merges the adjacent pair whose *concatenation* has the lowest rank. A
tokenizer.json instead lists merges `(left, right)` by priority, and only those pairs ever merge:
a concatenation that is in the vocabulary but not listed as a merge of exactly these two parts
stays split. When the two rules provably agree, `bpe.hf_json` converts to ranks and this module is
not used; otherwise this core gives HF's answer. It has the same interface as `BytePairCore`
(`encode_ordinary`, `count_ordinary`, `encode_piece`, `decode_bytes`) plus the merge table.

Rule (HF `Word::merge_all`): start from single bytes, repeatedly merge the adjacent pair with the
lowest merge priority, leftmost among equal priorities, until no adjacent pair is a merge.
"""
from __future__ import annotations

import heapq
from typing import Iterable, Mapping, Sequence

from .merge import BytePairCore

_NONE = (1 << 62, -1)  # (priority, new id) of a pair that is not a merge

# Pieces up to this many bytes use a linear scan; longer ones a heap (as bpe.merge does).
LARGE_PIECE_BYTES = 128


def build_merge_table(
    mergeable_ranks: Mapping[bytes, int], merges: Iterable[tuple[bytes, bytes]]
) -> dict[tuple[int, int], tuple[int, int]]:
    """(left id, right id) -> (priority, merged id); a later duplicate merge overrides, as in HF.

    Example: build_merge_table({b"a": 0, b"b": 1, b"ab": 2}, [(b"a", b"b")]) == {(0, 1): (0, 2)}
    """
    table: dict[tuple[int, int], tuple[int, int]] = {}
    for priority, (left, right) in enumerate(merges):
        try:
            key = (mergeable_ranks[left], mergeable_ranks[right])
            merged = mergeable_ranks[left + right]
        except KeyError as exc:
            raise ValueError(
                f"merge #{priority} {left!r} + {right!r}: {exc.args[0]!r} is not in the vocabulary; "
                "every merge's parts and result must be tokens"
            ) from None
        table[key] = (priority, merged)
    return table


def merge_priority_encode(
    piece: bytes,
    byte_ids: Sequence[int],
    table: Mapping[tuple[int, int], tuple[int, int]],
) -> list[int]:
    """Encode one piece: start from byte ids, apply merges by priority (leftmost on ties).

    byte_ids[b] is the id of the single byte b, or -1 when the vocabulary lacks it (HF drops such
    bytes when there is no unk token, and so do we).
    Example: merge_priority_encode(b"ab", [..a=0, b=1..], {(0, 1): (0, 2)}) == [2]
    """
    ids = [byte_ids[b] for b in piece]
    if -1 in ids:
        ids = [i for i in ids if i >= 0]
    if len(ids) < 2:
        return ids
    if len(ids) <= LARGE_PIECE_BYTES:
        return _merge_linear(ids, table)
    return _merge_heap(ids, table)


def _merge_linear(ids: list[int], table: Mapping[tuple[int, int], tuple[int, int]]) -> list[int]:
    get = table.get
    pairs = [get((ids[i], ids[i + 1]), _NONE) for i in range(len(ids) - 1)]
    while pairs:
        best = min(pairs)  # tuples compare by priority first; equal priorities give the same pair
        if best[0] == _NONE[0]:
            break
        i = pairs.index(best)  # leftmost among the lowest priority
        ids[i] = best[1]
        del ids[i + 1]
        del pairs[i]
        if i < len(pairs):
            pairs[i] = get((ids[i], ids[i + 1]), _NONE)
        if i > 0:
            pairs[i - 1] = get((ids[i - 1], ids[i]), _NONE)
    return ids


def _merge_heap(ids: list[int], table: Mapping[tuple[int, int], tuple[int, int]]) -> list[int]:
    """O(n log n) variant for long pieces: heap of (priority, position) over a linked list."""
    get = table.get
    n = len(ids)
    nxt = list(range(1, n + 1))
    prv = list(range(-1, n - 1))
    alive = [True] * n
    heap = []
    for i in range(n - 1):
        p = get((ids[i], ids[i + 1]))
        if p is not None:
            heap.append((p[0], i, ids[i], ids[i + 1]))
    heapq.heapify(heap)
    while heap:
        priority, i, left, right = heapq.heappop(heap)
        j = nxt[i] if alive[i] else n
        # Stale when either part changed since the entry was pushed.
        if j >= n or ids[i] != left or ids[j] != right:
            continue
        ids[i] = table[(left, right)][1]
        alive[j] = False
        nxt[i] = nxt[j]
        if nxt[j] < n:
            prv[nxt[j]] = i
        if nxt[i] < n:
            p = get((ids[i], ids[nxt[i]]))
            if p is not None:
                heapq.heappush(heap, (p[0], i, ids[i], ids[nxt[i]]))
        if prv[i] >= 0:
            k = prv[i]
            p = get((ids[k], ids[i]))
            if p is not None:
                heapq.heappush(heap, (p[0], k, ids[k], ids[i]))
    out = []
    i = 0
    while i < n:
        out.append(ids[i])
        i = nxt[i]
    return out


class MergePriorityCore(BytePairCore):
    """Encoder core with HF's merge-priority rule; same interface as `bpe.merge.BytePairCore`.

    Only the merge of one piece differs; splitting, caching, counting and decoding are inherited.
    """

    def __init__(
        self,
        mergeable_ranks: Mapping[bytes, int],
        special_tokens: Mapping[str, int],
        pat_str: str,
        *,
        merges: Iterable[tuple[bytes, bytes]] = (),
        ignore_merges: bool = False,
    ) -> None:
        """`merges` in priority order; `ignore_merges` returns a whole piece that is a token as one id (HF's flag)."""
        super().__init__(mergeable_ranks, special_tokens, pat_str)
        self.merges = [(bytes(a), bytes(b)) for a, b in merges]
        self.ignore_merges = ignore_merges
        self.table = build_merge_table(self.ranks, self.merges)
        self.byte_ids = [self.ranks.get(bytes([b]), -1) for b in range(256)]

    def merge_bytes(self, data: bytes) -> list[int]:
        """HF's rule: apply the highest-priority merge present, repeatedly (whole-piece hit first with ignore_merges)."""
        rank = self.ranks.get(data) if self.ignore_merges else None
        return [rank] if rank is not None else merge_priority_encode(data, self.byte_ids, self.table)
