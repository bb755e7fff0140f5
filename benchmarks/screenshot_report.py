"""Render an HTML report in headless Chromium, save a PNG screenshot and check that it is not blank.

Usage: python benchmarks/screenshot_report.py REPORT.html [--out shot.png] [--width 1280 --height 2400]

Exit status 0 when the page rendered (images loaded, screenshot has content), 1 otherwise, 2 when no
Chromium is installed (Debian: `apt-get install chromium`). The test suite uses the same functions.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")

# Appended to a copy of the page: after load, record how many <img> decoded, where --dump-dom can read it.
PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-probe', 'images ' + ok + '/' + imgs.length + ' tables ' +
    document.querySelectorAll('table').length + ' tokens ' + document.querySelectorAll('.tok').length);
});
</script>"""


def find_chromium() -> Optional[str]:
    """Path of a Chromium/Chrome executable, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _chromium(args: list, timeout: float = 120) -> subprocess.CompletedProcess:
    exe = find_chromium()
    if exe is None:
        raise FileNotFoundError("no chromium found; install it with `apt-get install chromium`")
    with tempfile.TemporaryDirectory() as profile:
        # --no-sandbox: we run as root on CI; a private profile keeps runs independent.
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               f"--user-data-dir={profile}", "--virtual-time-budget=5000", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def probe(html_path: Path) -> dict:
    """Load the page in Chromium and return what the in-page probe counted: images (ok, total), tables, tokens."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "page.html"
        copy.write_text(html_path.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
        proc = _chromium(["--dump-dom", copy.as_uri()])
    m = re.search(r'data-probe="images (\d+)/(\d+) tables (\d+) tokens (\d+)"', proc.stdout)
    if not m:
        raise RuntimeError(f"{html_path}: Chromium did not finish loading the page (exit {proc.returncode}): "
                           f"{proc.stderr.strip()[-500:]}")
    ok, total, tables, tokens = map(int, m.groups())
    return {"images_ok": ok, "images": total, "tables": tables, "tokens": tokens}


def screenshot(html_path: Path, out: Path, width: int = 1280, height: int = 2400) -> Path:
    """Save a screenshot of the page as PNG; RuntimeError with Chromium's stderr if none was written."""
    out = out.resolve()
    if out.exists():
        out.unlink()
    proc = _chromium([f"--screenshot={out}", f"--window-size={width},{height}", html_path.resolve().as_uri()])
    if not out.is_file() or out.stat().st_size == 0:
        raise RuntimeError(f"{html_path}: Chromium wrote no screenshot (exit {proc.returncode}): "
                           f"{proc.stderr.strip()[-500:]}")
    return out


def non_blank_fraction(png: Path) -> float:
    """Fraction of pixels that are not (near) white: 0.0 means a blank page."""
    from PIL import Image  # Pillow comes with matplotlib, the [report] extra

    with Image.open(png) as img:
        gray = img.convert("L")
        hist = gray.histogram()
    total = sum(hist)
    return sum(hist[:245]) / total if total else 0.0


def colour_count(png: Path) -> int:
    """Number of distinct colours in the screenshot (a rendered report has charts and token colours)."""
    from PIL import Image

    with Image.open(png) as img:
        colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
    return len(colours or [])


def main(argv: "list[str] | None" = None) -> int:
    """Check a report page and save its screenshot; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="PNG path (default: beside the HTML, .png)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args(argv)
    if find_chromium() is None:
        print("no chromium found; install it with `apt-get install chromium`", file=sys.stderr)
        return 2
    out = args.out or args.html.with_suffix(".png")
    found = probe(args.html)
    shot = screenshot(args.html, out, args.width, args.height)
    ink = non_blank_fraction(shot)
    colours = colour_count(shot)
    print(f"{args.html}: images {found['images_ok']}/{found['images']}, {found['tables']} tables, "
          f"{found['tokens']} token spans; screenshot {shot} ({os.path.getsize(shot):,} bytes, "
          f"{ink:.1%} non-white pixels, {colours} colours)")
    good = found["images_ok"] == found["images"] and found["tables"] > 0 and ink > 0.02 and colours > 16
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
