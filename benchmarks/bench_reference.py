"""The pure-Python reference backend against tiktoken's own pure-Python `_educational` encoder.

Issue 3 asks the readable reference to be at least 5x `_educational` (or minbpe). Both encode the
first 20 KB of each corpus (English prose, Python code, FLORES-200 devtest round-robin) once, from a
fresh instance; ids must be equal before a time counts.

    taskset -c 1 python benchmarks/bench_reference.py
"""
from __future__ import annotations

import contextlib
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bpe  # noqa: E402
from bench_encode import load_corpus  # noqa: E402

SIZE = 20_000


def main() -> int:
    """Print the ratio per corpus and encoding."""
    from tiktoken import _educational

    for kind in ("english", "code", "flores"):
        text = load_corpus(kind, 10 * SIZE)[:SIZE]
        for name in ("cl100k_base", "o200k_base"):
            base = bpe.get_encoding(name)
            ref = bpe.Tokenizer(name, pat_str=base.pat_str, mergeable_ranks=base.mergeable_ranks,
                                special_tokens=base.special_tokens, backend="reference")
            edu = _educational.SimpleBytePairEncoding(pat_str=base.pat_str, mergeable_ranks=base.mergeable_ranks)
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):  # it prints a line per piece otherwise
                expected = edu.encode(text, visualise=None)
            t_edu = time.perf_counter() - start
            start = time.perf_counter()
            ids = ref.encode_ordinary(text)
            t_ref = time.perf_counter() - start
            if ids != expected:
                raise SystemExit(f"PARITY FAILURE: reference differs from _educational on {kind}/{name}")
            print(f"{kind:8} {name:12} _educational {t_edu * 1000:6.0f} ms  bpe-reference {t_ref * 1000:5.0f} ms  "
                  f"{t_edu / t_ref:4.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
