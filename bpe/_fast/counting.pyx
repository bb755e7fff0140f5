# cython: language_level=3, boundscheck=False, wraparound=False, embedsignature=True
# distutils: language = c++
"""Native twin of `bpe/counting.py::count_chunks`: distinct chunks counted in a C++ hash table, on all cores.

Performance notes
- Keys are `string_view`s into an append-only arena, so a lookup of a chunk already seen (the
  common case: most chunks repeat) allocates nothing; only a new distinct chunk is copied, once.
  Memory therefore grows with the distinct chunks, never with the corpus.
- tiktoken's patterns (R50K, CL100K, O200K) and the vendor patterns in `bpe._fast.core._BUILTIN_PATTERNS`
  are split by the native pre-tokeniser shared with
  `bpe._fast.core` (`split_text` in `_types.pxd`), straight from the UTF-8 buffer into the table with
  the GIL released, so past a few MB one thread per core counts batches of documents. Any other
  pattern is split by `regex`, which holds the GIL while it builds match objects, so its batches go
  to one worker process per core instead. Either way the queue is bounded (the reader cannot run
  ahead), each worker keeps its own table, and the tables are merged once at the end.
- A chunk longer than MAX_CHUNK_CHARS characters (a megabyte-long line without spaces) is cut into
  slices of that many characters, with a warning, exactly as the reference does: without the cap
  one such chunk makes every merge rescan it and training stalls.
"""
import os
import warnings
from collections import Counter
from typing import Optional

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.dict cimport PyDict_SetItem
from libc.stdint cimport int64_t, uint8_t
from libcpp.string cimport string
from libcpp.vector cimport vector

from ._types cimport PAT_CUSTOM, Pattern, split_text

from ..counting import MAX_CHUNK_CHARS, _long_chunk_warning, _progress_bar
from ..pretokenize import compile_pattern, piece_finder
from .core import _BUILTIN_PATTERNS

__all__ = ["ChunkTable", "count_chunks"]

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object s, Py_ssize_t* size) except NULL
    Py_ssize_t PyUnicode_GET_LENGTH(object s)

cdef extern from * nogil:
    """
    #include <cstring>
    #include <memory>
    #include <string>
    #include <string_view>
    #include <unordered_map>
    #include <vector>

    // Distinct chunk -> count; keys point into an arena of 1 MiB blocks that never move.
    struct BpeChunkMap {
        std::unordered_map<std::string_view, int64_t> map;
        std::vector<std::unique_ptr<char[]>> blocks;
        size_t used = 0, cap = 0;

        std::string_view store(const char* p, size_t n) {
            if (n > cap - used) {
                size_t sz = n > (1u << 20) ? n : (1u << 20);
                blocks.emplace_back(new char[sz]);
                used = 0;
                cap = sz;
            }
            char* d = blocks.back().get() + used;
            if (n) std::memcpy(d, p, n);
            used += n;
            return std::string_view(d, n);
        }
        void add(const char* p, size_t n, int64_t c) {
            auto it = map.find(std::string_view(p, n));
            if (it != map.end()) { it->second += c; return; }
            map.emplace(store(p, n), c);
        }
        // Count one piece, cut into slices of at most cap characters; returns whether it was cut.
        bool add_capped(const char* p, size_t n, size_t cap) {
            if (n <= cap) { add(p, n, 1); return false; }
            size_t start = 0, chars = 0;
            for (size_t i = 0; i < n; ++i) {
                if ((static_cast<unsigned char>(p[i]) & 0xC0) == 0x80) continue;  // continuation byte
                if (chars == cap) { add(p + start, i - start, 1); start = i; chars = 0; }
                ++chars;
            }
            if (start == 0) { add(p, n, 1); return false; }  // long in bytes, not in characters
            add(p + start, n - start, 1);
            return true;
        }
        void merge(const BpeChunkMap& o) {
            map.reserve(map.size() + o.map.size() / 2);
            for (const auto& kv : o.map) add(kv.first.data(), kv.first.size(), kv.second);
        }
        size_t size() const { return map.size(); }
        // Flat form for pickling: [u64 len][bytes][i64 count]...
        std::string dump() const {
            std::string out;
            for (const auto& kv : map) {
                uint64_t n = kv.first.size();
                out.append(reinterpret_cast<const char*>(&n), 8);
                out.append(kv.first.data(), n);
                out.append(reinterpret_cast<const char*>(&kv.second), 8);
            }
            return out;
        }
        bool load(const char* p, size_t len) {
            size_t i = 0;
            while (i < len) {
                uint64_t n; int64_t c;
                if (len - i < 8) return false;
                std::memcpy(&n, p + i, 8); i += 8;
                if (len - i < n + 8) return false;
                const char* k = p + i; i += n;
                std::memcpy(&c, p + i, 8); i += 8;
                add(k, n, c);
            }
            return true;
        }
        void items(std::vector<const char*>& ptrs, std::vector<size_t>& lens, std::vector<int64_t>& counts) const {
            ptrs.reserve(map.size()); lens.reserve(map.size()); counts.reserve(map.size());
            for (const auto& kv : map) {
                ptrs.push_back(kv.first.data());
                lens.push_back(kv.first.size());
                counts.push_back(kv.second);
            }
        }
    };
    """
    cppclass BpeChunkMap:
        void add(const char* p, size_t n, int64_t c)
        bint add_capped(const char* p, size_t n, size_t cap)
        void merge(const BpeChunkMap& o)
        size_t size()
        string dump()
        bint load(const char* p, size_t n)
        void items(vector[const char*]& ptrs, vector[size_t]& lens, vector[int64_t]& counts)


