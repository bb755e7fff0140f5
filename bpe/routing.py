"""Send each query to the cheapest model tier that can answer it.

`Router(rules)` maps a complexity score in [0, 1] to a tier: the tier with the highest `min_score`
not above the score wins. The default scorer is a transparent heuristic (length, code, maths,
reasoning and simple-task keywords) that returns its reasons; any callable `query -> float` or
`query -> (float, reasons)` may replace it.

>>> Router.default().route("translate 'good morning' to French").model
'gpt-5.4-mini'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable, Mapping, Optional, Sequence, Tuple, Union

from .pricing import MILLION, ModelPrice, PricingTable, default_pricing, tokenizer_for

ScoreResult = Tuple[float, list]

_CODE = re.compile(r"```|^\s*(def|class|import|from|function|public|#include)\b|[{};]\s*$|=>|\bTraceback\b|"
                   r"\b\w+\([^()]*\)\s*[:{]|\bstack trace\b|\bSELECT\b.+\bFROM\b", re.M | re.I)
_MATH = re.compile(r"\\(frac|int|sum|sqrt)|\$[^$]+\$|\d+\s*[-+*/^=]\s*\d+|\b(prove|proof|integral|derivative|"
                   r"equation|theorem|matrix|eigen\w*|probability)\b", re.I)
# A request *for* code contains no code to detect; these words say one is wanted.
_CODE_REQUEST = re.compile(r"\b(python|javascript|typescript|java|rust|golang|sql|regex|bash|script|function|"
                           r"unit tests?|implement\w*|compile\w*)\b", re.I)
REASONING = ("step by step", "analy", "compare", "design", "architect", "trade-off", "tradeoff", "optimi", "debug",
             "why", "explain", "evaluate", "plan", "strategy", "refactor", "reason")
SIMPLE = ("translate", "summar", "what is", "define", "list ", "hello", "thank", "spell", "rephrase", "fix the typo")


def heuristic_score(query: str) -> ScoreResult:
    """Complexity in [0, 1] and the reasons, from length, code (present or asked for), maths and keywords.

    Example: "prove that sqrt(2) is irrational" -> (0.45, ["base 0.10", "maths +0.25", ...])
    """
    q = query.lower()
    score = 0.10
    reasons = ["base +0.10"]
    n_words = len(query.split())
    if n_words >= 150:
        score += 0.30
        reasons.append(f"long query ({n_words} words) +0.30")
    elif n_words >= 50:
        score += 0.15
        reasons.append(f"medium query ({n_words} words) +0.15")
    if _CODE.search(query):
        score += 0.30
        reasons.append("code detected +0.30")
    else:
        asked = sorted({m.group(0).lower() for m in _CODE_REQUEST.finditer(query)})
        if asked:
            score += 0.25
            reasons.append(f"code requested ({', '.join(asked)}) +0.25")
    if _MATH.search(query):
        score += 0.25
        reasons.append("maths detected +0.25")
    hits = [k.strip() for k in REASONING if k in q]
    if hits:
        bonus = min(0.30, 0.10 * len(hits))
        score += bonus
        reasons.append(f"reasoning keywords {', '.join(hits)} +{bonus:.2f}")
    easy = [k.strip() for k in SIMPLE if k in q]
    if easy:
        malus = min(0.20, 0.10 * len(easy))
        score -= malus
        reasons.append(f"simple-task keywords {', '.join(easy)} -{malus:.2f}")
    return max(0.0, min(1.0, round(score, 4))), reasons


@dataclass(frozen=True)
class Tier:
    """A model and the lowest complexity score it takes."""

    model: str
    min_score: float


@dataclass(frozen=True)
class RouteDecision:
    """Where a query goes and why."""

    query: str
    model: str
    score: float
    reasons: list
    estimate: bool

    def explain(self) -> str:
        """"model (score 0.45): reason; reason"."""
        return f"{self.model} (score {self.score:.2f}): " + "; ".join(self.reasons)


DEFAULT_TIERS = (Tier("gpt-5.4-mini", 0.0), Tier("gpt-5.4", 0.35), Tier("gpt-5.4-pro", 0.75))


class Router:
    """Map queries to model tiers by a complexity score."""

    def __init__(self, rules: Union[Sequence[Tier], Sequence[tuple], Mapping[str, float]],
                 scorer: Optional[Callable[[str], Union[float, ScoreResult]]] = None,
                 pricing: Optional[PricingTable] = None) -> None:
        """rules: Tiers, (model, min_score) pairs or {model: min_score}; one tier must start at 0."""
        items: Iterable = rules.items() if isinstance(rules, Mapping) else rules
        tiers = [t if isinstance(t, Tier) else Tier(str(t[0]), float(t[1])) for t in items]
        if not tiers:
            raise ValueError("Router needs at least one tier, e.g. Router({'gpt-5.4-mini': 0, 'gpt-5.4': 0.4})")
        table = pricing or default_pricing()
        for t in tiers:
            table.get(t.model)  # unknown models fail here, with the list of known ones
        scores = [t.min_score for t in tiers]
        if len(set(scores)) != len(scores):
            raise ValueError(f"two tiers share a min_score ({scores}); give each tier its own threshold")
        if min(scores) > 0:
            raise ValueError(f"no tier takes scores from 0 (lowest min_score is {min(scores)}); "
                             "set the cheapest tier's min_score to 0")
        self.tiers = sorted(tiers, key=lambda t: t.min_score)
        self.scorer = scorer or heuristic_score
        self.pricing = table

    @classmethod
    def default(cls, pricing: Optional[PricingTable] = None) -> "Router":
        """GPT-5.4 Mini below 0.35, GPT-5.4 below 0.75, GPT-5.4 Pro above."""
        return cls(DEFAULT_TIERS, pricing=pricing)

    def route(self, query: str) -> RouteDecision:
        """The tier for a query, with the score and the scorer's reasons."""
        raw = self.scorer(query)
        score, reasons = (raw if isinstance(raw, tuple) else (float(raw), ["custom scorer"]))
        tier = self.tiers[0]
        for t in self.tiers:
            if score >= t.min_score:
                tier = t
        reasons = list(reasons) + [f"tier {tier.model} takes scores >= {tier.min_score}"]
        return RouteDecision(query, tier.model, float(score), reasons, self.pricing.get(tier.model).is_estimate)


