"""Locate the corpora: FLORES-200 (evaluation) and the training mix, or a self-made fallback.

Search order: a path given by the caller, then `$BPE_CORPORA`, then `../shared/corpora` beside the
project (the layout of the development machines). A fresh clone without any of them falls back to
the running Python's standard library as code plus a small multilingual sample written by
`write_fallback_sample`, and says so.
"""
from __future__ import annotations

import os
import re
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CorpusNotFoundError(FileNotFoundError):
    """No corpus folder was found; the message lists where we looked and what to pass."""


def candidate_roots(path: "str | os.PathLike[str] | None" = None) -> list[tuple[str, Path]]:
    """(label, folder) of every place searched for a corpora folder, in search order.

    A folder the user names (the argument, else `$BPE_CORPORA`) is the only place searched: silently
    measuring some other corpus instead of the one asked for would give wrong numbers that look right.
    """
    if path is not None:
        return [("given path", Path(path))]
    if os.environ.get("BPE_CORPORA"):
        return [("BPE_CORPORA", Path(os.environ["BPE_CORPORA"]))]
    return [("beside the project", PROJECT_ROOT.parent / "shared" / "corpora"),
            ("beside the current folder", Path.cwd().parent / "shared" / "corpora")]


def find_corpora(path: "str | os.PathLike[str] | None" = None) -> Optional[Path]:
    """The first existing corpora folder, or None."""
    for _, root in candidate_roots(path):
        if (root / "flores200").is_dir() or (root / "train").is_dir():
            return root
    return None


def require_corpora(path: "str | os.PathLike[str] | None" = None) -> Path:
    """The corpora folder, or CorpusNotFoundError naming every place tried and the fix."""
    root = find_corpora(path)
    if root is None:
        tried = "\n  - ".join(f"{label}: {p} ({'no flores200/ or train/ inside' if p.is_dir() else 'does not exist'})"
                               for label, p in candidate_roots(path))
        raise CorpusNotFoundError(
            f"no corpora folder (with flores200/ or train/) found. Looked in:\n  - {tried}\n"
            "Fix: pass --corpora PATH or set BPE_CORPORA to the folder holding flores200/ and train/."
        )
    return root


@dataclass(frozen=True)
class Language:
    """A FLORES-200 language code with its English name and script."""

    code: str
    name: str
    script_code: str
    script: str


def flores_languages(root: Path) -> list[Language]:
    """All FLORES-200 languages listed in languages.tsv (or found as files, when the table is absent)."""
    table = root / "flores200" / "languages.tsv"
    if table.is_file():
        rows = table.read_text(encoding="utf-8").splitlines()[1:]
        return [Language(*row.split("\t")[:4]) for row in rows if row.strip()]
    codes = sorted(p.stem for p in (root / "flores200" / "devtest").glob("*.devtest"))
    return [Language(c, c, c.rsplit("_", 1)[-1], c.rsplit("_", 1)[-1]) for c in codes]


def flores_path(root: Path, code: str, split: str = "devtest") -> Path:
    """Path of one FLORES-200 file; ValueError naming the split and the folder if it is missing."""
    if split not in ("dev", "devtest"):
        raise ValueError(f"FLORES-200 split must be 'dev' or 'devtest', got {split!r}")
    path = root / "flores200" / split / f"{code}.{split}"
    if not path.is_file():
        raise ValueError(f"{path}: no FLORES-200 {split} file for language {code!r}")
    return path


def flores_lines(root: Path, code: str, split: str = "devtest") -> list[str]:
    """The sentences of one language (one per line, without newlines)."""
    return flores_path(root, code, split).read_text(encoding="utf-8").splitlines()


def petrov_text(root: Path, code: str) -> str:
    """One language's dev + devtest text built as Petrov et al. 2023 count it.

    Each file is split on "\\n" (the final newline leaves an empty item), dev items come first,
    and all items are joined with single spaces.
    """
    items: list[str] = []
    for split in ("dev", "devtest"):
        items.extend(flores_path(root, code, split).read_text(encoding="utf-8").split("\n"))
    return " ".join(items)


def training_files(root: Path, parts: tuple = ("code", "en", "multi")) -> list[Path]:
    """The training-mix files (xz-compressed) of the given parts, sorted."""
    files: list[Path] = []
    for part in parts:
        files.extend(sorted((root / "train" / part).glob("*.txt*")))
    return files


