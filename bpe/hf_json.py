"""HF `tokenizer.json` import and export for byte-level BPE tokenizers.

Import reads the BPE model (vocab + merges), the GPT-2 byte-to-unicode alphabet, `Split`,
`ByteLevel` and `Sequence` pre-tokenisers, NFC/NFKC/NFD/NFKD normalisers and the added tokens, and
builds a `bpe.pipeline.PipelineTokenizer`. Any other component raises `UnsupportedComponentError`
naming it, rather than giving ids that silently differ from HF's.

Merge rule. HF merges pairs by their position in the merge list; we merge by the rank of the
concatenation (tiktoken's rule). `rank_equivalence_problems` checks three conditions that together
*prove* the two rules give the same ids on every input, and the import then uses the ranks (and so
either encoder backend); otherwise it keeps the merge list (`bpe.merge_priority`). The proof:
  (1) merge i produces a token whose id increases with i, (2) no token is produced by two merges,
  (3) HF's own merge loop applied to the bytes of each token t yields exactly [t].
Before the two rules first disagree they have gone through the same states. Within any state, a
token spanning bytes s was built only by merges inside s, in HF's order, so HF run on s alone passes
through the same states. Suppose tiktoken could merge an adjacent pair (x, y) that is not a merge
but whose concatenation t is a token: HF run on the bytes of t alone would pass through [x][y],
while by (3) it ends in [t], whose only two-token predecessor is [l][r] of t's merge (2); so
[x][y] = [l][r], a contradiction. Hence the candidate pairs of both rules are the listed merges,
ordered the same way by (1), with the same leftmost tie-break; and by (3) a whole piece that is a
token (tiktoken's and HF's `ignore_merges` shortcut) encodes to itself either way.

Export writes a tokenizer.json that `tokenizers.Tokenizer.from_file` loads and that gives our ids.
For rank-based tokenizers the merges are, for every token, each split whose halves are tokens,
ordered by the rank of the token, with `ignore_merges` set (the construction in shared/PEERS.md).
Oniguruma (HF's regex engine) reads `X{1,3}+` as `(?:X{1,3})+`, not as a possessive quantifier, so
patterns are rewritten on the way out and on the way in.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

from .merge_priority import build_merge_table, merge_priority_encode
from .pipeline import NORMALIZERS, PipelineTokenizer
from .pretokenize import GPT2_BYTELEVEL_PATTERN, cover_pattern
from .vocab_io import VocabFileError, atomic_write

if TYPE_CHECKING:  # pragma: no cover
    from .core import Tokenizer


# The pattern that keeps a whole segment as one piece (a ByteLevel without regex and no Split).
WHOLE_TEXT_PATTERN = r"[\s\S]+"

MERGE_RULES = ("auto", "rank", "merge-priority")


class UnsupportedComponentError(ValueError):
    """A tokenizer.json uses a component (or an option of one) that this importer does not implement."""


def _default_name(where: str) -> str:
    # "models/qwen/tokenizer.json" -> "qwen", "./mine.json" -> "mine": never empty, so CLI columns differ.
    if where == "<dict>":
        return "hf"
    path = Path(where).resolve()
    return (path.parent.name if path.stem == "tokenizer" else path.stem) or path.stem or "hf"


# ====================
# GPT-2 byte <-> unicode alphabet
# ====================


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's map from each byte to a printable character (HF ByteLevel's alphabet).

    Example: bytes_to_unicode()[ord(" ")] == "Ġ"
    """
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)  # bytes without a printable glyph move past Latin-1
            n += 1
    return {b: chr(c) for b, c in zip(printable, chars)}


@lru_cache(maxsize=1)
def unicode_to_bytes() -> dict[str, int]:
    """Inverse of `bytes_to_unicode`."""
    return {c: b for b, c in bytes_to_unicode().items()}


def token_to_bytes(token: str) -> Optional[bytes]:
    """The bytes of a byte-level token string, or None if it has characters outside the alphabet.

    Example: token_to_bytes("Ġhello") == b" hello"
    """
    table = unicode_to_bytes()
    try:
        return bytes(table[c] for c in token)
    except KeyError:
        return None


