"""Encoding parity with tiktoken (both backends), special tokens, decoding, counting, streaming."""
from __future__ import annotations

import pickle
import random

import pytest
import regex
from hypothesis import given, strategies as st

import bpe
from tests.conftest import oracle, vendor
from tests.helpers import any_text

NAMES = ["cl100k_base", "o200k_base"]


@pytest.fixture(params=NAMES)
def name(request):
    return request.param


@pytest.fixture
def enc(name, backend):
    return vendor(name, backend)


FIXED = [
    "", " ", "hello world", "Hello, World!", "today\n \n", "  leading", "trailing  ", "a\r\nb",
    "I'm you'RE they've", "12345678901234", "١٢٣٤٥", "日本語のテキスト", "Привет, мир", "🙂🙃👩‍👩‍👧",
    "x" * 1000, " " * 300, "\n\n\n\t\t  x", "def f(x):\n    return x ** 2\n", "<|endoftext|>", "'নে",
]


@pytest.mark.parametrize("text", FIXED)
def test_fixed_strings_match_tiktoken(enc, name, text):
    assert enc.encode_ordinary(text) == oracle(name).encode_ordinary(text)


def test_pinned_ids(backend):
    cl = vendor("cl100k_base", backend)
    assert cl.encode("hello world") == [15339, 1917]
    assert vendor("o200k_base", backend).encode("hello world") == [24912, 2375]
    assert cl.encode("<|endoftext|>", allowed_special="all") == [100257]
    # the "0" ladder from tiktoken's own tests
    assert [cl.encode("0" * n) for n in range(1, 5)] == [[15], [410], [931], [931, 15]]


@given(any_text)
def test_hyp_matches_tiktoken(text):
    for name in NAMES:
        expected = oracle(name).encode_ordinary(text)
        for backend in bpe._backend.core_classes():
            assert vendor(name, backend).encode_ordinary(text) == expected


@given(st.lists(st.integers(min_value=0, max_value=100255), max_size=20))
def test_hyp_concatenated_vocab_tokens(ids):
    cl = vendor("cl100k_base", "reference")
    text = cl.decode_bytes([i for i in ids if i in cl._core.decoder]).decode("utf-8", "replace")
    expected = oracle("cl100k_base").encode_ordinary(text)
    for backend in bpe._backend.core_classes():
        assert vendor("cl100k_base", backend).encode_ordinary(text) == expected


@given(any_text)
def test_hyp_roundtrip(text):
    for backend in bpe._backend.core_classes():
        tok = vendor("o200k_base", backend)
        ids = tok.encode_ordinary(text)
        fixed = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        assert tok.decode_bytes(ids) == fixed.encode("utf-8")
        assert tok.count(text) == len(ids)


def test_flores_sample_matches_tiktoken(enc, name, corpora_root):
    """A few lines of every FLORES-200 devtest language (the full files run in the slow suite)."""
    files = sorted((corpora_root / "flores200" / "devtest").glob("*.devtest"))
    assert len(files) == 204
    lines = []
    for f in files:
        lines.extend(f.read_text(encoding="utf-8").splitlines()[:3])
    text = "\n".join(lines)
    assert enc.encode_ordinary(text) == oracle(name).encode_ordinary(text)


@pytest.mark.slow
def test_all_flores_devtest_match_tiktoken(enc, name, corpora_root):
    for f in sorted((corpora_root / "flores200" / "devtest").glob("*.devtest")):
        text = f.read_text(encoding="utf-8")
        assert enc.encode(text) == oracle(name).encode(text), f.name


def test_training_code_matches_tiktoken(enc, name, corpora_root):
    from bpe.counting import iter_file_blocks

    for f in sorted((corpora_root / "train" / "code").glob("*.xz")):
        block = next(iter_file_blocks(f, block_chars=200_000))
        assert enc.encode_ordinary(block) == oracle(name).encode_ordinary(block), f.name


def test_petrov_counts(corpora_root, backend):
    """Petrov et al. 2023's published cl100k_base counts on FLORES-200 dev + devtest."""
    from bpe.corpora import petrov_text

    cl = vendor("cl100k_base", backend)
    assert len(cl.encode(petrov_text(corpora_root, "eng_Latn"))) == 52_835
    assert len(cl.encode(petrov_text(corpora_root, "amh_Ethi"))) == 405_644


# ---------------------------------------------------------------- special tokens


