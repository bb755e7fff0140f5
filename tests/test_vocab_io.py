"""Save/load round trips and every rejected-file error path, each naming file and line."""
from __future__ import annotations

import base64
import json

import pytest

import bpe
from bpe import vocab_io
from tests.conftest import oracle, vendor


def _write(path, lines):
    path.write_bytes("".join(lines).encode())
    return path


def test_format_matches_tiktoken_dump(tmp_path, monkeypatch):
    import sys
    import types

    tiktoken_load = pytest.importorskip("tiktoken.load")
    # tiktoken writes through blobfile; a local-file stand-in lets its own writer run offline.
    monkeypatch.setitem(sys.modules, "blobfile", types.SimpleNamespace(BlobFile=open))
    ranks = {b"a": 0, b"b": 1, b"ab": 5, b"\xff": 2}
    ours, theirs = tmp_path / "ours.tiktoken", tmp_path / "theirs.tiktoken"
    bpe.dump_tiktoken_bpe(ranks, ours)
    tiktoken_load.dump_tiktoken_bpe(ranks, str(theirs))
    assert ours.read_bytes() == theirs.read_bytes()
    assert tiktoken_load.load_tiktoken_bpe(str(ours)) == ranks


def test_cl100k_file_roundtrip(tmp_path):
    tok = vendor("cl100k_base", "reference")
    path = tmp_path / "cl.tiktoken"
    bpe.dump_tiktoken_bpe(tok._mergeable_ranks, path)
    assert vocab_io.sha256_hex(path.read_bytes()) == "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
    assert bpe.load_tiktoken_bpe(path) == tok._mergeable_ranks


def test_tokenizer_save_load(tmp_path, backend):
    tok = bpe.Tokenizer("toy", pat_str="cl100k", mergeable_ranks={bytes([i]): i for i in range(256)} | {b"ab": 300},
                        special_tokens={"<|end|>": 301})
    tok.save(tmp_path / "toy.tiktoken")
    meta = json.loads((tmp_path / "toy.json").read_text())
    assert meta["format_version"] == vocab_io.FORMAT_VERSION and meta["pat_str"] == bpe.CL100K
    back = bpe.load(tmp_path / "toy.tiktoken", backend=backend)
    assert back.encode("abc<|end|>", allowed_special="all") == [300, 99, 301]
    assert bpe.load(tmp_path / "toy.json").special_tokens == {"<|end|>": 301}


