"""Locate the corpora: FLORES-200 (evaluation) and the training mix, or a self-made fallback.

Search order: a path given by the caller, then `$BPE_CORPORA`, then `../shared/corpora` beside the
project (the layout of the development machines). A fresh clone without any of them falls back to
the running Python's standard library as code plus a small multilingual sample written by
`write_fallback_sample`, and says so.
"""
from __future__ import annotations

import os
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CorpusNotFoundError(FileNotFoundError):
    """No corpus folder was found; the message lists where we looked and what to pass."""


def candidate_roots(path: "str | os.PathLike[str] | None" = None) -> list[tuple[str, Path]]:
    """(label, folder) of every place a corpora folder may be, in search order."""
    places = []
    if path is not None:
        places.append(("argument", Path(path)))
    if os.environ.get("BPE_CORPORA"):
        places.append(("BPE_CORPORA", Path(os.environ["BPE_CORPORA"])))
    places.append(("beside the project", PROJECT_ROOT.parent / "shared" / "corpora"))
    places.append(("current folder", Path.cwd().parent / "shared" / "corpora"))
    return places


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
        tried = "\n  - ".join(f"{label}: {p}" for label, p in candidate_roots(path))
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
