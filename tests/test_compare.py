"""bpe.compare on the tiny hand-made corpus: counts, ratios, premiums, summaries, train-and-compare, CLI."""
from __future__ import annotations

import hashlib
import json
import lzma

import pytest

from bpe import cli, compare, corpora, metrics
from tiny_corpus import BYTES, CHARS, SENTENCES, ab_tokenizer, byte_tokenizer, make_corpus


@pytest.fixture
def tiny(tmp_path):
    return make_corpus(tmp_path / "corpora")


def _texts(root, languages=None):
    return corpora.load_texts(root, languages, "flores200-devtest", verify="none")


def test_rows_match_hand_counts(tiny, backend):
    result = compare.compare([byte_tokenizer(backend)], _texts(tiny), progress=False, examples=None)
    rows = {r["language"]: r for r in result.rows}
    assert set(rows) == set(SENTENCES)
    for code, row in rows.items():
        assert row["tokens"] == BYTES[code]  # one token per byte
        assert row["chars"] == CHARS[code]
        assert row["bytes"] == BYTES[code]
        assert row["sentences"] == 2
        assert row["tokens_per_char"] == BYTES[code] / CHARS[code]
        assert row["chars_per_token"] == CHARS[code] / BYTES[code]
        assert row["bytes_per_token"] == 1.0
        assert row["tokens_per_sentence"] == BYTES[code] / 2
    assert rows["eng_Latn"]["premium"] == 1.0
    assert rows["fra_Latn"]["premium"] == 11 / 8
    assert rows["amh_Ethi"]["premium"] == 12 / 8
    assert rows["deu_Latn"]["premium"] == 0.5


def test_merge_changes_counts_and_premium(tiny, backend):
    result = compare.compare([ab_tokenizer(backend)], _texts(tiny), progress=False, examples=None)
    rows = {r["language"]: r for r in result.rows}
    assert rows["eng_Latn"]["tokens"] == 5  # "ab" + " " "ab" + "ab" "c"
    assert rows["deu_Latn"]["tokens"] == 2  # "ab" "ab"
    assert rows["eng_Latn"]["premium"] == 1.0
    assert rows["deu_Latn"]["premium"] == 2 / 5


def test_summaries(tiny):
    result = compare.compare([byte_tokenizer(name="bytes"), ab_tokenizer(name="ab")], _texts(tiny),
                             progress=False, examples=None)
    summary = {s["tokenizer"]: s for s in result.summary()}
    prem = [1.0, 11 / 8, 0.5, 12 / 8]
    assert summary["bytes"]["mean_premium"] == pytest.approx(sum(prem) / 4)
    assert summary["bytes"]["median_premium"] == pytest.approx((1.0 + 11 / 8) / 2)
    assert summary["bytes"]["worst_language"] == "amh_Ethi"
    assert summary["bytes"]["tokens"] == sum(BYTES.values())
    worst = [w for w in result.worst(10) if w["tokenizer"] == "bytes"]
    assert [w["language"] for w in worst] == ["amh_Ethi", "fra_Latn", "eng_Latn", "deu_Latn"]
    assert [w["rank"] for w in worst] == [1, 2, 3, 4]
    scripts = {(s["tokenizer"], s["script"]): s for s in result.scripts()}
    assert scripts[("bytes", "Latin")]["languages"] == 3
    assert scripts[("bytes", "Latin")]["mean_premium"] == pytest.approx((1.0 + 11 / 8 + 0.5) / 3)
    assert scripts[("bytes", "Ethiopic")]["mean_tokens_per_char"] == 3.0


def test_no_reference_language_leaves_premium_empty(tiny):
    result = compare.compare([byte_tokenizer()], _texts(tiny, ["fra_Latn"]), progress=False, examples=None)
    assert result.rows[0]["premium"] is None
    assert result.summary()[0]["mean_premium"] is None


def test_examples_hold_token_spans(tiny):
    result = compare.compare([ab_tokenizer()], _texts(tiny), progress=False)
    eng = next(e for e in result.examples if e["language"] == "eng_Latn")
    assert eng["sentence"] == "ab ab"
    assert eng["tokens"]["ab"] == [["ab", [256]], [" ", [32]], ["ab", [256]]]
    amh = next(e for e in result.examples if e["language"] == "amh_Ethi")
    assert amh["tokens"]["ab"][0] == ["ሰ", [0xE1, 0x88, 0xB0]]  # one character, three byte tokens


