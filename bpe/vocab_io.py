"""Reading and writing vocabularies: tiktoken's `.tiktoken` ranks format plus our JSON sidecar.

Every error names the file and, where it applies, the line; every write is atomic (a temporary file
in the same folder, then `os.replace`), so a failure never leaves a half-written vocabulary.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Union

if TYPE_CHECKING:  # pragma: no cover
    from .core import Tokenizer

PathLike = Union[str, "os.PathLike[str]"]
FORMAT = "bpe-tokenizer"
FORMAT_VERSION = 1


class VocabFileError(ValueError):
    """A vocabulary file is missing, malformed or does not match its expected hash."""


def sha256_hex(data: bytes) -> str:
    """Hex sha256 of data."""
    return hashlib.sha256(data).hexdigest()


def read_vocab_bytes(path: PathLike) -> bytes:
    """Read a vocabulary file, transparently gunzipping `.gz` files."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise VocabFileError(f"{path}: cannot read vocabulary file ({exc.strerror or exc})") from None
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise VocabFileError(f"{path}: not a valid gzip file ({exc}); the download may be truncated") from None
    return data


def parse_tiktoken_bpe(data: bytes, source: str = "<bytes>") -> dict[bytes, int]:
    """Parse `base64(token) rank` lines into a ranks dict, naming source:line on any defect.

    Rank gaps and single-byte tokens whose rank is not their byte value are accepted; duplicate
    ranks or tokens, bad base64 and a missing final newline (a truncated file) are not.
    """
    if data and not data.endswith(b"\n"):
        line_no = data.count(b"\n") + 1
        raise VocabFileError(
            f"{source}:{line_no}: file ends in the middle of a line (truncated?); "
            "re-download or re-save the vocabulary"
        )
    ranks: dict[bytes, int] = {}
    seen_ranks: dict[int, int] = {}
    for line_no, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise VocabFileError(f"{source}:{line_no}: expected 'base64-token rank', got {line[:80]!r}")
        token_b64, rank_text = parts
        try:
            token = base64.b64decode(token_b64, validate=True)
        except (binascii.Error, ValueError):
            raise VocabFileError(
                f"{source}:{line_no}: invalid base64 token {token_b64[:60].decode('utf-8', 'replace')!r}"
            ) from None
        try:
            rank = int(rank_text)
        except ValueError:
            raise VocabFileError(
                f"{source}:{line_no}: rank {rank_text[:30].decode('utf-8', 'replace')!r} is not an integer"
            ) from None
        if rank < 0:
            raise VocabFileError(f"{source}:{line_no}: negative rank {rank}")
        if rank in seen_ranks:
            raise VocabFileError(f"{source}:{line_no}: rank {rank} already used on line {seen_ranks[rank]}")
        if token in ranks:
            raise VocabFileError(f"{source}:{line_no}: token {token!r} already listed with rank {ranks[token]}")
        seen_ranks[rank] = line_no
        ranks[token] = rank
    if not ranks:
        raise VocabFileError(f"{source}: vocabulary file is empty")
    return ranks


def load_tiktoken_bpe(path: PathLike, expected_hash: "str | None" = None) -> dict[bytes, int]:
    """Load a `.tiktoken` (or `.tiktoken.gz`) file, checking its sha256 when expected_hash is given."""
    data = read_vocab_bytes(path)
    if expected_hash is not None:
        actual = sha256_hex(data)
        if actual != expected_hash:
            raise VocabFileError(
                f"{path}: sha256 {actual} does not match the expected {expected_hash}; "
                "the file is corrupt or a different vocabulary"
            )
    return parse_tiktoken_bpe(data, str(path))


def format_tiktoken_bpe(ranks: Mapping[bytes, int]) -> bytes:
    """Render ranks in tiktoken's format: one `base64 rank` line per token, sorted by rank."""
    return b"".join(
        base64.b64encode(token) + b" " + str(rank).encode() + b"\n"
        for token, rank in sorted(ranks.items(), key=lambda kv: kv[1])
    )


