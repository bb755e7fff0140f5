"""The `bpe` command line, through main(argv) and one real subprocess."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from bpe import cli


def run(argv, capsys, stdin: "str | bytes" = "", monkeypatch=None):
    if monkeypatch is not None:
        raw = stdin if isinstance(stdin, bytes) else stdin.encode("utf-8")
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_encode_decode_roundtrip(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in.txt"
    src.write_text("hello world\n", encoding="utf-8")
    code, out, _ = run(["encode", "-t", "cl100k_base", str(src)], capsys)
    assert code == 0 and out.split()[:2] == ["15339", "1917"]
    code, out, _ = run(["decode", "-t", "cl100k_base"], capsys, stdin=out, monkeypatch=monkeypatch)
    assert out == "hello world\n"


def test_encode_json_and_out_file(tmp_path, capsys, monkeypatch):
    dest = tmp_path / "ids.json"
    run(["encode", "--json", "-o", str(dest)], capsys, stdin="hello world", monkeypatch=monkeypatch)
    assert json.loads(dest.read_text()) == [15339, 1917]


def test_encode_special_policy(capsys, monkeypatch):
    with pytest.raises(SystemExit, match="--allow-special or --ordinary"):
        run(["encode"], capsys, stdin="<|endoftext|>", monkeypatch=monkeypatch)
    _, out, _ = run(["encode", "--allow-special"], capsys, stdin="<|endoftext|>", monkeypatch=monkeypatch)
    assert out.split() == ["100257"]
    _, out, _ = run(["encode", "--ordinary"], capsys, stdin="<|endoftext|>", monkeypatch=monkeypatch)
    assert len(out.split()) > 1


def test_count_one_and_many(capsys, monkeypatch):
    _, out, _ = run(["count"], capsys, stdin="hello world", monkeypatch=monkeypatch)
    assert out.strip() == "2"
    _, out, _ = run(["count", "-t", "cl100k_base", "-t", "o200k_base"], capsys, stdin="hello world",
                    monkeypatch=monkeypatch)
    assert "cl100k_base" in out and "o200k_base" in out


def test_train_then_use(tmp_path, capsys, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("low lower lowest newer wider " * 50, encoding="utf-8")
    out_path = tmp_path / "tok.tiktoken"
    code, _, err = run(["train", str(corpus), "--vocab-size", "270", "--out", str(out_path), "-q",
                        "--special", "<|end|>"], capsys)
    assert code == 0 and "270 tokens" in err
    _, out, _ = run(["info", str(out_path)], capsys)
    assert "n_vocab:         270" in out and "<|end|>=269" in out
    _, out, _ = run(["encode", "-t", str(out_path)], capsys, stdin="lowest", monkeypatch=monkeypatch)
    import bpe

    tok = bpe.load(out_path)
    assert [int(x) for x in out.split()] == tok.encode("lowest")
    assert len(tok.encode("lowest")) < len("lowest")


def test_errors_are_messages_not_tracebacks(tmp_path, capsys, monkeypatch):
    with pytest.raises(SystemExit, match="no such file"):
        run(["encode", str(tmp_path / "nope.txt")], capsys)
    with pytest.raises(SystemExit, match="neither a known encoding"):
        run(["encode", "-t", "gpt-17"], capsys, stdin="x", monkeypatch=monkeypatch)
    with pytest.raises(SystemExit, match="token ids must be integers"):
        run(["decode"], capsys, stdin="1 two 3", monkeypatch=monkeypatch)
    with pytest.raises(SystemExit, match="unknown token id"):
        run(["decode"], capsys, stdin="999999999", monkeypatch=monkeypatch)
    with pytest.raises(SystemExit, match="corpus file or folder not found"):
        run(["train", str(tmp_path / "none"), "--vocab-size", "300", "--out", str(tmp_path / "o")], capsys)
    with pytest.raises(SystemExit, match="too small"):
        run(["train", str(tmp_path), "--vocab-size", "10", "--out", str(tmp_path / "o")], capsys)


def test_input_and_output_errors_are_messages(tmp_path, capsys, monkeypatch):
    with pytest.raises(SystemExit, match="is a folder; pass the files inside it"):
        run(["encode", str(tmp_path)], capsys)
    blocker = tmp_path / "file.txt"
    blocker.write_text("hello", encoding="utf-8")
    with pytest.raises(SystemExit, match=f"cannot write {blocker / 'out.txt'}"):
        run(["count", str(blocker), "-o", str(blocker / "out.txt")], capsys)
    _, out, _ = run(["count", str(blocker), "-"], capsys, stdin=" world", monkeypatch=monkeypatch)
    assert out.strip() == "2"  # "hello" + " world": '-' among files reads stdin


def test_files_and_stdin_keep_line_endings(tmp_path, capsys, monkeypatch):
    # "\r\n" is one token and "\r" another: text-mode newline translation would change the ids.
    import bpe

    raw = b"a\r\nb\rc\n"
    expected = bpe.get_encoding("cl100k_base").encode(raw.decode())
    src = tmp_path / "crlf.txt"
    src.write_bytes(raw)
    _, from_file, _ = run(["encode", "--json", str(src)], capsys)
    _, from_stdin, _ = run(["encode", "--json"], capsys, stdin=raw, monkeypatch=monkeypatch)
    assert json.loads(from_file) == json.loads(from_stdin) == expected
    assert "\r\n" in [bpe.get_encoding("cl100k_base").decode([i]) for i in expected]
    _, count, _ = run(["count", str(src)], capsys)
    assert int(count) == len(expected)


def test_invalid_utf8_is_an_error_naming_line_and_byte(tmp_path, capsys, monkeypatch):
    src = tmp_path / "bad.txt"
    src.write_bytes(b"fine\nok \xff here\n")
    with pytest.raises(SystemExit, match=r"bad.txt:2: not valid UTF-8 at byte 4 of the line"):
        run(["encode", str(src)], capsys)
    with pytest.raises(SystemExit, match=r"<stdin>:1: not valid UTF-8 at byte 1 of the line"):
        run(["encode"], capsys, stdin=b"\xff\xfehi", monkeypatch=monkeypatch)


def test_help_reads_well(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in ("encode", "decode", "count", "train", "info", "demo", "examples:"):
        assert command in out


@pytest.mark.parametrize("command", ["encode", "decode", "count", "train", "info", "encodings", "demo", "compare",
                                     "show", "corpora", "cost", "route"])
def test_command_help_shows_examples(command, capsys):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and (f"  bpe {command} " in out or f"| bpe {command}" in out)
    # A one-sentence description between the usage line and the options.
    description = out.split("\n\n")[1]
    assert description[0].isupper() and description.rstrip().endswith(".") and "usage:" not in description


def test_train_from_stdin_and_suffixless_out(tmp_path, capsys, monkeypatch):
    out_path = tmp_path / "notes"
    code, _, err = run(["train", "-", "--vocab-size", "265", "--out", str(out_path), "-q"], capsys,
                       stdin="low lower lowest newer wider\n" * 50, monkeypatch=monkeypatch)
    # The message names the files actually written, not the --out text.
    assert code == 0 and f"-> {tmp_path / 'notes.tiktoken'} (+ notes.json)" in err
    assert len(cli._tokenizer(str(tmp_path / "notes.tiktoken")).encode("lowest")) < len("lowest")


def test_info_to_out_file(tmp_path, capsys):
    dest = tmp_path / "info.txt"
    assert cli.main(["info", "cl100k_base", "-o", str(dest)]) == 0
    assert capsys.readouterr().out == ""
    text = dest.read_text(encoding="utf-8")
    assert "n_vocab:         100277" in text and "<|endoftext|>=100257" in text


def test_demo_with_a_missing_corpora_path_is_an_error(tmp_path):
    """--corpora names the data to use: a typo must stop the demo, not switch to the fallback."""
    with pytest.raises(SystemExit, match=f"{tmp_path / 'nope'} \\(does not exist\\)"):
        cli.main(["demo", "--corpora", str(tmp_path / "nope"), "-q"])


def test_demo_reports_a_stale_bpe_corpora(tmp_path, monkeypatch):
    from bpe import demo

    monkeypatch.setenv("BPE_CORPORA", str(tmp_path / "gone"))
    out = io.StringIO()
    rows = demo.run_demo(vocab_size=260, max_chars=5_000, out=out, progress=False, languages=("eng_Latn",))
    text = out.getvalue()
    assert f"BPE_CORPORA={tmp_path / 'gone'} holds no flores200/ or train/ folder" in text
    assert "No training mix found" in text and [r["language"] for r in rows] == ["eng_Latn"]


def test_demo_without_corpora(tmp_path, monkeypatch):
    """A fresh clone: no corpora anywhere, so the demo trains on the stdlib and the built-in sample."""
    from bpe import corpora, demo

    monkeypatch.setattr(corpora, "find_corpora", lambda path=None: None)
    out = io.StringIO()
    rows = demo.run_demo(vocab_size=300, max_chars=50_000, out=out, progress=False, languages=("eng_Latn", "amh_Ethi"))
    text = out.getvalue()
    assert "No training mix found" in text and "built-in multilingual sample" in text
    assert [r["language"] for r in rows] == ["eng_Latn", "amh_Ethi"]
    assert all(r["trained-300"] > 0 for r in rows)


def test_subprocess_entry_point():
    done = subprocess.run([sys.executable, "-m", "bpe", "count", "-t", "o200k_base"], input="hello world",
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "2"
