"""Reproduce the token counts of Petrov et al. 2023 for one encoding on all FLORES-200 languages.

Each language's text is built as the paper counts it (bpe.corpora.petrov_text: dev + devtest items
joined by single spaces) and encoded once. Writes benchmarks/results/petrov_<encoding>.csv and checks
the two counts the corpora README quotes (eng_Latn 52,835 and amh_Ethi 405,644 for cl100k_base).

Usage: python benchmarks/petrov.py [--encoding cl100k_base] [--corpora PATH] [--jobs N] [--out CSV]
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

import bpe  # noqa: E402
from bpe import corpora, metrics  # noqa: E402

# Published by Petrov et al. 2023 and quoted in the corpora README.
PUBLISHED = {"cl100k_base": {"eng_Latn": 52_835, "amh_Ethi": 405_644}}
RESULTS = Path(__file__).resolve().parent / "results"

_ENCODING = None


def _init(name: str) -> None:
    global _ENCODING
    _ENCODING = bpe.get_encoding(name)


def _count(job: tuple) -> tuple:
    root, code = job
    text = corpora.petrov_text(Path(root), code)
    return code, len(text), metrics.utf8_bytes(text), _ENCODING.count(text)


def petrov_counts(root: Path, encoding: str, jobs: int = 0, progress: bool = True) -> list:
    """Rows (code, name, script, chars, bytes, tokens, premium) for every FLORES-200 language."""
    from tqdm import tqdm

    languages = corpora.flores_languages(root)
    work = [(str(root), lang.code) for lang in languages]
    jobs = jobs or os.cpu_count() or 1
    # Processes, not threads: the pure-Python encoder holds the GIL; each worker loads the ranks once.
    with ProcessPoolExecutor(jobs, initializer=_init, initargs=(encoding,)) as pool:
        results = {code: rest for code, *rest in tqdm(pool.map(_count, work, chunksize=4), total=len(work),
                                                      disable=not progress, unit="lang", file=sys.stderr)}
    eng = results.get("eng_Latn", (0, 0, 0))[2]
    rows = []
    for lang in languages:
        chars, nbytes, tokens = results[lang.code]
        rows.append({"language": lang.code, "name": lang.name, "script": lang.script, "chars": chars,
                     "bytes": nbytes, "tokens": tokens,
                     "premium": round(metrics.premium(tokens, eng), 4) if eng else ""})
    return rows


def main(argv: "list[str] | None" = None) -> int:
    """Count, write the CSV, check the published numbers; exit status 1 on a mismatch."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoding", default="cl100k_base")
    parser.add_argument("--corpora", help="folder holding flores200/ (default: $BPE_CORPORA or ../shared/corpora)")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core)")
    parser.add_argument("--out", type=Path, help="CSV path (default: benchmarks/results/petrov_<short>.csv)")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    root = corpora.require_corpora(args.corpora)
    start = time.perf_counter()
    rows = petrov_counts(root, args.encoding, args.jobs, progress=not args.quiet)
    seconds = time.perf_counter() - start
    short = args.encoding.split("_")[0]
    out = args.out or RESULTS / f"petrov_{short}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} languages, {sum(r['tokens'] for r in rows):,} tokens in {seconds:.1f} s "
          f"(backend {bpe.BACKEND}) -> {out}")
    status = 0
    by_code = {r["language"]: r["tokens"] for r in rows}
    for code, expected in PUBLISHED.get(args.encoding, {}).items():
        got = by_code.get(code)
        verdict = "ok" if got == expected else "MISMATCH"
        status |= got != expected
        print(f"{code}: {got:,} tokens, published {expected:,}: {verdict}")
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
