"""Proof that the Markdown fast path changes no byte of a whole build.

    python -m bench.fast_identity --essays 1000 [--work DIR]

Builds the benchmark corpus (bench.corpus) twice, cold: once with markdown-it-pyrs where
markdown_fast.py proves it identical (markdown.FAST_PATH, the default), once with every
essay through markdown-it-py, the reference. Compares every file of output/ byte for
byte, prints how many essays took the fast path and both build times, and exits 1 on
the first difference. (tests/test_markdown_fast.py does the same for the sample site and
the test sites.)
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from generator.build import markdown
from generator.build.anchors import NO_RESERVED_IDS
from generator.build.content import split_front_matter
from generator.build.markdown_fast import render_fast
from generator.build.pipeline import BuildOptions, build_site

from .corpus import write_corpus

NOW = datetime(2030, 1, 1, tzinfo=UTC)  # every essay of the corpus published


def _build(site: Path, fast: bool) -> tuple[float, dict[str, bytes]]:
    for leftover in (site / ".salon", site / "output"):
        shutil.rmtree(leftover, ignore_errors=True)
    markdown.FAST_PATH = fast  # the forked workers inherit it
    started = time.perf_counter()
    try:
        build_site(site, BuildOptions(now=NOW))
    finally:
        markdown.FAST_PATH = True
    seconds = time.perf_counter() - started
    out = site / "output"
    return seconds, {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
                     if p.is_file()}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--essays", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="salon-identity-"))
    site = work / f"identity-{args.essays}"
    shutil.rmtree(site, ignore_errors=True)
    write_corpus(site, args.essays)

    rng = random.Random(7)
    posts = sorted((site / "content" / "posts").glob("*.md"))
    sample = rng.sample(posts, min(200, len(posts)))
    fast_taken = sum(
        render_fast(split_front_matter(p.read_text(encoding="utf-8"), p.name)[1], "",
                    NO_RESERVED_IDS) is not None
        for p in sample
    )  # fmt: skip
    print(f"corpus: {args.essays} essays in {site}; fast path takes {fast_taken}/{len(sample)} "
          "sampled essays")  # fmt: skip

    fast_seconds, fast = _build(site, fast=True)
    reference_seconds, reference = _build(site, fast=False)
    print(f"cold build, fast path on:  {fast_seconds:6.2f} s ({len(fast)} files)")
    print(f"cold build, reference only: {reference_seconds:6.2f} s ({len(reference)} files)")
    if fast.keys() != reference.keys():
        print(f"DIFFERENT FILES: {sorted(fast.keys() ^ reference.keys())[:10]}")
        return 1
    differing = [path for path in sorted(fast) if fast[path] != reference[path]]
    if differing:
        print(f"DIFFERENT BYTES in {len(differing)} files, e.g. {differing[:10]}")
        return 1
    print(f"identical: all {len(fast)} files, byte for byte")
    return 0


if __name__ == "__main__":
    sys.exit(main())