def bytes_to_token(data: bytes) -> str:
    """The byte-level token string of some bytes.

    Example: bytes_to_token(b" hello") == "Ġhello"
    """
    table = bytes_to_unicode()
    return "".join(table[b] for b in data)


# ====================
# Regex dialect: Oniguruma <-> `regex`
# ====================

# A single-character atom (class, escape, property or literal) followed by a counted repeat and "+".
_ATOM = r"(?:\\[pP]\{[^}]*\}|\\.|\[(?:\\.|[^\]\\])*\]|[^\\()|\[\]{}?*+])"


def regex_to_onig(pat_str: str) -> str:
    """Rewrite a `regex` pattern for Oniguruma: `X{n,m}+` (possessive here) becomes `X{n,m}`.

    For a single-character atom, possessive and greedy counted repeats match the same text: nothing
    after the atom in its branch could make the engine backtrack into it with a different result.
    Example: regex_to_onig(r"\\p{N}{1,3}+") == r"\\p{N}{1,3}"
    """
    import regex

    return regex.sub(rf"({_ATOM}\{{\d+(?:,\d*)?\}})\+", r"\1", pat_str)


def onig_to_regex(pat_str: str) -> str:
    """Rewrite an Oniguruma pattern for `regex`: `X{n,m}+` means `(?:X{n,m})+` in Oniguruma.

    Example: onig_to_regex(r"\\p{N}{1,3}+") == r"(?:\\p{N}{1,3})+"
    """
    import regex

    return regex.sub(rf"({_ATOM}\{{\d+(?:,\d*)?\}})\+", r"(?:\1)+", pat_str)


# ====================
# Import
# ====================


def _pattern_of(split: Mapping[str, Any]) -> str:
    import regex

    pattern = split.get("pattern", {})
    if "Regex" in pattern:
        return onig_to_regex(pattern["Regex"])
    if "String" in pattern:
        return regex.escape(pattern["String"])
    raise UnsupportedComponentError(f"pre_tokenizer Split: pattern {pattern!r} is neither Regex nor String")


def parse_normalizer(spec: Optional[Mapping[str, Any]]) -> Optional[str]:
    """The Unicode normal form of a tokenizer.json normalizer (None for none); raises on anything else.

    Example: parse_normalizer({"type": "Sequence", "normalizers": [{"type": "NFKC"}]}) == "NFKC"
    """
    if spec is None:
        return None
    kind = spec.get("type")
    if kind == "Sequence":
        forms = [parse_normalizer(n) for n in spec.get("normalizers", [])]
        forms = [f for f in forms if f is not None]
        if len(forms) > 1:
            raise UnsupportedComponentError(f"normalizer Sequence of several normal forms {forms}")
        return forms[0] if forms else None
    if kind in NORMALIZERS:
        return kind
    raise UnsupportedComponentError(
        f"normalizer {kind!r} (supported: {', '.join(NORMALIZERS)} and Sequence of them)"
    )


def parse_pre_tokenizer(spec: Optional[Mapping[str, Any]]) -> list[str]:
    """The split stages of a byte-level pre-tokenizer, in order; raises on unsupported components.

    Each stage is an `Isolated` split: matches and the gaps between them are both pieces.
    Example: parse_pre_tokenizer({"type": "ByteLevel", "add_prefix_space": False}) == [GPT2_BYTELEVEL_PATTERN]
    """
    if spec is None:
        raise UnsupportedComponentError("pre_tokenizer null: only byte-level BPE (a ByteLevel pre-tokenizer) is supported")
    items = list(spec.get("pretokenizers", [])) if spec.get("type") == "Sequence" else [spec]
    stages: list[str] = []
    seen_byte_level = False
    for item in items:
        kind = item.get("type")
        if seen_byte_level:
            # After ByteLevel the text is in the byte alphabet; a later split would see "Ġ", not " ".
            raise UnsupportedComponentError(f"pre_tokenizer {kind!r} after ByteLevel")
        if kind == "Split":
            if item.get("invert"):
                raise UnsupportedComponentError("pre_tokenizer Split with invert=true")
            if item.get("behavior") != "Isolated":
                raise UnsupportedComponentError(
                    f"pre_tokenizer Split behavior {item.get('behavior')!r} (only 'Isolated' is supported)"
                )
            stages.append(_pattern_of(item))
        elif kind == "ByteLevel":
            if item.get("add_prefix_space"):
                raise UnsupportedComponentError("pre_tokenizer ByteLevel with add_prefix_space=true")
            if item.get("use_regex", True):
                stages.append(GPT2_BYTELEVEL_PATTERN)
            seen_byte_level = True
        else:
            raise UnsupportedComponentError(f"pre_tokenizer {kind!r} (supported: Split, ByteLevel, Sequence)")
    if not seen_byte_level:
        raise UnsupportedComponentError("pre_tokenizer without ByteLevel: only byte-level BPE is supported")
    return stages


