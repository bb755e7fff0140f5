"""Formatting of a Comparison: Markdown, CSV, JSON, PNG charts and one self-contained HTML report.

Nothing here computes metrics (bpe/compare.py does); charts need matplotlib (`pip install bpe[report]`).
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path
from typing import Optional, Sequence

from .compare import ROW_FIELDS, Comparison

FORMATS = ("md", "csv", "json", "png", "html")


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence], align: str = "") -> str:
    """A GitHub Markdown table; align is one character per column ('l' or 'r', default 'l').

    Example: markdown_table(["a", "b"], [[1, 2]], "lr") == "| a | b |\\n|---|--:|\\n| 1 | 2 |"
    """
    align = align.ljust(len(header), "l")
    cells = ["| " + " | ".join(map(str, header)) + " |",
             "|" + "|".join("--:" if a == "r" else "---" for a in align) + "|"]
    cells += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(cells)


# ====================
# Tables
# ====================


def summary_markdown(cmp: Comparison) -> str:
    """The per-tokenizer summary as a Markdown table (no premium columns without parallel text)."""
    if not cmp.parallel:
        rows = [[s["tokenizer"], s["languages"], _fmt(s["tokens"]), _fmt(s["mean_tokens_per_char"])]
                for s in cmp.summary()]
        return markdown_table(["tokenizer", "languages", "tokens", "mean tokens/char"], rows, "lrrr")
    rows = [[s["tokenizer"], s["languages"], _fmt(s["tokens"]), _fmt(s["mean_premium"]), _fmt(s["median_premium"]),
             f"{_fmt(s['max_premium'])} ({s['worst_language']})", _fmt(s["mean_tokens_per_char"])]
            for s in cmp.summary()]
    return markdown_table(["tokenizer", "languages", "tokens", "mean premium", "median premium", "max premium",
                           "mean tokens/char"], rows, "lrrrrrr")


def languages_markdown(cmp: Comparison) -> str:
    """One line per language, tokens and premium per tokenizer, sorted by the first tokenizer's premium."""
    by = {(r["tokenizer"], r["language"]): r for r in cmp.rows}
    codes = list(dict.fromkeys(r["language"] for r in cmp.rows))
    first = cmp.tokenizers[0]
    sort_by = "premium" if cmp.parallel else "tokens_per_char"
    codes.sort(key=lambda c: (by[(first, c)][sort_by] or 0.0, c))
    header = ["language", "name", "script", "chars"]
    per = 3 if cmp.parallel else 2
    for name in cmp.tokenizers:
        header += [f"{name} tokens", f"{name} tok/char", f"{name} premium"][:per]
    rows = []
    for code in codes:
        base = by[(first, code)]
        line = [code, base["name"], base["script"], _fmt(base["chars"])]
        for name in cmp.tokenizers:
            r = by.get((name, code))
            line += ([_fmt(r["tokens"]), _fmt(r["tokens_per_char"]), _fmt(r["premium"], 2)] if r else ["", "", ""])[:per]
        rows.append(line)
    return markdown_table(header, rows, "lllr" + "r" * per * len(cmp.tokenizers))


def scripts_markdown(cmp: Comparison) -> str:
    """Mean premium and tokens per character per script, one column pair per tokenizer."""
    by = {(s["tokenizer"], s["script"]): s for s in cmp.scripts()}
    scripts = sorted({s["script"] for s in by.values()})
    header = ["script", "languages"]
    # Without parallel text there is no premium: keep only the tokens-per-character column.
    skip = 0 if cmp.parallel else 1
    for name in cmp.tokenizers:
        header += [f"{name} premium", f"{name} tok/char"][skip:]
    rows = []
    for script in scripts:
        any_row = next(by[(n, script)] for n in cmp.tokenizers if (n, script) in by)
        line = [script, any_row["languages"]]
        for name in cmp.tokenizers:
            s = by.get((name, script))
            line += ([_fmt(s["mean_premium"], 2), _fmt(s["mean_tokens_per_char"])] if s else ["", ""])[skip:]
        rows.append(line)
    return markdown_table(header, rows, "lr" + "r" * (2 - skip) * len(cmp.tokenizers))


