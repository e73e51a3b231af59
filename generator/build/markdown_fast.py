"""The fast path for the author's Markdown: markdown-it-pyrs, where it is provably ours.

markdown-it-pyrs (the Rust port of markdown-it, from markdown-it-py's own organisation)
parses and renders an essay several times faster than markdown-it-py, which stays the
reference (markdown.py). It gives only HTML and a tree, so what Salon adds is rebuilt
here on top of them: heading ids (anchors.py's rule), Pygments highlighting, the
excerpt, the contents list, the word count, the body's links with their lines (for the
link check) and whether there is more than the excerpt.

`render_fast` answers only for essays it can prove it renders byte for byte as the
reference does, and None for every other (the caller then uses markdown-it-py):

- every node in the tree must be of a kind markdown_survey.py lists (anything new: the
  reference);
- no raw HTML but a top-level `<!-- more -->`: with none, every tag in the HTML is the
  renderer's, so the HTML can be read with patterns;
- none of the constructs where the two engines are known to differ: a footnote cited
  twice, inline footnotes, task lists, anything linkify could touch (links without a
  scheme; the order of the linkify and footnote plugins), setext headings, headings
  inside containers, a code fence whose info string holds escapes or attributes.

tests/test_markdown_fast.py renders the fixtures, the benchmark corpus and generated
documents both ways and requires identical Rendered records. A platform without the
wheel renders everything through the reference.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import filterfalse
from typing import Any

from generator.build.anchors import ReservedIds, unique_anchor
from generator.build.highlight import highlight_code
from generator.build.links import Link
from generator.build.markdown_survey import (
    NotProvable,
    Survey,
    check_single_quotes,
    empty_list_item,
    nested_footnote_def,
    odd_table,
    quote_by_replacement,
)
from generator.core.models import Heading, Rendered
from generator.core.urls import slugify

try:  # a native wheel: where it is missing, the reference renders everything
    import markdown_it_pyrs
except ImportError:  # pragma: no cover - exercised only where no wheel exists
    markdown_it_pyrs = None  # type: ignore[assignment]

_PLUGINS: tuple[Any, ...] = (
    "table",
    "strikethrough",
    "linkify",
    "replacements",
    "smartquotes",
    "footnote",
    "deflist",
    "tasklist",
)

_HEADING_TAG = re.compile(r"<h([1-6])>")
_CONTAINER_TAG = re.compile(r"<(/?)(?:blockquote|ul|ol|dl|table|section)[ >]|<p>")
_FOOTNOTE_REF = re.compile(
    r'<sup class="footnote-ref"><a href="#fn\d+" id="fnref\d+">\[\d+\]</a></sup>'
)


# The renderer's own link and image tags (no raw HTML gets this far): a footnote's mark and
# its way back carry an id or a class after the href, and are not the author's links.
_LINK_TAG = re.compile(r'<a href="([^"]*)"(?: title="[^"]*")?>|<img src="([^"]*)" alt="')


def _unescape(text: str) -> str:
    """The inverse of _escape (html.unescape would also read entities it never wrote)."""
    return (
        text.replace("&quot;", '"').replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    )


def _links(html: str, lines: list[int]) -> tuple[Link, ...]:
    """links.collect_links's record, from the HTML's tags and the tree's lines."""
    tags = _LINK_TAG.findall(html)
    if len(tags) != len(lines):
        raise NotProvable("link count")
    return tuple(
        (_unescape(src or href), line, bool(src))
        for (href, src), line in zip(tags, lines, strict=True)
    )


def _escape(text: str) -> str:
    """markdown-it's escapeHtml: & < > and the double quote; not the single quote."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


@lru_cache(maxsize=1)
def _engine() -> Any:
    if markdown_it_pyrs is None:  # pragma: no cover
        return None
    md = markdown_it_pyrs.MarkdownIt("commonmark")
    md.enable_many(list(_PLUGINS))
    return md


def available() -> bool:
    return _engine() is not None


def _heading_ids(
    headings: list[tuple[int, str]], footnotes: int, reserved: ReservedIds
) -> list[str]:
    """anchors.assign_heading_ids's rule: the theme's and the footnotes' ids first."""
    used = set(reserved.exact)
    used.update(f"{kind}{n + 1}" for n in range(footnotes) for kind in ("fn", "fnref"))
    return [unique_anchor(text, used, reserved, slugify) for _level, text in headings]


