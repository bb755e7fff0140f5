"""Explain a bill from usage logs: cost by month x endpoint x model, what drove the change, waste and remedies.

Logs are JSONL or CSV, read in one streaming pass (a line at a time; the per-request token counts are
kept as compact integer arrays for percentiles and truncation estimates, ~28 bytes a request).
Field names of our own format, OpenAI's and Anthropic's usage exports are accepted (`FIELDS`):

- ours: timestamp, model, endpoint, input_tokens (including cached), output_tokens, cached_input_tokens,
  optional requests, prefix_hash, prefix_tokens;
- OpenAI: prompt_tokens / completion_tokens / prompt_tokens_details.cached_tokens (chat `usage`),
  input_tokens / output_tokens / input_cached_tokens / num_model_requests / start_time / project_id
  (Usage API buckets), input_tokens_details.cached_tokens (Responses API `usage`),
  n_context_tokens_total / n_generated_tokens_total (activity CSV); input counts include the cached tokens;
- Anthropic: input_tokens or uncached_input_tokens, cache_read_input_tokens, cache_creation_input_tokens
  (or, when that total is absent, the sum of its cache_creation.ephemeral_5m/1h_input_tokens breakdown),
  output_tokens, starting_at, workspace_id; input counts exclude cache reads. Cache writes are
  priced as ordinary input (Anthropic bills them at 1.25x: an estimate, said in the report).

Unix timestamps before 2000-01-01 (and negative ones) are rejected as implausible: they are almost always
a date written as a number (20260301) or a zero default, and would be filed under 1970.

Every bad line (missing field, negative or non-integer tokens, unknown model, unreadable timestamp)
raises `UsageLogError` naming file and line; `skip_bad=True` skips and counts them instead.
"""
from __future__ import annotations

import calendar
import csv
import io
import json
import math
import os
import random
import re
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Optional, Sequence, Union

from .pricing import MILLION, ModelPrice, PricingTable, UnknownModelError, default_pricing

PathLike = Union[str, "os.PathLike[str]"]

FIELDS = {
    "timestamp": ("timestamp", "time", "created", "created_at", "start_time", "starting_at", "date",
                  "usage_date_utc", "bucket_start_time"),
    "model": ("model", "model_id", "snapshot_id", "model_name"),
    "endpoint": ("endpoint", "feature", "tag", "operation", "metadata.feature", "project_id", "workspace_id",
                 "api_key_id"),
    "requests": ("requests", "num_model_requests", "n_requests", "num_requests"),
    # input tokens that include cached ones (OpenAI convention, and ours)
    "input_incl": ("input_tokens", "prompt_tokens", "usage.prompt_tokens", "usage.input_tokens",
                   "n_context_tokens_total"),
    "cached_incl": ("cached_input_tokens", "input_cached_tokens", "prompt_tokens_details.cached_tokens",
                    "usage.prompt_tokens_details.cached_tokens", "input_tokens_details.cached_tokens",
                    "usage.input_tokens_details.cached_tokens", "cached_tokens"),
    "output": ("output_tokens", "completion_tokens", "usage.completion_tokens", "usage.output_tokens",
               "n_generated_tokens_total"),
    # Anthropic convention: input excludes cache reads
    "anthropic_uncached": ("uncached_input_tokens", "input_tokens", "usage.input_tokens"),
    "anthropic_cache_read": ("cache_read_input_tokens", "usage.cache_read_input_tokens"),
    "anthropic_cache_write": ("cache_creation_input_tokens", "usage.cache_creation_input_tokens"),
    # The breakdown of the total above by cache lifetime: summed only when the total is absent.
    "anthropic_cache_write_parts": ("cache_creation.ephemeral_5m_input_tokens",
                                    "cache_creation.ephemeral_1h_input_tokens",
                                    "usage.cache_creation.ephemeral_5m_input_tokens",
                                    "usage.cache_creation.ephemeral_1h_input_tokens"),
}

# Unix times before this are dates written as numbers (20260301) or zero defaults, not usage.
EARLIEST_UNIX_TIME = 946684800  # 2000-01-01T00:00:00Z


class UsageLogError(ValueError):
    """A usage-log line is invalid; the message names file and line and says how to fix or skip it."""


