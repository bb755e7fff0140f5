"""Reference twin of the trainer: byte-level BPE merges from chunk counts, in plain Python.

Algorithm (the one rustbpe and HF tokenizers use, so the merges are comparable one for one):
1. every distinct chunk becomes a "word" of byte ids 0-255, weighted by how often it occurs;
2. pair counts and, per pair, the set of words containing it are built once;
3. a max-heap of (count, pair) is popped; an entry whose count is stale is pushed back with the
   current count ("lazy refresh"), because counts of existing pairs only ever go down;
4. the winning pair is merged in the words that contain it, and pair counts are updated by the
   local deltas of each word: no full recount per merge.

Tie-break, the one rule that makes results reproducible: **highest count, then the smallest
(left id, right id) pair**. Counts are Python ints, so they never overflow.
"""
from __future__ import annotations

import heapq
import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping

from .counting import Corpus, _progress_bar, count_chunks, iter_documents
from .pretokenize import compile_pattern, resolve_pattern

if TYPE_CHECKING:  # pragma: no cover
    from .core import Tokenizer


@dataclass
class TrainResult:
    """What training produced: merges in order, the bytes of every id, and diagnostics."""

    merges: list[tuple[int, int]]
    vocab: list[bytes]
    ambiguous: bool = False  # some merge was chosen among pairs tied on count (decided by the tie-break)
    duplicate_ids: list[int] = field(default_factory=list)  # merges whose bytes an earlier token already had

    def mergeable_ranks(self) -> dict[bytes, int]:
        """bytes -> id for every token (a merge repeating earlier bytes keeps the earlier id)."""
        ranks: dict[bytes, int] = {}
        for i, token in enumerate(self.vocab):
            ranks.setdefault(token, i)
        return ranks


def _merge_word(word: list[int], a: int, b: int, new_id: int, weight: int, pair_counts: dict, new_pairs: dict, wi: int) -> list[int]:
    """Merge every non-overlapping (a, b) in word, left to right, applying weighted count deltas.

    Mirrors rustbpe's `Word::merge_pair`: each merge removes (x, a), (a, b), (b, y) and adds
    (x, new), (new, y), where x and y are the neighbours at that moment.
    """
    out: list[int] = []
    n = len(word)
    i = 0
    while i < n:
        if i + 1 < n and word[i] == a and word[i + 1] == b:
            if out:
                x = out[-1]
                pair_counts[(x, a)] -= weight
                key = (x, new_id)
                pair_counts[key] = pair_counts.get(key, 0) + weight
                new_pairs.setdefault(key, set()).add(wi)
            pair_counts[(a, b)] -= weight
            if i + 2 < n:
                y = word[i + 2]
                pair_counts[(b, y)] -= weight
                key = (new_id, y)
                pair_counts[key] = pair_counts.get(key, 0) + weight
                new_pairs.setdefault(key, set()).add(wi)
            out.append(new_id)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def _checked_count(chunk: object, n: object) -> int:
    """The count of a counts entry as an int, or ValueError naming the chunk (both twins check entries here)."""
    if not isinstance(chunk, bytes):
        raise ValueError(
            f"counts keys must be bytes (UTF-8 chunks), got {type(chunk).__name__} {chunk!r:.40}; "
            "encode str chunks with .encode('utf-8')"
        )
    try:
        value = operator.index(n)  # ints and integer types such as numpy's; not 2.5, not "3"
    except TypeError:
        raise ValueError(f"count of chunk {chunk!r:.40} must be an integer, got {type(n).__name__} {n!r:.20}") from None
    if value < 0:
        raise ValueError(f"count of chunk {chunk!r:.40} is negative ({value}); counts must be >= 0")
    return value


def train_from_counts(
    counts: Mapping[bytes, int],
    num_merges: int,
    *,
    min_frequency: int = 1,
    max_token_length: "int | None" = None,
    progress: bool = False,
) -> TrainResult:
    """Learn up to num_merges merges from chunk counts (chunk bytes -> occurrences).

    Example: train_from_counts({b"aaabdaaabac": 1}, 3).merges == [(97, 97), (97, 98), (256, 257)]
    """
    if num_merges < 0:
        raise ValueError(f"num_merges must be >= 0, got {num_merges}")
    if min_frequency < 1:
        raise ValueError(f"min_frequency must be >= 1, got {min_frequency}")
    if max_token_length is not None and max_token_length < 2:
        raise ValueError(f"max_token_length must be >= 2 bytes (or None), got {max_token_length}")
    vocab = [bytes([i]) for i in range(256)]
    words: list[list[int]] = []
    weights: list[int] = []
    for chunk, n in counts.items():
        n = _checked_count(chunk, n)
        if n > 0 and len(chunk) >= 2:
            words.append(list(chunk))
            weights.append(n)

    pair_counts: dict[tuple[int, int], int] = {}
    where: dict[tuple[int, int], set[int]] = {}
    for wi, word in enumerate(words):
        w = weights[wi]
        for pair in zip(word, word[1:]):
            pair_counts[pair] = pair_counts.get(pair, 0) + w
            where.setdefault(pair, set()).add(wi)
    heap = [(-c, a, b) for (a, b), c in pair_counts.items()]
    heapq.heapify(heap)

    def settle_top() -> None:
        """Refresh stale entries until the top of the heap holds a current count."""
        while heap:
            neg, a, b = heap[0]
            current = pair_counts.get((a, b), 0)
            if current == -neg:
                return
            heapq.heappop(heap)
            if current > 0:
                heapq.heappush(heap, (-current, a, b))

    result = TrainResult(merges=[], vocab=vocab)
    seen_bytes = set(vocab)
    bar = _progress_bar(progress, "merging", total=num_merges, unit="merge")
    try:
        while len(result.merges) < num_merges:
            settle_top()
            if not heap:
                break
            neg, a, b = heapq.heappop(heap)
            count = -neg
            if count < min_frequency:
                break
            merged = vocab[a] + vocab[b]
            if max_token_length is not None and len(merged) > max_token_length:
                pair_counts[(a, b)] = 0  # never eligible again
                continue
            settle_top()
            if heap and -heap[0][0] == count:
                result.ambiguous = True
            new_id = len(vocab)
            result.merges.append((a, b))
            if merged in seen_bytes:
                result.duplicate_ids.append(new_id)
            seen_bytes.add(merged)
            vocab.append(merged)
            new_pairs: dict[tuple[int, int], set[int]] = {}
            for wi in where.pop((a, b), ()):
                words[wi] = _merge_word(words[wi], a, b, new_id, weights[wi], pair_counts, new_pairs, wi)
            for pair, wis in new_pairs.items():
                where.setdefault(pair, set()).update(wis)
                c = pair_counts.get(pair, 0)
                if c > 0:
                    heapq.heappush(heap, (-c, pair[0], pair[1]))
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return result


