"""What text, a parallel corpus or a chat workload costs on each model, with every figure broken down.

Three questions, one module:
- `text_costs` / `language_costs`: tokens and input dollars of a text or corpus per model, and the premium
  a language pays over a baseline for the *same* sentences (FLORES-200 is parallel).
- `workload_cost`: a chat product per conversation, day and month, in "simple" mode (each message
  billed once) or "history" mode (each turn re-sends the whole history, with prompt caching of the
  stable prefix); every result carries the mode it came from and a line-by-line breakdown.
- `whatif_*`: the saving of routing a share of traffic to a cheaper model, cutting output, or switching model.

Money is Decimal so that the worked checks of issue 7 come out exact:
>>> w = Workload(system_prompt_tokens=500, messages_per_conversation=10, user_tokens=50,
...              assistant_tokens=200, conversations_per_day=1000, days_per_month=30)
>>> workload_cost(w, "gpt-5.4").per_conversation
Decimal('0.031375')
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Literal, Optional, Sequence, Union

from .pricing import MILLION, ModelPrice, PricingTable, default_pricing, tokenizer_for

Mode = Literal["simple", "history"]
ModelLike = Union[str, ModelPrice]


def _price(model: ModelLike, pricing: Optional[PricingTable]) -> ModelPrice:
    return model if isinstance(model, ModelPrice) else (pricing or default_pricing()).get(model)


def money(d: Decimal, places: int = 6) -> str:
    """Dollars for display, trailing zeros kept to `places` only where needed: "$0.031375", "$941.25"."""
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    s = format(q, ",f")
    if "." not in s:
        s += ".00"
    elif len(s.split(".")[1]) == 1:
        s += "0"
    return ("-$" + s[1:]) if s.startswith("-") else "$" + s


# ====================
# Breakdowns
# ====================


@dataclass(frozen=True)
class CostLine:
    """One line of a bill: tokens x price per 1M = dollars."""

    component: str
    tokens: int
    price_per_million: Decimal
    dollars: Decimal

    def explain(self) -> str:
        """"cached prompt: 500 tokens x $0.25/1M = $0.000125"."""
        return (f"{self.component}: {self.tokens:,} tokens x {money(self.price_per_million, 4)}/1M "
                f"= {money(self.dollars, 8)}")


def _line(component: str, tokens: int, price: Decimal, factor: Decimal = Decimal(1)) -> CostLine:
    return CostLine(component, tokens, price * factor, Decimal(tokens) * price * factor / MILLION)


# ====================
# Text and corpus cost
# ====================


@dataclass(frozen=True)
class TextCost:
    """Tokens and input cost of one text on one model."""

    model: ModelPrice
    tokens: int
    dollars: Decimal
    label: str = ""

    @property
    def estimate(self) -> bool:
        """True when the model's tokenizer is a proxy."""
        return self.model.is_estimate


def text_costs(text: str, models: Iterable[ModelLike] = (), *, pricing: Optional[PricingTable] = None,
               label: str = "") -> list[TextCost]:
    """Input cost of `text` on each model (all priced models by default); one count per tokenizer.

    >>> text_costs("hello world", ["gpt-5.4"])[0].tokens
    2
    """
    table = pricing or default_pricing()
    prices = [_price(m, table) for m in models] or list(table)
    counts: dict[str, int] = {}
    out = []
    for p in prices:
        if p.tokenizer not in counts:
            counts[p.tokenizer] = tokenizer_for(p).count(text)
        n = counts[p.tokenizer]
        out.append(TextCost(p, n, Decimal(n) * p.input / MILLION, label))
    return out


