"""Atom, RSS 2.0, sitemap and robots.txt. Pure: data in, bytes out.

Every address written into a feed or the sitemap (ids, links, guids, locs) is a URI:
a non-ASCII slug is percent-encoded there (`urls.iri_to_uri`), though pages link it
readably. Replies carry RFC 4685's `thr:in-reply-to`; RSS items name their author with
`dc:creator`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

from generator.core.times import utc_time
from generator.core.urls import iri_to_uri

ATOM_NS = "http://www.w3.org/2005/Atom"
THREAD_NS = "http://purl.org/syndication/thread/1.0"  # RFC 4685
DC_NS = "http://purl.org/dc/elements/1.1/"
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
    in_reply_to: InReplyTo | None = None  # a comment's parent: the essay or another comment


@dataclass(frozen=True)
class InReplyTo:
    """What an entry answers (RFC 4685): the Atom id of the parent entry and its address."""

    ref: str
    href: str


@dataclass(frozen=True)
class FeedInfo:
    title: str
    url: str  # absolute URL of the feed itself
    home: str  # absolute URL of the page the feed follows
    subtitle: str = ""
    author: str = ""
    language: str = "en"
    # The feed's `updated` when it has no entries (an essay nobody has commented on yet):
    # the time of what the feed follows, never a made-up date.
    updated: datetime | None = None


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

    # (Text with no "=", most comments, is given back at its first str.find.)
    return _substitute_links(html, resolve)


def _substitute_links(html: str, resolve: Callable[[re.Match[str]], str]) -> str:
    """``_LINK_ATTR.sub(resolve, html)``, trying the pattern only just before each "=".

    A match is a space, `href` or `src`, spaces and then "=": it starts at most five
    characters before the run of spaces that ends at its "=". Searching with the pattern
    tried it at every character of an essay's HTML (its leading space a character class
    re cannot skip to), which was most of the time spent writing the feeds.
    """
    parts: list[str] = []
    done = 0  # html[:done] is in parts
    tried = 0  # no match begins before this (tried and failed, too far from an "=", or inside one)
    equals = html.find("=")
    while equals != -1:
        spaces = equals
        while spaces > tried and html[spaces - 1].isspace():  # the same spaces as \s
            spaces -= 1
        start, found = max(tried, spaces - 5), None
        while start < equals and found is None:
            found = _LINK_ATTR.match(html, start)
            start += 1
        if found is None:
            tried = equals + 1
        else:
            parts.append(html[done : found.start()])
            parts.append(resolve(found))
            done = tried = found.end()
        equals = html.find("=", tried)
    if not parts:
        return html
    parts.append(html[done:])
    return "".join(parts)


# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: str) -> str:
    # Printable ASCII holds none of _NOT_XML's characters: most ids, names, titles and
    # addresses are told so without the pattern (asked a few hundred thousand times).
    if not (value.isascii() and value.isprintable()) and _NOT_XML.search(value):
        value = _NOT_XML.sub("", value)  # rare: asking first is cheaper than substituting
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return (
        _text(value)
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


class _Xml:
    """A small, fast XML writer: every text and attribute goes through _text or _attr.

    (ElementTree took most of a cold build's time serialising thousands of feeds.)
    """

    def __init__(self) -> None:
        self.parts: list[str] = ['<?xml version="1.0" encoding="utf-8"?>\n']
        self.depth = 0

    def _open(self, tag: str, attrs: dict[str, str]) -> str:
        attributes = "".join(f' {name}="{_attr(value)}"' for name, value in attrs.items())
        return f"{'  ' * self.depth}<{tag}{attributes}"

    def start(self, tag: str, **attrs: str) -> None:
        self.parts.append(self._open(tag, attrs) + ">\n")
        self.depth += 1

    def end(self, tag: str) -> None:
        self.depth -= 1
        self.parts.append(f"{'  ' * self.depth}</{tag}>\n")

    def leaf(self, tag: str, text: str | None = None, **attrs: str) -> None:
        opened = self._open(tag, attrs)
        if text is None:
            self.parts.append(opened + " />\n")
        else:
            self.parts.append(f"{opened}>{_text(text)}</{tag}>\n")

    def bytes(self) -> bytes:
        return "".join(self.parts).encode("utf-8")


def atom_feed(info: FeedInfo, items: Sequence[FeedItem]) -> bytes:
    xml = _Xml()
    namespaces = {"xmlns": ATOM_NS}
    if any(item.in_reply_to for item in items):
        namespaces["xmlns:thr"] = THREAD_NS
    xml.start("feed", **namespaces, **{"xml:lang": info.language})
    xml.leaf("title", info.title)
    if info.subtitle:
        xml.leaf("subtitle", info.subtitle)
    xml.leaf("id", iri_to_uri(info.url))
    xml.leaf("link", rel="self", type="application/atom+xml", href=iri_to_uri(info.url))
    xml.leaf("link", rel="alternate", type="text/html", href=iri_to_uri(info.home))
    xml.leaf("updated", utc_time(_newest(info, items)))
    # RFC 4287 4.1.1: a feed names an author unless every entry does; the site's title
    # stands in when site.yaml names none.
    # (An empty feed names one too: vacuous truth is lost on some validators.)
    author = info.author or ("" if items and all(i.author for i in items) else info.title)
    if author:
        xml.start("author")
        xml.leaf("name", author)
        xml.end("author")
    xml.leaf("generator", "Salon")
    xml.parts.extend(_atom_entry(item) for item in items)
    xml.end("feed")
    return xml.bytes()


def _newest(info: FeedInfo, items: Sequence[FeedItem]) -> datetime:
    if items:
        return max(item.updated for item in items)
    return info.updated or datetime(1970, 1, 1, tzinfo=UTC)


def _atom_entry(item: FeedItem) -> str:
    """One entry, written at once: the feeds of a big site hold a hundred thousand."""
    url = iri_to_uri(item.url)
    author = f"    <author>\n      <name>{_text(item.author)}</name>\n    </author>\n"
    categories = "".join(f'    <category term="{_attr(term)}" />\n' for term in item.categories)
    reply = ""
    if item.in_reply_to is not None:
        ref, href = iri_to_uri(item.in_reply_to.ref), iri_to_uri(item.in_reply_to.href)
        reply = (
            f'    <thr:in-reply-to ref="{_attr(ref)}" href="{_attr(href)}" type="text/html" />\n'
        )
    # No <content> at all for an empty body: the alternate link stands for it (4.1.2).
    content = ""
    if item.content_html.strip():
        body = _text(absolute_links(item.content_html, item.url))
        content = f'    <content type="html">{body}</content>\n'
    published = utc_time(item.published)
    # A comment is published and updated at once: one formatting for both.
    updated = published if item.updated == item.published else utc_time(item.updated)
    return (
        "  <entry>\n"
        f"    <title>{_text(item.title)}</title>\n"
        f'    <link rel="alternate" type="text/html" href="{_attr(url)}" />\n'
        f"    <id>{_text(iri_to_uri(item.id) if item.id else url)}</id>\n"
        f"    <published>{published}</published>\n"
        f"    <updated>{updated}</updated>\n"
        f"{author if item.author else ''}{categories}{reply}{content}"
        "  </entry>\n"
    )


def rss_feed(info: FeedInfo, items: Sequence[FeedItem]) -> bytes:
    from email.utils import format_datetime  # here: email imports socket, for RSS alone

    xml = _Xml()
    namespaces = {"xmlns:atom": ATOM_NS}
    if any(item.author for item in items):
        namespaces["xmlns:dc"] = DC_NS
    xml.start("rss", version="2.0", **namespaces)
    xml.start("channel")
    xml.leaf("title", info.title)
    xml.leaf("link", iri_to_uri(info.home))
    xml.leaf("description", info.subtitle or info.title)
    xml.leaf("language", info.language)
    xml.leaf("atom:link", href=iri_to_uri(info.url), rel="self", type="application/rss+xml")
    if items:
        newest = max(item.updated for item in items)
        xml.leaf("lastBuildDate", format_datetime(newest.astimezone(UTC)))
    xml.leaf("generator", "Salon")
    for item in items:
        url = iri_to_uri(item.url)
        xml.start("item")
        xml.leaf("title", item.title)
        xml.leaf("link", url)
        if item.id and item.id != item.url:
            xml.leaf("guid", iri_to_uri(item.id), isPermaLink="false")
        else:
            xml.leaf("guid", url, isPermaLink="true")
        if item.author:
            xml.leaf("dc:creator", item.author)
        xml.leaf("pubDate", format_datetime(item.published.astimezone(UTC)))
        for category in item.categories:
            xml.leaf("category", category)
        if item.content_html.strip():
            xml.leaf("description", absolute_links(item.content_html, item.url))
        xml.end("item")
    xml.end("channel")
    xml.end("rss")
    return xml.bytes()


def sitemap(urls: Sequence[tuple[str, datetime | None]]) -> bytes:
    xml = _Xml()
    xml.start("urlset", xmlns="http://www.sitemaps.org/schemas/sitemap/0.9")
    for loc, modified in urls:
        xml.start("url")
        xml.leaf("loc", iri_to_uri(loc))
        if modified is not None:
            xml.leaf("lastmod", utc_time(modified))
        xml.end("url")
    xml.end("urlset")
    return xml.bytes()


def robots_txt(sitemap_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {iri_to_uri(sitemap_url)}\n".encode()