def _file_mode(path: Path) -> int:
    """Permission bits for a new version of path: the existing file's, else 0666 minus the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)  # the only way to read it; restored at once
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path: PathLike, data: bytes) -> None:
    """Write data to path so that readers see either the old file or the whole new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):
            # mkstemp creates the file 0600; give it the mode a plain open() would (or the old file's).
            os.fchmod(fd, _file_mode(path))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def dump_tiktoken_bpe(ranks: Mapping[bytes, int], path: PathLike) -> None:
    """Write ranks to a `.tiktoken` file atomically."""
    atomic_write(path, format_tiktoken_bpe(ranks))


def _sidecar_paths(path: PathLike) -> tuple[Path, Path]:
    """(ranks file, JSON sidecar) for a path naming either of them."""
    path = Path(path)
    if path.suffix == ".json":
        return path.with_suffix(".tiktoken"), path
    return path, path.with_suffix(".json")


def saved_paths(path: PathLike) -> tuple[Path, Path]:
    """(ranks file, JSON sidecar) that `save_tokenizer(tok, path)` writes.

    Example: saved_paths("mine") == (Path("mine.tiktoken"), Path("mine.json"))
    """
    path = Path(path)
    if path.suffix not in (".tiktoken", ".json"):
        path = path.with_name(path.name + ".tiktoken")
    return _sidecar_paths(path)


def save_tokenizer(tok: "Tokenizer", path: PathLike) -> None:
    """Save ranks to `path` (`.tiktoken` suffix added if missing) and metadata to `<stem>.json`."""
    ranks_path, meta_path = saved_paths(path)
    data = format_tiktoken_bpe(tok._mergeable_ranks)
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": tok.name,
        "pat_str": tok.pat_str,
        "special_tokens": tok._special_tokens,
        "explicit_n_vocab": tok._explicit_n_vocab,
        "ranks_file": ranks_path.name,
        "ranks_sha256": sha256_hex(data),
        "n_mergeable": len(tok._mergeable_ranks),
    }
    atomic_write(ranks_path, data)
    atomic_write(meta_path, (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def load_tokenizer(path: PathLike, *, backend: "str | None" = None) -> "Tokenizer":
    """Load a tokenizer saved with `Tokenizer.save` (give the `.tiktoken` or the `.json` path)."""
    from .core import Tokenizer

    # `tok.save("mine")` wrote mine.tiktoken, so `bpe.load("mine")` must find it.
    ranks_path, meta_path = _sidecar_paths(path) if Path(path).exists() else saved_paths(path)
    if not meta_path.exists():
        raise VocabFileError(
            f"{meta_path}: metadata file not found next to {ranks_path}; it holds the split pattern and "
            "special tokens. For a bare .tiktoken file use bpe.Tokenizer(name, pat_str=..., "
            "mergeable_ranks=bpe.load_tiktoken_bpe(path), special_tokens={...})"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise VocabFileError(f"{meta_path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise VocabFileError(f"{meta_path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise VocabFileError(f"{meta_path}: not a bpe tokenizer metadata file (no \"format\": \"{FORMAT}\")")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise VocabFileError(
            f"{meta_path}: format_version {meta['format_version']} is newer than this bpe supports "
            f"({FORMAT_VERSION}); upgrade bpe"
        )
    for key in ("name", "pat_str", "special_tokens"):
        if key not in meta:
            raise VocabFileError(f"{meta_path}: missing field {key!r}")
    ranks = load_tiktoken_bpe(ranks_path, expected_hash=meta.get("ranks_sha256"))
    tok = Tokenizer(
        meta["name"],
        pat_str=meta["pat_str"],
        mergeable_ranks=ranks,
        special_tokens={str(k): int(v) for k, v in meta["special_tokens"].items()},
        explicit_n_vocab=meta.get("explicit_n_vocab"),
        backend=backend,
    )
    tok.source = f"saved file: {ranks_path}"
    return tok
