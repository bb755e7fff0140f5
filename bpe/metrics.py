"""Pure functions over token counts: tokens per character, bytes per token, premium vs English."""
from __future__ import annotations


def tokens_per_char(tokens: int, chars: int) -> float:
    """Tokens per Unicode character (0.0 for empty text).

    Example: tokens_per_char(5, 20) == 0.25
    """
    return tokens / chars if chars else 0.0


def chars_per_token(tokens: int, chars: int) -> float:
    """Characters per token (0.0 when there are no tokens).

    Example: chars_per_token(5, 20) == 4.0
    """
    return chars / tokens if tokens else 0.0


def bytes_per_token(tokens: int, nbytes: int) -> float:
    """UTF-8 bytes per token (0.0 when there are no tokens).

    Example: bytes_per_token(4, 10) == 2.5
    """
    return nbytes / tokens if tokens else 0.0


def premium(tokens: int, reference_tokens: int) -> float:
    """Tokens relative to the reference language on parallel text (Petrov et al. 2023); English is 1.0.

    Example: premium(30, 20) == 1.5
    """
    if reference_tokens <= 0:
        raise ValueError("the reference text has no tokens; premium is undefined")
    return tokens / reference_tokens
