"""Does a request fit a model's window, and what to keep of a conversation when it does not.

Chat messages cost more than their text: each vendor's chat format wraps every message in a few
tokens. The rules we apply, per vendor (`CHAT_FORMATS`):

- openai (exact rule): OpenAI's published counting recipe ("How to count tokens with tiktoken", the
  gpt-4 / gpt-4o family): every message costs 3 tokens (`<|start|>`, `<|message|>`, `<|end|>`) plus
  the tokens of its role and content, a `name` adds its tokens + 1, and 3 tokens prime the reply
  (`<|start|>assistant<|message|>`). GPT-5.x uses the same framing; the content is counted with the
  vendor's own tokenizer (o200k_base), so the total is exact up to undocumented changes of the framing.
- anthropic (estimate): the tokenizer is not public (we count with a proxy) and the framing is not
  documented; we charge 4 tokens per message (a "\\n\\nHuman: " / "\\n\\nAssistant: " style header) and 3
  for the reply. Anthropic's count_tokens endpoint is the exact answer.
- google (estimate): Gemma-style turns `<start_of_turn>user\\n ... <end_of_turn>\\n`: 5 tokens per message,
  3 for the reply header `<start_of_turn>model\\n`; proxy tokenizer.
- deepseek (estimate): `<｜User｜>` / `<｜Assistant｜>` tags and an end-of-sentence token: 2 tokens per
  message, 1 for the reply tag; proxy tokenizer.
- any other vendor (estimate): 4 per message and 3 for the reply.

History strategies (`truncate_history`, `pin_history`, `summarize_history`) all return a `HistoryResult`
saying what was kept and dropped, in messages, tokens and dollars.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence, Union

from .pricing import MILLION, ModelPrice, PricingTable, default_pricing, tokenizer_for

if TYPE_CHECKING:  # pragma: no cover
    from .core import Tokenizer

Message = Mapping[str, Any]
SYSTEM_ROLES = ("system", "developer")


class BudgetError(ValueError):
    """The budget cannot hold what must be kept (system message, newest message, pinned messages)."""


class ContextWindowError(ValueError):
    """A request does not fit a model's context window; `.check` holds the numbers."""

    def __init__(self, message: str, check: "FitCheck") -> None:
        super().__init__(message)
        self.check = check


# ====================
# Chat formats
# ====================


@dataclass(frozen=True)
class ChatFormat:
    """Tokens a vendor's chat format adds around messages (see the module docstring for the sources)."""

    vendor: str
    tokens_per_message: int
    tokens_per_name: int
    reply_priming: int
    count_role: bool
    exact: bool

    def message_tokens(self, tokenizer: "Tokenizer", message: Message) -> int:
        """Tokens of one message: framing + (role) + content (+ name)."""
        n = self.tokens_per_message + tokenizer.count(message_text(message))
        if self.count_role:
            n += tokenizer.count(str(message.get("role", "")))
        if message.get("name"):
            n += self.tokens_per_name + tokenizer.count(str(message["name"]))
        return n


CHAT_FORMATS: dict[str, ChatFormat] = {
    "openai": ChatFormat("openai", 3, 1, 3, True, True),
    "anthropic": ChatFormat("anthropic", 4, 1, 3, False, False),
    "google": ChatFormat("google", 5, 1, 3, False, False),
    "deepseek": ChatFormat("deepseek", 2, 1, 1, False, False),
    "other": ChatFormat("other", 4, 1, 3, False, False),
    # Plain concatenated text, no framing: for "how many tokens is my content".
    "none": ChatFormat("none", 0, 0, 0, False, True),
}


def chat_format(vendor_or_format: Union[str, ChatFormat, None]) -> ChatFormat:
    """The ChatFormat for a vendor name (unknown vendors get the "other" estimate)."""
    if isinstance(vendor_or_format, ChatFormat):
        return vendor_or_format
    return CHAT_FORMATS.get((vendor_or_format or "openai").lower(), CHAT_FORMATS["other"])


def message_text(message: Message) -> str:
    """The text of a message: a string content, or the text parts of a list content (OpenAI/Anthropic style)."""
    if not isinstance(message, Mapping) or "content" not in message:
        raise ValueError(f"a message must be a mapping with 'role' and 'content', got {message!r}")
    content = message["content"]
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts)
    raise ValueError(f"message content must be a string or a list of text parts, got {type(content).__name__}")


