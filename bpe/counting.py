"""Stream a corpus (text, iterables, files, folders) and count its distinct pre-tokenised chunks.

Memory grows with the number of distinct chunks, never with the corpus size: files are read in
blocks that end at a line break with a non-space character on both sides. None of the built-in
split patterns joins a piece across such a point, so block-wise counts equal whole-file counts.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
from collections import Counter
from pathlib import Path
from typing import IO, Iterable, Iterator, Union

import regex

from .pretokenize import piece_finder

Corpus = Union[str, "os.PathLike[str]", Iterable[Union[str, "os.PathLike[str]"]]]

BLOCK_CHARS = 1 << 20
# Longest chunk counted whole: a longer one (a megabyte-long line without spaces) is cut into slices of
# this many characters, with a warning, because one huge chunk makes every merge rescan it (a stall).
# Far above any natural piece; both twins apply the same cut, so their counts stay equal.
MAX_CHUNK_CHARS = 1 << 13
# Searched backwards ((?r)) so the last cut point in a block is found first.
_SAFE_CUT = regex.compile(r"(?r)(?<=\S)\n(?=\S)")
_OPENERS = {".xz": lzma.open, ".lzma": lzma.open, ".gz": gzip.open, ".bz2": bz2.open}


def open_text(path: "str | os.PathLike[str]") -> IO[str]:
    """Open a UTF-8 text file for reading, decompressing .xz/.gz/.bz2 by suffix."""
    path = Path(path)
    opener = _OPENERS.get(path.suffix)
    try:
        if opener is None:
            return open(path, "r", encoding="utf-8", newline="")
        return io.TextIOWrapper(opener(path, "rb"), encoding="utf-8", newline="")
    except OSError as exc:
        raise OSError(f"{path}: cannot open corpus file ({exc.strerror or exc})") from None


def iter_file_blocks(path: "str | os.PathLike[str]", block_chars: int = BLOCK_CHARS) -> Iterator[str]:
    """Yield a text file in blocks of about block_chars, each cut where no split pattern joins pieces."""
    carry = ""
    lines_before = 0  # only for the fallback error line; _first_bad_utf8 finds the exact one
    with open_text(path) as f:
        while True:
            try:
                data = f.read(block_chars)
            except UnicodeDecodeError as exc:
                line, column, reason = _first_bad_utf8(path) or (lines_before + carry.count("\n") + 1, 0, exc.reason)
                raise ValueError(bad_utf8_message(path, line, column, reason)) from None
            except (OSError, EOFError, lzma.LZMAError) as exc:
                raise ValueError(f"{path}: cannot read ({exc}); the file may be truncated or corrupt") from None
            if not data:
                break
            text = carry + data
            match = _SAFE_CUT.search(text, max(0, len(text) - block_chars))
            if match is None:
                # A block without a safe cut point (one huge line) is carried on; memory is bounded by
                # the longest such line, which is itself one document.
                carry = text
                continue
            cut = match.end()
            lines_before += text.count("\n", 0, cut)
            yield text[:cut]
            carry = text[cut:]
    if carry:
        yield carry


def bad_utf8_message(name: object, line: int, column: int, reason: str) -> str:
    """The error for invalid UTF-8 at byte `column` (0-based) of line `line` of a file or stream."""
    return (f"{name}:{line}: not valid UTF-8 at byte {column + 1} of the line ({reason}); "
            "convert it to UTF-8 (e.g. `iconv -t UTF-8`)")


def _first_bad_utf8(path: "str | os.PathLike[str]") -> "tuple[int, int, str] | None":
    """Line (1-based), byte offset in it and reason of a file's first invalid UTF-8, or None."""
    # The text decoder reports offsets into its internal buffer, not the file; a second, binary pass
    # line by line is exact, since no UTF-8 sequence contains a newline byte. Only runs on an error.
    path = Path(path)
    opener = _OPENERS.get(path.suffix, open)
    with opener(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return number, exc.start, exc.reason
    return None


def _expand(item: "str | os.PathLike[str]") -> Iterator[Path]:
    path = Path(item)
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    elif path.is_file():
        yield path
    else:
        raise FileNotFoundError(f"{path}: corpus file or folder not found")


def iter_documents(corpus: Corpus) -> Iterator[str]:
    """Yield the texts of a corpus: a str is text, a Path (or os.PathLike) is a file or folder.

    Example: list(iter_documents(["ab", "cd"])) == ["ab", "cd"]
    """
    if isinstance(corpus, str):
        yield corpus
        return
    if isinstance(corpus, os.PathLike):
        corpus = [corpus]
    for item in corpus:
        if isinstance(item, str):
            yield item
        elif isinstance(item, os.PathLike):
            for path in _expand(item):
                yield from iter_file_blocks(path)
        else:
            raise TypeError(f"corpus items must be str (text) or os.PathLike (files), got {type(item).__name__}")


def count_chunks(documents: Iterable[str], pat_str: str, progress: bool = False) -> Counter:
    """Count the distinct pre-tokenised chunks of the documents, as UTF-8 bytes.

    Example: count_chunks(["a a a"], CL100K) == Counter({b" a": 2, b"a": 1})
    """
    counts: Counter = Counter()
    findall = piece_finder(pat_str)
    bar = _progress_bar(progress, "counting", unit="char", unit_scale=True)
    try:
        for doc in documents:
            counts.update(findall(doc))
            if bar is not None:
                bar.update(len(doc))
    finally:
        if bar is not None:
            bar.close()
    n_long = 0
    for chunk in [chunk for chunk in counts if len(chunk) > MAX_CHUNK_CHARS]:
        n = counts.pop(chunk)
        n_long += n
        for i in range(0, len(chunk), MAX_CHUNK_CHARS):
            counts[chunk[i : i + MAX_CHUNK_CHARS]] += n
    if n_long:
        _long_chunk_warning(n_long, MAX_CHUNK_CHARS)
    return Counter({chunk.encode("utf-8", "surrogatepass"): n for chunk, n in counts.items()})


def _long_chunk_warning(n_long: int, max_chunk_chars: int) -> None:
    import warnings

    warnings.warn(
        f"{n_long} pre-tokenised chunk(s) longer than {max_chunk_chars} characters were cut into "
        f"{max_chunk_chars}-character slices (a huge chunk would stall training); merges may differ "
        "from a trainer without this cap on such text",
        stacklevel=3,
    )


def _progress_bar(enabled: bool, desc: str, **kwargs):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(desc=desc, leave=False, **kwargs)
