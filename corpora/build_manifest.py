"""Regenerate corpora/manifest.tsv from a corpora folder (sizes and sha256 of every file).

Usage: python corpora/build_manifest.py [CORPORA_FOLDER]   (default: $BPE_CORPORA or ../shared/corpora)

Every hash is first checked against the folder's own flores200/SHA256SUMS and train/MANIFEST.tsv,
so a damaged folder cannot be pinned by accident.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from bpe import corpora  # noqa: E402


def main(argv: "list[str]") -> int:
    """Hash the corpora folder and write the manifest; returns the exit status."""
    root = corpora.require_corpora(argv[0] if argv else None)
    entries = corpora.build_manifest(root)
    corpora.write_manifest(entries)
    print(f"{corpora.MANIFEST_PATH}: {len(entries)} files from {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
