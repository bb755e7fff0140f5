"""Test helpers: hypothesis strategies shared by the test modules."""
from __future__ import annotations

from hypothesis import strategies as st

# Text that stresses split patterns: mixed scripts, whitespace runs, digits, punctuation, contractions.
FRAGMENTS = [
    " ", "  ", "\n", "\r\n", "\t", " \n ", "'s", "'LL", "'ve", "123", "4567", "١٢٣", "...", "!?", "/", "--",
    "hello", "World", "ÉCOLE", "straße", "日本語", "中文", "한국어", "ไทย", "ሰላም", "مرحبا", "שלום", "Привет",
    "नमस्ते", "🙂", "👩‍👩‍👧", "\u200b", "\u0301", "<|endoftext|>", "<|fim_prefix|>",
]
mixed_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=30).map("".join)
any_text = st.one_of(st.text(), mixed_text, st.text(alphabet=" \n\t\r\u00a0\u3000a1", max_size=50))
