"""Router: heuristic reasons, tiers, custom scorers, and the blended cost of a routed query file."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

import bpe
from bpe.cli import main
from bpe.pricing import UnknownModelError, load_pricing
from bpe.routing import Router, heuristic_score, routed_cost

TABLE = load_pricing(use_env=False)


def test_heuristic_by_hand():
    assert heuristic_score("translate good morning to German") == (0.0, ["base +0.10", "simple-task keywords translate -0.10"])
    score, reasons = heuristic_score("prove that x^2 + 1 = 2 step by step")
    assert score == pytest.approx(0.10 + 0.25 + 0.10)
    assert "maths detected +0.25" in reasons
    score, _ = heuristic_score("```python\ndef f(): pass\n```\nexplain why this is slow and refactor it")
    assert score == pytest.approx(0.10 + 0.30 + 0.30)
    # asking for code is a code task too, though the query holds none
    score, reasons = heuristic_score("write a Python function to parse a CSV file")
    assert score == pytest.approx(0.10 + 0.25)
    assert "code requested (function, python) +0.25" in reasons
    assert Router.default(pricing=TABLE).route("write a Python function to parse a CSV file").model == "gpt-5.4"


def test_tiers_and_custom_scorer():
    r = Router.default(pricing=TABLE)
    assert r.route("translate hello to German").model == "gpt-5.4-mini"
    assert r.route("prove that x^2 + 1 = 2 step by step").model == "gpt-5.4"
    custom = Router({"gpt-5.4-mini": 0, "claude-opus-4.6": 0.5}, scorer=lambda q: len(q) / 100, pricing=TABLE)
    d = custom.route("x" * 60)
    assert d.model == "claude-opus-4.6" and d.score == 0.6 and d.estimate
    with pytest.raises(ValueError, match="set the cheapest tier's min_score to 0"):
        Router({"gpt-5.4": 0.2}, pricing=TABLE)
    with pytest.raises(UnknownModelError):
        Router({"gpt-9": 0}, pricing=TABLE)


def test_routed_cost_by_hand():
    tok = bpe.get_encoding("o200k_base")
    queries = ["translate hello to German", "prove that x^2 + 1 = 2 step by step"]
    rc = routed_cost(queries, Router.default(pricing=TABLE), baseline="gpt-5.4", output_tokens=100,
                     requests_per_month=1000, pricing=TABLE)
    n0, n1 = tok.count(queries[0]), tok.count(queries[1])
    mini = (Decimal(n0) * Decimal("0.75") + 100 * Decimal("4.50")) / 1_000_000
    full = (Decimal(n1) * Decimal("2.50") + 100 * Decimal("15")) / 1_000_000
    base0 = (Decimal(n0) * Decimal("2.50") + 100 * Decimal("15")) / 1_000_000
    assert rc.blended_per_month == (mini + full) * 500
    assert rc.baseline_per_month == (base0 + full) * 500
    assert rc.saving == (base0 - mini) * 500


def test_cli_route(tmp_path, capsys):
    assert main(["route", "translate hello to German"]) == 0
    out = capsys.readouterr().out
    assert "model:   gpt-5.4-mini" in out and "reason:" in out
    f = tmp_path / "q.txt"
    f.write_text("translate hello\nprove that x^2 + 1 = 2 step by step\n")
    assert main(["cost", "--route", str(f), "--requests-per-month", "1000"]) == 0
    assert "blended:" in capsys.readouterr().out


def test_cli_route_baseline_on_proxy_model_says_estimate(tmp_path, capsys):
    f = tmp_path / "q.txt"
    f.write_text("translate hello\n")
    assert main(["cost", "--route", str(f), "--baseline-model", "claude-opus-4.6"]) == 0
    assert "baseline all on Claude Opus 4.6 (estimate: cl100k_base proxy):" in capsys.readouterr().out
    assert main(["cost", "--route", str(f), "--baseline-model", "claude-opus-4.6", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["baseline_estimate"] is True and data["per_model"][0]["estimate"] is False  # gpt-5.4-mini
