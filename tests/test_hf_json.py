"""HF tokenizer.json import/export (`bpe.hf_json`) and the merge-priority core, checked against HF `tokenizers`."""
from __future__ import annotations

import functools
import importlib.util
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bpe
from bpe import hf_json, registry
from bpe.merge_priority import MergePriorityCore
from bpe.pipeline import PipelineTokenizer, cover_pattern, normalize_text, split_isolated

sys.path.insert(0, str(Path(__file__).parent))
from helpers import any_text  # noqa: E402
from test_vendors import flores_lines, require_vendor  # noqa: E402

SAMPLE_LINES = (3, 700)


def hf_tokenizers():
    return pytest.importorskip("tokenizers", reason="pip install tokenizers (HF) to compare with HF")


def package_file(name: str) -> Path:
    require_vendor(name)
    package, relative = registry.ENCODINGS[name].packages[0]
    return Path(importlib.util.find_spec(package).submodule_search_locations[0]) / relative


# ====================
# Pieces: alphabet, regex dialect, isolated split
# ====================


def test_byte_alphabet_roundtrip():
    assert hf_json.bytes_to_token(b" hello\n") == "ĠhelloĊ"
    everything = bytes(range(256))
    assert hf_json.token_to_bytes(hf_json.bytes_to_token(everything)) == everything
    assert hf_json.token_to_bytes("<｜x｜>") is None


def test_regex_dialect_rewrites():
    assert hf_json.regex_to_onig(r"\p{N}{1,3}+|[a-z]{2}+|x++") == r"\p{N}{1,3}|[a-z]{2}|x++"
    assert hf_json.onig_to_regex(r"\p{N}{1,3}+|\p{L}+") == r"(?:\p{N}{1,3})+|\p{L}+"


def test_isolated_split_keeps_gaps():
    import regex

    assert list(split_isolated("ab12c", r"\d+")) == ["ab", "12", "c"]
    assert regex.findall(cover_pattern(r"\d+"), "ab12c") == ["ab", "12", "c"]


# Lines of combining marks, compatibility characters and composable letters, split by line feeds.
_NORMALIZABLE = st.lists(
    st.one_of(st.text(alphabet="e\u0301\u0327c\uFB01\u2460\u1100\u1161\u11a8\u0915\u093c\n ", max_size=12),
              st.text(max_size=6)), max_size=12).map("".join)


@pytest.mark.parametrize("form", ["NFC", "NFKC", "NFD", "NFKD"])
@given(text=_NORMALIZABLE)
def test_line_wise_normalisation_equals_whole_text(form, text):
    import unicodedata

    assert normalize_text(form, text) == unicodedata.normalize(form, text)


def test_line_wise_normalisation_fixes_only_lines_that_need_it():
    assert normalize_text("NFC", "e\u0301\nok\n\ufb01") == "\u00e9\nok\n\ufb01"
    assert normalize_text("NFKC", "e\u0301\nok\n\ufb01") == "\u00e9\nok\nfi"


# ====================
# Merge priority versus rank
# ====================

# Merges (b,c) then (a,b) then (ab,c): HF leaves "abc" as [a][bc] because (a,bc) is no merge; the rank
# rule merges a+bc since "abc" is a token. Ids rise with merge order, so only condition (3) catches it.
TOY = {
    "model": {
        "type": "BPE",
        "vocab": {**{hf_json.bytes_to_token(bytes([b])): b for b in range(256)}, "bc": 256, "ab": 257, "abc": 258},
        "merges": ["b c", "a b", "ab c"],
    },
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    "added_tokens": [],
}


def test_toy_needs_merge_priority():
    tok = hf_json.load_hf_tokenizer(TOY)
    assert tok.merge_rule == "merge-priority"
    assert tok.encode("abc") == [ord("a"), 256]
    problems = hf_json.rank_equivalence_problems(tok._mergeable_ranks, tok.merges)
    assert problems and "b'abc'" in problems[0]
    with pytest.raises(ValueError, match="not provably equivalent"):
        hf_json.load_hf_tokenizer(TOY, merge_rule="rank")


def test_toy_matches_hf():
    tokenizers = hf_tokenizers()
    hf = tokenizers.Tokenizer.from_str(json.dumps(TOY))
    tok = hf_json.load_hf_tokenizer(TOY)
    for text in ["abc", "abcabc", "ab c", "cab", "bcabc" * 40]:
        assert tok.encode(text) == hf.encode(text).ids, text


