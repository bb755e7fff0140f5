"""`bpe budget check|fit|select`, `bpe route` and `bpe usage report|generate`."""
from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from .cli import read_text_arg
from .cost_cli import load_table, number

BUDGET_EXAMPLES = """examples:
  bpe budget check prompt.txt -m gpt-5.4 --reserve 4000
  bpe budget check chat.json -m claude-sonnet-4.6           (a JSON list of {"role", "content"} messages)
  bpe budget fit chat.json --max-tokens 8000 --reserve 1000 --strategy pin --keep-last 4 --pin "order #\\d+"
  bpe budget select "refund policy for damaged items" docs/*.md --max-tokens 2000 --chunk-tokens 200
"""
ROUTE_EXAMPLES = """examples:
  bpe route "prove that sqrt(2) is irrational, step by step"
  bpe route --json "translate 'good morning' to French"
  (bpe cost --route QUERIES_FILE prices a whole file of queries)
"""
USAGE_EXAMPLES = """examples:
  bpe usage generate --lines 100000 --seed 7 -o usage.jsonl
  bpe usage report usage.jsonl
  bpe usage report export.csv --skip-bad --truncate-to 16000 --format markdown -o report.md --chart cost.png
  bpe usage report usage.jsonl --format json
"""


def _dumps(o: Any) -> str:
    return json.dumps(o, indent=2, default=lambda x: str(x) if isinstance(x, Decimal) else repr(x))


def _read_request(path: str) -> Any:
    """Text, or a list of messages when the file is a JSON list (or {"messages": [...]})."""
    text = read_text_arg(path)
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return text
        if isinstance(data, dict) and isinstance(data.get("messages"), list):
            return data["messages"]
        if isinstance(data, list):
            return data
    return text


def cmd_check(args: argparse.Namespace) -> int:
    """Run `bpe budget check`: tokens against the model's context window."""
    from .budget import check_fits

    table = load_table(args.pricing)
    req = _read_request(args.input)
    try:
        c = check_fits(req, args.model, reserve_for_output=args.reserve, pricing=table, raise_error=False)
    except (ValueError, KeyError) as exc:
        raise SystemExit(f"bpe: {exc}")
    if args.json:
        print(_dumps({"model": c.model.id, "tokens": c.tokens, "window": c.window, "reserve": c.reserve_for_output,
                      "headroom": c.headroom, "fits": c.fits, "estimate": c.estimate}))
    else:
        print(c.message())
    return 0 if c.fits else 1


def cmd_fit(args: argparse.Namespace) -> int:
    """Run `bpe budget fit`: a history strategy over a JSON conversation."""
    from .budget import BudgetError, apply_strategy

    table = load_table(args.pricing)
    msgs = _read_request(args.input)
    if not isinstance(msgs, list):
        raise SystemExit(f"bpe: {args.input}: expected a JSON list of messages ({{\"role\": ..., \"content\": ...}})")
    kwargs: dict = {"model": args.model, "reserve_for_output": args.reserve, "pricing": table}
    if args.strategy == "pin":
        kwargs.update(keep_last=args.keep_last, rules=args.pin or ())
    try:
        r = apply_strategy(args.strategy, msgs, args.max_tokens, **kwargs)
    except (BudgetError, ValueError) as exc:
        raise SystemExit(f"bpe: {exc}")
    if args.json:
        print(_dumps({"strategy": r.strategy, "messages": r.messages, "dropped": r.dropped,
                      "tokens": r.fit.tokens, "dropped_tokens": r.fit.dropped_tokens,
                      "saved_tokens": r.saved_tokens, "saved_dollars": r.saved_dollars, "summary": r.summary,
                      "notes": list(r.notes)}))
    else:
        print(r.report())
        print(f"kept message indices: {r.fit.kept_indices}; dropped: {r.fit.dropped_indices}")
    return 0