def _check_model(model: Mapping[str, Any]) -> None:
    if model.get("type", "BPE") != "BPE":
        raise UnsupportedComponentError(f"model {model.get('type')!r} (only BPE is supported)")
    if model.get("dropout"):
        raise UnsupportedComponentError(f"model BPE dropout={model['dropout']} (encoding would be random)")
    for key in ("continuing_subword_prefix", "end_of_word_suffix"):
        if model.get(key):
            raise UnsupportedComponentError(f"model BPE {key}={model[key]!r}")
    if model.get("byte_fallback"):
        raise UnsupportedComponentError("model BPE byte_fallback=true (a SentencePiece-style model, not byte-level)")


def _check_others(data: Mapping[str, Any]) -> None:
    for key in ("truncation", "padding"):
        if data.get(key):
            raise UnsupportedComponentError(f"{key} {data[key]!r} (encode whole texts; set it to null)")
    post = data.get("post_processor")
    if post is not None and post.get("type") != "ByteLevel":
        # Template/Bert/Roberta processors add tokens around the text; our encode never does.
        raise UnsupportedComponentError(f"post_processor {post.get('type')!r} (only null or ByteLevel)")
    decoder = data.get("decoder")
    if decoder is not None and decoder.get("type") != "ByteLevel":
        raise UnsupportedComponentError(f"decoder {decoder.get('type')!r} (only null or ByteLevel)")


def _split_merge(merge: Union[str, Sequence[str]], index: int, where: str) -> tuple[str, str]:
    if isinstance(merge, str):
        parts = merge.split(" ")
    else:
        parts = list(merge)
    if len(parts) != 2:
        raise VocabFileError(f"{where}: merge #{index} {merge!r}: expected two tokens")
    return parts[0], parts[1]


def rank_equivalence_problems(
    ranks: Mapping[bytes, int], merges: Sequence[tuple[bytes, bytes]], *, limit: int = 5
) -> list[str]:
    """Why tiktoken's rank rule could differ from HF's merge-priority rule here (empty list = proved equal).

    Checks the three conditions of the module docstring; stops after `limit` problems.
    """
    problems: list[str] = []
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        problems.append(f"{len(missing)} single bytes are not tokens (e.g. {bytes(missing[:3])!r})")
    table = build_merge_table(ranks, merges)
    producer: dict[int, tuple[int, int]] = {}
    last_id = -1
    for (left, right), (priority, merged) in sorted(table.items(), key=lambda kv: kv[1][0]):
        if merged in producer:
            problems.append(f"token id {merged} is produced by two merges ({producer[merged]} and {(left, right)})")
        producer[merged] = (left, right)
        if merged <= last_id:
            problems.append(f"merge #{priority} produces id {merged}, not above the previous merge's {last_id}")
        last_id = max(last_id, merged)
        if len(problems) >= limit:
            return problems
    byte_ids = [ranks.get(bytes([b]), -1) for b in range(256)]
    for token, rank in ranks.items():
        if len(token) > 1 and merge_priority_encode(token, byte_ids, table) != [rank]:
            problems.append(f"token {token!r} (id {rank}) is not what the merges make of its own bytes")
            if len(problems) >= limit:
                break
    return problems


