"""Corpus streaming and chunk counting: block-wise counts equal whole-text counts."""
from __future__ import annotations

import lzma
from collections import Counter

import pytest
from hypothesis import given, strategies as st

from bpe import counting, pretokenize, vendors

PATTERNS = [pretokenize.R50K, pretokenize.CL100K, pretokenize.O200K]
# Vendor patterns with a native scanner too (bpe._fast.core._BUILTIN_PATTERNS).
VENDOR_PATTERNS = [vendors.QWEN_PATTERN, vendors.QWEN3_5_PATTERN, vendors.TEKKEN_PATTERN]


def test_example():
    assert counting.count_chunks(["a a a"], pretokenize.CL100K) == Counter({b" a": 2, b"a": 1})


@given(st.lists(st.sampled_from(["word", " ", "\n", "\r\n", "  ", "x.", "'s", "12", "日本", "\t"]), max_size=200),
       st.integers(min_value=4, max_value=64))
def test_hyp_blocks_count_like_whole_text(tmp_path_factory, parts, block):
    text = "".join(parts)
    path = tmp_path_factory.mktemp("c") / "t.txt"
    path.write_text(text, encoding="utf-8", newline="")
    blocks = list(counting.iter_file_blocks(path, block_chars=block))
    assert "".join(blocks) == text
    for pat in PATTERNS:
        assert counting.count_chunks(blocks, pat) == counting.count_chunks([text], pat)


@pytest.mark.parametrize("pat", PATTERNS + VENDOR_PATTERNS)
def test_native_counting_matches_reference(pat):
    fast_counting = pytest.importorskip("bpe._fast.counting")
    assert pat in fast_counting._BUILTIN_PATTERNS  # counted by the native splitter, not regex
    docs = ["I'm HE'LL 12345 日本語\u0301 e\u0301te  \r\n\n  x ", "a//\n/b \t\u00a0z!! \n", "  \n", ""]
    assert fast_counting.count_chunks(docs, pat, workers=1) == counting.count_chunks(docs, pat)


def test_documents_from_mixed_corpus(tmp_path):
    (tmp_path / "a.txt").write_text("alpha\n", encoding="utf-8")
    with lzma.open(tmp_path / "b.txt.xz", "wt", encoding="utf-8") as f:
        f.write("beta\n")
    assert list(counting.iter_documents(tmp_path)) == ["alpha\n", "beta\n"]
    assert list(counting.iter_documents(["x", tmp_path / "a.txt"])) == ["x", "alpha\n"]
    assert list(counting.iter_documents("just text")) == ["just text"]


def test_bad_inputs_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.txt: corpus file or folder not found"):
        list(counting.iter_documents([tmp_path / "missing.txt"]))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok line\nsecond\n\xff\xfe broken\n")
    with pytest.raises(ValueError, match=r"bad.txt:3: not valid UTF-8 at byte 1 of the line"):
        list(counting.iter_documents([bad]))


@pytest.mark.parametrize("suffix", [".txt", ".txt.xz"])
def test_bad_utf8_deep_in_a_file_names_its_line(tmp_path, suffix):
    # Far past the text decoder's internal buffer, whose offsets are not the file's.
    data = b"".join(b"line %d ok\n" % i for i in range(1, 50_000)) + b"caf\xc3 au lait\nmore\n"
    path = tmp_path / f"deep{suffix}"
    path.write_bytes(lzma.compress(data) if suffix.endswith(".xz") else data)
    with pytest.raises(ValueError, match=r"deep.txt(\.xz)?:50000: not valid UTF-8 at byte 4 of the line"):
        list(counting.iter_documents([path]))
    with pytest.raises(TypeError, match="corpus items must be"):
        list(counting.iter_documents([3]))