def worst_markdown(cmp: Comparison, n: int = 10) -> str:
    """The n most expensive languages of each tokenizer, side by side."""
    worst = cmp.worst(n)
    header = ["rank"] + [f"{name}" for name in cmp.tokenizers]
    rows = []
    # Fewer languages than n: stop at the last rank any tokenizer has instead of printing empty rows.
    for rank in range(1, max((w["rank"] for w in worst), default=0) + 1):
        line: list = [rank]
        for name in cmp.tokenizers:
            w = next((w for w in worst if w["tokenizer"] == name and w["rank"] == rank), None)
            line.append(f"{w['language']} {w['premium']:.2f}" if w else "")
        rows.append(line)
    return markdown_table(header, rows, "r" + "l" * len(cmp.tokenizers))


def premium_sentence(cmp: Comparison) -> str:
    """What the premium column means here, or why there is none (non-parallel text)."""
    if not cmp.parallel:
        return "No premium: the languages of this corpus hold different texts, not translations (see Notes)."
    return (f"Premium = tokens / tokens of `{cmp.reference}` on the same sentences (Petrov et al. 2023); "
            "lower is cheaper.")


def to_markdown(cmp: Comparison, command: str = "") -> str:
    """The whole comparison as a Markdown document (summary, scripts, worst 10, every language, notes)."""
    parts = [f"# Tokens per language: {', '.join(cmp.tokenizers)}", ""]
    parts.append(f"Corpus: `{cmp.corpus}`, {cmp.meta.get('languages', '?')} languages, "
                 f"{_fmt(cmp.meta.get('sentences'))} sentences in all, encoded by each tokenizer. "
                 + premium_sentence(cmp))
    if command:
        parts += ["", f"Produced by: `{command}`"]
    v = cmp.meta.get("versions", {})
    if v:
        parts += ["", "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if k != "platform")]
    parts += ["", "## Summary", "", summary_markdown(cmp), "", "## Per script (mean over languages)", "",
              scripts_markdown(cmp), ""]
    if cmp.parallel:
        parts += ["## Worst 10 languages (premium)", "", worst_markdown(cmp), ""]
    parts += ["## Every language", "", languages_markdown(cmp), ""]
    if cmp.notes:
        parts += ["## Notes", ""] + [f"- {note}" for note in cmp.notes] + [""]
    return "\n".join(parts)


def _csv(fields: Sequence[str], rows: Sequence[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in fields})
    return buf.getvalue()


def to_csv(cmp: Comparison) -> str:
    """Every (tokenizer, language) row with all metrics, one per line."""
    return _csv(ROW_FIELDS, cmp.rows)


def summary_csv(cmp: Comparison) -> str:
    """The per-tokenizer summary rows as CSV."""
    rows = cmp.summary()
    return _csv(list(rows[0]) if rows else [], rows)


def to_json(cmp: Comparison, command: str = "") -> str:
    """Everything: metadata with versions, rows, summaries and examples, as indented JSON."""
    doc = {"command": command, "corpus": cmp.corpus, "reference": cmp.reference, "tokenizers": cmp.tokenizers,
           "parallel": cmp.parallel, "notes": cmp.notes, "meta": cmp.meta, "summary": cmp.summary(), "scripts": cmp.scripts(), "worst": cmp.worst(),
           "rows": cmp.rows, "examples": cmp.examples}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


# ====================
# Charts
# ====================


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("charts need matplotlib: pip install 'bpe[report]' (or pass --format md,csv,json)") from None
    matplotlib.use("Agg")  # no display on servers and CI
    import matplotlib.pyplot as plt

    return plt


def premium_chart(cmp: Comparison) -> bytes:
    """PNG: premium per language sorted by the first tokenizer, one bar per tokenizer in each group."""
    plt = _pyplot()
    by = {(r["tokenizer"], r["language"]): r["premium"] for r in cmp.rows}
    first = cmp.tokenizers[0]
    codes = sorted({r["language"] for r in cmp.rows}, key=lambda c: (by.get((first, c)) or 0.0, c))
    k = len(cmp.tokenizers)
    width = 0.8 / k
    fig, ax = plt.subplots(figsize=(max(8.0, 0.06 * k * len(codes) + 2), 5.5), dpi=100)
    for i, name in enumerate(cmp.tokenizers):
        xs = [j + (i - (k - 1) / 2) * width for j in range(len(codes))]
        ax.bar(xs, [by.get((name, c)) or 0.0 for c in codes], width=width, label=name)
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_xticks(range(len(codes)))
    ax.set_xticklabels(codes, rotation=90, fontsize=6 if len(codes) > 40 else 9)
    ax.set_xlim(-0.6, len(codes) - 0.4)
    ax.set_ylabel(f"premium (tokens / tokens of {cmp.reference})")
    ax.set_title(f"Tokenization premium per language ({cmp.corpus})")
    ax.legend()
    fig.tight_layout()
    return _png(fig, plt)


def heatmap_chart(cmp: Comparison) -> bytes:
    """PNG: mean tokens per character, scripts (rows) x tokenizers (columns), values written in the cells."""
    plt = _pyplot()
    by = {(s["tokenizer"], s["script"]): s["mean_tokens_per_char"] for s in cmp.scripts()}
    scripts = sorted({s for _, s in by}, key=lambda s: -(by.get((cmp.tokenizers[0], s)) or 0.0))
    grid = [[by.get((name, s), float("nan")) for name in cmp.tokenizers] for s in scripts]
    fig, ax = plt.subplots(figsize=(2.2 + 1.6 * len(cmp.tokenizers), 1.2 + 0.32 * len(scripts)), dpi=100)
    image = ax.imshow(grid, aspect="auto", cmap="YlOrRd")
    ax.set_xticks(range(len(cmp.tokenizers)))
    ax.set_xticklabels(cmp.tokenizers, rotation=20, ha="right")
    ax.set_yticks(range(len(scripts)))
    ax.set_yticklabels(scripts, fontsize=8)
    top = max((v for row in grid for v in row if v == v), default=1.0)
    for y, row in enumerate(grid):
        for x, value in enumerate(row):
            if value == value:  # skip NaN
                ax.text(x, y, f"{value:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if value > 0.6 * top else "black")
    fig.colorbar(image, ax=ax, label="tokens per character")
    ax.set_title("Mean tokens per character by script")
    fig.tight_layout()
    return _png(fig, plt)


def standard_charts(cmp: Comparison) -> dict:
    """Title -> PNG of the report's charts; no premium chart without parallel text (it would be all zeros)."""
    charts = {"Premium per language": premium_chart(cmp)} if cmp.parallel else {}
    charts["Tokens per character by script"] = heatmap_chart(cmp)
    return charts


def _png(fig, plt) -> bytes:
    buf = io.BytesIO()
    # Without the Software entry the PNG bytes depend only on the numbers, not on the matplotlib version.
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


# ====================
# HTML
# ====================


def _html_table(header: Sequence[str], rows: Sequence[Sequence], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="{"num" if i >= numeric_from else ""}">{html.escape(str(c))}</td>' for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _md_to_html_table(markdown: str, numeric_from: int = 1) -> str:
    lines = markdown.splitlines()
    header = [c.strip() for c in lines[0].strip("|").split(" | ")]
    rows = [[c.strip().replace("\\|", "|") for c in line[2:-2].split(" | ")] for line in lines[2:]]
    return _html_table(header, rows, numeric_from)


REPORT_CSS = """
body { font-family: system-ui, -apple-system, Segoe UI, sans-serif; margin: 2em auto; max-width: 75em; color: #111; padding: 0 1em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; }
th { background: #f3f4f6; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; border: 1px solid #eee; }
.chart-wide { overflow-x: auto; }
.chart-wide img { max-width: none; height: 420px; }
.example { margin: 1.2em 0; }
.example h3 { margin-bottom: .3em; }
.example .tok-row { display: grid; grid-template-columns: 11em 1fr; gap: .6em; margin: .25em 0; align-items: baseline; }
.example .tok-name { font-size: 13px; color: #444; }
details { margin: 1em 0; }
.meta { color: #555; font-size: 13px; }
"""


def to_html(cmp: Comparison, charts: "Optional[dict]" = None, command: str = "") -> str:
    """One self-contained HTML page: summary tables, the charts embedded as base64 PNG, token examples.

    charts maps a title to PNG bytes; None draws the two standard charts (needs matplotlib).
    """
    from .show import TOKEN_CSS, Span, html_tokens

    if charts is None:
        charts = standard_charts(cmp)
    title = f"Tokens per language: {', '.join(cmp.tokenizers)}"
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{html.escape(title)}</title><style>{REPORT_CSS}{TOKEN_CSS}</style></head><body>",
           f"<h1>{html.escape(title)}</h1>",
           f'<p class="meta">Corpus <b>{html.escape(cmp.corpus)}</b>, {cmp.meta.get("languages", "?")} languages. ' +
           (f"Premium = tokens of a language / tokens of <b>{html.escape(cmp.reference)}</b> on the same sentences "
            "(Petrov et al. 2023): 2.0 means the same content costs twice as many tokens as in English.</p>"
            if cmp.parallel else f"{html.escape(premium_sentence(cmp))}</p>")]
    if command:
        out.append(f'<p class="meta">Command: <code>{html.escape(command)}</code></p>')
    if cmp.notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in cmp.notes) + "</ul>")
    out += ["<h2>Summary</h2>", _md_to_html_table(summary_markdown(cmp))]
    for name, png in charts.items():
        wide = ' class="chart-wide"' if "language" in name.lower() else ""
        data = base64.b64encode(png).decode("ascii")
        out.append(f"<h2>{html.escape(name)}</h2><div{wide}><img alt=\"{html.escape(name)}\" "
                   f"src=\"data:image/png;base64,{data}\"></div>")
    if cmp.examples:
        out.append("<h2>Example sentences, split into tokens</h2>"
                   '<p class="meta">Each coloured box is one token (hover for its id); a dashed outline marks a '
                   "character that needs several tokens.</p>")
        for ex in cmp.examples:
            out.append(f'<div class="example"><h3>{html.escape(ex["name"])} <small>({html.escape(ex["language"])})'
                       "</small></h3>")
            for name, spans in ex["tokens"].items():
                count = sum(len(ids) for _, ids in spans)
                fragment = html_tokens([Span(text, tuple(ids)) for text, ids in spans])
                out.append(f'<div class="tok-row"><span class="tok-name">{html.escape(name)}<br>{count} tokens</span>'
                           f'<span class="tokens">{fragment}</span></div>')
            out.append("</div>")
    out += ["<h2>Per script</h2>", _md_to_html_table(scripts_markdown(cmp))]
    if cmp.parallel:
        out += ["<h2>Worst 10 languages</h2>", _md_to_html_table(worst_markdown(cmp))]
    out += [f"<details open><summary><b>Every language ({cmp.meta.get('languages', '?')})</b></summary>",
            _md_to_html_table(languages_markdown(cmp), numeric_from=3), "</details>"]
    v = cmp.meta.get("versions", {})
    out.append('<p class="meta">Versions: ' + html.escape(", ".join(f"{k} {val}" for k, val in v.items())) + "</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ====================
# Writing files
# ====================


def write_report(cmp: Comparison, out_dir: "str | Path", formats: Sequence[str] = FORMATS, command: str = "",
                 stem: str = "comparison") -> list:
    """Write the chosen formats into out_dir; returns the paths written."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown report format(s) {sorted(unknown)}; choose from {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def put(name: str, data: "str | bytes") -> None:
        path = out / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        written.append(path)

    if "md" in formats:
        put(f"{stem}.md", to_markdown(cmp, command))
    if "csv" in formats:
        put(f"{stem}.csv", to_csv(cmp))
        put(f"{stem}_summary.csv", summary_csv(cmp))
    if "json" in formats:
        put(f"{stem}.json", to_json(cmp, command))
    charts = None
    if "png" in formats or "html" in formats:
        charts = standard_charts(cmp)
    if "png" in formats:
        if "Premium per language" in charts:
            put(f"{stem}_premium.png", charts["Premium per language"])
        put(f"{stem}_scripts.png", charts["Tokens per character by script"])
    if "html" in formats:
        put(f"{stem}.html", to_html(cmp, charts, command))
    return written