def _check_train_args(vocab_size: int, special_tokens: list, min_frequency: int, max_token_length: "int | None") -> None:
    if vocab_size < 256 + len(special_tokens):
        raise ValueError(
            f"vocab_size={vocab_size} is too small: 256 byte tokens + {len(special_tokens)} special tokens "
            "need at least that many ids"
        )
    if min_frequency < 1:
        raise ValueError(f"min_frequency must be >= 1, got {min_frequency}")
    if max_token_length is not None and max_token_length < 2:
        raise ValueError(f"max_token_length must be >= 2 bytes (or None), got {max_token_length}")


def train_tokenizer(
    cls: "type[Tokenizer]",
    corpus: Corpus,
    vocab_size: int,
    *,
    pat_str: str = "o200k",
    special_tokens: Iterable[str] = (),
    min_frequency: int = 1,
    max_token_length: "int | None" = None,
    progress: bool = True,
    name: str = "trained",
    backend: "str | None" = None,
) -> "Tokenizer":
    """Count chunks of the corpus, learn merges, and build the Tokenizer (n_vocab == vocab_size at most)."""
    from . import _backend

    _check_train_args(vocab_size, list(dict.fromkeys(special_tokens)), min_frequency, max_token_length)
    pat = resolve_pattern(pat_str)
    compile_pattern(pat)
    trainer = _backend.trainers().get(backend or _backend.BACKEND, _backend.trainers()["reference"])
    # Each trainer module brings its counting twin (the native one counts on all cores).
    counts = getattr(trainer, "count_chunks", count_chunks)(iter_documents(corpus), pat, progress=progress)
    return train_tokenizer_from_counts(
        cls, counts, vocab_size, pat_str=pat, special_tokens=special_tokens, min_frequency=min_frequency,
        max_token_length=max_token_length, progress=progress, name=name, backend=backend,
    )


def train_tokenizer_from_counts(
    cls: "type[Tokenizer]",
    counts: Mapping[bytes, int],
    vocab_size: int,
    *,
    pat_str: str = "o200k",
    special_tokens: Iterable[str] = (),
    min_frequency: int = 1,
    max_token_length: "int | None" = None,
    progress: bool = False,
    name: str = "trained",
    backend: "str | None" = None,
) -> "Tokenizer":
    """Learn merges from chunk counts split with pat_str and build the Tokenizer."""
    from . import _backend

    special_tokens = list(dict.fromkeys(special_tokens))
    _check_train_args(vocab_size, special_tokens, min_frequency, max_token_length)
    pat = resolve_pattern(pat_str)
    compile_pattern(pat)
    trainer = _backend.trainers().get(backend or _backend.BACKEND, _backend.trainers()["reference"])
    result = trainer.train_from_counts(
        counts,
        vocab_size - 256 - len(special_tokens),
        min_frequency=min_frequency,
        max_token_length=max_token_length,
        progress=progress,
    )
    ranks = result.mergeable_ranks()
    first_special = len(result.vocab)
    wanted = vocab_size - len(special_tokens)
    if first_special < wanted:
        import warnings

        # Not an error (a small corpus simply has fewer distinct pairs), but never a silent surprise.
        warnings.warn(
            f"training stopped at {first_special:,} tokens (+{len(special_tokens)} special) of the {vocab_size:,} "
            f"asked for: no pair occurs at least {min_frequency} time(s) any more"
            + ("" if max_token_length is None else f" within max_token_length={max_token_length}")
            + "; train on more text or ask for a smaller vocab_size",
            stacklevel=3,
        )
    tok = cls(
        name,
        pat_str=pat,
        mergeable_ranks=ranks,
        special_tokens={t: first_special + i for i, t in enumerate(special_tokens)},
        backend=backend,
    )
    tok.train_result = result
    return tok
