# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, embedsignature=True
# distutils: language = c++
"""Native twin of `bpe/train.py`: the same merge loop on C++ containers, with 64-bit counts.

The algorithm, tie-break and per-word deltas are exactly those of the reference (read its module
docstring and `_merge_word` for the line-by-line rationale); only the data structures differ:

Performance notes
- Words live in one flat int32 array (`syms`) with per-word start/length; a merge rewrites a word
  in place (the write index never passes the read index), so no allocation per merge.
- Every pair gets a dense id on first sight (`pid_of`): counts, the position index ("which words
  contain this pair", `where`) and a per-merge stamp are plain vectors indexed by it, so the hot
  loop does one hash lookup per neighbouring pair and no more.
- The position index may list a word twice or list words that no longer hold the pair; a stamp
  per word skips repeats and a scan that finds nothing changes nothing, which is cheaper than
  keeping exact sets.
- The heap holds (count, ~key, pid): `~key` turns "smallest (left, right)" into "largest" so one
  max-heap orders by the reference's rule; stale entries are refreshed lazily, which is exact
  because counts of pairs that already exist only ever go down.
- The loop runs without the GIL in slices of PROGRESS_EVERY merges, so progress bars and Ctrl-C
  get a look-in between slices.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cython.operator cimport dereference as deref
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libcpp.queue cimport priority_queue
from libcpp.unordered_map cimport unordered_map
from libcpp.utility cimport pair
from libcpp.vector cimport vector

from ..counting import _progress_bar
from ..train import TrainResult, _checked_count

try:  # the native counting twin; train_tokenizer picks it up from this module
    from .counting import count_chunks
except ImportError:  # not built: train_tokenizer falls back to the reference counter
    pass

__all__ = ["train_from_counts", "PROGRESS_EVERY"]

PROGRESS_EVERY = 256  # merges between two progress updates (and GIL re-acquisitions)

ctypedef pair[uint64_t, uint32_t] KeyPid
ctypedef pair[int64_t, KeyPid] HeapItem
cdef int64_t INT64_MAX = 0x7FFFFFFFFFFFFFFF


cdef inline uint64_t _key(uint32_t a, uint32_t b) noexcept nogil:
    return (<uint64_t>a << 32) | b


cdef class _MergeState:
    """All trainer state in C++ containers; built once from the counts, then stepped."""

    cdef vector[int32_t] syms
    cdef vector[int64_t] wstart
    cdef vector[int32_t] wlen
    cdef vector[int64_t] weight
    cdef vector[int64_t] wstamp
    cdef unordered_map[uint64_t, uint32_t] pid_of
    cdef vector[int64_t] pcount
    cdef vector[uint64_t] pkey
    cdef vector[int64_t] pstamp
    cdef vector[vector[uint32_t]] where
    cdef priority_queue[HeapItem] heap
    cdef vector[int64_t] toklen
    cdef vector[uint64_t] merges
    cdef vector[uint32_t] touched
    cdef int64_t num_merges, min_frequency, max_token_length
    cdef bint ambiguous, finished

    cdef inline uint32_t pid(self, uint64_t key) noexcept nogil:
        """Dense id of a pair, created on first sight."""
        cdef pair[unordered_map[uint64_t, uint32_t].iterator, bint] ins = self.pid_of.insert(
            pair[uint64_t, uint32_t](key, <uint32_t>self.pcount.size())
        )
        if ins.second:
            self.pcount.push_back(0)
            self.pkey.push_back(key)
            self.pstamp.push_back(-1)
            self.where.push_back(vector[uint32_t]())
        return deref(ins.first).second

    cdef inline void note(self, uint32_t q, uint32_t wi) noexcept nogil:
        """Record that word wi now holds new pair q (for the heap push and the position index)."""
        if self.pstamp[q] != <int64_t>self.merges.size():
            self.pstamp[q] = <int64_t>self.merges.size()
            self.touched.push_back(q)
        if self.where[q].empty() or self.where[q].back() != wi:
            self.where[q].push_back(wi)

    cdef void build(self) noexcept nogil:
        """Count every adjacent pair once, weighted, and index the words that hold it."""
        cdef size_t wi, i
        cdef int32_t* s
        cdef uint32_t q
        for wi in range(self.wlen.size()):
            s = &self.syms[self.wstart[wi]]
            for i in range(<size_t>self.wlen[wi] - 1):
                q = self.pid(_key(s[i], s[i + 1]))
                self.pcount[q] += self.weight[wi]
                if self.where[q].empty() or self.where[q].back() != wi:
                    self.where[q].push_back(<uint32_t>wi)
        for q in range(self.pcount.size()):
            if self.pcount[q] > 0:
                self.heap.push(HeapItem(self.pcount[q], KeyPid(~self.pkey[q], q)))

    cdef inline void settle(self) noexcept nogil:
        """Refresh stale heap entries until the top holds a current count (the reference's settle_top)."""
        cdef HeapItem top
        cdef int64_t cur
        while not self.heap.empty():
            top = self.heap.top()
            cur = self.pcount[top.second.second]
            if cur == top.first:
                return
            self.heap.pop()
            if cur > 0:
                self.heap.push(HeapItem(cur, top.second))

    cdef void apply(self, uint32_t p, uint32_t a, uint32_t b, int32_t new_id) noexcept nogil:
        """Merge (a, b) into new_id in every word listed for it, applying weighted deltas."""
        cdef vector[uint32_t] words
        cdef uint32_t wi, q
        cdef int64_t w, stamp = <int64_t>self.merges.size()
        cdef int32_t* s
        cdef int32_t n, i, j, x, y
        words.swap(self.where[p])  # the reference pops the entry: (a, b) never reappears
        self.touched.clear()
        for wi in words:
            if self.wstamp[wi] == stamp:
                continue
            self.wstamp[wi] = stamp
            w = self.weight[wi]
            s = &self.syms[self.wstart[wi]]
            n = self.wlen[wi]
            i = 0
            j = 0
            while i < n:
                if i + 1 < n and s[i] == <int32_t>a and s[i + 1] == <int32_t>b:
                    if j > 0:
                        x = s[j - 1]  # already rewritten: may be new_id, as in rustbpe
                        self.pcount[self.pid(_key(x, a))] -= w
                        q = self.pid(_key(x, new_id))
                        self.pcount[q] += w
                        self.note(q, wi)
                    self.pcount[p] -= w
                    if i + 2 < n:
                        y = s[i + 2]
                        self.pcount[self.pid(_key(b, y))] -= w
                        q = self.pid(_key(new_id, y))
                        self.pcount[q] += w
                        self.note(q, wi)
                    s[j] = new_id
                    j += 1
                    i += 2
                else:
                    s[j] = s[i]
                    j += 1
                    i += 1
            self.wlen[wi] = j
        for q in self.touched:
            if self.pcount[q] > 0:
                self.heap.push(HeapItem(self.pcount[q], KeyPid(~self.pkey[q], q)))

    cdef int64_t run(self, int64_t budget) noexcept nogil:
        """Do up to budget merges; set finished when no eligible pair is left. Returns merges done."""
        cdef int64_t done = 0, count
        cdef HeapItem top
        cdef uint64_t key
        cdef uint32_t a, b, p
        cdef int32_t new_id
        while done < budget:
            if <int64_t>self.merges.size() >= self.num_merges:
                self.finished = True
                break
            self.settle()
            if self.heap.empty():
                self.finished = True
                break
            top = self.heap.top()
            self.heap.pop()
            count = top.first
            key = ~top.second.first
            p = top.second.second
            a = <uint32_t>(key >> 32)
            b = <uint32_t>key  # low 32 bits
            if count < self.min_frequency:
                self.finished = True
                break
            if self.max_token_length > 0 and self.toklen[a] + self.toklen[b] > self.max_token_length:
                self.pcount[p] = 0  # never eligible again, as in the reference
                continue
            self.settle()
            if not self.heap.empty() and self.heap.top().first == count:
                self.ambiguous = True
            new_id = <int32_t>(256 + self.merges.size())
            self.merges.push_back(key)
            self.toklen.push_back(self.toklen[a] + self.toklen[b])
            self.apply(p, a, b, new_id)
            done += 1
        return done


def train_from_counts(
    counts,
    num_merges: int,
    *,
    min_frequency: int = 1,
    max_token_length: "int | None" = None,
    progress: bool = False,
) -> TrainResult:
    """Learn up to num_merges merges from chunk counts (chunk bytes -> occurrences); native twin.

    Example: train_from_counts({b"aaabdaaabac": 1}, 3).merges == [(97, 97), (97, 98), (256, 257)]
    """
    if num_merges < 0:
        raise ValueError(f"num_merges must be >= 0, got {num_merges}")
    if min_frequency < 1:
        raise ValueError(f"min_frequency must be >= 1, got {min_frequency}")
    if max_token_length is not None and max_token_length < 2:
        raise ValueError(f"max_token_length must be >= 2 bytes (or None), got {max_token_length}")
    cdef _MergeState st = _MergeState()
    st.num_merges = min(num_merges, INT64_MAX)
    st.min_frequency = min(min_frequency, INT64_MAX)
    st.max_token_length = 0 if max_token_length is None else min(max_token_length, INT64_MAX)
    cdef Py_ssize_t size, i
    cdef const unsigned char* data
    cdef int64_t n64
    pair_total = 0
    for chunk, n in counts.items():
        n = _checked_count(chunk, n)
        if n > INT64_MAX:
            raise ValueError(f"count of chunk {chunk!r:.40} is {n}, beyond the 64-bit range of the native trainer")
        size = PyBytes_GET_SIZE(chunk)
        if n == 0 or size < 2:
            continue
        # Every pair count is a sum of these: bounding the total keeps all of them inside 64 bits.
        pair_total += n * (size - 1)
        if pair_total > INT64_MAX:
            raise ValueError(
                "the chunk counts add up to more than 2**63 - 1 pair occurrences, beyond the native trainer's "
                "64-bit counts; pass backend='reference', which counts with Python's unbounded integers"
            )
        if size > 0x7FFFFFFF:
            raise ValueError(f"a chunk of {size} bytes is too long; split it (counting caps chunks for this)")
        n64 = n
        data = <const unsigned char*>PyBytes_AS_STRING(chunk)
        st.wstart.push_back(<int64_t>st.syms.size())
        st.wlen.push_back(<int32_t>size)
        st.weight.push_back(n64)
        for i in range(size):
            st.syms.push_back(data[i])
    if st.wlen.size() > 0xFFFFFFFE:
        raise ValueError("more than 2**32 distinct chunks; shard the corpus and merge counts with a cap")
    st.wstamp.assign(st.wlen.size(), -1)
    st.toklen.assign(256, 1)
    with nogil:
        st.build()

    bar = _progress_bar(progress, "merging", total=num_merges, unit="merge")
    cdef int64_t done, every = PROGRESS_EVERY
    try:
        while not st.finished:
            with nogil:
                done = st.run(every)
            if bar is not None and done:
                bar.update(done)
    finally:
        if bar is not None:
            bar.close()

    vocab = [bytes([i]) for i in range(256)]
    merges = []
    duplicate_ids = []
    seen = set(vocab)
    cdef uint64_t key
    for key in st.merges:
        a = <uint32_t>(key >> 32)
        b = <uint32_t>key  # low 32 bits
        merged = vocab[a] + vocab[b]
        if merged in seen:
            duplicate_ids.append(len(vocab))
        seen.add(merged)
        vocab.append(merged)
        merges.append((a, b))
    return TrainResult(merges=merges, vocab=vocab, ambiguous=bool(st.ambiguous), duplicate_ids=duplicate_ids)
