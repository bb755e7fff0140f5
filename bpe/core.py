"""`Tokenizer`: tiktoken's `Encoding` API and semantics, plus counting, truncation, streaming and training."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, AbstractSet, Callable, Collection, Iterable, Literal, Mapping, Sequence, Union

from . import _backend
from .pretokenize import compile_pattern, resolve_pattern, special_token_regex, split_on_special
from .streaming import StreamDecoder

if TYPE_CHECKING:  # pragma: no cover
    import tiktoken

    from .budget import FitResult
    from .train import Corpus

AllowedSpecial = Union[Literal["all"], AbstractSet[str]]
DisallowedSpecial = Union[Literal["all"], Collection[str]]


def raise_disallowed_special_token(token: str) -> None:
    """Raise the ValueError tiktoken raises, telling the user both ways to fix the call."""
    raise ValueError(
        f"Encountered text corresponding to disallowed special token {token!r}.\n"
        "If you want this text to be encoded as a special token, "
        f"pass it to `allowed_special`, e.g. `allowed_special={{{token!r}, ...}}`.\n"
        f"If you want this text to be encoded as normal text, disable the check for this token "
        f"by passing `disallowed_special=(enc.special_tokens_set - {{{token!r}}})`.\n"
        "To disable this check for all special tokens, pass `disallowed_special=()`.\n"
    )


def _fix_surrogates(text: str) -> str:
    # BPE works on UTF-8 bytes and lone surrogates have none; tiktoken replaces them with U+FFFD,
    # and so must we to stay bit-identical.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class Tokenizer:
    """A byte-level BPE tokenizer: a split pattern, mergeable ranks and special tokens.

    >>> tok = bpe.get_encoding("cl100k_base")
    >>> tok.encode("hello world")
    [15339, 1917]
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
    ) -> None:
        """Build a tokenizer; `pat_str` may be a pattern or a short name ("cl100k", "o200k", "r50k")."""
        self.name = name
        self._pat_str = resolve_pattern(pat_str)
        compile_pattern(self._pat_str)  # fail early, with a clear message, on a bad pattern
        self._mergeable_ranks = dict(mergeable_ranks)
        self._special_tokens = dict(special_tokens)
        self._check_vocab(explicit_n_vocab)
        self._explicit_n_vocab = explicit_n_vocab
        self.max_token_value = max(
            max(self._mergeable_ranks.values(), default=-1), max(self._special_tokens.values(), default=-1)
        )
        self.backend = backend or _backend.BACKEND
        self._core = _backend.get_core_class(self.backend)(
            self._mergeable_ranks, self._special_tokens, self._pat_str
        )

    def _check_vocab(self, explicit_n_vocab: "int | None") -> None:
        ids = set(self._mergeable_ranks.values())
        if len(ids) != len(self._mergeable_ranks):
            raise ValueError(f"{self.name}: two mergeable tokens share a rank; every rank must be unique")
        if "" in self._special_tokens:
            # An empty special token matches between every two characters of every text.
            raise ValueError(f"{self.name}: the empty string cannot be a special token")
        clash = ids.intersection(self._special_tokens.values())
        if clash:
            raise ValueError(f"{self.name}: special token ids {sorted(clash)[:5]} are also ranks of ordinary tokens")
        if explicit_n_vocab is not None:
            n = len(self._mergeable_ranks) + len(self._special_tokens)
            top = max(ids | set(self._special_tokens.values()), default=-1)
            if n != explicit_n_vocab or top != explicit_n_vocab - 1:
                raise ValueError(
                    f"{self.name}: explicit_n_vocab={explicit_n_vocab} but the vocabulary has {n} tokens "
                    f"with largest id {top}"
                )

    def __repr__(self) -> str:
        return f"<Tokenizer {self.name!r} n_vocab={self.n_vocab} backend={self.backend!r}>"

    def __getstate__(self) -> dict:
        return {
            "name": self.name,
            "pat_str": self._pat_str,
            "mergeable_ranks": self._mergeable_ranks,
            "special_tokens": self._special_tokens,
            "explicit_n_vocab": self._explicit_n_vocab,
        }

    def __setstate__(self, state: dict) -> None:
        self.__init__(state.pop("name"), **state)

    # ====================
    # Encoding
    # ====================

    def _checked_allowed(
        self, text: str, allowed_special: AllowedSpecial, disallowed_special: DisallowedSpecial
    ) -> frozenset[str]:
        """Resolve tiktoken's special-token policy; raise if text holds a disallowed special token."""
        if allowed_special == "all":
            allowed_special = self.special_tokens_set
        if disallowed_special == "all":
            disallowed_special = self.special_tokens_set - allowed_special
        if disallowed_special:
            if not isinstance(disallowed_special, frozenset):
                disallowed_special = frozenset(disallowed_special)
            match = special_token_regex(disallowed_special).search(text)
            if match:
                raise_disallowed_special_token(match.group())
        return frozenset(allowed_special)

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode text, treating special-token text as ordinary text.

        >>> tok.encode_ordinary("hello world")
        [15339, 1917]
        """
        try:
            return self._core.encode_ordinary(text)
        except UnicodeEncodeError:
            return self._core.encode_ordinary(_fix_surrogates(text))

    def encode(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = set(),  # noqa: B006 - tiktoken's signature
        disallowed_special: DisallowedSpecial = "all",
    ) -> list[int]:
        """Encode text; special tokens are encoded only if allowed, and raise if disallowed and present.

        >>> tok.encode("<|endoftext|>", allowed_special="all")
        [100257]
        """
        return self._encode_around_specials(text, allowed_special, disallowed_special, self.encode_ordinary)

    def _encode_around_specials(
        self,
        text: str,
        allowed_special: AllowedSpecial,
        disallowed_special: DisallowedSpecial,
        encode_ordinary: "Callable[[str], list[int]]",
    ) -> list[int]:
        """`encode`'s special-token policy, with the text between special tokens given to encode_ordinary."""
        allowed = self._checked_allowed(text, allowed_special, disallowed_special)
        if not allowed:
            return encode_ordinary(text)
        out: list[int] = []
        for segment, is_special in split_on_special(text, allowed):
            if is_special:
                out.append(self._special_tokens[segment])
            else:
                out.extend(encode_ordinary(segment))
        return out

    def encode_batch(
        self,
        text: Sequence[str],
        *,
        num_threads: int = 8,
        allowed_special: AllowedSpecial = set(),  # noqa: B006
        disallowed_special: DisallowedSpecial = "all",
    ) -> list[list[int]]:
        """Encode several texts in parallel threads (the native backend releases the GIL)."""
        def one(t: str) -> list[int]:
            return self.encode(t, allowed_special=allowed_special, disallowed_special=disallowed_special)

        return self._map(one, text, num_threads)

    def encode_ordinary_batch(self, text: Sequence[str], *, num_threads: int = 8) -> list[list[int]]:
        """Encode several texts in parallel threads, ignoring special tokens."""
        native = getattr(self._core, "encode_ordinary_batch", None)
        if native is not None:  # the fast core runs its own threads: no per-text Python overhead
            return native(text, num_threads)
        return self._map(self.encode_ordinary, text, num_threads)

    @staticmethod
    def _map(fn, items: Sequence, num_threads: int) -> list:
        if num_threads <= 1 or len(items) <= 1:
            return [fn(x) for x in items]
        with ThreadPoolExecutor(num_threads) as pool:
            return list(pool.map(fn, items))

    def encode_single_token(self, text_or_bytes: "str | bytes") -> int:
        """The id of text that is exactly one token (ordinary or special); KeyError otherwise.

        >>> tok.encode_single_token("hello")
        15339
        """
        if isinstance(text_or_bytes, str):
            if text_or_bytes in self._special_tokens:
                return self._special_tokens[text_or_bytes]
            text_or_bytes = text_or_bytes.encode("utf-8")
        rank = self._mergeable_ranks.get(text_or_bytes)
        if rank is None:
            raise KeyError(text_or_bytes)
        return rank

    # ====================
    # Counting and budgeting
    # ====================

    def count(self, text: str) -> int:
        """Number of tokens in text, special-token text counted as ordinary text; never raises.

        >>> tok.count("hello world")
        2
        """
        try:
            return self._core.count_ordinary(text)
        except UnicodeEncodeError:
            return self._core.count_ordinary(_fix_surrogates(text))

    def count_until(self, text: str, limit: int) -> int:
        """Count tokens but stop early once the count exceeds limit: returns min(count, limit + 1).

        Useful for "does this fit?" on huge inputs: the work done is proportional to the limit.
        """
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        # Pieces are encoded independently, so the count can stop at any piece boundary.
        total = 0
        if not _is_utf8_clean(text):
            text = _fix_surrogates(text)
        encode_piece = self._core.encode_piece
        for match in compile_pattern(self._pat_str).finditer(text):
            total += len(encode_piece(match.group()))
            if total > limit:
                return limit + 1
        return total

    def truncate(self, text: str, max_tokens: int) -> str:
        """The longest prefix of text, cut at a token boundary, that encodes to at most max_tokens tokens.

        The result is always valid text and a prefix of `text`: a token ending inside a UTF-8
        character is dropped, and when a normaliser rewrote the text (NFC, NFKC) the cut is made in
        the caller's text instead.
        """
        if max_tokens < 0:
            raise ValueError(f"max_tokens must be >= 0, got {max_tokens}")
        tokens = self.encode_ordinary(text)
        if len(tokens) <= max_tokens:
            return text
        source = text if _is_utf8_clean(text) else _fix_surrogates(text)
        keep = max_tokens
        while keep > 0:
            prefix = self.decode_bytes(tokens[:keep]).decode("utf-8", errors="ignore")
            # Re-encoding a prefix can split its last piece differently; shrink until it fits.
            if self.count(prefix) <= max_tokens:
                if source.startswith(prefix):
                    return prefix
                # A normaliser (NFC, NFKC) rewrote the text, so the tokens spell another string:
                # fall back to cutting the caller's own text.
                return self._fitting_prefix(source, max_tokens)
            keep -= 1
        return ""

    def _fitting_prefix(self, text: str, max_tokens: int) -> str:
        """A prefix of text that encodes to at most max_tokens, while one more character would not.

        Bisects on the character count, so it costs O(log n) counts; text itself must not fit.
        """
        fits, too_long = 0, len(text)
        while too_long - fits > 1:
            mid = (fits + too_long) // 2
            if self.count(text[:mid]) <= max_tokens:
                fits = mid
            else:
                too_long = mid
        return text[:fits]

    def fit_messages(self, messages: Sequence[Mapping], max_tokens: int, reserve_for_output: int = 0) -> "FitResult":
        """Keep the system message and the newest messages that fit max_tokens - reserve_for_output.

        Fills older messages newest-first and reports what was dropped (see `bpe.budget.fit_messages`).
        """
        from .budget import fit_messages

        return fit_messages(self, messages, max_tokens, reserve_for_output)

    # ====================
    # Decoding
    # ====================

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """Decode tokens to bytes.

        >>> tok.decode_bytes([15339, 1917])
        b'hello world'
        """
        return self._core.decode_bytes(tokens)

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """Decode tokens to text; invalid UTF-8 is replaced with U+FFFD unless errors says otherwise.

        >>> tok.decode([15339, 1917])
        'hello world'
        """
        return self._core.decode_bytes(tokens).decode("utf-8", errors=errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of one token; KeyError if the id is unknown."""
        return self._core.decode_bytes([token])

    def decode_tokens_bytes(self, tokens: Sequence[int]) -> list[bytes]:
        """The bytes of each token."""
        return [self.decode_single_token_bytes(t) for t in tokens]

    def decode_with_offsets(self, tokens: Sequence[int]) -> tuple[str, list[int]]:
        """Decode tokens and give the character offset where each token starts (as tiktoken).

        A token that starts inside a UTF-8 character gets the offset of that character.
        """
        token_bytes = self.decode_tokens_bytes(tokens)
        text_len = 0
        offsets = []
        for token in token_bytes:
            offsets.append(max(0, text_len - (0x80 <= token[0] < 0xC0)))
            text_len += sum(1 for c in token if not 0x80 <= c < 0xC0)
        return b"".join(token_bytes).decode("utf-8", errors="strict"), offsets

    def decode_batch(self, batch: Sequence[Sequence[int]], *, errors: str = "replace", num_threads: int = 8) -> list[str]:
        """Decode several token lists."""
        return self._map(lambda toks: self.decode(toks, errors=errors), batch, num_threads)

    def stream_decoder(self, errors: str = "replace") -> StreamDecoder:
        """A decoder fed tokens one batch at a time that holds back incomplete UTF-8 characters.

        >>> d = tok.stream_decoder(); d.feed([15339]) + d.feed([1917]) + d.flush()
        'hello world'
        """
        return StreamDecoder(self.decode_bytes, errors=errors)

    # ====================
    # Properties
    # ====================

    @property
    def n_vocab(self) -> int:
        """Size of the id space: max_token_value + 1."""
        return self.max_token_value + 1

    @property
    def eot_token(self) -> int:
        """Id of <|endoftext|>; KeyError if this vocabulary has none."""
        return self._special_tokens["<|endoftext|>"]

    @property
    def special_tokens_set(self) -> set[str]:
        """The special tokens' texts."""
        return set(self._special_tokens)

    @property
    def pat_str(self) -> str:
        """The split pattern."""
        return self._pat_str

    @property
    def mergeable_ranks(self) -> dict[bytes, int]:
        """A copy of the ordinary tokens' bytes -> rank table."""
        return dict(self._mergeable_ranks)

    @property
    def special_tokens(self) -> dict[str, int]:
        """A copy of the special tokens' text -> id table."""
        return dict(self._special_tokens)

    def is_special_token(self, token: int) -> bool:
        """Whether the id is a special token."""
        return token in self._special_tokens.values()

    # ====================
    # Conversion, persistence, training
    # ====================

    @classmethod
    def from_tiktoken(cls, enc: "tiktoken.Encoding", *, backend: "str | None" = None) -> "Tokenizer":
        """Build a Tokenizer from a tiktoken.Encoding (same name, pattern, ranks and specials)."""
        return cls(
            enc.name,
            pat_str=enc._pat_str,
            mergeable_ranks=enc._mergeable_ranks,
            special_tokens=enc._special_tokens,
            backend=backend,
        )

    def to_tiktoken(self) -> "tiktoken.Encoding":
        """Build the equivalent tiktoken.Encoding (needs tiktoken installed)."""
        import tiktoken

        return tiktoken.Encoding(
            self.name,
            pat_str=self._pat_str,
            mergeable_ranks=self._mergeable_ranks,
            special_tokens=self._special_tokens,
            explicit_n_vocab=self._explicit_n_vocab,
        )

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Write `<path>` (tiktoken ranks format) and `<stem>.json` (name, pattern, specials), atomically."""
        from .vocab_io import save_tokenizer

        save_tokenizer(self, path)

    @classmethod
    def train(
        cls,
        corpus: "Corpus",
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
        """Train a byte-level BPE tokenizer on a string, an iterable of strings, or file paths.

        Ids 0-255 are the bytes, merge i gets id 256 + i, special tokens follow. Tie-break: highest
        pair count, then smallest (left id, right id), the rule of rustbpe and HF tokenizers.
        """
        from .train import train_tokenizer

        return train_tokenizer(
            cls,
            corpus,
            vocab_size,
            pat_str=pat_str,
            special_tokens=special_tokens,
            min_frequency=min_frequency,
            max_token_length=max_token_length,
            progress=progress,
            name=name,
            backend=backend,
        )

    @classmethod
    def train_from_counts(
        cls,
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
        """Train from pre-counted chunks (UTF-8 bytes -> count), e.g. shards counted elsewhere and summed.

        The chunks must come from splitting with `pat_str`, which the tokenizer will use to encode.
        """
        from .train import train_tokenizer_from_counts

        return train_tokenizer_from_counts(
            cls,
            counts,
            vocab_size,
            pat_str=pat_str,
            special_tokens=special_tokens,
            min_frequency=min_frequency,
            max_token_length=max_token_length,
            progress=progress,
            name=name,
            backend=backend,
        )


def _is_utf8_clean(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
