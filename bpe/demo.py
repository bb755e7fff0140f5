"""The main job: train a tokenizer on the training mix, then compare it with cl100k_base and o200k_base."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence, TextIO

from . import corpora, metrics
from .core import Tokenizer
from .registry import EncodingNotFoundError, get_encoding

DEFAULT_LANGUAGES = (
    "eng_Latn", "fra_Latn", "deu_Latn", "spa_Latn", "rus_Cyrl", "ell_Grek", "arb_Arab", "heb_Hebr",
    "hin_Deva", "ben_Beng", "tha_Thai", "zho_Hans", "jpn_Jpan", "kor_Hang", "amh_Ethi",
)


def _take_bytes(paths: Sequence[Path], limit: int) -> list[str]:
    """Read up to limit characters spread evenly over the files (so every part of the mix is seen)."""
    from .counting import iter_file_blocks

    per_file = max(1, limit // max(1, len(paths)))
    docs = []
    for path in paths:
        taken = 0
        for block in iter_file_blocks(path, block_chars=min(per_file, 1 << 20)):
            docs.append(block[: per_file - taken])
            taken += len(docs[-1])
            if taken >= per_file:
                break
    return docs


def locate_corpora(path: "str | None", out: TextIO) -> "Path | None":
    """The corpora folder, or None for the built-in fallback, saying why a configured folder was not used.

    A folder passed explicitly must hold corpora (a typo must not silently switch to other data); a
    `$BPE_CORPORA` that holds none is reported, then the demo falls back like a fresh clone.
    """
    if path is not None:
        return corpora.require_corpora(path)  # CorpusNotFoundError names the folder and the fix
    root = corpora.find_corpora()
    if root is None and os.environ.get("BPE_CORPORA"):
        print(f"BPE_CORPORA={os.environ['BPE_CORPORA']} holds no flores200/ or train/ folder.", file=out)
    return root


def load_evaluation(root: "Path | None", languages: Sequence[str], out: TextIO) -> dict[str, str]:
    """Language code -> evaluation text: FLORES-200 devtest, or the built-in sample without corpora."""
    if root is not None and (root / "flores200").is_dir():
        texts = {}
        for code in languages:
            try:
                texts[code] = "\n".join(corpora.flores_lines(root, code))
            except ValueError as exc:
                print(f"skipping {code}: {exc}", file=out)
        return texts
    print("No FLORES-200 found: evaluating on the small built-in multilingual sample instead.", file=out)
    return {c: t for c, t in corpora.FALLBACK_SAMPLE.items() if c in languages}


def training_corpus(root: "Path | None", max_chars: int, out: TextIO) -> list[str]:
    """Texts to train on: the shared training mix, or the stdlib plus the built-in sample."""
    if root is not None and (root / "train").is_dir():
        files = corpora.training_files(root)
        print(f"Training on {max_chars / 1e6:.1f} M characters of the training mix in {root / 'train'} "
              f"({len(files)} files).", file=out)
        return _take_bytes(files, max_chars)
    print("No training mix found (set BPE_CORPORA or pass --corpora): training on this Python's standard "
          "library plus the built-in multilingual sample.", file=out)
    with tempfile.TemporaryDirectory() as tmp:
        sample = corpora.write_fallback_sample(tmp)
        files = list(corpora.stdlib_code_files()) + sorted(sample.glob("*.txt"))
        return _take_bytes(files, max_chars)


def run_demo(
    *,
    corpora_path: "str | None" = None,
    vocab_size: int = 4096,
    max_chars: int = 2_000_000,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    out: "TextIO | None" = None,
    progress: bool = True,
) -> list[dict]:
    """Train, then print a tokens-per-character table per language (to out, default stdout); returns the rows."""
    if out is None:  # looked up per call, so redirect_stdout and captured output see it
        out = sys.stdout
    root = locate_corpora(corpora_path, out)
    docs = training_corpus(root, max_chars, out)
    start = time.perf_counter()
    trained = Tokenizer.train(docs, vocab_size, progress=progress, name=f"trained-{vocab_size}")
    print(f"Trained {trained.name}: {trained.n_vocab} tokens in {time.perf_counter() - start:.2f} s "
          f"(backend: {trained.backend}).", file=out)
    tokenizers = [trained]
    for name in ("cl100k_base", "o200k_base"):
        try:
            tokenizers.append(get_encoding(name))
        except EncodingNotFoundError as exc:
            print(f"{name} unavailable: {str(exc).splitlines()[0]}", file=out)
    texts = load_evaluation(root, languages, out)
    rows = []
    for code, text in texts.items():
        row = {"language": code, "chars": len(text)}
        for tok in tokenizers:
            row[tok.name] = metrics.tokens_per_char(tok.count(text), len(text))
        rows.append(row)
    header = f"{'language':<10} {'chars':>8} " + " ".join(f"{t.name:>14}" for t in tokenizers)
    print("\nTokens per character (lower is cheaper):", file=out)
    print(header, file=out)
    print("-" * len(header), file=out)
    for row in rows:
        print(f"{row['language']:<10} {row['chars']:>8} " + " ".join(f"{row[t.name]:>14.3f}" for t in tokenizers), file=out)
    return rows