def cmd_select(args: argparse.Namespace) -> int:
    """Run `bpe budget select`: the best chunks of documents under a token budget."""
    from .pricing import tokenizer_for
    from .selection import select_context

    table = load_table(args.pricing)
    docs = []
    for p in args.documents:
        docs.append(read_text_arg(p))
    try:
        price = table.get(args.model)
        r = select_context(args.query, docs, args.max_tokens, tokenizer=tokenizer_for(price), scorer=args.scorer,
                           chunk_tokens=args.chunk_tokens, overlap=args.overlap, pack=args.pack, model=price)
    except (ValueError, ImportError, KeyError) as exc:
        raise SystemExit(f"bpe: {exc}")
    if args.json:
        print(_dumps({"chunks": [{"document": args.documents[c.doc], "chunk": c.index, "tokens": c.tokens,
                                  "score": c.score} for c in r.chunks], "tokens_before": r.tokens_before,
                      "tokens_after": r.tokens_after, "saved_dollars": r.saved_dollars, "context": r.context}))
        return 0
    for c in r.chunks:
        print(f"{c.score:8.3f}  {c.tokens:6,} tokens  {args.documents[c.doc]} #{c.index}")
    print(f"tokens: {r.tokens_before:,} -> {r.tokens_after:,} (budget {r.max_tokens:,}); saving "
          f"${r.saved_dollars:.6f} per request on {price.label()}")
    if args.print_context:
        print("\n" + r.context)
    return 0


def cmd_route(args: argparse.Namespace) -> int:
    """Run `bpe route`: the model tier for a query, its score and the reasons."""
    from .routing import Router

    table = load_table(args.pricing)
    d = Router.default(pricing=table).route(" ".join(args.query))
    if args.json:
        print(_dumps({"model": d.model, "score": d.score, "reasons": d.reasons, "estimate": d.estimate}))
    else:
        print(f"model:   {d.model}\nscore:   {d.score:.2f}")
        for r in d.reasons:
            print(f"reason:  {r}")
    return 0


def cmd_usage_report(args: argparse.Namespace) -> int:
    """Run `bpe usage report`: price and explain usage logs."""
    from .usage import UsageLogError, analyze

    table = load_table(args.pricing)
    try:
        rep = analyze(args.logs, table, skip_bad=args.skip_bad, truncate_to=args.truncate_to,
                      route_share=args.route_share, route_to=args.route_to)
    except (UsageLogError, KeyError) as exc:
        raise SystemExit(f"bpe: {exc}")
    text = {"json": rep.to_json, "markdown": rep.to_markdown, "text": rep.to_text}[args.format]()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if rep.bad.count:
        print(f"skipped {rep.bad.count:,} bad lines: " + ", ".join(f"{k} ({v})" for k, v in rep.bad.reasons.items()),
              file=sys.stderr)
    if args.chart:
        why = rep.chart(args.chart)
        print(why or f"chart written to {args.chart}", file=sys.stderr)
    return 0


def cmd_usage_generate(args: argparse.Namespace) -> int:
    """Run `bpe usage generate`: write a seeded synthetic usage log."""
    from .usage import generate_usage_log

    generate_usage_log(args.out, args.lines, seed=args.seed, start=args.start, months=args.months,
                       fmt="csv" if args.out.endswith(".csv") else "jsonl", flavor=args.flavor)
    print(f"wrote {args.lines:,} synthetic usage lines to {args.out}", file=sys.stderr)
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pricing", action="append", help="pricing file (JSON/TOML) adding or overriding models")
    p.add_argument("--json", action="store_true", help="print JSON")