# A few sentences per script, written for this project (not taken from any corpus), so that a fresh
# clone can train and compare without downloading anything.
FALLBACK_SAMPLE = {
    "eng_Latn": "The river rises in the mountains and flows slowly to the sea, past old towns and green fields.",
    "fra_Latn": "La rivière naît dans les montagnes et coule lentement vers la mer, entre de vieilles villes et des champs verts.",
    "deu_Latn": "Der Fluss entspringt in den Bergen und fließt langsam zum Meer, vorbei an alten Städten und grünen Feldern.",
    "spa_Latn": "El río nace en las montañas y fluye despacio hacia el mar, entre pueblos antiguos y campos verdes.",
    "rus_Cyrl": "Река берёт начало в горах и медленно течёт к морю мимо старых городов и зелёных полей.",
    "ell_Grek": "Ο ποταμός πηγάζει από τα βουνά και κυλά αργά προς τη θάλασσα, δίπλα σε παλιές πόλεις και πράσινα χωράφια.",
    "arb_Arab": "ينبع النهر من الجبال ويجري ببطء نحو البحر، مارًا بمدن قديمة وحقول خضراء.",
    "heb_Hebr": "הנהר נובע בהרים וזורם לאט אל הים, לצד ערים עתיקות ושדות ירוקים.",
    "hin_Deva": "नदी पहाड़ों से निकलती है और पुराने शहरों और हरे खेतों के पास से धीरे-धीरे समुद्र की ओर बहती है।",
    "ben_Beng": "নদীটি পাহাড় থেকে উৎপন্ন হয়ে পুরনো শহর আর সবুজ মাঠের পাশ দিয়ে ধীরে ধীরে সমুদ্রের দিকে বয়ে যায়।",
    "tha_Thai": "แม่น้ำเกิดจากภูเขาและไหลช้าๆ ลงสู่ทะเล ผ่านเมืองเก่าและทุ่งนาสีเขียว",
    "zho_Hans": "这条河发源于山中，缓缓流向大海，途经古老的城镇和绿色的田野。",
    "jpn_Jpan": "川は山から流れ出し、古い町や緑の田畑のそばをゆっくりと海へ流れていく。",
    "kor_Hang": "강은 산에서 시작되어 오래된 마을과 푸른 들판을 지나 천천히 바다로 흘러간다.",
    "amh_Ethi": "ወንዙ ከተራሮች ይነሳና በአሮጌ ከተሞችና በአረንጓዴ እርሻዎች አጠገብ ቀስ ብሎ ወደ ባሕር ይፈሳል።",
}


def write_fallback_sample(folder: "str | os.PathLike[str]") -> Path:
    """Write the built-in multilingual sample as `<folder>/<code>.txt` files; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for code, text in FALLBACK_SAMPLE.items():
        (folder / f"{code}.txt").write_text(text + "\n", encoding="utf-8")
    return folder


def stdlib_code_files(limit_bytes: int = 8 << 20) -> Iterator[Path]:
    """Python source files of the running interpreter's standard library, up to limit_bytes in all."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    total = 0
    for path in sorted(stdlib.glob("*.py")) + sorted(stdlib.glob("*/*.py")):
        size = path.stat().st_size
        if total + size > limit_bytes:
            break
        total += size
        yield path


# ====================
# Listing, manifests and verification
# ====================

# Our own pinned manifest (corpora/manifest.tsv): path, size as stored, sha256 and what the hash
# covers. The shared folder ships its own SHA256SUMS / MANIFEST.tsv; pinning copies here means a
# corpus replaced together with its checksum file is still caught.
MANIFEST_PATH = PROJECT_ROOT / "corpora" / "manifest.tsv"
MANIFEST_HEADER = "path\tbytes\tsha256\thash_of"
UDHR_MIXED = "train/multi/udhr-mul.txt.xz"


class CorpusIntegrityError(ValueError):
    """A corpus file differs from its manifest (size or sha256); the message names the file and the fix."""


@dataclass(frozen=True)
class ManifestEntry:
    """One corpus file: path relative to the corpora root, stored size, sha256 and what it hashes."""

    path: str
    size: int
    sha256: str
    hash_of: str  # "file" (the stored bytes) or "content" (the text inside an .xz file)


@dataclass(frozen=True)
class CorpusInfo:
    """One loadable corpus in a corpora folder, as `bpe corpora` lists it."""

    name: str
    description: str
    path: Path
    files: int
    size: int
    languages: int