@dataclass(frozen=True)
class RoutedCost:
    """Monthly cost of a query mix routed by tiers, against sending everything to one model."""

    per_model: list
    blended_per_month: Decimal
    baseline: ModelPrice
    baseline_per_month: Decimal
    requests_per_month: int

    @property
    def saving(self) -> Decimal:
        """Baseline minus blended, per month."""
        return self.baseline_per_month - self.blended_per_month

    @property
    def saving_pct(self) -> Decimal:
        """Saving as a percentage of the baseline."""
        return self.saving * 100 / self.baseline_per_month if self.baseline_per_month else Decimal(0)

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"per_model": [{k: v for k, v in r.items() if k != "label"} for r in self.per_model],
                "blended_per_month": self.blended_per_month, "baseline": self.baseline.id,
                "baseline_estimate": self.baseline.is_estimate,
                "baseline_per_month": self.baseline_per_month, "saving": self.saving,
                "requests_per_month": self.requests_per_month}


def query_cost(query: str, model: ModelPrice, output_tokens: int) -> Decimal:
    """Dollars of one query: its tokens on the model's tokenizer as input, plus output_tokens."""
    n = tokenizer_for(model).count(query)
    return (Decimal(n) * model.input + Decimal(output_tokens) * model.output) / MILLION


def routed_cost(queries: Sequence[str], router: Router, *, baseline: str, output_tokens: int = 500,
                requests_per_month: int = 100_000, pricing: Optional[PricingTable] = None) -> RoutedCost:
    """Blended monthly cost when `queries` (a sample of traffic) are routed, vs all on `baseline`."""
    if not queries:
        raise ValueError("no queries to route; give a file with one query per line")
    table = pricing or router.pricing
    base = table.get(baseline)
    n = len(queries)
    by_model: dict[str, dict] = {}
    blended = base_total = Decimal(0)
    for q in queries:
        d = router.route(q)
        p = table.get(d.model)
        c = query_cost(q, p, output_tokens)
        row = by_model.setdefault(p.id, {"model": p.id, "label": p.label(), "estimate": p.is_estimate, "queries": 0,
                                         "dollars": Decimal(0)})
        row["queries"] += 1
        row["dollars"] += c
        blended += c
        base_total += query_cost(q, base, output_tokens)
    scale = Decimal(requests_per_month) / n
    rows = []
    for r in by_model.values():
        rows.append({**r, "share": r["queries"] / n, "per_month": r["dollars"] * scale})
    return RoutedCost(rows, blended * scale, base, base_total * scale, requests_per_month)
