"""Pure functions over token counts: tokens per character, bytes per token, premium vs English."""
from __future__ import annotations

from typing import Mapping, Sequence


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


def tokens_per_sentence(tokens: int, sentences: int) -> float:
    """Mean tokens per sentence (0.0 when there are no sentences).

    Example: tokens_per_sentence(30, 4) == 7.5
    """
    return tokens / sentences if sentences else 0.0


def utf8_bytes(text: str) -> int:
    """Length of text in UTF-8 bytes (lone surrogates count as the 3 bytes `surrogatepass` gives).

    Example: utf8_bytes("héllo") == 6
    """
    return len(text.encode("utf-8", "surrogatepass"))


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean (0.0 for no values).

    Example: mean([1.0, 2.0, 6.0]) == 3.0
    """
    return sum(values) / len(values) if values else 0.0


def median(values: Sequence[float]) -> float:
    """Median, the mean of the two middle values for an even count (0.0 for no values).

    Example: median([3.0, 1.0, 2.0, 10.0]) == 2.5
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def worst(values: Mapping[str, float], n: int = 10) -> list[tuple[str, float]]:
    """The n keys with the highest values, highest first; ties broken by key so the order is stable.

    Example: worst({"a": 1.0, "b": 3.0, "c": 2.0}, 2) == [("b", 3.0), ("c", 2.0)]
    """
    return sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def group_mean(values: Mapping[str, float], groups: Mapping[str, str]) -> dict[str, float]:
    """Mean value per group, where groups maps each key to its group (e.g. language -> script).

    Example: group_mean({"a": 1.0, "b": 3.0, "c": 5.0}, {"a": "X", "b": "X", "c": "Y"}) == {"X": 2.0, "Y": 5.0}
    """
    buckets: dict[str, list[float]] = {}
    for key, value in values.items():
        buckets.setdefault(groups[key], []).append(value)
    return {group: mean(vals) for group, vals in sorted(buckets.items())}
