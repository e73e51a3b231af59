"""The fast path for the author's Markdown: markdown-it-pyrs, where it is provably ours.

markdown-it-pyrs (the Rust port of markdown-it, from markdown-it-py's own organisation)
parses and renders an essay several times faster than markdown-it-py, which stays the
reference (markdown.py). It gives only HTML and a tree, so what Salon adds is rebuilt
here on top of them: heading ids (anchors.py's rule), Pygments highlighting, the
excerpt, the contents list, the word count, the body's links with their lines (for the
link check) and whether there is more than the excerpt.

`render_fast` answers only for essays it can prove it renders byte for byte as the
reference does, and None for every other (the caller then uses markdown-it-py):

- every node in the tree must be of a kind listed here (anything new: the reference);
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
from bisect import bisect_right
from functools import lru_cache
from itertools import filterfalse
from typing import Any

from generator.build.anchors import ReservedIds, unique_anchor
from generator.build.excerpt import MORE_MARKER
from generator.build.links import Link
from generator.contract.link_pretest import maybe_link
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

# Block nodes: their inline children form one inline token in markdown-it-py each.
_BLOCKS = frozenset(
    {
        "root",
        "paragraph",
        "heading",
        "blockquote",
        "bullet_list",
        "ordered_list",
        "list_item",
        "table",
        "thead",
        "tbody",
        "trow",
        "tcell",
        "definition_list",
        "definition_term",
        "definition_description",
        "footnote_container",
        "footnote_def",
        "hr",
        "fence",
        "code_block",
        "html_block",
        "definition",  # a link reference definition: no HTML of its own
    }
)
# Blocks whose source is their one inline token's, with its markup.
_LEAVES = frozenset({"paragraph", "heading", "tcell", "definition_term"})
_CONTAINERS = frozenset(
    {"blockquote", "list_item", "definition_description", "footnote_def", "bullet_list"}
)
# Inline nodes whose text a reader sees (text_special: an escape or an entity).
_TEXTS = frozenset({"text", "text_special"})
_INLINES = frozenset(
    {
        "text",
        "text_special",
        "code_inline",
        "em",
        "strong",
        "link",
        "image",
        "softbreak",
        "hardbreak",
        "strikethrough",
        "footnote_ref",
        "footnote_ref_anchor",
        "autolink",
    }
)
_BREAKS = frozenset({"softbreak", "hardbreak"})
# What an image's alt text may hold for the two engines to agree on it.
_IN_ALT = frozenset(
    {"image", "text", "em", "strong", "strikethrough", "code_inline", "link", "softbreak"}
)

# What smartquotes and replacements act on: quotes, (c) (r) (tm) (p), +-, .., ??, !!, ,, and --.
_TYPOGRAPHER_INPUT = re.compile(r"""['"]|\((?:c|r|tm|p)\)|\+-|\.\.|\?\?|!!|,,|--""", re.I)
_CURLY = "‘’“”"
_CURLY_DOUBLES = re.compile("[“”]")
_REPLACED = r"\((?:c|r|tm|p)\)|\+-|\.\.|--|[?!]{2}|,,"
_QUOTE_BY_REPLACEMENT = re.compile(f"(?:{_REPLACED})['\"]|['\"](?:{_REPLACED})", re.IGNORECASE)
_DELIMITER_ROW = re.compile(
    r"^[ \t>]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$", re.M
)
_EMPTY_ITEM = re.compile(r"^[ \t>]*(?:[-+*]|\d{1,9}[.)])[ \t]*$", re.MULTILINE)
_FOOTNOTE_DEF = re.compile(r"\[\^[^\]\n]*\]:")
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
        raise _NotProvable("link count")
    return tuple(
        (_unescape(src or href), line, bool(src))
        for (href, src), line in zip(tags, lines, strict=True)
    )


def _escape(text: str) -> str:
    """markdown-it's escapeHtml: & < > and the double quote; not the single quote."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


class _NotProvable(Exception):
    """This essay holds something the fast path does not prove identical: use the reference."""


@lru_cache(maxsize=1)
def _engine() -> Any:
    if markdown_it_pyrs is None:  # pragma: no cover
        return None
    md = markdown_it_pyrs.MarkdownIt("commonmark")
    md.enable_many(list(_PLUGINS))
    return md


def available() -> bool:
    return _engine() is not None


class _Survey:
    """What a walk over the tree finds: headings, fences, texts, footnotes, the marker."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._bytes: bytes | None = None
        self.groups: list[list[str]] = []  # the text of each inline token, in order
        self.headings: list[tuple[int, str]] = []
        self.fences: list[tuple[str, str]] = []  # (info, content)
        self.footnotes = 0
        self.more = False
        self.marker = ""
        self.typed_doubles = bool(_CURLY_DOUBLES.search(source))
        self._plain = True  # the current inline token holds no link, image or footnote mark
        # The line (from 0) of each link and image, counted as links.collect_links counts:
        # the line its block starts on, plus the line breaks before it in the block's text.
        self.link_lines: list[int] = []
        self._block: Any = None  # the block whose inline content is being walked
        self._breaks = 0
        self._line_starts: list[int] | None = None

    def block(self, node: Any, depth: int, parent: str = "") -> None:
        name = node.name
        if name not in _BLOCKS:
            raise _NotProvable(name)
        if name == "html_block":
            if depth != 1 or self.more or not MORE_MARKER.match(node.meta.get("content", "")):
                raise _NotProvable("raw HTML")
            self.more = True
            self.marker = node.meta["content"]  # rendered as written, spaces and all
            return
        if name in ("fence", "code_block") and not self.source.endswith("\n"):
            raise _NotProvable("code at the end without a newline")  # one engine adds it
        if name == "fence":
            info = node.meta.get("info", "")
            if "&" in info or "\\" in info or info != info.strip() or len(info.split()) > 1:
                raise _NotProvable("fence info")
            self.fences.append((info, node.meta["content"]))
            return
        if name == "heading":
            if depth != 1:
                raise _NotProvable("nested heading")
        elif name == "table":
            start = len(self._byte_source()[: node.srcmap[0]].decode())
            if depth != 1 or not _after_blank(self.source, start):
                raise _NotProvable("a table in a container or under text")
        elif name == "footnote_def":
            if parent != "footnote_container" or depth != 2:
                raise _NotProvable("nested footnote")  # mdit-py-plugins breaks the HTML there
            if node.meta.get("inline"):
                raise _NotProvable("inline footnote")
            self.footnotes += 1
        elif name == "list_item" and node.attrs:
            raise _NotProvable("task list")
        if name in _CONTAINERS and not node.children:
            raise _NotProvable("empty container")  # the engines break its line differently
        group: list[str] | None = None
        for child in node.children:
            if child.name in _INLINES:
                if group is None:
                    group = []
                    self.groups.append(group)
                    self._plain = True
                    self._block, self._breaks = node, 0
                self.inline(child, group)
            else:
                if group is not None:
                    self.check_doubles(group, None)
                group = None
                self.block(child, depth + 1, name)
        if group is not None:
            self.check_doubles(group, node if name in _LEAVES else None)
        if name == "heading":
            text = "".join(group) if group is not None else ""
            self.headings.append((int(node.meta["level"]), text))

    def inline(self, node: Any, group: list[str]) -> None:
        name = node.name
        if name not in _INLINES:
            raise _NotProvable(name)
        if name in _TEXTS:
            text = node.meta["content"]
            if maybe_link(text.replace("…", "...")):
                raise _NotProvable("linkify")
            if "'" in text or '"' in text:
                raise _NotProvable("quote left straight")  # the engines' smartquotes differ
            if text and (text[0] in _CURLY or text[-1] in _CURLY):
                # Its neighbour lies outside this text: the reference looks only within
                # the block, markdown-it-pyrs into the blocks around it too.
                raise _NotProvable("quote at the edge of a text")
            if name == "text_special" and _CURLY_DOUBLES.search(text):
                raise _NotProvable("a curly quote from an entity")
            group.append(text)
        elif name in _BREAKS:
            group.append(" ")
            self._breaks += 1
        elif name == "code_inline":
            self.check_untypeset(node)
            group.extend(child.meta["content"] for child in node.children)
        elif name == "footnote_ref_anchor":
            if len(node.meta.get("ref_ids", ())) != 1:
                raise _NotProvable("footnote cited twice")
        elif name in ("image", "autolink"):
            if name == "autolink":
                raise _NotProvable("autolink")
            self.link_lines.append(self._line() + self._breaks)  # its alt text: not counted
            # markdown-it-py keeps an image's alt text inside the image token: unseen.
            self.check_untypeset(node)
            for child in node.walk():
                if child.name not in _IN_ALT:
                    # markdown-it-pyrs drops escapes, entities and hard breaks from alt text
                    raise _NotProvable(f"{child.name} in an image's alt text")
        elif name != "footnote_ref":
            if name == "link":
                self._plain = False
                self.link_lines.append(self._line() + self._breaks)
            for child in node.children:
                self.inline(child, group)
        if name in ("image", "footnote_ref"):
            self._plain = False

    def check_doubles(self, group: list[str], leaf: Any) -> None:
        """Refuse where markdown-it-pyrs may have paired double quotes across blocks.

        The reference pairs quotes within one inline token (a paragraph, a heading, a
        cell); markdown-it-pyrs carries its stack on to the next block (`"a` then `b"`
        gives “a and b”). No straight quote is left in the output (checked elsewhere),
        and the engine leaves an unpaired double quote straight, so every “ and ” it made
        is paired: a pair crossing blocks leaves the first block it leaves with more “
        than ” of the engine's own. Those typed by the author are counted in the block's
        source, which stands for its text when the block holds nothing but text (no
        link, image or footnote mark, whose targets and labels the text does not show).
        """
        text = "".join(group)
        opening, closing = text.count("“"), text.count("”")
        if not opening and not closing:
            return
        if self.typed_doubles:
            if leaf is None or not self._plain:
                raise _NotProvable("typed and made double quotes")
            source = self._slice(leaf)
            opening -= source.count("“")
            closing -= source.count("”")
        if opening != closing:
            raise _NotProvable("double quotes paired across blocks")

    def _line(self) -> int:
        """The line the current block starts on, from 0."""
        if self._line_starts is None:
            data = self._byte_source()
            starts, at = [0], data.find(b"\n")
            while at >= 0:
                starts.append(at + 1)
                at = data.find(b"\n", at + 1)
            self._line_starts = starts
        return bisect_right(self._line_starts, self._block.srcmap[0]) - 1

    def _byte_source(self) -> bytes:
        if self._bytes is None:
            self._bytes = self.source.encode()
        return self._bytes

    def _slice(self, node: Any) -> str:
        start, end = node.srcmap  # in bytes
        return self._byte_source()[start:end].decode()

    def check_untypeset(self, node: Any) -> None:
        """markdown-it-pyrs applies the typographer inside code spans and images' alt
        text; the reference leaves both as written."""
        if _TYPOGRAPHER_INPUT.search(self._slice(node)):
            raise _NotProvable("typographer in code")


def _nested_footnote_def(text: str) -> bool:
    """A footnote definition not at the start of its line (in a list, a quote, a note),
    or right under a line of text, which only mdit-py-plugins lets it interrupt."""
    for match in _FOOTNOTE_DEF.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        indent = text[line_start : match.start()]
        if len(indent) > 3 or indent.strip(" "):
            return True
        if line_start and not _after_blank(text, line_start):
            return True
    return False


def _odd_table(text: str) -> bool:
    """A table's delimiter row whose header is not a plain line after a blank one: there
    the engines disagree on whether a table begins (a quote, a paragraph, lazy lines)."""
    if "|" not in text or "-" not in text:
        return False
    for match in _DELIMITER_ROW.finditer(text):
        header_end = match.start() - 1
        if header_end < 0:
            return True
        header_start = text.rfind("\n", 0, header_end) + 1
        header = text[header_start:header_end]
        if not header.strip():
            continue  # no header line: a rule, not a table
        if header.lstrip().startswith((">", "-", "*", "+")) or not _after_blank(text, header_start):
            return True
    return False


def _after_blank(text: str, line_start: int) -> bool:
    """True when the line starting at ``line_start`` follows a blank line (or nothing)."""
    previous = text.rfind("\n", 0, line_start - 1) + 1
    return line_start == 0 or not text[previous : line_start - 1].strip()


def _check_single_quotes(groups: list[list[str]]) -> None:
    """A single pair crossing blocks would leave a ‘ (its ’ alone reads as an apostrophe,
    typed or made, so it cannot be told apart): any ‘ goes to the reference."""
    for group in groups:
        if "‘" in "".join(group):
            raise _NotProvable("single quotes")


def _heading_ids(
    headings: list[tuple[int, str]], footnotes: int, reserved: ReservedIds
) -> list[str]:
    """anchors.assign_heading_ids's rule: the theme's and the footnotes' ids first."""
    used = set(reserved.exact)
    used.update(f"{kind}{n + 1}" for n in range(footnotes) for kind in ("fn", "fnref"))
    return [unique_anchor(text, used, reserved, slugify) for _level, text in headings]


def _highlight(html: str, fences: list[tuple[str, str]]) -> str:
    """Each plain fence in the HTML replaced by what the reference's highlighter gives."""
    from generator.build.markdown import highlight_code

    pieces, cursor = [], 0
    for info, content in fences:
        code = _escape(content)
        attr = f' class="language-{_escape(info)}"' if info else ""
        plain = f"<pre><code{attr}>{code}</code></pre>\n"
        at = html.find(plain, cursor)
        if at < 0:
            raise _NotProvable("fence not found")
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
            raise _NotProvable("heading count")
        return f'<h{match.group(1)} id="{_escape(anchor)}">'

    result = _HEADING_TAG.sub(add_id, html)
    if next(found, None) is not None:
        raise _NotProvable("heading count")
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


def _html_and_survey(text: str) -> tuple[str, _Survey]:
    md = _engine()
    survey = _Survey(text)
    if _nested_footnote_def(text):
        raise _NotProvable("nested footnote")
    if _EMPTY_ITEM.search(text):
        raise _NotProvable("an empty list item")  # interrupts a paragraph for one engine only
    if _QUOTE_BY_REPLACEMENT.search(text):
        raise _NotProvable("a quote beside a typographer replacement")  # engines differ
    if "~~~" in text:
        raise _NotProvable("three tildes")  # the engines pair long strikethrough runs apart
    if _odd_table(text):
        raise _NotProvable("a table under text or in a quote")
    if "^[" in text:  # an inline footnote (refused anyway); unclosed, it panics the engine
        raise _NotProvable("inline footnote")
    try:
        tree = md.tree(text)
        rendered = md.render(text)
    except BaseException as error:  # a Rust panic arrives as pyo3's PanicException
        if isinstance(error, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise _NotProvable("markdown-it-pyrs failed") from error
    survey.block(tree, 0)
    _check_single_quotes(survey.groups)
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
    except _NotProvable:
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