def _read_json(source: "Union[str, os.PathLike[str], Mapping[str, Any]]") -> tuple[dict, str]:
    if isinstance(source, Mapping):
        return dict(source), "<dict>"
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise VocabFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return json.loads(text), str(path)
    except json.JSONDecodeError as exc:
        raise VocabFileError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None


def load_hf_tokenizer(
    source: "Union[str, os.PathLike[str], Mapping[str, Any]]",
    *,
    name: Optional[str] = None,
    merge_rule: str = "auto",
    backend: Optional[str] = None,
    check_equivalence: bool = True,
) -> PipelineTokenizer:
    """Build a tokenizer from an HF byte-level BPE tokenizer.json (a path or the parsed dict).

    merge_rule: "auto" uses ranks when `rank_equivalence_problems` proves them equal to the merge
    list, else the merge list; "rank" requires that proof (ValueError otherwise); "merge-priority"
    always uses the merge list. `check_equivalence=False` with "rank" skips the proof: only for files
    whose proof is on record (`bpe.vendors.RANK_EQUIVALENCE_PROVED`, by sha256). Added tokens (special or not) become special tokens, because HF
    matches all of them in the text: `encode(text, allowed_special="all")` equals HF's `encode(text).ids`.
    """
    if merge_rule not in MERGE_RULES:
        raise ValueError(f"merge_rule {merge_rule!r}; choose one of {MERGE_RULES}")
    data, where = _read_json(source)
    try:
        model = data["model"]
    except (KeyError, TypeError):
        raise VocabFileError(f"{where}: no 'model' object; not a tokenizer.json") from None
    try:
        _check_model(model)
        _check_others(data)
        normalizer = parse_normalizer(data.get("normalizer"))
        stages = parse_pre_tokenizer(data.get("pre_tokenizer"))
    except UnsupportedComponentError as exc:
        raise UnsupportedComponentError(f"{where}: {exc}") from None

    special_tokens: dict[str, int] = {}
    for added in data.get("added_tokens", []):
        if not isinstance(added, Mapping) or not isinstance(added.get("content"), str) or not isinstance(added.get("id"), int):
            raise VocabFileError(f"{where}: added token {added!r:.80} needs a string 'content' and an integer 'id'")
        for flag in ("lstrip", "rstrip", "single_word"):
            if added.get(flag):
                raise UnsupportedComponentError(f"{where}: added token {added['content']!r} with {flag}=true")
        if added.get("normalized") and normalizer is not None:
            raise UnsupportedComponentError(
                f"{where}: added token {added['content']!r} with normalized=true under a {normalizer} normaliser"
            )
        special_tokens[added["content"]] = int(added["id"])
    special_ids = set(special_tokens.values())

    vocab = model.get("vocab", {})
    if not isinstance(vocab, Mapping):
        raise VocabFileError(f"{where}: model vocab is a {type(vocab).__name__}, not a token -> id object")
    ranks: dict[bytes, int] = {}
    for token, token_id in vocab.items():
        if token_id in special_ids:
            continue  # an added token's own entry; it is matched as text, never built by merges
        data_bytes = token_to_bytes(token)
        if data_bytes is None:
            raise VocabFileError(
                f"{where}: vocab entry {token!r} (id {token_id}) is outside the byte-level alphabet and is not an "
                "added token; not a byte-level BPE vocabulary"
            )
        ranks[data_bytes] = int(token_id)
    merges: list[tuple[bytes, bytes]] = []
    for i, merge in enumerate(model.get("merges", [])):
        left, right = _split_merge(merge, i, where)
        lb, rb = token_to_bytes(left), token_to_bytes(right)
        if lb is None or rb is None:
            raise VocabFileError(f"{where}: merge #{i} {merge!r} has characters outside the byte-level alphabet")
        absent = next((t for t in (lb, rb, lb + rb) if t not in ranks), None)
        if absent is not None:
            # HF refuses such a file too; naming it here beats a bare KeyError deep in the encoder.
            raise VocabFileError(f"{where}: merge #{i} {merge!r}: {bytes_to_token(absent)!r} is not in the vocab")
        merges.append((lb, rb))
    ignore_merges = bool(model.get("ignore_merges", False))

    use_merges = merge_rule == "merge-priority"
    if merge_rule == "rank" and not check_equivalence:
        use_merges = False
    elif merge_rule != "merge-priority":
        problems = rank_equivalence_problems(ranks, merges)
        if problems and merge_rule == "rank":
            raise ValueError(f"{where}: ranks are not provably equivalent to the merge list: " + "; ".join(problems))
        use_merges = bool(problems)

    pre_split, last = stages[:-1], (stages[-1] if stages else WHOLE_TEXT_PATTERN)
    tok = PipelineTokenizer(
        name or _default_name(where),
        pat_str=cover_pattern(last),
        mergeable_ranks=ranks,
        special_tokens=special_tokens,
        backend=backend,
        normalizer=normalizer,
        pre_split=pre_split,
        merges=merges if use_merges else None,
        ignore_merges=ignore_merges,
    )
    tok.source = where
    return tok


