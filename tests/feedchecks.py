"""RFC 4287 (Atom), RFC 4685 (threading), RSS 2.0 and sitemap rules, as our own assertions.

No package ships the Atom RELAX NG schema, so its requirements are written out here:
ids, titles, updated, authors, links, text constructs. Each function returns the list
of problems of one document, so a test over a whole site reports them all.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from lxml import etree

A = "{http://www.w3.org/2005/Atom}"
THR = "{http://purl.org/syndication/thread/1.0}"
DC = "{http://purl.org/dc/elements/1.1/}"
# RFC 3339 date-time, as RFC 4287 3.3 requires (upper-case T and Z).
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9!#$%&'()*+,\-./:;=?@\[\]_~]+$")
_MADE_UP = ("2000-01-01T00:00:00Z", "1970-01-01T00:00:00Z")


def is_uri(value: str) -> bool:
    """An absolute URI (RFC 3986): ASCII only, nothing that needs escaping left raw."""
    return bool(_URI.match(value)) and (urlsplit(value).scheme != "" or value.startswith("tag:"))


def _text_construct(element: ET.Element, where: str) -> list[str]:
    kind = element.get("type", "text")
    if kind not in ("text", "html", "xhtml"):
        return [f"{where}: type {kind!r} is not text, html or xhtml"]
    return []


def _one(parent: ET.Element, tag: str, where: str, problems: list[str]) -> ET.Element | None:
    found = parent.findall(A + tag)
    if len(found) != 1:
        problems.append(f"{where}: {len(found)} <{tag}> elements, must be exactly one")
        return None
    return found[0]


def _links(parent: ET.Element, where: str) -> list[str]:
    problems = []
    alternates = Counter()
    for link in parent.findall(A + "link"):
        href = link.get("href")
        if not href or not is_uri(href):
            problems.append(f"{where}: link href {href!r} is not a URI")
        if link.get("rel", "alternate") == "alternate":
            alternates[(link.get("type"), link.get("hreflang"))] += 1
    problems += [
        f"{where}: two alternate links of type {key}" for key, n in alternates.items() if n > 1
    ]
    return problems


def _dates(parent: ET.Element, where: str) -> list[str]:
    problems = []
    for tag in ("updated", "published"):
        for element in parent.findall(A + tag):
            value = (element.text or "").strip()
            if not _DATE.match(value):
                problems.append(f"{where}: <{tag}> {value!r} is not an RFC 3339 date-time")
            if value in _MADE_UP:
                problems.append(f"{where}: <{tag}> {value} is a made-up date")
    return problems


def atom_problems(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    if root.tag != A + "feed":
        return [f"the root is {root.tag}, not atom:feed"]
    problems: list[str] = []
    for tag in ("id", "title", "updated"):
        _one(root, tag, "feed", problems)
    feed_id = root.find(A + "id")
    if feed_id is not None and not is_uri((feed_id.text or "").strip()):
        problems.append(f"feed: id {feed_id.text!r} is not a URI")
    for tag in ("title", "subtitle", "rights"):
        for element in root.findall(A + tag):
            problems += _text_construct(element, f"feed <{tag}>")
    if not any(link.get("rel") == "self" for link in root.findall(A + "link")):
        problems.append("feed: no rel=self link")
    problems += _links(root, "feed") + _dates(root, "feed")
    feed_has_author = root.find(A + "author") is not None
    ids = Counter()
    entries = root.findall(A + "entry")
    for number, entry in enumerate(entries, 1):
        where = f"entry {number}"
        for tag in ("id", "title", "updated"):
            _one(entry, tag, where, problems)
        if len(entry.findall(A + "published")) > 1:
            problems.append(f"{where}: several <published>")
        entry_id = (entry.findtext(A + "id") or "").strip()
        ids[entry_id] += 1
        if not is_uri(entry_id):
            problems.append(f"{where}: id {entry_id!r} is not a URI")
        if "/comments/" in entry_id and entry_id.startswith("http"):
            problems.append(f"{where}: id {entry_id} is an address that does not exist")
        for author in entry.findall(A + "author"):
            if not (author.findtext(A + "name") or "").strip():
                problems.append(f"{where}: an author without a name")
        if not feed_has_author and entry.find(A + "author") is None:
            problems.append(f"{where}: no author, and the feed names none (4.1.1)")
        content = entry.find(A + "content")
        if content is None:
            if not any(
                link.get("rel", "alternate") == "alternate" for link in entry.findall(A + "link")
            ):
                problems.append(f"{where}: neither content nor an alternate link (4.1.2)")
        else:
            problems += _text_construct(content, f"{where} <content>")
            if not (content.text or "").strip() and len(content) == 0:
                problems.append(f"{where}: an empty <content>")
        for element in entry.findall(A + "title") + entry.findall(A + "summary"):
            problems += _text_construct(element, f"{where} <{element.tag[len(A) :]}>")
        for category in entry.findall(A + "category"):
            if not category.get("term"):
                problems.append(f"{where}: a category without a term")
        for reply in entry.findall(THR + "in-reply-to"):
            if not is_uri(reply.get("ref", "")):
                problems.append(f"{where}: thr:in-reply-to ref {reply.get('ref')!r} is not a URI")
            if reply.get("href") is not None and not is_uri(reply.get("href", "")):
                problems.append(f"{where}: thr:in-reply-to href is not a URI")
        problems += _links(entry, where) + _dates(entry, where)
    problems += [f"entry id {key} is used {n} times" for key, n in ids.items() if n > 1]
    return problems


def rss_problems(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    channel = root.find("channel")
    if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
        return ["not an RSS 2.0 document"]
    problems = [
        f"channel: no <{tag}>"
        for tag in ("title", "link", "description")
        if channel.find(tag) is None
    ]
    if not is_uri(channel.findtext("link", "")):
        problems.append(f"channel: link {channel.findtext('link')!r} is not a URI")
    for number, item in enumerate(channel.findall("item"), 1):
        where = f"item {number}"
        if item.find("title") is None and item.find("description") is None:
            problems.append(f"{where}: neither title nor description")
        link = item.findtext("link")
        if link is not None and not is_uri(link):
            problems.append(f"{where}: link {link!r} is not a URI")
        guid = item.find("guid")
        if (
            guid is not None
            and guid.get("isPermaLink", "true") == "true"
            and not is_uri(guid.text or "")
        ):
            problems.append(f"{where}: permalink guid {guid.text!r} is not a URI")
        if item.find(DC + "creator") is None and item.find("author") is None:
            problems.append(f"{where}: no author (dc:creator)")
        description = item.find("description")
        if description is not None and not (description.text or "").strip():
            problems.append(f"{where}: an empty <description>")
    return problems


def sitemap_problems(data: bytes, schema: Path) -> list[str]:
    xsd = etree.XMLSchema(etree.parse(str(schema)))
    document = etree.fromstring(data)
    problems = (
        [f"sitemap.xsd: {error.message} (line {error.line})" for error in xsd.error_log]
        if not xsd.validate(document)
        else []
    )
    for loc in document.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
        if not is_uri(loc.text or ""):
            problems.append(f"loc {loc.text!r} is not a URI")
    return problems
