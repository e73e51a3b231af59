"""Incremental builds are never wrong: after each of many scripted changes, the output of
an incremental build is byte-identical to a clean build of the same sources."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build.pipeline import BuildOptions, build_site

from .conftest import FIXED_NOW, SITES
from .photos import scene, with_metadata

OPTIONS = BuildOptions(now=FIXED_NOW, jobs=1)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def clean_build(site: Path, scratch: Path, options: BuildOptions = OPTIONS) -> dict[str, bytes]:
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(site, scratch, ignore=shutil.ignore_patterns("output", ".salon"))
    build_site(scratch, options)
    return tree(scratch / "output")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)


def comments(site: Path, change: Callable[[list[dict[str, object]]], None]) -> None:
    path = site / "comments.json"
    feed = json.loads(path.read_text(encoding="utf-8"))
    change(feed["comments"])
    path.write_text(json.dumps(feed, indent=2), encoding="utf-8")


POST = "content/posts/essay-{}.md"


SHOWN_AFTER = {
    "show it in a post": {"photo.jpg", "photo-480.avif", "photo-480.webp", "photo-480.jpg"},
    "replace the photograph (another size)": {"photo-800.avif", "photo-800.jpg"},
    "change the image settings": {"photo-320.webp", "photo-640.jpg", "photo.jpg"},
}
IMAGE_SETTINGS = "images:\n  widths: [320, 640]\n  formats: [webp]\n"


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def photo(site: Path, name: str, width: int, seed: int) -> None:
    """A photograph with GPS EXIF and orientation, as a phone writes one."""
    picture = scene(width, width * 2 // 3, seed)
    (site / "content/posts" / name).write_bytes(with_metadata(picture, orientation=1))


CHANGES: list[tuple[str, Callable[[Path], None]]] = [
    ("edit a body", lambda s: edit(s / POST.format(3), "More words", "Other words")),
    ("edit a title", lambda s: edit(s / POST.format(2), "Essay number 2", "The second essay")),
    (
        "move a date so the order changes",
        lambda s: edit(s / POST.format(1), "2024-01-10", "2024-09-01"),
    ),
    (
        "add a tag",
        lambda s: edit(
            s / POST.format(4), "tags: [common, tag-4]", "tags: [common, tag-4, new-tag]"
        ),
    ),
    ("remove a tag", lambda s: edit(s / POST.format(5), "tags: [common, tag-5]", "tags: [tag-5]")),
    (
        "change a category",
        lambda s: edit(s / POST.format(3), "category: Psychology", "category: Letters"),
    ),
    (
        "draft to published",
        lambda s: (s / POST.format(6)).write_text(
            "---\ntitle: Drafted\ndate: 2024-06-01\ndraft: true\ntags: [common]\n---\nA draft.\n",
            "utf-8",
        ),
    ),
    ("publish the draft", lambda s: edit(s / POST.format(6), "draft: true", "draft: false")),
    ("published back to draft", lambda s: edit(s / POST.format(6), "draft: false", "draft: true")),
    (
        "add a new post",
        lambda s: (s / "content/posts/fresh.md").write_text(
            "---\ntitle: Fresh\ndate: 2024-12-24 18:00\ntags: [common, winter]\n---\nNew.\n",
            "utf-8",
        ),
    ),
    (
        "rename a post file",
        lambda s: (s / "content/posts/fresh.md").rename(s / "content/posts/renamed.md"),
    ),
    ("delete a post", lambda s: (s / POST.format(5)).unlink()),
    (
        "schedule a post in the future",
        lambda s: edit(s / POST.format(4), "2024-04-10", "2031-04-10"),
    ),
    ("change an excerpt marker", lambda s: edit(s / POST.format(2), "<!-- more -->\n", "")),
    (
        "edit a template",
        lambda s: write(
            s / "templates/page.html",
            '{% extends "base.html" %}{% block main %}<h1>{{ entry.title }}</h1>'
            "{{ entry.html|safe }}<p>custom page</p>{% endblock %}\n",
            "utf-8",
        ),
    ),
    ("edit the CSS", lambda s: edit(s / "themes/local/static/style.css", "#fffdf7", "#fafafa")),
    (
        "edit site.yaml",
        lambda s: edit(s / "site.yaml", "title: Incremental", "title: Renamed site"),
    ),
    (
        "change posts_per_page",
        lambda s: edit(s / "site.yaml", "posts_per_page: 2", "posts_per_page: 3"),
    ),
    (
        "add a comment",
        lambda s: comments(
            s,
            lambda c: c.append(
                {
                    "id": "a3",
                    "post": "essay-3",
                    "parent": None,
                    "author": "Cy",
                    "website": "",
                    "body": "Hello *there*.",
                    "created": "2024-03-11T10:00:00Z",
                    "by_author": False,
                    "avatar": "cc",
                }
            ),
        ),
    ),
    (
        "add a reply by the author",
        lambda s: comments(
            s,
            lambda c: c.append(
                {
                    "id": "a4",
                    "post": "essay-3",
                    "parent": "a3",
                    "author": "Inez",
                    "website": "",
                    "body": "Thanks.",
                    "created": "2024-03-12T10:00:00Z",
                    "by_author": True,
                    "avatar": "dd",
                }
            ),
        ),
    ),
    ("remove a comment", lambda s: comments(s, lambda c: c.pop(0))),
    (
        "edit a reply's text (the same posts, another feed)",
        lambda s: comments(s, lambda c: c[-1].update(body="Thanks, truly.")),
    ),
    (
        "cap threads at one level (the same feed, another depth)",
        lambda s: append(s / "site.yaml", "comments:\n  max_depth: 1\n"),
    ),
    (
        "close comments on a post",
        lambda s: edit(s / POST.format(3), "tags:", "comments: closed\ntags:"),
    ),
    (
        "add a page",
        lambda s: (s / "content/pages/contact.md").write_text(
            "---\ntitle: Contact\n---\nWrite to me.\n", "utf-8"
        ),
    ),
    (
        "edit a page title (shown in every page's navigation)",
        lambda s: edit(s / "content/pages/about.md", "title: About", "title: About me"),
    ),
    (
        "add a corrupt image no page shows (left out, with a warning)",
        lambda s: (s / "content/posts/broken.png").write_bytes(b"\x89PNG fake"),
    ),
    ("remove the corrupt image", lambda s: (s / "content/posts/broken.png").unlink()),
    ("add a photograph beside the posts", lambda s: photo(s, "photo.jpg", 700, 1)),
    (
        "show it in a post",
        lambda s: edit(s / POST.format(3), "Other words", "![A lake.](/photo.jpg)\n\nOther words"),
    ),
    (
        "name it as another post's image",
        lambda s: edit(s / POST.format(2), "tags:", "image: /photo.jpg\nimage_alt: A lake.\ntags:"),
    ),
    ("replace the photograph (another size)", lambda s: photo(s, "photo.jpg", 900, 2)),
    (
        "change the image settings",
        lambda s: append(s / "site.yaml", IMAGE_SETTINGS),
    ),
    (
        "stop showing it, then remove it",
        lambda s: (
            edit(s / POST.format(3), "![A lake.](/photo.jpg)\n\n", ""),
            edit(s / POST.format(2), "image: /photo.jpg\nimage_alt: A lake.\n", ""),
            (s / "content/posts/photo.jpg").unlink(),
        ),
    ),
    (
        "add an alias",
        lambda s: edit(s / POST.format(1), "tags:", "aliases: [/old/essay-one.html]\ntags:"),
    ),
    ("delete the comments feed", lambda s: (s / "comments.json").unlink()),
    (
        "add a heading named like the theme's comments section",
        lambda s: edit(s / POST.format(4), "## A section", "## Comments\n\n## A section"),
    ),
    (
        "reserve a heading's id in the theme",
        lambda s: edit(
            s / "themes/local/theme.yaml",
            "extends: default",
            "extends: default\nreserved_ids: [a-section]",
        ),
    ),
]


def test_at_least_twenty_kinds_of_change() -> None:
    assert len(CHANGES) >= 20


def differences(clean: dict[str, bytes], incremental: dict[str, bytes]) -> tuple[list[str], ...]:
    missing = sorted(set(clean) - set(incremental))
    extra = sorted(set(incremental) - set(clean))
    different = sorted(p for p in clean.keys() & incremental.keys() if clean[p] != incremental[p])
    return missing, extra, different


def replay_changes(tmp_path: Path, options: BuildOptions) -> None:
    """Each change in turn, an incremental build with ``options``, compared to a clean one."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    build_site(site, options)
    for name, change in CHANGES:
        change(site)
        build_site(site, options)
        incremental = tree(site / "output")
        clean = clean_build(site, tmp_path / "clean")
        assert differences(clean, incremental) == ([], [], []), f"after: {name}"
        if name in SHOWN_AFTER:  # the images really are made, not merely equally absent
            assert SHOWN_AFTER[name] <= set(incremental), name


