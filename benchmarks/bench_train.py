"""Training benchmark: wall time and peak RSS of bpe (fast, reference) vs rustbpe and other trainers.

Every (trainer, corpus size, vocab) runs in its own process, under `flock /tmp/bpe-bench.lock`
so no two benchmarks overlap; peak RSS is that process's ru_maxrss plus its children's (worker
processes, if any). All trainers read the same decompressed UTF-8 file, in the same 1 M-character
blocks, split with the same pattern (cl100k), so bpe and rustbpe must produce identical merges:
the parity of the exported ranks is checked after timing and recorded with the result.

    python benchmarks/bench_train.py                     # 10 MB, all trainers; 100 MB and full mix, fast peers
    python benchmarks/bench_train.py --sizes 10 --trainers bpe-fast rustbpe --vocabs 8192
    python benchmarks/bench_train.py --plot-only         # redraw the plot from the JSON
"""
from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "train.json"
PLOT = HERE / "results" / "train_time_vs_size.png"
CACHE = Path(os.environ.get("BPE_BENCH_CACHE", "/tmp/bpe-train-bench"))
LOCK = "/tmp/bpe-bench.lock"
ALL_TRAINERS = ["bpe-fast", "bpe-reference", "rustbpe", "hf-tokenizers", "sentencepiece", "youtokentome", "bpeasy"]
REFERENCE_MAX_MB = 10  # the pure-Python twin only on small sizes


def train_root() -> Path:
    """The train/ folder of the shared corpora (BPE_CORPORA or ../shared/corpora)."""
    sys.path.insert(0, str(HERE.parent))
    from bpe.corpora import require_corpora

    return require_corpora() / "train"