def count_messages(messages: Sequence[Message], tokenizer: "Tokenizer",
                   fmt: Union[str, ChatFormat, None] = "openai") -> int:
    """Tokens of a chat request: each message with its framing, plus the reply priming.

    >>> count_messages([{"role": "user", "content": "hello world"}], bpe.get_encoding("o200k_base"))
    9
    """
    f = chat_format(fmt)
    return f.reply_priming + sum(f.message_tokens(tokenizer, m) for m in messages)


# ====================
# fit_messages: system + newest, filled newest-first
# ====================


@dataclass(frozen=True)
class FitResult:
    """What `fit_messages` kept and dropped; `messages` keeps the original order."""

    messages: list
    dropped: list
    kept_indices: list
    dropped_indices: list
    tokens: int
    dropped_tokens: int
    budget: int
    max_tokens: int
    reserve_for_output: int
    summary: Optional[str] = None
    notes: tuple = ()

    @property
    def headroom(self) -> int:
        """Tokens still free in the budget."""
        return self.budget - self.tokens


def _is_system(m: Message) -> bool:
    return str(m.get("role", "")).lower() in SYSTEM_ROLES


def _budget(max_tokens: int, reserve_for_output: int) -> int:
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens <= 0:
        raise ValueError(f"max_tokens must be a positive integer, got {max_tokens!r}")
    if isinstance(reserve_for_output, bool) or not isinstance(reserve_for_output, int) or reserve_for_output < 0:
        raise ValueError(f"reserve_for_output must be an integer >= 0, got {reserve_for_output!r}")
    if reserve_for_output >= max_tokens:
        raise BudgetError(f"reserve_for_output ({reserve_for_output}) leaves nothing of max_tokens ({max_tokens}) "
                          "for the prompt; lower the reserve or raise max_tokens")
    return max_tokens - reserve_for_output


def _fill(messages: Sequence[Message], costs: list[int], must: set[int], budget: int, fixed: int,
          max_tokens: int, reserve: int, what: str) -> tuple[set[int], int]:
    """Keep `must`, then older messages newest-first until the first one that does not fit."""
    used = fixed + sum(costs[i] for i in must)
    if used > budget:
        sys_tokens = fixed + sum(costs[i] for i in must if _is_system(messages[i]))
        if sys_tokens > budget:
            raise BudgetError(
                f"the budget is smaller than the system message: it needs {sys_tokens} tokens but max_tokens "
                f"{max_tokens} - reserve_for_output {reserve} leaves {budget}; shorten the system message, "
                "lower reserve_for_output or raise max_tokens")
        raise BudgetError(
            f"{what} need {used} tokens but max_tokens {max_tokens} - reserve_for_output {reserve} leaves "
            f"{budget}; drop {used - budget} tokens from them (e.g. tokenizer.truncate the newest message), "
            "lower reserve_for_output or raise max_tokens")
    keep = set(must)
    # Stop at the first message that does not fit instead of skipping it: a kept answer whose
    # question was dropped (or the reverse) would mislead the model more than a shorter history.
    for i in range(len(messages) - 1, -1, -1):
        if i in keep:
            continue
        if used + costs[i] > budget:
            break
        keep.add(i)
        used += costs[i]
    return keep, used


def _result(messages: Sequence[Message], costs: list[int], keep: set[int], used: int, budget: int,
            max_tokens: int, reserve: int, notes: tuple = ()) -> FitResult:
    kept_idx = [i for i in range(len(messages)) if i in keep]
    dropped_idx = [i for i in range(len(messages)) if i not in keep]
    return FitResult([dict(messages[i]) for i in kept_idx], [dict(messages[i]) for i in dropped_idx],
                     kept_idx, dropped_idx, used, sum(costs[i] for i in dropped_idx), budget, max_tokens,
                     reserve, None, notes)


def fit_messages(tokenizer: "Tokenizer", messages: Sequence[Message], max_tokens: int,
                 reserve_for_output: int = 0, *, chat_format_: Union[str, ChatFormat, None] = "openai") -> FitResult:
    """Keep the system message(s) and the newest message, then older ones newest-first while they fit.

    Counts use the vendor's chat framing (`chat_format_`, default OpenAI's rule); the budget is
    max_tokens - reserve_for_output. Raises BudgetError when the system message and newest message
    alone do not fit.
    """
    budget = _budget(max_tokens, reserve_for_output)
    fmt = chat_format(chat_format_)
    msgs = list(messages)
    costs = [fmt.message_tokens(tokenizer, m) for m in msgs]
    must = {i for i, m in enumerate(msgs) if _is_system(m)}
    last = next((i for i in range(len(msgs) - 1, -1, -1) if not _is_system(msgs[i])), None)
    if last is not None:
        must.add(last)
    keep, used = _fill(msgs, costs, must, budget, fmt.reply_priming, max_tokens, reserve_for_output,
                       "the system message and the newest message")
    return _result(msgs, costs, keep, used, budget, max_tokens, reserve_for_output)