@dataclass(frozen=True)
class UsageRecord:
    """One normalized log line: cached and uncached input are disjoint."""

    month: str
    endpoint: str
    model: str
    requests: int
    uncached_input: int
    cached_input: int
    output: int
    prefix_hash: Optional[str] = None
    prefix_tokens: int = 0
    cache_write_input: int = 0  # Anthropic cache writes, also counted in uncached_input

    @property
    def input_tokens(self) -> int:
        """All input tokens, cached or not."""
        return self.uncached_input + self.cached_input


def _flatten(d: dict, prefix: str = "", out: Optional[dict] = None) -> dict:
    out = {} if out is None else out
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            _flatten(v, key + ".", out)
        else:
            out[key] = v
    return out


def _first(rec: dict, names: Sequence[str]) -> tuple[Optional[str], Any]:
    for n in names:
        v = rec.get(n)
        if v is not None and v != "":
            return n, v
    return None, None


_INTEGER = re.compile(r"-?[0-9]+")


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        n = int(value.strip())
    else:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if n < 0:
        raise ValueError(f"{name} must be >= 0, got {n}")
    return n


_ISO_UTC = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2})(?:[T ]([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)?)?"
                      r"(?:Z|\+00:00)?$")


def parse_month(value: Any) -> str:
    """"YYYY-MM" (UTC) of an ISO-8601 string, a date, or unix seconds/milliseconds from 2000 on.

    Example: "2026-03-31T23:59:59Z" -> "2026-03"; 1767225600 -> "2026-01"
    """
    if isinstance(value, bool):
        raise ValueError(f"unreadable timestamp {value!r}")
    given = value
    if isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
        value = float(value)
    if isinstance(value, (int, float)):
        secs = value / 1000 if value > 1e11 else value  # milliseconds since the epoch
        if secs < EARLIEST_UNIX_TIME:
            raise ValueError(f"implausible timestamp (unix time before 2000-01-01), got {given!r}; write dates "
                             "as ISO 8601 like 2026-03-01, or unix seconds/milliseconds")
        try:
            return datetime.fromtimestamp(secs, tz=timezone.utc).strftime("%Y-%m")
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"unreadable timestamp {value!r}") from None
    if isinstance(value, str):
        s = value.strip()
        m = _ISO_UTC.match(s)
        if m and 1 <= int(m.group(2)) <= 12 and (
                m.group(3) is None or 1 <= int(m.group(3)) <= calendar.monthrange(int(m.group(1)), int(m.group(2)))[1]):
            return s[:7]  # UTC or naive ISO: the month is the prefix; skips a datetime parse per line
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"  # Python < 3.11 fromisoformat does not read "Z"
        try:
            dt = datetime.fromisoformat(s.replace(" UTC", "+00:00"))
        except ValueError:
            raise ValueError(f"unreadable timestamp {value!r} (use ISO 8601 like 2026-03-01T12:00:00Z "
                             "or unix seconds)") from None
        if dt.tzinfo is not None:
            dt = dt.astimezone(timezone.utc)
        return dt.strftime("%Y-%m")
    raise ValueError(f"unreadable timestamp {value!r}")


