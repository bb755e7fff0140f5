"""`bpe cost`: price files, FLORES languages, chat workloads, what-ifs and routed query sets per model."""
from __future__ import annotations

import argparse
import json
import math
import sys
from decimal import Decimal
from typing import Any, Callable, Optional

from .cli import read_text_arg
from .pricing import PricingFileError, PricingTable, UnknownModelError, load_pricing

EXAMPLES = """examples:
  bpe cost --list                                   the pricing table (date and source of each price)
  bpe cost README.md -m gpt-5.4 -m claude-sonnet-4.6
  bpe cost my_corpus/ -m gpt-5.4                    a folder: the total of its files
  bpe cost --flores --languages amh_Ethi,hin_Deva -m gpt-5.4
  bpe cost --scenario --system-tokens 500 --messages 10 --user-tokens 50 \\
           --assistant-tokens 200 --per-day 1000 --days 30 -m gpt-5.4        # $0.031375 / $941.25
  bpe cost --scenario --system-tokens 50000 --user-tokens 100 --assistant-tokens 500 \\
           --per-month 10000 -m gpt-5.4                                     # $0.02025 / $202.50
  bpe cost --scenario ... --mode both --route-share 0.3 --route-to gpt-5.4-mini --cut-output 20
  bpe cost --route queries.txt --output-tokens 400 --requests-per-month 100000
Models whose tokenizer is a proxy are marked "(estimate: ... proxy)" in every output.
"""


def number(low: float = 0, high: Optional[float] = None, *, integer: bool = False) -> Callable[[str], float]:
    """An argparse `type` accepting finite numbers in [low, high] (whole ones when `integer`)."""
    kind = "a whole number" if integer else "a finite number"
    want = f"{kind} >= {low:g}" if high is None else f"{kind} from {low:g} to {high:g}"

    def parse(text: str) -> float:
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {want}, got {text!r}") from None
        if not math.isfinite(value) or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {want}, got {text!r}")
        return value

    return parse


def _fail(msg: str) -> int:
    print(f"bpe cost: {msg}", file=sys.stderr)
    return 2


def _json_default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return str(o)
    raise TypeError(type(o).__name__)


def load_table(paths: Optional[list]) -> PricingTable:
    """The pricing table with the user's --pricing files; exits with the validation message on error."""
    try:
        return load_pricing(paths or [])
    except PricingFileError as exc:
        raise SystemExit(f"bpe: {exc}")


def _models(table: PricingTable, names: Optional[list]) -> list:
    try:
        return [table.get(n) for n in names] if names else list(table)
    except UnknownModelError as exc:
        raise SystemExit(f"bpe: {exc}")


def cmd_list(table: PricingTable, as_json: bool) -> int:
    """Print the pricing table (or its JSON) with the date and source of each price."""
    from .cost import money

    if as_json:
        print(json.dumps([{**m.__dict__} for m in table], default=_json_default, indent=2))
        return 0
    toks = {m.id: m.tokenizer + ("" if m.tokenizer_exact else " (proxy: estimate)") for m in table}
    tw = max(len("tokenizer"), *map(len, toks.values()))
    print(f"{'model':<20} {'input':>8} {'output':>8} {'cached':>8} {'batch':>6} {'window':>10}  "
          f"{'tokenizer':<{tw}}  date; source")
    for m in table:
        cached = money(m.cached_input, 4) if m.cached_input is not None else "-"
        window = f"{m.context_window:,}" if m.context_window else "?"
        print(f"{m.id:<20} {money(m.input, 4):>8} {money(m.output, 4):>8} {cached:>8} "
              f"{float(m.batch_discount) * 100:>5.0f}% {window:>10}  {toks[m.id]:<{tw}}  {m.date}; {m.source}")
    print("prices in USD per 1M tokens; sources: " + ", ".join(table.sources))
    return 0


def cmd_files(args: argparse.Namespace, table: PricingTable) -> int:
    """Price text files as input tokens on each model."""
    from .cost import file_costs, money

    try:
        rows = file_costs(args.files, _models(table, args.model), pricing=table)
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps([{"file": r.label, "model": r.model.id, "tokens": r.tokens, "dollars": r.dollars,
                           "estimate": r.estimate} for r in rows], default=_json_default, indent=2))
        return 0
    print(f"{'file':<30} {'model':<48} {'tokens':>10} {'input cost':>12}")
    for r in rows:
        print(f"{r.label[-30:]:<30} {r.model.label():<48} {r.tokens:>10,} {money(r.dollars, 6):>12}")
    return 0