# ====================
# Context-window guard
# ====================


@dataclass(frozen=True)
class FitCheck:
    """Tokens of a request against a model's window."""

    model: ModelPrice
    tokens: int
    window: int
    reserve_for_output: int
    estimate: bool
    larger_models: tuple = ()

    @property
    def headroom(self) -> int:
        """Window left after the request and the output reserve (negative: over by that much)."""
        return self.window - self.tokens - self.reserve_for_output

    @property
    def fits(self) -> bool:
        """True when request + reserve fit the window."""
        return self.headroom >= 0

    def message(self) -> str:
        """The verdict in one sentence, with both numbers and, when it does not fit, the fix."""
        est = " (estimate: proxy tokenizer)" if self.estimate else ""
        if self.fits:
            return (f"fits: {self.model.name} accepts {self.window:,} tokens; this request has {self.tokens:,}"
                    f"{est} (+{self.reserve_for_output:,} reserved for output); headroom {self.headroom:,}")
        alt = ", ".join(f"{m.id} ({m.context_window:,})" for m in self.larger_models) or \
            "none in the pricing table"
        return (f"does not fit: model {self.model.name} accepts {self.window:,} tokens; this request has "
                f"{self.tokens:,}{est} (+{self.reserve_for_output:,} reserved for output); drop "
                f"{-self.headroom:,} tokens or use a model with a larger window: {alt}")


def request_tokens(text_or_messages: Union[str, Sequence[Message]], model: ModelPrice) -> int:
    """Tokens of a text or chat request on a model's tokenizer, with its vendor's chat framing."""
    tok = tokenizer_for(model)
    if isinstance(text_or_messages, str):
        return tok.count(text_or_messages)
    return count_messages(list(text_or_messages), tok, model.vendor)


def check_fits(text_or_messages: Union[str, Sequence[Message]], model: Union[str, ModelPrice], *,
               reserve_for_output: int = 0, pricing: Optional[PricingTable] = None,
               raise_error: bool = True) -> FitCheck:
    """Check a request against a model's context window; ContextWindowError (with the fix) when it does not fit."""
    table = pricing or default_pricing()
    p = model if isinstance(model, ModelPrice) else table.get(model)
    if p.context_window is None:
        raise ValueError(f"the pricing table has no context window for {p.id}; add \"context_window\": N for it "
                         "in a pricing file (--pricing FILE) or choose a model that has one")
    if reserve_for_output < 0:
        raise ValueError(f"reserve_for_output must be >= 0, got {reserve_for_output}")
    n = request_tokens(text_or_messages, p)
    estimate = p.is_estimate or (not isinstance(text_or_messages, str) and not chat_format(p.vendor).exact)
    need = n + reserve_for_output
    larger = tuple(sorted((m for m in table if m.context_window and m.context_window >= need and m.id != p.id),
                          key=lambda m: (m.input, m.id)))
    check = FitCheck(p, n, p.context_window, reserve_for_output, estimate, larger)
    if not check.fits and raise_error:
        raise ContextWindowError(check.message(), check)
    return check


# ====================
# History strategies
# ====================


@dataclass(frozen=True)
class HistoryResult:
    """A history strategy's outcome: kept and dropped messages, tokens, and dollars saved per request."""

    strategy: str
    fit: FitResult
    model: ModelPrice
    summary: Optional[str] = None
    notes: tuple = ()

    @property
    def messages(self) -> list:
        """The messages to send (with the summary message, for `summarize`)."""
        return self.fit.messages

    @property
    def dropped(self) -> list:
        """The messages left out."""
        return self.fit.dropped

    @property
    def saved_dollars(self) -> Decimal:
        """Input dollars per request saved by not sending the dropped messages (net of any summary)."""
        return Decimal(self.saved_tokens) * self.model.input / MILLION

    @property
    def saved_tokens(self) -> int:
        """Tokens of the dropped messages minus what the summary message costs."""
        return self.fit.dropped_tokens - self.summary_tokens

    @property
    def summary_tokens(self) -> int:
        """Tokens of the summary message (0 without one)."""
        return int(self._summary_tokens)

    _summary_tokens: int = 0

    def report(self) -> str:
        """A short text report: kept/dropped counts, tokens and the saving."""
        f = self.fit
        lines = [f"strategy {self.strategy}: kept {len(f.messages)} messages ({f.tokens:,} tokens of {f.budget:,}), "
                 f"dropped {len(f.dropped)} ({f.dropped_tokens:,} tokens)",
                 f"saving {self.saved_tokens:,} input tokens = ${self.saved_dollars:.6f} per request on "
                 f"{self.model.label()}"]
        if self.summary is not None:
            lines.append(f"summary message: {self.summary_tokens:,} tokens")
        lines += ["note: " + n for n in self.notes]
        if not chat_format(self.model.vendor).exact:
            lines.append(f"note: estimate: the {self.model.vendor} chat framing per message is not published "
                         "(see bpe.budget)")
        return "\n".join(lines)


