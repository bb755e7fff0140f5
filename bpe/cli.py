"""The `bpe` command line: a thin layer over the Python API.

Subcommands live in small `register(subparsers)` functions; modules of later features add theirs
to EXTRA_COMMANDS so this file does not grow with every feature.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import sys
from pathlib import Path
from typing import Iterator, Optional, Sequence, TextIO

EXTRA_COMMANDS: tuple[str, ...] = ("bpe.compare_cli:register", "bpe.cost_cli:register", "bpe.budget_cli:register")  # "module:function" entries, each adding subcommands

EPILOG = """examples:
  bpe demo                                   train a small tokenizer and compare it with cl100k/o200k
  bpe encode --tokenizer o200k_base file.txt print token ids of a file
  echo "hello world" | bpe count -t cl100k_base -t o200k_base
  bpe train corpus/ --vocab-size 32768 --out my.tiktoken
  bpe decode -t my.tiktoken ids.txt
  bpe info cl100k_base
"""


def read_text_arg(path: str) -> str:
    """The exact text of a file (or of stdin for '-'): strict UTF-8, line endings kept as they are.

    Line endings are bytes like any other to a tokenizer ("\r\n" is one token in cl100k_base),
    so text mode's newline translation would change the ids; invalid UTF-8 is an error naming the
    line and byte rather than silently replaced characters.
    """
    name = "<stdin>" if path == "-" else path
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except FileNotFoundError:
        raise SystemExit(f"bpe: {path}: no such file")
    except IsADirectoryError:
        raise SystemExit(f"bpe: {path}: is a folder; pass the files inside it")
    except OSError as exc:
        raise SystemExit(f"bpe: {path}: cannot read ({exc.strerror or exc})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        from .counting import bad_utf8_message

        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1)
        raise SystemExit("bpe: " + bad_utf8_message(name, line, column, exc.reason))


def _read_input(paths: Sequence[str]) -> str:
    """The text of the given files joined, or stdin when no file (or '-') is given."""
    return "".join(read_text_arg(p) for p in (paths or ["-"]))


@contextlib.contextmanager
def _open_out(path: Optional[str]) -> Iterator[TextIO]:
    """The --out file (written atomically, so a failed run leaves no half file) or stdout."""
    if not path:
        yield sys.stdout
        return
    buffer = io.StringIO()
    yield buffer
    from .vocab_io import atomic_write

    try:
        atomic_write(path, buffer.getvalue().encode("utf-8"))
    except OSError as exc:
        raise SystemExit(f"bpe: cannot write {path}: {exc.strerror or exc}")


def _tokenizer(name: str):
    from .registry import get_tokenizer

    try:
        return get_tokenizer(name)
    except (ValueError, LookupError, OSError) as exc:
        raise SystemExit(f"bpe: {exc}")


def _add_tokenizer_arg(p: argparse.ArgumentParser, multiple: bool = False) -> None:
    help_ = "encoding name (cl100k_base, o200k_base, ...) or path of a saved tokenizer"
    if multiple:
        p.add_argument("-t", "--tokenizer", action="append", help=help_ + "; repeat to compare (default: cl100k_base)")
    else:
        p.add_argument("-t", "--tokenizer", default="cl100k_base", help=help_ + " (default: %(default)s)")


# ====================
# Commands
# ====================


def cmd_encode(args: argparse.Namespace) -> int:
    """`bpe encode`: print the token ids of the input."""
    tok = _tokenizer(args.tokenizer)
    text = _read_input(args.files)
    try:
        ids = tok.encode(text, allowed_special="all" if args.allow_special else set(),
                         disallowed_special=() if args.allow_special or args.ordinary else "all")
    except ValueError as exc:
        raise SystemExit(f"bpe: {str(exc).splitlines()[0]} Pass --allow-special or --ordinary.")
    with _open_out(args.out) as out:
        out.write((json.dumps(ids) if args.json else " ".join(map(str, ids))) + "\n")
    return 0


def cmd_decode(args: argparse.Namespace) -> int:
    """`bpe decode`: turn token ids back into text."""
    tok = _tokenizer(args.tokenizer)
    raw = _read_input(args.files).replace(",", " ").replace("[", " ").replace("]", " ")
    try:
        ids = [int(x) for x in raw.split()]
    except ValueError as exc:
        raise SystemExit(f"bpe: token ids must be integers separated by spaces, commas or newlines ({exc})")
    try:
        text = tok.decode(ids)
    except KeyError as exc:
        raise SystemExit(f"bpe: {exc.args[0]} for tokenizer {tok.name} (n_vocab {tok.n_vocab})")
    with _open_out(args.out) as out:
        out.write(text)
    return 0


def cmd_count(args: argparse.Namespace) -> int:
    """`bpe count`: the number of tokens of the input, per tokenizer."""
    names = args.tokenizer or ["cl100k_base"]
    text = _read_input(args.files)
    with _open_out(args.out) as out:
        if len(names) == 1 and not args.verbose:
            out.write(f"{_tokenizer(names[0]).count(text)}\n")
            return 0
        out.write(f"{'tokenizer':<20} {'tokens':>10} {'chars':>10} {'chars/token':>12}\n")
        for name in names:
            n = _tokenizer(name).count(text)
            out.write(f"{name:<20} {n:>10} {len(text):>10} {len(text) / n if n else 0:>12.3f}\n")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """`bpe train`: learn a tokenizer from files, folders or stdin and save it."""
    from .core import Tokenizer

    corpus: list = []
    for p in args.corpus:
        if p == "-":
            corpus.append(read_text_arg("-"))  # a str is one document; files are streamed instead
        elif not Path(p).exists():
            raise SystemExit(f"bpe: {p}: corpus file or folder not found")
        else:
            corpus.append(Path(p))
    try:
        tok = Tokenizer.train(
            corpus,
            args.vocab_size,
            pat_str=args.pattern,
            special_tokens=args.special or (),
            min_frequency=args.min_frequency,
            max_token_length=args.max_token_length,
            progress=not args.quiet,
            name=args.name or Path(args.out).stem,
        )
    except (ValueError, OSError) as exc:
        raise SystemExit(f"bpe: {exc}")
    from .vocab_io import saved_paths

    try:
        tok.save(args.out)
    except OSError as exc:
        raise SystemExit(f"bpe: cannot save to {args.out}: {exc.strerror or exc}")
    ranks_path, meta_path = saved_paths(args.out)
    print(f"saved {tok.name}: {tok.n_vocab} tokens -> {ranks_path} (+ {meta_path.name})", file=sys.stderr)
    return 0


SHOWN_SPECIALS = 8


def cmd_info(args: argparse.Namespace) -> int:
    """`bpe info`: size, special tokens, pattern and origin of a tokenizer."""
    tok = _tokenizer(args.tokenizer)
    ordered = sorted(tok.special_tokens.items(), key=lambda kv: kv[1])
    specials = ", ".join(f"{k}={v}" for k, v in ordered[:SHOWN_SPECIALS]) or "(none)"
    if len(ordered) > SHOWN_SPECIALS:  # Tekken reserves 1,000: a count reads better than a wall of them
        specials = f"{len(ordered):,} ({specials}, ... {ordered[-1][0]}={ordered[-1][1]})"
    with _open_out(args.out) as out:
        out.write(f"name:            {tok.name}\n")
        out.write(f"n_vocab:         {tok.n_vocab}\n")
        out.write(f"mergeable ranks: {len(tok.mergeable_ranks)}\n")
        out.write(f"special tokens:  {specials}\n")
        out.write(f"pattern:         {tok.pat_str}\n")
        out.write(f"source:          {getattr(tok, 'source', 'saved file')}\n")
        out.write(f"backend:         {tok.backend}\n")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """`bpe encodings`: the known vendor encodings, and with --check where each resolves."""
    from .registry import EncodingNotFoundError, ENCODINGS, get_encoding

    for name in sorted(ENCODINGS):
        try:
            status = get_encoding(name).source if args.check else ""
        except EncodingNotFoundError:
            status = f"not found (`bpe info {name}` lists where it looked and the fix)"
        print(f"{name:<14} {status}".rstrip())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """`bpe demo`: train a small tokenizer and compare it with cl100k_base and o200k_base."""
    from .corpora import CorpusNotFoundError
    from .demo import DEFAULT_LANGUAGES, run_demo

    languages = args.languages.split(",") if args.languages else DEFAULT_LANGUAGES
    if args.all_languages:
        from .corpora import find_corpora, flores_languages

        root = find_corpora(args.corpora)
        languages = [lang.code for lang in flores_languages(root)] if root else DEFAULT_LANGUAGES
    try:
        run_demo(corpora_path=args.corpora, vocab_size=args.vocab_size, max_chars=args.max_chars,
                 languages=languages, progress=not args.quiet)
    except CorpusNotFoundError as exc:
        raise SystemExit(f"bpe: {exc}")
    return 0


COMMAND_EXAMPLES = {
    "encode": """examples:
  bpe encode -t o200k_base notes.txt           ids separated by spaces
  echo "hello world" | bpe encode --json       a JSON list of ids (cl100k_base)
  bpe encode --allow-special chat.txt -o ids.txt