def cmd_flores(args: argparse.Namespace, table: PricingTable) -> int:
    """Price FLORES-200 languages per model, with the premium over the baseline in dollars."""
    from .corpora import CorpusNotFoundError
    from .cost import language_costs, money

    langs = [c.strip() for c in (args.languages or "amh_Ethi,hin_Deva,arb_Arab,zho_Hans,spa_Latn").split(",") if c.strip()]
    try:
        rows = language_costs(langs, _models(table, args.model), baseline=args.baseline,
                              corpora_path=args.corpora, pricing=table, scale=args.scale)
    except (CorpusNotFoundError, ValueError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps([{"language": r.language, "model": r.model.id, "lines": r.lines, "tokens": r.tokens,
                           "dollars": r.dollars, "premium_ratio": r.premium_ratio, "premium_dollars": r.premium_dollars,
                           "estimate": r.model.is_estimate} for r in rows], default=_json_default, indent=2))
        return 0
    print(f"{'language':<10} {'model':<48} {'tokens':>10} {'cost':>12} {'x ' + args.baseline:>14} {'premium':>12}")
    for r in rows:
        print(f"{r.language:<10} {r.model.label():<48} {r.tokens:>10,} {money(r.dollars, 6):>12} "
              f"{float(r.premium_ratio):>14.2f} {money(r.premium_dollars, 6):>12}")
    first = next((r for r in rows if r.language != args.baseline), None)
    if first is not None:
        base = next(r for r in rows if r.model.id == first.model.id and r.language == args.baseline)
        print(f"\nthe same {first.lines:,} sentences cost {money(base.dollars, 6)} in {args.baseline} and "
              f"{money(first.dollars, 6)} in {first.language} on {first.model.label()}")
    return 0


def _workload(args: argparse.Namespace, mode: str):
    from .cost import Workload

    return Workload(
        system_prompt_tokens=args.system_tokens, system_prompt_cached=not args.no_cache_system,
        messages_per_conversation=args.messages, user_tokens=args.user_tokens,
        assistant_tokens=args.assistant_tokens, conversations_per_day=Decimal(str(args.per_day)),
        days_per_month=args.days,
        conversations_per_month=Decimal(str(args.per_month)) if args.per_month is not None else None,
        batch=args.batch, mode=mode, cache_history=not args.no_cache_history)


def cmd_scenario(args: argparse.Namespace, table: PricingTable) -> int:
    """Price a chat workload per conversation, day and month, with breakdowns and what-ifs."""
    from .cost import money, whatif_cut_output, whatif_route_share, whatif_switch_model, workload_costs

    modes = ["simple", "history"] if args.mode == "both" else [args.mode]
    models = _models(table, args.model)
    try:
        workloads = [_workload(args, m) for m in modes]
    except ValueError as exc:
        return _fail(str(exc))
    out: dict[str, Any] = {"results": [], "whatif": []}
    for w in workloads:
        for c in workload_costs(w, models, pricing=table):
            out["results"].append(c)
    whatifs = []
    base_model = models[0]
    sample = read_text_arg(args.sample) if args.sample else None
    try:
        for w in workloads:
            if args.route_share is not None:
                whatifs.append((w.mode, whatif_route_share(w, base_model, args.route_to or table.cheapest().id,
                                                           args.route_share, pricing=table)))
            if args.cut_output is not None:
                whatifs.append((w.mode, whatif_cut_output(w, base_model, args.cut_output, pricing=table)))
            if args.switch_to:
                whatifs.append((w.mode, whatif_switch_model(w, base_model, args.switch_to, sample=sample,
                                                            pricing=table)))
    except (ValueError, UnknownModelError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps({
            "results": [{"model": c.model.id, "mode": c.mode, "batch": c.workload.batch, "estimate": c.model.is_estimate,
                         "per_conversation": c.per_conversation, "per_day": c.per_day, "per_month": c.per_month,
                         "breakdown": [ln.__dict__ for ln in c.lines], "notes": list(c.notes)}
                        for c in out["results"]],
            "whatif": [{"mode": m, "description": wi.description, "baseline": wi.baseline, "scenario": wi.scenario,
                        "saving": wi.saving, "notes": list(wi.notes)} for m, wi in whatifs],
        }, default=_json_default, indent=2))
        return 0
    print(f"{'model':<48} {'mode':<8} {'per conversation':>17} {'per day':>12} {'per month':>14}")
    for c in out["results"]:
        print(f"{c.model.label():<48} {c.mode:<8} {money(c.per_conversation, 6):>17} {money(c.per_day, 2):>12} "
              f"{money(c.per_month, 2):>14}")
    print("\nbreakdown (simple: each message billed once; history: each turn re-sends the conversation):")
    for c in out["results"]:
        print(c.explain())
    if whatifs:
        print("\nwhat-if:")
        for mode, wi in whatifs:
            print(f"  [{mode}] {wi.explain()}")
            for n in wi.notes:
                print(f"      note: {n}")
    return 0