# ====================
# Export
# ====================


def derive_merges(ranks: Mapping[bytes, int]) -> list[tuple[bytes, bytes]]:
    """Merges that make HF reproduce the rank rule: every split of every token into two tokens, by token rank.

    Example: derive_merges({b"a": 0, b"b": 1, b"ab": 2}) == [(b"a", b"b")]
    """
    merges = []
    for token, _ in sorted(ranks.items(), key=lambda kv: kv[1]):
        for i in range(1, len(token)):
            if token[:i] in ranks and token[i:] in ranks:
                merges.append((token[:i], token[i:]))
    return merges


def to_hf_json(tok: "Tokenizer") -> dict:
    """The tokenizer.json dict of a Tokenizer (rank-based or a PipelineTokenizer).

    Special tokens become added tokens; HF matches them anywhere in the text, so HF's ids equal
    `tok.encode(text, allowed_special="all", disallowed_special=())`.
    """
    ranks = tok._mergeable_ranks
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        # HF's byte-level BPE drops a byte it has no token for; we would fail instead.
        raise ValueError(f"{tok.name}: {len(missing)} single bytes have no token; HF would drop them")
    normalizer = getattr(tok, "normalizer", None)
    pre_split = list(getattr(tok, "pre_split", ()))
    merges = getattr(tok, "merges", None)
    ignore_merges = getattr(tok, "_ignore_merges", False)
    if merges is None:
        merges = derive_merges(ranks)
        ignore_merges = True
    stages = pre_split + [tok.pat_str]
    pre_tokenizers = [
        {"type": "Split", "pattern": {"Regex": regex_to_onig(p)}, "behavior": "Isolated", "invert": False}
        for p in stages
    ]
    pre_tokenizers.append({"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False})
    before = getattr(tok, "_normalize_before_special", False)
    vocab = {bytes_to_token(t): r for t, r in sorted(ranks.items(), key=lambda kv: kv[1])}
    # HF numbers an added token that is not in the model's vocab as the next free id after the
    # vocab, ignoring its "id": listing special tokens in the vocab too keeps their ids (gaps included).
    # Their text never reaches the model: HF cuts added tokens out before pre-tokenising.
    vocab.update(tok._special_tokens)
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": bool(before and normalizer), "special": True}
            for s, i in sorted(tok._special_tokens.items(), key=lambda kv: kv[1])
        ],
        "normalizer": {"type": normalizer} if normalizer else None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": pre_tokenizers},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": ignore_merges,
            "vocab": vocab,
            # "a b" strings load in every tokenizers version; byte-level tokens never contain a space.
            "merges": [f"{bytes_to_token(a)} {bytes_to_token(b)}" for a, b in merges],
        },
    }


def save_hf_tokenizer(tok: "Tokenizer", path: "Union[str, os.PathLike[str]]") -> None:
    """Write `tok` as an HF tokenizer.json, atomically."""
    text = json.dumps(to_hf_json(tok), ensure_ascii=False, indent=None)
    atomic_write(path, (text + "\n").encode("utf-8"))
