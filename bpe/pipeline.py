"""`PipelineTokenizer`: a `Tokenizer` with a Unicode normaliser, staged splits and, if needed, merge priority.

Vendor tokenizers are not all "one regex, then rank merge". Qwen NFC-normalises its input, Claude's
legacy tokenizer NFKC-normalises it, DeepSeek pre-tokenises with a *sequence* of regex splits (each
applied to the pieces of the previous one, so lookaheads and `$` see only the piece), and an HF
vocabulary may need its merge list rather than its ids to encode. This module adds those stages
around an unchanged encoder core, so the rank-based cores (reference and fast) still do the work
whenever the ranks are equivalent.

Order of operations (HF `tokenizers` order): special tokens are cut out of the raw text, each
remaining segment is normalised, split by each `pre_split` pattern in turn (HF `Split`, behaviour
`Isolated`: matches and the text between them are both pieces), then by `pat_str`, then merged.
"""
from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Optional, Sequence

from .core import AllowedSpecial, DisallowedSpecial, Tokenizer, _fix_surrogates, _is_utf8_clean
from .merge_priority import MergePriorityCore
from .pretokenize import compile_pattern, cover_pattern  # noqa: F401 - cover_pattern is part of this module's API

if TYPE_CHECKING:  # pragma: no cover
    import os

    import tiktoken

NORMALIZERS = ("NFC", "NFKC", "NFD", "NFKD")


def normalize_text(form: str, text: str) -> str:
    """`unicodedata.normalize(form, text)`, computed line by line so lines already in that form are kept.

    Exact: a line feed has no decomposition, combining class 0 and composes with nothing, so no
    normal form ever reaches across it. It is faster because CPython normalises a whole string as
    soon as one character needs it (40 ms for 2 MB of FLORES-200), while most lines of real text
    are already normalised and cost only a quick check.
    Example: normalize_text("NFC", "e\u0301\nok") == "\u00e9\nok"
    """
    if "\n" not in text:
        return unicodedata.normalize(form, text)
    if unicodedata.is_normalized(form, text):  # the common case: one quick pass, no copy
        return text
    is_normalized, normalize = unicodedata.is_normalized, unicodedata.normalize
    return "\n".join([line if is_normalized(form, line) else normalize(form, line) for line in text.split("\n")])


def split_isolated(text: str, pat_str: str) -> Iterator[str]:
    """Yield the matches of pat_str in text and the non-empty gaps between them, in order.

    Example: list(split_isolated("ab12c", r"\\d+")) == ["ab", "12", "c"]
    """
    start = 0
    for match in compile_pattern(pat_str).finditer(text):
        if match.start() == match.end():
            continue  # HF skips empty matches
        if match.start() > start:
            yield text[start : match.start()]
        yield match.group()
        start = match.end()
    if start < len(text):
        yield text[start:]