def file_costs(paths: Sequence[Union[str, "os.PathLike[str]"]], models: Iterable[ModelLike] = (), *,
               pricing: Optional[PricingTable] = None) -> list[TextCost]:
    """Input cost of each file or corpus folder on each model; one row per path and model.

    Files are UTF-8 text, .xz/.gz/.bz2 are decompressed, a folder is the sum of its files. Text is
    streamed in blocks cut where no pre-tokenizer piece spans the cut, so sums equal whole-file counts.
    """
    from .counting import iter_documents

    table = pricing or default_pricing()
    prices = [_price(m, table) for m in models] or list(table)
    tokenizers = {p.tokenizer: tokenizer_for(p) for p in prices}
    out = []
    for path in paths:
        counts = dict.fromkeys(tokenizers, 0)
        try:
            for block in iter_documents([Path(path)]):
                for name, tok in tokenizers.items():
                    counts[name] += tok.count(block)
        except OSError as exc:  # FileNotFoundError and open errors already name the path
            raise ValueError(f"{exc}; check the path") from None
        out += [TextCost(p, counts[p.tokenizer], Decimal(counts[p.tokenizer]) * p.input / MILLION, str(path))
                for p in prices]
    return out


@dataclass(frozen=True)
class LanguageCost:
    """The cost of a parallel corpus in one language on one model, and its premium over the baseline language."""

    language: str
    model: ModelPrice
    lines: int
    tokens: int
    dollars: Decimal
    baseline_tokens: int
    baseline_dollars: Decimal

    @property
    def premium_ratio(self) -> Decimal:
        """Cost relative to the baseline language (1.0 = same price)."""
        return Decimal(self.tokens) / Decimal(self.baseline_tokens) if self.baseline_tokens else Decimal(0)

    @property
    def premium_dollars(self) -> Decimal:
        """Extra dollars this language pays for the same content."""
        return self.dollars - self.baseline_dollars


def parallel_costs(texts: dict[str, Sequence[str]], models: Iterable[ModelLike] = (), *,
                   baseline: str, pricing: Optional[PricingTable] = None, scale: int = 1) -> list[LanguageCost]:
    """Cost per language x model of parallel line lists, `scale` times over; premium against `baseline`.

    Lines are joined with newlines, as they sit in a file.
    """
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a whole number >= 1 (how many times the corpus is sent), got {scale!r}")
    if baseline not in texts:
        raise ValueError(f"baseline language {baseline!r} is not among {sorted(texts)}; "
                         "pass --baseline with one of them")
    table = pricing or default_pricing()
    prices = [_price(m, table) for m in models] or list(table)
    counts: dict[tuple[str, str], int] = {}
    for lang, lines in texts.items():
        for p in prices:
            if (lang, p.tokenizer) not in counts:
                counts[lang, p.tokenizer] = tokenizer_for(p).count("\n".join(lines) + "\n") * scale
    out = []
    for p in prices:
        base_n = counts[baseline, p.tokenizer]
        base_d = Decimal(base_n) * p.input / MILLION
        for lang, lines in texts.items():
            n = counts[lang, p.tokenizer]
            out.append(LanguageCost(lang, p, len(lines) * scale, n, Decimal(n) * p.input / MILLION, base_n, base_d))
    return out


def language_costs(languages: Sequence[str], models: Iterable[ModelLike] = (), *, baseline: str = "eng_Latn",
                   corpora_path: Optional[str] = None, split: str = "devtest",
                   pricing: Optional[PricingTable] = None, scale: int = 1) -> list[LanguageCost]:
    """FLORES-200 cost per language and model, with the premium over `baseline` in dollars."""
    from .corpora import flores_lines, require_corpora

    root = require_corpora(corpora_path)
    langs = list(dict.fromkeys([baseline, *languages]))
    texts = {}
    for code in langs:
        try:
            texts[code] = flores_lines(root, code, split)
        except (FileNotFoundError, ValueError, LookupError) as exc:
            raise ValueError(f"FLORES-200 language {code!r} not found under {root} ({exc}); "
                             "use a code like eng_Latn, amh_Ethi (see `ls flores200/devtest`)") from None
    return parallel_costs(texts, models, baseline=baseline, pricing=pricing, scale=scale)


