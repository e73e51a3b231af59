"""Atom, RSS 2.0, sitemap and robots.txt, built with ElementTree so escaping is never ours."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urljoin

ATOM_NS = "http://www.w3.org/2005/Atom"
_LINK_ATTR = re.compile(r"""(\s(?:href|src)\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


@dataclass(frozen=True)
class FeedItem:
    title: str
    url: str  # absolute
    published: datetime
    updated: datetime
    content_html: str
    author: str = ""
    categories: tuple[str, ...] = ()
    id: str = ""  # defaults to the URL


@dataclass(frozen=True)
class FeedInfo:
    title: str
    url: str  # absolute URL of the feed itself
    home: str  # absolute URL of the page the feed follows
    subtitle: str = ""
    author: str = ""
    language: str = "en"


def absolute_links(html: str, base: str) -> str:
    """Make every href and src in ``html`` absolute, resolved against the entry's URL.

    A feed reader shows an entry away from its page: `drawing.svg` beside a post or
    `#fn1` would otherwise resolve against the feed's own URL, or nothing at all.
    """

    def resolve(match: re.Match[str]) -> str:
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if value.startswith(("data:", "mailto:")):
            return match.group(0)
        quote = '"' if match.group(2) is not None else "'"
        return f"{match.group(1)}{quote}{urljoin(base, value)}{quote}"

    return _LINK_ATTR.sub(resolve, html)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def atom_feed(info: FeedInfo, items: Sequence[FeedItem]) -> bytes:
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"xml:lang": info.language})
    sub(feed, "title", info.title)
    if info.subtitle:
        sub(feed, "subtitle", info.subtitle)
    sub(feed, "id", info.url)
    sub(feed, "link", rel="self", type="application/atom+xml", href=info.url)
    sub(feed, "link", rel="alternate", type="text/html", href=info.home)
    newest = max((item.updated for item in items), default=datetime(2000, 1, 1, tzinfo=UTC))
    sub(feed, "updated", _iso(newest))
    if info.author:
        sub(sub(feed, "author"), "name", info.author)
    sub(feed, "generator", "Salon")
    for item in items:
        entry = sub(feed, "entry")
        sub(entry, "title", item.title)
        sub(entry, "link", rel="alternate", type="text/html", href=item.url)
        sub(entry, "id", item.id or item.url)
        sub(entry, "published", _iso(item.published))
        sub(entry, "updated", _iso(item.updated))
        if item.author:
            sub(sub(entry, "author"), "name", item.author)
        for category in item.categories:
            sub(entry, "category", term=category)
        sub(entry, "content", absolute_links(item.content_html, item.url), type="html")
    return _xml(feed)


def rss_feed(info: FeedInfo, items: Sequence[FeedItem]) -> bytes:
    ET.register_namespace("atom", ATOM_NS)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = info.title
    ET.SubElement(channel, "link").text = info.home
    ET.SubElement(channel, "description").text = info.subtitle or info.title
    ET.SubElement(channel, "language").text = info.language
    ET.SubElement(
        channel,
        f"{{{ATOM_NS}}}link",
        {"href": info.url, "rel": "self", "type": "application/rss+xml"},
    )
    if items:
        newest = max(item.updated for item in items)
        ET.SubElement(channel, "lastBuildDate").text = format_datetime(newest.astimezone(UTC))
    ET.SubElement(channel, "generator").text = "Salon"
    for item in items:
        element = ET.SubElement(channel, "item")
        ET.SubElement(element, "title").text = item.title
        ET.SubElement(element, "link").text = item.url
        ET.SubElement(element, "guid", {"isPermaLink": "true"}).text = item.id or item.url
        ET.SubElement(element, "pubDate").text = format_datetime(item.published.astimezone(UTC))
        for category in item.categories:
            ET.SubElement(element, "category").text = category
        ET.SubElement(element, "description").text = absolute_links(item.content_html, item.url)
    return _xml(rss)


def sitemap(urls: Sequence[tuple[str, datetime | None]]) -> bytes:
    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}urlset")
    for loc, modified in urls:
        url = ET.SubElement(root, f"{{{ns}}}url")
        ET.SubElement(url, f"{{{ns}}}loc").text = loc
        if modified is not None:
            ET.SubElement(url, f"{{{ns}}}lastmod").text = _iso(modified)
    return _xml(root)


def robots_txt(sitemap_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap_url}\n".encode()
