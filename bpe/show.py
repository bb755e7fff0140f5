"""Show text split into its tokens: coloured in a terminal, or as HTML (the tiktokenizer view, offline).

A token is a byte string, and a byte-level BPE token may end inside a multi-byte character. Such
tokens cannot be shown alone, so consecutive tokens are grouped into the shortest run that decodes
as UTF-8; a span then carries several ids and is drawn with a dashed outline.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from .core import Tokenizer

# Light backgrounds, readable with black text, distinct enough that neighbours never look merged.
PALETTE = ("#fde68a", "#bbf7d0", "#bfdbfe", "#fbcfe8", "#ddd6fe", "#fed7aa", "#a5f3fc", "#d9f99d")
# xterm-256 approximations of the palette above.
ANSI_PALETTE = (229, 157, 153, 218, 189, 223, 159, 193)


@dataclass(frozen=True)
class Span:
    """A piece of text with the token ids that produce it (one id, or several for a split character)."""

    text: str
    ids: tuple


def group_token_bytes(pieces: Sequence[bytes], ids: Sequence[int]) -> list[Span]:
    """Group token byte strings into the shortest runs that decode as UTF-8.

    Example: group_token_bytes([b"a", b"\\xc3", b"\\xa9"], [97, 1, 2]) == [Span("a", (97,)), Span("é", (1, 2))]
    """
    spans: list[Span] = []
    buf = b""
    run: list[int] = []
    for piece, token in zip(pieces, ids):
        buf += piece
        run.append(token)
        try:
            text = buf.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Only an incomplete sequence at the end can be completed by the next token; an invalid
            # byte in the middle never will, so show it with replacement characters now.
            if exc.reason != "unexpected end of data" or exc.end != len(buf):
                spans.append(Span(buf.decode("utf-8", "replace"), tuple(run)))
                buf, run = b"", []
            continue
        spans.append(Span(text, tuple(run)))
        buf, run = b"", []
    if run:
        spans.append(Span(buf.decode("utf-8", "replace"), tuple(run)))
    return spans


def token_spans(tokenizer: "Tokenizer", text: str, allow_special: bool = False) -> list[Span]:
    """Encode text and return its displayable token spans.

    Example: [s.text for s in token_spans(get_encoding("cl100k_base"), "hello world")] == ["hello", " world"]
    """
    if allow_special:
        ids = tokenizer.encode(text, allowed_special="all")
    else:
        ids = tokenizer.encode_ordinary(text)
    return group_token_bytes(tokenizer.decode_tokens_bytes(ids), ids)


def _visible(text: str) -> str:
    # Make whitespace that would otherwise be invisible (or break the layout) show in the token.
    return text.replace("\t", "→").replace("\r", "␍").replace("\n", "↵\n")


def render_ansi(spans: Sequence[Span], color: bool = True) -> str:
    """Spans as terminal text: ANSI background colours, or `|`-separated tokens without colour.

    Example: render_ansi([Span("a", (1,)), Span("b", (2,))], color=False) == "a|b"
    """
    if not color:
        return "|".join(_visible(s.text) for s in spans)
    out = []
    for i, span in enumerate(spans):
        code = ANSI_PALETTE[i % len(ANSI_PALETTE)]
        underline = "\x1b[4m" if len(span.ids) > 1 else ""
        # Colour each line separately so a newline inside a token does not paint the rest of the row.
        parts = _visible(span.text).split("\n")
        out.append("\n".join(f"\x1b[48;5;{code}m\x1b[30m{underline}{p}\x1b[0m" if p else "" for p in parts))
    return "".join(out)


def html_tokens(spans: Sequence[Span]) -> str:
    """Spans as an HTML fragment: one coloured <span> per token, ids in the tooltip.

    Example: html_tokens([Span("a<", (7,))]) == '<span class="tok" style="background:#fde68a" title="7">a&lt;</span>'
    """
    out = []
    for i, span in enumerate(spans):
        cls = "tok split" if len(span.ids) > 1 else "tok"
        title = " ".join(map(str, span.ids))
        text = html.escape(_visible(span.text)).replace("\n", "<br>")
        out.append(f'<span class="{cls}" style="background:{PALETTE[i % len(PALETTE)]}" title="{title}">{text}</span>')
    return "".join(out)


TOKEN_CSS = """
.tokens { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 15px;
          line-height: 1.9; white-space: pre-wrap; word-break: break-word; }
.tok { border-radius: 3px; padding: 1px 0; color: #111; }
.tok.split { outline: 1px dashed #555; }
.ids { font-family: ui-monospace, monospace; font-size: 12px; color: #555; word-break: break-all; }
"""


def html_page(title: str, sections: Sequence[tuple[str, Sequence[Span]]]) -> str:
    """A standalone HTML page showing each (heading, spans) section with its token count and ids."""
    body = []
    for heading, spans in sections:
        ids = [i for s in spans for i in s.ids]
        body.append(
            f"<section><h2>{html.escape(heading)} <small>{len(ids)} tokens</small></h2>"
            f'<div class="tokens">{html_tokens(spans)}</div>'
            f'<p class="ids">{" ".join(map(str, ids))}</p></section>'
        )
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:60em}}"
        f"h2 small{{color:#666;font-weight:normal}}{TOKEN_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{''.join(body)}"
        "<p><small>Dashed outline: one character split across several tokens. Hover a token for its id.</small></p>"
        "</body></html>\n"
    )