def register(subparsers: "argparse._SubParsersAction") -> None:
    """Add `bpe budget`, `bpe route` and `bpe usage` to the `bpe` command line."""
    fmt = argparse.RawDescriptionHelpFormatter
    b = subparsers.add_parser("budget", help="does it fit, what to keep, which context to send",
                              description="Does it fit, what to keep, which context to send.",
                              epilog=BUDGET_EXAMPLES, formatter_class=fmt)
    bs = b.add_subparsers(dest="budget_command", metavar="{check,fit,select}", required=True)

    p = bs.add_parser("check", help="tokens vs a model's context window",
                      description="Tokens vs a model's context window.", epilog=BUDGET_EXAMPLES, formatter_class=fmt)
    p.add_argument("input", help="text file, JSON messages file, or - for stdin")
    p.add_argument("-m", "--model", default="gpt-5.4", help="model id (default: %(default)s)")
    p.add_argument("--reserve", type=int, default=0, help="tokens reserved for the output")
    _common(p)
    p.set_defaults(func=cmd_check)

    p = bs.add_parser("fit", help="apply a history strategy to a conversation",
                      description="Apply a history strategy to a conversation.", epilog=BUDGET_EXAMPLES,
                      formatter_class=fmt)
    p.add_argument("input", help="JSON list of messages (or {\"messages\": [...]})")
    p.add_argument("--max-tokens", type=int, required=True, help="prompt + output budget")
    p.add_argument("--reserve", type=int, default=0, help="tokens reserved for the output")
    p.add_argument("--strategy", choices=["truncate", "pin", "summarize"], default="truncate",
                   help="truncate: system + newest; pin: also pinned messages; summarize: extractive summary of "
                        "the dropped history (default: %(default)s)")
    p.add_argument("--keep-last", type=int, default=2, help="pin: always keep this many newest messages")
    p.add_argument("--pin", action="append", help="pin: regex; matching messages are kept (repeatable)")
    p.add_argument("-m", "--model", default="gpt-5.4", help="model for counting and the saving (default: %(default)s)")
    _common(p)
    p.set_defaults(func=cmd_fit)

    p = bs.add_parser("select", help="pick the best chunks of documents for a query under a token budget",
                      description="Pick the best chunks of documents for a query under a token budget.",
                      epilog=BUDGET_EXAMPLES, formatter_class=fmt)
    p.add_argument("query", help="the question")
    p.add_argument("documents", nargs="+", help="text files")
    p.add_argument("--max-tokens", type=int, required=True, help="context budget in tokens")
    p.add_argument("--chunk-tokens", type=int, help="split documents into chunks of this many tokens")
    p.add_argument("--overlap", type=int, default=0, help="tokens shared by consecutive chunks")
    p.add_argument("--scorer", choices=["bm25", "embedding"], default="bm25", help="default: %(default)s")
    p.add_argument("--pack", choices=["score", "density"], default="score",
                   help="greedy by score, or by score per token (default: %(default)s)")
    p.add_argument("-m", "--model", default="gpt-5.4", help="model for counting and the saving (default: %(default)s)")
    p.add_argument("--print-context", action="store_true", help="also print the selected context")
    _common(p)
    p.set_defaults(func=cmd_select)

    p = subparsers.add_parser("route", help="which model tier a query should go to, and why",
                              description="Which model tier a query should go to, and why.",
                              epilog=ROUTE_EXAMPLES, formatter_class=fmt)
    p.add_argument("query", nargs="+", help="the query text")
    _common(p)
    p.set_defaults(func=cmd_route)

    u = subparsers.add_parser("usage", help="explain a bill from usage logs",
                              description="Explain a bill from usage logs.", epilog=USAGE_EXAMPLES,
                              formatter_class=fmt)
    us = u.add_subparsers(dest="usage_command", metavar="{report,generate}", required=True)
    p = us.add_parser("report", help="cost by month x endpoint x model, drivers, waste and remedies",
                      description="Cost by month x endpoint x model, drivers, waste and remedies.",
                      epilog=USAGE_EXAMPLES, formatter_class=fmt)
    p.add_argument("logs", nargs="+", help="JSONL or CSV usage exports (ours, OpenAI's or Anthropic's field names)")
    p.add_argument("--skip-bad", action="store_true", help="skip invalid lines and report how many")
    p.add_argument("--truncate-to", type=number(0, integer=True),
                   help="estimate the saving of truncating inputs to N tokens")
    p.add_argument("--route-share", type=number(0, 1), default=0.3, help="share of the top model's spend to route away")
    p.add_argument("--route-to", help="cheaper model for the routing remedy (default: the cheapest priced)")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text", help="default: %(default)s")
    p.add_argument("-o", "--out", help="write the report to this file")
    p.add_argument("--chart", help="PNG of cost per month stacked by endpoint (needs matplotlib)")
    p.add_argument("--pricing", action="append", help="pricing file (JSON/TOML) adding or overriding models")
    p.set_defaults(func=cmd_usage_report)
    p = us.add_parser("generate", help="write a seeded synthetic usage log",
                      description="Write a seeded synthetic usage log.", epilog=USAGE_EXAMPLES,
                      formatter_class=fmt)
    p.add_argument("-o", "--out", required=True, help="output file (.jsonl or .csv)")
    p.add_argument("--lines", type=int, default=10_000, help="default: %(default)s")
    p.add_argument("--seed", type=int, default=0, help="default: %(default)s")
    p.add_argument("--start", default="2026-01", help="first month YYYY-MM (default: %(default)s)")
    p.add_argument("--months", type=int, default=3, help="default: %(default)s")
    p.add_argument("--flavor", choices=["own", "openai", "anthropic"], default="own", help="field names to use")
    p.set_defaults(func=cmd_usage_generate)
