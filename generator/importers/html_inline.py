"""Inline HTML → Markdown: text, emphasis, code, links, images, and what stays HTML.

The walk over blocks (html_to_markdown.py) extends ``InlineWalk``; the options and
the findings of a conversion live here, with the state the two halves share.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from generator.core.urls import url_parts
from generator.importers.html_tree import (
    INLINE,
    Comment,
    Element,
    Node,
    Text,
    names,
    to_html,
)
from generator.importers.mdtext import (
    BR,
    CLOSE,
    OPEN,
    code_span,
    escape_line_start,
    escape_text,
    keep_attribute,
    link_destination,
    link_title,
    resolve_marks,
    split_edges,
)

SPACE = re.compile(r"[ \t\n\r\f\v]+")
ONLY_URL = re.compile(r"^\s*(https?://[^\s<>\"]+)\s*$")
RAW = names("video audio object embed canvas svg math details map")
DROP = names("script style noscript template colgroup col")
KEEP_INLINE = names("sup sub u mark ins q abbr kbd samp var dfn small cite bdi bdo ruby")
MEDIA_SUFFIX = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|avif|bmp|tiff?|pdf|mp3|m4a|ogg|oga|wav|flac|mp4|m4v|webm|ogv|mov|"
    r"zip|docx?|xlsx?|pptx?|odt)$",
    re.IGNORECASE,
)
EMPTY_BLOCKS = names("shortcode spacer more nextpage paragraph html freeform")
DYNAMIC_BLOCK = re.compile(r"^\s*wp:([a-z0-9/-]+)(?:\s.*)?/\s*$", re.DOTALL)
BLOCK = names(
    "p div section article aside header footer main nav center address hgroup figcaption "
    "caption fieldset form dialog li dt dd tr td th thead tbody tfoot colgroup col "
    "h1 h2 h3 h4 h5 h6 blockquote ul ol menu dl pre table figure hr "
    "script style noscript template iframe video audio object embed canvas svg math details "
    "map"
)
SCRIPTS_REMOVED = "scripts removed (a static page runs none of the old site's)"


@dataclass(frozen=True)
class Options:
    for_comment: bool = False
    rewrite_url: Callable[[str], str] | None = None  # old links → new site-relative URLs


@dataclass
class Findings:
    blocks_dropped: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def medium(self, url: str) -> None:
        if url and url not in self.media:
            self.media.append(url)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


class InlineWalk:
    """The inline half of the walk, with the state both halves share."""

    def __init__(self, options: Options, autop: bool) -> None:
        self.options = options
        self.html = not options.for_comment
        self.autop = autop
        self.found = Findings()
        self.active: set[str] = set()
        self.hard_break = "\n" if options.for_comment else "\\\n"

    def comment(self, node: Comment) -> str | None:
        """The Markdown for a comment: the more marker, "" for a page break, else None."""
        text = node.text.strip()
        if re.match(r"more\b", text):
            return "" if self.options.for_comment else "<!-- more -->"
        if re.match(r"nextpage\b", text):
            self.found.note("page breaks (<!--nextpage-->) removed: the post is one page now")
            return ""
        dynamic = DYNAMIC_BLOCK.match(text)
        if dynamic and dynamic.group(1) not in EMPTY_BLOCKS | set(self.found.blocks_dropped):
            self.found.blocks_dropped.append(dynamic.group(1))
        return None

    def frame_link(self, el: Element) -> str:
        src = el.attrs.get("src", "").strip()
        if src.startswith("//"):
            src = "https:" + src
        if not src.startswith(("http://", "https://")):
            return ""
        self.found.note("embedded frames (iframe) replaced by links, so no page loads another site")
        label = " ".join(el.attrs.get("title", "").split()) or url_parts(src).netloc
        return f"[{escape_text(label)}]({link_destination(src)})"

    def prepare_raw(self, el: Element) -> None:
        """Record media and rewrite links inside HTML that is kept as HTML."""
        for name in ("src", "poster", "data"):
            if el.attrs.get(name):
                self.found.medium(el.attrs[name])
        if el.tag == "a" and el.attrs.get("href"):
            el.attrs["href"] = self.rewrite(el.attrs["href"])
            if self.is_medium(el.attrs["href"]):
                self.found.medium(el.attrs["href"])

    def prepare_raw_tree(self, el: Element) -> None:
        """prepare_raw for the element and every element inside it."""
        for element in [el, *el.elements()]:
            self.prepare_raw(element)

    def paragraph(self, run: list[Node]) -> str:
        if len(run) == 1 and isinstance(run[0], Text):
            only = ONLY_URL.match(run[0].text)
            if only:
                return f"<{only.group(1)}>"  # an oEmbed URL on its own line: a link now
        return self.finish(self.inline(run), breaks=None)

    def finish(self, text: str, breaks: str | None) -> str:
        """Tidy inline Markdown: whitespace, line breaks, emphasis, line starts."""
        text = SPACE.sub(" ", text)
        text = re.sub(f" *{BR}[ {BR}]*", BR, text)
        text = text.strip(" " + BR)
        text = resolve_marks(text, self.html)
        text = re.sub(f" *{BR}[ {BR}]*", BR, text).strip(" " + BR)
        if breaks is not None:
            return text.replace(BR, breaks).strip()
        return self.hard_break.join(escape_line_start(line) for line in text.split(BR))

    def inline(self, nodes: list[Node]) -> str:
        return "".join(self.inline_node(node) for node in nodes)

    def inline_node(self, node: Node) -> str:
        if isinstance(node, Text):
            text = node.text
            if self.autop:
                text = re.sub(r"[ \t]*\n[ \t]*", BR, text)
            return escape_text(text)
        if isinstance(node, Comment):
            self.comment(node)
            return ""
        tag = node.tag
        if tag == "br":
            return BR
        if tag in ("strong", "b"):
            return self.wrap(node, "strong")
        if tag in ("em", "i"):
            return self.wrap(node, "em")
        if tag in ("del", "s", "strike"):
            return self.wrap(node, "del")
        if tag in ("code", "tt"):
            return code_span(node.text_content())
        if tag == "a":
            return self.link(node)
        if tag == "img":
            return self.image(node)
        if tag in DROP:
            if tag == "script":
                self.found.note(SCRIPTS_REMOVED)
            return ""
        if tag == "iframe":
            return self.frame_link(node)
        if tag in RAW:
            if not self.html:
                return self.inline(node.children)
            self.prepare_raw_tree(node)
            return SPACE.sub(" ", to_html(node, keep_attribute))
        if tag in KEEP_INLINE and self.html:
            attrs = "".join(
                f' {k}="{html.escape(v, quote=True)}"'
                for k, v in node.attrs.items()
                if keep_attribute(tag, k) and v
            )
            inner = self.inline(node.children)
            return f"<{tag}{attrs}>{inner}</{tag}>" if inner.strip() else inner
        if tag in BLOCK and tag not in INLINE:
            return " " + self.inline(node.children) + " "
        return self.inline(node.children)

    def wrap(self, el: Element, kind: str) -> str:
        if kind in self.active:
            return self.inline(el.children)
        self.active.add(kind)
        try:
            inner = self.inline(el.children)
        finally:
            self.active.discard(kind)
        lead, core, trail = split_edges(inner)
        if not core:
            return " " if inner else ""
        return f"{lead}{OPEN[kind]}{core}{CLOSE[kind]}{trail}"

    def rewrite(self, url: str) -> str:
        url = url.strip()
        if self.options.rewrite_url is not None:
            return self.options.rewrite_url(url)
        return url

    @staticmethod
    def is_medium(url: str) -> bool:
        path = url_parts(url).path
        return bool(MEDIA_SUFFIX.search(path)) or "/wp-content/uploads/" in path

    def link(self, el: Element) -> str:
        href = el.attrs.get("href", "").strip()
        text = self.inline(el.children)
        if not href or href == "#":
            anchor = el.attrs.get("id") or el.attrs.get("name")
            if anchor and self.html and re.fullmatch(r"[\w.:-]+", anchor):
                return f'<a id="{anchor}"></a>{text}'
            return text
        href = self.rewrite(href)
        if self.is_medium(href):
            self.found.medium(href)
        scheme = url_parts(href).scheme.lower()
        if self.options.for_comment and scheme not in ("http", "https", "mailto"):
            return text
        lead, core, trail = split_edges(text)
        if not core:
            return text
        plain = re.sub(r"\\(.)", r"\1", core)
        if plain == href and scheme in ("http", "https") and not any(c in href for c in " <>"):
            return f"{lead}<{href}>{trail}"
        title = link_title(el.attrs.get("title", ""))
        return f"{lead}[{core}]({link_destination(href)}{title}){trail}"

    def image(self, el: Element) -> str:
        src = el.attrs.get("src", "").strip()
        if not src:
            return ""
        self.found.medium(src)
        alt = escape_text(" ".join(el.attrs.get("alt", "").split())).replace("[", "\\[")
        alt = alt.replace("]", "\\]")
        if self.options.for_comment:  # comments show no images: a link to it instead
            if not src.startswith(("http://", "https://")):
                return alt
            return f"[{alt or 'image'}]({link_destination(src)})"
        title = link_title(el.attrs.get("title", ""))
        return f"![{alt}]({link_destination(src)}{title})"
