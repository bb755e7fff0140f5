"""Training: golden examples, the tie-break, reference == fast == rustbpe, tiktoken export, limits, errors.

Merge-level tests run on both trainer twins (`trainer` fixture: bpe.train and bpe._fast.train);
tokenizer-level tests use the `backend` fixture (the fast Tokenizer also needs bpe._fast.core).
"""
from __future__ import annotations

import lzma
import warnings
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bpe
from bpe import counting
from bpe import train as reference_train
from bpe.pretokenize import O200K
from conftest import require_backend

try:
    from bpe._fast import counting as fast_counting
    from bpe._fast import train as fast_train
except ImportError:  # not built: the fast params skip
    fast_train = fast_counting = None

TRAINERS = [
    pytest.param(reference_train, id="reference"),
    pytest.param(fast_train, id="fast", marks=pytest.mark.skipif(fast_train is None, reason="bpe._fast.train not built")),
]
COUNTERS = [
    pytest.param(counting.count_chunks, id="reference"),
    pytest.param(
        fast_counting and fast_counting.count_chunks, id="fast",
        marks=pytest.mark.skipif(fast_counting is None, reason="bpe._fast.counting not built"),
    ),
]


@pytest.fixture(params=TRAINERS)
def trainer(request):
    return request.param


@pytest.fixture(params=COUNTERS)
def count_chunks(request):
    return request.param


# ====================
# The training mix (identical documents for every trainer)
# ====================