cdef class ChunkTable:
    """A native table of distinct chunks (UTF-8 bytes) and their counts; picklable, mergeable."""

    cdef BpeChunkMap m
    cdef public Py_ssize_t long_chunks  # chunks cut because they exceeded MAX_CHUNK_CHARS

    def add_pieces(self, list pieces, Py_ssize_t max_chunk_chars=MAX_CHUNK_CHARS) -> None:
        """Count a list of str pieces (one occurrence each), cutting over-long ones."""
        cdef const char* p
        cdef Py_ssize_t n
        for piece in pieces:
            if PyUnicode_GET_LENGTH(piece) > max_chunk_chars:
                self.long_chunks += 1
                for i in range(0, PyUnicode_GET_LENGTH(piece), max_chunk_chars):
                    self._add_str(piece[i:i + max_chunk_chars])
                continue
            try:
                p = PyUnicode_AsUTF8AndSize(piece, &n)
            except UnicodeEncodeError:  # lone surrogates: encode them as the reference does
                self._add_str(piece)
                continue
            self.m.add(p, <size_t>n, 1)

    cdef size_t count_native(self, Pattern pat, const char* s, size_t n, size_t cap) noexcept nogil:
        """Split UTF-8 text with the native pre-tokeniser and count its pieces; returns pieces cut."""
        cdef vector[size_t] ends
        cdef size_t start = 0, end, cut = 0
        split_text(pat, <const uint8_t*>s, n, ends)
        for end in ends:
            cut += self.m.add_capped(s + start, end - start, cap)
            start = end
        return cut

    def add_text(self, str text, str pat_str, Py_ssize_t max_chunk_chars=MAX_CHUNK_CHARS) -> None:
        """Split text with pat_str and count its pieces (native splitter, GIL released, for the native patterns)."""
        cdef Pattern pat = _BUILTIN_PATTERNS.get(pat_str, PAT_CUSTOM)
        cdef const char* s
        cdef Py_ssize_t n
        cdef size_t cap = max_chunk_chars, cut
        if pat == PAT_CUSTOM:
            self.add_pieces(piece_finder(pat_str)(text), max_chunk_chars)
            return
        try:
            s = PyUnicode_AsUTF8AndSize(text, &n)
        except UnicodeEncodeError:  # lone surrogates: the regex path encodes them as the reference does
            self.add_pieces(piece_finder(pat_str)(text), max_chunk_chars)
            return
        with nogil:
            cut = self.count_native(pat, s, <size_t>n, cap)
        self.long_chunks += cut

    def add_texts(self, list texts, str pat_str, Py_ssize_t max_chunk_chars=MAX_CHUNK_CHARS) -> None:
        """add_text for a batch: one GIL release for the whole batch, so worker threads do not convoy on it."""
        cdef Pattern pat = _BUILTIN_PATTERNS.get(pat_str, PAT_CUSTOM)
        cdef vector[const char*] ptrs
        cdef vector[size_t] lens
        cdef const char* s
        cdef Py_ssize_t n
        cdef size_t cap = max_chunk_chars, cut = 0, i
        if pat == PAT_CUSTOM:
            for text in texts:
                self.add_pieces(piece_finder(pat_str)(text), max_chunk_chars)
            return
        for text in texts:  # texts keeps every str (and its cached UTF-8) alive while the GIL is released
            try:
                s = PyUnicode_AsUTF8AndSize(text, &n)
            except UnicodeEncodeError:
                self.add_text(text, pat_str, max_chunk_chars)
                continue
            ptrs.push_back(s)
            lens.push_back(<size_t>n)
        with nogil:
            for i in range(ptrs.size()):
                cut += self.count_native(pat, ptrs[i], lens[i], cap)
        self.long_chunks += cut

    cdef _add_str(self, str piece):
        cdef bytes b = piece.encode("utf-8", "surrogatepass")
        self.m.add(b, len(b), 1)

    def add(self, bytes chunk, count: int = 1) -> None:
        """Add count occurrences of one chunk."""
        self.m.add(chunk, len(chunk), count)

    def update(self, ChunkTable other) -> None:
        """Add every count of another table (merging shards)."""
        self.m.merge(other.m)
        self.long_chunks += other.long_chunks

    def __len__(self) -> int:
        return self.m.size()

    def dumps(self) -> bytes:
        """Serialise to bytes (length-prefixed chunks and int64 counts)."""
        return self.m.dump()

    @staticmethod
    def loads(const unsigned char[::1] data, Py_ssize_t long_chunks=0) -> "ChunkTable":
        """Rebuild a table serialised by dumps()."""
        cdef ChunkTable t = ChunkTable()
        if data.shape[0] and not t.m.load(<const char*>&data[0], data.shape[0]):
            raise ValueError("corrupt ChunkTable data (truncated record)")
        t.long_chunks = long_chunks
        return t

    def __reduce__(self):
        return (_rebuild, (self.m.dump(), self.long_chunks))

    def to_counter(self) -> Counter:
        """The table as a Counter[bytes] (the reference's return type)."""
        cdef vector[const char*] ptrs
        cdef vector[size_t] lens
        cdef vector[int64_t] counts
        self.m.items(ptrs, lens, counts)
        out = Counter()
        cdef size_t i
        for i in range(ptrs.size()):
            PyDict_SetItem(out, PyBytes_FromStringAndSize(ptrs[i], lens[i]), counts[i])
        return out