def test_long_piece_heap_matches_linear():
    core = MergePriorityCore({bytes([b]): b for b in range(256)} | {b"aa": 256, b"aaaa": 257}, {}, r"[\s\S]+",
                             merges=[(b"a", b"a"), (b"aa", b"aa")])
    for n in (5, 127, 128, 129, 1000):
        short = [257] * (n // 4) + ([256] if n % 4 >= 2 else []) + ([97] if n % 2 else [])
        assert core.encode_piece("a" * n) == short


@pytest.mark.parametrize("name", [pytest.param("deepseek-v4", marks=pytest.mark.slow), "claude-legacy"])
def test_vendor_rank_equivalence_is_proved(name):
    """The proof in bpe.hf_json holds for the pinned vendor files (so they load with ranks, either backend)."""
    from bpe.vendors import RANK_EQUIVALENCE_PROVED

    package_file(name)
    assert registry.ENCODINGS[name].sha256 in RANK_EQUIVALENCE_PROVED
    tok = _imported(name, "merge-priority")
    assert hf_json.rank_equivalence_problems(tok._mergeable_ranks, tok.merges) == []
    assert bpe.get_encoding(name).merge_rule == "rank"


@functools.lru_cache(maxsize=None)
def _imported(name: str, merge_rule: str) -> PipelineTokenizer:
    return hf_json.load_hf_tokenizer(package_file(name), merge_rule=merge_rule)


@pytest.mark.parametrize("name", ["deepseek-v4", "claude-legacy"])
def test_import_merge_priority_matches_hf_on_flores(name, corpora_root):
    """The merge-priority core on real text (the rank form is what tests/test_vendors.py checks)."""
    tokenizers = hf_tokenizers()
    hf = tokenizers.Tokenizer.from_file(str(package_file(name)))
    tok = _imported(name, "merge-priority")
    bad = [(lang, i) for lang, i, text in flores_lines(corpora_root, SAMPLE_LINES)
           if tok.encode(text, allowed_special="all", disallowed_special=()) != hf.encode(text, add_special_tokens=False).ids]
    assert not bad, bad[:5]


# ====================
# Unsupported components are named
# ====================


def _toy_with(**changes) -> dict:
    data = json.loads(json.dumps(TOY))
    for key, value in changes.items():
        if key.startswith("model_"):
            data["model"][key[6:]] = value
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"normalizer": {"type": "Lowercase"}}, "Lowercase"),
        ({"normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "NFKC"}]}}, "several"),
        ({"pre_tokenizer": {"type": "Whitespace"}}, "Whitespace"),
        ({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "x"}, "behavior": "Removed", "invert": False}}, "Removed"),
        ({"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True}}, "add_prefix_space"),
        ({"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "ByteLevel"}, {"type": "Digits"}]}}, "after ByteLevel"),
        ({"model_type": "WordPiece"}, "WordPiece"),
        ({"model_dropout": 0.1}, "dropout"),
        ({"model_byte_fallback": True}, "byte_fallback"),
        ({"post_processor": {"type": "TemplateProcessing"}}, "TemplateProcessing"),
        ({"decoder": {"type": "Metaspace"}}, "Metaspace"),
        ({"added_tokens": [{"id": 259, "content": "<x>", "lstrip": True}]}, "lstrip"),
    ],
)
def test_unsupported_component_is_named(changes, named, tmp_path):
    with pytest.raises(hf_json.UnsupportedComponentError, match=named):
        hf_json.load_hf_tokenizer(_toy_with(**changes))
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(_toy_with(**changes)), encoding="utf-8")
    with pytest.raises(hf_json.UnsupportedComponentError, match=f"custom.json: .*{named}"):
        hf_json.load_hf_tokenizer(path)


def test_default_name_comes_from_the_file_or_its_folder(tmp_path, monkeypatch):
    (tmp_path / "qwen").mkdir()
    for rel in ("mine.json", "qwen/tokenizer.json"):
        (tmp_path / rel).write_text(json.dumps(TOY), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert hf_json.load_hf_tokenizer("./mine.json").name == "mine"
    assert hf_json.load_hf_tokenizer("qwen/tokenizer.json").name == "qwen"
    monkeypatch.chdir(tmp_path / "qwen")
    assert hf_json.load_hf_tokenizer("tokenizer.json").name == "qwen"  # a relative path has no folder name


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"model_merges": ["b c", "a b", "ab c", "a zz"]}, r"merge #3 'a zz': 'zz' is not in the vocab"),
        ({"model_merges": ["b c d"]}, r"merge #0 'b c d': expected two tokens"),
        ({"model_vocab": ["a", "b"]}, r"model vocab is a list"),
        ({"added_tokens": [{"content": "<x>"}]}, r"added token .*<x>.* needs a string 'content' and an integer 'id'"),
    ],
)
def test_malformed_file_names_the_file(tmp_path, changes, message):
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(_toy_with(**changes)), encoding="utf-8")
    with pytest.raises(bpe.VocabFileError, match=f"tokenizer.json: {message}"):
        hf_json.load_hf_tokenizer(path)


