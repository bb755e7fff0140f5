"""Benchmark `bpe usage report` on a 1-million-line synthetic log: lines per second and peak memory.

Run alone on the machine (timings are shared-CPU sensitive):
    flock /tmp/bpe-bench.lock python benchmarks/bench_usage.py [--lines 1000000] [--log PATH]
The log is generated once (seeded) and reused; the analysis is one streaming pass.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--log", help="log file to (re)use (default: a file in the temp folder)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "usage.json",
                        help="where the JSON result goes (default: %(default)s)")
    args = parser.parse_args()

    from bpe.usage import analyze, generate_usage_log

    log = Path(args.log or os.path.join(tempfile.gettempdir(), f"bpe-usage-{args.lines}.jsonl"))
    if not log.exists():
        t = time.perf_counter()
        generate_usage_log(log, args.lines, seed=1)
        print(f"generated {args.lines:,} lines ({log.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    report = analyze([log])
    elapsed = time.perf_counter() - t
    # Linux reports ru_maxrss in KiB.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert report.lines == args.lines and report.bad.count == 0, "sanity check: every line read"
    print(f"analysed {report.lines:,} lines in {elapsed:.1f} s: {report.lines / elapsed:,.0f} lines/s; "
          f"peak RSS {peak_mb:.0f} MB (before analysis {rss_before / 1024:.0f} MB; "
          f"log {log.stat().st_size / 1e6:.0f} MB)")
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"), "lines": report.lines, "seconds": round(elapsed, 2),
        "lines_per_second": round(report.lines / elapsed), "peak_rss_mib": round(peak_mb),
        "rss_before_mib": round(rss_before / 1024), "log_mb": round(log.stat().st_size / 1e6),
        "python": platform.python_version(), "bpe": importlib.metadata.version("bpe"),
        "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