def training_mix(root: Path, total_chars: int, *, skip_chars: int = 0) -> list[str]:
    """Lines from every file of train/, each file contributing in proportion to its size.

    Example: training_mix(root / "train", 1_000_000) -> ~1 M characters of code, English and 90 languages
    """
    files = sorted(root.rglob("*.xz"))
    sizes = {f: f.stat().st_size for f in files}
    total = sum(sizes.values())
    docs: list[str] = []
    for f in files:
        want = max(1000, total_chars * sizes[f] // total)
        with lzma.open(f, "rt", encoding="utf-8") as fh:
            if skip_chars:
                fh.read(max(1000, skip_chars * sizes[f] // total))
            docs.extend(fh.read(want).splitlines(keepends=True))
    return docs


@pytest.fixture(scope="session")
def train_root(corpora_root) -> Path:
    root = Path(corpora_root) / "train"
    if not root.is_dir():
        pytest.skip(f"no train/ folder under {corpora_root}")
    return root


@pytest.fixture(scope="session")
def mix_2mb(train_root) -> list[str]:
    return training_mix(train_root, 2_000_000)


def rustbpe_pattern() -> str:
    """rustbpe's default split pattern (GPT-4's without possessive quantifiers), read from rustbpe itself."""
    rustbpe = pytest.importorskip("rustbpe")
    tok = rustbpe.Tokenizer()
    tok.train_from_iterator(["ab"], 257)
    return tok.get_pattern()


def rustbpe_ranks(docs: list[str], vocab_size: int, pattern: str) -> dict[bytes, int]:
    rustbpe = pytest.importorskip("rustbpe")
    tok = rustbpe.Tokenizer()
    tok.train_from_iterator(docs, vocab_size, pattern=pattern)
    return {bytes(token): rank for token, rank in tok.get_mergeable_ranks()}


# ====================
# Golden examples and the tie-break
# ====================


def test_wikipedia_example(backend):
    # minbpe's test: 3 merges on "aaabdaaabac" (one pre-tokenised piece under o200k).
    tok = bpe.Tokenizer.train("aaabdaaabac", 256 + 3, progress=False, backend=backend)
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99]
    assert tok.train_result.merges == [(97, 97), (97, 98), (256, 257)]


def test_wikipedia_example_from_counts(backend):
    tok = bpe.Tokenizer.train_from_counts({b"aaabdaaabac": 1}, 259, backend=backend)
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99]
    assert tok.n_vocab == 259


def test_running_out_of_pairs_warns(backend):
    # "hello" has 4 adjacent pairs: 4 merges, then nothing is left to merge.
    with pytest.warns(UserWarning, match=r"training stopped at 260 tokens \(\+1 special\) of the 1,000 asked"):
        tok = bpe.Tokenizer.train("hello", 1000, special_tokens=["<|x|>"], progress=False, backend=backend)
    assert tok.n_vocab == 261 and tok.encode("hello") == [259]


def test_golden_merges(trainer):
    result = trainer.train_from_counts({b"aaabdaaabac": 1}, 3)
    assert result.merges == [(97, 97), (97, 98), (256, 257)]
    assert result.vocab[256:] == [b"aa", b"ab", b"aaab"]
    assert result.ambiguous  # (a, a) and (a, b) are tied on 4 at the start


@pytest.mark.parametrize(
    "counts, first",
    [
        ({b"cd": 1, b"ab": 1}, (97, 98)),  # tied counts: smallest left id wins, not insertion order
        ({b"ab": 1, b"cd": 2}, (99, 100)),  # higher count wins over smaller ids
        ({b"ac": 1, b"ab": 1}, (97, 98)),  # same left id: smallest right id
        ({b"ba": 3, b"ab": 3, b"zz": 2}, (97, 98)),
    ],
)
def test_tie_break(trainer, counts, first):
    assert trainer.train_from_counts(counts, 1).merges == [first]


def test_ambiguous_flag(trainer):
    assert not trainer.train_from_counts({b"ab": 2, b"cd": 1}, 1).ambiguous
    assert trainer.train_from_counts({b"ab": 1, b"cd": 1}, 1).ambiguous


def test_overlapping_pairs(trainer):
    # "aaaaa": (a, a) merges left to right -> [aa, aa, a]; (aa, aa) and (aa, a) tie on 1 and the
    # smaller pair (256, 97) wins -> [aa, aaa]; then (256, 257).
    result = trainer.train_from_counts({b"aaaaa": 1}, 5)
    assert result.merges == [(97, 97), (256, 97), (256, 257)]


def test_duplicate_bytes_reported(trainer):
    # b"abc" can be built as (ab, c) and, later, as (a, bc): the second id repeats earlier bytes.
    result = trainer.train_from_counts({b"abc": 10, b"xab": 3, b"bcy": 3, b"zbc": 2}, 10)
    assert set(result.duplicate_ids) == {i for i, t in enumerate(result.vocab) if t in result.vocab[:i]}


def test_counts_beyond_32_bits(trainer):
    big = 3 * 2**31
    result = trainer.train_from_counts({b"ab": big, b"cd": big + 1, b"ef": 5}, 3)
    assert result.merges == [(99, 100), (97, 98), (101, 102)]


def test_zero_counts_and_short_chunks_ignored(trainer):
    result = trainer.train_from_counts({b"ab": 0, b"c": 100, b"": 3, b"de": 1}, 5)
    assert result.merges == [(100, 101)]


@given(st.dictionaries(st.binary(min_size=1, max_size=12), st.integers(1, 2**40), max_size=40), st.integers(0, 60))
def test_hyp_twins_agree(counts, num_merges):
    if fast_train is None:
        pytest.skip("bpe._fast.train not built")
    ref = reference_train.train_from_counts(counts, num_merges)
    fast = fast_train.train_from_counts(counts, num_merges)
    assert fast.merges == ref.merges
    assert fast.vocab == ref.vocab
    assert (fast.ambiguous, fast.duplicate_ids) == (ref.ambiguous, ref.duplicate_ids)


@given(
    st.dictionaries(st.text(alphabet="abcd ", min_size=2, max_size=10).map(str.encode), st.integers(1, 50), max_size=30),
    st.integers(1, 8),
    st.one_of(st.none(), st.integers(2, 6)),
)
def test_hyp_twins_agree_with_limits(counts, min_frequency, max_token_length):
    if fast_train is None:
        pytest.skip("bpe._fast.train not built")
    kw = dict(min_frequency=min_frequency, max_token_length=max_token_length)
    ref = reference_train.train_from_counts(counts, 40, **kw)
    fast = fast_train.train_from_counts(counts, 40, **kw)
    assert fast.merges == ref.merges


# ====================
# min_frequency, max_token_length, progress
# ====================


def test_min_frequency_stops_early(trainer):
    result = trainer.train_from_counts({b"ab": 5, b"cd": 3, b"ef": 2}, 10, min_frequency=3)
    assert result.merges == [(97, 98), (99, 100)]


def test_max_token_length(trainer):
    result = trainer.train_from_counts({b"abcdef": 10, b"xy": 1}, 20, max_token_length=2)
    assert all(len(t) <= 2 for t in result.vocab)
    assert result.merges == [(97, 98), (99, 100), (101, 102), (120, 121)]
    unlimited = trainer.train_from_counts({b"abcdef": 10, b"xy": 1}, 20)
    assert max(len(t) for t in unlimited.vocab) == 6


def test_progress_bar_runs(trainer, capsys):
    pytest.importorskip("tqdm")
    result = trainer.train_from_counts({b"hello world": 3, b"help": 2}, 5, progress=True)
    assert len(result.merges) == 5


# ====================
# Bad arguments
# ====================


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(num_merges=-1), "num_merges"),
        (dict(min_frequency=0), "min_frequency"),
        (dict(max_token_length=1), "max_token_length"),
        (dict(counts={"ab": 1}), "bytes"),
        (dict(counts={b"ab": -2}), "negative"),
        (dict(counts={b"ab": 2.5}), "must be an integer, got float"),
        (dict(counts={b"ab": "3"}), "must be an integer, got str"),
        (dict(counts={b"ab": None}), "must be an integer, got NoneType"),
    ],
)
def test_bad_arguments(trainer, kwargs, match):
    args = dict(counts={b"ab": 1}, num_merges=1)
    args.update(kwargs)
    counts, num_merges = args.pop("counts"), args.pop("num_merges")
    with pytest.raises(ValueError, match=match):
        trainer.train_from_counts(counts, num_merges, **args)


