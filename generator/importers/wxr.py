"""WordPress eXtended RSS (WXR 1.0, 1.1, 1.2): the export file, read into plain records.

The `wp:` namespace URL names the version and changed from http to https over
the years, so elements are matched by namespace family and local name, never by
one exact URL. Parsing is pure: bytes in, records out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element, tostring

from generator.core.errors import SiteError
from generator.importers.xmlsafe import XmlDocument, parse_xml

_WP = re.compile(r"^https?://wordpress\.org/export/(\d+\.\d+)/$")
_EXCERPT = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/excerpt/$")
_FAMILIES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}


@dataclass(frozen=True)
class WxrAuthor:
    login: str
    email: str
    display_name: str
    user_id: str  # "" when the export does not say (WordPress.com exports)


@dataclass(frozen=True)
class WxrComment:
    line: int | None
    comment_id: str
    author: str
    email: str
    url: str
    ip: str
    date: str  # the site's local time as WordPress wrote it, "" when missing
    date_gmt: str
    content: str
    approved: str  # "1", "0", "spam", "trash", …
    type: str  # "", "comment", "pingback", "trackback", …
    parent: str  # "0" for a top-level comment
    user_id: str


@dataclass(frozen=True)
class WxrItem:
    line: int | None
    title: str
    link: str
    pub_date: str
    creator: str
    content: str
    excerpt: str
    post_id: str
    date: str
    date_gmt: str
    modified: str
    modified_gmt: str
    comment_status: str
    post_name: str
    status: str
    parent: str
    post_type: str
    password: str
    sticky: bool
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    comments: tuple[WxrComment, ...]
    attachment_url: str = ""  # an attachment's file (post_type "attachment")
    thumbnail_id: str = ""  # the featured image: post_id of an attachment (`_thumbnail_id`)

    def describe(self) -> str:
        title = self.title.strip() or "(no title)"
        return f'{self.post_type or "item"} {self.post_id or "?"} "{title}"'


@dataclass(frozen=True)
class WxrExport:
    version: str
    site_url: str  # the blog's address, whose path the old links start with
    authors: tuple[WxrAuthor, ...]
    items: tuple[WxrItem, ...]
    repairs: tuple[str, ...] = ()  # what --lenient mended in the file


def _family(tag: str) -> tuple[str, str]:
    """('wp' | 'excerpt' | 'content' | 'dc' | '' , local name) of an element's tag."""
    if not tag.startswith("{"):
        return "", tag
    uri, local = tag[1:].split("}", 1)
    if _WP.match(uri):
        return "wp", local
    if _EXCERPT.match(uri):
        return "excerpt", local
    return _FAMILIES.get(uri, "other"), local


def _inner(element: Element) -> str:
    """The element's text; markup written as XML rather than in CDATA is kept as text."""
    parts = [element.text or ""]
    for child in element:
        parts.append(tostring(child, encoding="unicode"))
    return "".join(parts)


class _Fields:
    """The children of one element, by (family, local name)."""

    def __init__(self, element: Element) -> None:
        self.all: dict[tuple[str, str], list[Element]] = {}
        for child in element:
            if not isinstance(child.tag, str):
                continue
            key = _family(child.tag)
            self.all.setdefault(key, []).append(child)

    def text(self, family: str, name: str) -> str:
        elements = self.all.get((family, name))
        if not elements:
            return ""
        return _inner(elements[0]).strip()

    def elements(self, family: str, name: str) -> list[Element]:
        return self.all.get((family, name), [])


def _comment(element: Element, line: int | None) -> WxrComment:
    f = _Fields(element)
    return WxrComment(
        line=line,
        comment_id=f.text("wp", "comment_id"),
        author=f.text("wp", "comment_author"),
        email=f.text("wp", "comment_author_email"),
        url=f.text("wp", "comment_author_url"),
        ip=f.text("wp", "comment_author_IP"),
        date=f.text("wp", "comment_date"),
        date_gmt=f.text("wp", "comment_date_gmt"),
        content=f.text("wp", "comment_content"),
        approved=f.text("wp", "comment_approved") or "1",
        type=f.text("wp", "comment_type"),
        parent=f.text("wp", "comment_parent") or "0",
        user_id=f.text("wp", "comment_user_id") or "0",
    )


