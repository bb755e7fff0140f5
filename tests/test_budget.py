"""Context-window guard, per-vendor chat overhead and the history strategies, with hand-computed figures."""
from __future__ import annotations

from decimal import Decimal

import pytest

import bpe
from bpe.budget import (CHAT_FORMATS, BudgetError, ContextWindowError, check_fits, count_messages,
                        extractive_summary, pin_history, summarize_history, truncate_history)
from bpe.cli import main
from bpe.pricing import load_pricing

TABLE = load_pricing(use_env=False)
O200K = bpe.get_encoding("o200k_base")
CL100K = bpe.get_encoding("cl100k_base")


def msg_cost(tok, m, per_message=3, role=True):
    return per_message + (tok.count(m["role"]) if role else 0) + tok.count(m["content"])


def test_openai_overhead_by_hand():
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello world"},
            {"role": "user", "content": "hi", "name": "bob"}]
    # 3 per message + role + content, name: +1 + its tokens, 3 to prime the reply
    expected = 3 + sum(msg_cost(O200K, m) for m in msgs) + 1 + O200K.count("bob")
    assert count_messages(msgs, O200K, "openai") == expected
    # "hello world" alone: 3 + 1 (user) + 2 + 3 = 9
    assert count_messages([msgs[1]], O200K) == 9


def test_estimated_vendor_overheads():
    msgs = [{"role": "user", "content": "hello world"}, {"role": "assistant", "content": "hi"}]
    content = CL100K.count("hello world") + CL100K.count("hi")
    assert count_messages(msgs, CL100K, "anthropic") == 3 + 2 * 4 + content
    assert count_messages(msgs, CL100K, "google") == 3 + 2 * 5 + content
    assert count_messages(msgs, CL100K, "deepseek") == 1 + 2 * 2 + content
    assert not CHAT_FORMATS["anthropic"].exact and CHAT_FORMATS["openai"].exact


def test_check_fits_numbers_and_fix():
    text = "hello " * 100  # 100 tokens on o200k ("hello" + 99 x " hello")
    n = O200K.count(text)
    c = check_fits(text, "gpt-5.4", reserve_for_output=1000, pricing=TABLE)
    assert (c.tokens, c.window, c.headroom) == (n, 400_000, 400_000 - n - 1000) and c.fits and not c.estimate
    with pytest.raises(ContextWindowError) as exc:
        check_fits(text, "gpt-5.4", reserve_for_output=400_000, pricing=TABLE)
    msg = str(exc.value)
    assert f"accepts 400,000 tokens; this request has {n}" in msg
    assert f"(+400,000 reserved for output); drop {n:,} tokens" in msg
    assert "gemini-3.1-pro (1,000,000)" in msg and "claude-sonnet-4.6 (1,000,000)" in msg
    est = check_fits([{"role": "user", "content": "hi"}], "claude-sonnet-4.6", pricing=TABLE)
    assert est.estimate and est.tokens == 3 + 4 + CL100K.count("hi")
    with pytest.raises(ValueError, match="no context window for gpt-5.4-mini; add"):
        check_fits("hi", "gpt-5.4-mini", pricing=TABLE)


def conversation():
    return [{"role": "system", "content": "You help with orders."},
            {"role": "user", "content": "My order 123 is late. It was due Monday."},
            {"role": "assistant", "content": "Sorry about that. Let me check."},
            {"role": "user", "content": "Also my address changed. It is 5 Elm Street."},
            {"role": "assistant", "content": "Noted the new address."},
            {"role": "user", "content": "Any news?"},
            {"role": "assistant", "content": "It ships tomorrow."},
            {"role": "user", "content": "Thanks, and the refund?"}]


def costs():
    return [msg_cost(O200K, m) for m in conversation()]


def test_truncate_history_by_hand():
    c = costs()
    budget = 3 + c[0] + c[7] + c[6] + c[5]
    r = truncate_history(conversation(), budget, model="gpt-5.4", pricing=TABLE)
    assert r.fit.kept_indices == [0, 5, 6, 7]
    assert r.fit.dropped_tokens == sum(c[1:5])
    assert r.saved_dollars == Decimal(sum(c[1:5])) * Decimal("2.50") / 1_000_000


