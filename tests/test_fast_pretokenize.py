"""Native pre-tokeniser (bpe/_fast/_pretokenize.hpp) == `regex.findall` for every pattern it handles.

R50K, CL100K and O200K, and the vendor patterns: Qwen, Qwen 3.5/3.6, Tekken, and HF's GPT-2 pattern
(Claude legacy, also wrapped in bpe.pipeline's cover pattern), which the R50K scanner splits.

The scanner replaces the regex engine, so it is checked against it directly: hand-picked corner
cases of each construct, then hypothesis on arbitrary text and on alphabets built from the
characters where the patterns' classes meet. The generated Unicode table is checked to be current.
"""
from __future__ import annotations

import importlib.util
import json
import pathlib

import pytest
from hypothesis import given, strategies as st

from bpe import _backend, pretokenize, vendors
from bpe.hf_json import GPT2_BYTELEVEL_PATTERN
from bpe.pipeline import cover_pattern
from tests.helpers import any_text

NATIVE = {
    "r50k": pretokenize.R50K,
    "cl100k": pretokenize.CL100K,
    "o200k": pretokenize.O200K,
    "qwen": vendors.QWEN_PATTERN,
    "qwen3.5": vendors.QWEN3_5_PATTERN,
    "tekken": vendors.TEKKEN_PATTERN,
    "gpt2": GPT2_BYTELEVEL_PATTERN,
    "claude-legacy": cover_pattern(GPT2_BYTELEVEL_PATTERN),
}
PATTERNS = [pytest.param(pat, id=name) for name, pat in NATIVE.items()]
ALL = list(NATIVE.values())
FAST_DIR = pathlib.Path(__file__).resolve().parents[1] / "bpe" / "_fast"


@pytest.fixture(scope="module")
def native():
    if "fast" not in _backend.core_classes():
        pytest.skip(f"native extension not built ({_backend._FAST_IMPORT_ERROR})")
    from bpe._fast import core

    return core


