"""What related essays and the search indexes cost, apart from the rest of the build.

`python -m bench.bench_engagement --essays 5000` writes the benchmark corpus, then builds
it cold, again with nothing changed, and again after editing one essay, and prints the
`related` and `search` steps (Pagefind and the FTS5 index, timed apart from the build)
of each, with the size of the Pagefind bundle.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import write_corpus

STEP = re.compile(r"^\s+(\w+)\s+([0-9.]+) ms$")


def build(site: Path) -> tuple[float, dict[str, float], str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--timings", "--site", str(site)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    steps = {}
    for line in done.stderr.splitlines():
        match = STEP.match(line)
        if match:
            steps[match.group(1)] = float(match.group(2)) / 1000
    return wall, steps, done.stdout.strip()


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def report(label: str, wall: float, steps: dict[str, float]) -> None:
    shown = ", ".join(
        f"{name} {steps[name]:.2f} s" for name in ("related", "search") if name in steps
    )
    print(f"{label:<22} wall {wall:6.2f} s   {shown or 'related and search skipped'}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--essays", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="salon-engagement-"))
    site = work / "site"
    write_corpus(site, args.essays)
    print(f"{args.essays} essays in {site}")
    wall, steps, summary = build(site)
    report("cold build", wall, steps)
    print(f"  {summary}")
    bundle = site / "output" / "pagefind"
    if bundle.is_dir():
        fts = (site / ".salon" / "search.sqlite3").stat().st_size
        size = folder_size(bundle) / 1e6
        print(f"  Pagefind bundle: {size:.1f} MB, FTS5 index: {fts / 1e6:.1f} MB")
    report("no change", *build(site)[:2])
    first = sorted((site / "content" / "posts").glob("*.md"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    report("one essay edited", *build(site)[:2])


if __name__ == "__main__":
    main()
