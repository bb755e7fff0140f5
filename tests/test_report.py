"""bpe.report: Markdown/CSV/JSON content, PNG charts, and the HTML report rendered in headless Chromium."""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from bpe import compare, corpora, report
from tiny_corpus import ab_tokenizer, byte_tokenizer, make_corpus

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import screenshot_report  # noqa: E402


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    root = make_corpus(tmp_path_factory.mktemp("corpora"))
    texts = corpora.load_texts(root, None, "flores200-devtest", verify="none")
    return compare.compare([byte_tokenizer(name="bytes"), ab_tokenizer(name="ab")], texts, progress=False,
                           corpus="tiny")


def test_markdown_tables(result):
    md = report.to_markdown(result, command="bpe compare --test")
    assert "`bpe compare --test`" in md
    assert "| bytes | 4 | 35 | " in md  # summary: 4 languages, 8+11+4+12 tokens
    assert "| eng_Latn | English | Latin | 8 | 8 | 1.000 | 1.00 | 5 | 0.625 | 1.00 |" in md
    assert "| 1 | amh_Ethi 1.50 | amh_Ethi 2.40 |" in md  # ab: 12 / 5
    assert "| Ethiopic | 1 |" in md
    worst = md.split("## Worst 10 languages (premium)")[1].split("##")[0]
    assert "\n| 4 | " in worst and "\n| 5 | " not in worst  # 4 languages: no empty ranks 5-10
    assert "|---|---|---|--:|--:|" in md  # chars column right-aligned like the other numbers


def test_markdown_table_helper():
    assert report.markdown_table(["a", "b"], [[1, "x|y"]], "lr") == "| a | b |\n|---|--:|\n| 1 | x\\|y |"


def test_csv_roundtrip(result):
    rows = list(csv.DictReader(io.StringIO(report.to_csv(result))))
    assert len(rows) == 8
    eng = next(r for r in rows if r["tokenizer"] == "ab" and r["language"] == "eng_Latn")
    assert eng["tokens"] == "5" and float(eng["premium"]) == 1.0
    summary = list(csv.DictReader(io.StringIO(report.summary_csv(result))))
    assert [s["tokenizer"] for s in summary] == ["bytes", "ab"]


def test_json_has_versions_and_everything(result):
    doc = json.loads(report.to_json(result, "cmd"))
    assert doc["command"] == "cmd" and doc["corpus"] == "tiny"
    assert {"bpe", "python", "backend"} <= set(doc["meta"]["versions"])
    assert len(doc["rows"]) == 8 and len(doc["summary"]) == 2 and doc["examples"]
    assert doc["meta"]["tokenizer_info"]["ab"]["n_vocab"] == 257


def test_charts_are_png(result):
    pytest.importorskip("matplotlib")
    for png in (report.premium_chart(result), report.heatmap_chart(result)):
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_html_is_self_contained(result):
    pytest.importorskip("matplotlib")
    page = report.to_html(result, command="cmd")
    assert page.count('src="data:image/png;base64,') == 2
    assert "http://" not in page and "https://" not in page  # nothing to fetch
    assert 'class="tok split"' in page  # Amharic characters split into byte tokens
    assert "Worst 10" in page and "Per script" in page


def test_write_report_all_formats(result, tmp_path):
    pytest.importorskip("matplotlib")
    written = report.write_report(result, tmp_path, command="cmd")
    names = sorted(p.name for p in written)
    assert names == ["comparison.csv", "comparison.html", "comparison.json", "comparison.md",
                     "comparison_premium.png", "comparison_scripts.png", "comparison_summary.csv"]
    with pytest.raises(ValueError, match="unknown report format"):
        report.write_report(result, tmp_path, ["pdf"])


def test_html_renders_in_headless_chromium(result, tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("PIL")
    if screenshot_report.find_chromium() is None:
        pytest.skip("no chromium found: install it with `apt-get install chromium` to run the render check")
    page = tmp_path / "report.html"
    page.write_text(report.to_html(result), encoding="utf-8")
    found = screenshot_report.probe(page)
    assert found["images"] == 2 and found["images_ok"] == 2, found  # both charts decoded
    assert found["tables"] >= 4 and found["tokens"] > 20
    shot = screenshot_report.screenshot(page, tmp_path / "shot.png", 1000, 1400)
    assert screenshot_report.non_blank_fraction(shot) > 0.02
    assert screenshot_report.colour_count(shot) > 16
