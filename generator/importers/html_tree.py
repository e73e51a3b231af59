"""A forgiving HTML tree, built from html.parser events, for converting WordPress content.

Post HTML is a fragment written by hand, by editors and by plugins: unclosed <p>
and <li>, stray end tags, void elements written both ways. The builder closes
what a browser would close, so the converter can walk a proper tree. The tree is
built by mutation, so these node classes are plain (not frozen) dataclasses.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser


def names(text: str) -> frozenset[str]:
    """A set of tag names written as one space-separated string."""
    return frozenset(text.split())


VOID = names("area base br col embed hr img input link meta param source track wbr")
# Real content never nests this deep; hostile content must not exhaust the recursion limit.
MAX_DEPTH = 100
# Elements that end an open <p>, as in a browser.
CLOSES_P = names(
    "address article aside blockquote details dialog div dl fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section table ul"
)
INLINE = names(
    "a abbr b bdi bdo big br cite code data del dfn em font i img ins kbd mark q rp rt ruby s "
    "samp small span strike strong sub sup time tt u var wbr"
)
# An end tag is looked for only below these, so `</li>` cannot close an outer list's item.
_SCOPES: dict[str, frozenset[str]] = {
    "li": frozenset({"ul", "ol", "menu"}),
    "dt": frozenset({"dl"}),
    "dd": frozenset({"dl"}),
    "tr": frozenset({"table", "thead", "tbody", "tfoot"}),
    "td": frozenset({"tr", "table"}),
    "th": frozenset({"tr", "table"}),
    "thead": frozenset({"table"}),
    "tbody": frozenset({"table"}),
    "tfoot": frozenset({"table"}),
    "option": frozenset({"select", "datalist"}),
}
# Starting one of these closes an open sibling of the listed kinds.
_IMPLIED_END: dict[str, frozenset[str]] = {
    "li": frozenset({"li"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
    "tr": frozenset({"tr", "td", "th"}),
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    "thead": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "tbody": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "tfoot": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "option": frozenset({"option"}),
}


@dataclass
class Text:
    text: str


@dataclass
class Comment:
    text: str


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    def elements(self) -> Iterator[Element]:
        """Every element below this one, depth first."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.elements()

    def text_content(self) -> str:
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, Text):
                parts.append(child.text)
            elif isinstance(child, Element):
                parts.append("\n" if child.tag == "br" else child.text_content())
        return "".join(parts)

    def child_elements(self, *tags: str) -> list[Element]:
        return [c for c in self.children if isinstance(c, Element) and c.tag in tags]


Node = Text | Comment | Element


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root")
        self.stack: list[Element] = [self.root]

    def _pop_to(self, index: int) -> None:
        del self.stack[index:]

    def _find_open(self, tags: frozenset[str], scope: frozenset[str]) -> int | None:
        for index in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[index].tag
            if tag in tags:
                return index
            if tag in scope:
                return None
        return None

    def _open_p(self) -> int | None:
        for index in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[index].tag
            if tag == "p":
                return index
            if tag not in INLINE:
                return None
        return None

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        if tag in CLOSES_P:
            index = self._open_p()
            if index is not None:
                self._pop_to(index)
        implied = _IMPLIED_END.get(tag)
        if implied:
            index = self._find_open(implied, _SCOPES.get(tag, frozenset()))
            if index is not None:
                self._pop_to(index)
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID and not closed and len(self.stack) < MAX_DEPTH:
            self.stack.append(element)  # deeper than MAX_DEPTH, elements become siblings

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=True)

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":  # `</br>` is read as a line break by browsers too
            self.stack[-1].children.append(Element("br"))
            return
        scope = _SCOPES.get(tag, frozenset())
        index = self._find_open(frozenset({tag}), scope)
        if index is not None:
            self._pop_to(index)

    def handle_data(self, data: str) -> None:
        children = self.stack[-1].children
        if children and isinstance(children[-1], Text):
            children[-1].text += data
        else:
            children.append(Text(data))

    def handle_comment(self, data: str) -> None:
        self.stack[-1].children.append(Comment(data))

    def unknown_decl(self, data: str) -> None:
        if data.startswith("CDATA["):
            self.handle_data(data[6:])


def parse_html(text: str) -> Element:
    """The fragment as a tree under a `#root` element."""
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


def to_html(node: Node, keep: Callable[[str, str], bool]) -> str:
    """Serialise ``node`` back to HTML, keeping only attributes ``keep(tag, name)`` allows."""
    if isinstance(node, Text):
        return html.escape(node.text, quote=False)
    if isinstance(node, Comment):
        return ""
    attrs = "".join(
        f' {name}="{html.escape(value, quote=True)}"' if value != "" else f" {name}"
        for name, value in node.attrs.items()
        if keep(node.tag, name)
    )
    if node.tag in VOID:
        return f"<{node.tag}{attrs}>"
    inner = "".join(to_html(child, keep) for child in node.children)
    return f"<{node.tag}{attrs}>{inner}</{node.tag}>"
