"""Cost calculations: the issue's worked checks, history mode, what-ifs, text and language costs, fit_messages."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

import bpe
from bpe.cli import main
from bpe.cost import (Workload, money, parallel_costs, text_costs, whatif_cut_output, whatif_route_share,
                      whatif_switch_model, workload_cost)
from bpe.budget import BudgetError
from bpe.pricing import load_pricing

TABLE = load_pricing(use_env=False)

CHAT = Workload(system_prompt_tokens=500, messages_per_conversation=10, user_tokens=50, assistant_tokens=200,
                conversations_per_day=1000, days_per_month=30)
REPO = Workload(system_prompt_tokens=50_000, user_tokens=100, assistant_tokens=500, conversations_per_month=10_000)


def test_worked_check_chat():
    c = workload_cost(CHAT, "gpt-5.4", pricing=TABLE)
    # cached prompt 500 x 0.25/1M = 0.000125; input 10 x 50 x 2.50/1M = 0.00125; output 10 x 200 x 15/1M = 0.03
    assert [ln.dollars for ln in c.lines] == [Decimal("0.000125"), Decimal("0.00125"), Decimal("0.03")]
    assert c.per_conversation == Decimal("0.031375")
    assert c.per_day == Decimal("31.375")
    assert c.per_month == Decimal("941.25")  # 0.031375 x 1000 x 30
    assert c.mode == "simple"
    text = c.explain()
    assert "cached prompt: 500 tokens x $0.25/1M = $0.000125" in text and "$941.25" in text


def test_worked_check_repository_context():
    c = workload_cost(REPO, "gpt-5.4", pricing=TABLE)
    # 50,000 x 0.25/1M = 0.0125; 100 x 2.50/1M = 0.00025; 500 x 15/1M = 0.0075
    assert c.per_conversation == Decimal("0.02025")
    assert c.per_month == Decimal("202.50")
    # a monthly volume is spread over the 30 days, not priced as the default 1 conversation a day
    assert c.per_day == Decimal("6.75")  # 202.50 / 30


def test_history_mode_by_hand():
    w = replace(CHAT, mode="history")
    cached, uncached, output = w.token_totals()
    # turn 1: 500 cached system, 50 new; turns 2..10: previous prompt cached, 200 answer + 50 user new
    assert uncached == 50 + 9 * 250
    assert cached == 500 + sum(500 + (i - 2) * 250 + 50 for i in range(2, 11))  # 14,450
    assert output == 2000
    c = workload_cost(w, "gpt-5.4", pricing=TABLE)
    assert c.per_conversation == (Decimal(14_450) * Decimal("0.25") + Decimal(2300) * Decimal("2.50")
                                  + Decimal(2000) * 15) / 1_000_000
    assert c.mode == "history"
    # without history caching only the system prompt is cached: inputs 550 + 800 + ... + 2800
    nc = replace(w, cache_history=False).token_totals()
    assert nc == (500 * 10, sum(50 + (i - 1) * 250 for i in range(1, 11)), 2000)


def test_no_cache_and_batch_and_no_cached_price():
    w = replace(CHAT, system_prompt_cached=False, batch=True)
    c = workload_cost(w, "gpt-5.4", pricing=TABLE)
    # (1000 x 2.50 + 2000 x 15) / 1M = 0.0325, halved by the batch API
    assert c.per_conversation == Decimal("0.01625")
    pro = workload_cost(CHAT, "gpt-5.4-pro", pricing=TABLE)
    assert any("no cached-input price" in n for n in pro.notes)
    # cached 500 at the input price 30: (1000 x 30 + 2000 x 180) / 1M = 0.39
    assert pro.per_conversation == Decimal("0.39")


def test_whatifs_by_hand():
    r = whatif_route_share(CHAT, "gpt-5.4", "gpt-5.4-mini", 0.3, pricing=TABLE)
    # mini per conversation: 500 x 0.075 + 500 x 0.75 + 2000 x 4.50 = 9412.5 / 1M; month 282.375
    mini_month = Decimal("0.0094125") * 30_000
    assert r.scenario == Decimal("941.25") * Decimal("0.7") + mini_month * Decimal("0.3")
    assert r.saving == Decimal("941.25") - r.scenario
    cut = whatif_cut_output(CHAT, "gpt-5.4", 20, pricing=TABLE)
    # 200 -> 160 assistant tokens: saves 10 x 40 x 15/1M = 0.006 per conversation, x 30,000 = 180
    assert cut.saving == Decimal("180")
    sw = whatif_switch_model(CHAT, "gpt-5.4", "gpt-5.4-mini", sample="hello world", pricing=TABLE)
    assert sw.scenario == mini_month  # same tokenizer: ratio 1
    with pytest.raises(ValueError, match="between 0 and 1"):
        whatif_route_share(CHAT, "gpt-5.4", "gpt-5.4-mini", 1.5, pricing=TABLE)


def test_switch_to_proxy_model_is_flagged_estimate():
    sample = "hello world, how are you today?"
    sw = whatif_switch_model(CHAT, "gpt-5.4", "claude-sonnet-4.6", sample=sample, pricing=TABLE)
    ratio = Decimal(bpe.get_encoding("cl100k_base").count(sample)) / Decimal(bpe.get_encoding("o200k_base").count(sample))
    assert f"token ratio {ratio:.4f}" in sw.notes[0]
    assert "estimate: Claude Sonnet 4.6 tokens counted with the cl100k_base proxy" in sw.notes
    exact = whatif_switch_model(CHAT, "gpt-5.4", "gpt-5.4-mini", sample=sample, pricing=TABLE)
    assert not any("estimate" in n for n in exact.notes)


def test_text_and_parallel_costs():
    o200k = bpe.get_encoding("o200k_base")
    rows = text_costs("hello world", ["gpt-5.4", "gpt-5.4-mini"], pricing=TABLE)
    assert [r.tokens for r in rows] == [2, 2]
    assert rows[0].dollars == Decimal(2) * Decimal("2.50") / 1_000_000
    texts = {"eng": ["hello world"], "xyz": ["hello world hello world"]}
    pc = parallel_costs(texts, ["gpt-5.4"], baseline="eng", pricing=TABLE, scale=1000)
    eng, xyz = pc
    n_eng, n_xyz = o200k.count("hello world\n") * 1000, o200k.count("hello world hello world\n") * 1000
    assert (eng.tokens, xyz.tokens) == (n_eng, n_xyz)
    assert xyz.premium_dollars == Decimal(n_xyz - n_eng) * Decimal("2.50") / 1_000_000
    assert xyz.premium_ratio == Decimal(n_xyz) / Decimal(n_eng)
    with pytest.raises(ValueError, match="baseline language"):
        parallel_costs(texts, ["gpt-5.4"], baseline="fra", pricing=TABLE)


def test_money_format():
    assert money(Decimal("941.25"), 2) == "$941.25"
    assert money(Decimal("202.5"), 2) == "$202.50"
    assert money(Decimal("0.031375")) == "$0.031375"
    assert money(Decimal("1180.875"), 2) == "$1,180.88"


def test_workload_rejects_bad_values():
    with pytest.raises(ValueError, match="user_tokens must be an integer >= 0"):
        Workload(user_tokens=-1)
    with pytest.raises(ValueError, match="mode must be"):
        Workload(mode="fancy")
    for kwargs in ({"conversations_per_month": -5000}, {"conversations_per_day": float("nan")},
                   {"conversations_per_month": float("inf")}, {"conversations_per_day": Decimal("-1")}):
        name, value = next(iter(kwargs.items()))
        with pytest.raises(ValueError, match=f"Workload.{name} must be a finite number >= 0, got"):
            Workload(**kwargs)
    with pytest.raises(ValueError, match="between 0 and 1"):
        whatif_route_share(CHAT, "gpt-5.4", "gpt-5.4-mini", float("nan"), pricing=TABLE)
    with pytest.raises(ValueError, match="between 0 and 100"):
        whatif_cut_output(CHAT, "gpt-5.4", float("inf"), pricing=TABLE)
    with pytest.raises(ValueError, match="scale must be a whole number >= 1"):
        parallel_costs({"eng": ["hello"]}, ["gpt-5.4"], baseline="eng", pricing=TABLE, scale=-3)


@pytest.mark.parametrize("args, message", [
    (["--scenario", "--per-month", "-5000"], "argument --per-month: expected a finite number >= 0, got '-5000'"),
    (["--scenario", "--per-day", "nan"], "argument --per-day: expected a finite number >= 0, got 'nan'"),
    (["--scenario", "--per-month", "inf"], "argument --per-month: expected a finite number >= 0, got 'inf'"),
    (["--scenario", "--route-share", "1.5"], "argument --route-share: expected a finite number from 0 to 1"),
    (["--flores", "--scale", "-3"], "argument --scale: expected a whole number >= 1, got '-3'"),
])
def test_cli_rejects_bad_numbers_without_traceback(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["cost", *args, "-m", "gpt-5.4"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and message in err and "Traceback" not in err


def test_route_share_to_proxy_model_is_flagged_estimate():
    to_proxy = whatif_route_share(CHAT, "gpt-5.4", "claude-haiku-4.5", 0.3, pricing=TABLE)
    assert to_proxy.description == "route 30% of GPT-5.4 traffic to Claude Haiku 4.5 (estimate: cl100k_base proxy)"
    exact = whatif_route_share(CHAT, "gpt-5.4", "gpt-5.4-mini", 0.3, pricing=TABLE)
    assert "estimate" not in exact.description


# ==================== fit_messages


def conversation():
    return [{"role": "system", "content": "Be brief."}] + [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}"} for i in range(6)]


def test_fit_messages_by_hand():
    tok = bpe.get_encoding("o200k_base")
    msgs = conversation()
    # OpenAI rule: 3 per message + role + content tokens, 3 to prime the reply
    cost = [3 + tok.count(m["role"]) + tok.count(m["content"]) for m in msgs]
    budget = 3 + cost[0] + cost[6] + cost[5] + cost[4]  # room for system + 3 newest exactly
    r = tok.fit_messages(msgs, budget + 7, reserve_for_output=7)
    assert r.kept_indices == [0, 4, 5, 6]
    assert r.dropped_indices == [1, 2, 3]
    assert r.tokens == budget and r.headroom == 0
    assert r.dropped_tokens == cost[1] + cost[2] + cost[3]
    assert [m["content"] for m in r.messages] == ["Be brief.", "turn 3", "turn 4", "turn 5"]
    everything = tok.fit_messages(msgs, 10_000)
    assert everything.dropped == [] and everything.tokens == 3 + sum(cost)


def test_fit_messages_errors():
    tok = bpe.get_encoding("o200k_base")
    with pytest.raises(BudgetError, match="smaller than the system message"):
        tok.fit_messages([{"role": "system", "content": "word " * 50}, {"role": "user", "content": "hi"}], 20)
    with pytest.raises(BudgetError, match="leaves nothing"):
        tok.fit_messages(conversation(), 10, reserve_for_output=10)


# ==================== CLI


def test_cli_scenario_and_list(capsys):
    assert main(["cost", "--scenario", "--system-tokens", "500", "--messages", "10", "--user-tokens", "50",
                 "--assistant-tokens", "200", "--per-day", "1000", "--days", "30", "-m", "gpt-5.4"]) == 0
    out = capsys.readouterr().out
    assert "$0.031375" in out and "$941.25" in out and "simple" in out
    assert main(["cost", "--scenario", "--system-tokens", "50000", "--user-tokens", "100", "--assistant-tokens",
                 "500", "--per-month", "10000", "-m", "gpt-5.4", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"per_month": "202.50' in out and '"per_day": "6.75' in out
    assert main(["cost", "--list"]) == 0
    assert "cl100k_base (proxy: estimate)" in capsys.readouterr().out


def test_cli_missing_file_says_which(tmp_path, capsys):
    assert main(["cost", str(tmp_path / "nope.txt"), "-m", "gpt-5.4"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'nope.txt'}: corpus file or folder not found" in err and "Errno" not in err


def test_file_and_folder_costs(tmp_path):
    import lzma

    from bpe.cost import file_costs

    o200k = bpe.get_encoding("o200k_base")
    texts = {"a.txt": "hello world\n", "b.txt": "Ça coûte combien ?\n" * 3}
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in texts.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (tmp_path / "b.txt.xz").write_bytes(lzma.compress(texts["b.txt"].encode("utf-8")))
    rows = file_costs([corpus / "a.txt", tmp_path / "b.txt.xz", corpus], ["gpt-5.4"], pricing=TABLE)
    n_a, n_b = o200k.count(texts["a.txt"]), o200k.count(texts["b.txt"])
    assert [r.tokens for r in rows] == [n_a, n_b, n_a + n_b]  # a folder is the sum of its files
    assert rows[2].dollars == Decimal(n_a + n_b) * Decimal("2.50") / 1_000_000


def test_cli_list_columns_line_up(capsys):
    assert main(["cost", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    starts = {ln.index("2026-04") for ln in lines[1:] if "2026-04" in ln}
    assert len(starts) == 1  # the date column starts at the same place on every row


def test_cli_bad_pricing_file(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"models": {"gpt-5.4": {"input": -2}}}')
    with pytest.raises(SystemExit, match=r"bad\.json: models\.gpt-5\.4\.input"):
        main(["cost", "--list", "--pricing", str(p)])


def test_cli_flores(corpora_root, capsys):
    assert main(["cost", "--flores", "--languages", "amh_Ethi", "-m", "gpt-5.4", "--corpora", str(corpora_root)]) == 0
    out = capsys.readouterr().out
    assert "the same 1,012 sentences cost $" in out and "amh_Ethi" in out