def normalize(raw: dict, pricing: PricingTable, model_ids: Optional[dict] = None) -> UsageRecord:
    """One raw log record (any accepted field names) as a UsageRecord; ValueError says what is wrong.

    `model_ids` caches logged model name -> table id across calls.
    """
    rec = _flatten(raw) if any(isinstance(v, dict) for v in raw.values()) else raw
    _, ts = _first(rec, FIELDS["timestamp"])
    if ts is None:
        raise ValueError(f"missing field timestamp (one of {', '.join(FIELDS['timestamp'][:5])}, ...)")
    month = parse_month(ts)
    _, model = _first(rec, FIELDS["model"])
    if model is None:
        raise ValueError("missing field model")
    mid = model_ids.get(model) if model_ids is not None and isinstance(model, str) else None
    if mid is None:
        try:
            mid = pricing.get(str(model)).id
        except UnknownModelError as exc:
            raise ValueError(str(exc)) from None
        if model_ids is not None and isinstance(model, str):
            model_ids[model] = mid
    _, endpoint = _first(rec, FIELDS["endpoint"])
    req_name, req = _first(rec, FIELDS["requests"])
    requests = _int(req, req_name) if req is not None else 1
    anth_read = _first(rec, FIELDS["anthropic_cache_read"])
    cache_write = 0
    anth_uncached = rec.get("uncached_input_tokens")
    write_name, write_total = _first(rec, FIELDS["anthropic_cache_write"])
    write_parts = [(n, rec[n]) for n in FIELDS["anthropic_cache_write_parts"] if rec.get(n) not in (None, "")]
    if anth_read[0] is not None or anth_uncached is not None or write_name is not None or write_parts:
        name, v = _first(rec, FIELDS["anthropic_uncached"])
        if name is None:
            raise ValueError("missing field input_tokens")
        uncached = _int(v, name)
        cached = _int(anth_read[1], anth_read[0]) if anth_read[0] else 0
        if write_name is not None:
            cache_write = _int(write_total, write_name)
        else:
            cache_write = sum(_int(pv, pn) for pn, pv in write_parts)
        uncached += cache_write
    else:
        name, v = _first(rec, FIELDS["input_incl"])
        if name is None:
            raise ValueError("missing field input_tokens (or prompt_tokens)")
        total = _int(v, name)
        cname, cv = _first(rec, FIELDS["cached_incl"])
        cached = _int(cv, cname) if cname else 0
        if cached > total:
            raise ValueError(f"{cname} ({cached}) exceeds {name} ({total}); in this format input includes cached "
                             "tokens (Anthropic exports use cache_read_input_tokens instead)")
        uncached = total - cached
    oname, ov = _first(rec, FIELDS["output"])
    if oname is None:
        raise ValueError("missing field output_tokens (or completion_tokens)")
    output = _int(ov, oname)
    if requests == 0 and uncached + cached + output:
        raise ValueError(f"{req_name} is 0 but the line has {uncached + cached + output:,} tokens; "
                         "a line with tokens stands for at least 1 request")
    ph = rec.get("prefix_hash")
    pt = _int(rec["prefix_tokens"], "prefix_tokens") if rec.get("prefix_tokens") not in (None, "") else 0
    return UsageRecord(month, str(endpoint) if endpoint is not None else "(none)", mid, requests, uncached, cached,
                       output, str(ph) if ph not in (None, "") else None, pt, cache_write)


def iter_raw(path: PathLike) -> Iterator[tuple[int, Any]]:
    """(line number, raw record) of a JSONL or CSV file, streamed; bad lines are yielded as exceptions.

    A UTF-8 byte-order mark is skipped; CSV rows with more or fewer fields than the header are bad lines.
    """
    p = Path(path)
    # utf-8-sig: Excel and PowerShell exports start with a BOM, which would hide a JSONL file's "{".
    with open(p, encoding="utf-8-sig", newline="") as f:
        first = f.read(4096).lstrip(" \t\r\n")[:1]
        f.seek(0)
        if p.suffix.lower() == ".csv" or (first and first not in "{["):
            reader = csv.DictReader(f)
            width = len(reader.fieldnames or ())
            for row in reader:
                if None in row or None in row.values():
                    # DictReader files extra fields under None and fills missing ones with None.
                    n = width + len(row.get(None) or ()) - sum(v is None for v in row.values())
                    yield reader.line_num, ValueError(f"{n} fields but the header has {width} columns; "
                                                      "quote fields that contain commas")
                    continue
                yield reader.line_num, row
            return
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, ValueError(f"invalid JSON ({exc.msg} at column {exc.colno})")


def bad_line_reason(message: str) -> str:
    """The kind of a bad-line error without its value, so that --skip-bad counts group by cause.

    Example: "input_tokens must be >= 0, got -3" -> "input_tokens must be >= 0"
    """
    reason = re.split(r", got | \(|; known models", message, maxsplit=1)[0]
    # Keep the model name of an unknown model (it says what to add); drop any other quoted value.
    return reason if reason.startswith("unknown model") else re.sub(r" '[^']*'$", "", reason)


# ====================
# Streaming analysis
# ====================


@dataclass
class BadLines:
    """Skipped lines by reason, with the first few locations."""

    count: int = 0
    reasons: dict = field(default_factory=lambda: defaultdict(int))
    examples: list = field(default_factory=list)