def _model_and_tokenizer(model: Union[str, ModelPrice], tokenizer: Optional["Tokenizer"],
                         pricing: Optional[PricingTable]) -> tuple[ModelPrice, "Tokenizer", ChatFormat]:
    p = model if isinstance(model, ModelPrice) else (pricing or default_pricing()).get(model)
    return p, tokenizer or tokenizer_for(p), chat_format(p.vendor)


def truncate_history(messages: Sequence[Message], max_tokens: int, *, model: Union[str, ModelPrice] = "gpt-5.4",
                     reserve_for_output: int = 0, tokenizer: Optional["Tokenizer"] = None,
                     pricing: Optional[PricingTable] = None) -> HistoryResult:
    """System message + most recent messages, filled newest-first (as `fit_messages`)."""
    p, tok, fmt = _model_and_tokenizer(model, tokenizer, pricing)
    return HistoryResult("truncate", fit_messages(tok, messages, max_tokens, reserve_for_output, chat_format_=fmt), p)


def _matches(message: Message, rules: Sequence[Union[str, "re.Pattern[str]", Callable[[Message], bool]]],
             important_key: str) -> bool:
    if message.get(important_key):
        return True
    text = message_text(message)
    for rule in rules:
        if callable(rule) and not isinstance(rule, (str, re.Pattern)):
            if rule(message):
                return True
        elif re.search(rule, text, flags=re.IGNORECASE if isinstance(rule, str) else 0):
            return True
    return False


def pin_history(messages: Sequence[Message], max_tokens: int, *, keep_last: int = 2,
                rules: Sequence[Union[str, "re.Pattern[str]", Callable[[Message], bool]]] = (),
                important_key: str = "important", model: Union[str, ModelPrice] = "gpt-5.4",
                reserve_for_output: int = 0, tokenizer: Optional["Tokenizer"] = None,
                pricing: Optional[PricingTable] = None) -> HistoryResult:
    """System + last `keep_last` + messages marked `important` or matching a rule (regex or callable), then fill."""
    if keep_last < 0:
        raise ValueError(f"keep_last must be >= 0, got {keep_last}")
    p, tok, fmt = _model_and_tokenizer(model, tokenizer, pricing)
    budget = _budget(max_tokens, reserve_for_output)
    msgs = list(messages)
    costs = [fmt.message_tokens(tok, m) for m in msgs]
    must = {i for i, m in enumerate(msgs) if _is_system(m)}
    recent = [i for i in range(len(msgs)) if not _is_system(msgs[i])][-keep_last:] if keep_last else []
    must |= set(recent)
    pinned = {i for i, m in enumerate(msgs) if i not in must and _matches(m, rules, important_key)}
    must |= pinned
    keep, used = _fill(msgs, costs, must, budget, fmt.reply_priming, max_tokens, reserve_for_output,
                       f"the system message, the last {keep_last} messages and {len(pinned)} pinned messages")
    notes = (f"{len(pinned)} messages pinned by rules or the {important_key!r} flag",)
    return HistoryResult("pin", _result(msgs, costs, keep, used, budget, max_tokens, reserve_for_output, notes), p,
                         notes=notes)


_SENTENCE = re.compile(r"(.+?[.!?])(\s|$)", re.S)


