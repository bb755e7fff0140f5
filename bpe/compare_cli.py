"""Subcommands `bpe compare`, `bpe show` and `bpe corpora` (registered through cli.EXTRA_COMMANDS)."""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from .cli import read_text_arg
from .demo import DEFAULT_LANGUAGES

COMPARE_EPILOG = """examples:
  bpe compare                                  cl100k_base vs o200k_base on 15 FLORES-200 languages
  bpe compare --languages all --out report/    every language; Markdown, CSV, JSON, PNG and HTML in report/
  bpe compare -t o200k_base -t my.tiktoken --languages eng_Latn,amh_Ethi
  bpe compare --train 8192,32768 --out report/ train two sizes on the shared training mix and compare them too
  bpe compare --train 4096 --train-corpus my_texts/ --corpus udhr --languages all
                                               a vocabulary trained on your texts vs the vendors', on every UDHR
                                               translation (of the 15 default languages UDHR has only English)
  bpe compare --corpus train -t o200k_base     tokens per character on the training mix (not parallel: no premium)
"""
SHOW_EPILOG = """examples:
  bpe show "Ça coûte combien ? ሰላም"                       cl100k_base tokens, coloured, with their ids
  bpe show "hello world" -t cl100k_base -t o200k_base      the same text on two tokenizers
  bpe show --html tokens.html -t o200k_base < notes.txt    an HTML page of a file's tokens
"""
CORPORA_EPILOG = """examples:
  bpe corpora                                  where the corpora are and what they hold
  bpe corpora --languages flores200-devtest    language codes, scripts and names
  bpe corpora --verify --full                  check every file's size and sha256 against the manifest
  bpe corpora --corpora /data/corpora          look in this folder instead (or set BPE_CORPORA)
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the compare, show and corpora subcommands to the `bpe` parser."""
    p = subparsers.add_parser(
        "compare", help="tokens per character and premium vs English across languages and tokenizers",
        description="Tokens per character and the premium relative to English, per language and tokenizer, "
                    "as tables, charts and an HTML report.",
        epilog=COMPARE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-t", "--tokenizer", action="append",
                   help="encoding name or saved tokenizer path; repeat (default: cl100k_base and o200k_base)")
    p.add_argument("--languages", help="comma-separated codes, or 'all' (default: 15 languages in 10 scripts)")
    p.add_argument("--corpus", default="flores200-devtest",
                   help="flores200-devtest, flores200-dev, flores200 (both), udhr or train (default: %(default)s)")
    p.add_argument("--corpora", help="folder holding flores200/ and train/ (default: $BPE_CORPORA or ../shared/corpora)")
    p.add_argument("--reference", help="language the premium is relative to, on parallel corpora (default: eng_Latn)")
    p.add_argument("--train", help="comma-separated vocab sizes to train and add to the comparison, e.g. 8192,32768")
    p.add_argument("--train-corpus", action="append",
                   help="files or folders to train on (repeatable; default: the shared training mix)")
    p.add_argument("--train-max-chars", type=int, default=4_000_000,
                   help="characters of the training corpus to use, spread over its files; 0 = all (default: %(default)s)")
    p.add_argument("--out", help="write the report files into this folder (default: print Markdown only)")
    p.add_argument("--format", default="md,csv,json,png,html",
                   help="report formats written with --out (default: %(default)s)")
    p.add_argument("--threads", type=int, default=0, help="encoding threads (default: one per core)")
    p.add_argument("--verify", choices=("none", "size", "full"), default="size",
                   help="check corpus files against the manifest: size (fast) or full sha256 (default: %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_compare)

    p = subparsers.add_parser("show", help="print text split into its tokens, coloured, with ids and counts",
                              description="Print text split into its tokens, coloured, with ids and counts.",
                              epilog=SHOW_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", nargs="?", help="text to show (default: read stdin)")
    p.add_argument("-t", "--tokenizer", action="append",
                   help="encoding name or saved tokenizer path; repeat to compare (default: cl100k_base)")
    p.add_argument("--html", metavar="FILE", help="write an HTML page instead of terminal output")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour the terminal output (default: auto, when stdout is a terminal)")
    p.add_argument("--no-ids", action="store_true", help="do not print the token ids")
    p.add_argument("--special", action="store_true", help="encode special-token text (<|endoftext|>) as special tokens")
    p.set_defaults(func=cmd_show)

    p = subparsers.add_parser("corpora", help="list the corpora found (FLORES-200, UDHR, training mix) and verify them",
                              description="List the corpora found (FLORES-200, UDHR, training mix) and verify them.",
                              epilog=CORPORA_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpora", help="folder holding flores200/ and train/ (default: $BPE_CORPORA or ../shared/corpora)")
    p.add_argument("--languages", metavar="CORPUS", help="list the language codes of one corpus, e.g. flores200-devtest")
    p.add_argument("--verify", action="store_true", help="check every file's size against the manifest")
    p.add_argument("--full", action="store_true", help="with --verify: also check every sha256 (reads everything)")
    p.set_defaults(func=cmd_corpora)


def _root(path: "str | None") -> Path:
    from .corpora import CorpusNotFoundError, require_corpora

    try:
        return require_corpora(path)
    except CorpusNotFoundError as exc:
        raise SystemExit(f"bpe: {exc}")


# ====================
# bpe compare
# ====================


def _vocab_sizes(spec: str) -> list:
    try:
        sizes = [int(s.replace("_", "").lower().replace("k", "000")) for s in spec.split(",") if s.strip()]
    except ValueError:
        raise SystemExit(f"bpe: --train {spec!r}: expected comma-separated integers such as 8192,32768")
    if not sizes or min(sizes) <= 256:
        raise SystemExit(f"bpe: --train {spec!r}: every vocab size must be above 256 (the byte tokens)")
    return sizes


def cmd_compare(args: argparse.Namespace) -> int:
    """Run `bpe compare`: load tokenizers and texts, measure, print and write the report."""
    from . import compare as cmp_mod
    from .corpora import CorpusIntegrityError, is_parallel, load_texts

    command = "bpe " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["compare"] else ""
    root = _root(args.corpora)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    names = args.tokenizer or ["cl100k_base", "o200k_base"]
    try:
        tokenizers = cmp_mod.load_tokenizers(names)
    except (ValueError, LookupError, OSError) as exc:
        raise SystemExit(f"bpe: {exc}")
    reference = args.reference or cmp_mod.REFERENCE_LANGUAGE
    if args.languages in (None, ""):
        languages = list(DEFAULT_LANGUAGES)
    elif args.languages == "all":
        languages = None
    else:
        languages = [c.strip() for c in args.languages.split(",") if c.strip()]
    # Codes the user typed must exist (a typo is an error); the defaults and an implied reference
    # are only wishes, kept where the corpus has them.
    named = set() if args.languages in (None, "", "all") else set(languages or ())
    if args.reference:
        named.add(args.reference)
    if languages is not None and reference not in languages and is_parallel(args.corpus):
        languages.insert(0, reference)  # the premium needs the reference language's count
    notes = []
    try:
        if languages is not None:
            languages, notes = _keep_available(root, args.corpus, languages, named)
        texts = load_texts(root, languages, args.corpus, verify=args.verify)
    except (ValueError, CorpusIntegrityError) as exc:
        raise SystemExit(f"bpe: {exc}")
    for note in notes:
        print(f"bpe: {note}", file=sys.stderr)
    trained_seconds = None
    if args.train:
        sizes = _vocab_sizes(args.train)
        try:
            corpus = ([Path(p) for p in args.train_corpus] if args.train_corpus
                      else cmp_mod.default_train_corpus(root))
            start = time.perf_counter()
            tokenizers += cmp_mod.train_tokenizers(sizes, corpus, max_chars=args.train_max_chars,
                                                   progress=not args.quiet)
            trained_seconds = round(time.perf_counter() - start, 1)
        except (ValueError, OSError) as exc:
            raise SystemExit(f"bpe: {exc}")
    try:
        result = cmp_mod.compare(tokenizers, texts, reference=reference, num_threads=args.threads,
                                 progress=not args.quiet, corpus=args.corpus)
    except ValueError as exc:
        raise SystemExit(f"bpe: {exc}")
    result.notes[:0] = notes
    if not result.parallel and args.reference:
        print(f"bpe: --reference {args.reference} ignored: {args.corpus} is not parallel text, so no premium "
              "is computed (see the report's notes)", file=sys.stderr)
    result.meta["corpora_root"] = str(root)
    if trained_seconds is not None:
        where = ([str(p) for p in corpus] if args.train_corpus
                 else f"the training mix, {len(corpus)} files under {root / 'train'}")
        result.meta["train"] = {"sizes": sizes, "seconds": trained_seconds, "corpus": where,
                                "max_chars": args.train_max_chars}
    from . import report

    print(report.to_markdown(result, command))
    if args.out:
        try:
            written = report.write_report(result, args.out, formats, command)
        except (ValueError, ImportError) as exc:
            raise SystemExit(f"bpe: {exc}")
        print(f"wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    return 0


def _keep_available(root: Path, corpus: str, languages: list, named: set) -> tuple:
    """(languages the corpus has, notes on the dropped ones); a missing code in `named` is left for load_texts to reject."""
    from .corpora import corpus_languages

    have = set(corpus_languages(root, corpus))
    dropped = [c for c in languages if c not in have and c not in named]
    if not dropped:
        return languages, []
    kept = [c for c in languages if c not in dropped]
    note = (f"--corpus {corpus} lacks {len(dropped)} of the {len(languages)} languages asked for by default, "
            f"left out: {', '.join(dropped)}. Pass --languages all or codes from `bpe corpora --languages {corpus}`.")
    if not kept:
        raise ValueError(f"--corpus {corpus} has none of the default languages ({', '.join(dropped)}); "
                         f"pass --languages all or codes from `bpe corpora --languages {corpus}`")
    return kept, [note]


# ====================
# bpe show
# ====================


def cmd_show(args: argparse.Namespace) -> int:
    """Run `bpe show`: the text split into tokens per tokenizer, in the terminal or as HTML."""
    from .registry import get_tokenizer
    from .show import html_page, render_ansi, token_spans

    text = args.text if args.text is not None else read_text_arg("-")
    sections = []
    for name in args.tokenizer or ["cl100k_base"]:
        try:
            tok = get_tokenizer(name)
        except (ValueError, LookupError, OSError) as exc:
            raise SystemExit(f"bpe: {exc}")
        try:
            sections.append((tok.name, token_spans(tok, text, allow_special=args.special)))
        except ValueError as exc:
            raise SystemExit(f"bpe: {str(exc).splitlines()[0]}")
    if args.html:
        Path(args.html).write_text(html_page("bpe show", sections), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
        return 0
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    for name, spans in sections:
        ids = [i for s in spans for i in s.ids]
        print(f"{name}: {len(ids)} tokens, {len(text)} characters")
        print(render_ansi(spans, color=color))
        if not args.no_ids:
            print(" ".join(map(str, ids)))
        print()
    return 0


# ====================
# bpe corpora
# ====================


def cmd_corpora(args: argparse.Namespace) -> int:
    """Run `bpe corpora`: what is found where, optionally the language codes and a verification."""
    from . import corpora

    root = _root(args.corpora)
    if args.languages:
        try:
            texts_codes = _codes(root, args.languages)
        except ValueError as exc:
            raise SystemExit(f"bpe: {exc}")
        for lang in texts_codes:
            print(f"{lang.code:<10} {lang.script_code:<5} {lang.name}")
        return 0
    print(f"corpora folder: {root}")
    found = corpora.list_corpora(root)
    if not found:
        print("  (no known corpus inside: expected flores200/, udhr/ or train/)")
    for c in found:
        print(f"  {c.name:<18} {c.languages:>4} languages {c.files:>4} files {c.size / 1e6:>8.1f} MB  {c.description}")
    print("FLORES-200 is for evaluation only: never train on it.")
    if args.verify or args.full:
        checked, problems = corpora.verify_corpora(root, full=args.full, progress=sys.stderr.isatty())
        kind = "sha256" if args.full else "size"
        for msg in problems:
            print(f"FAIL {msg}")
        print(f"{kind} check: {checked} files checked, {len(problems)} problems")
        return 1 if problems else 0
    return 0


def _codes(root: Path, corpus: str) -> list:
    from . import corpora

    if corpus.startswith("flores200"):
        return corpora.flores_languages(root)
    if corpus == "udhr":
        return [corpora.Language(c, n, *(_script(root, c))) for c, n in corpora.udhr_languages(root).items()]
    if corpus == "train":
        return [corpora.language_info(root, c) for c in corpora.training_languages(root)]
    raise ValueError(f"unknown corpus {corpus!r}; choose flores200-devtest, flores200-dev, udhr or train")


def _script(root: Path, code: str) -> tuple:
    from .corpora import language_info

    lang = language_info(root, code)
    return lang.script_code, lang.script