# ====================
# Workload scenarios
# ====================


def _whole(x: object, name: str) -> Decimal:
    """Decimal of a count, without a trailing ".0" when it is whole (1000.0 -> 1000); ValueError unless finite >= 0."""
    try:
        d = Decimal(str(x))
    except InvalidOperation:
        d = Decimal("NaN")
    if isinstance(x, bool) or not d.is_finite() or d < 0:
        raise ValueError(f"Workload.{name} must be a finite number >= 0, got {x!r}")
    return d.to_integral_value() if d == d.to_integral_value() else d


@dataclass(frozen=True)
class Workload:
    """A chat product: prompt, conversation shape and traffic.

    `user_tokens`/`assistant_tokens` are per message; a "message" is one user turn and its answer.
    `conversations_per_month`, when given, replaces conversations_per_day x days_per_month.
    """

    system_prompt_tokens: int = 0
    system_prompt_cached: bool = True
    messages_per_conversation: int = 1
    user_tokens: int = 0
    assistant_tokens: int = 0
    conversations_per_day: Decimal = Decimal(1)
    days_per_month: int = 30
    conversations_per_month: Optional[Decimal] = None
    batch: bool = False
    mode: Mode = "simple"
    cache_history: bool = True

    def __post_init__(self) -> None:
        for name in ("system_prompt_tokens", "messages_per_conversation", "user_tokens", "assistant_tokens",
                     "days_per_month"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"Workload.{name} must be an integer >= 0, got {v!r}")
        if self.messages_per_conversation < 1:
            raise ValueError("Workload.messages_per_conversation must be >= 1")
        object.__setattr__(self, "conversations_per_day", _whole(self.conversations_per_day, "conversations_per_day"))
        if self.conversations_per_month is not None:
            object.__setattr__(self, "conversations_per_month",
                               _whole(self.conversations_per_month, "conversations_per_month"))
        if self.mode not in ("simple", "history"):
            raise ValueError(f"Workload.mode must be 'simple' or 'history', got {self.mode!r}")

    @property
    def monthly_conversations(self) -> Decimal:
        """Conversations a month."""
        if self.conversations_per_month is not None:
            return self.conversations_per_month
        return self.conversations_per_day * self.days_per_month

    def token_totals(self) -> tuple[int, int, int]:
        """(cached input, uncached input, output) tokens of one conversation in this workload's mode.

        simple: the system prompt once, then each message's user tokens once.
        history: turn i re-sends system + all earlier turns + the new user message. With
        `cache_history`, the previous request's whole prompt is a cached prefix, so only the last
        answer and the new user message are uncached (a warm cache is assumed, as for the system prompt).
        """
        s, m, u, a = self.system_prompt_tokens, self.messages_per_conversation, self.user_tokens, self.assistant_tokens
        sys_cached = s if self.system_prompt_cached else 0
        sys_uncached = s - sys_cached
        output = m * a
        if self.mode == "simple":
            return sys_cached, sys_uncached + m * u, output
        cached = uncached = 0
        for i in range(1, m + 1):
            prompt = s + (i - 1) * (u + a) + u
            # The previous request's whole prompt (system prompt included) is a prefix of this one.
            hit = s + (i - 2) * (u + a) + u if self.cache_history and i >= 2 else sys_cached
            cached += hit
            uncached += prompt - hit
        return cached, uncached, output