def sha256_file(path: Path, hash_of: str = "file") -> str:
    """sha256 of a file's stored bytes, or of its decompressed text when hash_of is "content"."""
    import hashlib
    import lzma

    digest = hashlib.sha256()
    opener = lzma.open if hash_of == "content" and path.suffix == ".xz" else open
    with opener(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(path: Path = MANIFEST_PATH) -> dict[str, ManifestEntry]:
    """Entries of a manifest.tsv by path; ValueError naming file:line for a malformed row."""
    entries: dict[str, ManifestEntry] = {}
    if not path.is_file():
        return entries
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if lineno == 1 or not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 4 or not cols[1].isdigit() or len(cols[2]) != 64 or cols[3] not in ("file", "content"):
            raise ValueError(
                f"{path}:{lineno}: expected 4 tab-separated columns ({MANIFEST_HEADER}); "
                "regenerate it with `python corpora/build_manifest.py`"
            )
        entries[cols[0]] = ManifestEntry(cols[0], int(cols[1]), cols[2], cols[3])
    return entries


def shared_checksums(root: Path) -> dict[str, ManifestEntry]:
    """Checksums the corpora folder ships itself: flores200/SHA256SUMS and train/MANIFEST.tsv.

    SHA256SUMS has no sizes (size -1 means "unknown"); MANIFEST.tsv hashes the uncompressed text.
    """
    entries: dict[str, ManifestEntry] = {}
    sums = root / "flores200" / "SHA256SUMS"
    if sums.is_file():
        for line in sums.read_text(encoding="utf-8").splitlines():
            if line.strip():
                digest, name = line.split(None, 1)
                rel = f"flores200/{name.strip().lstrip('*')}"
                entries[rel] = ManifestEntry(rel, -1, digest, "file")
    manifest = root / "train" / "MANIFEST.tsv"
    if manifest.is_file():
        rows = manifest.read_text(encoding="utf-8").splitlines()
        header = rows[0].split("\t") if rows else []
        for row in rows[1:]:
            if not row.strip():
                continue
            rec = dict(zip(header, row.split("\t")))
            rel = f"train/{rec['path']}"
            entries[rel] = ManifestEntry(rel, int(rec["compressed_bytes"]), rec["sha256_of_uncompressed"], "content")
    return entries


def build_manifest(root: Path) -> list[ManifestEntry]:
    """Hash every file the shared checksums list, checking each against them; for corpora/build_manifest.py."""
    out = []
    for rel, shared in sorted(shared_checksums(root).items()):
        path = root / rel
        digest = sha256_file(path, shared.hash_of)
        if digest != shared.sha256:
            raise CorpusIntegrityError(f"{path}: sha256 {digest} differs from the shipped checksum {shared.sha256}")
        out.append(ManifestEntry(rel, path.stat().st_size, digest, shared.hash_of))
    return out


def write_manifest(entries: list[ManifestEntry], path: Path = MANIFEST_PATH) -> None:
    """Write manifest entries as TSV (atomically: temp file, then rename)."""
    tmp = path.with_suffix(".tmp")
    lines = [MANIFEST_HEADER] + [f"{e.path}\t{e.size}\t{e.sha256}\t{e.hash_of}" for e in entries]
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)


_MANIFEST_CACHE: dict[Path, dict[str, ManifestEntry]] = {}


def _expected(root: Path, rel: str) -> "ManifestEntry | None":
    """The pinned entry for a file, else the folder's own checksum entry, else None."""
    if MANIFEST_PATH not in _MANIFEST_CACHE:
        _MANIFEST_CACHE[MANIFEST_PATH] = read_manifest(MANIFEST_PATH)
    entry = _MANIFEST_CACHE[MANIFEST_PATH].get(rel)
    if entry is None:
        if root not in _MANIFEST_CACHE:
            _MANIFEST_CACHE[root] = shared_checksums(root)
        entry = _MANIFEST_CACHE[root].get(rel)
    return entry


def verify_file(root: Path, rel: str, full: bool = False) -> bool:
    """Check one corpus file against the manifest: its size (fast), and its sha256 when full.

    Returns False when no manifest lists the file (nothing to check); raises CorpusIntegrityError
    on a mismatch.
    """
    entry = _expected(root, rel)
    if entry is None:
        return False
    path = root / rel
    if not path.is_file():
        raise CorpusIntegrityError(f"{path}: listed in the manifest but missing; restore the corpora folder")
    size = path.stat().st_size
    if entry.size >= 0 and size != entry.size:
        raise CorpusIntegrityError(
            f"{path}: {size} bytes, the manifest says {entry.size}; the file is truncated or replaced: "
            "restore it from the shared corpora, or use it anyway with `--verify none` (Python: verify='none')"
        )
    if full:
        digest = sha256_file(path, entry.hash_of)
        if digest != entry.sha256:
            raise CorpusIntegrityError(
                f"{path}: sha256 {digest} differs from the manifest's {entry.sha256}; restore the file"
            )
    return True