def _rebuild(bytes data, Py_ssize_t long_chunks) -> ChunkTable:
    return ChunkTable.loads(data, long_chunks)


# ====================
# Fan-out: threads for the native splitter, processes for regex
# ====================


def _worker(in_q, out_q, pat_str: str, max_chunk_chars: int) -> None:
    """Worker process (regex patterns): count every batch it receives; send the table back when told to stop."""
    try:
        table = ChunkTable()
        while True:
            batch = in_q.get()
            if batch is None:
                break
            table.add_texts(batch, pat_str, max_chunk_chars)
        out_q.put(("ok", table.dumps(), table.long_chunks))
    except BaseException as exc:  # report instead of leaving the parent waiting forever
        out_q.put(("error", f"{type(exc).__name__}: {exc}", 0))


def _thread_worker(in_q, table: ChunkTable, pat_str: str, max_chunk_chars: int, errors: list) -> None:
    """Worker thread (native patterns): the split and the counting run without the GIL."""
    try:
        while True:
            batch = in_q.get()
            if batch is None:
                break
            table.add_texts(batch, pat_str, max_chunk_chars)
    except BaseException as exc:
        errors.append(exc)
        while in_q.get() is not None:  # drain so the producer never blocks on a dead consumer
            pass


BATCH_CHARS = 1 << 20  # text per hand-off to a worker: large enough that the hand-off is noise
INLINE_CHARS = 4 << 20  # below this much text, starting workers costs more than it saves