def test_every_incremental_build_equals_a_clean_build(tmp_path: Path) -> None:
    replay_changes(tmp_path, OPTIONS)


def test_every_incremental_build_with_two_jobs_equals_a_clean_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same changes, each build rendering in two forked workers (`--jobs 2`)."""
    from generator.build import execute, pools

    monkeypatch.setattr(pools, "PARALLEL_THRESHOLD", 1)  # the pools even for a small site
    monkeypatch.setattr(execute, "PARALLEL_PAGES", 1)
    replay_changes(tmp_path, BuildOptions(now=FIXED_NOW, jobs=2))


def test_time_passing_equals_a_clean_build(tmp_path: Path) -> None:
    """Nothing but the clock moves: comments close by age and a scheduled post falls due."""
    from datetime import timedelta

    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    # essay-5 (2024-05-10) is 295 days old at FIXED_NOW: open now, closed a week later.
    with (site / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write("comments:\n  close_after_days: 300\n")
    write(
        site / "content/posts/due.md",
        "---\ntitle: Falling due\ndate: 2025-03-05 08:00\ntags: [common]\n---\nOn time.\n",
    )
    first = build_site(site, OPTIONS)
    essay = site / "output/2024/05/essay-5/index.html"
    assert b'class="comment-form"' in essay.read_bytes()
    assert first.future_held == 1
    later = BuildOptions(now=FIXED_NOW + timedelta(days=9), jobs=1)
    result = build_site(site, later)
    assert result.future_held == 0
    assert b'class="comment-form"' not in essay.read_bytes()
    assert (site / "output/2025/03/due/index.html").is_file()
    clean = clean_build(site, tmp_path / "clean", later)
    assert differences(clean, tree(site / "output")) == ([], [], [])


def pages_step_mtimes(output: Path) -> dict[Path, int]:
    """The files the pages step writes (the search bundle is the search step's, made
    again whole when an essay changes: tests/test_search_build.py)."""
    bundle = output / "pagefind"
    return {
        p: p.stat().st_mtime_ns
        for p in output.rglob("*")
        if p.is_file() and bundle not in p.parents
    }


def test_a_no_change_rebuild_rewrites_nothing(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    build_site(site, OPTIONS)
    before = pages_step_mtimes(site / "output")
    result = build_site(site, OPTIONS)
    after = pages_step_mtimes(site / "output")
    assert result.report.written == 0
    assert result.report.removed == 0
    assert result.report.unchanged == len(before)
    assert before == after


def test_editing_one_essay_rewrites_only_what_shows_it(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    build_site(site, OPTIONS)
    output = site / "output"
    before = pages_step_mtimes(output)
    edit(site / POST.format(3), "More words", "Different words")  # below the excerpt
    result = build_site(site, OPTIONS)
    rewritten = sorted(
        p.relative_to(output).as_posix()
        for p, mtime in before.items()
        if p.stat().st_mtime_ns != mtime
    )
    # Its page, and the feeds that carry its full text; listings show only the excerpt.
    assert rewritten == [
        "2024/03/essay-3/index.html",
        "categories/psychology/feed.xml",
        "feed.xml",
        "rss.xml",
        "tags/common/feed.xml",
        "tags/tag-3/feed.xml",
    ]
    assert result.report.written == len(rewritten)


def test_a_page_edited_by_hand_in_output_is_restored(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    build_site(site, OPTIONS)
    page = site / "output" / "about" / "index.html"
    good = page.read_bytes()
    page.write_bytes(b"tampered")
    os.utime(page, ns=(1, 1))
    build_site(site, OPTIONS)
    assert page.read_bytes() == good


@pytest.mark.parametrize("jobs", [2])
def test_a_parallel_cold_build_equals_a_serial_one(tmp_path: Path, jobs: int) -> None:
    from generator.build import execute, pools

    serial = tmp_path / "serial"
    shutil.copytree(SITES / "incremental", serial)
    build_site(serial, OPTIONS)
    parallel = tmp_path / "parallel"
    shutil.copytree(SITES / "incremental", parallel)
    thresholds = (pools.PARALLEL_THRESHOLD, execute.PARALLEL_PAGES)
    pools.PARALLEL_THRESHOLD, execute.PARALLEL_PAGES = 1, 1  # force the process pools
    try:
        build_site(parallel, BuildOptions(now=FIXED_NOW, jobs=jobs))
    finally:
        pools.PARALLEL_THRESHOLD, execute.PARALLEL_PAGES = thresholds
    assert tree(parallel / "output") == tree(serial / "output")


def test_a_scheduled_post_appears_once_its_time_has_come(tmp_path: Path) -> None:
    from datetime import timedelta

    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    due = FIXED_NOW + timedelta(days=1)
    (site / "content/posts/soon.md").write_text(
        f"---\ntitle: Soon\ndate: {due.isoformat()}\n---\nSoon.\n", "utf-8"
    )
    first = build_site(site, OPTIONS)
    assert first.future_held == 1
    again = build_site(site, OPTIONS)  # nothing changed, the time has not come
    assert (again.report.written, again.future_held) == (0, 1)
    later = build_site(site, BuildOptions(now=due + timedelta(minutes=1), jobs=1))
    assert later.future_held == 0
    assert (site / "output" / due.strftime("%Y/%m") / "soon" / "index.html").is_file()


def test_the_cache_forgets_what_years_of_edits_left_behind(tmp_path: Path) -> None:
    import sqlite3

    from generator.build.cache import BuildCache
    from generator.build.content_files import iter_sources
    from generator.build.content_stage import parse_sources
    from generator.build.markdown_stage import start_markdown
    from generator.core.config import load_config

    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    essay = site / POST.format(3)
    original = essay.read_text(encoding="utf-8")
    for number in range(700):  # each edit leaves a stale entry behind
        essay.write_text(original.replace("More words", f"Edit {number}"), encoding="utf-8")
        config = load_config(site)
        cache = BuildCache(config.private_dir / "cache.sqlite3")
        parsed = parse_sources(cache, list(iter_sources(config)), config, jobs=1)
        start_markdown(cache, parsed.documents, parsed.source_hashes, jobs=1).finish()
        cache.close()
    db = sqlite3.connect(site / ".salon" / "cache.sqlite3")
    for table in ("markdown", "documents", "bodies"):
        (rows,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert rows <= 2 * 6 + 500 + 1, table
    build_site(site, OPTIONS)
    assert b"Edit 699" in (site / "output/2024/03/essay-3/index.html").read_bytes()


def test_editing_one_essay_renders_only_the_listing_pages_that_show_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tag's other pages receive only the tag's count, not its posts: not made again."""
    from generator.build.execute import PageRenderer

    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    build_site(site, OPTIONS)
    rendered: list[str] = []
    render = PageRenderer.render

    def recording(self: PageRenderer, job: object) -> bytes:
        rendered.append(job.path)  # type: ignore[attr-defined]
        return render(self, job)  # type: ignore[arg-type]

    monkeypatch.setattr(PageRenderer, "render", recording)
    # Its title, which listings show (an edit of its text past the excerpt reaches none:
    # tests/test_body_reads.py).
    edit(site / POST.format(3), 'title: "Essay number 3"', 'title: "Essay number three"')
    build_site(site, OPTIONS)
    common = sorted(p for p in rendered if p.startswith("tags/common/") and p.endswith(".html"))
    pages_of_common = sorted(
        p.relative_to(site / "output").as_posix()
        for p in (site / "output" / "tags" / "common").rglob("index.html")
    )
    assert len(pages_of_common) == 3  # five posts, two a page
    assert len(common) == 1, common  # the one page that lists essay 3
    assert "tags/index.html" not in rendered  # the counts did not change
    archive_pages = [p for p in rendered if p.startswith("2024/") and "essay" not in p]
    assert len(archive_pages) <= 2, archive_pages  # its year's page and its month's