""",
    "decode": """examples:
  echo "15339 1917" | bpe decode               hello world
  bpe decode -t o200k_base ids.txt -o text.txt
  bpe encode f.txt | bpe decode                round trip
""",
    "count": """examples:
  bpe count notes.txt                          one number (cl100k_base)
  cat *.md | bpe count -t cl100k_base -t o200k_base -t qwen
""",
    "train": """examples:
  bpe train corpus/ --vocab-size 32768 --out mine.tiktoken
  bpe train a.txt b.txt.xz --vocab-size 8192 --pattern cl100k --special "<|endoftext|>" --out mine
  cat notes.txt | bpe train - --vocab-size 1000 --out notes.tiktoken
then: bpe encode -t mine.tiktoken file.txt
""",
    "encodings": """examples:
  bpe encodings                                the names
  bpe encodings --check                        and where each one's file is found (or why not)
""",
    "demo": """examples:
  bpe demo                                     4,096 tokens on 2 M characters, 15 languages
  bpe demo --vocab-size 16384 --all-languages  a bigger vocabulary, every FLORES-200 language
  bpe demo --corpora /data/corpora -q          corpora elsewhere, no progress bars
""",
    "info": """examples:
  bpe info cl100k_base
  bpe info mine.tiktoken -o info.txt