def test_bad_json_names_file(tmp_path):
    path = tmp_path / "tokenizer.json"
    path.write_text('{"model": {\n  "vocab": [}', encoding="utf-8")
    with pytest.raises(bpe.VocabFileError, match=r"tokenizer.json:2"):
        hf_json.load_hf_tokenizer(path)


# ====================
# Export: HF loads our tokenizer.json and gives our ids
# ====================


@functools.lru_cache(maxsize=None)
def _exported(name: str, tmp: str):
    tokenizers = pytest.importorskip("tokenizers")
    tok = bpe.get_encoding(name)
    path = Path(tmp) / f"{name}.json"
    hf_json.save_hf_tokenizer(tok, path)
    return tok, tokenizers.Tokenizer.from_file(str(path)), path


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("hf_export"))


EXPORTED = ["cl100k_base", "deepseek-v4", "claude-legacy"] + [
    pytest.param(name, marks=pytest.mark.slow) for name in ("o200k_base", "r50k_base", "qwen", "qwen3.6", "tekken")
]


def _require_encoding(name: str) -> None:
    if name in registry.ENCODINGS and registry.ENCODINGS[name].builder is not None:
        require_vendor(name)
    else:
        try:
            bpe.get_encoding(name)
        except bpe.EncodingNotFoundError as exc:
            pytest.skip(str(exc).splitlines()[0])


@pytest.mark.parametrize("name", EXPORTED)
def test_export_loads_in_hf_with_identical_ids(name, export_dir, corpora_root):
    hf_tokenizers()
    _require_encoding(name)
    tok, hf, _ = _exported(name, export_dir)
    bad = [(lang, i) for lang, i, text in flores_lines(corpora_root, SAMPLE_LINES)
           if hf.encode(text, add_special_tokens=False).ids != tok.encode(text, allowed_special="all", disallowed_special=())]
    assert not bad, bad[:5]


@pytest.mark.parametrize("name", ["cl100k_base", pytest.param("deepseek-v4", marks=pytest.mark.slow)])
def test_export_reimports(name, export_dir, corpora_root):
    hf_tokenizers()
    _require_encoding(name)
    tok, _, path = _exported(name, export_dir)
    again = hf_json.load_hf_tokenizer(path)
    for _, _, text in flores_lines(corpora_root, (5,))[::10]:
        assert again.encode(text, allowed_special="all") == tok.encode(text, allowed_special="all")


def test_export_trained_tokenizer(tmp_path, corpora_root):
    tokenizers = hf_tokenizers()
    lines = [text for _, _, text in flores_lines(corpora_root, (0, 1, 2))]
    tok = bpe.Tokenizer.train("\n".join(lines[:300]), 600, pat_str="cl100k", special_tokens=["<|eot|>"], progress=False)
    path = tmp_path / "tokenizer.json"
    hf_json.save_hf_tokenizer(tok, path)
    hf = tokenizers.Tokenizer.from_file(str(path))
    for text in lines[::7] + ["x<|eot|>y  123456"]:
        assert hf.encode(text, add_special_tokens=False).ids == tok.encode(text, allowed_special="all")


@pytest.fixture(scope="module")
def cl100k_exported(export_dir):
    hf_tokenizers()
    _require_encoding("cl100k_base")
    return _exported("cl100k_base", export_dir)


@given(text=any_text)
def test_hyp_export_cl100k(cl100k_exported, text):
    tok, hf, _ = cl100k_exported
    assert hf.encode(text, add_special_tokens=False).ids == tok.encode(text, allowed_special="all", disallowed_special=())