@dataclass(frozen=True)
class WorkloadCost:
    """A workload priced on one model: per conversation, day and month, with the breakdown."""

    model: ModelPrice
    workload: Workload
    lines: tuple[CostLine, ...]
    notes: tuple[str, ...] = ()

    @property
    def mode(self) -> str:
        """Which model of a conversation produced these numbers: "simple" or "history"."""
        return self.workload.mode

    @property
    def per_conversation(self) -> Decimal:
        """Dollars per conversation."""
        return sum((ln.dollars for ln in self.lines), Decimal(0))

    @property
    def per_day(self) -> Decimal:
        """Dollars per day: the monthly cost spread over days_per_month (0 when days_per_month is 0)."""
        w = self.workload
        if w.conversations_per_month is None:
            return self.per_conversation * w.conversations_per_day
        # A monthly volume says nothing of conversations_per_day (default 1); spread it over the month.
        return self.per_month / w.days_per_month if w.days_per_month else Decimal(0)

    @property
    def per_month(self) -> Decimal:
        """Dollars per month."""
        return self.per_conversation * self.workload.monthly_conversations

    def explain(self) -> str:
        """The breakdown as text, one line per component, ending with the totals."""
        w = self.workload
        rows = [f"{self.model.label()} [{self.mode} mode{', batch' if w.batch else ''}]"]
        rows += ["  " + ln.explain() for ln in self.lines]
        rows.append(f"  per conversation: {money(self.per_conversation, 8)}")
        rows.append(f"  per month: {money(self.per_conversation, 8)} x {w.monthly_conversations:,} conversations "
                    f"= {money(self.per_month, 2)}")
        rows += ["  note: " + n for n in self.notes]
        return "\n".join(rows)


def workload_cost(workload: Workload, model: ModelLike, *, pricing: Optional[PricingTable] = None) -> WorkloadCost:
    """Price a workload on one model, line by line (cached prompt / input / output).

    >>> workload_cost(Workload(user_tokens=100, assistant_tokens=500), "gpt-5.4").per_conversation
    Decimal('0.00775')
    """
    p = _price(model, pricing)
    cached, uncached, output = workload.token_totals()
    notes = []
    factor = Decimal(1)
    if workload.batch:
        factor = Decimal(1) - p.batch_discount
        if p.batch_discount == 0:
            notes.append(f"{p.name} lists no batch discount; priced at list")
    if cached and p.cached_input is None:
        notes.append(f"{p.name} lists no cached-input price; cached tokens billed as input")
    if p.is_estimate:
        notes.append(f"estimate: tokens of {p.name} are counted with the {p.tokenizer} proxy")
    label = "cached history+prompt" if workload.mode == "history" and workload.cache_history else "cached prompt"
    lines = (
        _line(label, cached, p.effective_cached_input, factor),
        _line("input", uncached, p.input, factor),
        _line("output", output, p.output, factor),
    )
    return WorkloadCost(p, workload, lines, tuple(notes))


def workload_costs(workload: Workload, models: Iterable[ModelLike] = (), *,
                   pricing: Optional[PricingTable] = None) -> list[WorkloadCost]:
    """`workload_cost` on each model (all priced models by default)."""
    table = pricing or default_pricing()
    prices = [_price(m, table) for m in models] or list(table)
    return [workload_cost(workload, p, pricing=table) for p in prices]


# ====================
# What-if comparisons
# ====================


@dataclass(frozen=True)
class WhatIf:
    """A baseline and a scenario, monthly, and what the change saves."""

    description: str
    baseline: Decimal
    scenario: Decimal
    notes: tuple[str, ...] = field(default=())

    @property
    def saving(self) -> Decimal:
        """Monthly dollars saved (negative: the change costs more)."""
        return self.baseline - self.scenario

    @property
    def saving_pct(self) -> Decimal:
        """Saving as a percentage of the baseline."""
        return self.saving * 100 / self.baseline if self.baseline else Decimal(0)

    def explain(self) -> str:
        """One line: baseline -> scenario, saving."""
        return (f"{self.description}: {money(self.baseline, 2)} -> {money(self.scenario, 2)} a month, "
                f"saving {money(self.saving, 2)} ({self.saving_pct:.1f}%)")


