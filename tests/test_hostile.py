"""Hostile comments: every attack string in every field, then every built file is parsed.

Two ways in: through the store and an export (the real path), and a feed written by
someone else (the build must not trust the feed either). The built pages and feeds
must hold no executable content and no element or attribute that the theme did not
put there: the benign build of the same site gives the set of what the theme makes.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import jsonschema
import pytest

from generator.build.pipeline import BuildOptions, build_site
from generator.contract.feed import clean_text, serialise_feed
from generator.core.config import load_config
from generator.core.models import CommentStatus, PublicComment, StoredComment
from generator.service import actions as moderation

from .conftest import FIXED_NOW, REPO, SITES
from .hostile_corpus import FEED_ONLY, HOSTILE
from .htmldom import Element, parse_html

T0 = datetime(2025, 2, 5, 8, 0, tzinfo=UTC)
POSTS = ("threads", "single", "closed", "quiet")
BENIGN_BODY = (
    "Plain *em* **strong** `code` ~~gone~~ [link](https://ok.example/) www.ok.example\n\n"
    "> quoted\n\n- item\n- item\n\n1. one\n2. two\n\n```\npre\n```\nline  \nbreak"
)
# What a comment body may contain after rendering and sanitising, and nothing else.
BODY_TAGS = {"p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "s",
             "del"}  # fmt: skip
BODY_ATTRS = {("a", "href"), ("a", "rel")}
META_TAGS = {"header", "svg", "rect", "path", "span", "a", "time", "data"}
META_ATTRS = {
    ("svg", "class"), ("svg", "width"), ("svg", "height"), ("svg", "viewbox"),
    ("svg", "aria-hidden"), ("svg", "focusable"), ("rect", "x"), ("rect", "y"),
    ("rect", "width"), ("rect", "height"), ("rect", "fill"), ("path", "fill"), ("path", "d"),
    ("span", "class"), ("a", "class"), ("a", "href"), ("a", "rel"), ("time", "class"),
    ("time", "datetime"), ("header", "class"), ("data", "class"), ("data", "value"),
}  # fmt: skip
URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcset",
             "background", "content"}  # fmt: skip
FORBIDDEN_TAGS = {"iframe", "object", "embed", "img", "style", "base", "math", "frame", "applet",
                  "audio", "video", "foreignobject"}  # fmt: skip
BAD_SCHEME = re.compile(r"^(javascript|data|vbscript):", re.IGNORECASE)


def hostile_comments(corpus: tuple[str, ...]) -> list[PublicComment]:
    """Two comments per attack string: the string alone in every field, and embedded."""
    out: list[PublicComment] = []
    for n, attack in enumerate(corpus):
        post = POSTS[n % len(POSTS)]
        out.append(
            PublicComment(
                id=f"h{n:03d}a", post=post, parent=None, author=attack, website=attack,
                body=attack, created=T0 + timedelta(minutes=2 * n), avatar=attack,
            )
        )  # fmt: skip
        out.append(
            PublicComment(
                id=f"h{n:03d}b", post=post, parent=f"h{n:03d}a", author=f"Reader {attack} Jr",
                website=f"https://ok.example/{attack}", created=T0 + timedelta(minutes=2 * n + 1),
                body=f"Before {attack} after, and [a link]({attack}) and <{attack}>.",
            )
        )  # fmt: skip
    return out


def benign(comments: list[PublicComment]) -> list[PublicComment]:
    """The same threads with harmless text, to learn what the theme itself emits."""
    from dataclasses import replace

    return [
        replace(
            c,
            author=f"Reader {i}",
            website="https://ok.example/",
            body=BENIGN_BODY,
            avatar=f"seed{i}",
            by_author=i == 0,
        )
        for i, c in enumerate(comments)
    ]


def new_site(tmp_path: Path, name: str) -> Path:
    site = tmp_path / name
    shutil.copytree(SITES / "comments", site)
    (site / "comments.json").unlink()
    return site


def build_from_store(tmp_path: Path, comments: list[PublicComment], name: str) -> Path:
    """Store (with private data), approve, export, build: the path a real comment takes."""
    site = new_site(tmp_path, name)
    config = load_config(site)
    with moderation.open_store(config) as store:
        for c in comments:
            store.add(
                StoredComment(
                    id=c.id, post=c.post, parent=c.parent, author=c.author, email="x@mail.example",
                    website=c.website, body=c.body, created=c.created, ip="203.0.113.0/24",
                    user_agent=c.author, status=CommentStatus.PENDING,
                )
            )  # fmt: skip
        moderation.set_status(config, store, [c.id for c in comments], CommentStatus.APPROVED,
                              "cli:test")  # fmt: skip
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    return site


def build_from_feed(tmp_path: Path, comments: list[PublicComment], name: str) -> Path:
    """A feed that did not come from our store: written as is, without cleaning."""
    site = new_site(tmp_path, name)
    items = [
        {"id": c.id, "post": c.post, "parent": c.parent, "author": c.author,
         "website": c.website, "body": c.body, "created": c.created.isoformat(),
         "by_author": False, "avatar": c.avatar}
        for c in comments
    ]  # fmt: skip
    (site / "comments.json").write_text(
        json.dumps({"version": 1, "comments": items}, ensure_ascii=True), encoding="utf-8"
    )
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    return site


def elements(root: Element) -> Iterator[Element]:
    return (el for el in root.iter() if el.tag != "#document")


def inside(el: Element, class_: str) -> bool:
    node = el.parent
    while node is not None:
        if class_ in node.classes():
            return True
        node = node.parent
    return False


def pairs(root: Element) -> set[tuple[str, str]]:
    """(tag, "") and (tag, attribute) for every element: what a page is made of."""
    found: set[tuple[str, str]] = set()
    for el in elements(root):
        found.add((el.tag, ""))
        found.update((el.tag, name) for name in el.attrs)
    return found


def check_html(text: str, where: str) -> Element:
    """No executable content: our two scripts only, no handlers, no dangerous URLs."""
    root = parse_html(text)
    scripts = root.find_all("script")
    for script in scripts:
        if "src" in script.attrs:
            ours = ("/assets/salon.js", "/assets/search.js")  # search.js: the search page's
            assert script.attrs["src"].startswith(ours), where
            assert script.raw_text == "", where
        else:
            assert script.attrs == {"type": "application/ld+json"}, where
            json.loads(script.raw_text)  # the whole content is one JSON value
    # The raw text agrees with the parser: every "<script" is one of ours.
    assert len(re.findall(r"<script", text, re.IGNORECASE)) == len(scripts), where
    for el in elements(root):
        for name, value in el.attrs.items():
            assert not name.startswith("on"), f"{where}: <{el.tag} {name}>"
            if name in URL_ATTRS:
                squeezed = re.sub(r"[\x00-\x20]", "", value)
                assert not BAD_SCHEME.match(squeezed), f"{where}: <{el.tag} {name}={value!r}>"
        assert el.tag not in FORBIDDEN_TAGS, f"{where}: <{el.tag}>"
        ours = ("comment-form", "search-form", "like-form")
        if el.tag == "form":
            assert el.classes() & set(ours), f"{where}: a form that is not ours"
        elif el.tag in ("textarea", "input", "select", "option"):
            assert any(inside(el, form) for form in ours), f"{where}: <{el.tag}> outside our forms"
        elif el.tag == "button":
            assert any(inside(el, form) for form in ours) or "copy-link" in el.classes(), (
                f"{where}: <button> outside our forms"
            )
    for el in root.find_all("div", "comment-body"):
        for node in elements(el):
            if node is el:
                continue
            assert node.tag in BODY_TAGS, f"{where}: <{node.tag}> in a comment body"
            for name in node.attrs:
                assert (node.tag, name) in BODY_ATTRS, f"{where}: <{node.tag} {name}> in a body"
            if node.tag == "a":
                assert node.attrs["href"].startswith(("http://", "https://", "mailto:")), where
                assert node.attrs["rel"] == "nofollow ugc noopener", where
    for el in root.find_all("header", "comment-meta"):
        for node in elements(el):
            assert node.tag in META_TAGS, f"{where}: <{node.tag}> in comment meta"
            for name in node.attrs:
                assert (node.tag, name) in META_ATTRS, f"{where}: <{node.tag} {name}> in meta"
            if node.tag == "data":  # u-in-reply-to: the parent comment's address on this site
                assert node.attrs["value"].startswith("https://"), where
                assert "#comment-" in node.attrs["value"], where
    return root


def check_xml_feed(path: Path) -> None:
    data = path.read_bytes()
    tree = ET.fromstring(data)  # well-formed, or this raises
    parsed = feedparser.parse(data)
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    for element in tree.iter():
        if element.tag.endswith("}content") or element.tag == "description":
            check_html(element.text or "", f"{path} <{element.tag}>")
        for name, value in element.attrib.items():
            if name in ("href", "src"):
                assert not BAD_SCHEME.match(value.strip()), f"{path}: {name}={value!r}"


@pytest.fixture(scope="module")
def benign_pairs(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    site = build_from_store(
        tmp_path_factory.mktemp("benign"), benign(hostile_comments(HOSTILE)), "benign"
    )
    found: set[tuple[str, str]] = set()
    for page in (site / "output").rglob("*.html"):
        found |= pairs(parse_html(page.read_text(encoding="utf-8")))
    return found


def test_the_corpus_is_large_and_covers_each_trick() -> None:
    assert len(HOSTILE) >= 40
    joined = "\n".join(HOSTILE).lower()
    for trick in ("<script", "onerror=", "javascript:", "data:", "vbscript:", '" on', "<svg",
                  "<math", "&#", "\u202e", "](", "<javascript:"):  # fmt: skip
        assert trick in joined, trick


@pytest.mark.slow
@pytest.mark.parametrize("way_in", ["store", "feed"])
def test_hostile_comments_come_out_inert(
    tmp_path: Path, benign_pairs: set[tuple[str, str]], way_in: str
) -> None:
    corpus = HOSTILE if way_in == "store" else HOSTILE + FEED_ONLY
    comments = hostile_comments(corpus)
    build = build_from_store if way_in == "store" else build_from_feed
    site = build(tmp_path, comments, way_in)
    output = site / "output"

    shown: dict[str, Element] = {}
    pages = sorted(output.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        root = check_html(text, str(page.relative_to(output)))
        extra = pairs(root) - benign_pairs
        assert not extra, f"{page}: elements or attributes the theme never makes: {extra}"
        for li in root.find_all("li", "comment"):
            shown.setdefault(li.attrs["id"].removeprefix("comment-"), li)

    # Every hostile comment is on its page, its name shown as text, its link plain http(s).
    assert set(shown) == {c.id for c in comments}
    for c in comments:
        article = shown[c.id].find("article")  # its own comes before its replies
        assert article is not None, c.id
        name = " ".join(clean_text(c.author, inline=True).split())
        assert article.attrs["aria-label"] == f"Comment by {name}", c.id
        link, plain = article.find("a", "p-name"), article.find("span", "p-name")
        assert (link is None) != (plain is None), c.id
        assert (link or plain).text == name, c.id  # type: ignore[union-attr]
        if link is not None:
            assert link.attrs["href"] == clean_text(c.website, inline=True), c.id
            assert link.attrs["href"].startswith(("https://", "http://")), c.id

    for path in sorted(output.rglob("*.xml")):
        if path.name == "sitemap.xml":
            ET.fromstring(path.read_bytes())
        else:
            check_xml_feed(path)

    if way_in == "store":
        # The public feed the store wrote is valid against the documented schema.
        schema = json.loads((REPO / "docs" / "comments-feed.schema.json").read_text())
        feed = json.loads((site / "comments.json").read_text(encoding="utf-8"))
        jsonschema.validate(feed, schema, cls=jsonschema.Draft202012Validator)
        assert len(feed["comments"]) == len(comments)


def test_the_author_mark_cannot_be_typed(tmp_path: Path) -> None:
    """A reader who types the author's name, or "Author", gets no mark."""
    comments = [
        PublicComment("n1", "single", None, "Rosa Author", "https://margins.example/about/",
                      "I am the author, honestly.", T0),
        PublicComment("n2", "single", None, "Author", "", "Me too.", T0 + timedelta(minutes=1)),
        PublicComment("n3", "single", None, 'Rosa <span class="author-badge">Author</span>', "",
                      "And me.", T0 + timedelta(minutes=2)),
    ]  # fmt: skip
    site = build_from_store(tmp_path, comments, "typed")
    root = parse_html((site / "output/2025/01/single/index.html").read_text(encoding="utf-8"))
    assert root.find_all("span", "author-badge") == []
    assert root.find_all("li", "by-author") == []
    assert all(not item["by_author"] for item in json.loads(
        (site / "comments.json").read_text())["comments"])  # fmt: skip


def test_serialised_feed_of_the_corpus_is_valid_json_text() -> None:
    text = serialise_feed(hostile_comments(HOSTILE + FEED_ONLY))
    text.encode("utf-8")  # no lone surrogate survives
    data = json.loads(text)
    assert len(data["comments"]) == 2 * len(HOSTILE + FEED_ONLY)
