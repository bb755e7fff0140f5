"""Streaming decode: turn tokens into text as they arrive, never splitting a UTF-8 character."""
from __future__ import annotations

import codecs
from typing import Callable, Iterable, Sequence


class StreamDecoder:
    """Decode token batches incrementally; bytes of an unfinished character wait for the next batch.

    The concatenation of every `feed` result and the final `flush` equals decoding all tokens at once.
    """

    def __init__(self, decode_bytes: Callable[[Sequence[int]], bytes], errors: str = "replace") -> None:
        self._decode_bytes = decode_bytes
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors=errors)

    def feed(self, tokens: "int | Iterable[int]") -> str:
        """Add tokens (one id or several) and return the text that is complete so far."""
        if isinstance(tokens, int):
            tokens = [tokens]
        return self._decoder.decode(self._decode_bytes(list(tokens)))

    def flush(self) -> str:
        """Return what is held back (invalid trailing bytes become U+FFFD with errors='replace')."""
        return self._decoder.decode(b"", final=True)

    @property
    def pending(self) -> bytes:
        """Bytes held back because they do not yet form a whole character."""
        return self._decoder.getstate()[0]
