"""Readers' text is hostile: two walls between it and a page.

1. Markdown with raw HTML off (shown as text), no images, no headings, and only
   http, https and mailto links.
2. An allow-list sanitiser (nh3, the Rust ammonia library) over the result.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

from ..markdown import fast_linkify_pretest

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
ALLOWED_TAGS = frozenset(
    {"p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "s", "del"}
)
LINK_REL = "nofollow ugc noopener"


def _link_is_allowed(url: str) -> bool:
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme in ALLOWED_SCHEMES


@lru_cache(maxsize=1)
def comment_markdown() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark", {"html": False, "linkify": True, "typographer": True, "breaks": True}
    )
    md.enable(["linkify", "strikethrough", "replacements", "smartquotes"])
    md.disable(["image", "heading", "lheading", "html_block", "html_inline", "reference"])
    md.validateLink = _link_is_allowed  # type: ignore[method-assign]
    fast_linkify_pretest(md)
    return md


def sanitise_html(html: str) -> str:
    return str(
        nh3.clean(
            html,
            tags=set(ALLOWED_TAGS),
            # "*": nothing on every element (nh3 would otherwise keep title and lang).
            attributes={"a": {"href"}, "*": set()},
            url_schemes=set(ALLOWED_SCHEMES),
            link_rel=LINK_REL,
            strip_comments=True,
        )
    )


@lru_cache(maxsize=65536)  # a comment appears on its page and in two feeds
def render_comment_body(text: str) -> str:
    """Safe HTML for a comment's Markdown body."""
    return sanitise_html(comment_markdown().render(text))


def safe_website(url: str) -> str:
    """The commenter's website if it is a plain http(s) URL, else ''."""
    url = url.strip()
    if not url or any(ch in url for ch in "\x00\r\n\t <>\"'`"):
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return url