def verify_corpora(root: Path, full: bool = False, progress: bool = False) -> tuple[int, list[str]]:
    """Check every file the manifests list; returns (files checked, problems as messages)."""
    entries = dict(shared_checksums(root))
    entries.update(read_manifest(MANIFEST_PATH))
    problems: list[str] = []
    checked = 0
    items = sorted(entries)
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc="sha256" if full else "sizes", unit="file")
    for rel in items:
        try:
            checked += verify_file(root, rel, full)
        except CorpusIntegrityError as exc:
            problems.append(str(exc))
    return checked, problems


def list_corpora(root: Path) -> list[CorpusInfo]:
    """The corpora found in a folder: FLORES-200 splits, UDHR, the training mix."""
    found = []
    for split in ("dev", "devtest"):
        folder = root / "flores200" / split
        files = sorted(folder.glob(f"*.{split}")) if folder.is_dir() else []
        if files:
            found.append(CorpusInfo(f"flores200-{split}", f"FLORES-200 {split}: parallel sentences (evaluation only)",
                                    folder, len(files), sum(p.stat().st_size for p in files), len(files)))
    udhr = udhr_languages(root)
    if udhr:
        src = root / "udhr" if (root / "udhr").is_dir() else root / UDHR_MIXED
        files = sorted(src.glob("*.txt")) if src.is_dir() else [src]
        found.append(CorpusInfo("udhr", "Universal Declaration of Human Rights: parallel documents", src,
                                len(files), sum(p.stat().st_size for p in files), len(udhr)))
    train = training_files(root)
    if train:
        found.append(CorpusInfo("train", "training mix: code, English prose, multilingual text (xz)", root / "train",
                                len(train), sum(p.stat().st_size for p in train), len(training_languages(root))))
    return found


# Corpora whose languages carry the same content, so token counts compare tokenizers, not texts:
# only there is a premium relative to English meaningful.
PARALLEL_CORPORA = ("flores200", "flores200-dev", "flores200-devtest", "udhr")
CORPORA = ("flores200-devtest", "flores200-dev", "flores200", "udhr", "train")
_CODE_SHAPE = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")


def is_parallel(corpus: str) -> bool:
    """True for corpora whose languages hold translations of the same text (FLORES-200, UDHR)."""
    return corpus in PARALLEL_CORPORA


def training_languages(root: Path) -> dict[str, list[Path]]:
    """Language code -> training-mix files (en/ and multi/) holding that language, in manifest order.

    Codes come from the `lang` column of train/MANIFEST.tsv: file names do not carry them
    (`en/bible-kjv.txt.xz` is eng_Latn). Rows whose lang is not a language code (`mul (many
    scripts)` for the mixed files) belong to no single language. A file on disk that the manifest
    does not list is still found, by its `<code>.txt.xz` name or its en/ folder.
    """
    by_code: dict[str, list[Path]] = {}
    listed: set[Path] = set()
    manifest = root / "train" / "MANIFEST.tsv"
    if manifest.is_file():
        rows = manifest.read_text(encoding="utf-8").splitlines()
        header = rows[0].split("\t") if rows else []
        if "path" not in header or "lang" not in header:
            raise ValueError(f"{manifest}: header needs 'path' and 'lang' columns, got {header}; "
                             "restore MANIFEST.tsv from the shared corpora")
        for lineno, row in enumerate(rows[1:], 2):
            if not row.strip():
                continue
            rec = dict(zip(header, row.split("\t")))
            if "lang" not in rec:
                raise ValueError(f"{manifest}:{lineno}: fewer columns than the header; restore MANIFEST.tsv")
            path = root / "train" / rec["path"]
            listed.add(path)
            if rec["path"].split("/")[0] in ("en", "multi") and _CODE_SHAPE.match(rec["lang"]):
                by_code.setdefault(rec["lang"], []).append(path)
    for path in training_files(root, ("en", "multi")):
        if path in listed:
            continue
        stem = path.name.split(".")[0]
        code = "eng_Latn" if path.parent.name == "en" else stem
        if _CODE_SHAPE.match(code):
            by_code.setdefault(code, []).append(path)
    return dict(sorted(by_code.items()))