def test_special_token_matrix(enc, name):
    ref = oracle(name)
    text = "hi <|endoftext|> there <|endofprompt|>"
    for kwargs in [
        dict(allowed_special="all"),
        dict(allowed_special={"<|endoftext|>"}, disallowed_special=()),
        dict(disallowed_special=()),
        dict(allowed_special={"<|endoftext|>", "<|endofprompt|>"}),
    ]:
        assert enc.encode(text, **kwargs) == ref.encode(text, **kwargs)
    with pytest.raises(ValueError, match="disallowed special token"):
        enc.encode(text)
    with pytest.raises(ValueError, match="allowed_special"):
        enc.encode(text, allowed_special={"<|endoftext|>"})
    assert enc.encode_ordinary(text) == ref.encode_ordinary(text)
    assert enc.count(text) == len(ref.encode_ordinary(text))


def test_encode_single_token(enc, name):
    assert enc.encode_single_token("hello") == oracle(name).encode_single_token("hello")
    assert enc.encode_single_token(b"hello") == oracle(name).encode_single_token(b"hello")
    assert enc.encode_single_token("<|endoftext|>") == enc.eot_token
    with pytest.raises(KeyError):
        enc.encode_single_token("not a single token at all")


def test_batch(enc, name):
    texts = ["hello world", "<|endoftext|> x", "日本語"] * 5
    assert enc.encode_ordinary_batch(texts) == oracle(name).encode_ordinary_batch(texts)
    assert enc.encode_batch(texts, allowed_special="all") == oracle(name).encode_batch(texts, allowed_special="all")
    assert enc.decode_batch(enc.encode_ordinary_batch(texts)) == texts


# ---------------------------------------------------------------- decoding


def test_decode_family(enc, name):
    ref = oracle(name)
    ids = ref.encode("héllo wörld 🙂 <|endoftext|>", allowed_special="all")
    assert enc.decode(ids) == ref.decode(ids)
    assert enc.decode_bytes(ids) == ref.decode_bytes(ids)
    assert enc.decode_tokens_bytes(ids) == ref.decode_tokens_bytes(ids)
    assert enc.decode_with_offsets(ids) == ref.decode_with_offsets(ids)
    assert enc.decode_single_token_bytes(ids[0]) == ref.decode_single_token_bytes(ids[0])
    with pytest.raises(KeyError):
        enc.decode([enc.n_vocab + 10])


def test_decode_invalid_utf8_replaces(enc):
    emoji = enc.encode("🙂")
    partial = enc.decode_bytes(emoji)[:2]
    ids = [enc.encode_single_token(bytes([b])) for b in partial]
    assert enc.decode(ids) == "\ufffd"
    with pytest.raises(UnicodeDecodeError):
        enc.decode(ids, errors="strict")


def test_properties(enc, name):
    ref = oracle(name)
    assert enc.n_vocab == ref.n_vocab
    assert enc.max_token_value == ref.max_token_value
    assert enc.eot_token == ref.eot_token
    assert enc.special_tokens_set == ref.special_tokens_set


@given(any_text, st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=10))
def test_hyp_stream_decode_equals_whole_decode(text, sizes):
    tok = vendor("cl100k_base", "reference")
    ids = tok.encode_ordinary(text)
    dec = tok.stream_decoder()
    out, i, k = [], 0, 0
    while i < len(ids):
        step = sizes[k % len(sizes)]
        out.append(dec.feed(ids[i : i + step]))
        i, k = i + step, k + 1
    out.append(dec.flush())
    assert "".join(out) == tok.decode(ids)


def test_stream_decoder_holds_back_partial_characters():
    tok = vendor("cl100k_base", "reference")
    raw = "é".encode()
    dec = tok.stream_decoder()
    assert dec.feed(tok.encode_single_token(raw[:1])) == ""
    assert dec.pending == raw[:1]
    assert dec.feed(tok.encode_single_token(raw[1:])) == "é"
    assert dec.flush() == ""


# ---------------------------------------------------------------- counting and budgeting


@given(any_text, st.integers(min_value=0, max_value=40))
def test_hyp_count_until_and_truncate(text, limit):
    for backend in bpe._backend.core_classes():
        tok = vendor("o200k_base", backend)
        n = tok.count(text)
        assert tok.count_until(text, limit) == min(n, limit + 1)
        prefix = tok.truncate(text, limit)
        fixed = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        assert fixed.startswith(prefix)
        assert tok.count(prefix) <= limit
        if n <= limit:
            assert prefix == text


