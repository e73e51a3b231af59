"""Atom, RSS, sitemap and robots.txt: pure builders, then the feeds of a whole site.

Feeds are read back with feedparser (what feed readers do) and the sitemap with the
standard XML parser, then compared with the pages the build wrote.
"""

from __future__ import annotations

import shutil
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.build import feeds
from generator.build.feeds import (
    FeedInfo,
    FeedItem,
    InReplyTo,
    absolute_links,
    atom_feed,
    robots_txt,
    rss_feed,
    sitemap,
)
from generator.build.pipeline import BuildOptions, build_site
from tests.conftest import FIXED_NOW, SITES
from tests.htmldom import parse_html

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
INFO = FeedInfo(
    title="Notes & <Things>",
    url="https://n.example/feed.xml",
    home="https://n.example/",
    subtitle="Essays",
    author="Ada",
    language="en-GB",
)
PLUS_TWO = timezone(timedelta(hours=2))
ITEMS = [
    FeedItem(
        title='Newest: "quotes" & <angles>',
        url="https://n.example/2024/05/newest/",
        published=datetime(2024, 5, 2, 9, 30, tzinfo=PLUS_TWO),
        updated=datetime(2024, 5, 3, 10, 0, tzinfo=PLUS_TWO),
        content_html='<p>Body with <a href="#fn1">a note</a> and <img src="map.png" alt=""></p>',
        author="Guest",
        categories=("Walking", "Notes"),
    ),
    FeedItem(
        title="Older",
        url="https://n.example/2024/04/older/",
        published=datetime(2024, 4, 1, tzinfo=UTC),
        updated=datetime(2024, 4, 1, tzinfo=UTC),
        content_html="<p>Old</p>",
        id="urn:salon:older",
    ),
]


def struct(moment: datetime) -> time.struct_time:
    return moment.utctimetuple()


# -- pure builders ---------------------------------------------------------------------------


def test_atom_feed_parses_with_titles_dates_links_and_content() -> None:
    parsed: Any = feedparser.parse(atom_feed(INFO, ITEMS))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Notes & <Things>"
    assert parsed.feed.subtitle == "Essays"
    assert parsed.feed.link == "https://n.example/"
    assert parsed.feed.language == "en-GB"
    assert parsed.feed.updated_parsed == struct(ITEMS[0].updated)
    first, second = parsed.entries
    assert first.title == 'Newest: "quotes" & <angles>'
    assert first.link == "https://n.example/2024/05/newest/"
    assert first.id == "https://n.example/2024/05/newest/"
    assert first.published_parsed == struct(ITEMS[0].published)
    assert first.updated_parsed == struct(ITEMS[0].updated)
    assert first.author == "Guest"
    assert [tag.term for tag in first.tags] == ["Walking", "Notes"]
    body = parse_html(first.content[0].value)
    assert body.one("a").get("href") == "https://n.example/2024/05/newest/#fn1"
    assert body.one("img").get("src") == "https://n.example/2024/05/newest/map.png"
    assert second.id == "urn:salon:older"


def test_empty_atom_feed_is_still_valid() -> None:
    parsed: Any = feedparser.parse(atom_feed(INFO, []))
    assert not parsed.bozo
    assert parsed.entries == []


def test_rss_feed_parses_with_titles_dates_links_and_content() -> None:
    parsed: Any = feedparser.parse(rss_feed(INFO, ITEMS))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Notes & <Things>"
    assert parsed.feed.link == "https://n.example/"
    first, second = parsed.entries
    assert first.title == 'Newest: "quotes" & <angles>'
    assert first.link == "https://n.example/2024/05/newest/"
    assert first.id == "https://n.example/2024/05/newest/"
    assert first.published_parsed == struct(ITEMS[0].published)
    assert [tag.term for tag in first.tags] == ["Walking", "Notes"]
    assert parse_html(first.description).one("img").get("src") == (
        "https://n.example/2024/05/newest/map.png"
    )
    assert second.id == "urn:salon:older"


def test_absolute_links_leaves_absolute_and_mailto_links_alone() -> None:
    html = (
        '<a href="https://o.example/x">o</a><a href="mailto:a@b.example">m</a><a href=\'y\'>y</a>'
    )
    assert absolute_links(html, "https://n.example/p/") == (
        '<a href="https://o.example/x">o</a><a href="mailto:a@b.example">m</a>'
        "<a href='https://n.example/p/y'>y</a>"
    )