def extractive_summary(messages: Sequence[Message], max_chars_per_message: int = 160) -> str:
    """The first sentence of each message, prefixed by its role; no model is called.

    Example: [{"role": "user", "content": "My order is late. It was due Monday."}] -> "- user: My order is late."
    """
    lines = []
    for m in messages:
        text = " ".join(message_text(m).split())
        if not text:
            continue
        match = _SENTENCE.match(text)
        first = match.group(1) if match else text
        if len(first) > max_chars_per_message:
            first = first[:max_chars_per_message].rstrip() + "..."
        lines.append(f"- {m.get('role', 'user')}: {first}")
    return "\n".join(lines)


def summarize_history(messages: Sequence[Message], max_tokens: int, *,
                      summarizer: Optional[Callable[[list], str]] = None, model: Union[str, ModelPrice] = "gpt-5.4",
                      reserve_for_output: int = 0, tokenizer: Optional["Tokenizer"] = None,
                      pricing: Optional[PricingTable] = None) -> HistoryResult:
    """Truncate, then replace the dropped history by one summary message placed after the system message(s).

    `summarizer(dropped_messages) -> str` may call a model; the default is `extractive_summary`
    (first sentence of each message), labelled as such. The summary is cut to the room left; when there
    is no room, the oldest kept messages are dropped into the summary one by one.
    """
    p, tok, fmt = _model_and_tokenizer(model, tokenizer, pricing)
    base = fit_messages(tok, messages, max_tokens, reserve_for_output, chat_format_=fmt)
    if not base.dropped:
        return HistoryResult("summarize", base, p, notes=("nothing dropped: no summary needed",))
    label = "extractive summary (first sentences, no model called)" if summarizer is None else "summary"
    summarize = summarizer or extractive_summary
    msgs = list(messages)
    costs = [fmt.message_tokens(tok, m) for m in msgs]
    keep = set(base.kept_indices)
    protected = {i for i in keep if _is_system(msgs[i])} | {max(i for i in keep if not _is_system(msgs[i]))} \
        if any(not _is_system(msgs[i]) for i in keep) else {i for i in keep if _is_system(msgs[i])}
    min_body = 16  # tokens of summary text below which a summary says nothing useful
    empty_msg = fmt.message_tokens(tok, {"role": "system", "content": ""})
    while True:
        used = fmt.reply_priming + sum(costs[i] for i in keep)
        n_dropped = len(msgs) - len(keep)
        header = f"[{label} of {n_dropped} earlier messages]\n"
        room = base.budget - used - empty_msg
        droppable = sorted(i for i in keep if i not in protected)
        if room - tok.count(header) >= min_body or not droppable:
            break
        keep.discard(droppable[0])  # the oldest kept message joins the summary
    dropped = [msgs[i] for i in range(len(msgs)) if i not in keep]
    notes: list[str] = []
    if room - tok.count(header) <= 0:
        fit = _result(msgs, costs, keep, used, base.budget, max_tokens, reserve_for_output)
        return HistoryResult("summarize", fit, p, notes=("no room left for a summary; history truncated only",))
    body = summarize([dict(m) for m in dropped])
    if not isinstance(body, str):
        raise TypeError(f"summarizer must return a str, got {type(body).__name__}")
    text = tok.truncate(header + body, room)
    if text != header + body:
        notes.append(f"summary cut to {room} tokens to fit the budget")
    summary_msg = {"role": "system", "content": text}
    s_tokens = fmt.message_tokens(tok, summary_msg)
    sys_idx = [i for i in sorted(keep) if _is_system(msgs[i])]
    other_idx = [i for i in sorted(keep) if not _is_system(msgs[i])]
    kept_msgs = [dict(msgs[i]) for i in sys_idx] + [summary_msg] + [dict(msgs[i]) for i in other_idx]
    dropped_idx = [i for i in range(len(msgs)) if i not in keep]
    fit = FitResult(kept_msgs, [dict(m) for m in dropped], sys_idx + other_idx, dropped_idx, used + s_tokens,
                    sum(costs[i] for i in dropped_idx), base.budget, max_tokens, reserve_for_output, text,
                    tuple(notes))
    return HistoryResult("summarize", fit, p, summary=text, notes=tuple(notes), _summary_tokens=s_tokens)


STRATEGIES: dict[str, Callable[..., HistoryResult]] = {
    "truncate": truncate_history,
    "pin": pin_history,
    "summarize": summarize_history,
}


def apply_strategy(name: str, messages: Sequence[Message], max_tokens: int, **kwargs: Any) -> HistoryResult:
    """Run a history strategy by name ("truncate", "pin" or "summarize")."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown history strategy {name!r}; choose one of {', '.join(STRATEGIES)}")
    return STRATEGIES[name](messages, max_tokens, **kwargs)