def test_truncate_keeps_valid_utf8(backend):
    tok = vendor("cl100k_base", backend)
    text = "ሰላም ዓለም " * 20
    for k in range(0, 30):
        out = tok.truncate(text, k)
        out.encode("utf-8")  # valid text
        assert tok.count(out) <= k
    with pytest.raises(ValueError):
        tok.truncate(text, -1)


@pytest.mark.parametrize("normalizer", ["NFC", "NFKC"])
def test_truncate_cuts_the_callers_text_under_a_normaliser(backend, normalizer):
    """The tokens of normalised text spell the normal form; truncate must still return a prefix of the input."""
    from bpe.pipeline import PipelineTokenizer

    base = vendor("cl100k_base", backend)
    tok = PipelineTokenizer("norm", pat_str=base.pat_str, mergeable_ranks=base._mergeable_ranks,
                            special_tokens=base.special_tokens, backend=backend, normalizer=normalizer)
    for text in ["cafe\u0301 au lait " * 5, "\ufb01ne day, \ufb01ne night " * 5, "e\u0301" * 40]:
        for k in range(0, 12):
            out = tok.truncate(text, k)
            assert text.startswith(out) and tok.count(out) <= k, (text, k, out)
            assert out or k < 3  # not an empty cop-out: a few tokens always hold a character


def test_count_never_raises_on_special_text(enc):
    assert enc.count("<|endoftext|>") == len(enc.encode_ordinary("<|endoftext|>"))


def test_surrogates_like_tiktoken(enc, name):
    text = "a\ud800b"
    assert enc.encode(text) == oracle(name).encode(text)


def test_pickle_roundtrip(backend):
    tok = vendor("cl100k_base", backend)
    clone = pickle.loads(pickle.dumps(tok))
    sample = "".join(random.Random(0).choice("ab cd\n12") for _ in range(200))
    assert clone.encode(sample) == tok.encode(sample)


def test_special_token_ids_beyond_the_id_cache(backend):
    # Ids >= 2**24 take the native core's uncached path; a wrong reference count there crashed.
    base = vendor("cl100k_base", backend)
    tok = bpe.Tokenizer("big", pat_str=base.pat_str, mergeable_ranks=base._mergeable_ranks,
                        special_tokens={"<|big|>": 2**24}, backend=backend)
    for _ in range(3):
        assert tok.encode_ordinary("hello world") == [15339, 1917]
        assert tok.encode("<|big|> goodbye moon", allowed_special="all") == [2**24] + base.encode(" goodbye moon")
    assert tok.encode_ordinary_batch(["hello world"] * 4, num_threads=2) == [[15339, 1917]] * 4
    assert tok.decode([2**24]) == "<|big|>"


@pytest.mark.parametrize("pattern", [r"(\w+)|\s", r"(\w)+|\s+|[^\w\s]", r"(?P<word>\w+)|(\s)"])
def test_capturing_groups_split_on_the_whole_match(pattern, backend):
    # tiktoken encodes whole matches; `findall` alone would return the groups and drop text.
    tiktoken = pytest.importorskip("tiktoken")
    base = vendor("cl100k_base", backend)
    tok = bpe.Tokenizer("groups", pat_str=pattern, mergeable_ranks=base._mergeable_ranks, special_tokens={},
                        backend=backend)
    ref = tiktoken.Encoding("groups", pat_str=pattern, mergeable_ranks=base._mergeable_ranks, special_tokens={})
    for text in ("hello world", "a, b;  c\n", "naïve café 123"):
        assert tok.encode_ordinary(text) == ref.encode_ordinary(text)
        assert tok.count(text) == tok.count_until(text, 1000) == len(ref.encode_ordinary(text))
        # Like tiktoken, text no branch matches (the comma of r"(\w+)|\s") is skipped; the rest is kept.
        assert tok.decode(tok.encode_ordinary(text)) == "".join(m.group() for m in regex.finditer(pattern, text))
    trained = bpe.Tokenizer.train(["hello world, hello words"] * 3, 260, pat_str=pattern, progress=False,
                                  backend=backend)
    assert trained.decode(trained.encode("hello world")) == "hello world"
    assert trained.encode("hello")[0] >= 256  # whole words were counted, so "hello" has merges