def test_duplicate_names_and_empty_list_are_rejected(tiny):
    with pytest.raises(ValueError, match="names must differ"):
        compare.compare([byte_tokenizer(), byte_tokenizer()], _texts(tiny), progress=False)
    with pytest.raises(ValueError, match="no tokenizers"):
        compare.compare([], _texts(tiny), progress=False)


def test_train_once_and_cut_equals_training_each_size():
    text = [t * 3 for t in corpora.FALLBACK_SAMPLE.values()]
    small, big = compare.train_tokenizers([300, 270], text, progress=False)
    assert (small.name, big.name) == ("trained-270", "trained-300")
    assert small.n_vocab == 270 and big.n_vocab == 300
    direct = compare.train_tokenizers([270], text, progress=False)[0]
    assert small.mergeable_ranks == direct.mergeable_ranks


def test_train_rejects_byte_sized_vocab():
    with pytest.raises(ValueError, match="> 256"):
        compare.train_tokenizers([256], ["abc"], progress=False)


def test_cli_compare_with_saved_tokenizer_and_training(tiny, tmp_path, capsys):
    saved = tmp_path / "ab.tiktoken"
    ab_tokenizer(name="ab").save(saved)
    train_dir = tmp_path / "train_text"
    train_dir.mkdir()
    (train_dir / "a.txt").write_text("ab ab abc abd " * 50, encoding="utf-8")
    out = tmp_path / "report"
    code = cli.main(["compare", "--corpora", str(tiny), "--languages", "all", "-t", str(saved),
                     "--train", "260", "--train-corpus", str(train_dir), "--out", str(out),
                     "--format", "md,csv,json", "--verify", "none", "-q"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "| ab |" in printed and "trained-260" in printed
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert doc["tokenizers"] == ["ab", "trained-260"]
    assert doc["meta"]["train"]["sizes"] == [260]
    assert "bpe" in doc["meta"]["versions"] and "python" in doc["meta"]["versions"]
    eng = [r for r in doc["rows"] if r["language"] == "eng_Latn"]
    assert [r["premium"] for r in eng] == [1.0, 1.0]
    assert (out / "comparison.csv").read_text(encoding="utf-8").startswith("tokenizer,language,")


def test_cli_compare_unknown_language_names_the_file(tiny):
    with pytest.raises(SystemExit, match="xxx_Latn"):
        cli.main(["compare", "--corpora", str(tiny), "--languages", "xxx_Latn", "-t", "cl100k_base", "--verify", "none", "-q"])


def test_premium_matches_metrics_function(tiny):
    result = compare.compare([byte_tokenizer()], _texts(tiny), progress=False, examples=None)
    rows = {r["language"]: r for r in result.rows}
    assert rows["amh_Ethi"]["premium"] == metrics.premium(rows["amh_Ethi"]["tokens"], rows["eng_Latn"]["tokens"])


# ====================
# Default languages a corpus lacks; premium only on parallel text
# ====================


def _add_udhr_and_training_mix(root):
    """UDHR blocks for English and Amharic only, and a training mix whose English file is named by its manifest."""
    multi = root / "train" / "multi"
    en = root / "train" / "en"
    multi.mkdir(parents=True)
    en.mkdir()
    udhr = "===== UDHR English [eng_Latn] =====\nab ab\n===== UDHR Amharic [amh_Ethi] =====\nሰላም\n"
    files = {"multi/udhr-mul.txt.xz": (udhr, "mul (many scripts)"), "en/books.txt.xz": ("ab ab\nabc\n", "eng_Latn"),
             "multi/amh_Ethi.txt.xz": ("ሰላም ሰ\n", "amh_Ethi")}
    rows = ["path\tcompressed_bytes\tuncompressed_bytes\tsha256_of_uncompressed\tlines\tpart\tlang"]
    for rel, (text, lang) in files.items():
        raw = text.encode("utf-8")
        (root / "train" / rel).write_bytes(lzma.compress(raw))
        size = (root / "train" / rel).stat().st_size
        rows.append(f"{rel}\t{size}\t{len(raw)}\t{hashlib.sha256(raw).hexdigest()}\t1\t{rel.split('/')[0]}\t{lang}")
    (root / "train" / "MANIFEST.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def saved_ab(tmp_path):
    path = tmp_path / "ab.tiktoken"
    ab_tokenizer(name="ab").save(path)
    return str(path)


def test_cli_default_languages_keep_those_the_corpus_has(tiny, saved_ab, tmp_path, capsys, monkeypatch):
    _add_udhr_and_training_mix(tiny)
    # The pinned manifest describes the real corpora; judge the tiny files by their own MANIFEST.tsv.
    monkeypatch.setattr(corpora, "MANIFEST_PATH", tmp_path / "no-manifest.tsv")
    out = tmp_path / "udhr"
    assert cli.main(["compare", "--corpora", str(tiny), "--corpus", "udhr", "-t", saved_ab, "--out", str(out),
                     "--format", "json", "--verify", "none", "-q"]) == 0
    captured = capsys.readouterr()
    assert "lacks 13 of the 15 languages" in captured.err and "fra_Latn" in captured.err
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert [r["language"] for r in doc["rows"]] == ["eng_Latn", "amh_Ethi"]
    assert doc["notes"][0].startswith("--corpus udhr lacks 13 of the 15") and "## Notes" in captured.out
    assert [r["premium"] for r in doc["rows"]] == [1.0, 9 / 3]  # UDHR is parallel: "ab ab" 3 tokens, "ሰላም" 9 bytes
    assert cli.main(["compare", "--corpora", str(tiny), "--corpus", "train", "-t", saved_ab, "--verify", "full",
                     "-q"]) == 0
    assert "| eng_Latn | English |" in capsys.readouterr().out


def test_cli_named_language_missing_from_the_corpus_is_still_an_error(tiny, saved_ab):
    _add_udhr_and_training_mix(tiny)
    with pytest.raises(SystemExit, match="no UDHR text for 'fra_Latn'"):
        cli.main(["compare", "--corpora", str(tiny), "--corpus", "udhr", "--languages", "fra_Latn,amh_Ethi",
                  "-t", saved_ab, "--verify", "none", "-q"])
    with pytest.raises(SystemExit, match="no UDHR text for 'deu_Latn'"):
        cli.main(["compare", "--corpora", str(tiny), "--corpus", "udhr", "--reference", "deu_Latn",
                  "-t", saved_ab, "--verify", "none", "-q"])


def test_no_premium_on_the_training_mix(tiny, saved_ab, tmp_path, capsys):
    _add_udhr_and_training_mix(tiny)
    out = tmp_path / "train"
    assert cli.main(["compare", "--corpora", str(tiny), "--corpus", "train", "--reference", "eng_Latn",
                     "-t", saved_ab, "--out", str(out), "--format", "md,json,csv", "--verify", "none", "-q"]) == 0
    captured = capsys.readouterr()
    assert "--reference eng_Latn ignored: train is not parallel text" in captured.err
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert doc["parallel"] is False and {r["premium"] for r in doc["rows"]} == {None}
    assert doc["summary"][0]["mean_premium"] is None and doc["worst"] == []
    assert any("not parallel text" in n for n in doc["notes"])
    md = (out / "comparison.md").read_text(encoding="utf-8")
    assert "same sentences" not in md and "premium" not in md.split("## Notes")[0].replace("No premium", "")
    assert "| amh_Ethi | Amharic | Ethiopic | 5 | 13 | 2.600 |" in md  # "ሰላም ሰ": 5 chars, 13 byte tokens


def test_compare_api_premium_only_on_parallel_text(tiny):
    texts = [corpora.LanguageText(t.language, t.sentences, "train") for t in _texts(tiny)]
    result = compare.compare([byte_tokenizer()], texts, progress=False, examples=None)
    assert result.parallel is False and all(r["premium"] is None for r in result.rows)
    assert "not parallel text" in result.notes[0]
    forced = compare.compare([byte_tokenizer()], texts, progress=False, examples=None, parallel=True)
    assert {r["language"]: r["premium"] for r in forced.rows}["amh_Ethi"] == 12 / 8
    assert forced.notes == []


def test_parallel_without_reference_says_why_premium_is_empty(tiny):
    result = compare.compare([byte_tokenizer()], _texts(tiny, ["fra_Latn"]), progress=False, examples=None)
    assert result.parallel is True and "eng_Latn is not among the languages" in result.notes[0]


def test_report_without_parallel_text_has_no_premium_chart_or_claim(tiny, tmp_path):
    pytest.importorskip("matplotlib")
    from bpe import report

    texts = [corpora.LanguageText(t.language, t.sentences, "train") for t in _texts(tiny)]
    result = compare.compare([byte_tokenizer()], texts, progress=False, examples=None)
    written = sorted(p.name for p in report.write_report(result, tmp_path, ["png", "html"]))
    assert written == ["comparison.html", "comparison_scripts.png"]
    page = (tmp_path / "comparison.html").read_text(encoding="utf-8")
    assert "same sentences" not in page and "Worst 10" not in page and "not parallel text" in page
    assert page.count('src="data:image/png;base64,') == 1