def corpus_languages(root: Path, corpus: str) -> list[str]:
    """The language codes one corpus holds (FLORES-200 codes are those of its devtest or dev files)."""
    if corpus in ("flores200", "flores200-dev", "flores200-devtest"):
        splits = ("dev", "devtest") if corpus == "flores200" else (corpus.split("-")[1],)
        found = [{p.name.split(".")[0] for p in (root / "flores200" / s).glob(f"*.{s}")} for s in splits]
        return sorted(set.intersection(*found))
    if corpus == "udhr":
        return list(udhr_languages(root))
    if corpus == "train":
        return list(training_languages(root))
    raise ValueError(f"unknown corpus {corpus!r}; choose {', '.join(CORPORA)}")


# ====================
# Loading parallel text by language code
# ====================


@dataclass(frozen=True)
class LanguageText:
    """The sentences (or lines) of one language in one corpus."""

    language: Language
    sentences: tuple
    corpus: str


def _language_table(root: Path) -> dict[str, Language]:
    table = {lang.code: lang for lang in flores_languages(root)} if (root / "flores200").is_dir() else {}
    return table


def language_info(root: "Path | None", code: str) -> Language:
    """Name and script of a code: from languages.tsv when listed, else LANGUAGE_NAMES and SCRIPT_NAMES."""
    if root is not None:
        lang = _language_table(root).get(code)
        if lang is not None:
            return lang
    script = code.rsplit("_", 1)[-1] if "_" in code else "?"
    return Language(code, LANGUAGE_NAMES.get(code, code), script, SCRIPT_NAMES.get(script, script))


def udhr_languages(root: Path) -> dict[str, str]:
    """UDHR language code -> name: `udhr/<code>.txt` files, else the blocks of the training mix's udhr-mul."""
    folder = root / "udhr"
    if folder.is_dir():
        return {p.stem: p.stem for p in sorted(folder.glob("*.txt"))}
    return {code: name for code, (name, _) in _udhr_blocks(root).items()}


_UDHR_CACHE: dict[Path, dict[str, tuple[str, list[str]]]] = {}


def _udhr_blocks(root: Path) -> dict[str, tuple[str, list[str]]]:
    """Parse `===== UDHR <name> [<code>] =====` blocks of udhr-mul.txt.xz (first block per code wins)."""
    import lzma
    import re

    if root in _UDHR_CACHE:
        return _UDHR_CACHE[root]
    path = root / UDHR_MIXED
    blocks: dict[str, tuple[str, list[str]]] = {}
    if path.is_file():
        header = re.compile(r"^===== UDHR (.*) \[([^\]]+)\] =====$")
        current: "list[str] | None" = None
        with lzma.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                m = header.match(line)
                if m:
                    name, code = m.groups()
                    current = None if code in blocks else []
                    if current is not None:
                        blocks[code] = (name, current)
                elif current is not None and line.strip():
                    current.append(line)
    _UDHR_CACHE[root] = blocks
    return blocks