def test_load_takes_the_path_given_to_save(tmp_path):
    tok = bpe.Tokenizer("m", pat_str="o200k", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    tok.save(tmp_path / "mine")
    assert vocab_io.saved_paths(tmp_path / "mine") == (tmp_path / "mine.tiktoken", tmp_path / "mine.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json", "mine.tiktoken"]
    loaded = bpe.load(tmp_path / "mine")
    assert loaded.name == "m" and loaded.source == f"saved file: {tmp_path / 'mine.tiktoken'}"


def test_save_adds_suffix_and_loads_into_tiktoken(tmp_path):
    tiktoken = pytest.importorskip("tiktoken")
    tok = vendor("cl100k_base", "reference")
    small = bpe.Tokenizer("small", pat_str=tok.pat_str, special_tokens={},
                          mergeable_ranks={k: v for k, v in tok._mergeable_ranks.items() if v < 5000})
    small.save(tmp_path / "small")
    assert (tmp_path / "small.tiktoken").exists()
    enc = tiktoken.Encoding("small", pat_str=small.pat_str,
                            mergeable_ranks=bpe.load_tiktoken_bpe(tmp_path / "small.tiktoken"), special_tokens={})
    text = "Held-back text: the quick brown fox, 12345, héllo."
    assert enc.encode(text) == small.encode(text) == small.to_tiktoken().encode(text)


def test_rank_gaps_and_permuted_bytes_accepted(tmp_path):
    lines = [f"{base64.b64encode(bytes([i])).decode()} {(i * 7) % 256 + (1000 if i == 3 else 0)}\n" for i in range(256)]
    ranks = bpe.load_tiktoken_bpe(_write(tmp_path / "p.tiktoken", lines))
    assert ranks[b"\x03"] == 1021 and ranks[b"\x01"] == 7


@pytest.mark.parametrize(
    "content, message",
    [
        (["YQ== 0\n", "Yg== 0\n"], r"x.tiktoken:2: rank 0 already used on line 1"),
        (["YQ== 0\n", "YQ== 1\n"], r"x.tiktoken:2: token b'a' already listed"),
        (["YQ== 0\n", "!!!! 1\n"], r"x.tiktoken:2: invalid base64"),
        (["YQ== 0\n", "Yg==\n"], r"x.tiktoken:2: expected 'base64-token rank'"),
        (["YQ== 0\n", "Yg== x\n"], r"x.tiktoken:2: rank 'x' is not an integer"),
        (["YQ== 0\n", "Yg== 1"], r"x.tiktoken:2: file ends in the middle of a line"),
        ([], r"x.tiktoken: vocabulary file is empty"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path, content, message):
    with pytest.raises(bpe.VocabFileError, match=message):
        bpe.load_tiktoken_bpe(_write(tmp_path / "x.tiktoken", content))


def test_wrong_hash_rejected(tmp_path):
    path = _write(tmp_path / "h.tiktoken", ["YQ== 0\n"])
    with pytest.raises(bpe.VocabFileError, match="h.tiktoken: sha256 .* does not match"):
        bpe.load_tiktoken_bpe(path, expected_hash="0" * 64)


def test_tampered_saved_tokenizer_rejected(tmp_path):
    tok = bpe.Tokenizer("t", pat_str="o200k", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    tok.save(tmp_path / "t.tiktoken")
    with open(tmp_path / "t.tiktoken", "ab") as f:
        f.write(b"YWI= 256\n")
    with pytest.raises(bpe.VocabFileError, match="does not match"):
        bpe.load(tmp_path / "t.tiktoken")


def test_missing_sidecar_and_bad_json(tmp_path):
    bpe.dump_tiktoken_bpe({b"a": 0}, tmp_path / "n.tiktoken")
    with pytest.raises(bpe.VocabFileError, match="metadata file not found"):
        bpe.load(tmp_path / "n.tiktoken")
    (tmp_path / "n.json").write_text('{"format": "bpe-tokenizer",\n  oops}')
    with pytest.raises(bpe.VocabFileError, match=r"n.json:2: invalid JSON"):
        bpe.load(tmp_path / "n.tiktoken")


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "v.tiktoken"
    path.write_bytes(b"old\n")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(vocab_io.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        vocab_io.atomic_write(path, b"new\n")
    assert path.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["v.tiktoken"]


@pytest.mark.skipif(not hasattr(vocab_io.os, "fchmod"), reason="POSIX permission bits")
def test_atomic_write_gives_normal_permissions(tmp_path):
    """mkstemp makes 0600 files; a saved tokenizer must be as readable as any file the user writes."""
    umask = vocab_io.os.umask(0o022)
    try:
        vocab_io.atomic_write(tmp_path / "new.txt", b"x")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
        (tmp_path / "old.txt").write_bytes(b"old")
        (tmp_path / "old.txt").chmod(0o640)
        vocab_io.atomic_write(tmp_path / "old.txt", b"new")
        assert (tmp_path / "old.txt").stat().st_mode & 0o777 == 0o640
    finally:
        vocab_io.os.umask(umask)


def test_gz_and_truncated_gz(tmp_path):
    import gzip

    good = tmp_path / "g.tiktoken.gz"
    good.write_bytes(gzip.compress(b"YQ== 0\nYg== 1\n"))
    assert bpe.load_tiktoken_bpe(good) == {b"a": 0, b"b": 1}
    bad = tmp_path / "b.tiktoken.gz"
    bad.write_bytes(good.read_bytes()[:-6])
    with pytest.raises(bpe.VocabFileError, match="b.tiktoken.gz: not a valid gzip"):
        bpe.load_tiktoken_bpe(bad)


def test_constructor_rejects_inconsistent_vocab():
    with pytest.raises(ValueError, match="share a rank"):
        bpe.Tokenizer("x", pat_str="cl100k", mergeable_ranks={b"a": 0, b"b": 0}, special_tokens={})
    with pytest.raises(ValueError, match="also ranks"):
        bpe.Tokenizer("x", pat_str="cl100k", mergeable_ranks={b"a": 0}, special_tokens={"<s>": 0})
    with pytest.raises(ValueError, match="explicit_n_vocab"):
        bpe.Tokenizer("x", pat_str="cl100k", mergeable_ranks={b"a": 0}, special_tokens={}, explicit_n_vocab=5)
    with pytest.raises(ValueError, match="does not compile"):
        bpe.Tokenizer("x", pat_str="(", mergeable_ranks={b"a": 0}, special_tokens={})
    with pytest.raises(ValueError, match="empty string cannot be a special token"):
        bpe.Tokenizer("x", pat_str="cl100k", mergeable_ranks={b"a": 0}, special_tokens={"": 1})


def test_from_tiktoken_roundtrip():
    ref = oracle("o200k_base")
    tok = bpe.Tokenizer.from_tiktoken(ref)
    assert tok.encode("héllo wörld") == ref.encode("héllo wörld")
    assert tok.to_tiktoken().encode("héllo wörld") == ref.encode("héllo wörld")