def count_chunks(documents, pat_str: str, progress: bool = False, *, workers: Optional[int] = None,
                 max_chunk_chars: int = MAX_CHUNK_CHARS) -> Counter:
    """Count the distinct pre-tokenised chunks of the documents, as UTF-8 bytes, on all cores.

    Example: count_chunks(["a a a"], CL100K) == Counter({b" a": 2, b"a": 1})
    """
    if max_chunk_chars < 1:
        raise ValueError(f"max_chunk_chars must be >= 1, got {max_chunk_chars}")
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    compile_pattern(pat_str)  # a bad pattern fails here, with the reference's message
    native = pat_str in _BUILTIN_PATTERNS
    table = ChunkTable()
    bar = _progress_bar(progress, "counting", unit="char", unit_scale=True)
    procs = []
    threads = []
    tables = []
    thread_errors = []
    in_q = out_q = None
    seen = 0
    batch = []
    batch_chars = 0
    ok = False

    def start_workers():
        nonlocal in_q, out_q
        if native:
            import queue
            import threading

            in_q = queue.Queue(maxsize=2 * workers)  # bounded: the reader cannot run ahead of the counters
            for _ in range(workers):
                own = ChunkTable()  # (no tables[-1]: the module is compiled with wraparound=False)
                tables.append(own)
                t = threading.Thread(target=_thread_worker, args=(in_q, own, pat_str, max_chunk_chars,
                                                                  thread_errors), daemon=True)
                t.start()
                threads.append(t)
            return
        import multiprocessing as mp

        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        in_q = ctx.Queue(maxsize=2 * workers)
        out_q = ctx.Queue()
        for _ in range(workers):
            p = ctx.Process(target=_worker, args=(in_q, out_q, pat_str, max_chunk_chars), daemon=True)
            p.start()
            procs.append(p)

    def dispatch(batch):
        if workers == 1 or (in_q is None and seen < INLINE_CHARS):
            table.add_texts(batch, pat_str, max_chunk_chars)
            return
        if in_q is None:
            start_workers()
        in_q.put(batch)

    try:
        for doc in documents:
            if not isinstance(doc, str):
                raise TypeError(f"documents must be str, got {type(doc).__name__}")
            batch.append(doc)
            batch_chars += len(doc)
            if batch_chars >= BATCH_CHARS:
                dispatch(batch)
                seen += batch_chars
                if bar is not None:
                    bar.update(batch_chars)
                batch = []
                batch_chars = 0
        if batch:
            dispatch(batch)
            if bar is not None:
                bar.update(batch_chars)
        ok = True
    finally:
        if bar is not None:
            bar.close()
        if in_q is not None:
            for _ in range(workers):
                in_q.put(None)
        for t in threads:
            t.join()
        if procs and not ok:
            for p in procs:
                p.terminate()
    if thread_errors:
        raise thread_errors[0]
    for t in tables:
        table.update(t)
    if procs:
        errors = []
        for _ in procs:
            status, payload, long_chunks = out_q.get()
            if status != "ok":
                errors.append(payload)
            else:
                table.update(ChunkTable.loads(payload, long_chunks))
        for p in procs:
            p.join()
        if errors:
            raise RuntimeError(f"chunk counting failed in a worker process: {errors[0]}")
    if table.long_chunks:
        _long_chunk_warning(table.long_chunks, max_chunk_chars)
    return table.to_counter()