def whatif_route_share(workload: Workload, model: ModelLike, cheaper: ModelLike, share: float, *,
                       pricing: Optional[PricingTable] = None) -> WhatIf:
    """Send `share` (0..1) of conversations to `cheaper` instead of `model`; token counts kept as they are."""
    share_d = Decimal(str(share))
    if not share_d.is_finite() or not 0 <= share_d <= 1:
        raise ValueError(f"share must be between 0 and 1 (0.3 = 30% of traffic), got {share}")
    a, b = workload_cost(workload, model, pricing=pricing), workload_cost(workload, cheaper, pricing=pricing)
    notes = ()
    if a.model.tokenizer != b.model.tokenizer:
        notes = (f"{b.model.name} counts tokens with {b.model.tokenizer}; token counts were not re-measured "
                 "(use whatif_switch_model with a sample text for that)",)
    scenario = a.per_month * (1 - share_d) + b.per_month * share_d
    return WhatIf(f"route {share_d * 100:.0f}% of {a.model.label()} traffic to {b.model.label()}", a.per_month,
                  scenario, notes)


def whatif_cut_output(workload: Workload, model: ModelLike, percent: float, *,
                      pricing: Optional[PricingTable] = None) -> WhatIf:
    """Cut assistant tokens by `percent` (rounded to whole tokens per message)."""
    pct = Decimal(str(percent))
    if not pct.is_finite() or not 0 <= pct <= 100:
        raise ValueError(f"percent must be between 0 and 100, got {percent}")
    new_a = int((Decimal(workload.assistant_tokens) * (100 - pct) / 100).to_integral_value(ROUND_HALF_UP))
    a = workload_cost(workload, model, pricing=pricing)
    b = workload_cost(replace(workload, assistant_tokens=new_a), model, pricing=pricing)
    return WhatIf(f"cut output by {pct}% on {a.model.label()} ({workload.assistant_tokens} -> {new_a} tokens/message)",
                  a.per_month, b.per_month)


def token_ratio(sample: str, from_model: ModelLike, to_model: ModelLike, *,
                pricing: Optional[PricingTable] = None) -> Decimal:
    """Tokens of `sample` on to_model's tokenizer per token on from_model's (1 when they share one)."""
    a, b = _price(from_model, pricing), _price(to_model, pricing)
    if a.tokenizer == b.tokenizer:
        return Decimal(1)
    na, nb = tokenizer_for(a).count(sample), tokenizer_for(b).count(sample)
    if na == 0:
        raise ValueError("the sample text has no tokens; give a representative sample of your traffic")
    return Decimal(nb) / Decimal(na)


def whatif_switch_model(workload: Workload, model: ModelLike, other: ModelLike, *, sample: Optional[str] = None,
                        pricing: Optional[PricingTable] = None) -> WhatIf:
    """Move all traffic to `other`; with a sample text, token counts are rescaled by the tokenizers' ratio."""
    ratio = token_ratio(sample, model, other, pricing=pricing) if sample is not None else Decimal(1)

    def scale(n: int) -> int:
        return int((Decimal(n) * ratio).to_integral_value(ROUND_HALF_UP))

    scaled = replace(workload, system_prompt_tokens=scale(workload.system_prompt_tokens),
                     user_tokens=scale(workload.user_tokens), assistant_tokens=scale(workload.assistant_tokens))
    a, b = workload_cost(workload, model, pricing=pricing), workload_cost(scaled, other, pricing=pricing)
    notes = [f"token ratio {ratio:.4f} ({b.model.tokenizer} / {a.model.tokenizer}) measured on the sample"] \
        if sample is not None else []
    if sample is None and a.model.tokenizer != b.model.tokenizer:
        notes.append("token counts not rescaled: pass a sample text to measure the tokenizers' ratio")
    proxies = [m.model for m in (a, b) if m.model.is_estimate]
    if sample is not None and proxies:
        notes.append("estimate: " + ", ".join(f"{m.name} tokens counted with the {m.tokenizer} proxy" for m in proxies))
    return WhatIf(f"switch {a.model.label()} -> {b.model.label()}", a.per_month, b.per_month, tuple(notes))