# Pieces an attribute is made of, and what stands near one: every spacing the pattern
# allows (tabs, line breaks, a non-breaking and an ideographic space), names in any case
# (and "ſ", which re's IGNORECASE takes for "s"), quotes, stray "=" and near misses.
_LINK_PIECES = st.sampled_from([
    " ", "\t", "\n", "\u00a0", "\u3000", "href", "HREF", "Src", "ſrc", "hre", "xhref",
    "=", '"', "'", "a", "#f", "/x", "<a", ">", "data:", "mailto:m", "é", "“",
])  # fmt: skip


def _substituted(substitute: Any, html: str) -> str:
    """What ``substitute(html, resolve)`` gives, with every match it resolved, in order."""
    calls: list[str] = []

    def resolve(match: Any) -> str:
        calls.append(match.group(0))
        return f"[{match.group(0)}]"

    return substitute(html, resolve) + repr(calls)


@settings(max_examples=600, deadline=None)
@given(st.lists(_LINK_PIECES, max_size=40).map("".join))
@example(' href = "a=b" src=\'c\'  \n href="d"')
@example('<img  \t SRC="x">= = =  href= "y"')
@example(" href\t\u00a0\u3000= \"x\" \u3000ſrc\n=\n'y'")
def test_links_are_found_just_as_the_pattern_finds_them(html: str) -> None:
    """absolute_links tries the pattern only before each "=": the same matches, in the
    same order, and the same text between them, as substituting the pattern everywhere
    (what it did before)."""
    reference = _substituted(lambda text, resolve: feeds._LINK_ATTR.sub(resolve, text), html)
    assert _substituted(feeds._substitute_links, html) == reference


def _text_by_the_pattern(value: str) -> str:
    """The reference: feeds._text as it was, the pattern asked of every text."""
    if feeds._NOT_XML.search(value):
        value = feeds._NOT_XML.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@settings(max_examples=400, deadline=None)
@given(st.text())
@example("Ada & <Bob> at https://n.example/?a=1")
@example("a tab\there, a line\nbreak")
@example("\x00\x08\x0b\x1f\x7f\ufffe\uffff")
def test_feed_text_is_what_the_pattern_alone_made_of_it(value: str) -> None:
    """_text skips the pattern for printable ASCII: the same text for any string."""
    assert feeds._text(value) == _text_by_the_pattern(value)


def test_sitemap_lists_urls_with_optional_lastmod() -> None:
    data = sitemap(
        [
            ("https://n.example/", None),
            ("https://n.example/a/", datetime(2024, 5, 1, 9, 0, tzinfo=PLUS_TWO)),
        ]
    )
    root = ET.fromstring(data)
    assert root.tag == f"{SITEMAP_NS}urlset"
    urls = root.findall(f"{SITEMAP_NS}url")
    assert [u.findtext(f"{SITEMAP_NS}loc") for u in urls] == [
        "https://n.example/",
        "https://n.example/a/",
    ]
    assert urls[0].find(f"{SITEMAP_NS}lastmod") is None
    assert urls[1].findtext(f"{SITEMAP_NS}lastmod") == "2024-05-01T07:00:00Z"


def test_robots_txt_points_to_the_sitemap() -> None:
    assert robots_txt("https://n.example/sitemap.xml") == (
        b"User-agent: *\nAllow: /\n\nSitemap: https://n.example/sitemap.xml\n"
    )


# -- the feeds of a whole site ---------------------------------------------------------------


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("feeds") / "basic"
    shutil.copytree(SITES / "basic", site)
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    return site / "output"


def read_feed(output: Path, path: str) -> Any:
    parsed: Any = feedparser.parse((output / path).read_bytes())
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def test_site_atom_feed(output: Path) -> None:
    feed = read_feed(output, "feed.xml")
    assert feed.feed.title == "Field Notes"
    assert [e.title for e in feed.entries] == [
        "Late Winter",
        'On Headings: a "Study"',
        "The Second Essay",
        "First Light",
    ]  # newest first, no draft, no scheduled post
    assert [e.link for e in feed.entries] == [
        "https://notes.example/2025/02/valentine/",
        "https://notes.example/2025/01/on-headings/",
        "https://notes.example/2024/12/second/",
        "https://notes.example/2024/11/first-light/",
    ]
    # 2025-02-14 07:00 in Paris is 06:00 UTC.
    assert feed.entries[0].published_parsed == struct(datetime(2025, 2, 14, 6, 0, tzinfo=UTC))
    headings = feed.entries[1]
    assert headings.updated_parsed == struct(datetime(2025, 2, 1, 9, 0, tzinfo=UTC))
    assert headings.author == "Guest Writer"
    assert feed.entries[0].author == "Ada Writer"
    # Full content (feeds.full_content defaults to true), links made absolute.
    body = parse_html(headings.content[0].value)
    assert body.one("h2", id="how-many").text == "How many"
    image = parse_html(feed.entries[2].content[0].value).one("img")
    assert image.get("src") == "https://notes.example/2024/12/second/drawing.svg"


