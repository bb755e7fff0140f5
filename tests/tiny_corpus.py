"""A hand-made parallel corpus in the FLORES-200 layout, with counts worked out by hand.

With BYTE_TOKENIZER (one token per byte) tokens == UTF-8 bytes, so every metric is known:

| code     | sentences        | chars | bytes |
|----------|------------------|-------|-------|
| eng_Latn | "ab ab", "abc"   | 8     | 8     |
| fra_Latn | "àb àb", "abcd"  | 9     | 11    |
| deu_Latn | "abab", ""       | 4     | 4     |
| amh_Ethi | "ሰላም", "ሰ"      | 4     | 12    |

With AB_TOKENIZER (bytes + the one merge "ab"): eng "ab"+" ab"+"abc" -> 1+2+2 = 5 tokens.
"""
from __future__ import annotations

from pathlib import Path

import bpe

SENTENCES = {
    "eng_Latn": ["ab ab", "abc"],
    "fra_Latn": ["àb àb", "abcd"],
    "deu_Latn": ["abab", ""],
    "amh_Ethi": ["ሰላም", "ሰ"],
}
LANGUAGES = [
    ("eng_Latn", "English", "Latn", "Latin"),
    ("fra_Latn", "French", "Latn", "Latin"),
    ("deu_Latn", "German", "Latn", "Latin"),
    ("amh_Ethi", "Amharic", "Ethi", "Ethiopic"),
]
BYTES = {"eng_Latn": 8, "fra_Latn": 11, "deu_Latn": 4, "amh_Ethi": 12}
CHARS = {"eng_Latn": 8, "fra_Latn": 9, "deu_Latn": 4, "amh_Ethi": 4}


def make_corpus(root: Path) -> Path:
    """Write the tiny corpus (devtest and dev, identical) plus languages.tsv under root; returns root."""
    for split in ("dev", "devtest"):
        folder = root / "flores200" / split
        folder.mkdir(parents=True, exist_ok=True)
        for code, lines in SENTENCES.items():
            (folder / f"{code}.{split}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = ["code\tlanguage\tscript_code\tscript"] + ["\t".join(r) for r in LANGUAGES]
    (root / "flores200" / "languages.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def byte_tokenizer(backend: "str | None" = None, name: str = "bytes") -> bpe.Tokenizer:
    """One token per UTF-8 byte."""
    return bpe.Tokenizer(name, pat_str="o200k", mergeable_ranks={bytes([i]): i for i in range(256)},
                         special_tokens={}, backend=backend)


def ab_tokenizer(backend: "str | None" = None, name: str = "ab") -> bpe.Tokenizer:
    """Bytes plus the single merge b"ab" (id 256)."""
    ranks = {bytes([i]): i for i in range(256)}
    ranks[b"ab"] = 256
    return bpe.Tokenizer(name, pat_str="o200k", mergeable_ranks=ranks, special_tokens={}, backend=backend)
