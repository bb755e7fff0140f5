"""bpe.show: grouping byte tokens into displayable spans, terminal and HTML rendering, `bpe show`."""
from __future__ import annotations

from bpe import cli
from bpe.show import Span, group_token_bytes, html_page, html_tokens, render_ansi, token_spans
from conftest import vendor
from tiny_corpus import ab_tokenizer, byte_tokenizer


def test_group_keeps_whole_tokens():
    assert group_token_bytes([b"ab", b" ", b"ab"], [256, 32, 256]) == [
        Span("ab", (256,)), Span(" ", (32,)), Span("ab", (256,))]


def test_group_joins_a_character_split_over_tokens():
    assert group_token_bytes([b"a", b"\xc3", b"\xa9"], [97, 1, 2]) == [Span("a", (97,)), Span("é", (1, 2))]


def test_group_shows_invalid_bytes_with_replacement():
    spans = group_token_bytes([b"\xff", b"a"], [5, 97])
    assert spans == [Span("\ufffd", (5,)), Span("a", (97,))]
    assert group_token_bytes([b"\xe1\x88"], [7]) == [Span("\ufffd", (7,))]  # truncated at the end


def test_token_spans_cover_text_and_ids(backend):
    tok = byte_tokenizer(backend)
    spans = token_spans(tok, "ሰa")
    assert spans == [Span("ሰ", (0xE1, 0x88, 0xB0)), Span("a", (97,))]
    assert "".join(s.text for s in spans) == "ሰa"


def test_token_spans_vendor(backend):
    spans = token_spans(vendor("cl100k_base", backend), "hello world")
    assert spans == [Span("hello", (15339,)), Span(" world", (1917,))]


def test_token_spans_special_tokens():
    tok = vendor("cl100k_base", "reference")
    assert token_spans(tok, "<|endoftext|>", allow_special=True) == [Span("<|endoftext|>", (100257,))]
    assert len(token_spans(tok, "<|endoftext|>")) > 1  # ordinary text when not allowed


def test_render_ansi():
    spans = [Span("a", (1,)), Span("b\n", (2,))]
    assert render_ansi(spans, color=False) == "a|b↵\n"
    coloured = render_ansi(spans, color=True)
    assert "\x1b[48;5;" in coloured and coloured.count("\x1b[0m") == 2


def test_html_escapes_and_marks_split_characters():
    fragment = html_tokens([Span("<b>", (7,)), Span("é", (1, 2))])
    assert "&lt;b&gt;" in fragment and "<b>" not in fragment
    assert 'class="tok split"' in fragment and 'title="1 2"' in fragment
    page = html_page("t", [("ab", [Span("ab", (256,))])])
    assert page.startswith("<!DOCTYPE html>") and "1 tokens" in page


def test_cli_show_terminal(tmp_path, capsys):
    saved = tmp_path / "ab.tiktoken"
    ab_tokenizer(name="ab").save(saved)
    assert cli.main(["show", "ab abc", "-t", str(saved), "--color", "never"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "ab: 4 tokens, 6 characters"
    assert out[1] == "ab| |ab|c"
    assert out[2] == "256 32 256 99"


def test_cli_show_html(tmp_path):
    page = tmp_path / "show.html"
    assert cli.main(["show", "hello world", "-t", "cl100k_base", "--html", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert 'title="15339">hello</span>' in text and "2 tokens" in text