def test_pin_keeps_marked_and_matching():
    c = costs()
    msgs = conversation()
    msgs[3]["important"] = True
    budget = 3 + c[0] + c[7] + c[6] + c[3] + c[1]
    r = pin_history(msgs, budget, keep_last=2, rules=[r"order \d+"], model="gpt-5.4", pricing=TABLE)
    assert r.fit.kept_indices == [0, 1, 3, 6, 7]
    assert r.fit.tokens == budget and r.fit.dropped_indices == [2, 4, 5]
    with pytest.raises(BudgetError, match="pinned messages need"):
        pin_history(msgs, budget - 1, keep_last=2, rules=[r"order \d+"], model="gpt-5.4", pricing=TABLE)


def test_summarize_default_is_extractive_and_fits():
    c = costs()
    budget = 3 + c[0] + c[7] + 60
    r = summarize_history(conversation(), budget, model="gpt-5.4", pricing=TABLE)
    assert r.summary is not None and "extractive summary" in r.summary and "no model called" in r.summary
    assert r.messages[0]["content"] == "You help with orders." and r.messages[1]["content"] == r.summary
    assert r.fit.tokens <= budget
    assert count_messages(r.messages, O200K) == r.fit.tokens
    assert r.saved_tokens == r.fit.dropped_tokens - r.summary_tokens
    called = []
    r2 = summarize_history(conversation(), budget, model="gpt-5.4", pricing=TABLE,
                           summarizer=lambda ms: called.append(len(ms)) or "user waits for order 123")
    assert called and "user waits for order 123" in r2.summary


def test_extractive_summary_first_sentences():
    assert extractive_summary([{"role": "user", "content": "My order is late. It was due Monday."}]) == \
        "- user: My order is late."


def test_budget_smaller_than_system_message():
    with pytest.raises(BudgetError, match="smaller than the system message"):
        truncate_history(conversation(), 5, model="gpt-5.4", pricing=TABLE)


def test_cli_budget(tmp_path, capsys):
    import json

    p = tmp_path / "chat.json"
    p.write_text(json.dumps(conversation()))
    assert main(["budget", "check", str(p), "-m", "gpt-5.4"]) == 0
    assert "fits: GPT-5.4 accepts 400,000 tokens" in capsys.readouterr().out
    assert main(["budget", "check", str(p), "-m", "gpt-5.4", "--reserve", "399990"]) == 1
    assert "does not fit" in capsys.readouterr().out
    assert main(["budget", "fit", str(p), "--max-tokens", "60", "--strategy", "truncate"]) == 0
    assert "strategy truncate" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="smaller than the system message"):
        main(["budget", "fit", str(p), "--max-tokens", "5"])
    # Claude is counted with a proxy tokenizer and an unpublished framing: both said in the report
    assert main(["budget", "fit", str(p), "--max-tokens", "60", "-m", "claude-sonnet-4.6"]) == 0
    out = capsys.readouterr().out
    assert "Claude Sonnet 4.6 (estimate: cl100k_base proxy)" in out and "note: estimate: the anthropic" in out


@pytest.mark.parametrize("argv", [["budget", "--help"], ["budget", "check", "--help"], ["budget", "fit", "--help"],
                                  ["budget", "select", "--help"], ["route", "--help"], ["usage", "report", "--help"],
                                  ["cost", "--help"], ["usage", "--help"], ["compare", "--help"],
                                  ["show", "--help"], ["corpora", "--help"]])
def test_help_shows_example(argv, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert "examples:" in capsys.readouterr().out


def test_budget_helpers_exported_and_loaded_lazily():
    import subprocess
    import sys

    from bpe.routing import Router
    from bpe.selection import select_context

    assert (bpe.check_fits, bpe.select_context, bpe.Router) == (check_fits, select_context, Router)
    assert {"check_fits", "select_context", "Router"} <= set(bpe.__all__)
    code = "import sys, bpe; print('bpe.budget' in sys.modules, 'bpe.routing' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]  # `import bpe` does not pay for them