""",
}


def _add_command(sub: "argparse._SubParsersAction", name: str, help_: str) -> argparse.ArgumentParser:
    """A subcommand whose --help repeats its summary and ends with examples."""
    return sub.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".",
                          epilog=COMMAND_EXAMPLES.get(name), formatter_class=argparse.RawDescriptionHelpFormatter)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the `bpe` command."""
    parser = argparse.ArgumentParser(
        prog="bpe",
        description="Train, encode, decode and compare byte-pair-encoding tokenizers (bit-identical to tiktoken).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"bpe {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _add_command(sub, "encode", "print the token ids of text (files or stdin)")
    _add_tokenizer_arg(p)
    p.add_argument("files", nargs="*", help="input files (default: stdin)")
    p.add_argument("--allow-special", action="store_true", help="encode special-token text as special tokens")
    p.add_argument("--ordinary", action="store_true", help="encode special-token text as ordinary text")
    p.add_argument("--json", action="store_true", help="print a JSON list instead of space-separated ids")
    p.add_argument("-o", "--out", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_encode)

    p = _add_command(sub, "decode", "turn token ids (files or stdin) back into text")
    _add_tokenizer_arg(p)
    p.add_argument("files", nargs="*", help="files of ids separated by spaces, commas or newlines (default: stdin)")
    p.add_argument("-o", "--out", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_decode)

    p = _add_command(sub, "count", "count tokens of text with one or more tokenizers")
    _add_tokenizer_arg(p, multiple=True)
    p.add_argument("files", nargs="*", help="input files (default: stdin)")
    p.add_argument("-v", "--verbose", action="store_true", help="print a table even for one tokenizer")
    p.add_argument("-o", "--out", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_count)

    p = _add_command(sub, "train", "train a byte-level BPE tokenizer on files, folders or stdin")
    p.add_argument("corpus", nargs="+",
                   help="text files or folders (.txt, .xz, .gz, .bz2), streamed; '-' reads stdin (held in memory)")
    p.add_argument("--vocab-size", type=int, required=True, help="total ids: 256 bytes + merges + special tokens")
    p.add_argument("-o", "--out", required=True,
                   help="output .tiktoken path (suffix added if missing); metadata goes to the .json beside it")
    p.add_argument("--pattern", default="o200k", help="split pattern: o200k, cl100k, r50k or a regex (default: %(default)s)")
    p.add_argument("--special", action="append", help="a special token to add after the merges (repeatable)")
    p.add_argument("--min-frequency", type=int, default=1, help="stop when the best pair occurs fewer times")
    p.add_argument("--max-token-length", type=int, default=None, help="never build tokens longer than this many bytes")
    p.add_argument("--name", help="tokenizer name (default: the output file's stem)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_train)

    p = _add_command(sub, "info", "describe a tokenizer: size, specials, pattern, where it was loaded from")
    p.add_argument("tokenizer", help="encoding name (bpe encodings lists them) or saved tokenizer path")
    p.add_argument("-o", "--out", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_info)

    p = _add_command(sub, "encodings", "list the vendor encodings bpe knows")
    p.add_argument("--check", action="store_true", help="also load each one and show where its file was found")
    p.set_defaults(func=cmd_list)

    p = _add_command(sub, "demo", "train a tokenizer, then compare tokens per character with cl100k and o200k")
    p.add_argument("--corpora", help="folder with flores200/ and train/ (default: $BPE_CORPORA or ../shared/corpora)")
    p.add_argument("--vocab-size", type=int, default=4096, help="vocabulary to train (default: %(default)s)")
    p.add_argument("--max-chars", type=int, default=2_000_000, help="characters of the mix to train on (default: %(default)s)")
    p.add_argument("--languages", help="comma-separated FLORES-200 codes (default: 15 languages, 10 scripts)")
    p.add_argument("--all-languages", action="store_true", help="evaluate on all 204 FLORES-200 languages")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_demo)

    for entry in EXTRA_COMMANDS:
        module, _, func = entry.partition(":")
        getattr(importlib.import_module(module), func)(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the `bpe` command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except BrokenPipeError:  # `bpe encode big.txt | head` is fine
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
