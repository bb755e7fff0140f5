"""The pricing table: shipped prices, user overrides, and bad files rejected with file and field."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bpe.pricing import DEFAULT_PRICING, PricingFileError, UnknownModelError, load_pricing


def write(tmp_path, data, name="prices.json"):
    p = tmp_path / name
    p.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return p


def test_shipped_prices_match_issue():
    t = load_pricing(use_env=False)
    expected = {  # (input, output, cached) per 1M, April 2026 list prices from issue 7
        "gpt-5.4": ("2.50", "15.00", "0.25"),
        "gpt-5.4-mini": ("0.75", "4.50", "0.075"),
        "gpt-5.4-pro": ("30", "180", None),
        "claude-opus-4.6": ("5", "25", "0.50"),
        "claude-sonnet-4.6": ("3", "15", "0.30"),
        "claude-haiku-4.5": ("1", "5", "0.10"),
        "gemini-3.1-pro": ("2", "12", None),
        "deepseek-r1": ("0.55", "2.19", None),
    }
    assert set(expected) == {m.id for m in t}
    for mid, (i, o, c) in expected.items():
        m = t.get(mid)
        assert (m.input, m.output) == (Decimal(i), Decimal(o))
        assert m.cached_input == (Decimal(c) if c else None)
        assert m.batch_discount == Decimal("0.5")
        assert m.date and m.source
    assert t.get("gpt-5.4").context_window == 400_000
    assert t.get("claude-sonnet-4.6").context_window == 1_000_000
    assert t.get("gemini-3.1-pro").context_window == 1_000_000
    assert t.get("gpt-5.4").tokenizer == "o200k_base" and not t.get("gpt-5.4").is_estimate
    assert t.get("claude-opus-4.6").is_estimate and "estimate" in t.get("claude-opus-4.6").label()


def test_lookup_by_display_name_and_snapshot():
    t = load_pricing(use_env=False)
    assert t.get("GPT-5.4 Mini").id == "gpt-5.4-mini"
    assert t.get("claude-sonnet-4.6-20260301").id == "claude-sonnet-4.6"
    assert t.get("gpt-5.4-mini-2026-03-05").id == "gpt-5.4-mini"  # longest prefix, not gpt-5.4
    with pytest.raises(UnknownModelError, match="unknown model 'gpt-9'.*pricing file"):
        t.get("gpt-9")


@pytest.mark.parametrize("name, mid", [
    ("claude-sonnet-4-6-20260101", "claude-sonnet-4.6"),  # Anthropic's API id: hyphenated, dated
    ("claude-sonnet-4-6", "claude-sonnet-4.6"),
    ("claude-haiku-4-5@20251001", "claude-haiku-4.5"),  # Vertex AI's form
    ("claude-opus-4-6-latest", "claude-opus-4.6"),
    ("gpt-5.4-2026-03-05", "gpt-5.4"),
    ("claude-sonnet-4-7", None),
    ("claude-sonnet-4-60", None),  # version 4.60 is not 4.6
])
def test_vendor_ids_resolve(name, mid):
    assert load_pricing(use_env=False).resolve(name) == mid


def test_cost_by_hand():
    m = load_pricing(use_env=False).get("gpt-5.4")
    # 1000 x 2.50 + 200 x 15 + 4000 x 0.25 = 2500 + 3000 + 1000 = 6500 per 1M -> $0.0065
    assert m.cost(1000, 200, 4000) == Decimal("0.0065")
    assert m.cost(1000, 200, 4000, batch=True) == Decimal("0.00325")
    # no cached price: cached tokens billed as input: 1000 x 30 / 1M = 0.03
    assert load_pricing(use_env=False).get("gpt-5.4-pro").cost(cached_input_tokens=1000) == Decimal("0.03")


def test_user_file_adds_and_overrides(tmp_path):
    p = write(tmp_path, {"models": {
        "gpt-5.4": {"input": 2.0},
        "my-model": {"input": 0.1, "output": 0.4, "tokenizer": "cl100k_base", "date": "2026-05", "source": "me",
                     "context_window": 32000},
    }})
    t = load_pricing([p], use_env=False)
    assert t.get("gpt-5.4").input == Decimal("2.0") and t.get("gpt-5.4").output == Decimal("15.00")
    mine = t.get("my-model")
    assert mine.output == Decimal("0.4") and mine.cached_input is None and mine.is_estimate
    assert mine.context_window == 32000


def test_overridden_tokenizer_is_an_estimate(tmp_path):
    def table(entry):
        return load_pricing([write(tmp_path, {"models": {"gpt-5.4": entry}})], use_env=False).get("gpt-5.4")

    swapped = table({"tokenizer": "cl100k_base"})
    assert swapped.is_estimate and swapped.label() == "GPT-5.4 (estimate: cl100k_base proxy)"
    assert not table({"tokenizer": "cl100k_base", "tokenizer_exact": True}).is_estimate  # the user vouches
    assert not table({"tokenizer": "o200k_base"}).is_estimate  # the shipped tokenizer, restated
    assert not table({"input": 2.0}).is_estimate


def test_toml_user_file(tmp_path):
    pytest.importorskip("tomllib")
    p = write(tmp_path, '[models."gpt-5.4-mini"]\ncached_input = 0.05\n', "p.toml")
    assert load_pricing([p], use_env=False).get("gpt-5.4-mini").cached_input == Decimal("0.05")


@pytest.mark.parametrize("entry, message", [
    ({"new-model": {"input": 1, "output": 2, "date": "x", "source": "y"}},
     r"models\.new-model\.tokenizer: missing field for unknown model 'new-model'"),
    ({"gpt-5.4": {"input": -1}}, r"models\.gpt-5\.4\.input: price must be a number >= 0"),
    ({"gpt-5.4": {"output": "lots"}}, r"models\.gpt-5\.4\.output: 'lots' is not a number"),
    ({"gpt-5.4": {"inptu": 1}}, r"models\.gpt-5\.4\.inptu: unknown field"),
    ({"gpt-5.4": {"context_window": 0}}, r"context_window: a positive integer"),
    ({"gpt-5.4": {"batch_discount": 1.5}}, r"batch_discount: a fraction in \[0, 1\)"),
    ({"gpt-5.4": {"tokenizer_exact": "yes"}}, r"tokenizer_exact: expected true or false"),
    # caught when the file is read, not later when a count needs the tokenizer
    ({"gpt-5.4": {"tokenizer": "o300k_base"}}, r"models\.gpt-5\.4\.tokenizer: unknown tokenizer 'o300k_base'"),
])
def test_bad_fields_name_file_and_field(tmp_path, entry, message):
    p = write(tmp_path, {"models": entry})
    with pytest.raises(PricingFileError, match=message) as exc:
        load_pricing([p], use_env=False)
    assert str(p) in str(exc.value)


def test_bad_json_names_line(tmp_path):
    p = write(tmp_path, '{"models": {\n  "gpt-5.4": {"input": 1,}\n}}')
    with pytest.raises(PricingFileError, match=r"prices\.json:2: invalid JSON"):
        load_pricing([p], use_env=False)


def test_missing_models_table_and_missing_file(tmp_path):
    with pytest.raises(PricingFileError, match='top-level "models"'):
        load_pricing([write(tmp_path, {"gpt-5.4": {}})], use_env=False)
    with pytest.raises(PricingFileError, match="cannot read pricing file"):
        load_pricing([tmp_path / "nope.json"], use_env=False)


def test_env_pricing(tmp_path, monkeypatch):
    p = write(tmp_path, {"models": {"deepseek-r1": {"output": 2.0}}})
    monkeypatch.setenv("BPE_PRICING", str(p))
    assert load_pricing().get("deepseek-r1").output == Decimal("2.0")
    assert DEFAULT_PRICING.exists()