class UsageAnalyzer:
    """Accumulate usage records in one pass; `report()` prices and explains them."""

    def __init__(self, pricing: Optional[PricingTable] = None, *, skip_bad: bool = False) -> None:
        """Empty totals; pricing defaults to the shipped table."""
        self.pricing = pricing or default_pricing()
        self.skip_bad = skip_bad
        self.cells: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, 0])  # requests, uncached, cached, output
        self.endpoints: list[str] = []
        self.models: list[str] = []
        self._ep_ix: dict[str, int] = {}
        self._m_ix: dict[str, int] = {}
        # Per-line columns (tokens per request) for percentiles and truncation estimates.
        self.col_ep = array("H")
        self.col_model = array("H")
        self.col_input = array("q")
        self.col_requests = array("q")
        self.min_input: dict[tuple, int] = {}
        self.repeat_uncached: dict[tuple, int] = defaultdict(int)
        self._seen_prefix: set = set()
        self.has_prefix_hashes = False
        self.cache_write_tokens = 0
        self.bucketed_lines = 0  # lines standing for other than one request (num_model_requests)
        self.lines = 0
        self.bad = BadLines()
        self._model_ids: dict = {}
        self.ep_inputs: list = []   # per endpoint: array of input tokens per request
        self.ep_outputs: list = []

    def add(self, r: UsageRecord) -> None:
        """Add one normalized record."""
        ep = self._ep_ix.get(r.endpoint)
        if ep is None:
            ep = self._ep_ix[r.endpoint] = len(self.endpoints)
            self.endpoints.append(r.endpoint)
            self.ep_inputs.append(array("q"))
            self.ep_outputs.append(array("q"))
        mi = self._m_ix.get(r.model)
        if mi is None:
            mi = self._m_ix[r.model] = len(self.models)
            self.models.append(r.model)
        c = self.cells[r.month, r.endpoint, r.model]
        c[0] += r.requests
        c[1] += r.uncached_input
        c[2] += r.cached_input
        c[3] += r.output
        self.cache_write_tokens += r.cache_write_input
        self.bucketed_lines += r.requests != 1
        per_req_in = r.input_tokens // r.requests if r.requests else 0
        self.col_ep.append(ep)
        self.col_model.append(mi)
        self.col_input.append(per_req_in)
        self.ep_inputs[ep].append(per_req_in)
        self.ep_outputs[ep].append(r.output // r.requests if r.requests else 0)
        self.col_requests.append(r.requests)
        key = (r.endpoint, r.model)
        if per_req_in < self.min_input.get(key, 1 << 62):
            self.min_input[key] = per_req_in
        if r.prefix_hash is not None:
            self.has_prefix_hashes = True
            pk = (r.model, r.prefix_hash)
            if pk in self._seen_prefix:
                # A prefix sent before that the cache did not serve: these tokens could have been cached.
                self.repeat_uncached[key] += max(0, min(r.prefix_tokens - r.cached_input, r.uncached_input))
            else:
                self._seen_prefix.add(pk)

    def add_file(self, path: PathLike) -> None:
        """Stream one JSONL or CSV log into the totals."""
        if Path(path).is_dir():  # checked first: Windows reports a folder as PermissionError
            raise UsageLogError(f"{path}: is a folder; pass the log files in it, e.g. {path}/*.jsonl")
        try:
            it = iter_raw(path)
            for line, raw in it:
                self.lines += 1
                try:
                    if isinstance(raw, Exception):
                        raise raw
                    if not isinstance(raw, dict):
                        raise ValueError("expected a JSON object per line")
                    self.add(normalize(raw, self.pricing, self._model_ids))
                except ValueError as exc:
                    if not self.skip_bad:
                        raise UsageLogError(f"{path}:{line}: {str(exc).rstrip('.')}. Fix the line, or pass "
                                            "--skip-bad (skip_bad=True) to skip and count such lines") from None
                    self.bad.count += 1
                    self.bad.reasons[bad_line_reason(str(exc))] += 1
                    if len(self.bad.examples) < 5:
                        self.bad.examples.append(f"{path}:{line}: {exc}")
        except FileNotFoundError:
            raise UsageLogError(f"{path}: no such file") from None
        except OSError as exc:
            raise UsageLogError(f"{path}: cannot read ({exc.strerror})") from None
        except UnicodeDecodeError as exc:
            raise UsageLogError(f"{path}: not UTF-8 at byte {exc.start}; convert the export to UTF-8") from None

    def report(self, *, truncate_to: Optional[int] = None, outlier_factor: float = 4.0, route_share: float = 0.3,
               route_to: Optional[str] = None) -> "UsageReport":
        """Price the totals and find drivers, waste and remedies."""
        return build_report(self, truncate_to=truncate_to, outlier_factor=outlier_factor, route_share=route_share,
                            route_to=route_to)


def analyze(paths: Iterable[PathLike], pricing: Optional[PricingTable] = None, *, skip_bad: bool = False,
            **report_kwargs: Any) -> "UsageReport":
    """Read usage logs in one streaming pass and build the report."""
    a = UsageAnalyzer(pricing, skip_bad=skip_bad)
    for p in paths:
        a.add_file(p)
    return a.report(**report_kwargs)


# ====================
# Report
# ====================


def _cost(p: ModelPrice, uncached: int, cached: int, output: int) -> tuple[Decimal, Decimal, Decimal]:
    return (Decimal(uncached) * p.input / MILLION, Decimal(cached) * p.effective_cached_input / MILLION,
            Decimal(output) * p.output / MILLION)


def percentile(sorted_values: Sequence[int], pct: float) -> int:
    """Nearest-rank percentile of sorted values (0 for none).

    Example: percentile([1, 2, 3, 4], 50) -> 2
    """
    if not sorted_values:
        return 0
    k = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[k - 1]


_NUMBER = re.compile(r"-?\$?-?[\d,]+(\.\d+)?%?$")


def _numeric_columns(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[bool]:
    """Which columns hold only numbers or dollars (right-aligned, so digits line up)."""
    return [bool(rows) and all(_NUMBER.match(r[i]) for r in rows) for i in range(len(head))]


@dataclass
class UsageReport:
    """Everything `bpe usage report` prints; `to_dict` is its JSON form."""

    rows: list            # month, endpoint, model, requests, tokens..., dollars by component, total
    months: list
    month_totals: dict
    changes: list         # per consecutive month pair: total delta and drivers
    percentiles: dict
    waste: list
    remedies: list
    bad: BadLines
    lines: int
    notes: list

    def to_dict(self) -> dict:
        """JSON-ready (Decimals as strings)."""
        return {"lines": self.lines, "skipped_lines": self.bad.count, "skipped_reasons": dict(self.bad.reasons),
                "months": self.months, "month_totals": self.month_totals, "rows": self.rows,
                "changes": self.changes, "percentiles": self.percentiles, "waste": self.waste,
                "remedies": self.remedies, "notes": self.notes}

    def to_json(self) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=2, default=lambda o: str(o) if isinstance(o, Decimal) else o)

    def _tables(self) -> list[tuple[str, list[str], list[list[str]]]]:
        from .cost import money

        t = [("Cost by month x endpoint x model", ["month", "endpoint", "model", "requests",
                                                   "uncached input", "cached input", "output", "cost"],
              [[r["month"], r["endpoint"], r["model"], f"{r['requests']:,}", f"{r['uncached_input']:,}",
                f"{r['cached_input']:,}", f"{r['output']:,}", money(r["total"], 2)] for r in self.rows]),
             ("Monthly totals", ["month", "cost"], [[m, money(v, 2)] for m, v in self.month_totals.items()])]
        for ch in self.changes:
            rows = [[d["kind"], d["name"], money(d["delta"], 2)] for d in ch["drivers"]]
            t.append((f"Change {ch['from']} -> {ch['to']}: {money(ch['delta'], 2)} "
                      f"({ch['pct']:+.1f}%); drivers", ["by", "what", "delta"], rows))
        t.append(("Tokens per request (nearest-rank percentiles)", ["scope", "p50 in", "p90 in", "p99 in", "max in",
                                                                    "p50 out", "p99 out"],
                  [[k, *(f"{v[x]:,}" for x in ("p50_input", "p90_input", "p99_input", "max_input", "p50_output",
                                               "p99_output"))] for k, v in self.percentiles.items()]))
        t.append(("Likely waste", ["kind", "where", "detail", "cost"],
                  [[w["kind"], w["where"], w["detail"], money(w["dollars"], 2)] for w in self.waste]))
        t.append(("Remedies (estimated saving over the whole log)", ["remedy", "detail", "saving"],
                  [[r["remedy"], r["detail"], money(r["saving"], 2)] for r in self.remedies]))
        return t

    def to_markdown(self) -> str:
        """The report as Markdown tables."""
        out = [f"# Usage report\n\n{self.lines:,} lines read, {self.bad.count:,} skipped.\n"]
        for title, head, rows in self._tables():
            out.append(f"## {title}\n")
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + "|".join("--:" if n else "---" for n in _numeric_columns(head, rows)) + "|")
            out += ["| " + " | ".join(r) + " |" for r in rows]
            out.append("")
        out += [f"- note: {n}" for n in self.notes]
        return "\n".join(out) + "\n"

    def to_text(self) -> str:
        """The report as aligned terminal tables."""
        out = [f"{self.lines:,} lines read, {self.bad.count:,} skipped"]
        for ex in self.bad.examples:
            out.append(f"  skipped {ex}")
        for title, head, rows in self._tables():
            widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
            num = _numeric_columns(head, rows)

            def cells(row: Sequence[str]) -> str:
                return "  ".join((c.rjust(w) if n else c.ljust(w)) for c, w, n in zip(row, widths, num)).rstrip()

            out.append("\n" + title)
            out.append("  " + cells(head))
            out += ["  " + cells(r) for r in rows]
        out += [f"note: {n}" for n in self.notes]
        return "\n".join(out) + "\n"

    def chart(self, path: PathLike) -> Optional[str]:
        """PNG of cost per month stacked by endpoint; returns None, or why no chart was drawn."""
        try:
            import matplotlib

            matplotlib.use("Agg")  # no display needed
            import matplotlib.pyplot as plt
        except ImportError:
            return "no chart: matplotlib is not installed (pip install 'bpe[report]')"
        by = defaultdict(lambda: defaultdict(Decimal))
        for r in self.rows:
            by[r["endpoint"]][r["month"]] += r["total"]
        fig, ax = plt.subplots(figsize=(8, 4.5))
        bottom = [0.0] * len(self.months)
        for ep in sorted(by):
            vals = [float(by[ep][m]) for m in self.months]
            ax.bar(self.months, vals, bottom=bottom, label=ep)
            bottom = [b + v for b, v in zip(bottom, vals)]
        ax.set_ylabel("USD")
        ax.set_title("Cost per month by endpoint")
        ax.legend()
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return None