def _highlight(html: str, fences: list[tuple[str, str]]) -> str:
    """Each plain fence in the HTML replaced by what the reference's highlighter gives."""

    pieces, cursor = [], 0
    for info, content in fences:
        code = _escape(content)
        attr = f' class="language-{_escape(info)}"' if info else ""
        plain = f"<pre><code{attr}>{code}</code></pre>\n"
        at = html.find(plain, cursor)
        if at < 0:
            raise NotProvable("fence not found")
        highlighted = highlight_code(content, info)
        pieces.append(html[cursor:at])
        pieces.append(highlighted + "\n" if highlighted else plain)
        cursor = at + len(plain)
    pieces.append(html[cursor:])
    return "".join(pieces)


def _with_ids(html: str, ids: list[str]) -> str:
    found = iter(ids)

    def add_id(match: re.Match[str]) -> str:
        anchor = next(found, None)
        if anchor is None:
            raise NotProvable("heading count")
        return f'<h{match.group(1)} id="{_escape(anchor)}">'

    result = _HEADING_TAG.sub(add_id, html)
    if next(found, None) is not None:
        raise NotProvable("heading count")
    return result


def _first_paragraph(html: str) -> str:
    depth = 0
    for match in _CONTAINER_TAG.finditer(html):
        token = match.group(0)
        if token == "<p>":
            if depth == 0:
                end = html.find("</p>\n", match.end())
                return html[match.start() : end + 5]
        elif match.group(1):
            depth -= 1
        else:
            depth += 1
    return ""


def _html_and_survey(text: str) -> tuple[str, Survey]:
    md = _engine()
    survey = Survey(text)
    if nested_footnote_def(text):
        raise NotProvable("nested footnote")
    if empty_list_item(text):
        raise NotProvable("an empty list item")  # interrupts a paragraph for one engine only
    if quote_by_replacement(text):
        raise NotProvable("a quote beside a typographer replacement")  # engines differ
    if "~~~" in text:
        raise NotProvable("three tildes")  # the engines pair long strikethrough runs apart
    if odd_table(text):
        raise NotProvable("a table under text or in a quote")
    if "^[" in text:  # an inline footnote (refused anyway); unclosed, it panics the engine
        raise NotProvable("inline footnote")
    try:
        tree = md.tree(text)
        rendered = md.render(text)
    except BaseException as error:  # a Rust panic arrives as pyo3's PanicException
        if isinstance(error, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise NotProvable("markdown-it-pyrs failed") from error
    survey.block(tree, 0)
    check_single_quotes(survey.groups)
    # markdown-it-pyrs breaks the line after a footnote's <li>; mdit-py-plugins does not.
    html = rendered.replace('class="footnote-item">\n', 'class="footnote-item">')
    return _highlight(html, survey.fences), survey


def render_fast(text: str, summary: str, reserved: ReservedIds) -> Rendered | None:
    """The Rendered record markdown.render would give, or None where not proven."""
    if _engine() is None:  # pragma: no cover
        return None
    try:
        html, survey = _html_and_survey(text)
        if survey.more:
            cut = html.index(survey.marker)
            excerpt = html[:cut]
            # excerpt.more_index's rule: anything after the marker but closing tags (the
            # marker is at the top level here, so nothing closes after it).
            has_more = bool(html[cut + len(survey.marker) :].strip())
        elif summary:
            excerpt, summary_survey = _html_and_survey(summary)
            if summary_survey.headings or summary_survey.footnotes or summary_survey.more:
                return None
            has_more = True
        else:
            excerpt = _first_paragraph(html)
            # The reference's: more tokens than the first paragraph's. Every block that
            # is kept renders to something, so that is more HTML than the paragraph's.
            has_more = html != excerpt
        ids = _heading_ids(survey.headings, survey.footnotes, reserved)
        full = _with_ids(html, ids)
        links = _links(full, survey.link_lines)
    except NotProvable:
        return None
    toc = tuple(
        Heading(level, anchor, text)
        for (level, text), anchor in zip(survey.headings, ids, strict=True)
    )
    words = " ".join("".join(group) for group in survey.groups)
    return Rendered(
        html=full,
        excerpt_html=_FOOTNOTE_REF.sub("", excerpt),
        toc=toc,
        words=_count(words),
        links=links,
        has_more=has_more,
    )


_HAS_WORD = re.compile(r"[^\W_]")


def _count(text: str) -> int:
    """markdown._count_words's rule: runs between spaces holding a letter or a digit.

    Letters-only runs are told apart in C (filterfalse), leaving the pattern to the few
    with punctuation: a third faster than one generator over every run.
    """
    runs = text.split()
    rest = list(filterfalse(str.isalpha, runs))
    return len(runs) - len(rest) + len(list(filter(_HAS_WORD.search, rest)))
