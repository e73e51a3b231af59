"""Readers' text is hostile: two walls between it and a page.

1. Markdown with raw HTML off (shown as text), no images, no headings, and only
   http, https and mailto links.
2. An allow-list sanitiser (nh3, the Rust ammonia library) over the result.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

from generator.contract.link_pretest import fast_linkify_pretest, maybe_link
from generator.core.urls import split_url

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
ALLOWED_TAGS = frozenset(
    {"p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "s", "del"}
)
LINK_REL = "nofollow ugc noopener"


def _link_is_allowed(url: str) -> bool:
    parts = split_url(url.strip())
    return parts is not None and parts.scheme.lower() in ALLOWED_SCHEMES


@lru_cache(maxsize=1)
def comment_markdown() -> MarkdownIt:
    # Imported here: a build whose comments are all rendered already never needs it.
    from markdown_it import MarkdownIt

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


# Most comments are a few sentences of prose: letters, digits, spaces, line breaks and
# punctuation that means nothing to Markdown, nothing to escape and no link. Such a body
# is rendered here directly, at a fraction of the cost; the test suite checks that the
# result is the same, byte for byte, as through Markdown and the sanitiser.
# Plain string and character tests first: the regular expressions are slower.
_NOT_INERT = re.compile(r"[^\w \n.,;:?!()/%’‘“”—–…'-]")
_TYPOGRAPHIC = ("..", "--", ",,", "????", "!!!!", "?…", "!…")
_ABBREVIATION = re.compile(r"\((?:c|tm|r)\)", re.IGNORECASE)  # the typographer's ©, ™, ®
_LONE_QUOTE = re.compile(r"(?<![^\W\d_])'|'(?![^\W\d_])")  # not an apostrophe in a word
# A line must start with a letter: a digit could open a list ("1. "), the rest syntax.
_LINE_START = re.compile(r"[^\W\d_]")


def plain_comment_html(text: str) -> str | None:
    """The HTML of a body that is plain prose, or None if it needs the full pipeline."""
    if (
        not text
        or "_" in text
        or _NOT_INERT.search(text) is not None
        or any(sequence in text for sequence in _TYPOGRAPHIC)
        or ("(" in text and _ABBREVIATION.search(text) is not None)
        or ("'" in text and _LONE_QUOTE.search(text) is not None)
        or maybe_link(text)  # the very test that lets linkify look at all
    ):
        return None
    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
        elif line[0] == " " or line[-1] == " " or _LINE_START.match(line) is None:
            return None
        else:
            paragraphs[-1].append(line.replace("'", "’"))
    return "".join("<p>" + "<br>\n".join(lines) + "</p>\n" for lines in paragraphs if lines)


@lru_cache(maxsize=65536)  # a comment appears on its page and in two feeds
def render_comment_body(text: str) -> str:
    """Safe HTML for a comment's Markdown body."""
    plain = plain_comment_html(text)
    if plain is not None:
        return plain
    return sanitise_html(comment_markdown().render(text))


def safe_website(url: str) -> str:
    """The commenter's website if it is a plain http(s) URL, else ''."""
    url = url.strip()
    if not url or any(ch in url for ch in "\x00\r\n\t <>\"'`"):
        return ""
    parts = split_url(url)
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return url