def corpus_file(size_mb: "int | None") -> Path:
    """Decompressed training mix of size_mb MB (None: everything), each file in proportion to its size."""
    name = f"mix_{size_mb}mb.txt" if size_mb else "mix_full.txt"
    path = CACHE / name
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    files = sorted(train_root().rglob("*.xz"))
    sizes = {f: f.stat().st_size for f in files}
    total = sum(sizes.values())
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as out:
        for f in files:
            with lzma.open(f, "rt", encoding="utf-8", newline="") as fh:
                if size_mb is None:
                    while block := fh.read(1 << 22):
                        out.write(block)
                else:
                    # Proportional share of the compressed size, in characters (close enough to MB).
                    out.write(fh.read(max(1000, size_mb * 1_000_000 * sizes[f] // total)))
                    out.write("\n")
    os.replace(tmp, path)
    return path


def blocks(path: Path) -> Iterator[str]:
    """The file in ~1 M-character blocks cut at safe line breaks (the same documents for every trainer)."""
    from bpe.counting import iter_file_blocks

    return iter_file_blocks(path)


# ====================
# One run (child process)
# ====================


def run_one(trainer: str, path: Path, vocab: int, ranks_out: "Path | None") -> dict:
    """Train once in this process; return seconds and, for BPE-exact trainers, the ranks digest."""
    sys.path.insert(0, str(HERE.parent))
    from bpe.pretokenize import CL100K

    ranks = None
    t0 = time.perf_counter()
    if trainer in ("bpe-fast", "bpe-reference"):
        if trainer == "bpe-fast":
            from bpe._fast.counting import count_chunks
            from bpe._fast.train import train_from_counts
        else:
            from bpe.counting import count_chunks
            from bpe.train import train_from_counts
        counts = count_chunks(blocks(path), CL100K)
        result = train_from_counts(counts, vocab - 256)
        ranks = result.mergeable_ranks()
    elif trainer == "rustbpe":
        import rustbpe

        tok = rustbpe.Tokenizer()
        tok.train_from_iterator(blocks(path), vocab, pattern=CL100K)
        ranks = {bytes(t): r for t, r in tok.get_mergeable_ranks()}
    elif trainer == "bpeasy":
        import bpeasy

        vocab_map = bpeasy.train_bpe(blocks(path), CL100K, 128, vocab)
        ranks = dict(vocab_map)
    elif trainer == "hf-tokenizers":
        from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

        tok = Tokenizer(models.BPE())
        # Oniguruma reads cl100k's possessive `\p{N}{1,3}+` differently (see PEERS.md): drop that `+`.
        pattern = CL100K.replace(r"\p{N}{1,3}+", r"\p{N}{1,3}")
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
        tr = trainers.BpeTrainer(vocab_size=vocab, show_progress=False,
                                 initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        tok.train_from_iterator(blocks(path), trainer=tr)
    elif trainer == "sentencepiece":
        import sentencepiece as spm

        model = CACHE / f"spm_{os.getpid()}"
        with open(path, encoding="utf-8") as fh:
            spm.SentencePieceTrainer.train(
                sentence_iterator=(line for line in fh if line.strip()), model_prefix=str(model),
                model_type="bpe", vocab_size=vocab, byte_fallback=True, character_coverage=0.9995,
                input_sentence_size=0, max_sentence_length=1 << 16, num_threads=2, minloglevel=2,
                train_extremely_large_corpus=True,
            )
        for suffix in (".model", ".vocab"):
            Path(str(model) + suffix).unlink(missing_ok=True)
    elif trainer == "youtokentome":
        import youtokentome as yttm

        model = CACHE / f"yttm_{os.getpid()}.model"
        yttm.BPE.train(data=str(path), model=str(model), vocab_size=vocab, n_threads=2)
        model.unlink(missing_ok=True)
    else:
        raise ValueError(f"unknown trainer {trainer!r}; choose from {ALL_TRAINERS}")
    seconds = time.perf_counter() - t0
    out = {"seconds": seconds}
    if ranks is not None and ranks_out is not None:
        ranks_out.write_text("".join(f"{t.hex()} {r}\n" for t, r in sorted(ranks.items(), key=lambda kv: kv[1])))
        out["ranks_sha256"] = hashlib.sha256(ranks_out.read_bytes()).hexdigest()
        out["n_tokens"] = len(ranks)
    return out


def child_main(args: argparse.Namespace) -> None:
    res = run_one(args.run, Path(args.corpus), args.vocab, Path(args.ranks_out) if args.ranks_out else None)
    self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    res["peak_rss_mib"] = round((self_kib + children_kib) / 1024, 1)
    print("RESULT " + json.dumps(res))


# ====================
# Driver
# ====================


def measure(trainer: str, path: Path, vocab: int, timeout: int) -> dict:
    """Run one training in a fresh process under the benchmark lock."""
    ranks_out = CACHE / f"ranks_{trainer}_{path.stem}_{vocab}.txt"
    cmd = ["flock", LOCK, sys.executable, str(Path(__file__).resolve()), "--run", trainer, "--corpus", str(path),
           "--vocab", str(vocab), "--ranks-out", str(ranks_out)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]}


def load_results() -> list[dict]:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else []


def save_results(rows: list[dict]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".tmp")
    tmp.write_text(json.dumps(rows, indent=1) + "\n")
    os.replace(tmp, RESULTS)


def plot(rows: list[dict]) -> None:
    """Time vs corpus size, one line per (trainer, vocab); skipped without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    # One colour per trainer, one line style per vocab size: the eye groups by trainer first.
    fig, ax = plt.subplots(figsize=(8.5, 4.8))
    series: dict[tuple, list] = {}
    for r in rows:
        if "seconds" in r:
            series.setdefault((r["trainer"], r["vocab"]), []).append((r["corpus_mb"], r["seconds"]))
    colours = {t: f"C{i}" for i, t in enumerate(ALL_TRAINERS)}
    styles = {v: s for v, s in zip(sorted({v for _, v in series}), ["-", "--", ":", "-."])}
    for (trainer, vocab), pts in sorted(series.items(), key=lambda kv: (ALL_TRAINERS.index(kv[0][0]), kv[0][1])):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", color=colours[trainer],
                linestyle=styles[vocab], linewidth=2.5 if trainer == "bpe-fast" else 1.2, label=f"{trainer} {vocab:,}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("corpus size (MB of UTF-8 text)")
    ax.set_ylabel("training time (s)")
    ax.set_title("BPE training time vs corpus size (2 cores; line style = vocab size)")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(PLOT, dpi=120)
    print(f"wrote {PLOT}")


def table(rows: list[dict]) -> str:
    """Markdown table: one row per (corpus, trainer), seconds / peak MiB per vocab, parity with rustbpe."""
    vocabs = sorted({r["vocab"] for r in rows})
    lines = ["| corpus | trainer | " + " | ".join(f"vocab {v:,}: s / peak MiB" for v in vocabs) + " | merges vs rustbpe |",
             "|---|---|" + "---|" * len(vocabs) + "---|"]
    keys = sorted({(r["corpus_mb"], r["trainer"]) for r in rows}, key=lambda k: (k[0], ALL_TRAINERS.index(k[1])))
    for mb, trainer in keys:
        cells, parity = [], set()
        for v in vocabs:
            r = next((r for r in rows if (r["corpus_mb"], r["trainer"], r["vocab"]) == (mb, trainer, v)), None)
            if r is None:
                cells.append("")
            elif "error" in r:
                cells.append(f"error: {r['error'][:40]}")
            else:
                cells.append(f"{r['seconds']:.1f} / {r['peak_rss_mib']:.0f}")
                if "ranks_equal_rustbpe" in r:
                    parity.add("identical" if r["ranks_equal_rustbpe"] else "DIFFERENT")
        par = "itself" if trainer == "rustbpe" else (", ".join(sorted(parity)) or "different algorithm / not compared")
        lines.append(f"| {mb} MB | {trainer} | " + " | ".join(cells) + f" | {par} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", help=argparse.SUPPRESS)
    ap.add_argument("--ranks-out", help=argparse.SUPPRESS)
    ap.add_argument("--vocab", type=int, default=32768, help=argparse.SUPPRESS)
    ap.add_argument("--sizes", nargs="+", default=["10", "100", "full"], help="MB of text, or 'full'")
    ap.add_argument("--vocabs", nargs="+", type=int, default=[8192, 32768])
    ap.add_argument("--trainers", nargs="+", default=ALL_TRAINERS)
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--plot-only", action="store_true", help="only redraw the plot and print the table")
    args = ap.parse_args()
    if args.run:
        child_main(args)
        return
    rows = load_results()
    if not args.plot_only:
        for size in args.sizes:
            size_mb = None if size == "full" else int(size)
            path = corpus_file(size_mb)
            mb = round(path.stat().st_size / 1e6, 1)
            for vocab in args.vocabs:
                parity_ref = None
                for trainer in args.trainers:
                    if trainer == "bpe-reference" and (size_mb is None or size_mb > REFERENCE_MAX_MB):
                        continue
                    res = measure(trainer, path, vocab, args.timeout)
                    row = {"trainer": trainer, "corpus": size, "corpus_mb": mb, "vocab": vocab, **res,
                           "when": time.strftime("%Y-%m-%d %H:%M")}
                    if trainer == "rustbpe":
                        parity_ref = res.get("ranks_sha256")
                    rows = [r for r in rows if (r["trainer"], r["corpus"], r["vocab"]) != (trainer, size, vocab)]
                    rows.append(row)
                    print(json.dumps(row), flush=True)
                    save_results(rows)
                for r in rows:  # same ranks as rustbpe? (recorded, not assumed)
                    if r["corpus"] == size and r["vocab"] == vocab and "ranks_sha256" in r and parity_ref:
                        r["ranks_equal_rustbpe"] = r["ranks_sha256"] == parity_ref
                save_results(rows)
    plot(rows)
    print(table(rows))


if __name__ == "__main__":
    main()
