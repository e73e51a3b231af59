"""Every page and feed of the sample site and of a site of real-world content, checked.

Feeds against RFC 4287/4685 and RSS 2.0 (tests/feedchecks.py) and through feedparser;
the sitemap against sitemaps.org's schema (the npm package `sitemap` ships sitemap.xsd);
every page for unique ids, balanced HTML and comments microformats readers can read
(tests/pagechecks.py). tests/sites/realworld has non-ASCII slugs and tags, headings
named like the theme's ids, excerpts cut inside a list and a quote, and threads.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import feedparser
import pytest

from generator.build.pipeline import BuildOptions, build_site
from generator.core.config import load_config
from tests.conftest import FIXED_NOW, REPO, SITES, copy_sample_site
from tests.feedchecks import atom_problems, is_uri, rss_problems, sitemap_problems
from tests.htmldom import parse_html
from tests.pagechecks import comment_problems, duplicate_ids, unbalanced

SITEMAP_XSD = REPO / "node_modules" / "sitemap" / "schema" / "sitemap.xsd"


@pytest.fixture(scope="module", params=["sample", "realworld", "basic", "comments"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "sample":
        site = copy_sample_site(root / "site")
        build_site(site, BuildOptions(jobs=1))  # its essays are dated now, not at FIXED_NOW
    else:
        site = root / "site"
        shutil.copytree(SITES / request.param, site)
        build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    return site / "output"


def _base_url(output: Path) -> str:
    return load_config(output.parent).base_url


def _url_of(output: Path, path: Path, base: str) -> str:
    relative = path.relative_to(output).as_posix()
    return base + "/" + relative.removesuffix("index.html")


def _feeds(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*.xml") if p.name != "sitemap.xml")


def test_every_feed_keeps_the_rules_of_its_format(built: Path) -> None:
    problems = {}
    feeds = _feeds(built)
    assert len(feeds) >= 3
    for path in feeds:
        data = path.read_bytes()
        found = rss_problems(data) if path.name == "rss.xml" else atom_problems(data)
        parsed: Any = feedparser.parse(data)
        if parsed.bozo:
            found.append(f"feedparser: {parsed.bozo_exception}")
        if found:
            problems[path.relative_to(built).as_posix()] = found
    assert problems == {}


def test_the_sitemap_is_valid_against_the_sitemaps_org_schema(built: Path) -> None:
    if not SITEMAP_XSD.is_file():
        message = f"{SITEMAP_XSD} is missing: run npm ci (./dev test does)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    assert sitemap_problems((built / "sitemap.xml").read_bytes(), SITEMAP_XSD) == []


def test_every_page_has_unique_ids_balanced_html_and_readable_comments(built: Path) -> None:
    base = _base_url(built)
    problems = {}
    pages = sorted(built.rglob("*.html"))
    assert len(pages) >= 8
    for path in pages:
        html = path.read_text(encoding="utf-8")
        found = duplicate_ids(html) + unbalanced(html)
        found += comment_problems(html, _url_of(built, path, base))
        if found:
            problems[path.relative_to(built).as_posix()] = found
    assert problems == {}


# -- what the real-world site shows in particular -----------------------------------------


@pytest.fixture(scope="module")
def realworld(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("rw") / "site"
    shutil.copytree(SITES / "realworld", site)
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    return site / "output"


def test_headings_give_way_to_the_themes_ids_and_to_footnotes(realworld: Path) -> None:
    page = parse_html((realworld / "2025/01/über-das-zuhören/index.html").read_text("utf-8"))
    body = page.one("div", class_="post-body")
    headings = [h.attrs.get("id") for h in body.iter() if h.tag in ("h1", "h2")]
    assert headings == [
        "main-1", "comments-1", "respond-1", "foo", "foo-1", "foo-1-1", "fn1-1",
        "zwei-zeilen-einer-überschrift",
    ]  # fmt: skip
    assert page.one("main").attrs["id"] == "main"
    assert page.one("section", class_="comments").attrs["id"] == "comments"
    toc = [a.text for a in page.one("nav", class_="toc").find_all("a")]
    assert toc[-1] == "Zwei Zeilen einer Überschrift"


def test_listings_show_balanced_excerpts_without_heading_ids(realworld: Path) -> None:
    home = parse_html((realworld / "index.html").read_text("utf-8"))
    summaries = home.find_all("div", class_="p-summary")
    texts = " ".join(s.text for s in summaries)
    assert "Второе: молчание слушает." in texts
    assert "Это уже не входит" not in texts and "past the cut" not in texts
    assert all(h.attrs.get("id") is None for s in summaries for h in s.iter() if h.tag == "h2")


def test_feeds_and_sitemap_carry_percent_encoded_uris(realworld: Path) -> None:
    atom = (realworld / "feed.xml").read_text("utf-8")
    assert "https://zwischen.example/2025/01/%C3%BCber-das-zuh%C3%B6ren/" in atom
    assert "über-das" not in atom.split("<content")[0]
    sitemap = (realworld / "sitemap.xml").read_text("utf-8")
    assert "https://zwischen.example/tags/%D0%BD%D0%B0%D1%83%D0%BA%D0%B0/" in sitemap
    assert "наука" not in sitemap
    tag_feed = (realworld / "tags/наука/feed.xml").read_text("utf-8")
    assert is_uri(tag_feed.split("<id>")[1].split("</id>")[0])


def test_comment_feeds_thread_replies_and_use_tag_ids(realworld: Path) -> None:
    parsed: Any = feedparser.parse(
        (realworld / "2025/01/über-das-zuhören/comments.xml").read_bytes()
    )
    by_author = {entry.author: entry for entry in parsed.entries}
    assert set(by_author) == {"Jörg Mäder", "Lena Brandt", "Ana", "Олег", "Mia"}
    assert all(entry.id.startswith("tag:zwischen.example,2025-01-0") for entry in parsed.entries)
    raw = (realworld / "2025/01/über-das-zuhören/comments.xml").read_text("utf-8")
    assert raw.count("<thr:in-reply-to ") == 5
    assert 'href="https://zwischen.example/2025/01/%C3%BCber-das-zuh%C3%B6ren/#comment-z1"' in raw
    empty = (realworld / "2025/02/leer/comments.xml").read_text("utf-8")
    assert "<updated>2025-02-10T11:00:00Z</updated>" in empty
