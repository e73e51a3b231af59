"""The plan index (build/plan_index.py): after every kind of edit, the keys a build took
from the last one are the keys computing everything gives, and an edit of one essay's
text takes nearly all of them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build import plan, plan_index
from generator.build.body_reads import ASPECTS
from generator.build.jobs import FileJob, PageJob
from generator.build.manifest import MANIFEST, Manifest
from generator.build.pipeline import BuildMemory, BuildOptions, build_site
from generator.build.plan import plan_site

from .conftest import copy_sample_site

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
OPTIONS = BuildOptions(now=NOW, jobs=1)
TAGS = ["grief", "listening", "supervision", "endings", "couples"]


def _site(tmp_path: Path) -> Path:
    """The sample site with 24 more essays: pages of listings, tags, months, neighbours."""
    site = copy_sample_site(tmp_path / "site")
    for number in range(24):
        tags = ", ".join(TAGS[(number + k) % len(TAGS)] for k in range(1 + number % 3))
        body = " ".join(f"word{(number * 7 + k) % 40} practice room" for k in range(30))
        (site / "content/posts" / f"essay-{number:02}.md").write_text(
            f"---\ntitle: Essay {number}\ndate: 2025-{1 + number % 12:02}-{1 + number:02} 09:00\n"
            f"tags: [{tags}]\ncategory: {'Practice' if number % 2 else 'Theory'}\n---\n"
            f"{body}\n\n## A heading\n\nMore of it.\n",
            encoding="utf-8",
        )
    return site


def _keys_computed_in_full(site: Path) -> dict[str, str]:
    """Every page's and feed's key as computing all of them gives: no key taken from the
    index, only the bodies each page read (which rendering told the build)."""
    memory = BuildMemory()
    build_site(site, OPTIONS, memory)
    assert memory.planner is not None and memory.model is not None
    last = plan_index.load_last_plan(site / ".salon" / plan_index.PLAN_INDEX)
    reads_only = plan_index.KeptKeys(last, "", plan_index.model_entries(memory.model))
    config, bases = memory.planner.config, memory.planner.bases
    jobs = plan_site(config, bases, memory.model, [], reads_only)
    return {job.path: job.key for job in jobs if isinstance(job, PageJob | FileJob)}


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


ESSAY = "content/posts/essay-05.md"
EDITS: dict[str, Callable[[Path], None]] = {
    "body": lambda s: _replace(s / ESSAY, "More of it.", "More of it!"),  # the same words
    "title": lambda s: _replace(s / ESSAY, "title: Essay 5", "title: Essay Five"),
    "date": lambda s: _replace(s / ESSAY, "date: 2025-06-06", "date: 2026-10-20"),
    "tags": lambda s: _replace(s / ESSAY, "tags: [", "tags: [newtag, "),
    "updated": lambda s: _replace(s / ESSAY, "date:", "updated: 2026-11-01 10:00\ndate:"),
    "alias": lambda s: _replace(s / ESSAY, "date:", "aliases: [/old/essay-five/]\ndate:"),
    "draft": lambda s: _replace(s / ESSAY, "date:", "draft: true\ndate:"),
    "series": lambda s: _replace(s / ESSAY, "date:", "series: The Therapeutic Relationship\ndate:"),
    "new essay": lambda s: (s / "content/posts/new.md").write_text(
        "---\ntitle: New\ndate: 2026-01-02 09:00\ntags: [grief]\n---\nNew words.\n"
    ),
    "removed essay": lambda s: (s / "content/posts/essay-11.md").unlink(),
    "page": lambda s: _append(s / "content/pages/about.md", "\nAnd a line more.\n"),
    "sentence": lambda s: _append(s / ESSAY, "\nOne more sentence about the room.\n"),
    "settings": lambda s: _replace(s / "site.yaml", "posts_per_page: 5", "posts_per_page: 4"),
    "comments": lambda s: _add_comment(s),
    "words": lambda s: _append(s / ESSAY, "\n" + "grief loss mourning " * 30 + "\n"),
}


def _add_comment(site: Path) -> None:
    feed = json.loads((site / "comments.json").read_text(encoding="utf-8"))
    first = feed["comments"][0]
    feed["comments"].append({**first, "id": "added-1", "body": "A new thought.",
                             "created": "2026-11-29T10:00:00+00:00", "parent": None})  # fmt: skip
    (site / "comments.json").write_text(json.dumps(feed), encoding="utf-8")


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_the_keys_taken_from_the_last_build_are_those_computing_all_gives(
    tmp_path: Path, edit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path)
    build_site(site, OPTIONS)
    build_site(site, OPTIONS)  # the index of a build that computed nothing new
    taken: list[str] = []
    kept = plan_index.KeptKeys.kept

    def counted(self: plan_index.KeptKeys, path: str) -> str | None:
        key = kept(self, path)
        if key is not None:
            taken.append(path)
        return key

    monkeypatch.setattr(plan_index.KeptKeys, "kept", counted)
    EDITS[edit](site)
    build_site(site, OPTIONS)
    manifest = Manifest(site / ".salon" / MANIFEST).entries
    written = {path: entry[3] for path, entry in manifest.items()}
    monkeypatch.setattr(plan_index.KeptKeys, "kept", kept)
    full = _keys_computed_in_full(site)
    assert {path: written[path] for path in full} == full
    if edit in ("body", "page"):
        assert len(taken) > 0.6 * len(full)  # the shortcut was taken: most keys kept


def test_an_unreadable_index_only_costs_the_shortcut(tmp_path: Path) -> None:
    site = _site(tmp_path)
    build_site(site, OPTIONS)
    index = site / ".salon" / plan_index.PLAN_INDEX
    assert plan_index.load_last_plan(index) is not None
    for garbage in (b"", b"\x00\x01garbage", b"\xe9" * 100):
        index.write_bytes(garbage)
        assert plan_index.load_last_plan(index) is None
        _append(site / ESSAY, "\nAnother sentence.\n")
        build_site(site, OPTIONS)
        assert plan_index.load_last_plan(index) is not None  # written again
    # An index of the right version whose entries are not what this code writes.
    import marshal

    data = marshal.loads(index.read_bytes())
    data["shown"] = {path: 7 for path in data["shown"]}
    index.write_bytes(marshal.dumps(data))
    _append(site / ESSAY, "\nA third sentence.\n")
    build_site(site, OPTIONS)
    full = _keys_computed_in_full(site)
    manifest = Manifest(site / ".salon" / MANIFEST).entries
    assert {path: manifest[path][3] for path in full} == full


def test_the_same_site_has_the_same_shape_in_another_process(tmp_path: Path) -> None:
    """The shape is made by pickling: it must not depend on the process (hash seeds)."""
    import subprocess
    import sys

    site = _site(tmp_path)
    shapes = set()
    for seed in ("1", "2"):
        subprocess.run(
            [sys.executable, "-m", "generator", "build", "--site", str(site)],
            check=True, capture_output=True, env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin"},
        )  # fmt: skip
        last = plan_index.load_last_plan(site / ".salon" / plan_index.PLAN_INDEX)
        assert last is not None
        shapes.add(last.shape)
    assert len(shapes) == 1


def test_a_kept_page_whose_file_changed_is_made_again(tmp_path: Path) -> None:
    site = _site(tmp_path)
    build_site(site, OPTIONS)
    page = site / "output/2025/03/essay-02/index.html"
    feed = site / "output/2025/03/essay-02/comments.xml"
    made = page.read_bytes(), feed.read_bytes()
    page.write_text("edited by hand")
    feed.unlink()
    _replace(site / ESSAY, "More of it.", "More of it!")  # another essay: essay-02's keys hold
    report = build_site(site, OPTIONS).report
    assert (page.read_bytes(), feed.read_bytes()) == made
    assert report.written >= 3  # the edited essay's page, and these two


def test_kept_listings_whose_files_changed_are_planned_whole_and_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listing's pages and feeds are kept without their contexts (plan.Planner._kept);
    one found changed on disk is planned whole and made again, as it was."""
    site = _site(tmp_path)
    build_site(site, OPTIONS)
    out = site / "output"
    tag = sorted((out / "tags").glob("*/index.html"))[0].parent
    files = [out / "index.html", out / "page/2/index.html", out / "archives/index.html",
             out / "2025/index.html", out / "tags/index.html", tag / "index.html",
             tag / "feed.xml"]  # fmt: skip
    made = {path: path.read_bytes() for path in files}
    for path in files[::2]:
        path.write_text("edited by hand")
    for path in files[1::2]:
        path.unlink()
    picked: list[str] = []
    real = plan._pick
    monkeypatch.setattr(
        plan, "_pick", lambda remake, path: picked.append(path) or real(remake, path)
    )
    report = build_site(site, OPTIONS).report
    assert {path: path.read_bytes() for path in files} == made
    # All but the list of tags, which shows no essay: its key is always computed.
    kept = sorted(str(path.relative_to(out)) for path in files if path.parent != out / "tags")
    assert sorted(picked) == kept
    assert report.written == len(files)


@settings(max_examples=200, deadline=None)
@given(
    held=st.lists(st.text(min_size=1), max_size=6, unique=True),
    others=st.lists(st.text(min_size=1), max_size=3),
    aspects=st.lists(st.sampled_from(ASPECTS), min_size=1, max_size=4),
)
def test_what_a_page_read_is_packed_and_unpacked_whole(
    held: list[str], others: list[str], aspects: list[str]
) -> None:
    """Sources held or not, with any character (the separators and "%" too)."""
    sources = held[::2] + others
    reads = tuple(sorted({(source, aspect) for source in sources for aspect in aspects}))
    packed = plan_index._pack(reads, tuple(held))
    assert plan_index._unpack(packed, tuple(held)) == reads
