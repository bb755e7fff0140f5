"""Usage-log analysis: field names of each export, figures by hand, bad lines with file:line, the generator."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bpe.cli import main
from bpe.pricing import load_pricing
from bpe.usage import UsageLogError, analyze, generate_usage_log, generate_usage_text, parse_month, percentile

TABLE = load_pricing(use_env=False)
M = Decimal(1_000_000)


def write_jsonl(tmp_path, records, name="log.jsonl"):
    p = tmp_path / name
    p.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return p


LOG = [
    # ours: input includes cached
    {"timestamp": "2026-01-05T10:00:00Z", "model": "gpt-5.4", "endpoint": "chat", "input_tokens": 1000,
     "output_tokens": 100, "cached_input_tokens": 400},
    # OpenAI chat `usage` object nested, unix seconds (2026-01-20)
    {"created": 1768900000, "model": "gpt-5.4-2026-03-05", "endpoint": "chat",
     "usage": {"prompt_tokens": 2000, "completion_tokens": 200, "prompt_tokens_details": {"cached_tokens": 0}}},
    # Anthropic: input excludes cache reads
    {"starting_at": "2026-02-01T00:00:00Z", "model": "claude-sonnet-4.6", "workspace_id": "search",
     "input_tokens": 3000, "output_tokens": 300, "cache_read_input_tokens": 1000},
    {"timestamp": "2026-02-03T00:00:00Z", "model": "gpt-5.4", "endpoint": "chat", "input_tokens": 1000,
     "output_tokens": 100, "cached_input_tokens": 400},
]


def test_costs_by_hand(tmp_path):
    r = analyze([write_jsonl(tmp_path, LOG)], TABLE)
    rows = {(x["month"], x["endpoint"], x["model"]): x for x in r.rows}
    jan = rows["2026-01", "chat", "gpt-5.4"]
    # uncached 600 + 2000 = 2600 x 2.50; cached 400 x 0.25; output 300 x 15
    assert (jan["requests"], jan["uncached_input"], jan["cached_input"], jan["output"]) == (2, 2600, 400, 300)
    jan_total = (2600 * Decimal("2.50") + 400 * Decimal("0.25") + 300 * 15) / M
    assert jan["total"] == jan_total == Decimal("0.0111")  # (6500 + 100 + 4500) / 1M
    feb_search = rows["2026-02", "search", "claude-sonnet-4.6"]
    assert feb_search["total"] == (3000 * 3 + 1000 * Decimal("0.30") + 300 * 15) / M
    feb_chat = (600 * Decimal("2.50") + 400 * Decimal("0.25") + 100 * 15) / M
    assert r.month_totals == {"2026-01": jan_total, "2026-02": feb_search["total"] + feb_chat}
    ch = r.changes[0]
    assert ch["delta"] == r.month_totals["2026-02"] - jan_total
    drivers = {(d["kind"], d["name"]): d["delta"] for d in ch["drivers"]}
    assert drivers["endpoint", "search"] == feb_search["total"]
    assert drivers["endpoint", "chat"] == feb_chat - jan_total
    assert drivers["component", "output"] == (300 * 15 + 100 * 15 - 300 * 15) / M
    # the drivers of each kind add up to the total change
    for kind in ("endpoint", "model", "component"):
        assert sum(d["delta"] for d in ch["drivers"] if d["kind"] == kind) == ch["delta"]


def test_percentiles_nearest_rank(tmp_path):
    assert percentile([1, 2, 3, 4], 50) == 2 and percentile([1, 2, 3, 4], 99) == 4 and percentile([], 50) == 0
    r = analyze([write_jsonl(tmp_path, LOG)], TABLE)
    # inputs per request: 1000, 2000, 4000, 1000 -> sorted 1000, 1000, 2000, 4000
    assert r.percentiles["all"]["p50_input"] == 1000 and r.percentiles["all"]["max_input"] == 4000
    assert r.percentiles["all"]["p90_input"] == 4000


def test_waste_and_remedies_by_hand(tmp_path):
    base = {"model": "gpt-5.4", "endpoint": "chat", "output_tokens": 10}
    recs = [dict(base, timestamp=f"2026-01-0{i + 1}T00:00:00Z", input_tokens=n, cached_input_tokens=c,
                 prefix_hash="sys-v1", prefix_tokens=500) for i, (n, c) in
            enumerate([(1000, 500), (1000, 0), (1000, 0), (9000, 500)])]
    r = analyze([write_jsonl(tmp_path, recs)], TABLE, truncate_to=2000)
    waste = {w["kind"]: w for w in r.waste}
    # median input 1000; 9000 > 4 x 1000: 8000 tokens above the median x 2.50
    assert waste["oversized requests"]["dollars"] == 8000 * Decimal("2.50") / M
    # the prefix was seen on line 1; lines 2 and 3 re-sent it uncached: 2 x 500 tokens
    assert waste["uncached repeated prefix"]["dollars"] == 1000 * Decimal("2.50") / M
    rem = {x["remedy"].split(" ")[0]: x for x in r.remedies}
    assert rem["prompt"]["saving"] == 1000 * (Decimal("2.50") - Decimal("0.25")) / M
    assert rem["truncate"]["saving"] == 7000 * Decimal("2.50") / M
    # routing 30% of gpt-5.4 to the cheapest model (deepseek-r1): the same tokens at its prices
    uncached, cached, out = 500 + 1000 + 1000 + 8500, 1000, 40
    here = (uncached * Decimal("2.50") + cached * Decimal("0.25") + out * 15) / M
    there = (uncached * Decimal("0.55") + cached * Decimal("0.55") + out * Decimal("2.19")) / M
    assert rem["route"]["saving"] == (here - there) * Decimal("0.3")


@pytest.mark.parametrize("line, message", [
    ({"model": "gpt-5.4", "input_tokens": 1, "output_tokens": 1}, "missing field timestamp"),
    ({"timestamp": "2026-01-01", "model": "gpt-5.4", "input_tokens": -5, "output_tokens": 1}, "must be >= 0"),
    ({"timestamp": "2026-01-01", "model": "gpt-5.4", "input_tokens": 1.5, "output_tokens": 1},
     "input_tokens must be a non-negative integer, got 1.5"),
    ({"timestamp": "2026-01-01", "model": "gpt-5.4", "input_tokens": "--3", "output_tokens": 1},
     "input_tokens must be a non-negative integer, got '--3'"),
    ({"timestamp": "2026-01-01", "model": "gpt-5.4", "requests": 0, "input_tokens": 10, "output_tokens": 1},
     "requests is 0 but the line has 11 tokens"),
    # a date written as a number would be filed under 1970-08; a negative time under 1969-12
    ({"timestamp": 20260301, "model": "gpt-5.4", "input_tokens": 1, "output_tokens": 1}, "implausible timestamp"),
    ({"timestamp": -5.0, "model": "gpt-5.4", "input_tokens": 1, "output_tokens": 1}, "implausible timestamp"),
    ({"timestamp": "2026-01-01", "model": "gpt-9", "input_tokens": 1, "output_tokens": 1}, "unknown model 'gpt-9'"),
    ({"timestamp": "last tuesday", "model": "gpt-5.4", "input_tokens": 1, "output_tokens": 1}, "unreadable timestamp"),
    ({"timestamp": "2026-01-01", "model": "gpt-5.4", "input_tokens": 1}, "missing field output_tokens"),
    ("{not json", "invalid JSON"),
])
def test_bad_line_rejected_with_file_and_line(tmp_path, line, message):
    p = write_jsonl(tmp_path, [LOG[0], line])
    with pytest.raises(UsageLogError, match=message) as exc:
        analyze([p], TABLE)
    assert f"{p}:2:" in str(exc.value) and "--skip-bad" in str(exc.value)
    r = analyze([p], TABLE, skip_bad=True)
    assert r.bad.count == 1 and r.lines == 2 and f"{p}:2:" in r.bad.examples[0]


def test_csv_line_numbers_and_parse_month(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text("timestamp,model,endpoint,input_tokens,output_tokens\n2026-01-01,gpt-5.4,a,10,1\n"
                 "2026-01-02,gpt-5.4,a,ten,1\n")
    with pytest.raises(UsageLogError, match=r"log\.csv:3: input_tokens must be a non-negative integer, got 'ten'"):
        analyze([p], TABLE)
    assert parse_month("2026-03-31T23:59:59Z") == "2026-03"
    assert parse_month(1767225600) == "2026-01" and parse_month("1767225600000") == "2026-01"


def test_generator_is_seeded_and_readable(tmp_path):
    assert generate_usage_text(200, seed=3) == generate_usage_text(200, seed=3)
    assert generate_usage_text(200, seed=3) != generate_usage_text(200, seed=4)
    for flavor in ("own", "openai", "anthropic"):
        p = tmp_path / f"{flavor}.csv"
        generate_usage_log(p, 300, seed=1, fmt="csv", flavor=flavor)
        r = analyze([p], TABLE)
        assert r.lines == 300 and r.bad.count == 0 and len(r.months) == 3
    r = analyze([write_jsonl(tmp_path, generate_usage_text(3000, seed=1).splitlines())], TABLE)
    last = r.changes[-1]
    top_endpoint = max((d for d in last["drivers"] if d["kind"] == "endpoint"), key=lambda d: d["delta"])
    assert top_endpoint["name"] == "search"  # the generator doubles search input in the last month


def test_cli_report_formats_and_chart(tmp_path, capsys):
    log = tmp_path / "u.jsonl"
    assert main(["usage", "generate", "-o", str(log), "--lines", "500", "--seed", "2"]) == 0
    assert main(["usage", "report", str(log), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["lines"] == 500 and data["months"] == ["2026-01", "2026-02", "2026-03"]
    md = tmp_path / "r.md"
    assert main(["usage", "report", str(log), "--format", "markdown", "-o", str(md)]) == 0
    assert "## Cost by month x endpoint x model" in md.read_text()
    png = tmp_path / "c.png"
    assert main(["usage", "report", str(log), "--chart", str(png)]) == 0
    err = capsys.readouterr().err
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in err
    else:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("stamp", ["2026-02-30", "2026-04-31T10:00:00Z", "2026-01-05T25:00:00Z", "2026-01-05T10:61"])
def test_impossible_dates_and_times_are_unreadable(stamp):
    with pytest.raises(ValueError, match="unreadable timestamp"):
        parse_month(stamp)
    assert parse_month("2024-02-29T23:59:59.5Z") == "2024-02"  # a leap day is real


def test_skip_bad_counts_group_by_cause_not_value(tmp_path, capsys):
    ok = {"timestamp": "2026-01-01", "model": "gpt-5.4", "input_tokens": 1, "output_tokens": 1}
    bad = [dict(ok, input_tokens=-3), dict(ok, input_tokens=-7), dict(ok, timestamp="soon"),
           dict(ok, timestamp="2026-02-30"), dict(ok, model="gpt-9")]
    p = write_jsonl(tmp_path, [ok, *bad])
    r = analyze([p], TABLE, skip_bad=True)
    assert r.bad.count == 5 and r.lines == 6
    assert dict(r.bad.reasons) == {"input_tokens must be >= 0": 2, "unreadable timestamp": 2,
                                   "unknown model 'gpt-9'": 1}
    assert main(["usage", "report", str(p), "--skip-bad"]) == 0
    assert "skipped 5 bad lines: input_tokens must be >= 0 (2)" in capsys.readouterr().err


def test_unknown_model_message_reads_cleanly(tmp_path):
    p = write_jsonl(tmp_path, [{"timestamp": "2026-01-01", "model": "gpt-9", "input_tokens": 1, "output_tokens": 1}])
    with pytest.raises(UsageLogError) as exc:
        analyze([p], TABLE)
    assert ".." not in str(exc.value) and f"{p}:1: unknown model 'gpt-9'" in str(exc.value)


def test_text_tables_right_align_numbers_and_cache_write_note(tmp_path):
    recs = [{"timestamp": "2026-01-01", "model": "gpt-5.4", "endpoint": "a", "input_tokens": 5,
             "output_tokens": 1},
            {"timestamp": "2026-01-02", "model": "gpt-5.4", "endpoint": "a", "input_tokens": 123456,
             "output_tokens": 1}]
    r = analyze([write_jsonl(tmp_path, recs)], TABLE)
    lines = r.to_text().splitlines()
    head = next(ln for ln in lines if "uncached input" in ln)
    row = lines[lines.index(head) + 1]
    # 123,461 uncached input tokens end where the header "uncached input" ends
    assert row[:head.index("uncached input") + len("uncached input")].endswith("123,461")
    assert "|--:|" in r.to_markdown()
    assert not any("cache-write" in n for n in r.notes)  # no Anthropic cache writes in this log
    anth = {"starting_at": "2026-01-01", "model": "claude-sonnet-4.6", "input_tokens": 100, "output_tokens": 1,
            "cache_creation_input_tokens": 2000}
    r = analyze([write_jsonl(tmp_path, [anth], "a.jsonl")], TABLE)
    assert r.rows[0]["uncached_input"] == 2100
    assert any(n.startswith("2,000 Anthropic cache-write tokens") for n in r.notes)


def test_vendor_model_ids_priced_in_report(tmp_path, capsys):
    # Anthropic logs its API id with hyphens and a date; the table's id is claude-sonnet-4.6
    line = {"starting_at": "2026-03-01T00:00:00Z", "model": "claude-sonnet-4-6-20260101", "workspace_id": "search",
            "input_tokens": 1000, "output_tokens": 100, "cache_read_input_tokens": 500}
    p = write_jsonl(tmp_path, [line])
    assert main(["usage", "report", str(p), "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert row["model"] == "claude-sonnet-4.6"
    # 1000 x 3.00 + 500 x 0.30 + 100 x 15 = 3000 + 150 + 1500 = 4650 per 1M
    assert Decimal(row["total"]) == Decimal("0.00465")


def test_cached_and_cache_write_fields_of_each_export(tmp_path):
    recs = [
        # OpenAI Responses API: input_tokens includes the 800 cached ones
        {"created_at": "2026-03-01T00:00:00Z", "model": "gpt-5.4", "endpoint": "responses",
         "usage": {"input_tokens": 1000, "input_tokens_details": {"cached_tokens": 800}, "output_tokens": 10}},
        # Anthropic: the total and its breakdown describe the same 2000 cache-write tokens
        {"starting_at": "2026-03-01T00:00:00Z", "model": "claude-sonnet-4.6", "endpoint": "both",
         "input_tokens": 100, "output_tokens": 10, "cache_creation_input_tokens": 2000,
         "cache_creation": {"ephemeral_5m_input_tokens": 2000}},
        # Anthropic Messages `usage` with only the breakdown: 1500 + 500 cache-write tokens
        {"starting_at": "2026-03-01T00:00:00Z", "model": "claude-sonnet-4.6", "endpoint": "parts",
         "usage": {"input_tokens": 100, "output_tokens": 10,
                   "cache_creation": {"ephemeral_5m_input_tokens": 1500, "ephemeral_1h_input_tokens": 500}}},
    ]
    r = analyze([write_jsonl(tmp_path, recs)], TABLE)
    rows = {x["endpoint"]: (x["uncached_input"], x["cached_input"]) for x in r.rows}
    assert rows == {"responses": (200, 800), "both": (2100, 0), "parts": (2100, 0)}
    # 200 x 2.50 + 800 x 0.25 + 10 x 15 = 500 + 200 + 150 per 1M
    assert next(x["total"] for x in r.rows if x["endpoint"] == "responses") == Decimal("0.00085")
    assert any(n.startswith("4,000 Anthropic cache-write tokens") for n in r.notes)  # 2000 + 2000


def test_byte_order_mark_loses_no_line(tmp_path):
    bom = "\ufeff"
    jsonl = tmp_path / "bom.jsonl"
    jsonl.write_text(bom + "".join(json.dumps(dict(LOG[0], input_tokens=n, cached_input_tokens=0)) + "\n"
                                   for n in (10, 20)), encoding="utf-8")
    csv_log = tmp_path / "bom.csv"
    csv_log.write_text(bom + "timestamp,model,input_tokens,output_tokens\n2026-01-01,gpt-5.4,10,1\n"
                             "2026-01-02,gpt-5.4,20,1\n", encoding="utf-8")
    for p in (jsonl, csv_log):
        r = analyze([p], TABLE)
        assert (r.lines, r.bad.count) == (2, 0)
        assert (r.rows[0]["requests"], r.rows[0]["uncached_input"]) == (2, 30)  # 10 + 20


@pytest.mark.parametrize("row, fields", [("2026-01-01,gpt-5.4,10,1,99", 5), ("2026-01-01,gpt-5.4,10", 3)])
def test_csv_row_with_wrong_field_count_rejected(tmp_path, row, fields):
    p = tmp_path / "log.csv"
    p.write_text(f"timestamp,model,input_tokens,output_tokens\n2026-01-01,gpt-5.4,10,1\n{row}\n")
    with pytest.raises(UsageLogError, match=rf"log\.csv:3: {fields} fields but the header has 4 columns"):
        analyze([p], TABLE)
    r = analyze([p], TABLE, skip_bad=True)
    assert (r.lines, r.bad.count, r.rows[0]["requests"]) == (2, 1, 1)


def test_zero_requests_without_tokens_is_an_empty_bucket(tmp_path):
    line = {"timestamp": "2026-01-01", "model": "gpt-5.4", "num_model_requests": 0, "input_tokens": 0,
            "output_tokens": 0}
    r = analyze([write_jsonl(tmp_path, [line])], TABLE)
    assert (r.rows[0]["requests"], r.rows[0]["total"]) == (0, 0)


def test_timestamps_from_2000_on():
    assert parse_month(946684800) == "2000-01" and parse_month(946684800000) == "2000-01"  # seconds, ms
    for value in (946684799, 20260301, "20260301", -5.0, 0):
        with pytest.raises(ValueError, match=r"implausible timestamp \(unix time before 2000-01-01\)"):
            parse_month(value)


def test_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match=rf"{tmp_path}: is a folder; pass the log files in it"):
        main(["usage", "report", str(tmp_path)])


def test_bucketed_lines_say_percentiles_are_per_line(tmp_path):
    base = {"timestamp": "2026-01-01", "model": "gpt-5.4", "endpoint": "a", "output_tokens": 0}
    recs = [dict(base, num_model_requests=10, input_tokens=10_000), dict(base, input_tokens=5000)]
    r = analyze([write_jsonl(tmp_path, recs)], TABLE)
    # per line: 10,000 / 10 = 1,000 and 5,000; nearest-rank p50 of 2 values is the 1st: 1,000
    # (weighted by the 11 requests it would also be 1,000, but p90 would be 1,000, not 5,000)
    assert r.percentiles["all"]["p50_input"] == 1000 and r.percentiles["all"]["p90_input"] == 5000
    assert "note: 1 of 2 log lines count other than one request" in r.to_text()
    assert "per log line" in r.to_text()
    unbucketed = analyze([write_jsonl(tmp_path, LOG, "plain.jsonl")], TABLE)
    assert not any("per log line" in n for n in unbucketed.notes)