def test_fast_rejects_counts_beyond_64_bits():
    if fast_train is None:
        pytest.skip("bpe._fast.train not built")
    with pytest.raises(ValueError, match="64-bit"):
        fast_train.train_from_counts({b"ab": 2**63}, 1)
    # Each count fits, but a pair's total would not: refused, not wrapped into wrong merges.
    for counts in ({b"aaaa": 2**62}, {b"ab": 2**63 - 1, b"xab": 1}):
        with pytest.raises(ValueError, match="more than 2\\*\\*63 - 1 pair occurrences"):
            fast_train.train_from_counts(counts, 2)
    assert reference_train.train_from_counts({b"aaaa": 2**62}, 2).merges == [(97, 97), (256, 256)]


def test_integer_like_counts_are_accepted(trainer):
    np = pytest.importorskip("numpy")
    assert trainer.train_from_counts({b"ab": np.int64(3), b"cd": True}, 2).merges == [(97, 98), (99, 100)]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(vocab_size=100), "too small"),
        (dict(vocab_size=257, special_tokens=["<|a|>", "<|b|>"]), "too small"),
        (dict(min_frequency=0), "min_frequency"),
        (dict(max_token_length=0), "max_token_length"),
        (dict(pat_str="(unclosed"), "does not compile"),
    ],
)
def test_tokenizer_train_bad_arguments(backend, kwargs, match):
    args = dict(vocab_size=300)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        bpe.Tokenizer.train("some text", progress=False, backend=backend, **args)
    with pytest.raises(ValueError, match=match):
        bpe.Tokenizer.train_from_counts({b"some": 1}, backend=backend, **args)


# ====================
# Counting
# ====================


def test_count_chunks_example(count_chunks):
    assert count_chunks(["a a a"], bpe.pretokenize.CL100K) == Counter({b" a": 2, b"a": 1})


def test_counting_twins_agree(mix_2mb, monkeypatch):
    if fast_counting is None:
        pytest.skip("bpe._fast.counting not built")
    docs = mix_2mb[:20000] + ["lone \ud800 surrogate", "", "x" * 10]
    expected = counting.count_chunks(docs, O200K)
    assert fast_counting.count_chunks(docs, O200K, workers=1) == expected
    # Force the worker processes on small input: the merged tables must equal the single table.
    monkeypatch.setattr(fast_counting, "INLINE_CHARS", 0)
    monkeypatch.setattr(fast_counting, "BATCH_CHARS", 50_000)
    assert fast_counting.count_chunks(docs, O200K, workers=2) == expected


def test_counting_rejects_bad_input():
    if fast_counting is None:
        pytest.skip("bpe._fast.counting not built")
    with pytest.raises(ValueError, match="workers"):
        fast_counting.count_chunks(["a"], O200K, workers=0)
    with pytest.raises(TypeError, match="str"):
        fast_counting.count_chunks([b"bytes"], O200K)


def test_chunk_table_pickles():
    if fast_counting is None:
        pytest.skip("bpe._fast.counting not built")
    import pickle

    table = fast_counting.ChunkTable()
    table.add_pieces(["ab", "ab", "日本", "x"])
    table.add(b"\xff\x00", 2**40)
    again = pickle.loads(pickle.dumps(table))
    assert again.to_counter() == Counter({b"ab": 2, "日本".encode(): 1, b"x": 1, b"\xff\x00": 2**40})