def no_surrogates(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


TRICKY = [
    "", " ", "  ", "\n", "a\n", "a \n", "a  \n", "a\n\n", "a \n \n", "x  ", "x \t", "  x", "\t\tx", " \n x",
    "\r\n", "a\r\nb", "a\r\n\r\n b", "a \r \n\r x", "!!\r\n", "!! \n", " !?\n\r/x", "a//\n/b", " /\n",
    "I'm you'RE they've HE'LL 'S 's 'sup 'Ll", "don'ſ 'ſ 'K 'k", "ſ K", "x'", "'", "''s", "'''",
    "12345678901234", "١٢٣٤٥", "²³¹ ⅫⅬ 1²", "a1b2", " 1", "  1",
    "\u0301a", "\u0301", "a\u0301b", " \u0301ABC", "\u0301ABC", "ǅa ǅA Ǆ ǆ", "ʰAʰ's", "AʰB's", "ABC's",
    "CamelCaseWord HTTPServer iPhone", "日本語のテキスト", "Привет, мир", "नमस्ते", "ሰላም ዓለም",
    "🙂🙃👩‍👩‍👧", "\u00a0a", "\u3000\u3000a", "\x85x", "\x1c\x1d x", "\x0b\x0c\n", "a" * 300 + " ",
    " " * 10 + "\n", "\n" + " " * 10, "word\u200bword", "x\ufeffy",
]


@pytest.mark.parametrize("pat", PATTERNS)
@pytest.mark.parametrize("text", TRICKY)
def test_tricky_cases_match_regex(native, pat, text):
    assert native.split(text, pat) == pretokenize.split(text, pat)


# Characters where the patterns' classes meet: contraction letters and their case folds (U+017F,
# Kelvin K), every whitespace kind, Lu/Ll/Lt/Lm/Lo, marks (Mn, Mc, Me), numbers (Nd, Nl, No),
# punctuation and symbols, CR/LF and '/' (o200k), and a few astral characters.
EDGE_ALPHABET = list(
    "'sStTdDmMlLvVrReEſK x aA ǅǄǆʰ日ก\u0301\u0903\u20dd1١²Ⅻ!?./-\t\n\r\x0b\x0c\x85\xa0\u2028\u3000\u200b"
) + ["\U0001F642", "\U00010400", "\U0001D7D9", "\U00020000"]
edge_text = st.text(alphabet=st.sampled_from(EDGE_ALPHABET), max_size=40)
unicode_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@given(st.one_of(any_text, edge_text, unicode_text))
def test_hyp_native_split_matches_regex(native, text):
    text = no_surrogates(text)
    for pat in ALL:
        assert native.split(text, pat) == pretokenize.split(text, pat)


@given(st.lists(st.sampled_from(TRICKY + ["\r", "\n", " ", "'", "s"]), max_size=12).map("".join))
def test_hyp_concatenated_tricky_cases(native, text):
    for pat in ALL:
        assert native.split(text, pat) == pretokenize.split(text, pat)


def test_every_code_point_alone_and_in_context(native):
    """Each code point (but surrogates) alone, after a space, and between letters and an apostrophe."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    for step in (1, 7):  # two interleavings so each character meets different neighbours
        text = "".join(" " + c + "a'" + c + "s" + c for c in chars[::step][:60000])
        for pat in ALL:
            assert native.split(text, pat) == pretokenize.split(text, pat)


def test_custom_pattern_falls_back_to_regex(native):
    assert native.split("ab  cd", r"\w+|\s+") == ["ab", "  ", "cd"]
    assert native.split("a\ud800b", r"\w+|\s+") == ["a", "b"]  # regex takes lone surrogates


@pytest.mark.parametrize("pat", PATTERNS)
def test_lone_surrogate_raises(native, pat):
    # Only the native path needs UTF-8, so this also shows the pattern does not fall back to regex.
    with pytest.raises(UnicodeEncodeError):
        native.split("a\ud800b", pat)


def test_vendor_patterns_are_the_vendors(native):
    """core.pyx's scanner table names the vendors' own patterns (one definition, in bpe.pretokenize)."""
    assert native.QWEN_PATTERN == vendors.QWEN_PATTERN
    assert native.QWEN3_5_PATTERN == vendors.QWEN3_5_PATTERN
    assert native.TEKKEN_PATTERN == vendors.TEKKEN_PATTERN
    assert native.GPT2_PATTERN == GPT2_BYTELEVEL_PATTERN
    assert native.GPT2_COVER_PATTERN == cover_pattern(GPT2_BYTELEVEL_PATTERN)
    assert set(native._BUILTIN_PATTERNS) == set(ALL)


def test_tekken_file_pattern_is_native(native):
    mistral = pytest.importorskip("mistral_common")
    data = pathlib.Path(mistral.__file__).parent / "data"
    files = sorted(data.glob("tekken*.json"))
    if not files:
        pytest.skip("mistral_common ships no tekken file")
    for path in files:
        assert json.loads(path.read_text(encoding="utf-8"))["config"]["pattern"] == vendors.TEKKEN_PATTERN, path


def test_worst_case_runs_are_linear(native):
    # One piece each; a quadratic scanner would take minutes here.
    for text in ("a" * 1_000_000, " " * 1_000_000, "\u0301" + "A" * 1_000_000, "ʰA" * 300_000):
        for pat in ALL:
            assert "".join(native.split(text, pat)) == text


def test_generated_unicode_table_is_current():
    """The committed header equals what gen_unicode_tables.py produces with the installed `regex`."""
    spec = importlib.util.spec_from_file_location("gen_unicode_tables", FAST_DIR / "gen_unicode_tables.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    committed = (FAST_DIR / "_unicode_tables.h").read_text(encoding="ascii")
    # The first line names the regex version; the tables themselves must agree.
    fresh = gen.render().splitlines()[1:]
    assert fresh == committed.splitlines()[1:], "regenerate with: python bpe/_fast/gen_unicode_tables.py"
