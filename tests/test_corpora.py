"""bpe.corpora: finding, listing, manifest verification (size and sha256), loading by language code,
and the Petrov et al. 2023 counts on the real FLORES-200 when the shared corpora are present."""
from __future__ import annotations

import hashlib
import lzma
import re

import pytest

from bpe import cli, corpora
from conftest import vendor
from tiny_corpus import SENTENCES, make_corpus


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """The tiny corpus with its own SHA256SUMS, a training mix with MANIFEST.tsv and a UDHR file."""
    root = make_corpus(tmp_path / "corpora")
    sums = []
    for split in ("dev", "devtest"):
        for code in SENTENCES:
            data = (root / "flores200" / split / f"{code}.{split}").read_bytes()
            sums.append(f"{hashlib.sha256(data).hexdigest()}  {split}/{code}.{split}")
    (root / "flores200" / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    multi = root / "train" / "multi"
    multi.mkdir(parents=True)
    text = "ሰላም ለዓለም\nሁለተኛ መስመር\n".encode("utf-8")
    (multi / "amh_Ethi.txt.xz").write_bytes(lzma.compress(text))
    udhr = "===== UDHR English [eng_Latn] =====\nAll human beings are born free.\n\n" \
           "===== UDHR Amharic [amh_Ethi] =====\nየሰው ልጆች ሁሉ\n"
    (multi / "udhr-mul.txt.xz").write_bytes(lzma.compress(udhr.encode("utf-8")))
    rows = ["path\tcompressed_bytes\tuncompressed_bytes\tsha256_of_uncompressed\tlines\tpart\tlang"]
    for name, raw, lang in (("amh_Ethi.txt.xz", text, "amh_Ethi"),
                            ("udhr-mul.txt.xz", udhr.encode("utf-8"), "mul (many scripts)")):
        size = (multi / name).stat().st_size
        rows.append(f"multi/{name}\t{size}\t{len(raw)}\t{hashlib.sha256(raw).hexdigest()}\t2\tmulti\t{lang}")
    (root / "train" / "MANIFEST.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    # The pinned manifest describes the real FLORES-200; point it away so the tiny files are judged
    # by their own checksum files.
    monkeypatch.setattr(corpora, "MANIFEST_PATH", tmp_path / "no-manifest.tsv")
    return root


def test_require_corpora_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("BPE_CORPORA", str(tmp_path / "nowhere"))
    monkeypatch.setattr(corpora, "PROJECT_ROOT", tmp_path / "proj")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(corpora.CorpusNotFoundError) as err:
        corpora.require_corpora(tmp_path / "given")
    msg = str(err.value)
    assert str(tmp_path / "given") in msg and "BPE_CORPORA" in msg and "--corpora" in msg


def test_named_folder_is_never_replaced_by_another(tiny, tmp_path, monkeypatch):
    # A valid folder exists beside the project, but the user named another one: say so, do not use the first.
    monkeypatch.delenv("BPE_CORPORA", raising=False)
    monkeypatch.setattr(corpora, "PROJECT_ROOT", tiny.parent / "proj")
    (tiny.parent / "shared").mkdir(exist_ok=True)
    (tiny.parent / "shared" / "corpora").symlink_to(tiny)
    assert corpora.find_corpora() == tiny.parent / "shared" / "corpora"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(corpora.CorpusNotFoundError) as err:
        corpora.require_corpora(empty)
    assert f"given path: {empty} (no flores200/ or train/ inside)" in str(err.value)
    monkeypatch.setenv("BPE_CORPORA", str(tmp_path / "typo"))
    assert corpora.find_corpora() is None
    with pytest.raises(corpora.CorpusNotFoundError, match=r"BPE_CORPORA: .*typo \(does not exist\)"):
        corpora.require_corpora()
    assert corpora.find_corpora(tiny) == tiny  # an explicit path still wins over BPE_CORPORA


def test_list_corpora(tiny):
    found = {c.name: c for c in corpora.list_corpora(tiny)}
    assert found["flores200-devtest"].languages == 4 and found["flores200-devtest"].files == 4
    assert found["udhr"].languages == 2
    assert found["train"].files == 2


def test_verify_sizes_and_hashes(tiny):
    assert corpora.verify_corpora(tiny) == (10, [])
    assert corpora.verify_corpora(tiny, full=True) == (10, [])
    # Same size, different content: only the full check sees it.
    path = tiny / "flores200" / "devtest" / "eng_Latn.devtest"
    path.write_text(path.read_text(encoding="utf-8").replace("ab ab", "xy xy"), encoding="utf-8")
    assert corpora.verify_corpora(tiny)[1] == []
    checked, problems = corpora.verify_corpora(tiny, full=True)
    assert len(problems) == 1 and "eng_Latn.devtest: sha256" in problems[0]
    # Truncated xz: the fast size check catches it.
    xz = tiny / "train" / "multi" / "amh_Ethi.txt.xz"
    xz.write_bytes(xz.read_bytes()[:-4])
    problems = corpora.verify_corpora(tiny)[1]
    assert len(problems) == 1 and "amh_Ethi.txt.xz" in problems[0] and "restore" in problems[0]


def test_load_checks_the_manifest(tiny):
    path = tiny / "flores200" / "devtest" / "fra_Latn.devtest"
    path.write_text("changed\n", encoding="utf-8")
    assert corpora.load_texts(tiny, ["fra_Latn"], verify="size")[0].sentences == ("changed",)  # no size in SHA256SUMS
    with pytest.raises(corpora.CorpusIntegrityError, match="fra_Latn.devtest"):
        corpora.load_texts(tiny, ["fra_Latn"], verify="full")
    with pytest.raises(ValueError, match="verify must be"):
        corpora.load_texts(tiny, ["fra_Latn"], verify="sometimes")


def test_pinned_manifest_size_mismatch(tiny, tmp_path, monkeypatch):
    rel = "flores200/devtest/eng_Latn.devtest"
    pinned = tmp_path / "pinned.tsv"
    pinned.write_text(f"{corpora.MANIFEST_HEADER}\n{rel}\t999\t{'0' * 64}\tfile\n", encoding="utf-8")
    monkeypatch.setattr(corpora, "MANIFEST_PATH", pinned)
    with pytest.raises(corpora.CorpusIntegrityError, match="manifest says 999"):
        corpora.load_texts(tiny, ["eng_Latn"], verify="size")


def test_read_manifest_error_names_file_and_line(tmp_path):
    bad = tmp_path / "manifest.tsv"
    bad.write_text(f"{corpora.MANIFEST_HEADER}\nflores200/x\tnot-a-size\tabc\tfile\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"manifest.tsv:2: .*build_manifest.py"):
        corpora.read_manifest(bad)


def test_load_flores_by_code(tiny):
    texts = corpora.load_texts(tiny, ["amh_Ethi", "eng_Latn"], "flores200-devtest")
    assert [t.language.code for t in texts] == ["amh_Ethi", "eng_Latn"]
    assert texts[0].language.script == "Ethiopic" and texts[0].language.name == "Amharic"
    assert texts[1].sentences == ("ab ab", "abc")
    both = corpora.load_texts(tiny, ["eng_Latn"], "flores200")[0]
    assert both.sentences == ("ab ab", "abc") * 2
    with pytest.raises(ValueError, match="xxx_Latn"):
        corpora.load_texts(tiny, ["xxx_Latn"])


def test_load_udhr_and_training_mix(tiny):
    udhr = {t.language.code: t for t in corpora.load_texts(tiny, None, "udhr")}
    assert udhr["eng_Latn"].sentences == ("All human beings are born free.",)
    assert udhr["amh_Ethi"].language.script == "Ethiopic"
    train = corpora.load_texts(tiny, ["amh_Ethi"], "train", verify="full")[0]
    assert train.sentences == ("ሰላም ለዓለም", "ሁለተኛ መስመር")
    with pytest.raises(ValueError, match="unknown corpus"):
        corpora.load_texts(tiny, None, "wikipedia")


def _add_english_prose(root, lines=("First English line.", "Second one.")):
    """An en/ file whose name carries no language code: only MANIFEST.tsv says it is eng_Latn."""
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    (root / "train" / "en").mkdir(exist_ok=True)
    path = root / "train" / "en" / "prose-books.txt.xz"
    path.write_bytes(lzma.compress(raw))
    with (root / "train" / "MANIFEST.tsv").open("a", encoding="utf-8") as f:
        f.write(f"en/prose-books.txt.xz\t{path.stat().st_size}\t{len(raw)}\t{hashlib.sha256(raw).hexdigest()}"
                f"\t{len(lines)}\ten\teng_Latn\n")
    corpora._MANIFEST_CACHE.pop(root, None)
    return path


def test_training_mix_codes_come_from_the_manifest_lang_column(tiny, capsys):
    prose = _add_english_prose(tiny)
    langs = corpora.training_languages(tiny)
    assert langs == {"amh_Ethi": [tiny / "train" / "multi" / "amh_Ethi.txt.xz"], "eng_Latn": [prose]}
    eng = corpora.load_texts(tiny, ["eng_Latn"], "train", verify="full")[0]
    assert eng.sentences == ("First English line.", "Second one.") and eng.language.name == "English"
    assert corpora.corpus_languages(tiny, "train") == ["amh_Ethi", "eng_Latn"]  # not the mixed udhr-mul
    assert {c.name: c.languages for c in corpora.list_corpora(tiny)}["train"] == 2
    assert cli.main(["corpora", "--corpora", str(tiny), "--languages", "train"]) == 0
    assert "eng_Latn   Latn  English" in capsys.readouterr().out


def test_training_mix_file_missing_from_the_manifest_is_still_found(tiny):
    extra = tiny / "train" / "multi" / "chr_Cher.txt.xz"
    extra.write_bytes(lzma.compress("ᏣᎳᎩ\n".encode("utf-8")))
    assert corpora.training_languages(tiny)["chr_Cher"] == [extra]
    assert corpora.load_texts(tiny, ["chr_Cher"], "train")[0].sentences == ("ᏣᎳᎩ",)


def test_training_mix_manifest_without_lang_column_is_an_error(tiny):
    (tiny / "train" / "MANIFEST.tsv").write_text("path\tbytes\nmulti/amh_Ethi.txt.xz\t1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"MANIFEST.tsv: header needs 'path' and 'lang'"):
        corpora.training_languages(tiny)


def test_corpus_languages_and_parallel(tiny):
    assert corpora.corpus_languages(tiny, "flores200-devtest") == sorted(SENTENCES)
    assert corpora.corpus_languages(tiny, "udhr") == ["eng_Latn", "amh_Ethi"]
    assert corpora.is_parallel("udhr") and corpora.is_parallel("flores200") and not corpora.is_parallel("train")
    with pytest.raises(ValueError, match="unknown corpus 'wiki'"):
        corpora.corpus_languages(tiny, "wiki")


def test_codes_outside_languages_tsv_have_names():
    for code, name, script in (("chr_Cher", "Cherokee", "Cherokee"), ("acu_Latn", "Achuar-Shiwiar", "Latin"),
                               ("cop_Copt", "Coptic", "Coptic"), ("srp_Latn", "Serbian (Latin script)", "Latin")):
        lang = corpora.language_info(None, code)
        assert (lang.name, lang.script) == (name, script)
    assert corpora.language_info(None, "zzz_Latn").name == "zzz_Latn"  # unknown: the code, not a guess


def test_cli_corpora(tiny, capsys):
    assert cli.main(["corpora", "--corpora", str(tiny), "--verify", "--full"]) == 0
    out = capsys.readouterr().out
    assert "flores200-devtest" in out and "never train on it" in out and "10 files checked, 0 problems" in out
    assert cli.main(["corpora", "--corpora", str(tiny), "--languages", "flores200-devtest"]) == 0
    assert "amh_Ethi   Ethi  Amharic" in capsys.readouterr().out


def test_cli_corpora_not_found(tmp_path, monkeypatch):
    monkeypatch.setattr(corpora, "PROJECT_ROOT", tmp_path / "proj")
    monkeypatch.delenv("BPE_CORPORA", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="Looked in"):
        cli.main(["corpora", "--corpora", str(tmp_path / "missing")])


# ====================
# The real corpora (skipped where absent)
# ====================


def test_shared_corpora_match_pinned_manifest_sizes(corpora_root):
    checked, problems = corpora.verify_corpora(corpora_root)
    assert problems == []
    assert checked >= 408 + 100


def test_petrov_published_counts(corpora_root, backend):
    tok = vendor("cl100k_base", backend)
    assert tok.count(corpora.petrov_text(corpora_root, "eng_Latn")) == 52_835
    assert tok.count(corpora.petrov_text(corpora_root, "amh_Ethi")) == 405_644


def test_every_shared_corpus_code_has_a_name(corpora_root):
    flores = {p.name.split(".")[0] for p in (corpora_root / "flores200" / "devtest").glob("*.devtest")}
    for line in (corpora_root / "flores200" / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        name = line.split()[-1].lstrip("*")
        if name.startswith(("dev/", "devtest/")):
            flores.add(name.split("/")[-1].split(".")[0])
    rows = (corpora_root / "train" / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    col = rows[0].split("\t").index("lang")
    train = {r.split("\t")[col] for r in rows[1:] if r.strip()}
    train = {c for c in train if re.fullmatch(r"[a-z]{3}_[A-Z][a-z]{3}", c)}  # not "c", "python", "mul (...)"
    assert len(flores) >= 204 and len(train) >= 92
    nameless = [c for c in sorted(flores | train) if corpora.language_info(corpora_root, c).name == c]
    assert nameless == []
    found = set(corpora.training_languages(corpora_root))
    assert train <= found  # found also holds files on disk that the manifest does not list
    assert [c for c in sorted(found) if corpora.language_info(corpora_root, c).name == c] == []
