"""A cheap test for "could this text hold a link?", shared by the author's Markdown and
the readers' comments (it decides when linkify-it is asked at all, so both must agree).

Everything linkify-it can turn into a link contains "://", "www.", "@" or a dot with
word characters after it; most paragraphs of prose contain none, and linkify-it's
own pretest costs two thirds of a render. Substring tests and a pattern that starts
with a literal dot are the cheap way to ask (one pattern of four alternatives,
tried at every character, cost a tenth of a render by itself).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_DOT_WORD = re.compile(r"\.\w\w")


def maybe_link(text: str) -> bool:
    """False when linkify-it could find no link in ``text`` (True may be a false alarm)."""
    return "://" in text or "www." in text or "@" in text or _DOT_WORD.search(text) is not None


def fast_linkify_pretest(md: MarkdownIt) -> None:
    """Skip linkify-it's expensive pretest for text that cannot hold a link."""
    linkify = md.linkify
    if linkify is None:
        return
    slow_pretest = linkify.pretest

    def pretest(text: str) -> bool:
        return maybe_link(text) and bool(slow_pretest(text))

    linkify.pretest = pretest