def test_site_rss_feed(output: Path) -> None:
    feed = read_feed(output, "rss.xml")
    assert feed.version == "rss20"
    assert feed.feed.title == "Field Notes"
    assert len(feed.entries) == 4
    assert feed.entries[3].title == "First Light"
    assert feed.entries[3].link == "https://notes.example/2024/11/first-light/"
    assert feed.entries[3].published_parsed == struct(datetime(2024, 11, 3, 8, 0, tzinfo=UTC))


def test_each_tag_and_category_has_its_own_feed(output: Path) -> None:
    walking = read_feed(output, "tags/walking/feed.xml")
    assert walking.feed.title == "Field Notes: Walking"
    assert walking.feed.link == "https://notes.example/tags/walking/"
    assert [e.title for e in walking.entries] == [
        "Late Winter",
        'On Headings: a "Study"',
        "First Light",
    ]
    craft = read_feed(output, "tags/craft/feed.xml")
    assert [e.title for e in craft.entries] == ['On Headings: a "Study"']
    notes = read_feed(output, "categories/notes/feed.xml")
    assert notes.feed.title == "Field Notes: Notes"
    assert [e.link for e in notes.entries] == [
        "https://notes.example/2024/12/second/",
        "https://notes.example/2024/11/first-light/",
    ]


def test_pages_link_their_feeds(output: Path) -> None:
    home = parse_html((output / "index.html").read_text(encoding="utf-8"))
    alternates = {
        link.get("type"): link.get("href") for link in home.find_all("link", rel="alternate")
    }
    assert alternates == {"application/atom+xml": "/feed.xml", "application/rss+xml": "/rss.xml"}
    tag = parse_html((output / "tags/walking/index.html").read_text(encoding="utf-8"))
    hrefs = [link.get("href") for link in tag.find_all("link", rel="alternate")]
    assert "/tags/walking/feed.xml" in hrefs


def build_basic_with_feeds(tmp_path: Path, feeds: str) -> Path:
    """The basic site built with its `feeds:` section's `entries: 10` line replaced."""
    site = tmp_path / "basic"
    shutil.copytree(SITES / "basic", site)
    config = site / "site.yaml"
    config.write_text(config.read_text().replace("entries: 10", feeds), encoding="utf-8")
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    return site


def test_feed_entries_are_capped_by_feeds_entries(tmp_path: Path) -> None:
    site = build_basic_with_feeds(tmp_path, "entries: 2")
    assert len(read_feed(site / "output", "feed.xml").entries) == 2
    assert len(read_feed(site / "output", "rss.xml").entries) == 2
    assert len(read_feed(site / "output", "tags/walking/feed.xml").entries) == 2


def test_excerpt_only_feeds(tmp_path: Path) -> None:
    site = build_basic_with_feeds(tmp_path, "entries: 10\n  full_content: false")
    feed = read_feed(site / "output", "feed.xml")
    headings = parse_html(feed.entries[1].content[0].value)
    assert headings.text == "An essay with enough headings to earn a table of contents."


def test_feeds_can_be_turned_off(tmp_path: Path) -> None:
    site = build_basic_with_feeds(tmp_path, "entries: 10\n  rss: false")
    assert not (site / "output/rss.xml").exists()
    assert (site / "output/feed.xml").exists()
    home = parse_html((site / "output/index.html").read_text(encoding="utf-8"))
    assert home.find("link", type="application/rss+xml") is None


# -- sitemap and robots.txt --------------------------------------------------------------------


def url_of(output: Path, html_file: Path) -> str:
    relative = html_file.relative_to(output).as_posix()
    if relative.endswith("index.html"):
        relative = relative[: -len("index.html")]
    return "https://notes.example/" + relative


def test_sitemap_lists_every_indexable_page_and_nothing_else(output: Path) -> None:
    root = ET.fromstring((output / "sitemap.xml").read_bytes())
    listed = [u.findtext(f"{SITEMAP_NS}loc") for u in root.findall(f"{SITEMAP_NS}url")]
    assert len(listed) == len(set(listed)), "a URL is listed twice"
    indexable, hidden = set(), set()
    for path in output.rglob("*.html"):
        doc = parse_html(path.read_text(encoding="utf-8"))
        (hidden if doc.meta("robots") == "noindex" else indexable).add(url_of(output, path))
    assert set(listed) == indexable
    # The 404 page, the search page and the alias redirects are written but never listed.
    assert hidden == {
        "https://notes.example/404.html",
        "https://notes.example/search/",
        "https://notes.example/old/second.html",
        "https://notes.example/2019/second-essay/",
    }