def cmd_route(args: argparse.Namespace, table: PricingTable) -> int:
    """Blended monthly cost of a routed query file against a single-model baseline."""
    from .cost import money
    from .routing import Router, routed_cost

    try:
        queries = [q for q in read_text_arg(args.route).splitlines() if q.strip()]
    except OSError as exc:
        return _fail(f"{args.route}: cannot read queries file ({exc.strerror})")
    if not queries:
        return _fail(f"{args.route}: no queries (one query per line)")
    try:
        router = Router.default(pricing=table)
        default_base = "gpt-5.4" if any(t.model == "gpt-5.4" for t in router.tiers) else router.tiers[-1].model
        rep = routed_cost(queries, router, baseline=args.baseline_model or default_base,
                          output_tokens=args.output_tokens, requests_per_month=args.requests_per_month,
                          pricing=table)
    except (ValueError, UnknownModelError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(rep.to_dict(), default=_json_default, indent=2))
        return 0
    print(f"{'model':<48} {'queries':>8} {'share':>7} {'per month':>12}")
    for row in rep.per_model:
        print(f"{row['label']:<48} {row['queries']:>8} {row['share'] * 100:>6.1f}% {money(row['per_month'], 2):>12}")
    print(f"\nblended: {money(rep.blended_per_month, 2)} a month for {rep.requests_per_month:,} requests; "
          f"baseline all on {rep.baseline.label()}: {money(rep.baseline_per_month, 2)}; "
          f"saving {money(rep.saving, 2)} ({rep.saving_pct:.1f}%)")
    print(f"(query tokens measured on {len(queries)} queries, {args.output_tokens} output tokens assumed per answer)")
    return 0


def cmd_cost(args: argparse.Namespace) -> int:
    """Dispatch `bpe cost` to the list, file, FLORES, scenario or route mode."""
    table = load_table(args.pricing)
    if args.list:
        return cmd_list(table, args.json)
    if args.route:
        return cmd_route(args, table)
    if args.scenario:
        return cmd_scenario(args, table)
    if args.flores:
        return cmd_flores(args, table)
    if args.files:
        return cmd_files(args, table)
    return _fail("nothing to price: give FILES, --flores, --scenario, --route QUERIES_FILE or --list (see --help)")


def register(subparsers: "argparse._SubParsersAction") -> None:
    """Add `bpe cost` to the `bpe` command line."""
    p = subparsers.add_parser("cost", help="what text, a corpus or a chat workload costs per model",
                              description="Price text, FLORES languages, chat workloads and routed traffic.",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", help="text files or corpus folders to price as input tokens "
                                             "(.xz/.gz/.bz2 decompressed; a folder is summed)")
    p.add_argument("-m", "--model", action="append", help="model id (repeatable; default: every priced model)")
    p.add_argument("--pricing", action="append", help="pricing file (JSON/TOML) adding or overriding models")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--list", action="store_true", help="print the pricing table")
    g = p.add_argument_group("parallel corpus (FLORES-200)")
    g.add_argument("--flores", action="store_true", help="price FLORES-200 devtest per language")
    g.add_argument("--languages", help="comma-separated FLORES codes (default: 5 languages, 5 scripts)")
    g.add_argument("--baseline", default="eng_Latn", help="language the premium is measured against (default: %(default)s)")
    g.add_argument("--scale", type=number(1, integer=True), default=1,
                   help="multiply the corpus this many times (e.g. 1000)")
    g.add_argument("--corpora", help="folder holding flores200/ (default: $BPE_CORPORA or ../shared/corpora)")
    g = p.add_argument_group("workload scenario")
    g.add_argument("--scenario", action="store_true", help="price a chat workload")
    count = number(0, integer=True)
    g.add_argument("--system-tokens", type=count, default=0, help="system prompt tokens")
    g.add_argument("--no-cache-system", action="store_true", help="the system prompt is not cached")
    g.add_argument("--messages", type=number(1, integer=True), default=1,
                   help="messages (user turn + answer) per conversation")
    g.add_argument("--user-tokens", type=count, default=0, help="user tokens per message")
    g.add_argument("--assistant-tokens", type=count, default=0, help="assistant tokens per message")
    g.add_argument("--per-day", type=number(0), default=1, help="conversations per day")
    g.add_argument("--days", type=count, default=30, help="days per month (default: %(default)s)")
    g.add_argument("--per-month", type=number(0), help="conversations per month (overrides --per-day x --days)")
    g.add_argument("--batch", action="store_true", help="use the batch API discount")
    g.add_argument("--mode", choices=["simple", "history", "both"], default="simple",
                   help="simple: each message billed once; history: each turn re-sends the history (default: simple)")
    g.add_argument("--no-cache-history", action="store_true", help="history mode without caching the previous prompt")
    g = p.add_argument_group("what-if (against the first --model)")
    g.add_argument("--route-share", type=number(0, 1), help="share 0..1 of traffic sent to --route-to")
    g.add_argument("--route-to", help="cheaper model for --route-share (default: the cheapest priced model)")
    g.add_argument("--cut-output", type=number(0, 100), help="cut output tokens by this percentage")
    g.add_argument("--switch-to", help="move all traffic to this model")
    g.add_argument("--sample", help="sample text to measure the tokenizers' ratio for --switch-to")
    g = p.add_argument_group("routed traffic")
    g.add_argument("--route", metavar="QUERIES_FILE", help="one query per line: blended cost with `bpe route` tiers")
    g.add_argument("--baseline-model", help="single-model baseline for --route (default: gpt-5.4)")
    g.add_argument("--output-tokens", type=count, default=500, help="answer tokens per query (default: %(default)s)")
    g.add_argument("--requests-per-month", type=count, default=100_000,
                   help="requests per month (default: %(default)s)")
    p.set_defaults(func=cmd_cost)
