"""A cheap test for "could this text hold a link?", shared by the author's Markdown and
the readers' comments (it decides when linkify-it is asked at all, so both must agree).

linkify-it's pretest (`LinkifyIt.pretest`, Python's `re`, case-insensitive) is true
exactly when the text holds a schema ("http:", "https:", "ftp:", "mailto:", "//"), "@",
"localhost", "www." or a dot before a TLD or a number (every TLD begins with a letter).
Each test in `maybe_link` is a piece of that pattern or something every match contains,
so `maybe_link(t) and pretest(t)` is always `pretest(t)`, while most paragraphs of prose
skip the library's pattern, which costs two thirds of a render. Lower-casing is exact for
the ASCII letters of "localho" and "www" ("ſ" and "K" fold to "s" and "k", which neither
holds). Proven over linkify-it-py's own fixtures and generated text in
tests/test_linkify_pretest.py.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_DOT_WORD = re.compile(r"\.\w")
_SCHEME = re.compile(r"(?:https?|ftp|mailto):", re.IGNORECASE)


def maybe_link(text: str) -> bool:
    """False when linkify-it could find no link in ``text`` (True may be a false alarm)."""
    if "@" in text or "//" in text:
        return True
    if "." in text and _DOT_WORD.search(text) is not None:
        return True
    if ":" in text and _SCHEME.search(text) is not None:
        return True
    lowered = text.lower()
    return "localho" in lowered or "www." in lowered


def fast_linkify_pretest(md: MarkdownIt) -> None:
    """Skip linkify-it's expensive pretest for text that cannot hold a link."""
    linkify = md.linkify
    if linkify is None:
        return
    slow_pretest = linkify.pretest

    def pretest(text: str) -> bool:
        return maybe_link(text) and bool(slow_pretest(text))

    linkify.pretest = pretest