@pytest.mark.parametrize("lost", [("markdown", "light"), ("bodies",), ("bodies", "markdown")])
def test_what_the_cache_lost_is_made_again_from_what_it_kept(
    tmp_path: Path, lost: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents are cached without their bodies, which the table "bodies" keeps beside
    them: a rendering lost is made again from the kept body (no source is read), a body
    lost has its document parsed again; either way the site is the same."""
    import sqlite3

    from generator.build import content_stage

    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    build_site(site, OPTIONS)
    before = tree(site / "output")
    db = sqlite3.connect(site / ".salon" / "cache.sqlite3")
    with db:
        for table in lost:
            db.execute(f"DELETE FROM {table}")
        stored = [body for (body,) in db.execute("SELECT value FROM documents")]
    db.close()
    import pickle

    assert all(pickle.loads(value).body == "" for value in stored)
    reads: list[str] = []
    real = content_stage.read_source

    def counting(*args: object, **kwargs: object) -> object:
        reads.append(str(args[2]))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(content_stage, "read_source", counting)
    (site / ".salon" / "last-build.json").unlink()  # build, though no input changed
    build_site(site, OPTIONS)
    assert tree(site / "output") == before
    assert bool(reads) == ("bodies" in lost)


def test_a_body_the_cache_lost_while_building_is_a_clear_error(tmp_path: Path) -> None:
    """The Markdown workers read each body from the cache, where the content step put it:
    one gone meanwhile (a hand deleting the cache) stops the build with a message, never a
    traceback or an empty page."""
    import sqlite3

    from generator.build.cache import BuildCache
    from generator.build.content_files import iter_sources
    from generator.build.content_stage import parse_sources
    from generator.build.markdown_stage import start_markdown
    from generator.core.config import load_config
    from generator.core.errors import SiteError

    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    config = load_config(site)
    cache = BuildCache(config.private_dir / "cache.sqlite3")
    parsed = parse_sources(cache, list(iter_sources(config)), config, jobs=1)
    assert all(doc.body == "" for doc in parsed.documents)  # none held here
    lost = parsed.documents[0]
    with sqlite3.connect(cache.path) as db:
        db.execute("DELETE FROM bodies WHERE key = ?", (parsed.source_hashes[lost.source],))
    pending = start_markdown(cache, parsed.documents, parsed.source_hashes, jobs=1)
    with pytest.raises(SiteError) as raised:
        pending.finish()
    cache.close()
    assert [(p.path, p.message) for p in raised.value.problems] == [
        (lost.source, "changed while this build read it; build again")
    ]