def test_long_chunk_is_cut_with_warning(count_chunks):
    # One 50,000-character "word": without a cap it becomes one huge chunk that every merge rescans.
    docs = ["q" * 50_000 + " tail"]
    with pytest.warns(UserWarning, match="cut into"):
        counts = count_chunks(docs, O200K)
    cap = counting.MAX_CHUNK_CHARS
    assert max(len(c) for c in counts) == cap
    assert sum(len(c) * n for c, n in counts.items() if c.startswith(b"q")) == 50_000


def test_pathological_line_trains_quickly(backend):
    # A 5 MB line without spaces (the 100 MB case, scaled for the default suite).
    text = ("abcdefghij" * 500_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tok = bpe.Tokenizer.train([text], 300, progress=False, backend=backend)
    assert 256 < tok.n_vocab <= 300  # merges run out once every slice is one token
    assert tok.decode(tok.encode(text[:1000])) == text[:1000]


# ====================
# Parity with rustbpe and export to tiktoken
# ====================


@pytest.mark.parametrize("vocab_size", [512, 2048, 4096])
def test_parity_with_rustbpe(trainer, mix_2mb, vocab_size):
    pattern = rustbpe_pattern()
    if trainer is reference_train and vocab_size > 2048:
        pytest.skip("reference twin: smaller sizes only (pure Python)")
    counts = counting.count_chunks(mix_2mb, pattern)
    ours = trainer.train_from_counts(counts, vocab_size - 256)
    assert len(ours.merges) == vocab_size - 256
    assert ours.mergeable_ranks() == rustbpe_ranks(mix_2mb, vocab_size, pattern)


def test_twins_equal_on_mix(mix_2mb):
    if fast_train is None:
        pytest.skip("bpe._fast.train not built")
    counts = counting.count_chunks(mix_2mb[: len(mix_2mb) // 2], O200K)
    ref = reference_train.train_from_counts(counts, 1500)
    fast = fast_train.train_from_counts(counts, 1500)
    assert fast.merges == ref.merges
    assert (fast.ambiguous, fast.duplicate_ids) == (ref.ambiguous, ref.duplicate_ids)


def test_tiktoken_export(backend, mix_2mb, train_root, tmp_path):
    tiktoken = pytest.importorskip("tiktoken")
    tok = bpe.Tokenizer.train(mix_2mb[::2], 2000, pat_str="o200k", special_tokens=["<|endoftext|>"],
                              progress=False, backend=backend)
    held_back = "".join(training_mix(train_root, 300_000, skip_chars=8_000_000))
    expected = tok.encode_ordinary(held_back)
    assert tok.to_tiktoken().encode_ordinary(held_back) == expected
    path = tmp_path / "trained.tiktoken"
    tok.save(path)
    from tiktoken.load import load_tiktoken_bpe

    ranks = load_tiktoken_bpe(str(path))
    enc = tiktoken.Encoding("trained", pat_str=tok.pat_str, mergeable_ranks=ranks,
                            special_tokens=tok.special_tokens)
    assert enc.encode_ordinary(held_back) == expected
    assert enc.encode("<|endoftext|>", allowed_special="all") == [tok.eot_token]
    assert enc.decode(expected) == held_back


@pytest.mark.slow
@pytest.mark.parametrize("vocab_size", [8192, 32768])
def test_parity_with_rustbpe_large(train_root, vocab_size):
    if fast_train is None:
        pytest.skip("bpe._fast.train not built")
    docs = training_mix(train_root, 20_000_000)
    pattern = rustbpe_pattern()
    counts = fast_counting.count_chunks(docs, pattern)
    ours = fast_train.train_from_counts(counts, vocab_size - 256)
    assert ours.mergeable_ranks() == rustbpe_ranks(docs, vocab_size, pattern)


@pytest.mark.slow
def test_pathological_100mb_line():
    # The case: one 100 MB line without spaces must neither exhaust memory nor stall. The
    # native trainer's size; both twins take the same path at 5 MB (test_pathological_line_trains_quickly).
    require_backend("fast")
    # Letters only: every split pattern keeps the whole line as one 100 MB chunk.
    text = "abcdefghijklmnopqrstuvwxyz" * (100_000_000 // 26)
    with pytest.warns(UserWarning) as record:
        tok = bpe.Tokenizer.train([text], 1000, progress=False, backend="fast")
    messages = [str(w.message) for w in record]
    assert any("cut into" in m for m in messages)  # the cap, said out loud
    assert any("training stopped at" in m for m in messages)  # 26 letters run out of new pairs
    assert 256 < tok.n_vocab <= 1000
