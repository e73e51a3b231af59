"""What the fast path must know of an essay before it may answer for it (markdown_fast.py).

A walk over markdown-it-pyrs's tree (`Survey`) collects what Salon rebuilds on top of
the Rust engine's HTML (headings, fences, the text of each inline run for the word count,
footnotes, the `<!-- more -->` marker, the lines of links) and raises `NotProvable` at
anything where the two engines are known to differ, or that is not listed here at all;
the checks on the source text below catch what the tree no longer shows.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from generator.build.excerpt import MORE_MARKER
from generator.contract.link_pretest import maybe_link

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
_REPLACED = r"\((?:c|r|tm|p)\)|\+-|\.\.|--|[?!]{2}|,,"
_REPLACED_AFTER = re.compile(_REPLACED, re.IGNORECASE)  # matched right after a quote
_REPLACED_BEFORE = re.compile(f"(?:{_REPLACED})\\Z", re.IGNORECASE)  # ending right before one
_DELIMITER_ROW = re.compile(
    r"^[ \t>]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$", re.M
)
# An empty list item: a line holding only its marker (after spaces or quote marks).
_EMPTY_ITEM = r"[ \t>]*(?:[-+*]|\d{1,9}[.)])[ \t]*$"
_EMPTY_ITEM_AT_START = re.compile(_EMPTY_ITEM, re.MULTILINE)
_EMPTY_ITEM_AFTER_BREAK = re.compile("\n" + _EMPTY_ITEM, re.MULTILINE)
_FOOTNOTE_DEF = re.compile(r"\[\^[^\]\n]*\]:")


class NotProvable(Exception):
    """This essay holds something the fast path does not prove identical: use the reference."""


class Survey:
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
        self.typed_doubles = _has_curly_doubles(source)
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
            raise NotProvable(name)
        if name == "html_block":
            if depth != 1 or self.more or not MORE_MARKER.match(node.meta.get("content", "")):
                raise NotProvable("raw HTML")
            self.more = True
            self.marker = node.meta["content"]  # rendered as written, spaces and all
            return
        if name in ("fence", "code_block") and not self.source.endswith("\n"):
            raise NotProvable("code at the end without a newline")  # one engine adds it
        if name == "fence":
            info = node.meta.get("info", "")
            if "&" in info or "\\" in info or info != info.strip() or len(info.split()) > 1:
                raise NotProvable("fence info")
            self.fences.append((info, node.meta["content"]))
            return
        if name == "heading":
            if depth != 1:
                raise NotProvable("nested heading")
        elif name == "table":
            start = len(self._byte_source()[: node.srcmap[0]].decode())
            if depth != 1 or not _after_blank(self.source, start):
                raise NotProvable("a table in a container or under text")
        elif name == "footnote_def":
            if parent != "footnote_container" or depth != 2:
                raise NotProvable("nested footnote")  # mdit-py-plugins breaks the HTML there
            if node.meta.get("inline"):
                raise NotProvable("inline footnote")
            self.footnotes += 1
        elif name == "list_item" and node.attrs:
            raise NotProvable("task list")
        if name in _CONTAINERS and not node.children:
            raise NotProvable("empty container")  # the engines break its line differently
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
            raise NotProvable(name)
        if name in _TEXTS:
            text = node.meta["content"]
            if maybe_link(text.replace("…", "...")):
                raise NotProvable("linkify")
            if "'" in text or '"' in text:
                raise NotProvable("quote left straight")  # the engines' smartquotes differ
            if text and (text[0] in _CURLY or text[-1] in _CURLY):
                # Its neighbour lies outside this text: the reference looks only within
                # the block, markdown-it-pyrs into the blocks around it too.
                raise NotProvable("quote at the edge of a text")
            if name == "text_special" and _has_curly_doubles(text):
                raise NotProvable("a curly quote from an entity")
            group.append(text)
        elif name in _BREAKS:
            group.append(" ")
            self._breaks += 1
        elif name == "code_inline":
            self.check_untypeset(node)
            group.extend(child.meta["content"] for child in node.children)
        elif name == "footnote_ref_anchor":
            if len(node.meta.get("ref_ids", ())) != 1:
                raise NotProvable("footnote cited twice")
        elif name in ("image", "autolink"):
            if name == "autolink":
                raise NotProvable("autolink")
            self.link_lines.append(self._line() + self._breaks)  # its alt text: not counted
            # markdown-it-py keeps an image's alt text inside the image token: unseen.
            self.check_untypeset(node)
            for child in node.walk():
                if child.name not in _IN_ALT:
                    # markdown-it-pyrs drops escapes, entities and hard breaks from alt text
                    raise NotProvable(f"{child.name} in an image's alt text")
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
                raise NotProvable("typed and made double quotes")
            source = self._slice(leaf)
            opening -= source.count("“")
            closing -= source.count("”")
        if opening != closing:
            raise NotProvable("double quotes paired across blocks")

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
            raise NotProvable("typographer in code")


def quote_by_replacement(text: str) -> bool:
    """A quote right before or after a typographer replacement ((c), --, .., ?? ...),
    where the engines differ. One regex over the whole text costs 0.34 ms an essay (an
    alternation tried at every position); looking around each quote, a few µs."""
    for quote in "'\"":
        at = text.find(quote)  # str.find, not a regex: 1.8 µs an essay against 19
        while at != -1:
            if _REPLACED_AFTER.match(text, at + 1) or _REPLACED_BEFORE.search(
                text, max(0, at - 4), at
            ):
                return True
            at = text.find(quote, at + 1)
    return False


def empty_list_item(text: str) -> bool:
    """A line holding only a list marker. One regex anchored at each line start (^ with
    MULTILINE) tries every position: 28-45 µs an essay; a match at the start and a
    search from each line break, which re finds as a literal, take 6."""
    return (
        _EMPTY_ITEM_AT_START.match(text) is not None
        or _EMPTY_ITEM_AFTER_BREAK.search(text) is not None
    )


def _has_curly_doubles(text: str) -> bool:
    return "“" in text or "”" in text  # `in` is a fast scan; re's class search is 25× slower


def nested_footnote_def(text: str) -> bool:
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


def odd_table(text: str) -> bool:
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


def check_single_quotes(groups: list[list[str]]) -> None:
    """A single pair crossing blocks would leave a ‘ (its ’ alone reads as an apostrophe,
    typed or made, so it cannot be told apart): any ‘ goes to the reference."""
    for group in groups:
        if "‘" in "".join(group):
            raise NotProvable("single quotes")