def build_report(a: UsageAnalyzer, *, truncate_to: Optional[int] = None, outlier_factor: float = 4.0,
                 route_share: float = 0.3, route_to: Optional[str] = None) -> UsageReport:
    """Price an analyzer's totals: rows, month-over-month drivers, percentiles, waste and remedies."""
    table = a.pricing
    rows = []
    for (month, ep, mid), (req, unc, cac, out) in sorted(a.cells.items()):
        di, dc, do = _cost(table.get(mid), unc, cac, out)
        rows.append({"month": month, "endpoint": ep, "model": mid, "requests": req, "uncached_input": unc,
                     "cached_input": cac, "output": out, "input_dollars": di, "cached_dollars": dc,
                     "output_dollars": do, "total": di + dc + do})
    months = sorted({r["month"] for r in rows})
    month_totals = {m: sum((r["total"] for r in rows if r["month"] == m), Decimal(0)) for m in months}
    changes = []
    for prev, cur in zip(months, months[1:]):
        drivers = []
        for kind, key in (("endpoint", "endpoint"), ("model", "model")):
            names = sorted({r[key] for r in rows if r["month"] in (prev, cur)})
            for n in names:
                d = sum((r["total"] for r in rows if r["month"] == cur and r[key] == n), Decimal(0)) - \
                    sum((r["total"] for r in rows if r["month"] == prev and r[key] == n), Decimal(0))
                drivers.append({"kind": kind, "name": n, "delta": d})
        for comp, key in (("input", "input_dollars"), ("cached input", "cached_dollars"), ("output", "output_dollars")):
            d = sum((r[key] for r in rows if r["month"] == cur), Decimal(0)) - \
                sum((r[key] for r in rows if r["month"] == prev), Decimal(0))
            drivers.append({"kind": "component", "name": comp, "delta": d})
        drivers.sort(key=lambda x: (x["kind"], -abs(x["delta"]), x["name"]))
        delta = month_totals[cur] - month_totals[prev]
        pct = float(delta * 100 / month_totals[prev]) if month_totals[prev] else 0.0
        changes.append({"from": prev, "to": cur, "delta": delta, "pct": pct, "drivers": drivers})

    # Percentiles, overall and per endpoint (one sort per scope).
    percentiles = {}
    # One scope at a time so that only one sorted copy of a column is alive (memory on huge logs).
    scopes = [("all", [a.col_input], a.ep_outputs)]
    scopes += [(a.endpoints[e], [a.ep_inputs[e]], [a.ep_outputs[e]]) for e in range(len(a.endpoints))]
    medians = {}
    for name, in_cols, out_cols in scopes:
        ins = sorted(in_cols[0])
        pin = {"p50_input": percentile(ins, 50), "p90_input": percentile(ins, 90),
               "p99_input": percentile(ins, 99), "max_input": ins[-1] if ins else 0}
        del ins
        outs = sorted(v for col in out_cols for v in col)
        percentiles[name] = {**pin, "p50_output": percentile(outs, 50), "p99_output": percentile(outs, 99)}
        del outs
        medians[name] = pin["p50_input"]

    waste, remedies, notes = [], [], []
    # Oversized requests: input above outlier_factor x the endpoint's median; the excess priced as input.
    prices = [table.get(m) for m in a.models]
    over = defaultdict(lambda: [0, 0, Decimal(0)])
    trunc_saving = Decimal(0)
    trunc_requests = 0
    for e, mi, i, n in zip(a.col_ep, a.col_model, a.col_input, a.col_requests):
        ep = a.endpoints[e]
        limit = outlier_factor * medians[ep]
        if medians[ep] and i > limit:
            excess = i - medians[ep]
            w = over[ep]
            w[0] += n
            w[1] += excess * n
            w[2] += Decimal(excess * n) * prices[mi].input / MILLION
        if truncate_to is not None and i > truncate_to:
            trunc_requests += n
            trunc_saving += Decimal((i - truncate_to) * n) * prices[mi].input / MILLION
    for ep, (n, tokens, dollars) in sorted(over.items()):
        waste.append({"kind": "oversized requests", "where": ep,
                      "detail": f"{n:,} requests above {outlier_factor:g}x the median input ({medians[ep]:,}); "
                                f"{tokens:,} tokens above the median", "dollars": dollars})
    # Repeated prefixes that were not cached.
    cache_saving = Decimal(0)
    for (ep, mid), tokens in sorted(a.repeat_uncached.items()):
        if not tokens:
            continue
        p = table.get(mid)
        dollars = Decimal(tokens) * p.input / MILLION
        saving = Decimal(tokens) * (p.input - p.effective_cached_input) / MILLION
        waste.append({"kind": "uncached repeated prefix", "where": f"{ep} / {mid}",
                      "detail": f"{tokens:,} prefix tokens re-sent uncached", "dollars": dollars})
        cache_saving += saving
    if not a.has_prefix_hashes:
        # Without prefix hashes, assume the smallest request of an endpoint/model is a shared prefix.
        for (ep, mid), floor in sorted(a.min_input.items()):
            p = table.get(mid)
            cached_total = sum(c[2] for (m_, e_, mo), c in a.cells.items() if e_ == ep and mo == mid)
            reqs = sum(c[0] for (m_, e_, mo), c in a.cells.items() if e_ == ep and mo == mid)
            if cached_total == 0 and floor >= 1024 and p.cached_input is not None and reqs > 1:
                tokens = floor * (reqs - 1)
                cache_saving += Decimal(tokens) * (p.input - p.cached_input) / MILLION
                waste.append({"kind": "uncached repeated prefix (estimate)", "where": f"{ep} / {mid}",
                              "detail": f"no cached tokens although every request sends >= {floor:,} tokens",
                              "dollars": Decimal(tokens) * p.input / MILLION})
    remedies.append({"remedy": "prompt caching", "detail": "cache repeated prefixes at the cached-input price",
                     "saving": cache_saving})
    if truncate_to is not None:
        remedies.append({"remedy": f"truncate inputs to {truncate_to:,} tokens",
                         "detail": f"{trunc_requests:,} requests are longer", "saving": trunc_saving})
    # Routing: a share of the most expensive model's spend moved to a cheaper model.
    spend = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    for r in rows:
        s = spend[r["model"]]
        s[0] += r["uncached_input"]
        s[1] += r["cached_input"]
        s[2] += r["output"]
        s[3] += r["total"]
    if spend:
        top = max(spend, key=lambda m: (spend[m][3], m))
        target = table.get(route_to) if route_to else table.cheapest()
        if target.id != top:
            u, c, o, total = spend[top]
            there = sum(_cost(target, u, c, o), Decimal(0))
            share = Decimal(str(route_share))
            remedies.append({"remedy": f"route {share * 100:.0f}% of {top} to {target.id}",
                             "detail": "same token counts; quality must be checked",
                             "saving": (total - there) * share})
            if target.tokenizer != table.get(top).tokenizer:
                notes.append(f"routing estimate: {target.id} counts tokens with {target.tokenizer}, "
                             f"{top} with {table.get(top).tokenizer}; token counts were not re-measured")
    if any(table.get(m).is_estimate for m in a.models):
        notes.append("models with a proxy tokenizer are priced from the logged counts; their prices are exact, "
                     "token-based what-ifs are estimates")
    if a.bucketed_lines:
        notes.append(f"{a.bucketed_lines:,} of {a.lines - a.bad.count:,} log lines count other than one request "
                     "(requests / num_model_requests): tokens-per-request percentiles and the oversized-request "
                     "median are per log line, each line counted once at its average tokens per request, "
                     "not weighted by its requests")
    if a.cache_write_tokens:
        notes.append(f"{a.cache_write_tokens:,} Anthropic cache-write tokens are priced as ordinary input "
                     "(billed at 1.25x): an estimate")
    return UsageReport(rows, months, month_totals, changes, percentiles, waste, remedies, a.bad, a.lines, notes)


