"""bpe.metrics: every ratio on hand-computed numbers, and the edge cases (empty text, no tokens)."""
from __future__ import annotations

import pytest

from bpe import metrics


def test_ratios_on_known_counts():
    assert metrics.tokens_per_char(5, 20) == 0.25
    assert metrics.chars_per_token(5, 20) == 4.0
    assert metrics.bytes_per_token(4, 10) == 2.5
    assert metrics.tokens_per_sentence(30, 4) == 7.5


def test_empty_inputs_give_zero_not_errors():
    assert metrics.tokens_per_char(0, 0) == 0.0
    assert metrics.chars_per_token(0, 10) == 0.0
    assert metrics.bytes_per_token(0, 10) == 0.0
    assert metrics.tokens_per_sentence(10, 0) == 0.0


def test_premium_of_reference_is_exactly_one():
    assert metrics.premium(52_835, 52_835) == 1.0
    assert metrics.premium(30, 20) == 1.5


def test_premium_without_reference_tokens_raises():
    with pytest.raises(ValueError, match="reference text has no tokens"):
        metrics.premium(3, 0)


def test_utf8_bytes_counts_multibyte_characters():
    assert metrics.utf8_bytes("héllo") == 6
    assert metrics.utf8_bytes("ሰላም") == 9
    assert metrics.utf8_bytes("\ud800") == 3  # lone surrogate: counted, not an error


def test_mean_median():
    assert metrics.mean([1.0, 2.0, 6.0]) == 3.0
    assert metrics.median([3.0, 1.0, 2.0]) == 2.0
    assert metrics.median([3.0, 1.0, 2.0, 10.0]) == 2.5
    assert metrics.mean([]) == 0.0 and metrics.median([]) == 0.0


def test_worst_is_sorted_and_stable_on_ties():
    assert metrics.worst({"a": 1.0, "b": 3.0, "c": 2.0}, 2) == [("b", 3.0), ("c", 2.0)]
    assert metrics.worst({"z": 2.0, "a": 2.0, "m": 1.0}) == [("a", 2.0), ("z", 2.0), ("m", 1.0)]


def test_group_mean():
    assert metrics.group_mean({"a": 1.0, "b": 3.0, "c": 5.0}, {"a": "X", "b": "X", "c": "Y"}) == {"X": 2.0, "Y": 5.0}