def load_texts(
    root: Path,
    languages: "list[str] | None" = None,
    corpus: str = "flores200-devtest",
    verify: str = "size",
) -> list[LanguageText]:
    """Load one corpus for the given language codes (default: all it has), checked against the manifest.

    corpus: "flores200-devtest", "flores200-dev", "flores200" (dev + devtest), "udhr" or "train".
    verify: "none", "size" (fast) or "full" (sha256 of every file read).
    """
    if verify not in ("none", "size", "full"):
        raise ValueError(f"verify must be 'none', 'size' or 'full', got {verify!r}")
    if corpus in ("flores200", "flores200-dev", "flores200-devtest"):
        splits = ("dev", "devtest") if corpus == "flores200" else (corpus.split("-")[1],)
        table = _language_table(root)
        codes = languages or list(table)
        out = []
        for code in codes:
            sentences: list[str] = []
            for split in splits:
                path = flores_path(root, code, split)
                if verify != "none":
                    verify_file(root, f"flores200/{split}/{path.name}", full=verify == "full")
                sentences.extend(path.read_text(encoding="utf-8").splitlines())
            out.append(LanguageText(table.get(code) or language_info(root, code), tuple(sentences), corpus))
        return out
    if corpus == "udhr":
        available = udhr_languages(root)
        codes = languages or list(available)
        out = []
        for code in codes:
            if code not in available:
                raise ValueError(f"no UDHR text for {code!r} in {root}; `bpe corpora --languages udhr` lists the codes")
            if (root / "udhr").is_dir():
                lines = (root / "udhr" / f"{code}.txt").read_text(encoding="utf-8").splitlines()
                name = code
            else:
                if verify != "none":
                    verify_file(root, UDHR_MIXED, full=verify == "full")
                name, lines = _udhr_blocks(root)[code]
            lang = language_info(root, code)
            if lang.name == code:
                lang = Language(code, name, lang.script_code, lang.script)
            out.append(LanguageText(lang, tuple(line for line in lines if line.strip()), corpus))
        return out
    if corpus == "train":
        import lzma

        files = training_languages(root)
        codes = languages or list(files)
        out = []
        for code in codes:
            if code not in files:
                raise ValueError(f"no training-mix file for {code!r} under {root / 'train'} (its MANIFEST.tsv "
                                 "lang column); `bpe corpora --languages train` lists the codes")
            lines: list[str] = []
            for path in files[code]:
                if verify != "none":
                    verify_file(root, path.relative_to(root).as_posix(), full=verify == "full")
                with lzma.open(path, "rt", encoding="utf-8") as f:
                    lines.extend(line.rstrip("\n") for line in f if line.strip())
            out.append(LanguageText(language_info(root, code), tuple(lines), corpus))
        return out
    raise ValueError(f"unknown corpus {corpus!r}; choose {', '.join(CORPORA)}")


# ISO 15924 names for scripts that appear in codes but may be missing from languages.tsv.
SCRIPT_NAMES = {
    "Latn": "Latin", "Cyrl": "Cyrillic", "Arab": "Arabic", "Hebr": "Hebrew", "Grek": "Greek", "Deva": "Devanagari",
    "Beng": "Bengali", "Thai": "Thai", "Hans": "Han (Simplified)", "Hant": "Han (Traditional)", "Jpan": "Japanese",
    "Hang": "Hangul", "Ethi": "Ethiopic", "Armn": "Armenian", "Geor": "Georgian", "Taml": "Tamil", "Telu": "Telugu",
    "Gujr": "Gujarati", "Cans": "Canadian Aboriginal", "Cher": "Cherokee", "Copt": "Coptic", "Syrc": "Syriac",
    "Olck": "Ol Chiki",
}


# English names of the codes the shared corpora use beyond FLORES-200's languages.tsv (the training
# mix's Bible-only and rare-script languages), after ISO 639-3. SOURCES.md names some of them only
# inside prose ("Achuar-NT→acu_Latn"), too loosely to parse, so they are kept here.
LANGUAGE_NAMES = {
    "acu_Latn": "Achuar-Shiwiar", "agr_Latn": "Aguaruna", "ake_Latn": "Akawaio", "amu_Latn": "Guerrero Amuzgo",
    "ber_Latn": "Berber (Latin script)", "bsn_Latn": "Barasana-Eduria", "cak_Latn": "Kaqchikel",
    "cha_Latn": "Chamorro", "chq_Latn": "Quiotepec Chinantec", "chr_Cher": "Cherokee", "cjp_Latn": "Cabécar",
    "cni_Latn": "Asháninka", "cop_Copt": "Coptic", "djk_Latn": "Eastern Maroon Creole (Aukan)",
    "dop_Latn": "Lukpa", "ekk_Latn": "Standard Estonian", "gbi_Latn": "Galela", "glv_Latn": "Manx",
    "hbo_Hebr": "Ancient Hebrew", "jac_Latn": "Popti' (Jakalteko)", "jiv_Latn": "Shuar", "kbh_Latn": "Camsá",
    "lzh_Hans": "Literary Chinese (Simplified)", "mam_Latn": "Mam", "nhg_Latn": "Tetelcingo Nahuatl",
    "ojb_Cans": "Northwestern Ojibwa", "pot_Latn": "Potawatomi", "ppk_Latn": "Uma", "quc_Latn": "K'iche'",
    "qvi_Latn": "Imbabura Highland Quichua", "rmn_Latn": "Balkan Romani", "shi_Latn": "Tachelhit",
    "srp_Latn": "Serbian (Latin script)", "syc_Syrc": "Classical Syriac", "tmh_Latn": "Tamashek (Tuareg)",
    "usp_Latn": "Uspanteco", "wal_Latn": "Wolaytta",
}