# ====================
# Synthetic logs
# ====================

ENDPOINTS = (  # endpoint, model, median input, median output, prefix tokens, caches its prefix
    ("chat", "gpt-5.4", 1800, 350, 1200, True),
    ("search", "claude-sonnet-4.6", 6000, 250, 4000, False),
    ("summarize", "gpt-5.4-mini", 3000, 200, 600, True),
    ("code-review", "claude-opus-4.6", 9000, 900, 2500, True),
)


def generate_usage_log(out: Union[PathLike, IO[str]], lines: int, *, seed: int = 0, start: str = "2026-01",
                       months: int = 3, fmt: str = "jsonl", flavor: str = "own") -> None:
    """Write a realistic synthetic usage log: 4 endpoints, monthly growth, outliers, cached and uncached prefixes.

    The last month doubles the input of "search" (a clear driver). flavor "openai" or "anthropic" uses
    those exports' field names. Same seed, same file.
    """
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"fmt must be 'jsonl' or 'csv', got {fmt!r}")
    if flavor not in ("own", "openai", "anthropic"):
        raise ValueError(f"flavor must be 'own', 'openai' or 'anthropic', got {flavor!r}")
    rng = random.Random(seed)
    y, m = (int(x) for x in start.split("-"))
    month_starts = []
    for k in range(months):
        yy, mm = y + (m - 1 + k) // 12, (m - 1 + k) % 12 + 1
        month_starts.append(datetime(yy, mm, 1, tzinfo=timezone.utc))
    weights = [1.0 + 0.25 * k for k in range(months)]  # traffic grows 25% a month
    close = False
    if isinstance(out, (str, os.PathLike)):
        f: IO[str] = open(out, "w", encoding="utf-8", newline="")
        close = True
    else:
        f = out
    try:
        if flavor == "own":
            cols = ["timestamp", "model", "endpoint", "input_tokens", "output_tokens", "cached_input_tokens",
                    "prefix_hash", "prefix_tokens"]
        elif flavor == "openai":
            cols = ["timestamp", "model", "project_id", "prompt_tokens", "completion_tokens", "cached_tokens"]
        else:
            cols = ["starting_at", "model", "workspace_id", "input_tokens", "output_tokens", "cache_read_input_tokens"]
        writer = csv.writer(f) if fmt == "csv" else None
        if writer:
            writer.writerow(cols)
        for _ in range(lines):
            k = rng.choices(range(months), weights)[0]
            ts = month_starts[k] + timedelta(seconds=rng.randrange(27 * 86400))
            ep, model, med_in, med_out, prefix, caches = ENDPOINTS[rng.randrange(len(ENDPOINTS))]
            if ep == "search" and k == months - 1 and months > 1:
                med_in *= 2
            inp = max(prefix + 1, int(rng.lognormvariate(math.log(med_in), 0.5)))
            if rng.random() < 0.01:
                inp *= 10  # the occasional pasted log file
            outp = max(1, int(rng.lognormvariate(math.log(med_out), 0.6)))
            cached = prefix if caches and rng.random() < 0.9 else 0
            stamp = ts.strftime("%Y-%m-%dT%H:%M:%SZ")
            if flavor == "own":
                vals = [stamp, model, ep, inp, outp, cached, f"{ep}-v1", prefix]
            elif flavor == "openai":
                vals = [stamp, model, ep, inp, outp, cached]
            else:
                vals = [stamp, model, ep, inp - cached, outp, cached]
            if writer:
                writer.writerow(vals)
            else:
                f.write(json.dumps(dict(zip(cols, vals))) + "\n")
    finally:
        if close:
            f.close()


def generate_usage_text(lines: int, **kwargs: Any) -> str:
    """`generate_usage_log` into a string (for tests and demos)."""
    buf = io.StringIO()
    generate_usage_log(buf, lines, **kwargs)
    return buf.getvalue()
