"""pytest-benchmark view of encode speed: bpe fast vs tiktoken (and bpe reference on small text).

Run:  taskset -c 1 python -m pytest benchmarks/test_bench_encode.py --benchmark-columns=median,ops
Ids are asserted equal to tiktoken's before anything is timed. The side-by-side, round-robin
ratios with every peer come from bench_encode.py; this file is for regression tracking.
"""
from __future__ import annotations

import pytest

pytest.importorskip("pytest_benchmark")
tiktoken = pytest.importorskip("tiktoken")

import bpe  # noqa: E402
from benchmarks.bench_encode import chunks, load_corpus  # noqa: E402

SIZE = 200_000


@pytest.fixture(scope="module", params=["cl100k_base", "o200k_base"])
def pair(request):
    name = request.param
    base = bpe.get_encoding(name)
    tk = tiktoken.Encoding(name, pat_str=base.pat_str, mergeable_ranks=base._mergeable_ranks,
                           special_tokens=base.special_tokens)
    return name, base, tk


@pytest.fixture(scope="module", params=["english", "code", "flores"])
def text(request):
    return chunks(load_corpus(request.param, 2 * SIZE), 1, SIZE)[0]


def _encoder(pair, who: str):
    name, base, tk = pair
    if who == "tiktoken":
        return tk.encode_ordinary
    if who not in bpe._backend.core_classes():
        pytest.skip(f"backend {who} not built")
    return bpe.Tokenizer(name, pat_str=base.pat_str, mergeable_ranks=base._mergeable_ranks,
                         special_tokens=base.special_tokens, backend=who).encode_ordinary


@pytest.mark.parametrize("who", ["fast", "tiktoken"])
def test_encode(benchmark, pair, text, who):
    encode = _encoder(pair, who)
    assert encode(text) == pair[2].encode_ordinary(text), "sanity check: ids differ from tiktoken"
    benchmark(encode, text)


def test_encode_reference_small(benchmark, pair, text):
    encode = _encoder(pair, "reference")
    small = text[:5_000]
    assert encode(small) == pair[2].encode_ordinary(small), "sanity check: ids differ from tiktoken"
    benchmark(encode, small)


@pytest.mark.parametrize("n", [100_000, 1_000_000])
def test_worst_case_one_char(benchmark, pair, n):
    encode = _encoder(pair, "fast")
    benchmark.pedantic(encode, args=("a" * n,), rounds=3, iterations=1)