class PipelineCore:
    """Normalise, split in stages, then hand each staged piece to an inner encoder core."""

    def __init__(self, inner: Any, normalizer: Optional[str], pre_split: Sequence[str]) -> None:
        """Wrap `inner` (any object with the BytePairCore interface)."""
        if normalizer is not None and normalizer not in NORMALIZERS:
            raise ValueError(f"unknown normaliser {normalizer!r}; supported: {', '.join(NORMALIZERS)}")
        self.inner = inner
        self.normalizer = normalizer
        self.pre_split = tuple(pre_split)
        for pat in self.pre_split:
            compile_pattern(pat)
        self.ranks = getattr(inner, "ranks", None)
        self.decoder = getattr(inner, "decoder", None)

    def normalize(self, text: str) -> str:
        """Apply the normaliser (identity when there is none)."""
        if self.normalizer is None:
            return text
        return normalize_text(self.normalizer, text)

    def segments(self, text: str) -> Iterator[str]:
        """The normalised text split by every `pre_split` stage (the final pattern is the inner core's)."""
        return self._staged(self.normalize(text))

    def _staged(self, text: str) -> Iterator[str]:
        parts: Iterable[str] = [text]
        for pat in self.pre_split:
            parts = [p for part in parts for p in split_isolated(part, pat)]
        return iter(parts)

    def encode_piece(self, piece: str) -> list[int]:
        """Encode one final piece with the inner core."""
        return self.inner.encode_piece(piece)

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode text with no special-token handling."""
        return self.encode_normalized(self.normalize(text))

    def encode_normalized(self, text: str) -> list[int]:
        """`encode_ordinary` for text that is already in the normal form: the split stages and the merge."""
        if not self.pre_split:
            return self.inner.encode_ordinary(text)
        out: list[int] = []
        for segment in self._staged(text):
            out.extend(self.inner.encode_ordinary(segment))
        return out

    def count_ordinary(self, text: str) -> int:
        """Number of tokens `encode_ordinary(text)` would return."""
        if not self.pre_split:
            return self.inner.count_ordinary(self.normalize(text))
        return sum(self.inner.count_ordinary(segment) for segment in self.segments(text))

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """Concatenate the bytes of the tokens."""
        return self.inner.decode_bytes(tokens)


class PipelineTokenizer(Tokenizer):
    """A Tokenizer with a normaliser, staged `Isolated` splits, and optional HF merge-priority encoding.

    >>> tok = bpe.get_encoding("claude-legacy")
    >>> tok.encode("ﬁne") == tok.encode("fine")  # NFKC turns the ligature into "fine" first
    True
    """

    def __init__(
        self,
        name: str,
        *,
        pat_str: str,
        mergeable_ranks: Mapping[bytes, int],
        special_tokens: Mapping[str, int],
        explicit_n_vocab: "int | None" = None,
        backend: "str | None" = None,
        normalizer: Optional[str] = None,
        pre_split: Sequence[str] = (),
        merges: Optional[Sequence[tuple[bytes, bytes]]] = None,
        ignore_merges: bool = False,
        normalize_before_special: bool = False,
    ) -> None:
        """As `Tokenizer`, plus: `normalizer` ("NFC", "NFKC", ...), `pre_split` patterns applied before
        `pat_str`, `merges` (priority order) to encode by merge priority instead of rank, and
        `normalize_before_special` to normalise the whole text before special tokens are matched
        (Qwen's order) rather than after (HF's order)."""
        super().__init__(
            name,
            pat_str=pat_str,
            mergeable_ranks=mergeable_ranks,
            special_tokens=special_tokens,
            explicit_n_vocab=explicit_n_vocab,
            backend=backend,
        )
        self._normalizer = normalizer
        self._pre_split = tuple(pre_split)
        self._merges = None if merges is None else [(bytes(a), bytes(b)) for a, b in merges]
        self._ignore_merges = ignore_merges
        self._normalize_before_special = normalize_before_special
        inner = self._core
        if self._merges is not None:
            inner = MergePriorityCore(
                self._mergeable_ranks, self._special_tokens, self._pat_str,
                merges=self._merges, ignore_merges=ignore_merges,
            )
        self._core = PipelineCore(inner, normalizer, self._pre_split)

    @property
    def merge_rule(self) -> str:
        """"rank" (tiktoken's rule, either backend) or "merge-priority" (HF's merge list)."""
        return "rank" if self._merges is None else "merge-priority"

    @property
    def normalizer(self) -> Optional[str]:
        """The Unicode normal form applied before splitting, or None."""
        return self._normalizer

    @property
    def pre_split(self) -> tuple[str, ...]:
        """The split patterns applied, in order, before `pat_str`."""
        return self._pre_split

    @property
    def merges(self) -> Optional[list[tuple[bytes, bytes]]]:
        """The merge list in priority order when encoding by merge priority, else None."""
        return None if self._merges is None else list(self._merges)

    @property
    def is_tiktoken_compatible(self) -> bool:
        """Whether a plain tiktoken Encoding (one pattern, ranks, no normaliser) reproduces this tokenizer."""
        return self._normalizer is None and not self._pre_split and self._merges is None

    def __repr__(self) -> str:
        extra = "".join(
            f" {k}={v!r}" for k, v in (("normalizer", self._normalizer), ("stages", len(self._pre_split) + 1))
            if v not in (None, 1)
        )
        return f"<PipelineTokenizer {self.name!r} n_vocab={self.n_vocab} rule={self.merge_rule!r}{extra}>"

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.update(
            normalizer=self._normalizer,
            pre_split=self._pre_split,
            merges=self._merges,
            ignore_merges=self._ignore_merges,
            normalize_before_special=self._normalize_before_special,
        )
        return state

    def with_backend(self, backend: str) -> "PipelineTokenizer":
        """The same tokenizer on another encoder backend ("reference" or "fast")."""
        state = self.__getstate__()
        new = type(self)(state.pop("name"), backend=backend, **state)
        new.source = getattr(self, "source", None)
        return new

    def encode(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = set(),  # noqa: B006 - tiktoken's signature
        disallowed_special: DisallowedSpecial = "all",
    ) -> list[int]:
        """Encode text as `Tokenizer.encode`, normalising first when the vendor does so (Qwen)."""
        if not self._normalize_before_special:
            return super().encode(text, allowed_special=allowed_special, disallowed_special=disallowed_special)
        # The vendor normalises the whole text, then matches special tokens and encodes the rest as it
        # stands: so do we (normalising each segment again would cost a second pass for nothing).
        text = self._core.normalize(_fix_surrogates(text) if not _is_utf8_clean(text) else text)
        return self._encode_around_specials(text, allowed_special, disallowed_special, self._core.encode_normalized)

    def count_until(self, text: str, limit: int) -> int:
        """Count tokens but stop once the count exceeds limit: returns min(count, limit + 1)."""
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        if not _is_utf8_clean(text):
            text = _fix_surrogates(text)
        total = 0
        finditer = compile_pattern(self._pat_str).finditer
        for segment in self._core.segments(text):
            for match in finditer(segment):
                total += len(self._core.encode_piece(match.group()))
                if total > limit:
                    return limit + 1
        return total

    def to_tiktoken(self) -> "tiktoken.Encoding":
        """The equivalent tiktoken.Encoding; ValueError if a normaliser, staged split or merge list is needed."""
        if not self.is_tiktoken_compatible:
            raise ValueError(
                f"{self.name}: tiktoken cannot express this tokenizer (normaliser={self._normalizer}, "
                f"{len(self._pre_split)} extra split stages, rule={self.merge_rule}); "
                "export it with bpe.hf_json.save_hf_tokenizer instead"
            )
        return super().to_tiktoken()

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Save as `Tokenizer.save` when the format can hold it; otherwise ValueError naming the alternative."""
        if not self.is_tiktoken_compatible:
            raise ValueError(
                f"{self.name}: the .tiktoken format cannot hold a normaliser, staged splits or a merge list; "
                "save it with bpe.hf_json.save_hf_tokenizer(tok, 'tokenizer.json')"
            )
        super().save(path)