def test_sitemap_lastmod_of_posts(output: Path) -> None:
    root = ET.fromstring((output / "sitemap.xml").read_bytes())
    lastmod = {
        u.findtext(f"{SITEMAP_NS}loc"): u.findtext(f"{SITEMAP_NS}lastmod")
        for u in root.findall(f"{SITEMAP_NS}url")
    }
    assert lastmod["https://notes.example/2025/01/on-headings/"] == "2025-02-01T09:00:00Z"
    assert lastmod["https://notes.example/2025/02/valentine/"] == "2025-02-14T06:00:00Z"


def test_robots_txt_of_the_site(output: Path) -> None:
    lines = (output / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "Sitemap: https://notes.example/sitemap.xml" in lines
    assert "User-agent: *" in lines


# -- URIs, threading, authors and empty bodies (RFC 4287, RFC 4685, RSS 2.0) ---------------


def _item(**changes: Any) -> FeedItem:
    fields: dict[str, Any] = {
        "title": "Über",
        "url": "https://n.example/2024/05/über-das-zuhören/",
        "published": datetime(2024, 5, 2, tzinfo=UTC),
        "updated": datetime(2024, 5, 2, tzinfo=UTC),
        "content_html": "<p>Text</p>",
        "author": "Jörg",
    }
    fields.update(changes)
    return FeedItem(**fields)


def test_feed_addresses_are_percent_encoded_uris() -> None:
    info = FeedInfo("T", "https://n.example/tags/наука/feed.xml", "https://n.example/tags/наука/")
    atom = atom_feed(info, [_item()]).decode()
    assert "<id>https://n.example/2024/05/%C3%BCber-das-zuh%C3%B6ren/</id>" in atom
    assert 'href="https://n.example/tags/%D0%BD%D0%B0%D1%83%D0%BA%D0%B0/feed.xml"' in atom
    rss = rss_feed(info, [_item()]).decode()
    assert "<link>https://n.example/2024/05/%C3%BCber-das-zuh%C3%B6ren/</link>" in rss
    assert '<guid isPermaLink="true">https://n.example/2024/05/%C3%BCber' in rss
    loc = sitemap([("https://n.example/tags/наука/", None)]).decode()
    assert "<loc>https://n.example/tags/%D0%BD%D0%B0%D1%83%D0%BA%D0%B0/</loc>" in loc


def test_replies_carry_thr_in_reply_to() -> None:
    reply = _item(
        in_reply_to=InReplyTo(
            "tag:n.example,2024-05-01:comment-a", "https://n.example/x/#comment-a"
        )
    )
    atom = atom_feed(INFO, [reply, _item()]).decode()
    assert 'xmlns:thr="http://purl.org/syndication/thread/1.0"' in atom
    assert atom.count("<thr:in-reply-to ") == 1
    assert 'ref="tag:n.example,2024-05-01:comment-a" href="https://n.example/x/#comment-a"' in atom
    assert "xmlns:thr" not in atom_feed(INFO, [_item()]).decode()


def test_rss_items_name_their_author_and_non_address_ids_are_no_permalinks() -> None:
    rss = rss_feed(INFO, [_item(), _item(author="", id="urn:salon:x")]).decode()
    assert 'xmlns:dc="http://purl.org/dc/elements/1.1/"' in rss
    assert rss.count("<dc:creator>Jörg</dc:creator>") == 1
    assert '<guid isPermaLink="false">urn:salon:x</guid>' in rss


def test_an_empty_body_gives_no_empty_content_or_description() -> None:
    empty = _item(content_html="  ")
    assert "<content" not in atom_feed(INFO, [empty]).decode()
    assert "<description>" not in rss_feed(INFO, [empty]).decode().split("<item>")[1]


def test_an_empty_feed_is_dated_by_what_it_follows_and_names_an_author() -> None:
    info = FeedInfo("Site", "https://n.example/x/comments.xml", "https://n.example/x/",
                    updated=datetime(2024, 3, 4, 5, 6, tzinfo=UTC))  # fmt: skip
    atom = atom_feed(info, []).decode()
    assert "<updated>2024-03-04T05:06:00Z</updated>" in atom
    assert "<author>\n    <name>Site</name>" in atom  # the site stands in (RFC 4287 4.1.1)
    assert "<name>Site</name>" not in atom_feed(info, [_item()]).decode()  # entries name theirs
