"""Split patterns: identical to tiktoken's strings; clear errors; special-token splitting."""
import pytest
from hypothesis import given

from bpe import pretokenize
from tests.helpers import any_text


def test_named_patterns_are_tiktokens():
    import inspect

    openai_public = pytest.importorskip("tiktoken_ext.openai_public")
    src = inspect.getsource(openai_public)
    assert pretokenize.R50K == openai_public.r50k_pat_str
    assert pretokenize.CL100K in src
    for part in pretokenize.O200K.split("|"):
        assert part in src


def test_resolve_pattern_names_and_passthrough():
    assert pretokenize.resolve_pattern("CL100K") == pretokenize.CL100K
    assert pretokenize.resolve_pattern("gpt2") == pretokenize.R50K
    assert pretokenize.resolve_pattern(r"\w+") == r"\w+"


def test_split_example():
    assert pretokenize.split("Hello world!", pretokenize.CL100K) == ["Hello", " world", "!"]
    assert pretokenize.split("I'm 12345", pretokenize.CL100K) == ["I", "'m", " ", "123", "45"]


def test_bad_pattern_is_a_clear_error():
    with pytest.raises(ValueError, match="does not compile"):
        pretokenize.compile_pattern("(unclosed")


@given(any_text)
def test_hyp_split_covers_text(text):
    for pat in (pretokenize.R50K, pretokenize.CL100K, pretokenize.O200K):
        assert "".join(pretokenize.split(text, pat)) == text


def test_split_on_special():
    allowed = frozenset({"<|a|>", "<|a|>b"})
    parts = list(pretokenize.split_on_special("x<|a|>by<|a|>", allowed))
    assert parts == [("x", False), ("<|a|>b", True), ("y", False), ("<|a|>", True)]
    assert list(pretokenize.split_on_special("plain", frozenset())) == [("plain", False)]
