"""Vendor vocabulary resolution: order, offline guarantees, sha256 checks, and the not-found message."""
from __future__ import annotations

import gzip
import hashlib

import pytest

import bpe
from bpe import registry


@pytest.fixture
def isolated(monkeypatch, tmp_path, cl100k_bytes):
    """No packages, no tiktoken cache, no downloads: only what a test puts in place."""
    monkeypatch.setattr(registry, "_package_candidates", lambda spec: [])
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BPE_OFFLINE", "1")
    monkeypatch.delenv("BPE_VOCAB_DIR", raising=False)
    return tmp_path


_CL100K_BYTES: list = []


@pytest.fixture
def cl100k_bytes() -> bytes:
    """cl100k_base in .tiktoken format, rendered before the isolation takes the packages away."""
    if not _CL100K_BYTES:
        _CL100K_BYTES.append(bpe.vocab_io.format_tiktoken_bpe(bpe.get_encoding("cl100k_base")._mergeable_ranks))
    return _CL100K_BYTES[0]


def test_list_encodings():
    assert {"cl100k_base", "o200k_base", "r50k_base", "p50k_base"} <= set(bpe.list_encodings())


def test_found_in_installed_package():
    tok = bpe.get_encoding("o200k_base")
    assert tok.source.startswith("package ")
    assert tok is bpe.get_encoding("o200k_base")  # cached


def test_not_found_names_every_place_and_the_fix(isolated):
    with pytest.raises(bpe.EncodingNotFoundError) as info:
        registry.load_ranks(registry.ENCODINGS["r50k_base"])
    message = str(info.value)
    assert "'r50k_base'" in message
    assert "BPE_VOCAB_DIR (not set)" in message
    assert "tiktoken cache" in message
    assert "BPE_OFFLINE=1 forbids downloads" in message
    # No PyPI package ships r50k_base, so `pip install bpe[vocab]` would not fix it.
    assert "bpe[vocab]" not in message and "tiktoken's loader download it" in message and "306cd27f" in message


def test_not_found_fix_fits_the_encoding(isolated):
    with pytest.raises(bpe.EncodingNotFoundError, match=r"pip install 'bpe\[vocab\]'"):
        registry.load_ranks(registry.ENCODINGS["o200k_base"])


@pytest.mark.parametrize("value, downloads", [("1", False), ("true", False), ("0", True), ("", True), ("false", True)])
def test_offline_switch_values(isolated, monkeypatch, value, downloads):
    calls = []
    monkeypatch.setattr(registry, "_load_with_tiktoken", lambda spec, tried: calls.append(spec.name))
    monkeypatch.setenv("BPE_OFFLINE", value)
    with pytest.raises(bpe.EncodingNotFoundError):
        registry.load_ranks(registry.ENCODINGS["p50k_base"])
    assert calls == (["p50k_base"] if downloads else [])


def test_vocab_dir_and_gz(isolated, monkeypatch, cl100k_bytes):
    folder = isolated / "vocab"
    folder.mkdir()
    (folder / "cl100k_base.tiktoken.gz").write_bytes(gzip.compress(cl100k_bytes))
    monkeypatch.setenv("BPE_VOCAB_DIR", str(folder))
    ranks, source = registry.load_ranks(registry.ENCODINGS["cl100k_base"])
    assert source.startswith("BPE_VOCAB_DIR") and len(ranks) == 100256


def test_tiktoken_cache_dir(isolated, cl100k_bytes):
    spec = registry.ENCODINGS["cl100k_base"]
    cache = isolated / "cache"
    cache.mkdir()
    (cache / hashlib.sha1(spec.url.encode()).hexdigest()).write_bytes(cl100k_bytes)
    ranks, source = registry.load_ranks(spec)
    assert source.startswith("tiktoken cache") and len(ranks) == 100256


def test_wrong_hash_is_skipped_and_reported(isolated, monkeypatch):
    folder = isolated / "vocab"
    folder.mkdir()
    (folder / "cl100k_base.tiktoken").write_bytes(b"YQ== 0\n")
    monkeypatch.setenv("BPE_VOCAB_DIR", str(folder))
    with pytest.warns(UserWarning, match="BPE_VOCAB_DIR file skipped: .*cl100k_base.tiktoken"):
        with pytest.raises(bpe.EncodingNotFoundError, match="does not match the expected"):
            registry.load_ranks(registry.ENCODINGS["cl100k_base"])


def test_explicit_path_wins_and_fails_loudly(isolated, cl100k_bytes):
    path = isolated / "mine.tiktoken"
    path.write_bytes(cl100k_bytes)
    tok = bpe.get_encoding("cl100k_base", path=path)
    assert tok.source.startswith("path argument") and tok.encode("hello world") == [15339, 1917]
    path.write_bytes(b"YQ== 0\n")
    with pytest.raises(bpe.VocabFileError, match="mine.tiktoken: sha256"):
        bpe.get_encoding("cl100k_base", path=path)


@pytest.mark.parametrize("name", ["cl100k_base", "qwen"])
def test_explicit_missing_path_is_an_error_not_a_fallback(name, tmp_path):
    """A typo in path= must not quietly load the installed copy instead."""
    with pytest.raises(bpe.VocabFileError, match=f"nothere.tiktoken: no such file .*'{name}'"):
        bpe.get_encoding(name, path=tmp_path / "nothere.tiktoken")


def test_get_tokenizer_finds_a_tokenizer_saved_without_suffix(tmp_path, monkeypatch):
    tok = bpe.Tokenizer("mine", pat_str="cl100k", mergeable_ranks={bytes([i]): i for i in range(256)},
                        special_tokens={"<|end|>": 256})
    tok.save(tmp_path / "mine")
    monkeypatch.chdir(tmp_path)
    loaded = bpe.get_tokenizer("mine")
    assert loaded.special_tokens == {"<|end|>": 256} and loaded.source.endswith("mine.tiktoken")


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown encoding 'cl100k'.*cl100k_base"):
        bpe.get_encoding("cl100k")


def test_encoding_for_model():
    assert registry.encoding_name_for_model("gpt-4o-mini") == "o200k_base"
    assert registry.encoding_name_for_model("gpt-4-turbo") == "cl100k_base"
    assert registry.encoding_name_for_model("gpt-5.4") == "o200k_base"
    with pytest.raises(KeyError, match="no known encoding"):
        registry.encoding_name_for_model("llama-3")


def test_no_network_when_offline(isolated, monkeypatch):
    import socket

    def forbidden(*a, **k):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    with pytest.raises(bpe.EncodingNotFoundError):
        registry.load_ranks(registry.ENCODINGS["p50k_base"])


@pytest.mark.parametrize("name", ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"])
def test_constants_equal_tiktokens_own_definitions(name, monkeypatch):
    # Parity tests build tiktoken's Encoding from our pattern and specials; this pins those to
    # tiktoken's own constructors (their file loader stubbed, so nothing is downloaded).
    openai_public = pytest.importorskip("tiktoken_ext.openai_public")
    hashes = []
    monkeypatch.setattr(openai_public, "load_tiktoken_bpe",
                        lambda url, expected_hash=None: hashes.append(expected_hash) or {})
    theirs = getattr(openai_public, name)()
    spec = registry.ENCODINGS[name]
    assert spec.pat_str == theirs["pat_str"]
    assert dict(spec.special_tokens) == theirs["special_tokens"]
    assert hashes == [spec.sha256]