def _item(element: Element, document: XmlDocument) -> WxrItem:
    f = _Fields(element)
    categories: list[str] = []
    tags: list[str] = []
    for category in f.elements("", "category"):
        name = _inner(category).strip()
        domain = category.get("domain", "category")
        if not name:
            continue
        if domain == "category" and name not in categories:
            categories.append(name)
        elif domain in ("post_tag", "tag") and name not in tags:  # "tag" in WXR 1.0
            tags.append(name)
    return WxrItem(
        line=document.line(element),
        title=f.text("", "title"),
        link=f.text("", "link"),
        pub_date=f.text("", "pubDate"),
        creator=f.text("dc", "creator"),
        content=f.text("content", "encoded"),
        excerpt=f.text("excerpt", "encoded"),
        post_id=f.text("wp", "post_id"),
        date=f.text("wp", "post_date"),
        date_gmt=f.text("wp", "post_date_gmt"),
        modified=f.text("wp", "post_modified"),
        modified_gmt=f.text("wp", "post_modified_gmt"),
        comment_status=f.text("wp", "comment_status"),
        post_name=f.text("wp", "post_name"),
        status=f.text("wp", "status"),
        parent=f.text("wp", "post_parent") or "0",
        post_type=f.text("wp", "post_type"),
        password=f.text("wp", "post_password"),
        sticky=f.text("wp", "is_sticky") == "1",
        categories=tuple(categories),
        tags=tuple(tags),
        comments=tuple(_comment(c, document.line(c)) for c in f.elements("wp", "comment")),
        attachment_url=f.text("wp", "attachment_url"),
        thumbnail_id=_meta(f, "_thumbnail_id"),
    )


def _meta(fields: _Fields, key: str) -> str:
    """The value of one `wp:postmeta` entry, "" when the item has none."""
    for element in fields.elements("wp", "postmeta"):
        meta = _Fields(element)
        if meta.text("wp", "meta_key") == key:
            return meta.text("wp", "meta_value")
    return ""


def _version(root: Element) -> str | None:
    """The WXR version from the wp namespace of any element, or None if there is none."""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            match = _WP.match(element.tag[1:].split("}", 1)[0])
            if match:
                return match.group(1)
    return None


def parse_wxr(data: bytes, path: str, lenient: bool = False) -> WxrExport:
    """Read a WordPress export. A file that is not one is a SiteError saying so.

    ``lenient`` mends the faults export tools are known to write first (xmlrepair.py).
    """
    document = parse_xml(data, path, line_of=frozenset({"item", "comment"}), lenient=lenient)
    root = document.root
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise SiteError.at(
            "not a WordPress export: expected <rss> with a <channel>, found "
            f"<{root.tag.rsplit('}', 1)[-1]}>",
            path,
            1,
        )
    version = _version(root)
    if version is None:
        raise SiteError.at(
            "not a WordPress export: no wp: elements (namespace http://wordpress.org/export/…); "
            "export from WordPress with Tools → Export",
            path,
            1,
        )
    c = _Fields(channel)
    authors = tuple(
        WxrAuthor(
            login=(a := _Fields(author)).text("wp", "author_login"),
            email=a.text("wp", "author_email"),
            display_name=a.text("wp", "author_display_name"),
            user_id=a.text("wp", "author_id"),
        )
        for author in c.elements("wp", "author")
    )
    site_url = c.text("wp", "base_blog_url") or c.text("", "link")
    items = tuple(_item(item, document) for item in channel.findall("item"))
    return WxrExport(version, site_url, authors, items, document.repairs)


def parse_wp_time(text: str) -> datetime | None:
    """WordPress's "YYYY-MM-DD HH:MM:SS" (naive); None for "" and the zero date."""
    text = text.strip()
    if not text or text.startswith("0000-00-00"):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
